using AgentDesk.Core.Summaries;
using static AgentDesk.Core.Summaries.ExtractiveComposer.NoteCodes;
using static AgentDesk.Core.Summaries.SummaryTags;

namespace AgentDesk.Core.Tests.Summaries;

public sealed class ExtractiveComposerTests
{
    private static SessionBuilder RefundSession() => new SessionBuilder()
        .Add("Customer wants a refund for a double charge on order 1234.", 0.9, CustomerGoal, "channel:chat")
        .Add("Charged twice on 3 November for order 1234.", 0.8, IssueReport, "channel:chat")
        .Add("Identity verified with date of birth and postcode.", Verification)
        .Add("Tried reversing the second charge.", AttemptedResolution)
        .Add("The bank rejected the reversal.", Outcome)
        .Add("Asked the customer to wait for the nightly sync.", AttemptedResolution)
        .Add("I'm fed up, this is the third time I explain this. Please fix it.", Sentiment)
        .Add("I'll escalate this to a human within 5 minutes.", SummaryTags.Commitment);

    private static void AssertValid(CompositionInput input, StructuredSummary summary)
    {
        var report = SummaryValidator.Validate(summary, input.Expectations);
        Assert.True(report.IsValid, string.Join("\n", report.Failures));
    }

    [Fact]
    public void Compose_TaggedSession_FillsEveryFieldFromItsTags()
    {
        var input = RefundSession().Input() with { OpenCommitments = [new("Send the refund receipt by email", "bot", "today")] };

        var composed = ExtractiveComposer.Compose(input);
        var summary = composed.Summary;

        Assert.Equal("Customer wants a refund for a double charge on order 1234.", summary.UserGoal);
        Assert.Equal(
            "Via chat. Charged twice on 3 November for order 1234. Verified: Identity verified with date of birth and postcode. Latest: The bank rejected the reversal.",
            summary.Situation);
        Assert.Equal(
            [new TriedStep("Tried reversing the second charge.", "The bank rejected the reversal."), new TriedStep("Asked the customer to wait for the nightly sync.", "")],
            summary.Tried);
        Assert.Equal(
            [new Commitment("Send the refund receipt by email", "bot", "today"), new Commitment("I'll escalate this to a human within 5 minutes.", "bot")],
            summary.Commitments);
        Assert.Equal(new SentimentReading("frustrated", "I'm fed up, this is the third time I explain this."), summary.Sentiment);
        Assert.Equal(Urgency.High, summary.Urgency);
        Assert.Equal(
            "Acknowledge the wait; do not make them repeat themselves. Honour the 2 commitment(s) listed. Address: refund over the bot's limit. Do not repeat: Asked the customer to wait for the nightly sync.",
            summary.RecommendedAction);
        Assert.Empty(summary.HandoffChain);
        Assert.Empty(composed.Notes);
        AssertValid(input, summary);
    }

    [Fact]
    public void Compose_NoSentimentMemory_SaysNeutralNoSentimentRecorded()
    {
        var input = new SessionBuilder().Add("Wants to change the delivery address.", CustomerGoal).Input();

        var text = SummaryRenderer.Render(ExtractiveComposer.Compose(input).Summary);

        Assert.Contains("\n- Sentiment: neutral — no sentiment recorded\n", text);
    }

    [Fact]
    public void Compose_SentimentTagLabel_WinsOverTheLexicon()
    {
        var input = new SessionBuilder().Add("Thanks. Customer keeps sighing and raising their voice.", "sentiment:annoyed").Input();

        Assert.Equal(new SentimentReading("annoyed", "Thanks."), ExtractiveComposer.Compose(input).Summary.Sentiment);
    }

    [Fact]
    public void Compose_NewestSentimentWithAMoodWins()
    {
        var input = new SessionBuilder()
            .Add("I am so worried about the money.", Sentiment)
            .Add("Great, thanks, that helps.", Sentiment)
            .Add("Customer paused to check the card.", Sentiment)
            .Input();

        Assert.Equal("satisfied", ExtractiveComposer.Compose(input).Summary.Sentiment.Label);
    }

    [Fact]
    public void Compose_SentimentMemoryWithoutACue_IsNeutralWithItsWords()
    {
        var input = new SessionBuilder().Add("Customer spoke calmly throughout.", Sentiment).Input();

        Assert.Equal(new SentimentReading("neutral", "Customer spoke calmly throughout."), ExtractiveComposer.Compose(input).Summary.Sentiment);
    }

    [Fact]
    public void Compose_AttemptsPairOnlyWithOutcomesBeforeTheNextAttempt()
    {
        var input = new SessionBuilder()
            .Add("Restarted the app.", AttemptedResolution)
            .Add("Cleared the cache; that fixed the login.", AttemptedResolution, Outcome)
            .Add("Reinstalled.", AttemptedResolution)
            .Add("Crash persists.", Outcome)
            .Add("Crash again after update.", Outcome)
            .Input();

        Assert.Equal(
            [new TriedStep("Restarted the app.", ""), new TriedStep("Cleared the cache; that fixed the login.", ""), new TriedStep("Reinstalled.", "Crash persists.")],
            ExtractiveComposer.Compose(input).Summary.Tried);
    }

    [Fact]
    public void Compose_NoMemories_IsStillValidAndSaysSo()
    {
        var input = new SessionBuilder().Input() with { EarlierHandoffs = [SummaryExamples.BotToTier1] };

        var composed = ExtractiveComposer.Compose(input);

        AssertValid(input, composed.Summary);
        Assert.Equal("Escalated by bot to tier1: refund over the bot's limit.", composed.Summary.Situation);
        Assert.Equal([NoMemories], composed.Notes.Select(n => n.Code));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Compose_SessionEndedWithoutSummary_IsEchoedInTheNotes(bool ended)
    {
        var input = RefundSession().Input() with { SessionEndedWithoutSummary = ended };

        var notes = ExtractiveComposer.Compose(input).Notes;

        Assert.Equal(ended, notes.Any(n => n.Code == SessionEndedWithoutSummary));
    }

    [Fact]
    public void Compose_SessionCommitmentRestatingAnOpenOne_IsListedOnce()
    {
        var input = new SessionBuilder().Add("Promised: call back by 5pm.", SummaryTags.Commitment).Input() with
        {
            OpenCommitments = [new("Call back by 5pm", "tier1", "17:00")],
        };

        Assert.Equal([new Commitment("Call back by 5pm", "tier1", "17:00")], ExtractiveComposer.Compose(input).Summary.Commitments);
    }

    [Fact]
    public void Compose_ChannelFromTheNewestChannelTag_WhenNotGiven()
    {
        var input = new SessionBuilder()
            .Add("Started on the phone.", IssueReport, "channel:voice")
            .Add("Moved to email.", Outcome, "channel:email")
            .Input();

        Assert.StartsWith("Via email.", ExtractiveComposer.Compose(input).Summary.Situation);
        Assert.StartsWith("Via chat.", ExtractiveComposer.Compose(input with { Channel = "chat" }).Summary.Situation);
    }

    [Fact]
    public void Compose_SameMemoriesInAnotherOrder_GivesTheSameText()
    {
        var input = RefundSession().Input();
        var shuffled = input with { Memories = input.Memories.Reverse().ToList() };

        Assert.Equal(
            SummaryRenderer.Render(ExtractiveComposer.Compose(input).Summary),
            SummaryRenderer.Render(ExtractiveComposer.Compose(shuffled).Summary));
    }

    [Fact]
    public void Compose_TooMuchToSay_CutsOlderTriedStepsBeforeTheGoal()
    {
        var session = new SessionBuilder().Add("Wants the router replaced.", CustomerGoal);
        for (var i = 1; i <= 12; i++)
        {
            session.Add($"Attempt {i}: " + string.Join(' ', Enumerable.Repeat("long explanation of the step", 6)), AttemptedResolution);
            session.Add($"Outcome {i}: did not help.", Outcome);
        }
        var input = session.Input();

        var composed = ExtractiveComposer.Compose(input);

        AssertValid(input, composed.Summary);
        Assert.Equal("Wants the router replaced.", composed.Summary.UserGoal);
        Assert.InRange(composed.Summary.Tried.Count, 1, 11);
        Assert.StartsWith("Attempt 12:", composed.Summary.Tried[^1].Action);
        Assert.Equal([Trimmed], composed.Notes.Select(n => n.Code));
    }

    [Fact]
    public void Compose_ChainOfFour_EveryLegKeepsEveryEarlierLegAndOpenCommitment()
    {
        // bot → tier1 → tier2 → manager → retention: each leg composes from its own session and the stored chain.
        (string From, string To, string Reason, Commitment? Promise)[] legs =
        [
            ("bot", "tier1", "refund over the bot's limit", new("Escalate to a human within 5 minutes", "bot", "5 minutes")),
            ("tier1", "tier2", "card reader fault", new("Call the customer back by 5pm", "tier1", "17:00")),
            ("tier2", "manager", "customer asked for a manager", null),
            ("manager", "retention", "customer wants to cancel", new("Waive this month's fee", "manager")),
        ];
        var chain = new List<ChainEntry>();
        var open = new List<Commitment>();
        StructuredSummary? summary = null;
        foreach (var (from, to, reason, promise) in legs)
        {
            var session = new SessionBuilder().Add($"{from} worked on the case: {reason}.", IssueReport);
            var input = session.Input(from, to, reason) with { EarlierHandoffs = chain.ToList(), OpenCommitments = open.ToList() };

            summary = ExtractiveComposer.Compose(input).Summary;

            AssertValid(input, summary);
            Assert.Equal(chain.Select(l => (l.From, l.To)), summary.HandoffChain.Select(l => (l.From, l.To)));
            Assert.Contains(SummaryRenderer.EscalationPhrase(chain.Count), SummaryRenderer.Render(summary));
            chain.Add(new(from, to, reason, summary.Situation));
            if (promise is not null) open.Add(promise);
        }

        // The manager's summary (the last leg) carries the three legs before it and both promises made before it.
        Assert.Equal(["bot → tier1", "tier1 → tier2", "tier2 → manager"], summary!.HandoffChain.Select(l => $"{l.From} → {l.To}"));
        Assert.Equal(
            ["Escalate to a human within 5 minutes", "Call the customer back by 5pm"],
            summary.Commitments.Select(c => c.What));
    }

    [Fact]
    public void Compose_HugeSession_FitsAndKeepsAllTenLegsAndThirtyCommitments()
    {
        var input = ComposerInputs.Huge(new Random(4), memories: 500, wordsPerMemory: 300, earlierHandoffs: 10, openCommitments: 30);

        var composed = ExtractiveComposer.Compose(input);
        var report = SummaryValidator.Validate(composed.Summary, input.Expectations);

        Assert.True(report.IsValid, string.Join("\n", report.Failures));
        Assert.InRange(report.WordCount, 1, SummaryValidator.MaxWords);
        Assert.Equal(10, composed.Summary.HandoffChain.Count);
        Assert.Equal(input.OpenCommitments.Select(c => c.What), composed.Summary.Commitments.Take(30).Select(c => c.What));
        Assert.Contains(composed.Notes, n => n.Code == Trimmed);
    }

    [Fact]
    public void Compose_FortyLegsWithLongReasons_FitsWithEveryLegInItsShortForm()
    {
        var input = ComposerInputs.WithLegs(40, reasonWords: 30);

        var composed = ExtractiveComposer.Compose(input);

        AssertValid(input, composed.Summary);
        Assert.Equal(input.EarlierHandoffs.Select(l => (l.From, l.To)), composed.Summary.HandoffChain.Select(l => (l.From, l.To)));
        Assert.All(composed.Summary.HandoffChain, leg => Assert.True(SummaryRenderer.WordCount(leg.Reason) <= 2));
    }

    [Fact]
    public void Compose_EightyLegs_KeepsEveryLegAndReportsTheOverrun()
    {
        var input = ComposerInputs.WithLegs(80, reasonWords: 30);

        var composed = ExtractiveComposer.Compose(input);
        var report = SummaryValidator.Validate(composed.Summary, input.Expectations);

        Assert.Equal(80, composed.Summary.HandoffChain.Count);
        Assert.All(composed.Summary.HandoffChain, leg => Assert.Equal(("", ""), (leg.Reason, leg.Established)));
        Assert.Equal([SummaryValidator.Codes.WordLimit], report.Failures.Select(f => f.Code));
        var note = Assert.Single(composed.Notes, n => n.Code == OverWordLimit);
        Assert.Equal($"even the shortest form needs {report.WordCount} words (> 300): kept all 80 chain legs and 0 open commitments in their shortest form", note.Message);
    }

    [Theory]
    [InlineData(63, true)]
    [InlineData(64, false)]
    public void Compose_ShortestForm_HoldsSixtyThreeOneWordLegs(int legs, bool fits)
    {
        var input = ComposerInputs.WithLegs(legs, reasonWords: 30);

        var report = SummaryValidator.Validate(ExtractiveComposer.Compose(input).Summary, input.Expectations);

        Assert.Equal(fits, report.IsValid);
    }
}
