namespace AgentDesk.Core.Recall;

/// <summary>Weights of the final rank key; relevance signals are fused first, then blended.</summary>
public sealed record RankingOptions
{
    public double RelevanceWeight { get; init; } = 0.6;
    public double ImportanceWeight { get; init; } = 0.25;
    public double RecencyWeight { get; init; } = 0.15;
    public TimeSpan RecencyHalfLife { get; init; } = TimeSpan.FromDays(14);
}

/// <summary>
/// One candidate with the raw relevance signals that found it. A signal is null when that
/// retriever did not return the candidate; the vector signal slots in beside the lexical one.
/// </summary>
public sealed record RankCandidate(
    long Seq, double Importance, long CreatedAtMs, bool IsHandoffSummary, double? TextScore, double? VectorScore = null);

public sealed record RankedCandidate(RankCandidate Candidate, double Score, double SmartScore, double Recency);

/// <summary>
/// Pure ranking: fuse relevance signals, then blend relevance, importance and recency into
/// <c>smart_score</c>. In-scope handoff summaries (tag <c>handoff</c>, importance 1.0) are the
/// receiving agent's first read: they rank above everything, newest first.
/// </summary>
public static class HybridRanker
{
    /// <summary>Rank keys of handoff summaries start here; blended scores stay within [0, 1].</summary>
    public const double HandoffBand = 1.0;

    public static IReadOnlyList<RankedCandidate> Rank(IReadOnlyList<RankCandidate> candidates, RankingOptions options, long nowMs, int topK)
    {
        var maxText = candidates.Max(c => c.TextScore) ?? 0;
        var maxVector = candidates.Max(c => c.VectorScore) ?? 0;
        var signals = (maxText > 0 ? 1 : 0) + (maxVector > 0 ? 1 : 0);
        var weightSum = options.RelevanceWeight + options.ImportanceWeight + options.RecencyWeight;

        return candidates
            .Select(c =>
            {
                // Each signal is scaled by its best candidate so the weakest real match stays above zero
                // (min-max would zero it, tying it with candidates no retriever found).
                var relevance = signals == 0 ? 0 :
                    ((maxText > 0 ? (c.TextScore ?? 0) / maxText : 0) + (maxVector > 0 ? Math.Max(0, c.VectorScore ?? 0) / maxVector : 0)) / signals;
                var recency = Recency(c.CreatedAtMs, nowMs, options.RecencyHalfLife);
                var blended = (options.RelevanceWeight * relevance + options.ImportanceWeight * c.Importance + options.RecencyWeight * recency) / weightSum;
                var smart = c.IsHandoffSummary ? HandoffBand + recency : blended;
                return new RankedCandidate(c, relevance, smart, recency);
            })
            .OrderByDescending(r => r.SmartScore)
            .ThenByDescending(r => r.Candidate.CreatedAtMs)
            .ThenByDescending(r => r.Candidate.Seq)
            .Take(topK)
            .ToList();
    }

    /// <summary>Exponential decay: 1 now, 0.5 one half-life ago; future timestamps count as now.</summary>
    public static double Recency(long createdAtMs, long nowMs, TimeSpan halfLife)
    {
        var ageMs = Math.Max(0, nowMs - createdAtMs);
        return Math.Pow(0.5, ageMs / halfLife.TotalMilliseconds);
    }
}
