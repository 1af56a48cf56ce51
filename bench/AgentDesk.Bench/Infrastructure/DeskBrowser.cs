using System.Collections.Concurrent;
using AgentDesk.E2E.Support;
using Microsoft.Playwright;

namespace AgentDesk.Bench.Infrastructure;

/// <summary>
/// Debian's chromium, launched as the e2e tests launch it (<see cref="Chromium"/>), with pages the size of a desk
/// screen, and a desk user signed in through the real form.
/// </summary>
public sealed class DeskBrowser : IAsyncDisposable
{
    public const int Width = 1366;
    public const int Height = 768;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private DeskBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    /// <summary>
    /// The server environment the desk scenarios need: the Release build output serves Radzen's and the scoped CSS and
    /// JS (static web assets) only in Development — in Production they answer 200 with an empty body until published —
    /// so the desk is measured and pictured as <c>scripts/desk.sh</c> and the e2e tests show it. The harness's own
    /// settings (database, root key, demo data off, log level Warning) still override the development settings file.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ServerEnvironment = new Dictionary<string, string>
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["DOTNET_ENVIRONMENT"] = "Development",
    };

    /// <summary>The browser's version, for the report.</summary>
    public string Version => _browser.Version;

    /// <summary>What the pages logged as errors (console errors and uncaught exceptions): a desk run should leave none.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    public static async Task<DeskBrowser> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await Chromium.LaunchAsync(playwright);
            return new DeskBrowser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A desk user with the agent role serving <paramref name="queues"/>, created with the root key.</summary>
    public static Task CreateAgentAsync(ApiClient api, string id, string displayName, string password, IReadOnlyList<string> queues, CancellationToken ct) =>
        api.PostAsync("/v1/admin/users", ApiClient.Json(new { id, display_name = displayName, password, roles = new[] { "agent" }, queues }), ct);

    /// <summary>A new 1366×768 page (its own cookies), signed in through the sign-in form and on the desk once its circuit runs it.</summary>
    /// <param name="path">The desk page to open after signing in (the desk itself, the shift board, a thread…).</param>
    /// <param name="ready">What shows once that page runs interactively.</param>
    public async Task<IPage> OpenDeskAsync(Uri baseAddress, string user, string password, string path = "desk", string ready = "[data-testid=desk][data-interactive=true]")
    {
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = Width, Height = Height } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        page.Console += (_, message) => { if (message.Type == "error") Errors.Enqueue(message.Text); };
        page.PageError += (_, error) => Errors.Enqueue("uncaught: " + error);
        await page.GotoAsync(new Uri(baseAddress, $"login?ReturnUrl={Uri.EscapeDataString("/" + path)}").ToString());
        await page.GetByTestId("login-user").FillAsync(user);
        await page.GetByTestId("login-password").FillAsync(password);
        await page.GetByTestId("login-submit").ClickAsync();
        await page.WaitForURLAsync(new Uri(baseAddress, path).ToString());
        await page.Locator(ready).WaitForAsync();
        var empty = await page.EvaluateAsync<string[]>("() => [...document.styleSheets].filter(s => s.href && s.cssRules.length === 0).map(s => s.href)");
        if (empty.Length > 0) throw new InvalidOperationException($"the desk's stylesheets arrived empty ({string.Join(", ", empty)}): the server does not serve its static web assets");
        return page;
    }

    /// <summary>The card of a waiting case on the desk.</summary>
    public static ILocator Card(IPage page, string handoffId) => page.Locator($"[data-testid=queue-card][data-handoff='{handoffId}']");

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
