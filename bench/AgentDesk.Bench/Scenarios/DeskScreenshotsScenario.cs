using AgentDesk.Bench.Infrastructure;
using Microsoft.Playwright;

namespace AgentDesk.Bench.Scenarios;

/// <summary>
/// The README's pictures of the desk, taken from the real Release server with the demo data and Maria (billing tier 1
/// and 2) signed in, at 1366×768: her queue, the two-leg billing case loading (on a second server whose context recall
/// is slowed by 2 s, so the state stays on screen), and the same case connected: its first screen and, scrolled, the next;
/// then Sofia's shift board handing Maria's early-shift case over, the demo's cross-channel thread, and Sofia's analytics. Measures nothing; it lives here
/// because the harness already builds and starts the server and drives chromium.
/// </summary>
public sealed class DeskScreenshotsScenario : IScenario
{
    private const string User = "maria";
    private const string Supervisor = "sofia";
    private const string DemoPassword = "desk-demo-2026";
    private const int QueuedDemoCases = 2;

    public string Name => "desk-screenshots";
    public string Description => "screenshots of the desk for the README (demo data, 1366×768): queue, loading context, connected (first and second screen), shift board, shift change, thread, analytics";

    public IReadOnlyList<(string Option, string Help)> Options => [("--dir DIR", "where desk-*.png, shift-board.png, shift-change.png, thread.png and analytics.png go (docs)")];

    public async Task<Report> RunAsync(BenchContext context, CancellationToken ct)
    {
        var dir = Path.GetFullPath(context.Args.String("dir") ?? Path.Combine(context.RepoRoot, "docs"));
        Directory.CreateDirectory(dir);
        var report = new Report(Name, context.CommandLine, MachineInfo.Collect(context.ServerRoot));
        var demo = new Dictionary<string, string>(DeskBrowser.ServerEnvironment) { ["AgentDesk__DemoData"] = "true" };
        await using var browser = await DeskBrowser.LaunchAsync();

        await using (var server = await context.StartServerAsync(ct, environment: demo))
        {
            var page = await browser.OpenDeskAsync(server.BaseAddress, User, DemoPassword);
            await page.GetByTestId("queue-card").Nth(QueuedDemoCases - 1).WaitForAsync();
            await ShootAsync(page, Path.Combine(dir, "desk-queue.png"), report);
            await ChainCase(page).GetByTestId("card-pickup").ClickAsync();
            await page.GetByTestId("pickup-status").Filter(new() { HasText = "Connected" }).WaitForAsync();
            await ShootAsync(page, Path.Combine(dir, "desk-connected.png"), report);
            // The desk scrolls as one page: the rest of the context (the chain, the ranked memories) is the next screen.
            await page.GetByTestId("context-chain").EvaluateAsync("section => section.scrollIntoView({ block: 'start' })");
            await ShootAsync(page, Path.Combine(dir, "desk-connected-more.png"), report);

            // Sofia, supervising, hands Maria's (early shift) case to the late queue while Maria works it.
            var board = await browser.OpenDeskAsync(server.BaseAddress, Supervisor, DemoPassword, "shift", "[data-testid=shift-board][data-interactive=true]");
            await board.GetByTestId("outgoing-shift").SelectOptionAsync("early");
            await board.GetByTestId("select-shift").ClickAsync();
            await board.GetByTestId("incoming-queue").FillAsync("billing-tier2");
            await ShootAsync(board, Path.Combine(dir, "shift-board.png"), report);
            await board.GetByTestId("hand-over").ClickAsync();
            await board.Locator("[data-testid=shift-run][data-running=false]").WaitForAsync();
            await ShootAsync(board, Path.Combine(dir, "shift-change.png"), report);

            var thread = await browser.OpenDeskAsync(server.BaseAddress, User, DemoPassword, "threads/cust-3307", "[data-testid=thread][data-interactive=true]");
            await ShootAsync(thread, Path.Combine(dir, "thread.png"), report);

            var analytics = await browser.OpenDeskAsync(server.BaseAddress, Supervisor, DemoPassword, "analytics", "[data-testid=analytics-cards]");
            await analytics.Locator("[data-testid=analytics] svg").First.WaitForAsync();
            await ShootAsync(analytics, Path.Combine(dir, "analytics.png"), report);
            foreach (var open in new[] { page, board, thread, analytics }) await open.Context.CloseAsync(); // before the server goes, so no page logs its lost circuit
        }

        var slowed = new Dictionary<string, string>(demo) { ["AgentDesk__Handoffs__ContextRecallDelayMs"] = "2000" };
        await using (var server = await context.StartServerAsync(ct, environment: slowed))
        {
            var page = await browser.OpenDeskAsync(server.BaseAddress, User, DemoPassword);
            await ChainCase(page).GetByTestId("card-pickup").ClickAsync();
            await page.GetByTestId("pickup-status").Filter(new() { HasText = "Loading context" }).WaitForAsync();
            await ShootAsync(page, Path.Combine(dir, "desk-loading.png"), report);
            await page.Context.CloseAsync();
        }

        report.Notes.Add(browser.Errors.IsEmpty ? "the desk pages logged no console errors." : $"the desk pages logged {browser.Errors.Count} console error(s); the first: {browser.Errors.First()}");
        return report;
    }

    /// <summary>The demo's billing dispute at tier 2: the case with a chain, commitments and a parallel case.</summary>
    private static ILocator ChainCase(IPage page) => page.GetByTestId("queue-card").Filter(new() { HasText = "2nd handoff" });

    /// <summary>The viewport once web fonts are in, so text is drawn in its final face.</summary>
    private static async Task ShootAsync(IPage page, string path, Report report)
    {
        await page.EvaluateAsync("() => document.fonts.ready.then(() => true)");
        await page.ScreenshotAsync(new() { Path = path });
        report.Notes.Add($"wrote {path}");
    }
}
