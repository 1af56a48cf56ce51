using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Summaries;
using AgentDesk.Web.Components.Pages.Desk;

namespace AgentDesk.Web.Tests.Components;

/// <summary>The desk's cards and context view rendered to HTML: what they show, in what order, and that content stays text.</summary>
public sealed class DeskComponentsTests
{
    private const string Markup = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-21T12:00:00Z");

    private static Handoff Case(string reason = "refund needs billing", Urgency urgency = Urgency.High, int depth = 2, string goal = "Refund the duplicate charge",
        IReadOnlyList<ParallelCase>? parallel = null) => new()
        {
            Id = "hof_1",
            CaseId = "hof_0",
            ChainDepth = depth,
            Status = HandoffStatus.Connected,
            SourceSessionId = "sess_tier2",
            SourceAgentId = "tier2-ben",
            TargetQueue = "managers",
            Reason = reason,
            Urgency = urgency,
            Channel = "chat",
            CustomerId = "cust-1042",
            SummaryMemoryId = "mem_summary",
            Summary = new StructuredSummary(goal, "Charged twice; void failed", [new TriedStep("Voided the charge", "failed: settled")],
            [new Commitment("Call back before 5 pm", "bot", "today"), new Commitment("Waive the late fee", "tier1-ann")],
            new SentimentReading("frustrated", "third contact"), urgency, "Refund and confirm by email",
            [new ChainEntry("bot", "tier1", "needs a human", "identity verified"), new ChainEntry("tier1-ann", "tier2", "ledger fix", "refund approved")]),
            SummaryText = "",
            WordCount = 80,
            SummarySource = SummarySource.Generated,
            Generator = SummaryDraft.Extractive,
            Warnings = [],
            QueuedAtMs = Now.AddSeconds(-185).ToUnixTimeMilliseconds(),
            ParallelCases = parallel ?? [],
        };

    private static RecallHit Hit(string content, string channel, double importance = 0.8) => new(new Memory
    {
        Id = $"mem_{Guid.NewGuid():N}",
        AgentId = "bot",
        Content = content,
        MemoryType = "episodic",
        Importance = importance,
        Tags = ["note", $"channel:{channel}"],
        AccessCount = 0,
        CreatedAtMs = Now.AddMinutes(-12).ToUnixTimeMilliseconds(),
    }, 0.5, 0.5, null, null);

    private static Task<string> ContextAsync(Handoff handoff, params RecallHit[] memories) =>
        ComponentRenderer.RenderAsync<ContextView>(new()
        {
            [nameof(ContextView.Context)] = new HandoffContext(handoff, null, memories, [], 3.2, true),
            [nameof(ContextView.AgentName)] = "Maria Lopez",
            [nameof(ContextView.Now)] = Now,
        });

    [Fact]
    public async Task QueueCard_ShowsUrgencyCustomerReasonGistChainAndWait()
    {
        var html = await ComponentRenderer.RenderAsync<QueueCard>(new() { [nameof(QueueCard.Handoff)] = Case(), [nameof(QueueCard.Now)] = Now });

        Assert.Contains("HIGH", html);
        Assert.Contains("cust-1042", html);
        Assert.Contains("refund needs billing", html);
        Assert.Contains("Refund the duplicate charge", html);
        Assert.Contains("3rd handoff", html);
        Assert.Contains("3 min 05 s", html);
        Assert.Contains("frustrated", html);
        Assert.Contains("urgency-high", html);
    }

    [Fact]
    public async Task QueueCard_MarkupInTheReason_IsEscapedText()
    {
        var html = await ComponentRenderer.RenderAsync<QueueCard>(new() { [nameof(QueueCard.Handoff)] = Case(reason: Markup), [nameof(QueueCard.Now)] = Now });

        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains("&lt;script&gt;", html);
    }

    [Fact]
    public async Task ContextView_PutsTheSummaryFirst_ThenCommitmentsAndTheChainInOrder()
    {
        var html = await ContextAsync(Case(), Hit("Customer asked about the refund timeline", "chat"));

        var summary = html.IndexOf("data-testid=\"context-summary\"", StringComparison.Ordinal);
        var commitments = html.IndexOf("data-testid=\"context-commitments\"", StringComparison.Ordinal);
        var chain = html.IndexOf("data-testid=\"context-chain\"", StringComparison.Ordinal);
        var memories = html.IndexOf("data-testid=\"context-memories\"", StringComparison.Ordinal);
        Assert.True(summary >= 0 && summary < commitments && commitments < chain && chain < memories, "summary, commitments, chain, memories in that order");
        Assert.Contains("HANDOFF SUMMARY", html);
        Assert.Contains("escalation 3 of the case (2 earlier handoffs)", html);
        Assert.True(html.IndexOf("bot → tier1", StringComparison.Ordinal) < html.IndexOf("tier1-ann → tier2", StringComparison.Ordinal));
        Assert.True(html.IndexOf("tier1-ann → tier2", StringComparison.Ordinal) < html.IndexOf("tier2-ben → managers", StringComparison.Ordinal));
        Assert.Contains("Call back before 5 pm", html);
        Assert.Contains("Waive the late fee", html);
        Assert.Contains("you won&#x27;t need to repeat anything", html);
        Assert.Contains("passed along", html);
    }

    [Fact]
    public async Task ContextView_FiltersMemoriesToTheCasesChannelByDefault()
    {
        var html = await ContextAsync(Case(), Hit("said on chat", "chat"), Hit("said on the phone", "voice"));

        Assert.Contains("said on chat", html);
        Assert.DoesNotContain("said on the phone", html);
        Assert.Contains("<option value=\"voice\">", html);
    }

    [Fact]
    public async Task ContextView_ParallelCase_IsWarnedAbout()
    {
        var html = await ContextAsync(Case(parallel: [new ParallelCase("hof_2", "email", HandoffStatus.Queued, "billing-tier1", Urgency.Low)]));

        Assert.Contains("data-testid=\"parallel-case\"", html);
        Assert.Contains("another open case on email", html);
    }

    [Fact]
    public async Task ContextView_CaseRaisedFromAThread_LinksToTheThread_OtherCasesDoNot()
    {
        var fromThread = await ContextAsync(Case() with { Thread = "ticket:5531" });
        var plain = await ContextAsync(Case());

        Assert.Contains("href=\"threads/ticket%3A5531\"", fromThread);
        Assert.DoesNotContain("data-testid=\"context-thread\"", plain);
    }

    [Fact]
    public async Task ContextView_MarkupInSummaryAndMemories_IsEscapedText()
    {
        var html = await ContextAsync(Case(goal: Markup), Hit(Markup, "chat"));

        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", html);
    }

    [Theory]
    [InlineData(42, "42 s")]
    [InlineData(185, "3 min 05 s")]
    [InlineData(4_320, "1 h 12 min")]
    [InlineData(-5, "0 s")]
    public void Wait_Format_ReadsAsADeskShowsIt(int seconds, string expected) => Assert.Equal(expected, Wait.Format(TimeSpan.FromSeconds(seconds)));
}
