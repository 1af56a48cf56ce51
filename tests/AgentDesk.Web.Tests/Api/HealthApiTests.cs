using System.Net;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>Liveness, readiness and version: no key needed, JSON always.</summary>
public sealed class HealthApiTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    [Fact]
    public async Task Health_WithoutKey_ReportsHealthyWithVersionAndInstance()
    {
        var body = await (await desk.WithKey(null).GetAsync("/health")).OkAsync();

        Wire.AssertFields(body, "status", "version", "instance");
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+$", body.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Live_WithoutKey_ReportsAliveWithIntegerUptime()
    {
        var body = await (await desk.WithKey(null).GetAsync("/health/live")).OkAsync();

        Wire.AssertFields(body, "alive", "version", "uptime_seconds");
        Assert.True(body.GetProperty("alive").GetBoolean());
        Assert.True(body.GetProperty("uptime_seconds").TryGetInt64(out var uptime) && uptime >= 0);
    }

    [Fact]
    public async Task Ready_AfterStartup_ReportsReadyWithDatabaseCheck()
    {
        var body = await (await desk.WithKey(null).GetAsync("/health/ready")).OkAsync();

        Wire.AssertFields(body, "ready", "version", "checks");
        Assert.True(body.GetProperty("ready").GetBoolean());
        var database = body.GetProperty("checks").GetProperty("database");
        Assert.Equal("ok", database.GetProperty("status").GetString());
        Assert.Contains(TestEngine.IsPostgres ? "postgres" : "sqlite", database.GetProperty("message").GetString());
        var embeddings = body.GetProperty("checks").GetProperty("embeddings");
        Assert.Equal("ok", embeddings.GetProperty("status").GetString());
        Assert.Contains("glove-6b-100d-sif", embeddings.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HealthRoutes_WithAWrongKey_StillAnswer200(string path)
    {
        var response = await desk.WithKey("not-a-real-key").GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.Object, (await response.JsonAsync()).ValueKind);
    }

    [Fact]
    public async Task Health_WrongMethod_Returns405Json()
    {
        await (await desk.WithKey(null).PostJsonAsync("/health", new { })).AssertErrorAsync(405, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Health_UnknownSubpath_Returns404Json()
    {
        await (await desk.WithKey(null).GetAsync("/health/nothing-here")).AssertErrorAsync(404, "NOT_FOUND");
    }
}
