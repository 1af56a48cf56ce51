using System.Diagnostics;
using System.Numerics.Tensors;
using AgentDesk.Core.Recall.Vectors;

namespace AgentDesk.Core.Tests.Recall.Vectors;

public sealed class VectorIndexTests
{
    private const int Dims = 100;
    private const long Day = 86_400_000;

    private static float[] RandomVector(Random random, int dims = Dims) =>
        Enumerable.Range(0, dims).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    /// <summary>Unit-length <paramref name="v"/> plus a little noise: clearly closest to <paramref name="v"/>.</summary>
    private static float[] Near(float[] v, Random random, float noise = 0.05f)
    {
        var norm = TensorPrimitives.Norm(v);
        return v.Select(x => x / norm + noise * (float)(random.NextDouble() * 2 - 1) / MathF.Sqrt(v.Length)).ToArray();
    }

    private static VectorIndex Filled(int count, int seed, out float[][] vectors, string agent = "bot", int parallelThreshold = 32_768)
    {
        var random = new Random(seed);
        var index = new VectorIndex(Dims) { ParallelThreshold = parallelThreshold };
        vectors = new float[count][];
        for (var i = 0; i < count; i++)
        {
            vectors[i] = RandomVector(random);
            Assert.True(index.Upsert(agent, i, i * 1000L, vectors[i]));
        }
        return index;
    }

    private static long[] ExactTop(float[][] vectors, float[] query, int n) =>
        Enumerable.Range(0, vectors.Length).OrderByDescending(i => TensorPrimitives.CosineSimilarity(vectors[i], query)).Take(n).Select(i => (long)i).ToArray();

    [Fact]
    public void Search_RandomVectors_Top20AgreesWithExactFloatSearch()
    {
        var index = Filled(10_000, seed: 1, out var vectors);
        var random = new Random(2);
        var overlaps = new List<double>();
        for (var q = 0; q < 20; q++)
        {
            var query = RandomVector(random);
            var found = index.Search("bot", query, 20);
            Assert.Equal(20, found.Count);
            overlaps.Add(ExactTop(vectors, query, 20).Intersect(found.Select(m => m.Seq)).Count() / 20.0);
            foreach (var match in found)
                Assert.InRange(match.Score, TensorPrimitives.CosineSimilarity(vectors[match.Seq], query) - 0.01f, TensorPrimitives.CosineSimilarity(vectors[match.Seq], query) + 0.01f);
        }
        Assert.True(overlaps.Average() >= 0.95, $"mean overlap of top-20 with exact search {overlaps.Average():P1}");
    }

    [Fact]
    public void Search_ClearlyBestEntry_ComesFirstWithScoreNearOne()
    {
        var index = Filled(10_000, seed: 3, out var vectors);
        var random = new Random(4);
        foreach (var target in new[] { 0, 4321, 9999 })
        {
            var best = index.Search("bot", Near(vectors[target], random), 5)[0];
            Assert.Equal(target, best.Seq);
            Assert.InRange(best.Score, 0.97f, 1.001f);
        }
    }

    [Fact]
    public void Search_ResultsAreBestFirstAndEachSeqOnce()
    {
        var index = Filled(3_000, seed: 5, out _);
        var found = index.Search("bot", RandomVector(new Random(6)), 200);
        Assert.Equal(200, found.Count);
        Assert.Equal(found.OrderByDescending(m => m.Score).Select(m => m.Seq), found.Select(m => m.Seq));
        Assert.Equal(200, found.Select(m => m.Seq).Distinct().Count());
    }

    [Fact]
    public void Search_InParallelPartitions_FindsTheSameAsOnOneThread()
    {
        var single = Filled(20_000, seed: 7, out _, parallelThreshold: int.MaxValue);
        var parallel = Filled(20_000, seed: 7, out _, parallelThreshold: 0);
        var query = RandomVector(new Random(8));
        Assert.Equal(single.Search("bot", query, 100), parallel.Search("bot", query, 100));
        Assert.Equal(single.Search("bot", query, 50, 5_000_000, 6_000_000), parallel.Search("bot", query, 50, 5_000_000, 6_000_000));
    }

    [Fact]
    public void Search_OtherAgentsEntries_AreNeverReturned()
    {
        var random = new Random(9);
        var index = new VectorIndex(Dims);
        var shared = RandomVector(random);
        index.Upsert("other", 1, 0, shared);
        for (var seq = 2; seq < 50; seq++) index.Upsert(seq % 2 == 0 ? "bot" : "other", seq, 0, RandomVector(random));
        var found = index.Search("bot", shared, 100);
        Assert.Equal(24, found.Count);
        Assert.All(found, m => Assert.Equal(0, m.Seq % 2));
        Assert.Empty(index.Search("nobody", shared, 10));
    }

    [Fact]
    public void Search_TimeWindow_ReturnsOnlyEntriesCreatedFromInclusiveUntilExclusive()
    {
        var index = Filled(5_003, seed: 10, out _); // seq i created at i seconds
        var query = RandomVector(new Random(11));
        var found = index.Search("bot", query, 500, fromMs: 1_001_000, untilMs: 1_102_000);
        Assert.Equal(Enumerable.Range(1001, 101).Select(i => (long)i), found.Select(m => m.Seq).Order());
        var last = index.Search("bot", query, 500, fromMs: 4_990_000);
        Assert.Equal(Enumerable.Range(4990, 13).Select(i => (long)i), last.Select(m => m.Seq).Order());
        Assert.Empty(index.Search("bot", query, 10, fromMs: 10 * Day, untilMs: 11 * Day));
        Assert.Empty(index.Search("bot", query, 10, fromMs: 1_000_000, untilMs: 1_000_000));
    }

    [Fact]
    public void Search_TimeWindowOverUnorderedTimes_ReturnsExactlyTheEntriesInside()
    {
        var random = new Random(27);
        var index = new VectorIndex(Dims);
        var createdAt = Enumerable.Range(0, 3_000).Select(_ => random.NextInt64(365 * Day)).ToArray();
        for (var seq = 0; seq < createdAt.Length; seq++) index.Upsert("bot", seq, createdAt[seq], RandomVector(random));
        for (var q = 0; q < 10; q++)
        {
            var from = random.NextInt64(300 * Day);
            var until = from + random.NextInt64(30 * Day);
            var inside = Enumerable.Range(0, createdAt.Length).Where(i => createdAt[i] >= from && createdAt[i] < until).Select(i => (long)i);
            Assert.Equal(inside, index.Search("bot", RandomVector(random), 3_000, from, until).Select(m => m.Seq).Order());
        }
    }

    [Fact]
    public void Search_NLargerThanTheAgent_ReturnsAllItsEntries()
    {
        var index = Filled(37, seed: 12, out _);
        var found = index.Search("bot", RandomVector(new Random(13)), 500);
        Assert.Equal(Enumerable.Range(0, 37).Select(i => (long)i), found.Select(m => m.Seq).Order());
    }

    [Fact]
    public void Search_ZeroOrNaNQuery_ReturnsNothingAndWrongLengthThrows()
    {
        var index = Filled(10, seed: 14, out _);
        Assert.Empty(index.Search("bot", new float[Dims], 5));
        Assert.Empty(index.Search("bot", Enumerable.Repeat(float.NaN, Dims).ToArray(), 5));
        Assert.Throws<ArgumentException>(() => index.Search("bot", new float[Dims + 1], 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search("bot", RandomVector(new Random(1)), -1));
    }

    [Fact]
    public void Upsert_ExistingSeq_ReplacesVectorAgentAndTime()
    {
        var random = new Random(15);
        var index = Filled(100, seed: 16, out var vectors);
        var fresh = RandomVector(random);
        Assert.True(index.Upsert("bot", 42, 7 * Day, fresh));
        Assert.Equal(100, index.CountFor("bot"));
        Assert.Equal(42, index.Search("bot", fresh, 1)[0].Seq);
        Assert.DoesNotContain(index.Search("bot", vectors[42], 100), m => m.Seq == 42 && m.Score > 0.99f);
        Assert.Equal([42L], index.Search("bot", fresh, 10, fromMs: 7 * Day).Select(m => m.Seq));

        Assert.True(index.Upsert("other", 42, 0, fresh));
        Assert.Equal(99, index.CountFor("bot"));
        Assert.Equal(1, index.CountFor("other"));
        Assert.Equal(100, index.Count);
        Assert.DoesNotContain(index.Search("bot", fresh, 100), m => m.Seq == 42);
    }

    [Fact]
    public void Upsert_WrongDimension_IsIgnored()
    {
        var index = new VectorIndex(Dims);
        Assert.False(index.Upsert("bot", 1, 0, new float[Dims - 1]));
        Assert.False(index.Upsert("bot", 2, 0, RandomVector(new Random(17), Dims + 1)));
        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.CountFor("bot"));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(1e-45f)]
    public void Upsert_VectorWithoutDirection_IsIgnoredAndKeepsTheOldEntry(float component)
    {
        var index = Filled(5, seed: 18, out var vectors);
        var bad = new float[Dims];
        bad[3] = component;
        Assert.False(index.Upsert("bot", 2, 0, bad));
        var mixed = RandomVector(new Random(19));
        mixed[7] = component;
        Assert.Equal(component is 0f or 1e-45f, index.Upsert("bot", 99, 0, mixed));
        Assert.Equal(2, index.Search("bot", vectors[2], 1)[0].Seq);
    }

    [Fact]
    public void Remove_MostEntries_CompactsAndKeepsTheRestFindable()
    {
        var index = Filled(10_000, seed: 20, out var vectors);
        for (var seq = 0; seq < 10_000; seq++)
            if (seq % 5 != 0) Assert.True(index.Remove(seq));
        Assert.Equal(2_000, index.CountFor("bot"));
        Assert.Equal(2_000, index.Count);
        Assert.False(index.Remove(1));
        var random = new Random(21);
        foreach (var target in new[] { 0, 5_000, 9_995 })
            Assert.Equal(target, index.Search("bot", Near(vectors[target], random), 1)[0].Seq);
        var all = index.Search("bot", RandomVector(random), 5_000);
        Assert.Equal(Enumerable.Range(0, 2_000).Select(i => i * 5L), all.Select(m => m.Seq).Order());

        Assert.True(index.Upsert("bot", 3, 0, vectors[3])); // a removed seq can come back
        Assert.Equal(3, index.Search("bot", vectors[3], 1)[0].Seq);
    }

    [Fact]
    public void Remove_UnknownSeq_ReturnsFalse()
    {
        var index = Filled(3, seed: 22, out _);
        Assert.False(index.Remove(3));
        Assert.Equal(3, index.Count);
    }

    [Fact]
    public void Clear_ForgetsEveryAgent()
    {
        var index = Filled(1_000, seed: 23, out var vectors);
        index.Upsert("other", 5_000, 0, vectors[0]);
        index.Clear();
        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.CountFor("bot"));
        Assert.Empty(index.Search("bot", vectors[0], 10));
        Assert.Empty(index.Score(vectors[0], [0, 5_000]));
        Assert.True(index.Upsert("bot", 0, 0, vectors[0]));
        Assert.Equal([0L], index.Search("bot", vectors[0], 10).Select(m => m.Seq));
    }

    [Fact]
    public void Score_GivenSeqs_MatchesSearchScoresInGivenOrderAndSkipsMissing()
    {
        var index = Filled(2_000, seed: 24, out var vectors);
        index.Upsert("other", 9_000, 0, vectors[0]);
        var query = RandomVector(new Random(25));
        var top = index.Search("bot", query, 3);
        var scored = index.Score(query, [top[2].Seq, 123_456, top[0].Seq, 9_000]);
        Assert.Equal([top[2], top[0]], scored.Take(2));
        Assert.Equal(9_000, scored[2].Seq);
        Assert.InRange(scored[2].Score, TensorPrimitives.CosineSimilarity(vectors[0], query) - 0.01f, TensorPrimitives.CosineSimilarity(vectors[0], query) + 0.01f);
    }

    [Fact]
    public void SearchWhileUpsertingAndRemoving_FromSeveralThreads_StaysConsistent()
    {
        const int Stable = 5_000;
        var index = Filled(Stable, seed: 26, out var vectors, parallelThreshold: 4_000);
        var errors = new List<string>();
        var clock = Stopwatch.StartNew();
        var searches = 0;
        void Reader(int id)
        {
            var random = new Random(100 + id);
            while (clock.Elapsed < TimeSpan.FromSeconds(1.5))
            {
                var target = random.Next(Stable / 2) * 2 + 1; // odd: never rewritten
                var found = index.Search("bot", Near(vectors[target], random), 10);
                var churn = index.Search("churn", vectors[target], 10);
                Interlocked.Increment(ref searches);
                if (found.Count != 10 || found[0].Seq != target || found.Any(m => m.Seq >= Stable) || churn.Any(m => m.Seq < Stable))
                    lock (errors) errors.Add($"reader {id}: target {target}, got [{string.Join(",", found.Select(m => m.Seq))}]");
            }
        }
        void Writer(int id)
        {
            var random = new Random(200 + id);
            var first = Stable + id * 1_000_000L;
            var next = first;
            while (clock.Elapsed < TimeSpan.FromSeconds(1.5))
            {
                index.Upsert("churn", next++, 0, RandomVector(random));
                if (next - first > 50) index.Remove(next - 50);
                var rewritten = random.Next(Stable / 2) * 2; // even: the same vector again
                index.Upsert("bot", rewritten, rewritten * 1000L, vectors[rewritten]);
            }
            for (var seq = first; seq < next; seq++) index.Remove(seq);
        }
        Thread Run(Action body) => new(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                lock (errors) errors.Add(e.ToString());
            }
        });
        var threads = Enumerable.Range(0, 3).Select(i => Run(() => Reader(i))).Concat(Enumerable.Range(0, 2).Select(i => Run(() => Writer(i)))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(errors);
        Assert.True(searches > 0);
        Assert.Equal(0, index.CountFor("churn"));
        Assert.Equal(Stable, index.CountFor("bot"));
        Assert.Equal(Stable, index.Count);
    }
}
