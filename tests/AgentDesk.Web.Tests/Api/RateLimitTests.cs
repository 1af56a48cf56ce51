using System.Diagnostics;
using System.Net;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>The host with a tiny per-key rate: a burst of 3, then one request a second.</summary>
public sealed class SlowRateDeskFactory : DeskFactory
{
    public const int Burst = 3;

    public SlowRateDeskFactory()
    {
        Settings["AgentDesk:RateLimit:RequestsPerSecond"] = "1";
        Settings["AgentDesk:RateLimit:Burst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Each API key has its own request rate: over it, 429 with Retry-After and nothing done; other keys unaffected.</summary>
public sealed class RateLimitTests(SlowRateDeskFactory desk) : IClassFixture<SlowRateDeskFactory>
{
    [Fact]
    public async Task Key_OverItsBurst_Gets429WithRetryAfter_WritesNothing_AndAnotherKeyIsServed()
    {
        var agent = DeskApi.NewAgent("rate");
        var noisy = desk.WithKey(await desk.CreateKeyAsync(["read", "write"]));
        var quiet = desk.WithKey(await desk.CreateKeyAsync(["read"]));
        for (var i = 0; i < SlowRateDeskFactory.Burst; i++)
            await (await noisy.GetAsync($"/v1/agents/{agent}/memories")).OkAsync();

        var refused = await noisy.PostJsonAsync("/v1/memory/store", new { agent_id = agent, content = "over the limit" });

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, "a Retry-After in whole seconds");
        await refused.AssertErrorAsync(429, "RATE_LIMITED");
        await (await quiet.GetAsync($"/v1/agents/{agent}/memories")).OkAsync();
        Assert.Empty((await (await desk.Root().GetAsync($"/v1/agents/{agent}/memories")).OkAsync()).EnumerateArray());
    }

    [Fact]
    public async Task RootKey_OfTheConfiguration_IsNotLimited()
    {
        for (var i = 0; i < 3 * SlowRateDeskFactory.Burst; i++)
            await (await desk.Root().GetAsync("/v1/agents")).OkAsync();
    }

    [Fact]
    public async Task Key_AfterItsRetryAfter_IsServedAgain()
    {
        var key = desk.WithKey(await desk.CreateKeyAsync(["read"]));
        HttpResponseMessage answer;
        do answer = await key.GetAsync("/v1/agents");
        while (answer.StatusCode == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.TooManyRequests, answer.StatusCode);
        var retryAfter = answer.Headers.RetryAfter!.Delta!.Value;

        // The bucket refills on its own: poll (no fixed sleep) until the key is served, within twice its Retry-After.
        var clock = Stopwatch.StartNew();
        while ((await key.GetAsync("/v1/agents")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(clock.Elapsed < 2 * retryAfter + TimeSpan.FromSeconds(1), $"still refused {clock.Elapsed} after a Retry-After of {retryAfter}");
            await Task.Yield();
        }
    }
}
