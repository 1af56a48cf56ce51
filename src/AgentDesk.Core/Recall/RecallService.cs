using System.Data.Common;
using AgentDesk.Core.Memory;
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
}

public sealed record RecallHit(Memory.Memory Memory, double Score, double SmartScore, double? TextScore, double? VectorScore);

/// <summary>
/// Candidate generation and ranking. Candidates come from the lexical index (best BM25 first),
/// from the in-scope handoff summaries (always considered, so the first-read rule cannot be missed
/// by a query that shares no word with the summary), and — when the query finds fewer than
/// <c>top_k</c> — from the most important and the newest memories in scope.
/// </summary>
public sealed class RecallService(DeskDatabase database, AccessRecorder access, RankingOptions options, TimeProvider time)
{
    private const int HandoffCandidates = 10;

    /// <summary>A term in more than this share of all memories is left out of the OR query (when rarer terms remain).</summary>
    private const double CommonTermShare = 0.2;

    public async Task<IReadOnlyList<RecallHit>> RecallAsync(RecallRequest request, CancellationToken ct = default)
    {
        if (request.Routing == Routing.Vector)
            throw DeskException.Invalid("routing 'vector' needs an embedding model, and none is configured on this server; use 'bm25', 'hybrid' or 'auto'");

        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var terms = LexicalQuery.Terms(request.Query);
        var hits = await database.ReadAsync(async connection =>
        {
            var p = new DynamicParameters();
            var where = request.Filter.ToSql(p, nowMs);
            var textScores = new Dictionary<long, double>();
            if (terms.Count > 0)
            {
                var scored = terms.Count > 1 ? await DropCommonTermsAsync(connection, terms, ct) : terms;
                p.Add("match", database.Dialect.LexicalMatchExpression(scored));
                p.Add("limit", Math.Max(request.TopK * 8, 64));
                foreach (var (seq, score) in await connection.QueryAsync<(long, double)>(new CommandDefinition(
                    database.Dialect.LexicalCandidatesSql(where), p, cancellationToken: ct)))
                    textScores[seq] = score;
            }

            var seqs = new HashSet<long>(textScores.Keys);
            p.Add("handoffs", HandoffCandidates);
            seqs.UnionWith(await connection.QueryAsync<long>(new CommandDefinition($"""
                SELECT m.seq FROM memories m
                WHERE {where} AND m.importance >= 1.0
                  AND EXISTS (SELECT 1 FROM memory_tags t WHERE t.tag = 'handoff' AND t.memory_seq = m.seq)
                ORDER BY m.created_at DESC LIMIT @handoffs
                """, p, cancellationToken: ct)));
            if (textScores.Count < request.TopK)
            {
                p.Add("fill", Math.Max(request.TopK * 4, 40));
                seqs.UnionWith(await connection.QueryAsync<long>(new CommandDefinition(
                    $"SELECT m.seq FROM memories m WHERE {where} ORDER BY m.importance DESC, m.created_at DESC LIMIT @fill", p, cancellationToken: ct)));
                seqs.UnionWith(await connection.QueryAsync<long>(new CommandDefinition(
                    $"SELECT m.seq FROM memories m WHERE {where} ORDER BY m.created_at DESC LIMIT @fill", p, cancellationToken: ct)));
            }
            if (seqs.Count == 0) return [];

            var memories = (await connection.QueryAsync<MemoryRow>(new CommandDefinition(
                    $"SELECT {MemoryStore.Columns} FROM memories m WHERE m.seq IN @seqs", new { seqs }, cancellationToken: ct)))
                .Select(r => r.ToMemory())
                .ToDictionary(m => m.Seq);
            var candidates = memories.Values.Select(m => new RankCandidate(
                m.Seq, m.Importance, m.CreatedAtMs,
                IsHandoffSummary: m.Importance >= 1.0 && m.HasTag("handoff"),
                TextScore: textScores.TryGetValue(m.Seq, out var s) ? s : null)).ToList();
            return HybridRanker.Rank(candidates, options, nowMs, request.TopK)
                .Select(r => new RecallHit(memories[r.Candidate.Seq], r.Score, r.SmartScore, r.Candidate.TextScore, r.Candidate.VectorScore))
                .ToList();
        }, ct);

        access.Record(hits.Select(h => h.Memory.Seq));
        return hits;
    }

    /// <summary>
    /// An OR query scores every row that holds any term; a term found in a fifth of the table adds little
    /// to bm25 (idf 1.4, against 4.6 for a term in 1 % of rows) but makes the query score most of it.
    /// Counting stops at the cap, so a common term costs at most cap index steps.
    /// </summary>
    private async Task<IReadOnlyList<string>> DropCommonTermsAsync(DbConnection connection, IReadOnlyList<string> terms, CancellationToken ct)
    {
        // MAX(seq) stands in for the row count: O(1), and close enough for a share.
        var rows = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COALESCE(MAX(seq), 0) FROM memories", cancellationToken: ct));
        var cap = (long)(rows * CommonTermShare);
        if (cap < 100) return terms;
        var rare = new List<string>(terms.Count);
        foreach (var term in terms)
        {
            var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                database.Dialect.CappedTermCountSql,
                new { term = database.Dialect.LexicalMatchExpression([term]), cap = cap + 1 }, cancellationToken: ct));
            if (count <= cap) rare.Add(term);
        }
        return rare.Count > 0 ? rare : terms;
    }
}
