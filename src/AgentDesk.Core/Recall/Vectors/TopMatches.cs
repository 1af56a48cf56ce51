namespace AgentDesk.Core.Recall.Vectors;

/// <summary>
/// The best <c>n</c> of a scan, kept in a bounded min-heap (the weakest kept match at the root), so a
/// scan of a million entries costs one comparison per entry and a heap step only per improvement.
/// </summary>
internal sealed class TopMatches(int n)
{
    private readonly float[] _scores = new float[n];
    private readonly long[] _seqs = new long[n];
    private int _count;

    /// <summary>Whether a match with this score would be kept (checked before looking up its seq).</summary>
    public bool Admits(float score) => _count < _scores.Length || score > _scores[0];

    public void Add(float score, long seq)
    {
        if (_count < _scores.Length)
        {
            var i = _count++;
            while (i > 0 && Weaker(score, seq, (i - 1) / 2))
            {
                var parent = (i - 1) / 2;
                _scores[i] = _scores[parent];
                _seqs[i] = _seqs[parent];
                i = parent;
            }
            _scores[i] = score;
            _seqs[i] = seq;
            return;
        }
        if (!Weaker(_scores[0], _seqs[0], score, seq)) return;
        var at = 0;
        while (true)
        {
            var child = 2 * at + 1;
            if (child >= _count) break;
            if (child + 1 < _count && Weaker(_scores[child + 1], _seqs[child + 1], child)) child++;
            if (!Weaker(_scores[child], _seqs[child], score, seq)) break;
            _scores[at] = _scores[child];
            _seqs[at] = _seqs[child];
            at = child;
        }
        _scores[at] = score;
        _seqs[at] = seq;
    }

    /// <summary>
    /// The union of <paramref name="parts"/>, best first (ties: newer seq first), at most
    /// <paramref name="n"/>, each seq once — a scan racing an upsert can meet an entry's old and new
    /// slot — with every score multiplied by the query's scale.
    /// </summary>
    public static IReadOnlyList<VectorMatch> Merge(IReadOnlyList<TopMatches> parts, int n, float queryScale)
    {
        var all = parts.SelectMany(p => Enumerable.Range(0, p._count).Select(i => new VectorMatch(p._seqs[i], p._scores[i] * queryScale))).ToArray();
        Array.Sort(all, static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : b.Seq.CompareTo(a.Seq));
        var seen = new HashSet<long>();
        var result = new List<VectorMatch>(Math.Min(n, all.Length));
        foreach (var match in all)
        {
            if (result.Count == n) break;
            if (seen.Add(match.Seq)) result.Add(match);
        }
        return result;
    }

    private bool Weaker(float score, long seq, int slot) => Weaker(score, seq, _scores[slot], _seqs[slot]);

    private static bool Weaker(float score, long seq, float otherScore, long otherSeq) =>
        score < otherScore || (score == otherScore && seq < otherSeq);
}
