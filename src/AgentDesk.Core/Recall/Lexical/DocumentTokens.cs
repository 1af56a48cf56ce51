using System.Collections.Concurrent;

namespace AgentDesk.Core.Recall.Lexical;

/// <summary>
/// The stemmed tokens of stored memories, kept between recalls. A recall scored in process reads every memory of
/// its scope, and tokenising (Porter-stemming) them all again each time was a fifth of its cost under the mixed
/// load. Entries are keyed by seq and hold the content they were made from, so a memory whose content changed is
/// tokenised afresh; tokens are shared through one vocabulary. Bounded: when full, it starts again empty. The bound
/// is above what recall keeps of small agents (<see cref="AgentScopeCache.MaxRows"/>): at 50,000, a fleet of 200
/// agents that had grown to 300 memories each held more than fitted, so the cache emptied itself over and over and
/// tokenising was again a sixth of the server's time (mixed load, 60 s).
/// </summary>
public sealed class DocumentTokens(int capacity = DocumentTokens.DefaultCapacity)
{
    public const int DefaultCapacity = AgentScopeCache.MaxRows + 50_000;

    /// <summary>The vocabulary stops growing here (a corpus of random strings would otherwise grow it without end).</summary>
    private const int MaxVocabulary = 500_000;

    private readonly ConcurrentDictionary<long, Entry> _entries = new();
    private readonly ConcurrentDictionary<string, string> _vocabulary = new(StringComparer.Ordinal);
    // Counted here: ConcurrentDictionary.Count takes every lock of the table.
    private int _entryCount;
    private int _vocabularyCount;

    private sealed record Entry(string Content, string[] Tokens);

    /// <summary>The tokens of memory <paramref name="seq"/> whose content is <paramref name="content"/>, as <see cref="LexicalTokenizer.Tokens"/> gives them.</summary>
    public IReadOnlyList<string> Of(long seq, string content)
    {
        if (_entries.TryGetValue(seq, out var entry) && string.Equals(entry.Content, content, StringComparison.Ordinal)) return entry.Tokens;
        var tokens = LexicalTokenizer.Tokens(content);
        var shared = new string[tokens.Count];
        for (var i = 0; i < shared.Length; i++) shared[i] = Shared(tokens[i]);
        // A changed memory replaces its entry: only a new seq counts towards the bound.
        if (entry is null && Interlocked.Increment(ref _entryCount) > capacity)
        {
            _entries.Clear();
            Interlocked.Exchange(ref _entryCount, 1);
        }
        _entries[seq] = new Entry(content, shared);
        return shared;
    }

    private string Shared(string token)
    {
        if (_vocabulary.TryGetValue(token, out var known)) return known;
        if (Volatile.Read(ref _vocabularyCount) >= MaxVocabulary) return token;
        if (_vocabulary.TryAdd(token, token)) Interlocked.Increment(ref _vocabularyCount);
        return token;
    }
}
