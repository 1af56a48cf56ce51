using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using AgentDesk.E2E.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentDesk.E2E.Pages;

/// <summary>The overview page at / in a real chromium against the real app process.</summary>
public sealed class HomePageTests(BrowserFixture fixture, ITestOutputHelper output) : PageTest(output), IClassFixture<BrowserFixture>
{
    protected override AppProcess SharedApp => fixture.App;
    protected override IBrowser Browser => fixture.Browser;

    private const string XssMarkup = "<script>window.__xss=1</script> <img src=x onerror=\"window.__xss=1\">";


    [Fact]
    public async Task HomePage_Opened_LoadsBlazorScriptAndLogsNoConsoleErrors()
    {
        var (page, script) = await OpenHomeAsync(fixture.App);

        // Served (the sign-in page loaded it first, so the browser may revalidate: 304).
        Assert.Contains(script.Status, new[] { 200, 304 });
        await Expect(page).ToHaveTitleAsync("AgentDesk — overview");
        await WaitUntilLiveAsync(page);
        await Expect(page.GetByTestId("live-status")).ToContainTextAsync("live");
        Assert.Contains(Sockets, url => new Uri(url).AbsolutePath.StartsWith("/_blazor", StringComparison.Ordinal));
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task HomePage_FreshDatabase_ShowsEmptyStateUntilFirstMemoryArrives()
    {
        var app = OwnApp = await AppProcess.LaunchAsync(); // the shared app has agents by now
        var (page, _) = await OpenHomeAsync(app);

        await Expect(page.GetByText("No agents yet")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("live-status")).ToContainTextAsync("live");

        // It may arrive with the circuit's first load or live; the live push has a test of its own.
        var agentId = "first-" + Guid.NewGuid().ToString("N")[..8];
        await StoreMemoryAsync(app, agentId, "the first memory on a fresh desk");
        await Expect(page.GetByTestId("agents-grid")).ToContainTextAsync(agentId);
        await Expect(page.GetByText("No agents yet")).ToBeHiddenAsync();
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task HomePage_MemoryStoredWhileOpen_ShowsMemoryAndAgentWithoutReload()
    {
        var (page, _) = await OpenHomeAsync(fixture.App);
        await WaitUntilLiveAsync(page);
        await page.EvaluateAsync("() => { window.__e2eSamePage = true; }");

        var agentId = "live-" + Guid.NewGuid().ToString("N")[..8];
        var content = $"pushed to the open page {Guid.NewGuid():N}";
        await StoreMemoryAsync(agentId, content);

        await Expect(page.GetByTestId("memory-list")).ToContainTextAsync(content);
        await Expect(page.GetByTestId("agents-grid")).ToContainTextAsync(agentId);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__e2eSamePage === true"), "the page reloaded instead of updating live");
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task HomePage_MemoryContentWithMarkup_RendersItAsText()
    {
        var (page, _) = await OpenHomeAsync(fixture.App);
        await WaitUntilLiveAsync(page);

        var marker = Guid.NewGuid().ToString("N");
        var content = $"{XssMarkup} {marker}";
        await StoreMemoryAsync("xss-" + marker[..8], content);

        // Pushed live over the circuit, then rendered afresh (prerendered HTML, then interactive).
        await AssertRenderedAsTextAsync(page, content, marker);
        await page.ReloadAsync();
        await AssertRenderedAsTextAsync(page, content, marker);
        Assert.Empty(ConsoleErrors);
    }



    private async Task<(IPage Page, IResponse BlazorScript)> OpenHomeAsync(AppProcess app)
    {
        var page = await NewPageAsync();

        var viewer = await app.CreateUserAsync("viewer", ["agent"]);
        IResponse? script = null;
        await page.SignInAsync(app, viewer, "/", async click => script = await page.RunAndWaitForResponseAsync(
            click, response => new Uri(response.Url).AbsolutePath == "/_framework/blazor.web.js"));
        return (page, script!);
    }

    /// <summary>
    /// Waits until the page's circuit is interactive and subscribed to changes. A memory stored after
    /// the prerendered HTML was served can only appear once the interactive component has loaded, and
    /// it subscribes before that render; from then on, anything new on the page arrived live.
    /// </summary>
    private async Task WaitUntilLiveAsync(IPage page)
    {
        var content = $"circuit warm-up {Guid.NewGuid():N}";
        await StoreMemoryAsync("warmup-agent", content);
        await Expect(page.GetByTestId("memory-list")).ToContainTextAsync(content);
    }

    private static async Task AssertRenderedAsTextAsync(IPage page, string content, string marker)
    {
        var list = page.GetByTestId("memory-list");
        await Expect(list.Locator(".memory-content", new() { HasText = marker })).ToHaveTextAsync(content);
        await Expect(list.Locator("script, img")).ToHaveCountAsync(0);
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
    }

    private Task StoreMemoryAsync(string agentId, string content) => StoreMemoryAsync(fixture.App, agentId, content);

    private static async Task StoreMemoryAsync(AppProcess app, string agentId, string content)
    {
        using var response = await app.Client.PostAsJsonAsync("v1/memory/store", new { agent_id = agentId, content });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"store answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
