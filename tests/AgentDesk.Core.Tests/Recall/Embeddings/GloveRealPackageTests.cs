using System.Diagnostics;
using System.Numerics.Tensors;
using AgentDesk.Core.Recall.Embeddings;

namespace AgentDesk.Core.Tests.Recall.Embeddings;

/// <summary>
/// The real GloVe package, as scripts/setup.sh installs it under the checkout's .models/ (the cache
/// is the one the desk itself uses, so the first run converts it once, in seconds).
/// </summary>
public sealed class GloveRealPackageTests
{
    private static readonly string Root = FindRoot();
    private static readonly string PackagePath = Path.Combine(Root, EmbeddingSetup.DefaultPackagePath);
    private static readonly string CachePath = Path.Combine(Root, EmbeddingSetup.DefaultCachePath);

    private static GloveVectors Vectors()
    {
        Assert.True(File.Exists(PackagePath), $"the GloVe package is not installed at {PackagePath}; run scripts/setup.sh test");
        return GloveVectors.Shared(PackagePath, CachePath);
    }

    private static float Cosine(GloveEmbeddingGenerator generator, string a, string b) =>
        TensorPrimitives.Dot(generator.Embed(a), generator.Embed(b));

    [Fact]
    public void Vectors_Package_HasTheGloveVocabularyInFrequencyOrder()
    {
        var vectors = Vectors();

        Assert.Equal((341_479, 100), (vectors.Count, vectors.Dimensions));
        Assert.True(vectors.TryGetIndex("the", out var the));
        Assert.Equal(0, the);
        Assert.True(vectors.TryGetIndex("refund", out var refund));
        Assert.InRange(refund, 1_000, 50_000);
        Assert.Equal(-0.038194f, vectors.Vector(the)[0]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Embed_RefundParaphrase_IsCloserThanAnUnrelatedSentence(bool removeCommonComponent)
    {
        var generator = new GloveEmbeddingGenerator(Vectors(), removeCommonComponent);

        var paraphrase = Cosine(generator, "I want my money back", "please refund the payment");
        var unrelated = Cosine(generator, "I want my money back", "the giraffe ate leaves");

        Assert.True(paraphrase > unrelated + 0.1f, $"paraphrase {paraphrase}, unrelated {unrelated}");
    }

    [Fact]
    public void Embed_ContractionAndAccent_MatchTheirSpelledOutForms()
    {
        var generator = new GloveEmbeddingGenerator(Vectors());

        Assert.Equal(1f, Cosine(generator, "I don't like the café", "I do not like the cafe"), 5);
    }

    [Fact]
    public void LoadOrBuild_WarmCache_LoadsWellUnderASecond()
    {
        Vectors();
        GloveVectors.LoadOrBuild(PackagePath, CachePath);

        // The best of three: the machine is shared, and one load can lose the CPU to a neighbour.
        var loads = Enumerable.Range(0, 3).Select(_ =>
        {
            var clock = Stopwatch.StartNew();
            var vectors = GloveVectors.LoadOrBuild(PackagePath, CachePath, out var built);
            return (clock.Elapsed, vectors.Count, built);
        }).ToArray();

        Assert.All(loads, load => Assert.Equal((341_479, false), (load.Count, load.built)));
        Assert.True(loads.Min(l => l.Elapsed) < TimeSpan.FromSeconds(1),
            $"loading the cache took {string.Join(", ", loads.Select(l => $"{l.Elapsed.TotalMilliseconds:F0} ms"))}");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AgentDesk.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no AgentDesk.sln above {AppContext.BaseDirectory}");
    }
}
