using System.Diagnostics;
using System.Net.Http.Json;
using AgentDesk.E2E.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentDesk.E2E.Desk;

/// <summary>The app with a slowed context recall, so "Loading context…" is on screen long enough to see and assert.</summary>
public sealed class SlowRecallBrowserFixture : BrowserFixture
{
    public const int RecallDelayMs = 1500;

    protected override Task<IReadOnlyDictionary<string, string>?> SettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>?>(new Dictionary<string, string> { ["AgentDesk__Handoffs__ContextRecallDelayMs"] = RecallDelayMs.ToString() });
}

/// <summary>The agent desk in chromium against the real app process: live queue, pick-up, the context view, roles.</summary>
public sealed class DeskPageTests(SlowRecallBrowserFixture fixture, ITestOutputHelper output) : PageTest(output), IClassFixture<SlowRecallBrowserFixture>
{
    private const string XssMarkup = "<script>window.__xss=1</script> <img src=x onerror=\"window.__xss=1\">";

    protected override AppProcess SharedApp => fixture.App;
    protected override IBrowser Browser => fixture.Browser;

    [Fact]
    public async Task Escalation_AppearsOnAnOpenDesk_WithinASecond_WithoutReload()
    {
        var queue = CaseApi.NewName("live");
        var page = await OpenDeskAsync(queue);
        await page.EvaluateAsync("() => { window.__samePage = true; }");

        var clock = Stopwatch.StartNew();
        var handoffId = await App.EscalateIdAsync(queue, "high", CaseApi.NewName("cust"));
        await Expect(Card(page, handoffId)).ToBeVisibleAsync(new() { Timeout = 1_000 });
        clock.Stop();

        Output.WriteLine($"escalate → card visible: {clock.ElapsedMilliseconds} ms");
        await Expect(Card(page, handoffId).GetByTestId("card-urgency")).ToHaveTextAsync("HIGH");
        await Expect(Card(page, handoffId).GetByTestId("card-reason")).ToHaveTextAsync("line fault needs an engineer");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__samePage === true"), "the desk reloaded instead of updating live");
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task Queue_OrdersByUrgencyThenWait_AndDropsCasesOthersTake()
    {
        var queue = CaseApi.NewName("order");
        var normal = await App.EscalateIdAsync(queue, "normal");
        var urgent = await App.EscalateIdAsync(queue, "urgent");
        var page = await OpenDeskAsync(queue);

        var cards = page.GetByTestId("queue-card");
        await Expect(cards).ToHaveCountAsync(2);
        Assert.Equal(urgent, await cards.Nth(0).GetAttributeAsync("data-handoff"));
        Assert.Equal(normal, await cards.Nth(1).GetAttributeAsync("data-handoff"));

        await App.PickUpAsync(urgent, "someone-else");
        await Expect(Card(page, urgent)).ToHaveCountAsync(0);
        await Expect(cards).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task TwoAgents_PickUpTheSameCase_ExactlyOneGetsIt_TheOtherIsToldPlainly()
    {
        var queue = CaseApi.NewName("race");
        var first = await OpenDeskAsync(queue);
        var second = await OpenDeskAsync(queue);
        var handoffId = await App.EscalateIdAsync(queue, "urgent");
        await Expect(Card(first, handoffId)).ToBeVisibleAsync();
        await Expect(Card(second, handoffId)).ToBeVisibleAsync();

        // Both clicks leave their browsers together (Playwright's clicks would run one after the other, and the
        // second card would already be gone): each button is clicked in its own page at the same moment.
        var buttons = await Task.WhenAll(new[] { first, second }.Select(p => Card(p, handoffId).GetByTestId("card-pickup").ElementHandleAsync()));
        await Task.WhenAll(buttons.Select(b => b.EvaluateAsync("button => button.click()")));

        var winners = 0;
        foreach (var page in new[] { first, second })
        {
            // Each desk ends either connected (after "Claiming…" and "Loading context…") or told it lost.
            var connected = page.GetByTestId("pickup-status").Filter(new() { HasText = "Connected" });
            var notice = page.GetByTestId("desk-notice");
            await Expect(connected.Or(notice)).ToBeVisibleAsync(new() { Timeout = 15_000 });
            if (await connected.IsVisibleAsync())
            {
                winners++;
                continue;
            }
            await Expect(notice).ToContainTextAsync("picked up this case first");
            await Expect(Card(page, handoffId)).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        }
        Assert.Equal(1, winners);
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task PickUp_ShowsLoadingContextUntilTheRecallFinished_ThenConnectedWithTheSummaryFirst()
    {
        var queue = CaseApi.NewName("pickup");
        var page = await OpenDeskAsync(queue);
        var handoffId = await App.EscalateIdAsync(queue, "high", CaseApi.NewName("cust"));

        await Card(page, handoffId).GetByTestId("card-pickup").ClickAsync();

        var status = page.GetByTestId("pickup-status");
        await Expect(status).ToContainTextAsync("Loading context…");
        var handoff = await CaseApi.OkAsync(await App.Client.GetAsync($"v1/handoffs/{handoffId}"));
        Assert.Equal("claimed", handoff.GetProperty("handoff").GetProperty("status").GetString());
        await Expect(status).ToContainTextAsync("Connected", new() { Timeout = 15_000 });
        var connected = (await CaseApi.OkAsync(await App.Client.GetAsync($"v1/handoffs/{handoffId}"))).GetProperty("handoff");
        Assert.Equal("connected", connected.GetProperty("status").GetString());
        // The recorded recall time includes the configured delay (timers may fire a millisecond or so early).
        Assert.InRange(connected.GetProperty("recall_ms").GetDouble(), SlowRecallBrowserFixture.RecallDelayMs - 20, 60_000);
        Assert.Equal("context-summary", await page.GetByTestId("context-view").Locator("> *").First.GetAttributeAsync("data-testid"));
        await Expect(page.GetByTestId("summary-sentiment")).ToContainTextAsync("frustrated");
        await Expect(page.GetByTestId("commitment")).ToContainTextAsync("I will have an engineer call you back today");
        await Expect(page.GetByTestId("opening-line")).ToContainTextAsync("you won't need to repeat anything");
    }

    [Fact]
    public async Task SlowRecall_CustomerPageSaysConnectingWhileTheAgentLoadsContext_ThenBothShowConnected()
    {
        var queue = CaseApi.NewName("slow");
        var customer = CaseApi.NewName("cust");
        var desk = await OpenDeskAsync(queue);
        var widget = await NewPageAsync();
        await widget.GotoAsync(new Uri(App.BaseAddress, $"demo/chat/{customer}").ToString());
        var chat = widget.GetByTestId("chat-status");
        var handoffId = await App.EscalateIdAsync(queue, "high", customer);
        await Expect(chat).ToHaveTextAsync("Waiting for an agent…");

        await Card(desk, handoffId).GetByTestId("card-pickup").ClickAsync();

        // The recall takes 1.5 s here: while the desk still shows it loading, the customer must not hear "connected".
        var status = desk.GetByTestId("pickup-status");
        await Expect(status).ToContainTextAsync("Loading context…");
        await Expect(chat).ToHaveTextAsync("An agent is joining — connecting…");
        Assert.Contains("Loading context…", await status.TextContentAsync());
        Assert.DoesNotContain("Connected", await chat.TextContentAsync());

        await Expect(status).ToContainTextAsync("Connected", new() { Timeout = 15_000 });
        await Expect(chat).ToContainTextAsync("Connected to");
        var events = (await CaseApi.OkAsync(await App.Client.GetAsync($"v1/handoffs/{handoffId}"))).GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.True(events.IndexOf("recalled") < events.IndexOf("connected"), string.Join(", ", events));
    }

    [Fact]
    public async Task ReloadMidCase_TheCaseIsOfferedToResume_AndResolvingFromTheDeskRecordsTheAnswer()
    {
        var queue = CaseApi.NewName("resume");
        var page = await OpenDeskAsync(queue);
        var handoffId = await App.EscalateIdAsync(queue, "normal", CaseApi.NewName("cust"));
        await Card(page, handoffId).GetByTestId("card-pickup").ClickAsync();
        await Expect(page.GetByTestId("pickup-status")).ToContainTextAsync("Connected", new() { Timeout = 15_000 });

        await page.ReloadAsync();
        await Expect(page.GetByTestId("desk")).ToHaveAttributeAsync("data-interactive", "true");
        await page.GetByTestId("resume-case").ClickAsync();
        await Expect(page.GetByTestId("pickup-status")).ToContainTextAsync("Connected", new() { Timeout = 15_000 });
        await page.GetByTestId("note-text").FillAsync("Engineer booked for 9am tomorrow");
        await page.GetByTestId("note-add").ClickAsync();
        await Expect(page.GetByTestId("note-saved")).ToBeVisibleAsync();
        await page.GetByTestId("resolve-open").ClickAsync();
        await page.GetByTestId("repeated-no").CheckAsync();
        await page.GetByTestId("resolution-note").FillAsync("Engineer visit booked");
        await page.GetByTestId("resolve-confirm").ClickAsync();

        await Expect(page.GetByTestId("work-empty")).ToBeVisibleAsync();
        var resolved = (await CaseApi.OkAsync(await App.Client.GetAsync($"v1/handoffs/{handoffId}"))).GetProperty("handoff");
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        Assert.False(resolved.GetProperty("customer_repeated_themselves").GetBoolean());
        var notes = await CaseApi.OkAsync(await App.Client.GetAsync($"v1/sessions/{resolved.GetProperty("agent_session_id").GetString()}/memories"));
        Assert.Contains(notes.GetProperty("memories").EnumerateArray(), m => m.GetProperty("content").GetString() == "Engineer booked for 9am tomorrow");
    }

    [Fact]
    public async Task EscalateFurther_TheDraftIsShownForEditing_AndTheEditedSummaryIsSent()
    {
        var queue = CaseApi.NewName("esc");
        var next = CaseApi.NewName("tier2");
        var page = await OpenDeskAsync(queue);
        var handoffId = await App.EscalateIdAsync(queue, "normal", CaseApi.NewName("cust"));
        await Card(page, handoffId).GetByTestId("card-pickup").ClickAsync();
        await Expect(page.GetByTestId("pickup-status")).ToContainTextAsync("Connected", new() { Timeout = 15_000 });

        await page.GetByTestId("escalate-open").ClickAsync();
        await page.GetByTestId("escalate-target").FillAsync(next);
        await page.GetByTestId("escalate-reason").FillAsync("needs the network team");
        await page.GetByTestId("escalate-urgency").SelectOptionAsync("high");
        await page.GetByTestId("escalate-draft").ClickAsync();
        await Expect(page.GetByTestId("escalate-review")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("draft-goal")).Not.ToHaveValueAsync("");
        await page.GetByTestId("draft-goal").FillAsync("Fix the cabinet fault before tomorrow's work call");
        await page.GetByTestId("escalate-send").ClickAsync();

        await Expect(page.GetByTestId("work-empty")).ToBeVisibleAsync();
        var queued = (await CaseApi.OkAsync(await App.Client.GetAsync($"v1/handoffs?queue={next}&status=queued"))).GetProperty("handoffs")[0];
        Assert.Equal("Fix the cabinet fault before tomorrow's work call", queued.GetProperty("summary").GetProperty("user_goal").GetString());
        Assert.Equal(1, queued.GetProperty("chain_depth").GetInt32());
        Assert.Equal("high", queued.GetProperty("urgency").GetString());
        Assert.Equal("caller", queued.GetProperty("summary_source").GetString());
    }

    [Fact]
    public async Task ContextView_ThreeLegCase_ShowsTheChainInOrder_AndTheCommitments()
    {
        var queue = CaseApi.NewName("chain");
        var tier1 = CaseApi.NewName("tier1");
        var first = (await App.EscalateAsync(tier1)).GetProperty("handoff_id").GetString()!;
        var leg1 = await App.PickUpAsync(first, "ann");
        var tier2 = CaseApi.NewName("tier2");
        var second = await CaseApi.OkAsync(await App.Client.PostAsJsonAsync($"v1/handoffs/{first}/escalate",
            new { agent_id = "ann", target_queue = tier2, reason = "needs the network team", urgency = "high", generate = true }), System.Net.HttpStatusCode.Created);
        await App.PickUpAsync(second.GetProperty("handoff_id").GetString()!, "ben");
        var third = await CaseApi.OkAsync(await App.Client.PostAsJsonAsync($"v1/handoffs/{second.GetProperty("handoff_id").GetString()}/escalate",
            new { agent_id = "ben", target_queue = queue, reason = "engineer visit to approve", urgency = "urgent", generate = true }), System.Net.HttpStatusCode.Created);
        var page = await OpenDeskAsync(queue);
        var handoffId = third.GetProperty("handoff_id").GetString()!;
        await Expect(Card(page, handoffId).GetByTestId("card-chain")).ToHaveTextAsync("3rd handoff");

        await Card(page, handoffId).GetByTestId("card-pickup").ClickAsync();
        await Expect(page.GetByTestId("pickup-status")).ToContainTextAsync("Connected", new() { Timeout = 15_000 });

        var legs = page.GetByTestId("chain-leg");
        await Expect(legs).ToHaveCountAsync(2);
        await Expect(legs.Nth(0)).ToContainTextAsync($"→ {tier1}");
        await Expect(legs.Nth(1)).ToContainTextAsync($"ann → {tier2}");
        await Expect(page.GetByTestId("chain-leg-current")).ToContainTextAsync($"ben → {queue}");
        await Expect(page.GetByTestId("context-summary")).ToContainTextAsync("escalation 3 of the case");
        await Expect(page.GetByTestId("commitment")).ToContainTextAsync("I will have an engineer call you back today");
        Assert.NotNull(leg1.GetProperty("agent_session_id").GetString());
    }

    [Fact]
    public async Task MemoryContentWithMarkup_RendersAsText_AndRunsNothing()
    {
        var queue = CaseApi.NewName("xss");
        var page = await OpenDeskAsync(queue);
        var marker = Guid.NewGuid().ToString("N")[..8];
        var goal = $"Customer wants {XssMarkup} fixed {marker}";
        var handoffId = (await App.EscalateAsync(queue, memories: [(goal, "customer-goal"), ($"Tried {XssMarkup} {marker}", "attempted-resolution")]))
            .GetProperty("handoff_id").GetString()!;
        await Expect(Card(page, handoffId)).ToBeVisibleAsync();

        await Card(page, handoffId).GetByTestId("card-pickup").ClickAsync();
        await Expect(page.GetByTestId("pickup-status")).ToContainTextAsync("Connected", new() { Timeout = 15_000 });

        await Expect(page.GetByTestId("context-summary").Locator("h2")).ToHaveTextAsync(goal);
        await Expect(page.GetByTestId("context-memories")).ToContainTextAsync(XssMarkup);
        await Expect(page.GetByTestId("desk").Locator("script, img")).ToHaveCountAsync(0);
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
    }

    [Fact]
    public async Task ShiftBoard_AnAgentIsTurnedAway_ASupervisorGetsIn()
    {
        var agentPage = await NewPageAsync();
        await agentPage.SignInAsync(App, await App.CreateUserAsync("agent", ["agent"], ["q"]));
        await agentPage.GotoAsync(new Uri(App.BaseAddress, "shift").ToString());
        await Expect(agentPage.GetByTestId("access-denied")).ToBeVisibleAsync();
        Assert.DoesNotContain("/shift", new Uri(agentPage.Url).AbsolutePath);

        var supervisorPage = await NewPageAsync();
        await supervisorPage.SignInAsync(App, await App.CreateUserAsync("super", ["supervisor"]), "/shift");
        await Expect(supervisorPage.GetByTestId("shift-live")).ToBeVisibleAsync();
    }

    private static ILocator Card(IPage page, string handoffId) => page.Locator($"[data-testid=queue-card][data-handoff='{handoffId}']");

    /// <summary>A new agent serving <paramref name="queue"/>, signed in, on an interactive desk.</summary>
    private async Task<IPage> OpenDeskAsync(string queue)
    {
        var page = await NewPageAsync();
        await page.SignInAsync(App, await App.CreateUserAsync("agent", ["agent"], [queue]));
        await Expect(page.GetByTestId("desk")).ToHaveAttributeAsync("data-interactive", "true");
        return page;
    }
}
