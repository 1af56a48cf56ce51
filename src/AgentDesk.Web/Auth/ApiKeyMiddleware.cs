using AgentDesk.Core;
using AgentDesk.Web.Api;

namespace AgentDesk.Web.Auth;

/// <summary>
/// Authenticates every <c>/v1</c> request (Bearer or X-API-Key) and enforces the scopes the matched
/// endpoint requires. Runs after routing so it can read the endpoint's <see cref="RequiredScopes"/>.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyStore keys)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var secret = ReadKey(context.Request);
        if (secret is null)
        {
            await ApiJson.WriteErrorAsync(context, new DeskException("AUTHENTICATION_REQUIRED", 401,
                "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"));
            return;
        }
        var caller = await keys.AuthenticateAsync(secret, context.RequestAborted);
        if (caller is null)
        {
            await ApiJson.WriteErrorAsync(context, new DeskException("INVALID_API_KEY", 401, "the API key is not valid or has been revoked"));
            return;
        }
        var required = context.GetEndpoint()?.Metadata.GetMetadata<RequiredScopes>();
        if (required is not null && !caller.HasAnyScope(required.AnyOf))
        {
            await ApiJson.WriteErrorAsync(context, new DeskException("INSUFFICIENT_SCOPE", 403,
                $"this API key lacks the scope this call needs ({string.Join(" or ", required.AnyOf)})"));
            return;
        }
        context.SetCaller(caller);
        await next(context);
    }

    public static string? ReadKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return authorization["Bearer ".Length..].Trim() is { Length: > 0 } bearer ? bearer : null;
        return request.Headers["X-API-Key"].ToString() is { Length: > 0 } header ? header.Trim() : null;
    }
}
