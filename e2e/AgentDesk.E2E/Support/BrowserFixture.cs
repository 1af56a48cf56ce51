using Microsoft.Playwright;

namespace AgentDesk.E2E.Support;

/// <summary>
/// One app process and one browser, shared by the tests of a class; each test opens its own context. A fixture
/// that needs the app configured otherwise derives and gives its <see cref="SettingsAsync"/>.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private AppProcess? _app;

    public AppProcess App => _app ?? throw new InvalidOperationException("fixture not initialised");
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("fixture not initialised");

    /// <summary>Extra configuration for the app, as environment variables (none by default).</summary>
    protected virtual Task<IReadOnlyDictionary<string, string>?> SettingsAsync() => Task.FromResult<IReadOnlyDictionary<string, string>?>(null);

    public async Task InitializeAsync()
    {
        _app = await AppProcess.LaunchAsync(await SettingsAsync());
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    public virtual async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
    }
}
