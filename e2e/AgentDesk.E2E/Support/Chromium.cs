using Microsoft.Playwright;

namespace AgentDesk.E2E.Support;

/// <summary>
/// Debian's chromium driven by Playwright. Playwright's own browser download cannot reach its CDN
/// here, so the browser is the system package (apt-get install -y chromium), found by path.
/// Also compiled into the benchmark harness, so it depends on nothing but Playwright.
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
