namespace AgentDesk.Core.Recall;

/// <summary>Weights of the final rank key; relevance signals are fused first, then blended.</summary>
public sealed record RankingOptions
{
    public double RelevanceWeight { get; init; } = 0.6;
    public double ImportanceWeight { get; init; } = 0.25;
    public double RecencyWeight { get; init; } = 0.15;
    public TimeSpan RecencyHalfLife { get; init; } = TimeSpan.FromDays(14);
    public FusionMethod Fusion { get; init; } = FusionMethod.Max;

    /// <summary>Share of the semantic signal in fused relevance when both signals are present.</summary>
    public double VectorWeight { get; init; } = 0.5;

    public int RrfK { get; init; } = Recall.Fusion.DefaultRrfK;

    /// <summary>
    /// Conversation context: a memory is at least this share as relevant as the turn right before or
    /// after it in the same session (the reply to a matching question, the question of a matching
    /// reply). 0 turns it off; 0.9 measured best on LoCoMo (bench/RESULTS.md).
    /// </summary>
    public double NeighbourWeight { get; init; } = 0.9;
}

/// <summary>
/// One candidate with the raw relevance signals that found it. A signal is null when that
/// retriever did not score the candidate.
/// </summary>
public sealed record RankCandidate(
    long Seq, double Importance, long CreatedAtMs, bool IsHandoffSummary, double? TextScore, double? VectorScore = null)
{
    /// <summary>Seqs of the turns right before and after this one in its exchange (see <see cref="RankingOptions.NeighbourWeight"/>).</summary>
    public IReadOnlyList<long> Neighbours { get; init; } = [];
}

/// <summary>A ranked candidate with every component of its rank key, for <c>explain</c>; <c>FromNeighbour</c> when its relevance is a neighbour's share.</summary>
public sealed record RankedCandidate(
    RankCandidate Candidate, double Score, double SmartScore, double Recency, double TextNorm = 0, double VectorNorm = 0, bool FromNeighbour = false);

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
        var fused = Fusion.Fuse(
            candidates.Select(c => c.TextScore).ToList(), candidates.Select(c => c.VectorScore).ToList(),
            options.Fusion, options.VectorWeight, options.RrfK);
        var weightSum = options.RelevanceWeight + options.ImportanceWeight + options.RecencyWeight;
        var own = new Dictionary<long, double>(candidates.Count);
        for (var i = 0; i < candidates.Count; i++) own[candidates[i].Seq] = fused[i].Fused;

        return candidates
            .Select((c, i) =>
            {
                var fromNeighbour = options.NeighbourWeight * c.Neighbours.Select(n => own.GetValueOrDefault(n)).DefaultIfEmpty().Max();
                var relevance = Math.Max(fused[i].Fused, fromNeighbour);
                var recency = Recency(c.CreatedAtMs, nowMs, options.RecencyHalfLife);
                var blended = (options.RelevanceWeight * relevance + options.ImportanceWeight * c.Importance + options.RecencyWeight * recency) / weightSum;
                var smart = c.IsHandoffSummary ? HandoffBand + recency : blended;
                return new RankedCandidate(c, relevance, smart, recency, fused[i].Text, fused[i].Vector, fromNeighbour > fused[i].Fused);
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
