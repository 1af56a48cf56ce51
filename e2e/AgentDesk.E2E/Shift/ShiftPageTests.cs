using System.Text.Json;
using AgentDesk.E2E.Support;
using AgentDesk.Web.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentDesk.E2E.Shift;

/// <summary>
/// The app drafting summaries with a model: the loopback OpenAI-compatible server answers every draft after
/// <see cref="DraftDelayMs"/>, as a hosted model would take its time, so a shift change's progress is there to watch.
/// </summary>
public sealed class ModelBrowserFixture : BrowserFixture
{
    public const int DraftDelayMs = 250;

    public FakeOpenAiServer Model { get; private set; } = null!;

    protected override async Task<IReadOnlyDictionary<string, string>?> SettingsAsync()
    {
        Model = await FakeOpenAiServer.StartAsync();
        Model.Handle(FakeOpenAiServer.ChatPath, _ => Draft());
        return new Dictionary<string, string>
        {
            ["AgentDesk__Summaries__Generator"] = "llm",
            ["AgentDesk__Summaries__OpenAI__BaseUrl"] = Model.BaseUrl.AbsoluteUri,
            ["AgentDesk__Summaries__OpenAI__Model"] = "fake-drafter",
            ["AgentDesk__Summaries__OpenAI__ApiKey"] = "sk-fake",
        };
    }

    /// <summary>A valid draft of the case <see cref="CaseApi.BrokenRouter"/> describes, promise included.</summary>
    private static FakeResponse Draft() => FakeOpenAiServer.ChatAnswer(JsonSerializer.Serialize(new
    {
        user_goal = "Get the broadband outage fixed before a work call tomorrow",
        situation = "Line test shows a fault at the cabinet; the outgoing shift worked the case.",
        tried = new[] { new { action = "Restarted the router twice", outcome = "fault at the cabinet remains" } },
        commitments = new[] { new { what = "I will have an engineer call you back today", by = "bot", due = "today" } },
        sentiment = new { label = "frustrated", evidence = "three days without service" },
        urgency = "normal",
        recommended_action = "Book the engineer visit and call the customer back today.",
        handoff_chain = Array.Empty<object>(),
    })) with
    { Delay = TimeSpan.FromMilliseconds(DraftDelayMs) };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Model.DisposeAsync();
    }
}

/// <summary>The supervisor's shift board in chromium: a shift change watched case by case, and the cases arriving on the incoming desk.</summary>
public sealed class ShiftPageTests(ModelBrowserFixture fixture, ITestOutputHelper output) : PageTest(output), IClassFixture<ModelBrowserFixture>
{
    private static readonly string[] Urgencies = ["urgent", "high", "normal", "low"];

    protected override AppProcess SharedApp => fixture.App;
    protected override IBrowser Browser => fixture.Browser;

    [Fact]
    public async Task ShiftChange_Of12Cases_ShowsEachCasesProgress_AndTheyArriveOnTheIncomingDeskInPriorityOrder()
    {
        var shift = CaseApi.NewName("early");
        var dayQueue = CaseApi.NewName("day");
        var lateQueue = CaseApi.NewName("late");
        var outgoing = await App.CreateUserAsync("outgoing", ["agent"], [dayQueue], shift);
        // Twelve cases worked by the outgoing shift, in mixed urgency.
        var worked = new List<(string Id, string Urgency)>();
        for (var i = 0; i < 12; i++)
        {
            var urgency = Urgencies[(i * 3) % 4];
            var id = (await App.EscalateAsync(dayQueue, urgency, CaseApi.NewName("cust"))).GetProperty("handoff_id").GetString()!;
            await App.PickUpAsync(id, outgoing);
            worked.Add((id, urgency));
        }

        var desk = await NewPageAsync();
        await desk.SignInAsync(App, await App.CreateUserAsync("incoming", ["agent"], [lateQueue]));
        await Expect(desk.GetByTestId("desk")).ToHaveAttributeAsync("data-interactive", "true");
        await Expect(desk.GetByTestId("queue-empty")).ToBeVisibleAsync();

        var board = await NewPageAsync();
        await board.SignInAsync(App, await App.CreateUserAsync("supervisor", ["supervisor"]), "/shift");
        await Expect(board.GetByTestId("shift-board")).ToHaveAttributeAsync("data-interactive", "true");
        // Every state each case shows, as the browser paints it: proof the progress was visible, not just the end.
        await board.EvaluateAsync("""
            () => {
              window.__caseStates = [];
              new MutationObserver(() => document.querySelectorAll('[data-testid=run-case]').forEach(c =>
                window.__caseStates.push(c.dataset.handoff + ':' + c.dataset.state))
              ).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
            }
            """);

        await board.GetByTestId("outgoing-shift").SelectOptionAsync(shift);
        await board.GetByTestId("select-shift").ClickAsync();
        await Expect(board.GetByTestId("hand-over")).ToContainTextAsync("Hand over 12 selected");
        await board.GetByTestId("incoming-queue").FillAsync(lateQueue);
        await board.GetByTestId("hand-over").ClickAsync();

        var run = board.GetByTestId("shift-run");
        await Expect(run.GetByTestId("run-progress-text")).ToHaveTextAsync("12 / 12 handed over", new() { Timeout = 30_000 });
        await Expect(run.Locator("[data-testid=run-case][data-state=done]")).ToHaveCountAsync(12);
        Assert.True(fixture.Model.Requests.Count(r => r.Path == FakeOpenAiServer.ChatPath) >= 12, "every worked case had its summary drafted by the model");
        var states = await board.EvaluateAsync<string[]>("() => window.__caseStates");
        Assert.All(worked, w => Assert.Contains($"{w.Id}:working", states));
        // The cases were worked one at a time, most urgent first.
        var order = (await run.GetByTestId("run-case").EvaluateAllAsync<string[]>("cases => cases.map(c => c.dataset.handoff)")).ToList();
        Assert.Equal(worked.OrderBy(w => Array.IndexOf(Urgencies, w.Urgency)).Select(w => w.Urgency),
            order.Select(id => worked.Single(w => w.Id == id).Urgency));

        // On the incoming desk, without a reload: all twelve, most urgent first.
        var cards = desk.GetByTestId("queue-card");
        await Expect(cards).ToHaveCountAsync(12);
        var shown = await desk.GetByTestId("card-urgency").AllTextContentsAsync();
        Assert.Equal(worked.Select(w => w.Urgency.ToUpperInvariant()).OrderBy(u => Array.IndexOf(Urgencies, u.ToLowerInvariant())), shown);
        // The board moved them live too: none of the outgoing shift's cases left, twelve waiting in the late queue.
        await Expect(board.Locator($"[data-testid=shift-group][data-group='{lateQueue}'] [data-testid=shift-case]")).ToHaveCountAsync(12);
        foreach (var (id, _) in worked) await Expect(board.Locator($"[data-testid=shift-case][data-handoff='{id}']")).ToHaveCountAsync(0);
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task Merge_AParallelCaseIntoOneBeingWorked_LeavesTheBoard_AndShowsOnTheAgentsContextWithoutReload()
    {
        var queue = CaseApi.NewName("merge");
        var customer = CaseApi.NewName("cust");
        var kept = await App.EscalateIdAsync(queue, "high", customer);
        var parallel = await App.EscalateIdAsync(queue, "normal", customer);
        var desk = await NewPageAsync();
        await desk.SignInAsync(App, await App.CreateUserAsync("agent", ["agent"], [queue]));
        await Expect(desk.GetByTestId("desk")).ToHaveAttributeAsync("data-interactive", "true");
        await desk.Locator($"[data-testid=queue-card][data-handoff='{kept}'] [data-testid=card-pickup]").ClickAsync();
        await Expect(desk.GetByTestId("pickup-status")).ToContainTextAsync("Connected");
        await Expect(desk.GetByTestId("parallel-case")).ToBeVisibleAsync();
        var board = await NewPageAsync();
        await board.SignInAsync(App, await App.CreateUserAsync("supervisor", ["supervisor"]), "/shift");
        await Expect(board.GetByTestId("shift-board")).ToHaveAttributeAsync("data-interactive", "true");

        var row = board.Locator($"[data-testid=shift-case][data-handoff='{parallel}']");
        await row.GetByTestId("case-merge").ClickAsync();
        await board.GetByTestId("merge-into").SelectOptionAsync(kept);
        await board.GetByTestId("merge-confirm").ClickAsync();

        await Expect(row).ToHaveCountAsync(0);
        await Expect(board.GetByTestId("shift-notice")).ToContainTextAsync($"Merged {parallel} into {kept}");
        await Expect(board.Locator($"[data-testid=shift-case][data-handoff='{kept}'] [data-testid=case-merge]")).ToHaveCountAsync(0);
        // The agent working the kept case gets the merged one in their context, live: no more parallel warning.
        await Expect(desk.GetByTestId("merged-case")).ToBeVisibleAsync();
        await Expect(desk.GetByTestId("parallel-case")).ToHaveCountAsync(0);
        await Expect(desk.GetByTestId("desk-notice")).ToContainTextAsync("merged");
        var merged = await CaseApi.OkAsync(await App.Client.GetAsync($"/v1/handoffs/{parallel}"));
        Assert.Equal("merged", merged.GetProperty("handoff").GetProperty("status").GetString());
        Assert.Empty(ConsoleErrors);
    }
}
