using AgentDesk.Core.Recall;

namespace AgentDesk.Core.Tests.Recall;

public sealed class FusionTests
{
    [Fact]
    public void Normalise_Max_DividesByTheBestAndKeepsTheWeakestAboveZero()
    {
        var norm = Fusion.Normalise([10, 2, null], FusionMethod.Max);
        Assert.Equal([1.0, 0.2, 0.0], norm);
    }

    [Fact]
    public void Normalise_MinMax_MapsWorstToZeroAndBestToOne()
    {
        var norm = Fusion.Normalise([0.9, 0.5, 0.7, null], FusionMethod.MinMax);
        Assert.Equal(1.0, norm[0], 9);
        Assert.Equal(0.0, norm[1], 9);
        Assert.Equal(0.5, norm[2], 9);
        Assert.Equal(0.0, norm[3], 9);
    }

    [Fact]
    public void Normalise_MinMaxWithOneValue_GivesOne()
    {
        Assert.Equal([1.0, 0.0], Fusion.Normalise([3, null], FusionMethod.MinMax));
    }

    [Fact]
    public void Normalise_Rrf_UsesRanksAndTiesShareTheBetterRank()
    {
        var norm = Fusion.Normalise([5, 9, 5, 1], FusionMethod.Rrf, rrfK: 60);
        Assert.Equal(1.0, norm[1], 9);                 // rank 1
        Assert.Equal(61.0 / 62, norm[0], 9);           // rank 2, shared
        Assert.Equal(61.0 / 62, norm[2], 9);
        Assert.Equal(61.0 / 64, norm[3], 9);           // rank 4: three candidates rank above it
    }

    [Theory]
    [InlineData(FusionMethod.Max)]
    [InlineData(FusionMethod.MinMax)]
    [InlineData(FusionMethod.Rrf)]
    public void Fuse_OnlyOneSignalPresent_UsesItAtFullWeight(FusionMethod method)
    {
        var fused = Fusion.Fuse([4.0, 1.0], [null, null], method, vectorWeight: 0.7);
        Assert.Equal(1.0, fused[0].Fused, 9);
        Assert.Equal(fused[0].Text, fused[0].Fused, 9);
        Assert.Equal(fused[1].Text, fused[1].Fused, 9);
    }

    [Fact]
    public void Fuse_BothSignals_WeighsByVectorWeight()
    {
        var fused = Fusion.Fuse([10.0, 5.0], [0.2, 0.8], FusionMethod.Max, vectorWeight: 0.25);
        // 0: 0.75·1.0 + 0.25·0.25 = 0.8125; 1: 0.75·0.5 + 0.25·1.0 = 0.625
        Assert.Equal(0.8125, fused[0].Fused, 9);
        Assert.Equal(0.625, fused[1].Fused, 9);
    }

    [Fact]
    public void Fuse_Rrf_ACandidateFirstInBothSignalsScoresOne()
    {
        var fused = Fusion.Fuse([9.0, 3.0, null], [0.9, 0.1, 0.5], FusionMethod.Rrf, vectorWeight: 0.5);
        Assert.Equal(1.0, fused[0].Fused, 9);
        Assert.True(fused[1].Fused > fused[2].Fused, "found by both retrievers beats found by one");
    }

    [Fact]
    public void Fuse_MismatchedSignalLengths_Throw()
    {
        Assert.Throws<ArgumentException>(() => Fusion.Fuse([1.0], [], FusionMethod.Max, 0.5));
    }
}
