using AgentDesk.Core.Recall;

namespace AgentDesk.Core.Tests.Recall;

public sealed class HybridRankerTests
{
    private const long Now = 1_800_000_000_000;
    private static readonly RankingOptions Options = new();
    private static long DaysAgo(double days) => Now - (long)TimeSpan.FromDays(days).TotalMilliseconds;

    [Fact]
    public void Rank_HandoffSummaryWithNoLexicalMatch_RanksAboveStrongMatch()
    {
        var ranked = HybridRanker.Rank(
        [
            new RankCandidate(1, 0.9, Now, IsHandoffSummary: false, TextScore: 12),
            new RankCandidate(2, 1.0, DaysAgo(3), IsHandoffSummary: true, TextScore: null),
        ], Options, Now, 10);
        Assert.Equal([2L, 1L], ranked.Select(r => r.Candidate.Seq));
        Assert.True(ranked[0].SmartScore > 1.0);
        Assert.True(ranked[1].SmartScore <= 1.0);
    }

    [Fact]
    public void Rank_SeveralHandoffSummaries_NewestFirst()
    {
        var ranked = HybridRanker.Rank(
        [
            new RankCandidate(1, 1.0, DaysAgo(10), true, 9),
            new RankCandidate(2, 1.0, DaysAgo(1), true, 1),
            new RankCandidate(3, 1.0, DaysAgo(5), true, null),
        ], Options, Now, 10);
        Assert.Equal([2L, 3L, 1L], ranked.Select(r => r.Candidate.Seq));
    }

    [Fact]
    public void Rank_EqualRelevance_ImportanceOutweighsAMonthOfAgeAndRecencyBreaksTies()
    {
        var ranked = HybridRanker.Rank(
        [
            new RankCandidate(1, 0.3, Now, false, 5),
            new RankCandidate(2, 0.9, Now, false, 5),
            new RankCandidate(3, 0.9, DaysAgo(30), false, 5),
            new RankCandidate(4, 0.3, DaysAgo(2), false, 5),
        ], Options, Now, 10);
        Assert.Equal([2L, 3L, 1L, 4L], ranked.Select(r => r.Candidate.Seq));
    }

    [Fact]
    public void Rank_WeakestLexicalMatch_KeepsPositiveRelevance()
    {
        var ranked = HybridRanker.Rank(
        [
            new RankCandidate(1, 0.5, Now, false, 10),
            new RankCandidate(2, 0.5, Now, false, 1),
            new RankCandidate(3, 0.5, Now, false, null),
        ], Options, Now, 10);
        Assert.Equal(1.0, ranked[0].Score, 6);
        Assert.Equal(0.1, ranked[1].Score, 6);
        Assert.Equal(0.0, ranked[2].Score, 6);
        Assert.Equal([1L, 2L, 3L], ranked.Select(r => r.Candidate.Seq));
    }

    [Fact]
    public void Rank_SecondSignal_IsFusedWithTheFirst()
    {
        var ranked = HybridRanker.Rank(
        [
            new RankCandidate(1, 0.5, Now, false, TextScore: 10, VectorScore: 0.2),
            new RankCandidate(2, 0.5, Now, false, TextScore: 5, VectorScore: 0.8),
        ], Options, Now, 10);
        // 1: (1.0 + 0.25) / 2 = 0.625; 2: (0.5 + 1.0) / 2 = 0.75.
        Assert.Equal([2L, 1L], ranked.Select(r => r.Candidate.Seq));
        Assert.Equal(0.75, ranked[0].Score, 6);
    }

    [Fact]
    public void Rank_MoreCandidatesThanTopK_ReturnsTopKSortedBySmartScore()
    {
        var candidates = Enumerable.Range(1, 50).Select(i => new RankCandidate(i, i / 50.0, DaysAgo(i), false, i)).ToList();
        var ranked = HybridRanker.Rank(candidates, Options, Now, 7);
        Assert.Equal(7, ranked.Count);
        Assert.Equal(ranked.Select(r => r.SmartScore).OrderByDescending(s => s), ranked.Select(r => r.SmartScore));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(5, 1)]
    [InlineData(10, 2)]
    [InlineData(300, 3)]
    [InlineData(0, 4)]
    public void Rank_TopK_IsTheHeadOfTheWholeOrderWithItsTieBreaks(int topK, int seed)
    {
        // Coarse scores and times, so smart scores and creation times tie often and the later keys decide.
        var random = new Random(seed);
        var candidates = Enumerable.Range(1, 200).Select(i => new RankCandidate(
            i, random.Next(3) / 2.0, DaysAgo(random.Next(3)), random.Next(20) == 0,
            random.Next(3) == 0 ? null : random.Next(4), random.Next(2) == 0 ? null : random.Next(3) / 2.0)
        {
            Neighbours = random.Next(4) == 0 ? [random.Next(1, 201)] : [],
        }).ToList();

        var ranked = HybridRanker.Rank(candidates, Options, Now, topK);
        var whole = HybridRanker.Rank(candidates, Options, Now, candidates.Count)
            .OrderByDescending(r => r.SmartScore).ThenByDescending(r => r.Candidate.CreatedAtMs).ThenByDescending(r => r.Candidate.Seq).ToList();

        Assert.Equal(candidates.Count, whole.Select(r => r.Candidate.Seq).Distinct().Count());
        Assert.Equal(whole.Take(topK).Select(r => r.Candidate.Seq), ranked.Select(r => r.Candidate.Seq));
        Assert.Equal(whole.Take(topK).Select(r => r.SmartScore), ranked.Select(r => r.SmartScore));
    }

    [Fact]
    public void Rank_NeighbourWeight_LiftsTheTurnNextToAStrongMatch()
    {
        RankCandidate[] candidates =
        [
            new(1, 0.5, Now, false, TextScore: 10) { Neighbours = [2] },
            new(2, 0.5, Now, false, TextScore: null) { Neighbours = [1] },
            new(3, 0.5, Now, false, TextScore: 5),
        ];
        var off = HybridRanker.Rank(candidates, Options with { NeighbourWeight = 0 }, Now, 10);
        Assert.Equal([1L, 3L, 2L], off.Select(r => r.Candidate.Seq));

        var on = HybridRanker.Rank(candidates, Options with { NeighbourWeight = 0.8 }, Now, 10);
        Assert.Equal([1L, 2L, 3L], on.Select(r => r.Candidate.Seq));
        Assert.Equal(0.8, on[1].Score, 9);
        Assert.True(on[1].FromNeighbour);
        Assert.False(on[0].FromNeighbour);
    }

    [Fact]
    public void Rank_NeighbourWeaker_DoesNotLowerAStrongerTurn()
    {
        var ranked = HybridRanker.Rank(
        [
            new RankCandidate(1, 0.5, Now, false, TextScore: 10) { Neighbours = [2] },
            new RankCandidate(2, 0.5, Now, false, TextScore: 1) { Neighbours = [1] },
        ], Options with { NeighbourWeight = 0.5 }, Now, 10);
        Assert.Equal(1.0, ranked[0].Score, 9);
        Assert.Equal(0.5, ranked[1].Score, 9);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(14, 0.5)]
    [InlineData(28, 0.25)]
    [InlineData(-3, 1.0)]
    public void Recency_HalvesEveryHalfLife(double ageDays, double expected) =>
        Assert.Equal(expected, HybridRanker.Recency(DaysAgo(ageDays), Now, TimeSpan.FromDays(14)), 6);
}
