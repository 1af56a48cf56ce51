using System.Data.Common;
using System.Text.Json;
using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Core.Analytics;

/// <summary>
/// Reads what was recorded in a window — the handoff rows (through the narrow covering index of migration 0010),
/// the <c>rejected</c> events and the bot-session counts — and hands it to <see cref="HandoffAnalytics"/>. A report
/// and a drill-down read the same facts through the same pure code, so a drill-down lists exactly the cases its
/// number counted. Nothing is cached: every call reads the database as it is.
/// </summary>
public sealed class AnalyticsStore(DeskDatabase database)
{
    public const int MaxCases = 10_000;

    private const string QueueKey = "COALESCE(target_queue, 'agent:' || target_agent)";

    public Task<HandoffReport> ReportAsync(AnalyticsWindow window, CancellationToken ct = default) =>
        database.ReadAsync(async connection => HandoffAnalytics.Compute(window,
            await HandoffsAsync(connection, window, ct), await RejectionsAsync(connection, window, ct), await BotSessionsAsync(connection, window, ct)), ct);

    /// <summary>The cases behind the number (<paramref name="metric"/>, <paramref name="key"/>), at most <paramref name="limit"/> of them.</summary>
    public Task<CaseList> CasesAsync(AnalyticsWindow window, string metric, string key, int limit = 1_000, CancellationToken ct = default)
    {
        HandoffAnalytics.ParseKey(metric, key);
        if (limit is < 1 or > MaxCases) throw DeskException.Invalid($"'limit' must be between 1 and {MaxCases}, not {limit}");
        return database.ReadAsync(async connection =>
        {
            var cases = metric switch
            {
                AnalyticsMetric.Escalation => await EscalatedSessionsAsync(connection, window, ct),
                AnalyticsMetric.ValidationFailures => HandoffAnalytics.Cases(metric, key, [], await RejectionsAsync(connection, window, ct)),
                _ => HandoffAnalytics.Cases(metric, key, await HandoffsAsync(connection, window, ct), []),
            };
            return new CaseList(metric, key, window, cases.Count, cases.Take(limit).ToList());
        }, ct);
    }

    private static async Task<IReadOnlyList<HandoffFact>> HandoffsAsync(DbConnection connection, AnalyticsWindow window, CancellationToken ct)
    {
        // Every column is in ix_handoffs_analytics, so the window is read from the index alone, in created_at order.
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT id, customer_id, {QueueKey}, reason, chain_depth, status, generator, model_attempts, word_count, created_at,
                   queued_at, claimed_at, recall_done_at, summary_recalled, connected_at, resolved_at, customer_repeated
            FROM handoffs
            WHERE created_at >= @from AND created_at < @to AND status <> 'pending'{(window.Queue is null ? "" : $" AND {QueueKey} = @queue")}
            """;
        AddParameters(command, window);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var facts = new List<HandoffFact>();
        // Queue, reason, status and generator repeat across thousands of rows: one string per distinct value.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string Name(int i)
        {
            var text = reader.GetString(i);
            return names.TryGetValue(text, out var known) ? known : names[text] = text;
        }
        long? Long(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
        bool? Flag(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i) != 0;
        while (await reader.ReadAsync(ct))
        {
            facts.Add(new HandoffFact
            {
                Id = reader.GetString(0),
                CustomerId = reader.IsDBNull(1) ? null : reader.GetString(1),
                Queue = Name(2),
                Reason = Name(3),
                ChainDepth = reader.GetInt32(4),
                Status = Name(5),
                Generator = Name(6),
                ModelAttempts = reader.GetInt32(7),
                WordCount = reader.GetInt32(8),
                CreatedAtMs = reader.GetInt64(9),
                QueuedAtMs = Long(10),
                ClaimedAtMs = Long(11),
                RecallDoneAtMs = Long(12),
                SummaryRecalled = Flag(13),
                ConnectedAtMs = Long(14),
                ResolvedAtMs = Long(15),
                CustomerRepeated = Flag(16),
            });
        }
        return facts;
    }

    private static async Task<IReadOnlyList<RejectionFact>> RejectionsAsync(DbConnection connection, AnalyticsWindow window, CancellationToken ct) =>
        (await connection.QueryAsync<(long At, string? Detail)>(new CommandDefinition(
            "SELECT at, detail FROM handoff_events WHERE kind = @kind AND at >= @from AND at < @to ORDER BY at, seq",
            new { kind = HandoffEventKind.Rejected, from = window.FromMs, to = window.ToMs }, cancellationToken: ct)))
        .Select(e => ReadRejection(e.At, e.Detail)).ToList();

    private static RejectionFact ReadRejection(long at, string? detail)
    {
        if (detail is null) return new RejectionFact(at, null, []);
        using var json = JsonDocument.Parse(detail);
        var root = json.RootElement;
        var session = root.TryGetProperty("source_session_id", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        var codes = root.TryGetProperty("codes", out var c) && c.ValueKind == JsonValueKind.Array
            ? c.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList() : [];
        return new RejectionFact(at, session, codes);
    }

    /// <summary>
    /// A bot session has no <c>handoff_from</c> in its metadata (a claim writes it into the session it opens); it ended
    /// in a handoff when the engine wrote the <c>handoff_id</c> link into it on queueing. Both predicates match the
    /// partial indexes of migration 0010 word for word, so each count is an index range.
    /// </summary>
    private const string BotSession = "json_extract(s.metadata, '$.handoff_from') IS NULL";
    private const string EndedInHandoff = "json_extract(s.metadata, '$.handoff_id') IS NOT NULL";

    /// <summary>Bot sessions started in the window, and how many of them ended in a handoff (into the window's queue, when it has one).</summary>
    private static async Task<BotSessionCounts> BotSessionsAsync(DbConnection connection, AnalyticsWindow window, CancellationToken ct)
    {
        var args = new { from = window.FromMs, to = window.ToMs, queue = window.Queue };
        var sessions = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM sessions s WHERE s.started_at >= @from AND s.started_at < @to AND {BotSession}", args, cancellationToken: ct));
        var escalated = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"""
            SELECT COUNT(*) FROM sessions s
            WHERE s.started_at >= @from AND s.started_at < @to AND {BotSession} AND {EndedInHandoff}{QueueOfHandoff(window)}
            """, args, cancellationToken: ct));
        return new BotSessionCounts((int)sessions, (int)escalated);
    }

    /// <summary>The escalation rate's cases: the bot sessions started in the window that ended in a handoff, with it.</summary>
    private static async Task<IReadOnlyList<AnalyticsCase>> EscalatedSessionsAsync(DbConnection connection, AnalyticsWindow window, CancellationToken ct) =>
        (await connection.QueryAsync<(string? Id, string SessionId, string? CustomerId, string? Queue, string? Reason, long StartedAt)>(new CommandDefinition($"""
            SELECT h.id, s.id, h.customer_id, COALESCE(h.target_queue, 'agent:' || h.target_agent), h.reason, s.started_at
            FROM sessions s LEFT JOIN handoffs h ON h.source_session_id = s.id
            WHERE s.started_at >= @from AND s.started_at < @to AND {BotSession} AND {EndedInHandoff}{QueueOfHandoff(window)}
            ORDER BY s.started_at, s.id
            """, new { from = window.FromMs, to = window.ToMs, queue = window.Queue }, cancellationToken: ct)))
        .Select(r => new AnalyticsCase(r.Id, r.SessionId, r.CustomerId, r.Queue, r.Reason, r.StartedAt, 1, "ended in a handoff")).ToList();

    private static string QueueOfHandoff(AnalyticsWindow window) => window.Queue is null ? ""
        : $" AND EXISTS (SELECT 1 FROM handoffs q WHERE q.source_session_id = s.id AND COALESCE(q.target_queue, 'agent:' || q.target_agent) = @queue)";

    private static void AddParameters(DbCommand command, AnalyticsWindow window)
    {
        void Add(string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        Add("@from", window.FromMs);
        Add("@to", window.ToMs);
        if (window.Queue is not null) Add("@queue", window.Queue);
    }
}
