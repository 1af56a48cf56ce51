using System.Text;
using AgentDesk.Core.Recall.Embeddings;

namespace AgentDesk.Core.Tests.Recall.Embeddings;

public sealed class GloveVectorsTests : IDisposable
{
    private readonly TinyGlove _glove = new();

    public void Dispose() => _glove.Dispose();

    private GloveVectors Load(out bool built) => GloveVectors.LoadOrBuild(_glove.PackagePath, _glove.CachePath, out built);

    [Fact]
    public void LoadOrBuild_NoCache_ConvertsThePackageAndLoadsTheSameVectorsAndRanksFromTheCache()
    {
        var entries = TinyGlove.Generated(300, 7);
        _glove.Write(entries);

        var converted = Load(out var builtFirst);
        var cached = Load(out var builtSecond);

        Assert.True(builtFirst);
        Assert.False(builtSecond);
        Assert.True(File.Exists(_glove.CachePath));
        foreach (var vectors in new[] { converted, cached })
        {
            Assert.Equal((300, 7), (vectors.Count, vectors.Dimensions));
            for (var rank = 0; rank < entries.Length; rank++)
            {
                Assert.True(vectors.TryGetIndex(entries[rank].Word, out var index));
                Assert.Equal(rank, index);
                Assert.Equal(entries[rank].Word, vectors.Word(rank));
                Assert.Equal(entries[rank].Vector, vectors.Vector(index).ToArray());
            }
        }
    }

    [Fact]
    public void LoadOrBuild_ValidCache_DoesNotRewriteIt()
    {
        _glove.Write(TinyGlove.Generated(50, 4));
        Load(out _);
        var written = File.GetLastWriteTimeUtc(_glove.CachePath);
        var bytes = File.ReadAllBytes(_glove.CachePath);
        File.SetLastWriteTimeUtc(_glove.CachePath, written.AddMinutes(-5));

        Load(out var built);

        Assert.False(built);
        Assert.Equal(written.AddMinutes(-5), File.GetLastWriteTimeUtc(_glove.CachePath));
        Assert.Equal(bytes, File.ReadAllBytes(_glove.CachePath));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("magic")]
    [InlineData("word starts")]
    [InlineData("lookup table")]
    [InlineData("empty")]
    public void LoadOrBuild_DamagedCache_RebuildsIt(string damage)
    {
        var entries = TinyGlove.Generated(40, 3);
        _glove.Write(entries);
        Load(out _);
        var good = File.ReadAllBytes(_glove.CachePath);
        var bad = damage switch
        {
            "truncated" => good[..^5],
            "magic" => [(byte)'X', .. good[1..]],
            // Word 1 starts after word 2.
            "word starts" => Corrupt(good, StartsOffset(entries) + 4, 1_000),
            // Fill every empty slot of the table that follows the 41 start offsets: a lookup of a missing word would never end.
            "lookup table" => FillEmptySlots(good, StartsOffset(entries) + 4 * 41),
            _ => [],
        };
        File.WriteAllBytes(_glove.CachePath, bad);

        var vectors = Load(out var built);

        Assert.True(built);
        Assert.Equal(good, File.ReadAllBytes(_glove.CachePath));
        Assert.True(vectors.TryGetIndex("w39", out var index));
        Assert.Equal(entries[39].Vector, vectors.Vector(index).ToArray());
    }

    [Fact]
    public void LoadOrBuild_PackageFileChanged_RebuildsTheCache()
    {
        _glove.Write(("alpha", [1, 0]), ("beta", [0, 1]));
        Load(out _);
        _glove.Write(("alpha", [1, 0]), ("beta", [0, 1]), ("gamma", [1, 1]));

        var vectors = Load(out var built);

        Assert.True(built);
        Assert.True(vectors.TryGetIndex("gamma", out _));
    }

    [Fact]
    public void LoadOrBuild_PackageRemovedAfterConversion_StillLoadsTheCache()
    {
        _glove.Write(("alpha", [1, 0]), ("beta", [0, 1]));
        Load(out _);
        File.Delete(_glove.PackagePath);

        var vectors = Load(out var built);

        Assert.False(built);
        Assert.Equal(2, vectors.Count);
    }

    [Fact]
    public void LoadOrBuild_NeitherPackageNorCache_ThrowsPointingAtSetup()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Load(out _));
        Assert.Contains("scripts/setup.sh", error.Message);
        Assert.Contains(_glove.PackagePath, error.Message);
    }

    [Fact]
    public void LoadOrBuild_TwoThreadsAtOnce_ConvertOnceAndWriteOneCache()
    {
        _glove.Write(TinyGlove.Generated(3_000, 50));
        using var start = new Barrier(2);
        var results = new (GloveVectors Vectors, bool Built)[2];
        var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = (Load(out var built), built);
        })).ToArray();

        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "a loader did not finish");

        Assert.Single(results, r => r.Built);
        Assert.Equal(results[0].Vectors.Vector(2_999).ToArray(), results[1].Vectors.Vector(2_999).ToArray());
        Assert.Equal(
            new[] { "glove-100d.bin", "glove-100d.bin.lock" },
            Directory.GetFiles(Path.GetDirectoryName(_glove.CachePath)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Shared_SameCachePath_ReturnsOneInstanceForTheProcess()
    {
        _glove.Write(("alpha", [1, 0]));

        var first = GloveVectors.Shared(_glove.PackagePath, _glove.CachePath);
        var second = GloveVectors.Shared(_glove.PackagePath, Path.Combine(_glove.Root, ".models", ".", "glove-100d.bin"));

        Assert.Same(first, second);
    }

    [Fact]
    public void Shared_FailedLoad_IsRetriedOnTheNextCall()
    {
        Assert.Throws<InvalidOperationException>(() => GloveVectors.Shared(_glove.PackagePath, _glove.CachePath));
        _glove.Write(("alpha", [1, 0]));

        Assert.Equal(1, GloveVectors.Shared(_glove.PackagePath, _glove.CachePath).Count);
    }

    [Fact]
    public void TryGetIndex_UnknownOrDifferentlyCasedWord_IsNotFound()
    {
        _glove.Write(("alpha", [1, 0]), ("beta", [0, 1]));
        var vectors = Load(out _);

        Assert.False(vectors.TryGetIndex("gamma", out _));
        Assert.False(vectors.TryGetIndex("Alpha", out _));
        Assert.False(vectors.TryGetIndex("", out _));
        Assert.True(vectors.TryGetIndex("beta".AsSpan(), out var index));
        Assert.Equal(1, index);
    }

    [Fact]
    public void Read_TinyReadBuffer_ParsesTheSameAsOneRead()
    {
        var json = Encoding.UTF8.GetBytes(TinyGlove.Json([("a-very-long-word-longer-than-the-buffer", [0.125f, -3.5e-3f]), ("b", [1, 2])]));

        var whole = WinkJson.Read(new MemoryStream(json));
        var piecewise = WinkJson.Read(new MemoryStream(json), bufferBytes: 4);

        foreach (var vectors in new[] { whole, piecewise })
        {
            Assert.Equal("a-very-long-word-longer-than-the-buffer", vectors.Word(0));
            Assert.Equal([0.125f, -3.5e-3f], vectors.Vector(0).ToArray());
            Assert.Equal([1f, 2f], vectors.Vector(1).ToArray());
        }
    }

    [Theory]
    [InlineData("""{"dimensions":2,"words":["a","b"],"vectors":{"a":[1,2,0,0]}}""", "covers 1 of the 2 words")]
    [InlineData("""{"dimensions":2,"words":["a"],"vectors":{"a":[1,2,0,0],"z":[1,2,0,0]}}""", "'z', which 'words' lacks")]
    [InlineData("""{"dimensions":2,"words":["a"],"vectors":{"a":[1]}}""", "fewer than 2")]
    [InlineData("""{"vectors":{"a":[1,2]},"dimensions":2,"words":["a"]}""", "must come before")]
    [InlineData("""{"dimensions":2,"words":["a","a"],"vectors":{}}""", "appears twice")]
    [InlineData("""{"dimensions":2,"words":["a"],"vectors":{"a":[1,2""", "not valid JSON")]
    public void Read_MalformedPackage_ThrowsSayingWhy(string json, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(() => WinkJson.Read(new MemoryStream(Encoding.UTF8.GetBytes(json))));
        Assert.Contains(reason, error.Message);
    }

    /// <summary>The start offsets follow the 36-byte header and the UTF-16 words.</summary>
    private static int StartsOffset((string Word, float[] Vector)[] entries) => 36 + 2 * entries.Sum(e => e.Word.Length);

    private static byte[] FillEmptySlots(byte[] bytes, int tableOffset)
    {
        var copy = bytes.ToArray();
        for (var offset = tableOffset; offset < tableOffset + 4 * 128; offset += 4)
            if (BitConverter.ToInt32(copy, offset) == 0) BitConverter.TryWriteBytes(copy.AsSpan(offset), 1);
        return copy;
    }

    private static byte[] Corrupt(byte[] bytes, int offset, int value)
    {
        var copy = bytes.ToArray();
        BitConverter.TryWriteBytes(copy.AsSpan(offset), value);
        return copy;
    }
}
