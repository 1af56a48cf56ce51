using System.Collections.Concurrent;
using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Handoffs;

/// <summary>Shift changes run on the server, case by case, most urgent first, each reporting its start and its end.</summary>
public sealed class ShiftChangesTests : HandoffQueueTest
{
    /// <summary>A case in the day queue, waiting or worked by an agent who may have added a note.</summary>
    private async Task<Handoff> CaseAsync(HandoffQueue queue, Urgency urgency, string? workedBy, string? note = null)
    {
        var handoff = (await queue.EscalateAsync(Request(await BotSessionAsync()) with { Urgency = urgency, TargetQueue = "day" })).Handoff;
        if (workedBy is null) return handoff;
        var worked = await PickUpAsync(queue, handoff.Id, workedBy);
        if (note is not null)
            await Db.Memories.StoreAsync(new NewMemory { AgentId = workedBy, SessionId = worked.AgentSessionId, Content = note, Importance = 0.7, Tags = ["note"] });
        return worked;
    }

    private static async Task<ShiftChangeRun> FinishedAsync(ShiftChanges changes, ShiftChangeRun run)
    {
        await changes.WhenFinishedAsync(run.Id).WaitAsync(TimeSpan.FromSeconds(30));
        return changes.Find(run.Id)!;
    }

    [Fact]
    public async Task Start_HandsEveryCaseToTheIncomingQueue_MostUrgentFirst_ReportingEachStartAndEnd()
    {
        var queue = Queue();
        var normal = await CaseAsync(queue, Urgency.Normal, workedBy: "early-ann");
        var urgent = await CaseAsync(queue, Urgency.Urgent, workedBy: null);
        var high = await CaseAsync(queue, Urgency.High, workedBy: "early-ann");
        var changes = new ShiftChanges(queue, Db.Clock);
        var seen = new ConcurrentQueue<ShiftChangeRun>();
        changes.Changed += seen.Enqueue;

        var run = await FinishedAsync(changes, changes.Start([normal, urgent, high], "late", null, "sofia"));

        Assert.False(run.Running);
        Assert.Equal((3, 3, 0), (run.Total, run.Finished, run.Failed));
        Assert.Equal([urgent.Id, high.Id, normal.Id], run.Cases.Select(c => c.HandoffId));
        Assert.Equal([BatchOutcome.Requeued, BatchOutcome.Escalated, BatchOutcome.Escalated], run.Cases.Select(c => c.Outcome));
        // Every case was seen working before done, one at a time, in the run's order.
        var working = seen.Select(r => r.Cases.SingleOrDefault(c => c.State == ShiftCaseState.Working)?.HandoffId).OfType<string>().Distinct();
        Assert.Equal([urgent.Id, high.Id, normal.Id], working);
        var late = await queue.ListAsync(new HandoffQuery { Queue = "late", Status = HandoffStatus.Queued });
        Assert.Equal([urgent.Id, run.Cases[1].NewHandoffId, run.Cases[2].NewHandoffId], late.Select(h => h.Id));
        Assert.Equal(HandoffStatus.Escalated, (await queue.GetAsync(normal.Id))!.Status);
    }

    [Fact]
    public async Task Start_OneCaseFails_TheOthersAreHandedOver_ItKeepsItsReasonAndAgent_AndARetryFinishesIt()
    {
        var generator = new PoisonedGenerator();
        var queue = Queue(generator);
        var fine = await CaseAsync(queue, Urgency.High, workedBy: "early-ann");
        var poisoned = await CaseAsync(queue, Urgency.Normal, workedBy: "early-ann", note: "poison: the summary generator chokes on this");
        var alsoFine = await CaseAsync(queue, Urgency.Low, workedBy: "early-ann");
        var changes = new ShiftChanges(queue, Db.Clock);
        generator.Armed = true;

        var run = await FinishedAsync(changes, changes.Start([fine, poisoned, alsoFine], "late", null, "sofia"));

        Assert.Equal((3, 1), (run.Finished, run.Failed));
        var failed = run.Cases.Single(c => c.State == ShiftCaseState.Failed);
        Assert.Equal((poisoned.Id, "INTERNAL_ERROR"), (failed.HandoffId, failed.ErrorCode));
        Assert.Contains("can be retried", failed.Error);
        var kept = (await queue.GetAsync(poisoned.Id))!;
        Assert.Equal((HandoffStatus.Connected, "early-ann"), (kept.Status, kept.ClaimedBy));

        generator.Armed = false;
        var retried = changes.Retry(run.Id);
        Assert.NotNull(retried);
        var done = await FinishedAsync(changes, retried);

        Assert.Equal((3, 0), (done.Finished, done.Failed));
        Assert.Equal(3, (await queue.ListAsync(new HandoffQuery { Queue = "late", Status = HandoffStatus.Queued })).Count);
        Assert.Null(changes.Retry(run.Id));
    }

    [Fact]
    public async Task Start_WithoutCasesWithTwoTargetsOrABadQueueName_IsRefusedBeforeAnythingRuns()
    {
        var queue = Queue();
        var handoff = await CaseAsync(queue, Urgency.Normal, workedBy: null);
        var changes = new ShiftChanges(queue, Db.Clock);

        Assert.Equal(400, Assert.Throws<DeskException>(() => changes.Start([], "late", null, "sofia")).Status);
        Assert.Equal(400, Assert.Throws<DeskException>(() => changes.Start([handoff], "late", "bob", "sofia")).Status);
        Assert.Equal(400, Assert.Throws<DeskException>(() => changes.Start([handoff], "<late queue>", null, "sofia")).Status);
        Assert.Empty(changes.Recent);
        Assert.Equal(HandoffStatus.Queued, (await queue.GetAsync(handoff.Id))!.Status);
    }

    /// <summary>The extractive composer, except that while armed it fails on any case that mentions poison.</summary>
    private sealed class PoisonedGenerator : ISummaryGenerator
    {
        public volatile bool Armed;

        public Task<SummaryDraft> DraftAsync(CompositionInput input, CancellationToken ct) =>
            Armed && input.Memories.Any(m => m.Content.Contains("poison", StringComparison.Ordinal))
                ? throw new InvalidOperationException("the model returned garbage")
                : new ExtractiveSummaryGenerator().DraftAsync(input, ct);
    }
}
