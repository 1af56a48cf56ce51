using System.Net.Http.Json;
using AgentDesk.E2E.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentDesk.E2E.Threads;

/// <summary>
/// The desk's thread page in chromium against the real app: the channel timeline, search, live turns, text never markup;
/// and the customer side (the hub a <c>/demo/chat/{thread}</c> page watches) following a case raised from the thread.
/// </summary>
public sealed class ThreadPageTests(BrowserFixture fixture, ITestOutputHelper output) : PageTest(output), IClassFixture<BrowserFixture>
{
    private const string XssMarkup = "<script>window.__xss=1</script> <img src=x onerror=\"window.__xss=1\">";

    private static readonly long Start = DateTimeOffset.UtcNow.AddHours(-3).ToUnixTimeSeconds();

    protected override AppProcess SharedApp => fixture.App;
    protected override IBrowser Browser => fixture.Browser;

    private async Task PutTurnsAsync(string thread, params object[] turns) =>
        await CaseApi.OkAsync(await App.Client.PutAsJsonAsync($"/v1/threads/{thread}/turns", new { agent_id = "contact-bot", turns }));

    private async Task<IPage> OpenThreadAsync(string thread)
    {
        var page = await NewPageAsync();
        await page.SignInAsync(App, await App.CreateUserAsync("agent", ["agent"]), $"/threads/{thread}");
        await Expect(page.GetByTestId("thread")).ToHaveAttributeAsync("data-interactive", "true");
        return page;
    }

    [Fact]
    public async Task ThreadPage_ShowsTheTimelineInTimeOrder_WithAChannelBadgePerTurn_AndSearchesIt()
    {
        var thread = CaseApi.NewName("cust");
        // Sent as the channels deliver them, not in the order they happened.
        await PutTurnsAsync(thread, new { id = "mail-1", text = "Emailing to ask for a refund of the engineer visit fee", channel = "email", at = Start + 3600 });
        await PutTurnsAsync(thread,
            new { id = "call-1", text = "Caller says the router drops the internet every evening", channel = "voice", at = Start },
            new { id = "chat-1", text = "Bot walked the customer through a modem reset", channel = "chat", role = "bot", at = Start + 600 });

        var page = await OpenThreadAsync(thread);

        var turns = page.GetByTestId("thread-turn");
        await Expect(turns).ToHaveCountAsync(3);
        Assert.Equal(["call-1", "chat-1", "mail-1"], await turns.EvaluateAllAsync<string[]>("turns => turns.map(t => t.dataset.turnId)"));
        await Expect(turns.GetByTestId("turn-channel")).ToHaveTextAsync(["voice", "chat", "email"]);
        await Expect(turns.Locator(".channel-badge .rzi")).ToHaveTextAsync(["call", "chat", "mail"]);
        await Expect(turns.GetByTestId("turn-role")).ToHaveTextAsync(["customer", "bot", "customer"]);
        await Expect(page.GetByTestId("thread-turn-count")).ToHaveTextAsync("3");
        await Expect(page.GetByTestId("thread-channel")).ToHaveTextAsync(["voice", "chat", "email"]);

        await page.GetByTestId("thread-query").FillAsync("refund for the visit fee");
        await page.GetByTestId("thread-search-submit").ClickAsync();
        await Expect(page.GetByTestId("thread-hit").First.GetByTestId("turn-text")).ToHaveTextAsync("Emailing to ask for a refund of the engineer visit fee");
        await Expect(page.GetByTestId("thread-hit").First.GetByTestId("turn-channel")).ToHaveTextAsync("email");
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task TurnPutThroughTheApi_AppearsOnAnOpenThreadPage_WithoutReload()
    {
        var thread = CaseApi.NewName("cust-live");
        await PutTurnsAsync(thread, new { id = "call-1", text = "Caller reports a double charge", channel = "voice", at = Start });
        var page = await OpenThreadAsync(thread);
        await Expect(page.GetByTestId("thread-turn")).ToHaveCountAsync(1);
        await page.EvaluateAsync("() => { window.__samePage = true; }");

        await PutTurnsAsync(thread, new { id = "sms-1", text = "Texting to say the second charge is still there", channel = "sms", at = Start + 60 });

        await Expect(page.GetByTestId("thread-turn")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("thread-turn").Nth(1).GetByTestId("turn-text")).ToHaveTextAsync("Texting to say the second charge is still there");
        await Expect(page.GetByTestId("thread-turn").Nth(1).GetByTestId("turn-channel")).ToHaveTextAsync("sms");
        await Expect(page.GetByTestId("thread-turn-count")).ToHaveTextAsync("2");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__samePage === true"), "the thread page reloaded instead of updating live");
    }

    [Fact]
    public async Task MarkupInATurn_RendersAsText()
    {
        var thread = CaseApi.NewName("cust-xss");
        await PutTurnsAsync(thread, new { id = "chat-1", text = $"My name is {XssMarkup}", channel = "chat", at = Start });

        var page = await OpenThreadAsync(thread);

        await Expect(page.GetByTestId("turn-text")).ToHaveTextAsync($"My name is {XssMarkup}");
        await Expect(page.GetByTestId("thread").Locator("script, img")).ToHaveCountAsync(0);
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
    }

    [Fact]
    public async Task CustomerWatchingTheThreadName_HearsTheCaseRaisedFromTheThread()
    {
        var thread = CaseApi.NewName("cust-hub");
        await PutTurnsAsync(thread, new { id = "call-1", text = "Customer wants the late fee removed", channel = "voice", at = Start });
        await using var widget = await HubSocket.ConnectAsync(App.BaseAddress, apiKey: null);
        await widget.InvokeAsync("WatchConversation", thread);
        await widget.WaitForAsync("ConversationStatus");

        var raised = await CaseApi.OkAsync(await App.Client.PostAsJsonAsync($"/v1/threads/{thread}/handoffs",
            new { agent_id = "contact-bot", target_queue = CaseApi.NewName("billing"), reason = "fee dispute", generate = true }), System.Net.HttpStatusCode.Created);
        var id = raised.GetProperty("handoff_id").GetString();
        var waiting = await widget.WaitForAsync("CaseWaiting", c => c.GetProperty("handoff_id").GetString() == id);
        await using var later = await HubSocket.ConnectAsync(App.BaseAddress, apiKey: null);
        await later.InvokeAsync("WatchConversation", thread);
        var snapshot = await later.WaitForAsync("ConversationStatus");

        Assert.Equal((thread, "waiting"), (waiting.Argument.GetProperty("conversation").GetString(), waiting.Argument.GetProperty("state").GetString()));
        Assert.Equal(id, snapshot.Argument.GetProperty("handoff_id").GetString());
    }
}
