using System.Data.Common;
using System.Text.Json;
using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Storage;
using AgentDesk.Core.Summaries;
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

    public async Task<HandoffReport> ReportAsync(AnalyticsWindow window, CancellationToken ct = default)
    {
        // Reading the rows is most of a report's time: the two halves of the window are read and tallied at once, on
        // two connections (WAL readers do not block each other), and the tallies merged.
        var middle = window.FromMs + (window.ToMs - window.FromMs) / 2;
        // Task.Run: SQLite's async calls complete synchronously, so without it the halves would run one after the other.
        var early = Task.Run(() => database.ReadAsync(c => TallyAsync(c, window with { ToMs = middle }, ct), ct), ct);
        var late = Task.Run(() => database.ReadAsync(c => TallyAsync(c, window with { FromMs = middle }, ct), ct), ct);
        var (rejections, bots) = await database.ReadAsync(async c => (await RejectionsAsync(c, window, ct), await BotSessionsAsync(c, window, ct)), ct);
        var tally = await early;
        tally.Merge(await late);
        return tally.Build(window, rejections, bots);
    }

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
                _ => HandoffAnalytics.Cases(metric, key, [.. ReadHandoffs(connection, window, forCases: true, ct)], []),
            };
            return new CaseList(metric, key, window, cases.Count, cases.Take(limit).ToList());
        }, ct);
    }

    /// <summary>
    /// The window's handoff facts. Every column is in ix_handoffs_analytics, so the window is read from the index alone,
    /// in created_at order. Reading the columns costs more than SQLite's scan, so they are read through the statement
    /// API on SQLite (<see cref="IRowReader"/>), the small numbers travel packed in one (<see cref="Packed"/>), and a report
    /// leaves out what only a drill-down lists (id, customer, status).
    /// </summary>
    private static Task<HandoffTally> TallyAsync(DbConnection connection, AnalyticsWindow window, CancellationToken ct)
    {
        var tally = new HandoffTally();
        foreach (var handoff in ReadHandoffs(connection, window, forCases: false, ct)) tally.Add(handoff);
        return Task.FromResult(tally);
    }

    private static IEnumerable<HandoffFact> ReadHandoffs(DbConnection connection, AnalyticsWindow window, bool forCases, CancellationToken ct)
    {
        using var rows = IRowReader.Open(connection, $"""
            SELECT {QueueKey}, reason, generator, {Packed}, created_at, COALESCE(queued_at, -1), COALESCE(claimed_at, -1),
                   COALESCE(recall_done_at, -1), COALESCE(connected_at, -1), COALESCE(resolved_at, -1){(forCases ? ", id, customer_id, status" : "")}
            FROM handoffs
            WHERE created_at >= @from AND created_at < @to AND status <> 'pending'{(window.Queue is null ? "" : $" AND {QueueKey} = @queue")}
            """, [("@from", window.FromMs), ("@to", window.ToMs), .. window.Queue is null ? [] : new[] { ("@queue", (object?)window.Queue) }]);
        var read = 0;
        // Queue, reason and generator repeat across thousands of rows: one string per distinct value.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        long? Time(int i) => rows.GetInt64(i) is var ms and >= 0 ? ms : null;
        static bool? Flag(long packed, int shift) => ((packed >> shift) & 3) switch { 0 => null, 1 => false, _ => true };
        while (rows.Read())
        {
            if (++read % 4096 == 0) ct.ThrowIfCancellationRequested();
            var packed = rows.GetInt64(3);
            yield return new HandoffFact
            {
                Id = forCases ? rows.GetString(10) : "",
                CustomerId = forCases && !rows.IsNull(11) ? rows.GetString(11) : null,
                Queue = rows.GetName(0, names),
                Reason = rows.GetName(1, names),
                Generator = ((packed >> 4) & 3) switch { 1 => SummaryDraft.Extractive, 2 => SummaryDraft.Llm, 3 => HandoffQueue.CallerGenerator, _ => rows.GetName(2, names) },
                ChainDepth = (int)(packed >> 40),
                ModelAttempts = (int)((packed >> 32) & 0xFF),
                WordCount = (int)((packed >> 8) & 0xFFFFFF),
                SummaryRecalled = Flag(packed, 2),
                CustomerRepeated = Flag(packed, 0),
                Status = forCases ? rows.GetName(12, names) : "",
                CreatedAtMs = rows.GetInt64(4),
                QueuedAtMs = Time(5),
                ClaimedAtMs = Time(6),
                RecallDoneAtMs = Time(7),
                ConnectedAtMs = Time(8),
                ResolvedAtMs = Time(9),
            };
        }
    }

    /// <summary>
    /// Chain depth (bits 40+), model attempts (32–39, capped at 255), word count (8–31), the generator (bits 4–5: 1
    /// extractive, 2 llm, 3 caller, 0 another, read by name) and the two yes/no/unknown answers (summary recalled first:
    /// bits 2–3, customer repeated: bits 0–1, as 0 unknown, 1 no, 2 yes) in one integer; times travel as -1 for "not yet".
    /// Every shift is in parentheses: SQLite gives <c>&lt;&lt;</c> and <c>|</c> the same precedence, left to right.
    /// The caps are CASEs because SQLite's two-argument min() is LEAST() in PostgreSQL.
    /// </summary>
    private const string Packed = """
        ((chain_depth << 40) | ((CASE WHEN model_attempts > 255 THEN 255 ELSE model_attempts END) << 32)
         | ((CASE WHEN word_count > 16777215 THEN 16777215 ELSE word_count END) << 8)
         | (CASE generator WHEN 'extractive' THEN 1 WHEN 'llm' THEN 2 WHEN 'caller' THEN 3 ELSE 0 END << 4)
         | (COALESCE(summary_recalled + 1, 0) << 2) | COALESCE(customer_repeated + 1, 0))
        """;

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
    /// partial indexes of migration 0010 (each engine's JSON accessor, see <see cref="ISqlDialect.JsonText"/>), so each count is an index range.
    /// </summary>
    private static string BotSession(ISqlDialect dialect) => $"{dialect.JsonText("s.metadata", "handoff_from")} IS NULL";
    private static string EndedInHandoff(ISqlDialect dialect) => $"{dialect.JsonText("s.metadata", "handoff_id")} IS NOT NULL";

    /// <summary>Bot sessions started in the window, and how many of them ended in a handoff (into the window's queue, when it has one).</summary>
    private async Task<BotSessionCounts> BotSessionsAsync(DbConnection connection, AnalyticsWindow window, CancellationToken ct)
    {
        var args = new { from = window.FromMs, to = window.ToMs, queue = window.Queue };
        var sessions = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM sessions s WHERE s.started_at >= @from AND s.started_at < @to AND {BotSession(database.Dialect)}", args, cancellationToken: ct));
        var escalated = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"""
            SELECT COUNT(*) FROM sessions s
            WHERE s.started_at >= @from AND s.started_at < @to AND {BotSession(database.Dialect)} AND {EndedInHandoff(database.Dialect)}{QueueOfHandoff(window)}
            """, args, cancellationToken: ct));
        return new BotSessionCounts((int)sessions, (int)escalated);
    }

    /// <summary>The escalation rate's cases: the bot sessions started in the window that ended in a handoff, with it.</summary>
    private async Task<IReadOnlyList<AnalyticsCase>> EscalatedSessionsAsync(DbConnection connection, AnalyticsWindow window, CancellationToken ct) =>
        (await connection.QueryAsync<(string? Id, string SessionId, string? CustomerId, string? Queue, string? Reason, long StartedAt)>(new CommandDefinition($"""
            SELECT h.id, s.id, h.customer_id, COALESCE(h.target_queue, 'agent:' || h.target_agent), h.reason, s.started_at
            FROM sessions s LEFT JOIN handoffs h ON h.source_session_id = s.id
            WHERE s.started_at >= @from AND s.started_at < @to AND {BotSession(database.Dialect)} AND {EndedInHandoff(database.Dialect)}{QueueOfHandoff(window)}
            ORDER BY s.started_at, s.id
            """, new { from = window.FromMs, to = window.ToMs, queue = window.Queue }, cancellationToken: ct)))
        .Select(r => new AnalyticsCase(r.Id, r.SessionId, r.CustomerId, r.Queue, r.Reason, r.StartedAt, 1, "ended in a handoff")).ToList();

    private static string QueueOfHandoff(AnalyticsWindow window) => window.Queue is null ? ""
        : $" AND EXISTS (SELECT 1 FROM handoffs q WHERE q.source_session_id = s.id AND COALESCE(q.target_queue, 'agent:' || q.target_agent) = @queue)";
}
