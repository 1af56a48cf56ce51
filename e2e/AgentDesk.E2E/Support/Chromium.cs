using Microsoft.Playwright;

namespace AgentDesk.E2E.Support;

/// <summary>
/// Debian's chromium driven by Playwright. Playwright's own browser download cannot reach its CDN
/// here, so the browser is the system package (apt-get install -y chromium), found by path.
/// </summary>
public static class Chromium
{
    /// <summary>AGENTDESK_E2E_CHROMIUM overrides the path (another distribution, a local build).</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("AGENTDESK_E2E_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"no chromium at {ExecutablePath}: install it with 'apt-get install -y chromium' (or set AGENTDESK_E2E_CHROMIUM)");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-quic", "--disable-sync",
            ],
        });
    }
}

/// <summary>One app process and one browser, shared by the tests of a class; each test opens its own context.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private AppProcess? _app;

    public AppProcess App => _app ?? throw new InvalidOperationException("fixture not initialised");
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("fixture not initialised");

    public async Task InitializeAsync()
    {
        _app = await AppProcess.LaunchAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
    }
}
