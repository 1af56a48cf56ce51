using System.Collections.Concurrent;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentDesk.E2E.Support;

/// <summary>
/// Base of the browser tests: each page in a context of its own at 1366×768 (closed after the test), console errors
/// and web sockets collected, and the app's log written to the test output. A test that needs an app of its own
/// (killed, or with a fresh database) sets <see cref="OwnApp"/>, which is disposed with it.
/// </summary>
public abstract class PageTest(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    // Filled from Playwright's event thread while the test reads them.
    protected ConcurrentQueue<string> ConsoleErrors { get; } = new();
    protected ConcurrentQueue<string> Sockets { get; } = new();

    protected AppProcess? OwnApp { get; set; }
    protected abstract AppProcess SharedApp { get; }
    protected abstract IBrowser Browser { get; }
    protected AppProcess App => OwnApp ?? SharedApp;
    protected ITestOutputHelper Output => output;

    /// <param name="initScript">Runs in every document of the context before the page's own scripts.</param>
    protected async Task<IPage> NewPageAsync(string? initScript = null)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        _contexts.Add(context);
        if (initScript is not null) await context.AddInitScriptAsync(initScript);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        page.Console += (_, message) => { if (message.Type == "error") ConsoleErrors.Enqueue(message.Text); };
        page.PageError += (_, error) => ConsoleErrors.Enqueue("uncaught: " + error);
        page.WebSocket += (_, socket) => Sockets.Enqueue(socket.Url);
        return page;
    }

    public Task InitializeAsync()
    {
        // Two cores run the app, chromium and the test: allow for a slow first render.
        SetDefaultExpectTimeout(15_000);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.DisposeAsync();
        foreach (var error in ConsoleErrors) output.WriteLine("[console] " + error);
        output.WriteLine(App.Output());
        if (OwnApp is not null) await OwnApp.DisposeAsync();
    }
}
