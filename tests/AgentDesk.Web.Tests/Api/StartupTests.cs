using System.Net;
using AgentDesk.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentDesk.Web.Tests.Api;

/// <summary>
/// The host without its start-up service: it listens but never finishes starting, which is how it
/// looks to clients while migrations run.
/// </summary>
public sealed class StartingDeskFactory : DeskFactory
{
    protected override bool WaitUntilReady => false;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            var startup = services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(StartupService));
            services.Remove(startup);
        });
    }
}

public sealed class StartupTests(StartingDeskFactory desk) : IClassFixture<StartingDeskFactory>
{
    [Fact]
    public async Task Ready_WhileStarting_Returns503WithRetryAfterAndPhase()
    {
        var response = await desk.WithKey(null).GetAsync("/health/ready");
        var body = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        Assert.False(body.GetProperty("ready").GetBoolean());
        Assert.True(body.GetProperty("starting").GetBoolean());
        Assert.Equal("applying migrations", body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Live_WhileStarting_Returns200()
    {
        var body = await (await desk.WithKey(null).GetAsync("/health/live")).OkAsync();
        Assert.True(body.GetProperty("alive").GetBoolean());
    }

    [Theory]
    [InlineData("GET", "/v1/agents")]
    [InlineData("POST", "/v1/memory/store")]
    public async Task Api_WhileStarting_Returns503ServiceUnavailableBeforeAuthentication(string method, string path)
    {
        // No key at all: the gate answers first, because keys live in the database being migrated.
        var response = await desk.WithKey(null).SendRawAsync(new HttpMethod(method), path, """{"agent_id":"a","content":"x"}""");

        await response.AssertErrorAsync(503, "SERVICE_UNAVAILABLE");
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
    }
}
