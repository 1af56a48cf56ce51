using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using AgentDesk.E2E.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static AgentDesk.E2E.Support.CaseApi;
using static Microsoft.Playwright.Assertions;

namespace AgentDesk.E2E.Pages.Demo;

/// <summary>
/// The customer demo chat (/demo/chat/{thread}) in a real chromium against the real app process: the browser SignalR
/// client follows the case as a desk moves it along over the API, a page opened mid-case shows where it is, a lost
/// hub connection shows an error and recovers, and a thread with markup is shown as text.
/// </summary>
public sealed class CustomerChatPageTests(BrowserFixture fixture, ITestOutputHelper output) : PageTest(output), IClassFixture<BrowserFixture>
{
    protected override AppProcess SharedApp => fixture.App;
    protected override IBrowser Browser => fixture.Browser;

    private const string NoCase = "No agent has been asked to join this conversation yet.";
    private const string Waiting = "Waiting for an agent…";
    private const string Connecting = "An agent is joining — connecting…";
    private const string Resolved = "Resolved — thanks for contacting us.";
    private const string XssMarkup = "<script>window.__xss=1</script> <img src=x onerror=\"window.__xss=1\">";

    // Records every text the status line shows, from the first parse on, so a test can check the whole sequence.
    private const string StatusRecorder = """
        window.__statuses = [];
        new MutationObserver(() => {
          const text = document.querySelector("[data-testid=chat-status]")?.textContent;
          if (text !== undefined && text !== window.__statuses.at(-1)) window.__statuses.push(text);
        }).observe(document, { subtree: true, childList: true, characterData: true });
        """;


    private HttpClient Api => App.Client;

    [Fact]
    public async Task ChatPage_FollowsTheCase_WaitingConnectingConnectedResolved()
    {
        var customer = NewName("cust");
        var page = await OpenChatAsync(customer);
        var status = page.GetByTestId("chat-status");
        await Expect(status).ToHaveTextAsync(NoCase);

        var handoff = await App.EscalateIdAsync(NewName("chat"), customer: customer);
        await Expect(status).ToHaveTextAsync(Waiting);
        await Expect(page.GetByTestId("chat-input")).ToBeDisabledAsync();

        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/claim", new { agent_id = "alice" }));
        await Expect(status).ToHaveTextAsync(Connecting);
        await Expect(page.GetByTestId("chat-agent")).ToHaveTextAsync("alice");
        await OkAsync(await Api.GetAsync($"/v1/handoffs/{handoff}/context?agent_id=alice"));
        Assert.DoesNotContain("Connected to alice", await StatusesAsync(page));
        await Expect(page.GetByTestId("chat-input")).ToBeDisabledAsync();

        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/connect", new { agent_id = "alice" }));
        await Expect(status).ToHaveTextAsync("Connected to alice");
        await Expect(page.GetByTestId("chat-channel")).ToHaveTextAsync("via chat");
        await Expect(page.GetByTestId("chat-input")).ToBeEnabledAsync();

        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/resolve", new { agent_id = "alice", customer_repeated_themselves = false }));
        await Expect(status).ToHaveTextAsync(Resolved);
        await Expect(page.GetByTestId("chat-input")).ToBeDisabledAsync();

        Assert.Equal(["Connecting to the chat…", NoCase, Waiting, Connecting, "Connected to alice", Resolved], await StatusesAsync(page));
        Assert.Contains(Sockets, url => new Uri(url).AbsolutePath == "/hubs/handoffs");
        Assert.DoesNotContain(Sockets, url => new Uri(url).AbsolutePath.StartsWith("/_blazor", StringComparison.Ordinal));
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task ChatPage_OpenedAfterTheClaim_ShowsConnectingStraightAway()
    {
        var customer = NewName("cust");
        var handoff = await App.EscalateIdAsync(NewName("late"), customer: customer);
        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/claim", new { agent_id = "bob" }));

        var page = await OpenChatAsync(customer);

        await Expect(page.GetByTestId("chat-status")).ToHaveTextAsync(Connecting);
        await Expect(page.GetByTestId("chat-agent")).ToHaveTextAsync("bob");
        Assert.Equal(["Connecting to the chat…", Connecting], await StatusesAsync(page));
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task ChatPage_MessageWithMarkup_IsShownAsText()
    {
        var customer = NewName("cust");
        var handoff = await App.EscalateIdAsync(NewName("xss"), customer: customer);
        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/claim", new { agent_id = "cleo" }));
        await OkAsync(await Api.GetAsync($"/v1/handoffs/{handoff}/context?agent_id=cleo"));
        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/connect", new { agent_id = "cleo" }));
        var page = await OpenChatAsync(customer);
        await Expect(page.GetByTestId("chat-status")).ToHaveTextAsync("Connected to cleo");

        await page.GetByTestId("chat-input").FillAsync(XssMarkup);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();

        var messages = page.GetByTestId("chat-messages");
        await Expect(messages.Locator(".chat-bubble-me")).ToHaveTextAsync(XssMarkup);
        await Expect(messages.Locator("script, img")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("chat-input")).ToHaveValueAsync("");
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
    }

    [Fact]
    public async Task ChatPage_ThreadWithMarkup_Answers400ShowingItAsTextAndRunsNothing()
    {
        var page = await NewPageAsync(StatusRecorder);

        var response = await page.GotoAsync(new Uri(App.BaseAddress, "demo/chat/" + Uri.EscapeDataString(XssMarkup)).ToString());

        Assert.Equal(400, response?.Status);
        await Expect(page.GetByTestId("chat-status")).ToHaveTextAsync($"“{XssMarkup}” is not a conversation this chat can follow.");
        await Expect(page.GetByTestId("chat-messages").Locator("script, img")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("chat-input")).ToBeDisabledAsync();
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
        Assert.DoesNotContain(Sockets, url => new Uri(url).AbsolutePath == "/hubs/handoffs");
    }

    [Fact]
    public async Task ChatPage_HubUnreachable_ShowsAnErrorAndTryAgainRecovers()
    {
        var page = await NewPageAsync(StatusRecorder);
        await page.RouteAsync(url => new Uri(url).AbsolutePath == "/hubs/handoffs/negotiate", route => route.AbortAsync());

        await page.GotoAsync(new Uri(App.BaseAddress, $"demo/chat/{NewName("cust")}").ToString());

        await Expect(page.GetByTestId("chat-status")).ToHaveTextAsync("Cannot reach the chat server.");
        await page.UnrouteAllAsync();
        await page.GetByTestId("chat-retry").ClickAsync();
        await Expect(page.GetByTestId("chat-status")).ToHaveTextAsync(NoCase);
        await Expect(page.GetByTestId("chat-retry")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task ChatPage_ServerRestarts_ReconnectsAndShowsWhatHappenedMeanwhile()
    {
        var app = OwnApp = await AppProcess.LaunchAsync(); // killed and restarted: not the shared app
        var customer = NewName("cust");
        var handoff = await App.EscalateIdAsync(NewName("restart"), customer: customer);
        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/claim", new { agent_id = "dora" }));
        var page = await OpenChatAsync(customer);
        var status = page.GetByTestId("chat-status");
        await Expect(status).ToHaveTextAsync(Connecting);

        await app.KillAsync();
        await Expect(status).ToHaveTextAsync("Connection lost — reconnecting…");
        await app.StartAsync();
        await OkAsync(await Api.GetAsync($"/v1/handoffs/{handoff}/context?agent_id=dora"));
        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/connect", new { agent_id = "dora" }));

        // The browser client retries after 0, 2, 10 and 30 s; on reconnecting the page watches again and gets the state.
        await Expect(status).ToHaveTextAsync("Connected to dora", new() { Timeout = 45_000 });
    }



    private async Task<IPage> OpenChatAsync(string thread)
    {
        var page = await NewPageAsync(StatusRecorder);
        var response = await page.GotoAsync(new Uri(App.BaseAddress, $"demo/chat/{thread}").ToString());
        Assert.Equal((int)HttpStatusCode.OK, response?.Status);
        return page;
    }

    private static async Task<IReadOnlyList<string>> StatusesAsync(IPage page) =>
        await page.EvaluateAsync<string[]>("() => window.__statuses");
}
