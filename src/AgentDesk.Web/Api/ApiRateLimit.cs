using System.Globalization;
using System.Threading.RateLimiting;
using AgentDesk.Core;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Api;

/// <summary>
/// The request rate each issued API key may sustain (<c>AgentDesk:RateLimit</c>): a token bucket per key, refilled
/// every 100 ms, so one noisy bot cannot starve the others. The defaults sit near what this server answers on a small
/// machine, so a well-behaved client rarely meets them; operators tune them per deployment. The bootstrap root key of
/// the configuration is the operator's own (migrations checks, audits, recovery) and is not limited.
/// </summary>
public sealed class ApiRateLimitOptions
{
    public const string SectionName = "AgentDesk:RateLimit";

    /// <summary>Sustained requests per second per key.</summary>
    public int RequestsPerSecond { get; set; } = 2_000;

    /// <summary>How many requests a key may send at once after a quiet spell.</summary>
    public int Burst { get; set; } = 4_000;

    public static ApiRateLimitOptions From(IConfiguration config) => config.GetSection(SectionName).Get<ApiRateLimitOptions>() ?? new ApiRateLimitOptions();
}

/// <summary>One token bucket per API key, refilled every 100 ms (a singleton, disposed with the host).</summary>
public sealed class ApiRateLimiter : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private readonly PartitionedRateLimiter<string> _buckets;

    public ApiRateLimiter(ApiRateLimitOptions options)
    {
        if (options.RequestsPerSecond < 1 || options.Burst < 1)
            throw new InvalidOperationException($"{ApiRateLimitOptions.SectionName}: RequestsPerSecond and Burst must be at least 1");
        Options = options;
        var perPeriod = Math.Max(1, (int)Math.Round(options.RequestsPerSecond * Period.TotalSeconds));
        _buckets = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Burst,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = Period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public ApiRateLimitOptions Options { get; }

    /// <returns>Null when the key may go ahead, else how long it should wait.</returns>
    public TimeSpan? TryTake(string keyId)
    {
        using var lease = _buckets.AttemptAcquire(keyId);
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => _buckets.Dispose();
}

/// <summary>
/// Refuses a request over its key's rate with 429 <c>RATE_LIMITED</c> and a <c>Retry-After</c> in seconds (before
/// the request is read or anything is written). Runs after the key is known (<see cref="ApiKeyMiddleware"/>).
/// </summary>
public sealed class ApiRateLimitMiddleware(RequestDelegate next, ApiRateLimiter limiter)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var keyId = http.Caller().KeyId;
        if (keyId != ApiKeyStore.RootKeyId && limiter.TryTake(keyId) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await ApiJson.WriteErrorAsync(http, new DeskException("RATE_LIMITED", StatusCodes.Status429TooManyRequests,
                $"this API key sent more than {limiter.Options.RequestsPerSecond:N0} requests a second (bursts up to {limiter.Options.Burst:N0}); retry after {seconds} s"));
            return;
        }
        await next(http);
    }
}
