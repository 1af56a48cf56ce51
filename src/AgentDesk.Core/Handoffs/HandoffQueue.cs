using System.Data.Common;
using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Storage;
using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Handoffs;

/// <summary>An escalation: from a source session to a queue or an agent, with the caller's summary or one to generate.</summary>
public sealed record EscalationRequest
{
    public required string SourceSessionId { get; init; }
    public required string AgentId { get; init; }
    public string? TargetQueue { get; init; }
    public string? TargetAgent { get; init; }
    public required string Reason { get; init; }
    public Urgency Urgency { get; init; } = Urgency.Normal;
    public string? Channel { get; init; }
    public string? CustomerId { get; init; }

    /// <summary>The named thread this escalation is raised from (<c>POST /v1/threads/{name}/handoffs</c>); a further handoff inherits its case's.</summary>
    public string? Thread { get; init; }

    /// <summary>The caller's own summary; null asks the configured generator for one.</summary>
    public StructuredSummary? Summary { get; init; }

    /// <summary>The caller's <c>Idempotency-Key</c> (already scoped to its API key) and a hash of the request it came with.</summary>
    public string? IdempotencyKey { get; init; }
    public string? RequestHash { get; init; }

    public string Target => TargetQueue ?? TargetAgent ?? "";
}

/// <summary>The handoff an escalation made, or (<see cref="Replayed"/>) the one an earlier identical request made.</summary>
public sealed record EscalationResult(Handoff Handoff, bool Replayed);

/// <summary>
/// What the receiving agent reads on pick-up: the summary first, then the case's ranked memories (of every leg, and
/// of the parallel cases a supervisor merged into it, listed in <see cref="MergedCases"/>).
/// </summary>
public sealed record HandoffContext(
    Handoff Handoff, Memory.Memory? SummaryMemory, IReadOnlyList<RecallHit> Memories, IReadOnlyList<Handoff> EarlierHandoffs, double RecallMs, bool SummaryRecalled)
{
    public IReadOnlyList<Handoff> MergedCases { get; init; } = [];
}

/// <summary>What start-up's completion of pending handoffs did: how many it queued, and those it could not (with why).</summary>
public sealed record PendingCompletion(int Completed, IReadOnlyList<(string Id, string Error)> Failed);

/// <summary>Settings of the handoff engine, from <c>AgentDesk:Handoffs</c>.</summary>
public sealed record HandoffOptions
{
    /// <summary>
    /// Added to every context recall (<c>ContextRecallDelayMs</c>; 0 by default): lets tests and demos watch the
    /// "Loading context…" and "connecting" states that a fast recall makes too brief to see.
    /// </summary>
    public TimeSpan ContextRecallDelay { get; init; }
}

/// <summary>A summary drafted for a session without storing anything (<c>POST /v1/summaries/draft</c>).</summary>
public sealed record DraftResult(SummaryDraft Draft, int ChainDepth, string? Channel, string? CustomerId);

/// <summary>
/// The handoff lifecycle of API.md §2: escalate (two-phase: the summary and a pending record first, then the source
/// session ended and the case queued), claim (one winner), the context recall, connect (only after that recall),
/// resolve, escalate further, re-queue and the shift-change batch. Each step is one transaction and is published to
/// <see cref="HandoffNotifier"/> after it commits.
/// </summary>
public sealed partial class HandoffQueue(
    DeskDatabase database, MemoryStore memories, RecallService recall, ISummaryGenerator generator, HandoffNotifier notifier, DeskEvents events,
    TimeProvider time, HandoffOptions? options = null)
{
    private readonly HandoffOptions _options = options ?? new HandoffOptions();

    /// <summary>How many memories of the source session a summary is composed from (the newest).</summary>
    public const int MaxSessionMemories = 1_000;

    /// <summary>Ranked memories recalled from the source session on pick-up, and from each earlier leg's session.</summary>
    public const int ContextTopK = 20;
    public const int EarlierLegTopK = 10;

    public const string SummaryTag = "handoff";
    public const string SessionSummaryTag = "session-summary";

    private enum Race { None, SameKey, SameSession }

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public Task<Handoff?> GetAsync(string id, CancellationToken ct = default) =>
        database.ReadAsync(async connection =>
        {
            var handoff = await HandoffRecords.GetAsync(connection, null, id, ct);
            return handoff is null ? null : await WithParallelCasesAsync(connection, handoff, ct);
        }, ct);

    public Task<IReadOnlyList<Handoff>> ListAsync(HandoffQuery query, CancellationToken ct = default) =>
        database.ReadAsync(connection => HandoffRecords.ListAsync(connection, query, ct), ct);

    /// <summary>The handoff a customer's conversation (customer id, source session or case id) is on now, or null when it has none.</summary>
    public Task<Handoff?> CurrentOfConversationAsync(string conversation, CancellationToken ct = default) =>
        database.ReadAsync(connection => HandoffRecords.CurrentOfConversationAsync(connection, conversation, ct), ct);

    public Task<IReadOnlyList<HandoffEventRecord>> EventsAsync(string id, CancellationToken ct = default) =>
        database.ReadAsync(connection => HandoffRecords.EventsAsync(connection, id, ct), ct);

    /// <summary>
    /// Escalates a session: builds (or validates) the summary, stores it at importance 1.0 with a pending handoff,
    /// then ends the source session with the handoff links and queues the case. A replayed idempotency key, or a
    /// retry for a session whose handoff a failure left pending, returns (and completes) the first handoff.
    /// </summary>
    /// <param name="parentId">The handoff this one escalates further (<c>/escalate</c>); otherwise found from the session.</param>
    public async Task<EscalationResult> EscalateAsync(EscalationRequest request, string? parentId = null, CancellationToken ct = default)
    {
        if (await ReplayAsync(request, ct) is { } replayed) return replayed;

        var session = await database.ReadAsync(c => SessionStore.GetAsync(c, null, request.SourceSessionId, ct), ct)
            ?? throw DeskException.NotFound($"session '{request.SourceSessionId}' not found");
        if (session.AgentId != request.AgentId)
            throw DeskException.Invalid($"session '{session.Id}' belongs to agent '{session.AgentId}', not '{request.AgentId}'");
        if (await database.ReadAsync(c => HandoffRecords.FindBySourceSessionAsync(c, null, session.Id, ct), ct) is { } existing)
        {
            // A concurrent request with the same key may have stored it since the check above.
            return await ReplayAsync(request, ct) ?? new(await RetryOrRefuseAsync(existing, ct), true);
        }

        var @case = await ReadCaseAsync(session, parentId, request.AgentId, request.Target, request.Reason, request.Urgency, request.Channel, request.CustomerId, ct);
        var draft = request.Summary is { } given ? CallerDraft(given, @case.Input) : await generator.DraftAsync(@case.Input, ct);
        if (!draft.Report.IsValid)
        {
            await RecordRejectionAsync(request, draft, ct);
            throw DeskException.Invalid("the handoff summary is invalid", draft.Report.Failures);
        }

        var now = NowMs;
        var id = MemoryStore.NewId("hof");
        var summaryMemory = new NewMemory
        {
            AgentId = session.AgentId,
            Content = draft.Rendered,
            MemoryType = MemoryTypes.Semantic,
            Importance = 1.0,
            Tags = SummaryTags(request, @case),
            SessionId = session.Id,
            Metadata = new JsonObject
            {
                ["handoff_id"] = id,
                ["case_id"] = @case.Parent?.CaseId ?? id,
                ["chain_depth"] = @case.Earlier.Count,
                ["generator"] = draft.Generator,
            },
        };
        var prepared = await memories.PrepareAsync([summaryMemory], ct);
        var handoff = new Handoff
        {
            Id = id,
            CaseId = @case.Parent?.CaseId ?? id,
            ParentId = @case.Parent?.Id,
            ChainDepth = @case.Earlier.Count,
            Status = HandoffStatus.Pending,
            SourceSessionId = session.Id,
            SourceAgentId = session.AgentId,
            TargetQueue = request.TargetQueue,
            TargetAgent = request.TargetAgent,
            Reason = request.Reason,
            Urgency = request.Urgency,
            Channel = @case.Input.Channel,
            CustomerId = @case.CustomerId,
            Thread = request.Thread ?? @case.Parent?.Thread,
            SummaryMemoryId = "",
            Summary = draft.Summary,
            SummaryText = draft.Rendered,
            WordCount = draft.Report.WordCount,
            SummarySource = request.Summary is not null ? SummarySource.Caller
                : @case.Input.SessionEndedWithoutSummary ? SummarySource.SessionMemories : SummarySource.Generated,
            Generator = draft.Generator,
            FallbackReason = draft.FallbackReason,
            ModelAttempts = draft.ModelAttempts,
            Warnings = Warnings(draft, @case.Parallel),
            CreatedAtMs = now,
        };

        var written = await database.WriteInTwoPhasesAsync(async (connection, tx) =>
        {
            // Checked again under the write transaction: a concurrent retry of the same request may have won.
            if (request.IdempotencyKey is { } k && await HandoffRecords.FindByIdempotencyKeyAsync(connection, tx, k, ct) is { } won)
                return new Queueing(won.Handoff, null, false, Race.SameKey);
            if (await HandoffRecords.FindBySourceSessionAsync(connection, tx, session.Id, ct) is { } other)
                return new Queueing(other, null, false, Race.SameSession);
            var (stored, _) = await memories.StoreManyAsync(connection, tx, prepared, ct);
            var pending = handoff with { SummaryMemoryId = stored[0].Id };
            await HandoffRecords.InsertAsync(connection, tx, pending, request.IdempotencyKey, request.RequestHash, ct);
            await HandoffRecords.AddEventAsync(connection, tx, id, HandoffEventKind.Created, now, request.AgentId, new
            {
                summary_source = pending.SummarySource,
                generator = pending.Generator,
                word_count = pending.WordCount,
                fallback_reason = pending.FallbackReason,
                model_attempts = pending.ModelAttempts,
                chain_depth = pending.ChainDepth,
            }, ct);
            return new Queueing(pending, null, false);
        },
            // The summary is committed: the session is ended and the handoff queued even if the caller has gone.
            async (first, connection, tx) => first.Race == Race.None ? await QueueAsync(connection, tx, first.Handoff, CancellationToken.None) : first, ct);
        if (written.Race != Race.None)
            return new(await RetryOrRefuseAsync(written.Handoff, ct, sameRequest: written.Race == Race.SameKey), true);
        events.Publish(new DeskChange("memory", session.AgentId));
        Announce(written);
        return new(written.Handoff, false);
    }

    /// <summary>
    /// The second phase: ends the source session with the handoff links in its metadata, queues the handoff and
    /// marks the one it escalates as escalated. Idempotent: a handoff already queued is returned as it is.
    /// Start-up calls it for every handoff a crash left pending; an escalation runs it right after the first phase.
    /// </summary>
    public async Task<Handoff> CompleteAsync(string id, CancellationToken ct = default)
    {
        var queueing = await database.WriteAsync(async (connection, tx) =>
            await QueueAsync(connection, tx, await HandoffRecords.GetAsync(connection, tx, id, ct) ?? throw DeskException.NotFound($"handoff '{id}' not found"), ct), ct);
        Announce(queueing);
        return queueing.Handoff;
    }

    /// <summary>What a phase did: the handoff as it now is, the one it escalated, whether this call queued it, and a lost race.</summary>
    private sealed record Queueing(Handoff Handoff, Handoff? Escalated, bool Queued, Race Race = Race.None);

    private async Task<Queueing> QueueAsync(DbConnection connection, DbTransaction tx, Handoff pending, CancellationToken ct)
    {
        var id = pending.Id;
        var now = NowMs;
        if (!await HandoffRecords.UpdateAsync(connection, tx,
                "UPDATE handoffs SET status = 'queued', queued_at = @now WHERE id = @id AND status = 'pending'", new { id, now }, ct))
            return new((await HandoffRecords.GetAsync(connection, tx, id, ct))!, null, false);
        var links = new JsonObject
        {
            ["handoff_to"] = pending.Target,
            ["escalation_reason"] = pending.Reason,
            ["handoff_memory_id"] = pending.SummaryMemoryId,
            ["urgency"] = pending.Urgency.ToWire(),
            ["handoff_id"] = id,
        };
        if (pending.Channel is not null) links["channel"] = pending.Channel;
        if (pending.CustomerId is not null) links["customer_id"] = pending.CustomerId;
        await SessionStore.EndAsync(connection, tx, pending.SourceSessionId, pending.SummaryText, links, now, ct, keepSummary: true);
        await HandoffRecords.AddEventAsync(connection, tx, id, HandoffEventKind.Queued, now, pending.SourceAgentId,
            new { queue = pending.QueueKey, urgency = pending.Urgency.ToWire() }, ct);
        Handoff? escalated = null;
        if (pending.ParentId is { } parentId && await HandoffRecords.UpdateAsync(connection, tx, """
                UPDATE handoffs SET status = 'escalated', escalated_at = @now, next_id = @id
                WHERE id = @parentId AND status IN ('claimed', 'connected')
                """, new { parentId, id, now }, ct))
        {
            await HandoffRecords.AddEventAsync(connection, tx, parentId, HandoffEventKind.Escalated, now, pending.SourceAgentId, new { next_id = id, target = pending.Target }, ct);
            escalated = await HandoffRecords.GetAsync(connection, tx, parentId, ct);
        }
        return new(pending with { Status = HandoffStatus.Queued, QueuedAtMs = now }, escalated, true);
    }

    /// <summary>Tells live views about a second phase that queued a handoff (after its commit).</summary>
    private void Announce(Queueing queueing)
    {
        if (!queueing.Queued) return;
        events.Publish(new DeskChange("session", queueing.Handoff.SourceAgentId));
        if (queueing.Escalated is not null) notifier.Publish(new HandoffChange(HandoffEventKind.Escalated, queueing.Escalated));
        notifier.Publish(new HandoffChange(HandoffEventKind.Queued, queueing.Handoff));
    }

    /// <summary>
    /// Completes every handoff left pending by a crash between the two phases. One that cannot be completed (its
    /// source session was deleted since) is reported and left pending, invisible, rather than stopping the others.
    /// </summary>
    public async Task<PendingCompletion> CompletePendingAsync(CancellationToken ct = default)
    {
        var pending = await database.ReadAsync(connection => HandoffRecords.PendingIdsAsync(connection, ct), ct);
        var failed = new List<(string Id, string Error)>();
        foreach (var id in pending)
        {
            try
            {
                await CompleteAsync(id, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed.Add((id, e.Message));
            }
        }
        return new PendingCompletion(pending.Count - failed.Count, failed);
    }

    /// <summary>Drafts the summary an escalation of this session would carry, with its validation report; stores nothing.</summary>
    public async Task<DraftResult> DraftAsync(
        string sessionId, string? target, string? reason, Urgency urgency, string? channel, CancellationToken ct = default)
    {
        var session = await database.ReadAsync(c => SessionStore.GetAsync(c, null, sessionId, ct), ct)
            ?? throw DeskException.NotFound($"session '{sessionId}' not found");
        var @case = await ReadCaseAsync(session, null, session.AgentId, target ?? "the next agent", reason ?? "escalation", urgency, channel, null, ct);
        var draft = await generator.DraftAsync(@case.Input, ct);
        return new DraftResult(draft, @case.Earlier.Count, @case.Input.Channel, @case.CustomerId);
    }

    /// <summary>
    /// Claims a queued handoff for <paramref name="agentId"/> and opens the agent's session for the case (notes go
    /// there, and a further escalation starts from it). Exactly one of concurrent claims wins; the others get 409.
    /// </summary>
    public async Task<Handoff> ClaimAsync(string id, string agentId, CancellationToken ct = default)
    {
        var claimed = await database.WriteAsync(async (connection, tx) =>
        {
            var h = await RequireAsync(connection, tx, id, HandoffAction.Claim, agentId, ct);
            var now = NowMs;
            var metadata = new JsonObject { ["handoff_from"] = h.SourceSessionId, ["handoff_id"] = h.Id, ["case_id"] = h.CaseId };
            if (h.Channel is not null) metadata["channel"] = h.Channel;
            if (h.CustomerId is not null) metadata["customer_id"] = h.CustomerId;
            var session = await SessionStore.InsertAsync(connection, tx, agentId, null, metadata, now, ct);
            if (!await HandoffRecords.UpdateAsync(connection, tx, """
                    UPDATE handoffs SET status = 'claimed', claimed_by = @agentId, claimed_at = @now, agent_session_id = @sessionId
                    WHERE id = @id AND status = 'queued'
                    """, new { id, agentId, now, sessionId = session.Id }, ct))
                throw DeskException.Conflict($"handoff '{id}' was claimed by another agent a moment ago");
            await HandoffRecords.AddEventAsync(connection, tx, id, HandoffEventKind.Claimed, now, agentId, new { wait_ms = now - (h.QueuedAtMs ?? now) }, ct);
            return h with { Status = HandoffStatus.Claimed, ClaimedBy = agentId, ClaimedAtMs = now, AgentSessionId = session.Id };
        }, ct);
        events.Publish(new DeskChange("session", agentId));
        notifier.Publish(new HandoffChange(HandoffEventKind.Claimed, claimed));
        return claimed;
    }

    /// <summary>
    /// The context recall of pick-up: the handoff summary first, then the source session's memories and each earlier
    /// leg's, ranked by hybrid recall on the customer's goal. When the claiming agent reads it, its completion (time
    /// taken, and whether the summary came first) is recorded: from then on the agent may connect.
    /// </summary>
    /// <param name="authorize">Called with the handoff before anything is recalled or recorded; throws to refuse the reader.</param>
    public async Task<HandoffContext> RecallContextAsync(string id, string? agentId, Action<Handoff>? authorize = null, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        var (handoff, earlier, merged) = await database.ReadAsync(async connection =>
        {
            var h = await HandoffRecords.GetAsync(connection, null, id, ct) ?? throw DeskException.NotFound($"handoff '{id}' not found");
            authorize?.Invoke(h);
            var all = await HandoffRecords.CaseAsync(connection, null, h.CaseId, ct);
            var merged = await HandoffRecords.MergedIntoAsync(connection, null, all.Where(e => e.ChainDepth <= h.ChainDepth).Select(e => e.Id).ToList(), ct);
            return (await WithParallelCasesAsync(connection, h, ct), all.Where(e => e.ChainDepth < h.ChainDepth).ToList(), merged);
        }, ct);
        if (_options.ContextRecallDelay > TimeSpan.Zero) await Task.Delay(_options.ContextRecallDelay, time, ct);
        var query = $"{handoff.Summary.UserGoal} {handoff.Summary.Situation} {handoff.Reason}";
        var current = await RecallSessionAsync(handoff.SourceAgentId, handoff.SourceSessionId, query, ContextTopK, ct);
        var summaryRecalled = current.Count > 0 && current[0].Memory.Id == handoff.SummaryMemoryId;
        var ranked = new List<RecallHit>(current);
        foreach (var leg in earlier.Concat(merged))
            ranked.AddRange(await RecallSessionAsync(leg.SourceAgentId, leg.SourceSessionId, query, EarlierLegTopK, ct));
        var summary = ranked.FirstOrDefault(h => h.Memory.Id == handoff.SummaryMemoryId)?.Memory ?? await memories.GetAsync(handoff.SummaryMemoryId, ct);
        var rest = ranked.Where(h => h.Memory.Id != handoff.SummaryMemoryId)
            .OrderByDescending(h => h.SmartScore).ToList();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        if (agentId is not null && handoff.RecallDoneAtMs is null && HandoffLifecycle.Refusal(handoff, HandoffAction.RecordRecall, agentId) is null)
            handoff = await RecordRecallAsync(handoff, agentId, elapsed, summaryRecalled, ct);
        return new HandoffContext(handoff, summary, rest, earlier, elapsed, summaryRecalled) { MergedCases = merged };
    }

    /// <summary>Marks the claiming agent connected to the customer; refused (409) until the context recall has completed.</summary>
    public async Task<Handoff> ConnectAsync(string id, string agentId, CancellationToken ct = default)
    {
        var (connected, changed) = await database.WriteAsync(async (connection, tx) =>
        {
            var h = await RequireAsync(connection, tx, id, HandoffAction.Connect, agentId, ct);
            if (h.Status == HandoffStatus.Connected) return (h, false);
            var now = NowMs;
            await HandoffRecords.UpdateAsync(connection, tx,
                "UPDATE handoffs SET status = 'connected', connected_at = @now WHERE id = @id AND status = 'claimed' AND recall_done_at IS NOT NULL",
                new { id, now }, ct);
            await HandoffRecords.AddEventAsync(connection, tx, id, HandoffEventKind.Connected, now, agentId, new { since_claim_ms = now - h.ClaimedAtMs }, ct);
            return (h with { Status = HandoffStatus.Connected, ConnectedAtMs = now }, true);
        }, ct);
        if (changed) notifier.Publish(new HandoffChange(HandoffEventKind.Connected, connected));
        return connected;
    }

    /// <summary>Resolves the case and ends the agent's session; records whether the customer had to repeat themselves.</summary>
    public async Task<Handoff> ResolveAsync(string id, string agentId, string? note, bool? customerRepeated, CancellationToken ct = default)
    {
        var (resolved, changed) = await database.WriteAsync(async (connection, tx) =>
        {
            var h = await RequireAsync(connection, tx, id, HandoffAction.Resolve, agentId, ct);
            if (h.Status == HandoffStatus.Resolved) return (h, false);
            var now = NowMs;
            await HandoffRecords.UpdateAsync(connection, tx, """
                UPDATE handoffs SET status = 'resolved', resolved_at = @now, resolution_note = @note, customer_repeated = @repeated
                WHERE id = @id AND status IN ('claimed', 'connected')
                """, new { id, now, note, repeated = customerRepeated is null ? (int?)null : customerRepeated.Value ? 1 : 0 }, ct);
            await HandoffRecords.AddEventAsync(connection, tx, id, HandoffEventKind.Resolved, now, agentId,
                new { customer_repeated_themselves = customerRepeated, handle_ms = h.ConnectedAtMs is { } c ? now - c : (long?)null }, ct);
            if (h.AgentSessionId is { } sessionId)
                await SessionStore.EndAsync(connection, tx, sessionId, note, new JsonObject { ["resolved_handoff_id"] = id }, now, ct);
            return (h with
            {
                Status = HandoffStatus.Resolved,
                ResolvedAtMs = now,
                ResolutionNote = note,
                CustomerRepeatedThemselves = customerRepeated,
            }, true);
        }, ct);
        if (!changed) return resolved;
        events.Publish(new DeskChange("session", agentId));
        notifier.Publish(new HandoffChange(HandoffEventKind.Resolved, resolved));
        return resolved;
    }

    /// <summary>
    /// A further handoff by the agent working the case, from the session its claim opened: the new summary carries
    /// the whole chain, and this handoff becomes <c>escalated</c> once the new one is queued.
    /// </summary>
    public async Task<EscalationResult> EscalateFurtherAsync(string id, EscalationRequest request, CancellationToken ct = default)
    {
        if (await ReplayAsync(request, ct) is { } replayed) return replayed;
        var handoff = await database.ReadAsync(c => HandoffRecords.GetAsync(c, null, id, ct), ct) ?? throw DeskException.NotFound($"handoff '{id}' not found");
        if (HandoffLifecycle.Refusal(handoff, HandoffAction.Escalate, request.AgentId) is { } why) throw DeskException.Conflict(why);
        return await EscalateAsync(request with { SourceSessionId = handoff.AgentSessionId! }, id, ct);
    }

    /// <summary>Moves a queued case to another queue or agent (and urgency), as a shift change or a supervisor does.</summary>
    public async Task<Handoff> RequeueAsync(string id, string? targetQueue, string? targetAgent, Urgency? urgency, string actor, CancellationToken ct = default)
    {
        var (moved, previous) = await database.WriteAsync(async (connection, tx) =>
        {
            var h = await HandoffRecords.GetAsync(connection, tx, id, ct) ?? throw DeskException.NotFound($"handoff '{id}' not found");
            if (h.Status != HandoffStatus.Queued)
                throw DeskException.Conflict($"handoff '{id}' is {h.Status}: only a queued case can be re-queued");
            var now = NowMs;
            var next = h with { TargetQueue = targetQueue, TargetAgent = targetAgent, Urgency = urgency ?? h.Urgency };
            await HandoffRecords.UpdateAsync(connection, tx,
                "UPDATE handoffs SET target_queue = @TargetQueue, target_agent = @TargetAgent, urgency = @Urgency WHERE id = @Id AND status = 'queued'",
                new { next.TargetQueue, next.TargetAgent, Urgency = (int)next.Urgency, next.Id }, ct);
            await HandoffRecords.AddEventAsync(connection, tx, id, HandoffEventKind.Requeued, now, actor,
                new { from = h.QueueKey, to = next.QueueKey, urgency = next.Urgency.ToWire() }, ct);
            return (next, h.QueueKey);
        }, ct);
        notifier.Publish(new HandoffChange(HandoffEventKind.Requeued, moved, previous));
        return moved;
    }

    private async Task<Handoff> RecordRecallAsync(Handoff handoff, string agentId, double elapsedMs, bool summaryRecalled, CancellationToken ct)
    {
        var (recorded, changed) = await database.WriteAsync(async (connection, tx) =>
        {
            var now = NowMs;
            if (!await HandoffRecords.UpdateAsync(connection, tx, """
                    UPDATE handoffs SET recall_done_at = @now, recall_ms = @elapsedMs, summary_recalled = @recalled
                    WHERE id = @id AND claimed_by = @agentId AND status IN ('claimed', 'connected') AND recall_done_at IS NULL
                    """, new { id = handoff.Id, agentId, now, elapsedMs, recalled = summaryRecalled ? 1 : 0 }, ct))
                return (await HandoffRecords.GetAsync(connection, tx, handoff.Id, ct) ?? handoff, false);
            await HandoffRecords.AddEventAsync(connection, tx, handoff.Id, HandoffEventKind.Recalled, now, agentId,
                new { recall_ms = elapsedMs, summary_recalled = summaryRecalled, since_claim_ms = now - handoff.ClaimedAtMs }, ct);
            return (handoff with { RecallDoneAtMs = now, RecallMs = elapsedMs, SummaryRecalled = summaryRecalled }, true);
        }, ct);
        if (changed) notifier.Publish(new HandoffChange(HandoffEventKind.Recalled, recorded));
        return recorded with { ParallelCases = handoff.ParallelCases };
    }

    private async Task<IReadOnlyList<RecallHit>> RecallSessionAsync(string agentId, string sessionId, string query, int topK, CancellationToken ct) =>
        (await recall.RecallAsync(new RecallRequest
        {
            Filter = new MemoryFilter { AgentId = agentId, SessionId = sessionId },
            Query = query,
            TopK = topK,
            // The query is the case's own words, not an agent's question: "by Friday" in a goal is no time filter.
            TemporalPhrases = false,
        }, ct)).Hits;

    /// <summary>Reads the handoff in a write transaction and throws the lifecycle's 404 or 409 when the action is refused.</summary>
    private static async Task<Handoff> RequireAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction tx, string id, HandoffAction action, string agentId, CancellationToken ct)
    {
        var h = await HandoffRecords.GetAsync(connection, tx, id, ct) ?? throw DeskException.NotFound($"handoff '{id}' not found");
        return HandoffLifecycle.Refusal(h, action, agentId) is { } why ? throw DeskException.Conflict(why) : h;
    }

    private static async Task<Handoff> WithParallelCasesAsync(System.Data.Common.DbConnection connection, Handoff handoff, CancellationToken ct) =>
        handoff.CustomerId is null ? handoff with { ParallelCases = [] }
            : handoff with { ParallelCases = await HandoffRecords.ParallelAsync(connection, null, handoff.CustomerId, handoff.CaseId, ct) };

    /// <summary>
    /// The result of an earlier request with this request's idempotency key, or null when there is none: the same
    /// request gets it (completed if a failure left it pending), another request under the same key 409.
    /// </summary>
    private async Task<EscalationResult?> ReplayAsync(EscalationRequest request, CancellationToken ct)
    {
        if (request.IdempotencyKey is not { } key
            || await database.ReadAsync(c => HandoffRecords.FindByIdempotencyKeyAsync(c, null, key, ct), ct) is not { } prior)
            return null;
        if (prior.RequestHash is not null && request.RequestHash is not null && prior.RequestHash != request.RequestHash)
            throw DeskException.Conflict("this Idempotency-Key was already used for a different handoff request; use a new key for a new request");
        return new(prior.Handoff.Status == HandoffStatus.Pending ? await CompleteAsync(prior.Handoff.Id, ct) : prior.Handoff, true);
    }

    /// <summary>A session that already has a handoff: a pending one is a retry after a failure and is completed; otherwise 409.</summary>
    private async Task<Handoff> RetryOrRefuseAsync(Handoff existing, CancellationToken ct, bool sameRequest = false)
    {
        if (existing.Status == HandoffStatus.Pending || sameRequest) return await CompleteAsync(existing.Id, ct);
        throw DeskException.Conflict(
            $"session '{existing.SourceSessionId}' was already handed off as '{existing.Id}' ({existing.Status}); escalate that handoff instead");
    }
}
