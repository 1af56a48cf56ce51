namespace AgentDesk.Web;

/// <summary>
/// Headers every answer carries: no MIME sniffing, no framing (clickjacking), no referrer leaking case URLs, and for
/// pages a content security policy that allows only this origin's scripts, styles, images, fonts and connections
/// (the Blazor circuit and the hub are same-origin WebSockets). Inline styles stay allowed: Radzen sets them.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        return next(http);
    });
}
