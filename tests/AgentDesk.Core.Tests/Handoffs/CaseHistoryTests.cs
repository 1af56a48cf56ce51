using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Handoffs;

public sealed class CaseHistoryTests
{
    private static SessionMemory Note(string content, params string[] tags) => new(content, 0.7, tags, "episodic", DateTimeOffset.UnixEpoch);

    [Fact]
    public void Chain_OneEntryPerEarlierHandoff_InOrder_FromTheRecords()
    {
        var chain = CaseHistory.Chain([
            HandoffExamples.Record(from: "bot", to: "tier1", reason: "needs a human", situation: "Identity verified; card charged twice."),
            HandoffExamples.Record(from: "ann", to: "tier2", reason: "ledger fix", situation: "Refund approved in principle.",
                tried: [new TriedStep("Voided the charge", "failed: settled")]),
        ]);

        Assert.Equal([("bot", "tier1", "needs a human"), ("ann", "tier2", "ledger fix")], chain.Select(c => (c.From, c.To, c.Reason)));
        Assert.Equal("Identity verified; card charged twice.", chain[0].Established);
        Assert.Equal("Refund approved in principle; last tried: Voided the charge → failed: settled", chain[1].Established);
    }

    [Fact]
    public void Chain_LongSituation_IsCutToTheEstablishedWordBudget()
    {
        var chain = CaseHistory.Chain([HandoffExamples.Record(situation: string.Join(' ', Enumerable.Repeat("word", 80)))]);

        Assert.Equal(CaseHistory.EstablishedWords, chain[0].Established.Split(' ').Length);
    }

    [Fact]
    public void Chain_NoEarlierHandoffs_IsEmpty() => Assert.Empty(CaseHistory.Chain([]));

    [Fact]
    public void OpenCommitments_FirstHandoff_HasNone() => Assert.Empty(CaseHistory.OpenCommitments([], []));

    [Fact]
    public void OpenCommitments_CarriesThePreviousHandoffsCommitments()
    {
        var previous = HandoffExamples.Record(commitments: [new("Call back before 5 pm", "bot", "today"), new("Waive the late fee", "ann")]);

        var open = CaseHistory.OpenCommitments([previous], [Note("Customer asked about the fee", "issue-report")]);

        Assert.Equal(["Call back before 5 pm", "Waive the late fee"], open.Select(c => c.What));
    }

    [Fact]
    public void OpenCommitments_AFulfilledNote_DropsTheCommitmentItMatches_StemmedAndWithoutStopWords()
    {
        var previous = HandoffExamples.Record(commitments: [new("I will email the customer a case number today", "ann"), new("Waive the late fee", "ann")]);

        var open = CaseHistory.OpenCommitments([previous], [Note("Emailed the customer their case number today", CaseHistory.FulfilledTag)]);

        Assert.Equal(["Waive the late fee"], open.Select(c => c.What));
    }

    [Fact]
    public void OpenCommitments_AnUntaggedNoteOrAWeakMatch_KeepsTheCommitment()
    {
        var previous = HandoffExamples.Record(commitments: [new("Waive the late fee on the March invoice", "ann")]);

        var open = CaseHistory.OpenCommitments([previous], [
            Note("Waived the late fee on the March invoice", "outcome"),
            Note("Looked at the March invoice", CaseHistory.FulfilledTag),
        ]);

        Assert.Single(open);
    }

    [Fact]
    public void OpenCommitments_AMergedCase_AddsItsCommitments_OnceEach()
    {
        var previous = HandoffExamples.Record(commitments: [new("Call back before 5 pm", "bot", "today")]);
        var merged = HandoffExamples.Record(commitments: [new("call back before 5 pm ", "email-bot"), new("Send the refund form", "email-bot")]);

        var open = CaseHistory.OpenCommitments([previous, merged], []);

        Assert.Equal(["Call back before 5 pm", "Send the refund form"], open.Select(c => c.What));
    }
}
