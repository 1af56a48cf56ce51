using System.Net;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>
/// The host itself: the repository-root development settings, our own assets at /assets, the Blazor UI.
/// Read-only: these tests expect the desk to stay empty.
/// </summary>
public sealed class HostTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private static readonly string RepoRoot = RepoPaths.FindRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("tests run from inside the repository");

    [Fact]
    public async Task Health_InDevelopment_ReportsInstanceNameFromRootDevelopmentSettings()
    {
        // The value exists only in the root file; the project's own settings say "agentdesk".
        Assert.Contains("\"agentdesk-dev\"", await File.ReadAllTextAsync(Path.Combine(RepoRoot, "appsettings.Development.json")));
        Assert.Equal("agentdesk", JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoRoot, "src/AgentDesk.Web/appsettings.json")))
            .RootElement.GetProperty("AgentDesk").GetProperty("InstanceName").GetString());
        Assert.False(File.Exists(Path.Combine(RepoRoot, "src/AgentDesk.Web/appsettings.Development.json")));

        var body = await (await desk.WithKey(null).GetAsync("/health")).OkAsync();

        Assert.Equal("agentdesk-dev", body.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task RootDevelopmentSettings_RankBelowHostSettings()
    {
        // The root file sets RootApiKey and DemoData=true; the host's own settings (the test's) must win.
        Assert.NotEqual("dev-root-key-change-me", desk.RootKey);

        await (await desk.WithKey("dev-root-key-change-me").GetAsync("/v1/agents")).AssertErrorAsync(401, "INVALID_API_KEY");
        var agents = await (await desk.Root().GetAsync("/v1/agents")).OkAsync();
        Assert.Equal(0, agents.GetArrayLength());
    }

    [Fact]
    public async Task Assets_DeskCss_IsServedFromWwwrootAssets()
    {
        var response = await desk.CreateClient().GetAsync("/assets/desk.css");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(RepoRoot, "wwwroot-assets/desk.css")), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Assets_Favicon_IsServedAsSvg()
    {
        var response = await desk.CreateClient().GetAsync("/assets/favicon.svg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Assets_UnknownFile_Returns404WithoutTheApiErrorBody()
    {
        var response = await desk.CreateClient().GetAsync("/assets/missing.css");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("\"code\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Home_Get_RendersHtmlNamingAgentDesk()
    {
        var response = await desk.CreateClient().GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<title>AgentDesk", html);
        Assert.Contains("AgentDesk", html);
        Assert.Contains("assets/desk.css", html);
    }

    [Fact]
    public async Task Home_OnEmptyDesk_RendersTheEmptyStateNotAStorageError()
    {
        var browser = desk.Browser();
        await browser.SignInAsync(await desk.CreateUserAsync("viewer", [AgentDesk.Web.Auth.DeskRoles.Agent]), DeskLogin.Password);
        var html = await (await browser.GetAsync("/")).Content.ReadAsStringAsync();

        Assert.Contains("No agents yet", html);
        Assert.DoesNotContain("Cannot read the desk", html);
        Assert.DoesNotContain("storage unavailable", html);
    }
}
