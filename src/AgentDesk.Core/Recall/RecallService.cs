using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall.Lexical;
using AgentDesk.Core.Recall.Temporal;
using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Core.Recall;

public static class Routing
{
    public const string Auto = "auto";
    public const string Bm25 = "bm25";
    public const string Vector = "vector";
    public const string Hybrid = "hybrid";
    public static readonly IReadOnlyList<string> All = [Auto, Bm25, Vector, Hybrid];
}

/// <summary>A recall question: a query plus the filters that bound it (applied before ranking).</summary>
public sealed record RecallRequest
{
    public required MemoryFilter Filter { get; init; }
    /// <summary>Free text; empty means "no relevance signal", as a filter-only search asks.</summary>
    public string Query { get; init; } = "";
    public int TopK { get; init; } = 5;
    public string Routing { get; init; } = Recall.Routing.Auto;
    /// <summary>Return every component of every rank key, and how the query was read.</summary>
    public bool Explain { get; init; }
    /// <summary>Read time phrases in the query (when the server reads them at all); off for a query the server composed itself.</summary>
    public bool TemporalPhrases { get; init; } = true;
}

/// <summary>Settings of candidate generation (ranking weights live in <see cref="RankingOptions"/>).</summary>
public sealed record RecallOptions
{
    /// <summary>A session- or tag-scoped recall with at most this many memories in scope is scored entirely in process.</summary>
    public int ScopedLimit { get; init; } = 2_000;
    /// <summary>
    /// An agent-wide recall in an agent holding at most this many memories (in the filter's scope) is scored in process
    /// too: a fleet of small bot agents would otherwise pay the full-text stage over every agent's postings and the
    /// neighbour query each time. 0 turns it off. At 1,000 rather than 300, a fleet whose agents grow past 300 stays off
    /// the full-text stage (mixed load, 60 s: 2,028 → 2,242 req/s, p95 40.0 → 31.5 ms), and the LoCoMo conversations
    /// (369–680 turns) are scored with their own statistics: recall@10 BM25 74.7 → 76.2 %, hybrid 76.3 → 77.5 %.
    /// </summary>
    public int AgentScopedLimit { get; init; } = 1_000;
    /// <summary>Read temporal phrases ("yesterday", "last call") in queries.</summary>
    public bool TemporalPhrases { get; init; } = true;
    /// <summary>The desk's calendar: "yesterday" and "in March" are days and months of this zone.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;
    /// <summary>
    /// Most index rows the full-text stage may score (sum of the chosen terms' document frequencies) in
    /// a large table: with the join to the rows it costs 1–4 µs a match, so this bounds it at any size.
    /// </summary>
    public long PostingBudget { get; init; } = 1_500;
    /// <summary>Turns further apart than this are not one exchange (for <see cref="RankingOptions.NeighbourWeight"/>).</summary>
    public TimeSpan NeighbourGap { get; init; } = TimeSpan.FromMinutes(30);
}

public sealed record RecallHit(Memory.Memory Memory, double Score, double SmartScore, double? TextScore, double? VectorScore, HitExplanation? Explanation = null);

/// <summary>Every component of one hit's rank key.</summary>
public sealed record HitExplanation(
    IReadOnlyList<string> Sources, double? TextRaw, double TextNorm, double? VectorRaw, double VectorNorm,
    double Relevance, double Importance, double Recency, bool HandoffFirst);

/// <summary>How a query was read and answered.</summary>
public sealed record RecallExplanation(
    string Routing, string Fusion, double VectorWeight, RankWeights Weights, IReadOnlyList<string> Terms, IReadOnlyList<string> DroppedTerms,
    TemporalExplanation? Temporal, string Path, IReadOnlyDictionary<string, int> Candidates, double ElapsedMs, long? LexicalFromSeq,
    IReadOnlyDictionary<string, double> StageMs);

/// <summary>The blend of the final rank key: <c>smart = (relevance·r + importance·i + recency·t) / (r + i + t)</c>.</summary>
public sealed record RankWeights(double Relevance, double Importance, double Recency, double RecencyHalfLifeDays);

/// <summary>A temporal phrase found in the query, and what it did.</summary>
public sealed record TemporalExplanation(string Phrase, string Kind, DateTimeOffset? From, DateTimeOffset? Until, string? SessionId, bool Applied, string Note);

public sealed record RecallResult(IReadOnlyList<RecallHit> Hits, RecallExplanation? Explanation);

/// <summary>
/// Candidate generation and ranking. Unscoped, candidates come from the lexical index (best BM25
/// first), from the agent's vector index (nearest first), from the in-scope handoff summaries
/// (always considered, so the first-read rule cannot be missed by a query that shares no word with
/// the summary), and — when the retrievers find fewer than <c>top_k</c> — from the most important and
/// the newest memories in scope; every candidate is then re-read through the filter and scored on
/// both signals. Scoped to a session or tags with few memories, everything in scope is read and
/// scored in process, so a small scope never pays for the whole agent.
/// </summary>
public sealed class RecallService(
    DeskDatabase database, AccessRecorder access, SemanticIndex semantic, TermSelection termSelection, RankingOptions ranking,
    RecallOptions options, TimeProvider time)
{
    private const int HandoffCandidates = 10;

    /// <summary>How long an agent found over <see cref="RecallOptions.AgentScopedLimit"/> skips the in-process read (forgetting may shrink it).</summary>
    private const long LargeAgentRecheckMs = 60_000;

    private readonly DocumentTokens _tokens = new();
    private readonly AgentScopeCache _scopes = KeptCurrent(new AgentScopeCache(), access, database);
    private readonly ConcurrentDictionary<string, long> _largeAgents = new(StringComparer.Ordinal);

    public async Task<RecallResult> RecallAsync(RecallRequest request, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        var trace = new Trace(request.Explain);
        var routing = Resolve(request.Routing);
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var (filter, text, temporal) = await ReadTemporalAsync(request, now, ct);
        var useText = routing is Routing.Bm25 or Routing.Hybrid;
        var terms = useText ? LexicalQuery.Terms(text) : [];
        var queryVector = routing is Routing.Vector or Routing.Hybrid ? await semantic.EmbedQueryAsync(text, ct) : null;
        trace.Lap("read_query");

        var (candidates, neighbours) = await database.ReadAsync(async connection =>
        {
            var scoped = await ScopedCandidatesAsync(connection, filter, terms, queryVector, nowMs, trace, ct);
            var found = scoped ?? await IndexedCandidatesAsync(connection, filter, request.TopK, terms, queryVector, nowMs, trace, ct);
            var links = scoped is not null ? SessionNeighbours(scoped) : await AddNeighboursAsync(connection, found, filter, request.TopK, queryVector, nowMs, trace, ct);
            trace.Lap("context");
            // Handoff summaries of the request's scope, even outside a time window the query named: they are the first read.
            // A scope read whole under the request's own filter holds every one of them already.
            if (scoped is null || !filter.Equals(request.Filter)) await AddHandoffSummariesAsync(connection, found, request.Filter, queryVector, nowMs, trace, ct);
            trace.Lap("handoff");
            return (found, links);
        }, ct);

        var ranked = candidates.Count == 0 ? [] : HybridRanker.Rank(
            candidates.Select(c => new RankCandidate(
                c.Row.Seq, c.Row.Importance, c.Row.CreatedAt, IsHandoffSummary: IsHandoffSummary(c.Row), c.Text, c.Vector)
            {
                Neighbours = neighbours.TryGetValue(c.Row.Seq, out var n) ? n : [],
            }).ToList(),
            ranking, nowMs, request.TopK);
        trace.Lap("rank");
        var bySeq = candidates.ToDictionary(c => c.Row.Seq);
        var hits = ranked.Select(r =>
        {
            var c = bySeq[r.Candidate.Seq];
            var memory = c.Row.ToMemory();
            var explanation = request.Explain
                ? new HitExplanation(r.FromNeighbour && !c.Sources.Contains("context") ? [.. c.Sources, "context"] : c.Sources, c.Text, r.TextNorm, c.Vector, r.VectorNorm, r.Score,
                    memory.Importance, r.Recency, r.Candidate.IsHandoffSummary)
                : null;
            return new RecallHit(memory, r.Score, r.SmartScore, c.Text, c.Vector, explanation);
        }).ToList();
        access.Record(hits.Select(h => h.Memory.Seq));

        var explain = request.Explain
            ? new RecallExplanation(routing, ranking.Fusion.ToString().ToLowerInvariant(), ranking.VectorWeight,
                new RankWeights(ranking.RelevanceWeight, ranking.ImportanceWeight, ranking.RecencyWeight, ranking.RecencyHalfLife.TotalDays), terms, trace.Dropped,
                temporal, trace.Path, trace.Counts, Stopwatch.GetElapsedTime(started).TotalMilliseconds, trace.LexicalFromSeq, trace.Timings)
            : null;
        return new RecallResult(hits, explain);
    }

    /// <summary><c>auto</c> and <c>hybrid</c> are lexical alone when no model is configured; <c>vector</c> then cannot be served.</summary>
    private string Resolve(string routing) => routing switch
    {
        Routing.Auto or Routing.Hybrid => semantic.Enabled ? Routing.Hybrid : Routing.Bm25,
        Routing.Vector when !semantic.Enabled => throw DeskException.Invalid(
            "routing 'vector' needs an embedding model, and none is configured on this server (AgentDesk:Embeddings:Provider); use 'bm25', 'hybrid' or 'auto'"),
        _ => routing,
    };

    /// <summary>
    /// Finds a temporal phrase and turns it into scope: "last call" → the agent's most recent ended
    /// session, a window → <c>since</c>/<c>until</c>. A window that holds nothing in scope is not
    /// applied (the phrase may not be about the memories' dates); the phrase leaves the query text either way.
    /// </summary>
    private async Task<(MemoryFilter Filter, string Text, TemporalExplanation? Temporal)> ReadTemporalAsync(
        RecallRequest request, DateTimeOffset now, CancellationToken ct)
    {
        var filter = request.Filter;
        if (!options.TemporalPhrases || !request.TemporalPhrases || TemporalPhrases.Parse(request.Query, now, options.TimeZone) is not { } intent)
            return (filter, request.Query, null);
        var text = TemporalPhrases.WithoutPhrase(request.Query, intent);
        var kind = intent.Kind == TemporalKind.LastSession ? "last_session" : "window";

        if (intent.Kind == TemporalKind.LastSession)
        {
            if (filter.SessionId is not null)
                return (filter, text, new TemporalExplanation(intent.Phrase, kind, null, null, filter.SessionId, false, "the request already names a session"));
            var last = await database.ReadAsync(connection => connection.QueryFirstOrDefaultAsync<string?>(new CommandDefinition(
                "SELECT id FROM sessions WHERE agent_id = @agent AND ended_at IS NOT NULL ORDER BY ended_at DESC, started_at DESC LIMIT 1",
                new { agent = filter.AgentId }, cancellationToken: ct)), ct);
            return last is null
                ? (filter, text, new TemporalExplanation(intent.Phrase, kind, null, null, null, false, "the agent has no ended session"))
                : (filter with { SessionId = last }, text, new TemporalExplanation(intent.Phrase, kind, null, null, last, true, "scoped to the most recent ended session"));
        }

        var windowed = filter with
        {
            SinceMs = Max(filter.SinceMs, intent.From?.ToUnixTimeMilliseconds()),
            UntilMs = Min(filter.UntilMs, intent.Until?.ToUnixTimeMilliseconds() - 1),
        };
        var any = await database.ReadAsync(async connection =>
        {
            var p = new DynamicParameters();
            return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                $"SELECT 1 FROM memories m WHERE {windowed.ToSql(p, now.ToUnixTimeMilliseconds())} LIMIT 1", p, cancellationToken: ct)) is not null;
        }, ct);
        return any
            ? (windowed, text, new TemporalExplanation(intent.Phrase, kind, intent.From, intent.Until, null, true, "memories outside the window are left out"))
            : (filter, text, new TemporalExplanation(intent.Phrase, kind, intent.From, intent.Until, null, false, "nothing in scope falls in the window, so it was not applied"));

        static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
        static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> + 1 rows of the scope, through the engine's row reader, not Dapper: on SQLite the
    /// statement API costs a fraction of ADO.NET's per-value checks, and a small agent's recall reads every row of it.
    /// </summary>
    private static List<MemoryRow> ReadScope(DbConnection connection, MemoryFilter filter, int limit, bool withEmbedding, long nowMs)
    {
        var p = new DynamicParameters();
        p.Add("limit", limit + 1);
        return ReadRows(connection, $"SELECT {MemoryStore.Columns}{(withEmbedding ? ", m.embedding" : "")} FROM memories m WHERE {filter.ToSql(p, nowMs)} LIMIT @limit", p, withEmbedding);
    }

    /// <summary>
    /// How far past a kept copy's last seq the added rows are looked for; further, the agent is read whole. Other
    /// agents' rows in between are stepped over, so a long-idle copy is cheaper to read again than to extend.
    /// </summary>
    private const long MaxAddedRange = 1_000;

    /// <summary>
    /// The agent's unexpired memories with seq in (<paramref name="afterSeq"/>, <paramref name="lastSeq"/>], with their
    /// vectors. A range of the table's rowid (NOT INDEXED): through the agent's index SQLite visited every row of the
    /// agent to find the few new ones.
    /// </summary>
    private static List<MemoryRow> ReadAdded(DbConnection connection, string agentId, long afterSeq, long lastSeq, long nowMs)
    {
        var p = new DynamicParameters();
        p.Add("agent", agentId);
        p.Add("after", afterSeq);
        p.Add("last", lastSeq);
        p.Add("now", nowMs);
        return ReadRows(connection, $"""
            SELECT {MemoryStore.Columns}, m.embedding FROM memories m NOT INDEXED
            WHERE m.seq > @after AND m.seq <= @last AND m.agent_id = @agent AND (m.expires_at IS NULL OR m.expires_at > @now)
            """, p, withEmbedding: true);
    }

    private static List<MemoryRow> ReadRows(DbConnection connection, string sql, DynamicParameters p, bool withEmbedding)
    {
        var rows = new List<MemoryRow>();
        using var reader = IRowReader.Open(connection, sql, [.. p.ParameterNames.Select(name => ("@" + name, p.Get<object?>(name)))]);
        while (reader.Read()) rows.Add(MemoryRow.Read(reader, withEmbedding));
        return rows;
    }

    /// <summary>The agent's memory version (<see cref="ISqlDialect.MemoryVersionSql"/>): (0, 0) before its first memory.</summary>
    private static (long Version, long LastSeq) ReadVersion(DbConnection connection, string versionSql, string agentId)
    {
        using var reader = IRowReader.Open(connection, versionSql, ("@agent", agentId));
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    /// <summary>
    /// Keeps the kept rows' access statistics current: after each slice of the access recorder commits, the slice's
    /// statistics are read back and raised in the kept rows (<see cref="AgentScopeCache.RaiseAccess"/>), once a slice
    /// instead of once a recall. If that read fails the copies are dropped, to be read again with the rest.
    /// </summary>
    private static AgentScopeCache KeptCurrent(AgentScopeCache scopes, AccessRecorder access, DeskDatabase database)
    {
        if (database.Dialect.MemoryVersionSql is null) return scopes;
        access.OnFlushed(async (seqs, ct) =>
        {
            try
            {
                var p = new DynamicParameters();
                scopes.RaiseAccess(await database.ReadAsync(connection => connection.QueryAsync<(long, long, long)>(new CommandDefinition(
                    $"SELECT seq, last_accessed_at, access_count FROM memories WHERE {SqlList.In("seq", "seqs", seqs, p)}",
                    p, cancellationToken: ct)), ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                scopes.Clear();
            }
        });
        return scopes;
    }

    /// <summary>
    /// A small scope (one session, some tags, or a small agent) read whole and scored in process; null when the scope
    /// is large. Where the engine keeps a version of each agent's memories, any scope of a small agent is taken from
    /// the agent's kept copy (<see cref="KeptAgentRows"/>) and filtered here; otherwise, and for a large agent's session
    /// or tags, the scope is read. A plain agent-wide scope is read directly, up to one row over the limit; an agent
    /// found larger is remembered for <see cref="LargeAgentRecheckMs"/> so that its recalls go straight to the index.
    /// </summary>
    private async Task<List<Candidate>?> ScopedCandidatesAsync(
        DbConnection connection, MemoryFilter filter, IReadOnlyList<string> terms, float[]? queryVector, long nowMs, Trace trace, CancellationToken ct)
    {
        var plainAgent = !filter.HasPredicateBeyondAgent;
        // Rows become memories only as hits: a filtered scope tests the rows.
        IReadOnlyList<MemoryRow> scope;
        if (options.AgentScopedLimit > 0 && !KnownLarge(filter.AgentId, nowMs) && database.Dialect.MemoryVersionSql is { } versionSql
            && KeptAgentRows(connection, versionSql, filter.AgentId, nowMs, trace) is { } agentRows)
        {
            scope = plainAgent ? agentRows : agentRows.Where(r => filter.Matches(r, nowMs)).ToList();
            if (scope.Count > ScopeLimit(filter)) return null;
        }
        else
        {
            var limit = ScopeLimit(filter);
            if (filter.SessionId is null && filter.Tags.Count == 0)
            {
                if (options.AgentScopedLimit <= 0 || (plainAgent && KnownLarge(filter.AgentId, nowMs))) return null;
                if (!plainAgent && !await SmallScopeAsync(connection, filter, nowMs, ct)) return null;
            }
            var read = ReadScope(connection, filter, limit, withEmbedding: queryVector is not null, nowMs);
            if (read.Count > limit)
            {
                if (plainAgent) _largeAgents[filter.AgentId] = nowMs + LargeAgentRecheckMs;
                return null;
            }
            scope = read;
        }
        trace.Path = "scoped";
        var textScores = terms.Count > 0 ? TextScores(terms, scope) : null;
        var candidates = new List<Candidate>(scope.Count);
        for (var i = 0; i < scope.Count; i++)
        {
            var text = textScores is null || textScores[i] <= 0 ? (double?)null : textScores[i];
            var vector = queryVector is null ? null : SemanticIndex.Cosine(queryVector, scope[i].Embedding);
            candidates.Add(new Candidate(scope[i], text, vector, Sources(text is not null, vector is not null, false)));
        }
        trace.Count("scope", scope.Count);
        trace.Lap("scope");
        return candidates;
    }

    /// <summary>
    /// BM25 of each row of a scope, in one vocabulary throughout (<see cref="DocumentTokens.Current"/>); the documents'
    /// ids are made before the query's phrases, which leave out tokens no document has.
    /// </summary>
    private double[] TextScores(IReadOnlyList<string> terms, IReadOnlyList<MemoryRow> scope)
    {
        var vocabulary = _tokens.Current;
        var documents = new int[scope.Count][];
        for (var i = 0; i < documents.Length; i++) documents[i] = vocabulary.Of(scope[i]);
        return LocalBm25.Score(vocabulary.Phrases(terms), documents);
    }

    /// <summary>The most memories a scope may hold to be scored in process: a session's or tags', or an agent's.</summary>
    private int ScopeLimit(MemoryFilter filter) =>
        filter.SessionId is not null || filter.Tags.Count > 0 ? options.ScopedLimit : options.AgentScopedLimit;

    private bool KnownLarge(string agentId, long nowMs) => _largeAgents.TryGetValue(agentId, out var recheckAt) && recheckAt > nowMs;

    /// <summary>
    /// The small agent's unexpired memories, from the copy kept while its memory version stays the same (read before
    /// the rows, so a copy is never older than the version it is kept under). Memories added meanwhile are read on
    /// their own and joined to the copy, unless so many rows came since that reading the agent again is cheaper.
    /// Null when the agent holds more than <see cref="RecallOptions.AgentScopedLimit"/> memories.
    /// </summary>
    private IReadOnlyList<MemoryRow>? KeptAgentRows(DbConnection connection, string versionSql, string agentId, long nowMs, Trace trace)
    {
        var limit = options.AgentScopedLimit;
        var (version, lastSeq) = ReadVersion(connection, versionSql, agentId);
        List<MemoryRow> rows;
        List<MemoryRow>? added = null;
        if (_scopes.Get(agentId, version) is { } kept && lastSeq - kept.LastSeq <= MaxAddedRange)
        {
            var unexpired = kept.EarliestExpiry is { } expiry && expiry <= nowMs ? kept.Rows.Where(r => r.ExpiresAt is null || r.ExpiresAt > nowMs) : kept.Rows;
            if (lastSeq <= kept.LastSeq) return unexpired as IReadOnlyList<MemoryRow> ?? [.. unexpired];
            added = ReadAdded(connection, agentId, kept.LastSeq, lastSeq, nowMs);
            rows = [.. unexpired, .. added];
        }
        else
        {
            rows = ReadScope(connection, new MemoryFilter { AgentId = agentId }, limit, withEmbedding: true, nowMs);
        }
        if (rows.Count > limit)
        {
            _largeAgents[agentId] = nowMs + LargeAgentRecheckMs;
            return null;
        }
        return _scopes.Put(agentId, version, lastSeq, rows, added).Rows;
    }

    /// <summary>Whether a filtered agent-wide scope holds at most <see cref="RecallOptions.AgentScopedLimit"/> memories (an index-bounded count).</summary>
    private async Task<bool> SmallScopeAsync(DbConnection connection, MemoryFilter filter, long nowMs, CancellationToken ct)
    {
        var p = new DynamicParameters(new { cap = options.AgentScopedLimit + 1 });
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM (SELECT 1 FROM memories m WHERE {filter.ToSql(p, nowMs)} LIMIT @cap) AS scope", p, cancellationToken: ct));
        return count <= options.AgentScopedLimit;
    }

    private async Task<List<Candidate>> IndexedCandidatesAsync(
        DbConnection connection, MemoryFilter filter, int topK, IReadOnlyList<string> terms, float[]? queryVector, long nowMs, Trace trace, CancellationToken ct)
    {
        trace.Path = "index";
        var p = new DynamicParameters();
        var where = filter.ToSql(p, nowMs);
        var pool = Math.Max(topK * 5, 50);

        var textScores = new Dictionary<long, double>();
        if (terms.Count > 0)
        {
            var choice = await termSelection.ChooseAsync(connection, terms, ct);
            trace.Dropped = choice.Dropped;
            trace.LexicalFromSeq = choice.FromSeq;
            p.Add("match", database.Dialect.LexicalMatchExpression(choice.Scored));
            p.Add("limit", pool);
            p.Add("from_seq", choice.FromSeq ?? 0);
            foreach (var (seq, score) in await connection.QueryAsync<(long, double)>(new CommandDefinition(
                database.Dialect.LexicalCandidatesSql(where, fromSeq: choice.FromSeq is not null), p, cancellationToken: ct)))
                textScores[seq] = score;
        }
        trace.Count("lexical", textScores.Count);
        trace.Lap("lexical");

        var vectorSeqs = new HashSet<long>();
        if (queryVector is not null)
        {
            var untilExclusive = filter.UntilMs is { } until ? until + 1 : long.MaxValue;
            foreach (var match in await semantic.SearchAsync(filter.AgentId, queryVector, pool, filter.SinceMs ?? long.MinValue, untilExclusive, ct))
                vectorSeqs.Add(match.Seq);
        }
        trace.Count("vector", vectorSeqs.Count);
        trace.Lap("vector");

        var seqs = new HashSet<long>(textScores.Keys);
        seqs.UnionWith(vectorSeqs);
        var fillers = new HashSet<long>();
        if (textScores.Count + vectorSeqs.Count < topK)
        {
            p.Add("fill", Math.Max(topK * 4, 40));
            fillers.UnionWith(await connection.QueryAsync<long>(new CommandDefinition(
                $"SELECT m.seq FROM memories m WHERE {where} ORDER BY m.importance DESC, m.created_at DESC LIMIT @fill", p, cancellationToken: ct)));
            fillers.UnionWith(await connection.QueryAsync<long>(new CommandDefinition(
                $"SELECT m.seq FROM memories m WHERE {where} ORDER BY m.created_at DESC LIMIT @fill", p, cancellationToken: ct)));
            seqs.UnionWith(fillers);
        }
        trace.Count("filler", fillers.Count);
        trace.Lap("filler");
        if (seqs.Count == 0) return [];

        // Rows by key only (with the filter in SQL, SQLite would walk the agent's index past every row), then every
        // candidate passes the filter again in process: vector matches were found without it, and the index may be stale.
        var keys = new DynamicParameters();
        var rows = ReadRows(connection,
            $"SELECT {MemoryStore.Columns}{(queryVector is null ? "" : ", m.embedding")} FROM memories m WHERE {SqlList.In("m.seq", "seqs", seqs, keys)}",
            keys, withEmbedding: queryVector is not null);
        var candidates = rows.Where(r => filter.Matches(r, nowMs)).Select(r =>
        {
            double? text = textScores.TryGetValue(r.Seq, out var s) ? s : null;
            var vector = queryVector is null ? null : SemanticIndex.Cosine(queryVector, r.Embedding);
            return new Candidate(r, text, vector, Sources(text is not null, vectorSeqs.Contains(r.Seq), fillers.Contains(r.Seq)));
        }).ToList();
        trace.Lap("fetch");
        return candidates;
    }

    /// <summary>Adds the newest in-scope handoff summaries (tag <c>handoff</c>, importance 1.0) that are not candidates yet.</summary>
    private async Task AddHandoffSummariesAsync(
        DbConnection connection, List<Candidate> candidates, MemoryFilter filter, float[]? queryVector, long nowMs, Trace trace, CancellationToken ct)
    {
        var p = new DynamicParameters(new { handoffs = HandoffCandidates });
        // Agent-wide, the importance index finds the few summaries among many memories. In a session, the session's
        // rows are fewer than an escalating bot's summaries: "+" keeps the planner off the importance index there.
        // "+" on the order keeps it off the agent's created_at index: with the limit bound as a parameter, SQLite 3.40
        // walked that index newest first through every memory of the agent looking for summaries (7.6 ms of a 16.7 ms
        // recall at 10k memories, against 0.3 ms through the importance index).
        var importance = filter.SessionId is null ? "m.importance" : "+m.importance";
        var rows = await connection.QueryAsync<MemoryRow>(new CommandDefinition($"""
            SELECT {MemoryStore.Columns}{(queryVector is null ? "" : ", m.embedding")} FROM memories m
            WHERE {filter.ToSql(p, nowMs, tagsByKey: false)} AND {importance} >= 1.0
              AND EXISTS (SELECT 1 FROM memory_tags t WHERE t.tag = 'handoff' AND t.memory_seq = m.seq)
            ORDER BY +m.created_at DESC LIMIT @handoffs
            """, p, cancellationToken: ct));
        var known = candidates.Select(c => c.Row.Seq).ToHashSet();
        var added = 0;
        foreach (var row in rows.Where(r => known.Add(r.Seq)))
        {
            candidates.Add(Candidate.Added(row, queryVector, "handoff"));
            added++;
        }
        trace.Count("handoff", added);
    }

    /// <summary>Conversation context within a scope read whole: consecutive turns of a session, no further apart than the gap.</summary>
    private Dictionary<long, List<long>> SessionNeighbours(IReadOnlyList<Candidate> scope)
    {
        if (ranking.NeighbourWeight <= 0) return [];
        var links = new Dictionary<long, List<long>>();
        var gapMs = (long)options.NeighbourGap.TotalMilliseconds;
        var sessions = new Dictionary<string, List<MemoryRow>>(StringComparer.Ordinal);
        foreach (var candidate in scope)
        {
            if (candidate.Row.SessionId is not { } session) continue;
            if (!sessions.TryGetValue(session, out var turns)) sessions[session] = turns = [];
            turns.Add(candidate.Row);
        }
        foreach (var turns in sessions.Values)
        {
            // In time, ties by seq.
            turns.Sort(static (a, b) => a.CreatedAt != b.CreatedAt ? a.CreatedAt.CompareTo(b.CreatedAt) : a.Seq.CompareTo(b.Seq));
            for (var i = 1; i < turns.Count; i++)
            {
                if (turns[i].CreatedAt - turns[i - 1].CreatedAt > gapMs) continue;
                Link(links, turns[i].Seq, turns[i - 1].Seq);
                Link(links, turns[i - 1].Seq, turns[i].Seq);
            }
        }
        return links;
    }

    private static void Link(Dictionary<long, List<long>> links, long from, long to)
    {
        if (!links.TryGetValue(from, out var list)) links[from] = list = [];
        if (!list.Contains(to)) list.Add(to);
    }

    /// <summary>
    /// Conversation context: finds the turns right before and after the best candidates (same
    /// session, within <see cref="RecallOptions.NeighbourGap"/>), adds those not yet candidates, and
    /// links each pair both ways for the ranker. Memories outside sessions have no turns: memories a
    /// bot stores back to back about different things are not each other's context.
    /// </summary>
    private async Task<Dictionary<long, List<long>>> AddNeighboursAsync(
        DbConnection connection, List<Candidate> candidates, MemoryFilter filter, int topK, float[]? queryVector, long nowMs, Trace trace, CancellationToken ct)
    {
        if (ranking.NeighbourWeight <= 0 || candidates.Count == 0) return [];
        var links = new Dictionary<long, List<long>>();
        var fused = Fusion.Fuse(candidates.Select(c => c.Text).ToList(), candidates.Select(c => c.Vector).ToList(), ranking.Fusion, ranking.VectorWeight, ranking.RrfK);
        var anchors = candidates.Select((c, i) => (c.Row, Relevance: fused[i].Fused))
            .Where(a => a.Relevance > 0 && a.Row.SessionId is not null)
            .OrderByDescending(a => a.Relevance).Take(Math.Max(topK, 10)).Select(a => a.Row).ToList();
        if (anchors.Count == 0) return [];

        // Each turn by its session's index alone; the filter is checked on the few rows found (in SQL it would be
        // evaluated once per subquery, tag lists included).
        var p = new DynamicParameters(new { gap = (long)options.NeighbourGap.TotalMilliseconds, agent = filter.AgentId });
        var columns = $"{MemoryStore.Columns}{(queryVector is null ? "" : ", m.embedding")}, {{0}} AS anchor";
        var parts = new List<string>();
        for (var i = 0; i < anchors.Count; i++)
        {
            p.Add($"a{i}", anchors[i].Seq);
            p.Add($"t{i}", anchors[i].CreatedAt);
            p.Add($"s{i}", anchors[i].SessionId);
            var same = $"m.agent_id = @agent AND m.session_id = @s{i} AND m.seq <> @a{i}";
            parts.Add($"SELECT * FROM (SELECT {string.Format(columns, $"@a{i}")} FROM memories m WHERE {same} AND m.created_at BETWEEN @t{i} - @gap AND @t{i} " +
                $"AND (m.created_at < @t{i} OR m.seq < @a{i}) ORDER BY m.created_at DESC, m.seq DESC LIMIT 1) AS b{i}");
            parts.Add($"SELECT * FROM (SELECT {string.Format(columns, $"@a{i}")} FROM memories m WHERE {same} AND m.created_at BETWEEN @t{i} AND @t{i} + @gap " +
                $"AND (m.created_at > @t{i} OR m.seq > @a{i}) ORDER BY m.created_at, m.seq LIMIT 1) AS f{i}");
        }
        var rows = (await connection.QueryAsync<NeighbourRow>(new CommandDefinition(string.Join("\nUNION ALL\n", parts), p, cancellationToken: ct)))
            .Where(r => filter.Matches(r, nowMs));
        var known = candidates.Select(c => c.Row.Seq).ToHashSet();
        var added = 0;
        foreach (var row in rows)
        {
            if (known.Add(row.Seq))
            {
                candidates.Add(Candidate.Added(row, queryVector, "context"));
                added++;
            }
            Link(links, row.Seq, row.Anchor);
            Link(links, row.Anchor, row.Seq);
        }
        trace.Count("context", added);
        return links;
    }

    private static bool IsHandoffSummary(MemoryRow row) => row.Importance >= 1.0 && row.HasTag("handoff");

    // Every list of sources a retriever can give, shared by the candidates (indexed by lexical + 2·vector + 4·filler).
    private static readonly IReadOnlyList<string>[] SourceLists = [.. Enumerable.Range(0, 8).Select(bits => (IReadOnlyList<string>)
        [.. new[] { "lexical", "vector", "filler" }.Where((_, i) => (bits & (1 << i)) != 0)])];

    private static IReadOnlyList<string> Sources(bool lexical, bool vector, bool filler) =>
        SourceLists[(lexical ? 1 : 0) + (vector ? 2 : 0) + (filler ? 4 : 0)];

    /// <summary>A row in the running with its relevance signals; it becomes a <see cref="Memory.Memory"/> only if it is a hit.</summary>
    private sealed record Candidate(MemoryRow Row, double? Text, double? Vector, IReadOnlyList<string> Sources)
    {
        /// <summary>A row added for another reason than a retriever's match: no text signal, the exact cosine when there is a query vector.</summary>
        public static Candidate Added(MemoryRow row, float[]? queryVector, string source) =>
            new(row, null, queryVector is null ? null : SemanticIndex.Cosine(queryVector, row.Embedding), [source]);
    }

    /// <summary>What candidate generation did, gathered only when the caller asked for an explanation.</summary>
    private sealed class Trace(bool enabled)
    {
        private readonly Dictionary<string, int> _counts = [];
        public string Path { get; set; } = "index";
        public IReadOnlyList<string> Dropped { get; set; } = [];
        public long? LexicalFromSeq { get; set; }
        public IReadOnlyDictionary<string, int> Counts => _counts;

        private readonly Dictionary<string, double> _timings = [];
        private long _lap = Stopwatch.GetTimestamp();
        public IReadOnlyDictionary<string, double> Timings => _timings;

        public void Count(string source, int n)
        {
            if (enabled) _counts[source] = n;
        }

        /// <summary>Records the milliseconds since the previous lap under <paramref name="stage"/>.</summary>
        public void Lap(string stage)
        {
            if (!enabled) return;
            var now = Stopwatch.GetTimestamp();
            _timings[stage] = _timings.GetValueOrDefault(stage) + Stopwatch.GetElapsedTime(_lap, now).TotalMilliseconds;
            _lap = now;
        }
    }
}
