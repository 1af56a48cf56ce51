using System.Collections.Concurrent;
using System.Data.Common;
using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Core.Recall;

/// <summary>
/// Chooses which query terms the full-text stage scores. An OR query costs one bm25 evaluation per
/// row holding any term, so the cost is the sum of the terms' document frequencies. A term in a fifth
/// of the table adds little to bm25 (idf 1.4, against 4.6 for a term in 1 % of rows) and is dropped
/// while rarer terms remain; then terms are taken rarest first until the posting budget
/// (<see cref="RecallOptions.PostingBudget"/>) is reached (the rarest always), which bounds the stage
/// at any table size. Frequencies are counted with a cap (a common term costs at most cap index
/// steps) and cached for a minute.
/// </summary>
/// <summary>What the full-text stage scores: terms, those dropped, and the first seq when the scan is narrowed to the newest rows.</summary>
public sealed record TermChoice(IReadOnlyList<string> Scored, IReadOnlyList<string> Dropped, long? FromSeq);

public sealed class TermSelection(DeskDatabase database, RecallOptions options, TimeProvider time)
{
    /// <summary>Below this many rows every term is scored: counting would cost more than it saves.</summary>
    public const long SmallTable = 500;
    public const double CommonTermShare = 0.2;
    /// <summary>The posting budget applies from this many budgets' worth of rows on (6,000 at the default budget).</summary>
    public const long BudgetFromRows = 4;
    private const int MaxCached = 20_000;
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (long Count, DateTimeOffset At)> _counts = new(StringComparer.Ordinal);

    /// <returns>
    /// The terms to score, those left out, and — when even the rarest term has more rows than the
    /// budget — the first <c>seq</c> to score from: the newest rows holding about a budget's worth of
    /// postings (the semantic index still covers the whole agent; recency ranks older rows lower anyway).
    /// </returns>
    public async Task<TermChoice> ChooseAsync(DbConnection connection, IReadOnlyList<string> terms, CancellationToken ct)
    {
        // MAX(seq) stands in for the row count: O(1), and close enough for a share.
        var rows = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COALESCE(MAX(seq), 0) FROM memories", cancellationToken: ct));
        if (rows < SmallTable || terms.Count == 0) return new TermChoice(terms, [], null);
        var common = (long)(rows * CommonTermShare);
        // In a table of a few budgets every query is cheap: the budget would only cost relevance.
        var budget = rows >= BudgetFromRows * options.PostingBudget ? options.PostingBudget : long.MaxValue;
        // Counting stops at a few budgets' worth (once a minute, a few ms a term at most).
        var cap = Math.Min(common, budget == long.MaxValue ? common : 8 * budget) + 1;
        var counted = new List<(string Term, long Count)>(terms.Count);
        foreach (var term in terms) counted.Add((term, await CountAsync(connection, term, cap, ct)));
        var (scored, dropped) = Select(counted, common, budget);
        var chosen = counted.Where(c => scored.Contains(c.Term)).ToList();
        var postings = chosen.Sum(c => c.Count);
        // A count that reached the cap only says "at least": such a term is taken to be in every row, so the cost stays bounded.
        var expected = chosen.Sum(c => c.Count >= cap ? rows : c.Count);
        long? fromSeq = postings > budget ? rows - (long)(rows * (double)budget / expected) : null;
        return new TermChoice(scored, dropped, fromSeq);
    }

    /// <summary>The pure choice: drop terms above <paramref name="common"/> while rarer ones remain, then take rarest first within the budget.</summary>
    public static (IReadOnlyList<string> Scored, IReadOnlyList<string> Dropped) Select(IReadOnlyList<(string Term, long Count)> counted, long common, long budget)
    {
        var rare = counted.Where(c => c.Count <= common).ToList();
        var pool = rare.Count > 0 ? rare : counted.ToList();
        var scored = new List<string>();
        long spent = 0;
        foreach (var (term, count) in pool.OrderBy(c => c.Count))
        {
            if (scored.Count > 0 && spent + count > budget) continue;
            scored.Add(term);
            spent += count;
        }
        // Keep the query's word order: it does not change bm25, but reads naturally in explain.
        var kept = counted.Select(c => c.Term).Where(scored.Contains).ToList();
        return (kept, counted.Select(c => c.Term).Where(t => !scored.Contains(t)).ToList());
    }

    private async Task<long> CountAsync(DbConnection connection, string term, long cap, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_counts.TryGetValue(term, out var cached) && now - cached.At < CacheFor) return cached.Count;
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            database.Dialect.CappedTermCountSql, new { term = database.Dialect.LexicalMatchExpression([term]), cap }, cancellationToken: ct));
        if (_counts.Count >= MaxCached) _counts.Clear();
        _counts[term] = (count, now);
        return count;
    }
}
