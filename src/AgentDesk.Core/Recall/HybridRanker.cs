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

    /// <summary>
    /// The best <paramref name="topK"/> by rank key (then newest, then highest seq), best first. Only those are sorted and
    /// described: a small agent's recall ranks all its memories, and sorting every one was a tenth of the recall.
    /// </summary>
    public static IReadOnlyList<RankedCandidate> Rank(IReadOnlyList<RankCandidate> candidates, RankingOptions options, long nowMs, int topK)
    {
        var count = candidates.Count;
        var text = new double?[count];
        var vector = new double?[count];
        for (var i = 0; i < count; i++) (text[i], vector[i]) = (candidates[i].TextScore, candidates[i].VectorScore);
        var fused = Fusion.Fuse(text, vector, options.Fusion, options.VectorWeight, options.RrfK);
        var weightSum = options.RelevanceWeight + options.ImportanceWeight + options.RecencyWeight;
        var own = new Dictionary<long, double>(count);
        for (var i = 0; i < count; i++) own[candidates[i].Seq] = fused[i].Fused;

        var keys = new (double Relevance, double FromNeighbour, double Recency, double Smart)[count];
        var best = new List<int>(Math.Clamp(topK, 0, count) + 1);
        for (var i = 0; i < count; i++)
        {
            var c = candidates[i];
            var nearest = 0.0;
            foreach (var n in c.Neighbours) nearest = Math.Max(nearest, own.GetValueOrDefault(n));
            var fromNeighbour = options.NeighbourWeight * nearest;
            var relevance = Math.Max(fused[i].Fused, fromNeighbour);
            var recency = Recency(c.CreatedAtMs, nowMs, options.RecencyHalfLife);
            var blended = (options.RelevanceWeight * relevance + options.ImportanceWeight * c.Importance + options.RecencyWeight * recency) / weightSum;
            keys[i] = (relevance, fromNeighbour, recency, c.IsHandoffSummary ? HandoffBand + recency : blended);

            // Kept best first; a candidate enters where it ranks, and the last falls off past topK.
            if (topK <= 0 || (best.Count == topK && Before(best[^1], i))) continue;
            var at = best.Count;
            while (at > 0 && Before(i, best[at - 1])) at--;
            best.Insert(at, i);
            if (best.Count > topK) best.RemoveAt(topK);
        }
        return best.Select(i => new RankedCandidate(
            candidates[i], keys[i].Relevance, keys[i].Smart, keys[i].Recency, fused[i].Text, fused[i].Vector, keys[i].FromNeighbour > fused[i].Fused)).ToList();

        // Whether candidate a ranks before b: higher smart score, then newer, then higher seq.
        bool Before(int a, int b)
        {
            var bySmart = keys[a].Smart.CompareTo(keys[b].Smart);
            if (bySmart != 0) return bySmart > 0;
            var byCreated = candidates[a].CreatedAtMs.CompareTo(candidates[b].CreatedAtMs);
            return byCreated != 0 ? byCreated > 0 : candidates[a].Seq > candidates[b].Seq;
        }
    }

    /// <summary>Exponential decay: 1 now, 0.5 one half-life ago; future timestamps count as now.</summary>
    public static double Recency(long createdAtMs, long nowMs, TimeSpan halfLife)
    {
        var ageMs = Math.Max(0, nowMs - createdAtMs);
        return Math.Pow(0.5, ageMs / halfLife.TotalMilliseconds);
    }
}
