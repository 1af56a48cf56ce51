using System.Data.Common;
using System.Text.Json;
using AgentDesk.Core.Audit;
using AgentDesk.Core.Storage;
using AgentDesk.Core.Summaries;
using Dapper;

namespace AgentDesk.Core.Handoffs;

/// <summary>
/// The handoffs table and its event log, in SQL. Every method runs on the caller's connection (and transaction,
/// when it writes), so <see cref="HandoffQueue"/> can make each lifecycle step one atomic unit.
/// </summary>
internal static class HandoffRecords
{
    private const string Columns = """
        id, case_id, parent_id, chain_depth, source_session_id, source_agent_id, target_queue, target_agent, reason, urgency,
        channel, customer_id, summary_memory_id, summary, summary_text, word_count, summary_source, generator, fallback_reason,
        model_attempts, warnings, status, created_at, queued_at, claimed_by, claimed_at, agent_session_id, recall_done_at,
        recall_ms, summary_recalled, connected_at, resolved_at, resolution_note, customer_repeated, escalated_at, next_id,
        merged_into, merged_at, thread
        """;

    public static async Task<Handoff?> GetAsync(DbConnection connection, DbTransaction? tx, string id, CancellationToken ct) =>
        (await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM handoffs WHERE id = @id", new { id }, tx, cancellationToken: ct)))?.ToHandoff();

    /// <returns>The handoff made under this idempotency key, and the hash of the request that made it.</returns>
    public static async Task<(Handoff Handoff, string? RequestHash)?> FindByIdempotencyKeyAsync(
        DbConnection connection, DbTransaction? tx, string key, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns}, request_hash FROM handoffs WHERE idempotency_key = @key", new { key }, tx, cancellationToken: ct));
        return row is null ? null : (row.ToHandoff(), row.RequestHash);
    }

    public static async Task<Handoff?> FindBySourceSessionAsync(DbConnection connection, DbTransaction? tx, string sessionId, CancellationToken ct) =>
        (await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM handoffs WHERE source_session_id = @sessionId", new { sessionId }, tx, cancellationToken: ct)))?.ToHandoff();

    /// <summary>The handoff a receiving agent's session was opened for (its claim), if any.</summary>
    public static async Task<Handoff?> FindByAgentSessionAsync(DbConnection connection, DbTransaction? tx, string sessionId, CancellationToken ct) =>
        (await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM handoffs WHERE agent_session_id = @sessionId ORDER BY created_at DESC", new { sessionId }, tx, cancellationToken: ct)))?.ToHandoff();

    /// <summary>
    /// The newest listed handoff whose customer id, source session, case id or thread is <paramref name="conversation"/> (the
    /// keys a customer widget watches by), followed along <c>next_id</c> while it was escalated, so the answer is the
    /// handoff the customer is actually waiting on. One indexed lookup per key, united: as one OR the planner may scan
    /// the whole table instead (it did once the analytics index offered created_at order), and this runs in the hub
    /// relay's single line of work, where a 200 ms scan held every desk's events back.
    /// </summary>
    public static async Task<Handoff?> CurrentOfConversationAsync(DbConnection connection, string conversation, CancellationToken ct)
    {
        var handoff = (await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition($"""
            SELECT {Columns} FROM handoffs
            WHERE id IN (SELECT id FROM handoffs WHERE customer_id = @conversation
                         UNION ALL SELECT id FROM handoffs WHERE source_session_id = @conversation
                         UNION ALL SELECT id FROM handoffs WHERE case_id = @conversation
                         UNION ALL SELECT id FROM handoffs WHERE thread = @conversation)
              AND status <> 'pending'
            ORDER BY created_at DESC, chain_depth DESC LIMIT 1
            """, new { conversation }, cancellationToken: ct)))?.ToHandoff();
        while (handoff is { Status: HandoffStatus.Escalated, NextId: { } next } && await GetAsync(connection, null, next, ct) is { } later)
            handoff = later;
        return handoff;
    }

    /// <summary>Every handoff of a case, oldest first.</summary>
    public static async Task<IReadOnlyList<Handoff>> CaseAsync(DbConnection connection, DbTransaction? tx, string caseId, CancellationToken ct) =>
        (await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM handoffs WHERE case_id = @caseId ORDER BY chain_depth, created_at", new { caseId }, tx, cancellationToken: ct)))
        .Select(r => r.ToHandoff()).ToList();

    /// <summary>The handoffs a supervisor merged into any of <paramref name="ids"/>, oldest first.</summary>
    public static async Task<IReadOnlyList<Handoff>> MergedIntoAsync(DbConnection connection, DbTransaction? tx, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var p = new DynamicParameters();
        return (await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM handoffs WHERE {SqlList.In("merged_into", "ids", ids, p)} ORDER BY merged_at", p, tx, cancellationToken: ct)))
            .Select(r => r.ToHandoff()).ToList();
    }

    /// <summary>Open handoffs of the customer outside the given case, most urgent first.</summary>
    public static async Task<IReadOnlyList<ParallelCase>> ParallelAsync(DbConnection connection, DbTransaction? tx, string customerId, string caseId, CancellationToken ct) =>
        (await connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT {Columns} FROM handoffs
            WHERE customer_id = @customerId AND case_id <> @caseId AND status IN ('queued', 'claimed', 'connected')
            ORDER BY urgency DESC, created_at
            """, new { customerId, caseId }, tx, cancellationToken: ct)))
        .Select(r => r.ToHandoff())
        .Select(h => new ParallelCase(h.Id, h.Channel, h.Status, h.Target, h.Urgency)).ToList();

    public static async Task<IReadOnlyList<string>> PendingIdsAsync(DbConnection connection, CancellationToken ct) =>
        (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM handoffs WHERE status = 'pending' ORDER BY created_at", cancellationToken: ct))).ToList();

    public static async Task<IReadOnlyList<Handoff>> ListAsync(DbConnection connection, HandoffQuery query, CancellationToken ct)
    {
        var clauses = new List<string> { "status <> 'pending'" };
        var p = new DynamicParameters(new { query.Status, query.Queue, query.TargetAgent, UrgencyLevel = (int?)query.Urgency, query.CustomerId, query.ClaimedBy, query.Limit });
        if (query.Status is not null) clauses.Add("status = @Status");
        if (query.Statuses is not null) clauses.Add(SqlList.In("status", "statuses", query.Statuses, p));
        if (query.Queue is not null) clauses.Add("target_queue = @Queue");
        if (query.TargetAgent is not null) clauses.Add("target_agent = @TargetAgent");
        if (query.Urgency is not null) clauses.Add("urgency = @UrgencyLevel");
        if (query.CustomerId is not null) clauses.Add("customer_id = @CustomerId");
        if (query.ClaimedBy is not null) clauses.Add("claimed_by = @ClaimedBy");
        if (query.VisibleTo is not null)
            clauses.Add($"(status = 'queued' OR {SqlList.In("source_agent_id", "visible_a", query.VisibleTo, p)} " +
                $"OR {SqlList.In("claimed_by", "visible_b", query.VisibleTo, p)} OR {SqlList.In("target_agent", "visible_c", query.VisibleTo, p)})");
        // The queue order of PRODUCT.md: most urgent first, then longest waiting.
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"""
            SELECT {Columns} FROM handoffs WHERE {string.Join(" AND ", clauses)}
            ORDER BY urgency DESC, COALESCE(queued_at, created_at), id LIMIT @Limit
            """, p, cancellationToken: ct));
        return rows.Select(r => r.ToHandoff()).ToList();
    }

    public static Task InsertAsync(DbConnection connection, DbTransaction tx, Handoff h, string? idempotencyKey, string? requestHash, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO handoffs (id, case_id, parent_id, chain_depth, source_session_id, source_agent_id, target_queue, target_agent, reason,
                urgency, channel, customer_id, summary_memory_id, summary, summary_text, word_count, summary_source, generator, fallback_reason,
                model_attempts, warnings, status, created_at, idempotency_key, request_hash, thread)
            VALUES (@Id, @CaseId, @ParentId, @ChainDepth, @SourceSessionId, @SourceAgentId, @TargetQueue, @TargetAgent, @Reason,
                @Urgency, @Channel, @CustomerId, @SummaryMemoryId, @Summary, @SummaryText, @WordCount, @SummarySource, @Generator, @FallbackReason,
                @ModelAttempts, @Warnings, @Status, @CreatedAtMs, @idempotencyKey, @requestHash, @Thread)
            """, new
        {
            h.Id,
            h.CaseId,
            h.ParentId,
            h.ChainDepth,
            h.SourceSessionId,
            h.SourceAgentId,
            h.TargetQueue,
            h.TargetAgent,
            h.Reason,
            Urgency = (int)h.Urgency,
            h.Channel,
            h.CustomerId,
            h.SummaryMemoryId,
            Summary = JsonSerializer.Serialize(h.Summary, SummaryJson.Options),
            h.SummaryText,
            h.WordCount,
            h.SummarySource,
            h.Generator,
            h.FallbackReason,
            h.ModelAttempts,
            Warnings = JsonSerializer.Serialize(h.Warnings, SummaryJson.Options),
            h.Status,
            h.CreatedAtMs,
            idempotencyKey,
            requestHash,
            h.Thread,
        }, tx, cancellationToken: ct));

    /// <summary>Runs a conditional update; false when the row was not in the state the statement expects.</summary>
    public static async Task<bool> UpdateAsync(DbConnection connection, DbTransaction tx, string sql, object args, CancellationToken ct) =>
        await connection.ExecuteAsync(new CommandDefinition(sql, args, tx, cancellationToken: ct)) == 1;

    /// <summary>
    /// Records one handoff event and, but for the recall timing, its audit entry: the desk agent it names plus the key
    /// or user behind the call (<see cref="AuditActor"/>), in one statement of the action's own transaction.
    /// </summary>
    public static Task AddEventAsync(DbConnection connection, DbTransaction tx, string handoffId, string kind, long atMs, string? actor, object? detail, CancellationToken ct)
    {
        var json = detail is null ? null : JsonSerializer.Serialize(detail, SummaryJson.Options);
        var audited = kind != HandoffEventKind.Recalled;
        return connection.ExecuteAsync(new CommandDefinition(
            audited ? InsertEvent + "; " + InsertAudit : InsertEvent,
            new
            {
                handoffId,
                kind,
                atMs,
                actor,
                detail = json,
                by = AuditActor.Current,
                subject = handoffId == HandoffEventKind.NoHandoff ? null : handoffId,
                action = AuditActions.HandoffPrefix + kind,
                auditDetail = audited ? JsonSerializer.Serialize(new { agent = actor, detail }, SummaryJson.Options) : null,
            },
            tx, cancellationToken: ct));
    }

    private const string InsertEvent = "INSERT INTO handoff_events (handoff_id, kind, at, actor, detail) VALUES (@handoffId, @kind, @atMs, @actor, @detail)";
    private const string InsertAudit = "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (@atMs, @by, @action, @subject, @auditDetail)";

    /// <summary>The recorded events of one handoff, oldest first.</summary>
    public static async Task<IReadOnlyList<HandoffEventRecord>> EventsAsync(DbConnection connection, string handoffId, CancellationToken ct) =>
        (await connection.QueryAsync<(string Kind, long At, string? Actor, string? Detail)>(new CommandDefinition(
            "SELECT kind, at, actor, detail FROM handoff_events WHERE handoff_id = @handoffId ORDER BY seq", new { handoffId }, cancellationToken: ct)))
        .Select(e => new HandoffEventRecord(e.Kind, e.At / 1000, e.Actor, e.Detail is null ? null : JsonDocument.Parse(e.Detail).RootElement.Clone()))
        .ToList();

    private sealed class Row
    {
        public string Id { get; set; } = "";
        public string CaseId { get; set; } = "";
        public string? ParentId { get; set; }
        public long ChainDepth { get; set; }
        public string SourceSessionId { get; set; } = "";
        public string SourceAgentId { get; set; } = "";
        public string? TargetQueue { get; set; }
        public string? TargetAgent { get; set; }
        public string Reason { get; set; } = "";
        public long Urgency { get; set; }
        public string? Channel { get; set; }
        public string? CustomerId { get; set; }
        public string SummaryMemoryId { get; set; } = "";
        public string Summary { get; set; } = "";
        public string SummaryText { get; set; } = "";
        public long WordCount { get; set; }
        public string SummarySource { get; set; } = "";
        public string Generator { get; set; } = "";
        public string? FallbackReason { get; set; }
        public long ModelAttempts { get; set; }
        public string Warnings { get; set; } = "[]";
        public string Status { get; set; } = "";
        public long CreatedAt { get; set; }
        public long? QueuedAt { get; set; }
        public string? ClaimedBy { get; set; }
        public long? ClaimedAt { get; set; }
        public string? AgentSessionId { get; set; }
        public long? RecallDoneAt { get; set; }
        public double? RecallMs { get; set; }
        public long? SummaryRecalled { get; set; }
        public long? ConnectedAt { get; set; }
        public long? ResolvedAt { get; set; }
        public string? ResolutionNote { get; set; }
        public long? CustomerRepeated { get; set; }
        public long? EscalatedAt { get; set; }
        public string? NextId { get; set; }
        public string? MergedInto { get; set; }
        public long? MergedAt { get; set; }
        public string? Thread { get; set; }
        public string? RequestHash { get; set; }

        public Handoff ToHandoff() => new()
        {
            Id = Id,
            CaseId = CaseId,
            ParentId = ParentId,
            ChainDepth = (int)ChainDepth,
            Status = Status,
            SourceSessionId = SourceSessionId,
            SourceAgentId = SourceAgentId,
            TargetQueue = TargetQueue,
            TargetAgent = TargetAgent,
            Reason = Reason,
            Urgency = (Urgency)Urgency,
            Channel = Channel,
            CustomerId = CustomerId,
            SummaryMemoryId = SummaryMemoryId,
            Summary = SummaryJson.Read(Summary)!,
            SummaryText = SummaryText,
            WordCount = (int)WordCount,
            SummarySource = SummarySource,
            Generator = Generator,
            FallbackReason = FallbackReason,
            ModelAttempts = (int)ModelAttempts,
            Warnings = JsonSerializer.Deserialize<List<SummaryFinding>>(Warnings, SummaryJson.Options) ?? [],
            CreatedAtMs = CreatedAt,
            QueuedAtMs = QueuedAt,
            ClaimedBy = ClaimedBy,
            ClaimedAtMs = ClaimedAt,
            AgentSessionId = AgentSessionId,
            RecallDoneAtMs = RecallDoneAt,
            RecallMs = RecallMs,
            SummaryRecalled = SummaryRecalled is null ? null : SummaryRecalled != 0,
            ConnectedAtMs = ConnectedAt,
            ResolvedAtMs = ResolvedAt,
            ResolutionNote = ResolutionNote,
            CustomerRepeatedThemselves = CustomerRepeated is null ? null : CustomerRepeated != 0,
            EscalatedAtMs = EscalatedAt,
            NextId = NextId,
            MergedInto = MergedInto,
            MergedAtMs = MergedAt,
            Thread = Thread,
        };
    }
}

/// <summary>Which handoffs to list; <see cref="VisibleTo"/> limits a key restricted to some agents.</summary>
public sealed record HandoffQuery
{
    public string? Status { get; init; }

    /// <summary>Any of these states (with <see cref="Status"/>, both must hold).</summary>
    public IReadOnlyCollection<string>? Statuses { get; init; }
    public string? Queue { get; init; }
    public string? TargetAgent { get; init; }
    public Urgency? Urgency { get; init; }
    public string? CustomerId { get; init; }
    public string? ClaimedBy { get; init; }
    public IReadOnlyCollection<string>? VisibleTo { get; init; }
    public int Limit { get; init; } = 100;
}

/// <summary>One recorded step of a handoff's life (Unix seconds), as analytics and the case history read it.</summary>
public sealed record HandoffEventRecord(string Kind, long At, string? Actor, JsonElement? Detail);
