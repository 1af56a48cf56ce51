namespace AgentDesk.Web.Api;

/// <summary>Request limits from configuration (<c>AgentDesk:Limits</c>).</summary>
public sealed class ApiLimits
{
    public long MaxBodyBytes { get; set; } = 2 * 1024 * 1024;

    public static ApiLimits From(IConfiguration config) => config.GetSection("AgentDesk:Limits").Get<ApiLimits>() ?? new ApiLimits();

    public Task<JsonArgs> ReadAsync(HttpContext http) => JsonArgs.ReadAsync(http.Request, MaxBodyBytes);
}
