using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Summaries;
using AgentDesk.Core.Tests.Support;
using Dapper;

namespace AgentDesk.Core.Tests.Handoffs;

/// <summary>The handoff lifecycle against a real SQLite file: the two phases, recovery after a crash between them, recorded times.</summary>
public sealed class HandoffQueueTests : DatabaseTest
{
    private readonly HandoffNotifier _notifier = new();

    private HandoffQueue Queue(ISummaryGenerator? generator = null) =>
        new(Db.Database, Db.Memories, Db.Recall, generator ?? new ExtractiveSummaryGenerator(), _notifier, Db.Events, Db.Clock);

    private async Task<string> BotSessionAsync(string agent = "bot")
    {
        var (session, _) = await Db.Sessions.StartAsync(agent, null, null);
        await Db.Memories.StoreBatchAsync([
            new NewMemory { AgentId = agent, SessionId = session.Id, Content = "Customer wants a refund for a double charge", Importance = 0.9, Tags = ["customer-goal", "channel:chat"] },
            new NewMemory { AgentId = agent, SessionId = session.Id, Content = "Customer is angry about the wait", Importance = 0.8, Tags = ["sentiment"] },
        ]);
        return session.Id;
    }

    private static EscalationRequest Request(string session, string agent = "bot") =>
        new() { SourceSessionId = session, AgentId = agent, TargetQueue = "billing", Reason = "refund", Urgency = Urgency.High };

    [Fact]
    public async Task Escalate_PublishesQueuedOnlyAfterTheCommit()
    {
        var session = await BotSessionAsync();
        var seen = new List<(string Kind, string? StoredStatus)>();
        _notifier.Changed += change => seen.Add((change.Kind,
            Db.Database.ReadAsync(c => c.ExecuteScalarAsync<string?>("SELECT status FROM handoffs WHERE id = @Id", new { change.Handoff.Id })).Result));

        await Queue().EscalateAsync(Request(session));

        Assert.Equal([(HandoffEventKind.Queued, (string?)HandoffStatus.Queued)], seen);
    }

    [Fact]
    public async Task Escalate_ReplayedIdempotencyKey_ReturnsTheFirstHandoffAndPublishesNothingMore()
    {
        var session = await BotSessionAsync();
        var published = new List<string>();
        _notifier.Changed += change => published.Add(change.Kind);
        var request = Request(session) with { IdempotencyKey = "key-1", RequestHash = "same" };

        var first = await Queue().EscalateAsync(request);
        var replay = await Queue().EscalateAsync(request);
        var completedAgain = await Queue().CompleteAsync(first.Handoff.Id);

        Assert.Equal(HandoffStatus.Queued, completedAgain.Status);
        Assert.False(first.Replayed);
        Assert.True(replay.Replayed);
        Assert.Equal(first.Handoff.Id, replay.Handoff.Id);
        Assert.Equal([HandoffEventKind.Queued], published);
        await Assert.ThrowsAsync<DeskException>(() => Queue().EscalateAsync(request with { RequestHash = "other" }));
    }

    [Fact]
    public async Task CompletePending_AfterACrashBetweenThePhases_EndsTheSessionAndQueuesTheCase()
    {
        var session = await BotSessionAsync();
        var handoff = (await Queue().EscalateAsync(Request(session))).Handoff;
        // What a crash after phase one leaves: the summary and a pending record, the session still active.
        await Db.Database.WriteAsync(async (c, tx) => await c.ExecuteAsync("""
            UPDATE handoffs SET status = 'pending', queued_at = NULL WHERE id = @Id;
            UPDATE sessions SET ended_at = NULL, metadata = NULL, summary = NULL WHERE id = @SourceSessionId;
            DELETE FROM handoff_events WHERE handoff_id = @Id AND kind = 'queued';
            """, new { handoff.Id, handoff.SourceSessionId }, tx));
        Assert.Empty(await Queue().ListAsync(new HandoffQuery()));

        var completed = await Queue().CompletePendingAsync();

        Assert.Equal(1, completed.Completed);
        Assert.Empty(completed.Failed);
        var queued = Assert.Single(await Queue().ListAsync(new HandoffQuery { Status = HandoffStatus.Queued }));
        Assert.Equal(handoff.Id, queued.Id);
        var ended = await Db.Sessions.GetAsync(session);
        Assert.False(ended!.IsActive);
        Assert.Equal(handoff.SummaryMemoryId, ended.Metadata!["handoff_memory_id"]!.GetValue<string>());
        Assert.Equal(0, (await Queue().CompletePendingAsync()).Completed);
    }

    [Fact]
    public async Task CompletePending_OneThatCannotBeQueued_IsReported_AndTheOthersStillComplete()
    {
        var broken = (await Queue().EscalateAsync(Request(await BotSessionAsync("bot-a"), "bot-a"))).Handoff;
        var fine = (await Queue().EscalateAsync(Request(await BotSessionAsync("bot-b"), "bot-b"))).Handoff;
        await Db.Database.WriteAsync(async (c, tx) => await c.ExecuteAsync("""
            UPDATE handoffs SET status = 'pending', queued_at = NULL WHERE id IN (@A, @B);
            DELETE FROM sessions WHERE id = @Session;
            """, new { A = broken.Id, B = fine.Id, Session = broken.SourceSessionId }, tx));

        var completed = await Queue().CompletePendingAsync();

        Assert.Equal(1, completed.Completed);
        Assert.Equal(broken.Id, Assert.Single(completed.Failed).Id);
        Assert.Equal(HandoffStatus.Queued, (await Queue().GetAsync(fine.Id))!.Status);
    }

    [Fact]
    public async Task Escalate_AfterAPhaseTwoFailure_ARetryCompletesTheSameHandoff()
    {
        var session = await BotSessionAsync();
        var first = (await Queue().EscalateAsync(Request(session))).Handoff;
        await Db.Database.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            "UPDATE handoffs SET status = 'pending', queued_at = NULL WHERE id = @Id", new { first.Id }, tx));

        var retry = await Queue().EscalateAsync(Request(session));

        Assert.True(retry.Replayed);
        Assert.Equal(first.Id, retry.Handoff.Id);
        Assert.Equal(HandoffStatus.Queued, retry.Handoff.Status);
    }

    [Fact]
    public async Task Escalate_GeneratorFails_NothingIsStoredOrEnded()
    {
        var session = await BotSessionAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => Queue(new FailingGenerator()).EscalateAsync(Request(session)));

        Assert.True((await Db.Sessions.GetAsync(session))!.IsActive);
        Assert.Equal(2, await Db.Memories.CountAsync(new MemoryFilter { AgentId = "bot" }));
        Assert.Equal(0L, await Db.Database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM handoffs")));
    }

    [Fact]
    public async Task PickUp_RecordsWaitRecallAndHandleTimesAsEvents()
    {
        var queue = Queue();
        var id = (await queue.EscalateAsync(Request(await BotSessionAsync()))).Handoff.Id;
        Db.Clock.Advance(TimeSpan.FromSeconds(40));
        await queue.ClaimAsync(id, "alice");
        var context = await queue.RecallContextAsync(id, "alice");
        Db.Clock.Advance(TimeSpan.FromSeconds(2));
        await queue.ConnectAsync(id, "alice");
        Db.Clock.Advance(TimeSpan.FromMinutes(5));
        await queue.ResolveAsync(id, "alice", "refunded", customerRepeated: true);

        var events = await queue.EventsAsync(id);
        Assert.Equal(["created", "queued", "claimed", "recalled", "connected", "resolved"], events.Select(e => e.Kind));
        Assert.Equal(40_000, events[2].Detail!.Value.GetProperty("wait_ms").GetInt64());
        Assert.Equal(2_000, events[4].Detail!.Value.GetProperty("since_claim_ms").GetInt64());
        Assert.Equal(300_000, events[5].Detail!.Value.GetProperty("handle_ms").GetInt64());
        Assert.True(events[5].Detail!.Value.GetProperty("customer_repeated_themselves").GetBoolean());
        Assert.True(context.SummaryRecalled);
        Assert.Equal(context.Handoff.SummaryMemoryId, context.SummaryMemory!.Id);
    }

    [Fact]
    public async Task CurrentOfConversation_ByCustomerSessionOrCase_FindsTheNewestMatchingHandoff()
    {
        var queue = Queue();
        var firstSession = await BotSessionAsync();
        var first = (await queue.EscalateAsync(Request(firstSession) with { CustomerId = "cust-9" })).Handoff;
        Db.Clock.Advance(TimeSpan.FromSeconds(5));
        var second = (await queue.EscalateAsync(Request(await BotSessionAsync()) with { CustomerId = "cust-9" })).Handoff;
        await queue.ClaimAsync(first.Id, "alice");

        Assert.Equal(second.Id, (await queue.CurrentOfConversationAsync("cust-9"))?.Id);
        var bySession = await queue.CurrentOfConversationAsync(firstSession);
        Assert.Equal((first.Id, HandoffStatus.Claimed), (bySession?.Id, bySession?.Status));
        Assert.Equal(first.Id, (await queue.CurrentOfConversationAsync(first.CaseId))?.Id);
        Assert.Null(await queue.CurrentOfConversationAsync("cust-unknown"));
    }

    [Fact]
    public async Task CurrentOfConversation_OfAnEscalatedCase_IsTheHandoffItWasEscalatedTo()
    {
        var queue = Queue();
        var session = await BotSessionAsync();
        var first = (await queue.EscalateAsync(Request(session))).Handoff;
        await queue.ClaimAsync(first.Id, "alice");
        Db.Clock.Advance(TimeSpan.FromSeconds(5));
        var next = (await queue.EscalateFurtherAsync(first.Id, Request(session, "alice") with { TargetQueue = "billing-tier2" })).Handoff;

        // The source session names only the first handoff; the case's current one is where it was escalated to.
        var current = await queue.CurrentOfConversationAsync(session);

        Assert.Equal((next.Id, HandoffStatus.Queued), (current?.Id, current?.Status));
        Assert.Equal(first.CaseId, next.CaseId);
    }

    private sealed class FailingGenerator : ISummaryGenerator
    {
        public Task<SummaryDraft> DraftAsync(CompositionInput input, CancellationToken ct) => throw new InvalidOperationException("generator down");
    }
}
