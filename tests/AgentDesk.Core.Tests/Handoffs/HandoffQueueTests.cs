using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Summaries;
using AgentDesk.Core.Tests.Support;
using Dapper;

namespace AgentDesk.Core.Tests.Handoffs;

/// <summary>The handoff lifecycle against a real SQLite file: the two phases, recovery after a crash between them, recorded times, merges.</summary>
public sealed class HandoffQueueTests : HandoffQueueTest
{
    [Fact]
    public async Task Escalate_PublishesQueuedOnlyAfterTheCommit()
    {
        var session = await BotSessionAsync();
        var seen = new List<(string Kind, string? StoredStatus)>();
        Notifier.Changed += change => seen.Add((change.Kind,
            Db.Database.ReadAsync(c => c.ExecuteScalarAsync<string?>("SELECT status FROM handoffs WHERE id = @Id", new { change.Handoff.Id })).Result));

        await Queue().EscalateAsync(Request(session));

        Assert.Equal([(HandoffEventKind.Queued, (string?)HandoffStatus.Queued)], seen);
    }

    [Fact]
    public async Task Escalate_ReplayedIdempotencyKey_ReturnsTheFirstHandoffAndPublishesNothingMore()
    {
        var session = await BotSessionAsync();
        var published = new List<string>();
        Notifier.Changed += change => published.Add(change.Kind);
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

    private async Task<(Handoff Chat, Handoff Email)> ParallelCasesAsync(HandoffQueue queue, params (string Content, string Tag)[] emailFacts)
    {
        var chat = (await queue.EscalateAsync(Request(await BotSessionAsync()) with { CustomerId = "cust-7", Channel = "chat" })).Handoff;
        var email = (await queue.EscalateAsync(Request(await BotSessionAsync("email-bot", emailFacts), "email-bot") with { CustomerId = "cust-7", Channel = "email" })).Handoff;
        return (chat, email);
    }

    [Fact]
    public async Task Merge_AQueuedParallelCase_LeavesTheQueue_AndJoinsTheOtherCasesContext()
    {
        var queue = Queue();
        var (chat, email) = await ParallelCasesAsync(queue, ("Customer emailed a photo of the duplicate receipt", "outcome"));
        await PickUpAsync(queue, chat.Id, "alice");
        var published = new List<HandoffChange>();
        Notifier.Changed += published.Add;

        var merged = await queue.MergeAsync(email.Id, chat.Id, "sofia");

        Assert.Equal((HandoffStatus.Merged, chat.Id), (merged.Status, merged.MergedInto));
        Assert.Equal((HandoffEventKind.Merged, email.Id), (published.Single().Kind, published.Single().Handoff.Id));
        Assert.Empty(await queue.ListAsync(new HandoffQuery { Statuses = HandoffStatus.Open, CustomerId = "cust-7", Queue = "billing", Status = HandoffStatus.Queued }));
        var recorded = (await queue.EventsAsync(email.Id)).Last();
        Assert.Equal((HandoffEventKind.Merged, "sofia"), (recorded.Kind, recorded.Actor));
        var context = await queue.RecallContextAsync(chat.Id, "alice");
        Assert.Equal(email.Id, Assert.Single(context.MergedCases).Id);
        Assert.Contains(context.Memories, m => m.Memory.Content.Contains("duplicate receipt"));
        Assert.Empty(context.Handoff.ParallelCases!);
    }

    [Fact]
    public async Task Merge_ThenEscalateFurther_TheNewSummaryCarriesTheMergedCasesCommitment()
    {
        var queue = Queue();
        var (chat, email) = await ParallelCasesAsync(queue, ("I will email the refund form to the customer today", SummaryTags.Commitment));
        Assert.Contains(email.Summary.Commitments, c => c.What.Contains("refund form"));
        await PickUpAsync(queue, chat.Id, "alice");
        await queue.MergeAsync(email.Id, chat.Id, "sofia");

        var next = (await queue.EscalateFurtherAsync(chat.Id, Request("-", "alice") with { TargetQueue = "billing-tier2" })).Handoff;

        Assert.Contains(next.Summary.Commitments, c => c.What.Contains("refund form"));
    }

    [Fact]
    public async Task Merge_AClaimedCase_EndsTheSessionItsAgentOpened()
    {
        var queue = Queue();
        var (chat, email) = await ParallelCasesAsync(queue);
        var claimed = await queue.ClaimAsync(email.Id, "bob");

        await queue.MergeAsync(email.Id, chat.Id, "sofia");

        var session = await Db.Sessions.GetAsync(claimed.AgentSessionId!);
        Assert.False(session!.IsActive);
        Assert.Equal(chat.Id, session.Metadata!["merged_into"]!.GetValue<string>());
    }

    [Fact]
    public async Task Merge_ACaseWhoseAgentIsConnected_IsRefused_AndChangesNothing()
    {
        var queue = Queue();
        var (chat, email) = await ParallelCasesAsync(queue);
        await PickUpAsync(queue, email.Id, "bob");

        var refused = await Assert.ThrowsAsync<DeskException>(() => queue.MergeAsync(email.Id, chat.Id, "sofia"));
        var self = await Assert.ThrowsAsync<DeskException>(() => queue.MergeAsync(chat.Id, chat.Id, "sofia"));

        Assert.Equal((409, 400), (refused.Status, self.Status));
        Assert.Equal(HandoffStatus.Connected, (await queue.GetAsync(email.Id))!.Status);
        Assert.DoesNotContain(await queue.EventsAsync(email.Id), e => e.Kind == HandoffEventKind.Merged);
    }
}
