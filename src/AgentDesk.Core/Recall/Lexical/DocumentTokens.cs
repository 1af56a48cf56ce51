using System.Collections.Concurrent;
using AgentDesk.Core.Memory;

namespace AgentDesk.Core.Recall.Lexical;

/// <summary>
/// The stemmed tokens of stored memories, kept between recalls as ids of one <see cref="TokenVocabulary"/>. A recall
/// scored in process reads every memory of its scope, and tokenising (Porter-stemming) them all again each time was a
/// fifth of its cost under the mixed load; comparing the tokens as strings was a tenth of the server's time after
/// that. Bounded: when the current vocabulary holds more documents than the capacity, or more distinct tokens than
/// <see cref="MaxVocabulary"/> (a corpus of random strings), the next scoring starts a new one, empty. The bound is
/// above what recall keeps of small agents (<see cref="AgentScopeCache.MaxRows"/>): at 50,000, a fleet of 200 agents
/// that had grown to 300 memories each held more than fitted, so the cache emptied itself over and over and
/// tokenising was again a sixth of the server's time (mixed load, 60 s).
/// </summary>
public sealed class DocumentTokens(int capacity = DocumentTokens.DefaultCapacity)
{
    public const int DefaultCapacity = AgentScopeCache.MaxRows + 50_000;

    /// <summary>Distinct tokens one vocabulary may hold (a corpus of random strings would otherwise grow it without end).</summary>
    private const int MaxVocabulary = 500_000;

    private TokenVocabulary _current = new();

    /// <summary>
    /// The vocabulary one scoring uses throughout: ids compare only within one vocabulary, so a scoring that started
    /// before a new one did finishes with the old one.
    /// </summary>
    public TokenVocabulary Current
    {
        get
        {
            var current = Volatile.Read(ref _current);
            if (current.Documents <= capacity && current.Count <= MaxVocabulary) return current;
            var fresh = new TokenVocabulary();
            return Interlocked.CompareExchange(ref _current, fresh, current) == current ? fresh : Volatile.Read(ref _current);
        }
    }
}

/// <summary>
/// Token ids: each distinct stemmed token gets one, so <see cref="LocalBm25"/> compares integers. Documents' ids are
/// kept by seq with the content they were made from (a memory whose content changed is tokenised afresh), and on a
/// kept row itself, where a recall finds them without a lookup. Safe for concurrent use.
/// </summary>
public sealed class TokenVocabulary
{
    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TokenIds> _documents = new();
    // Counted here: ConcurrentDictionary.Count takes every lock of the table.
    private int _count;
    private int _documentCount;

    /// <summary>Ids handed out (an id whose adding raced with another for the same token is counted, never used).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Documents kept by seq.</summary>
    public int Documents => Volatile.Read(ref _documentCount);

    /// <summary>The ids of <paramref name="tokens"/>, adding the tokens not seen yet.</summary>
    public int[] Ids(IReadOnlyList<string> tokens)
    {
        var ids = new int[tokens.Count];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = _ids.TryGetValue(tokens[i], out var id) ? id : _ids.GetOrAdd(tokens[i], static (_, self) => Interlocked.Increment(ref self._count) - 1, this);
        return ids;
    }

    /// <summary>The ids of memory <paramref name="seq"/> whose content is <paramref name="content"/>, from <see cref="LexicalTokenizer.Tokens"/>.</summary>
    public int[] Of(long seq, string content) => Kept(seq, content).Ids;

    /// <summary>The ids of <paramref name="row"/>'s content, kept on the row for the next recall that scores it.</summary>
    internal int[] Of(MemoryRow row)
    {
        if (row.Tokens is { } kept && kept.Vocabulary == this && ReferenceEquals(kept.Content, row.Content)) return kept.Ids;
        var made = Kept(row.Seq, row.Content);
        // Kept with the row's own content, so the next check is by reference (the entry may hold an equal older string).
        row.Tokens = ReferenceEquals(made.Content, row.Content) ? made : made with { Content = row.Content };
        return made.Ids;
    }

    /// <summary>
    /// Each query term as a phrase of token ids, tokenised as FTS5 tokenises a quoted term. A term with no token
    /// (punctuation only), or with a token no document of this vocabulary has, can match nothing here and is left out:
    /// it would add nothing to any score. Make the documents' ids first: a token only they hold is unknown before.
    /// </summary>
    public IReadOnlyList<int[]> Phrases(IReadOnlyList<string> queryTerms)
    {
        var phrases = new List<int[]>(queryTerms.Count);
        foreach (var term in queryTerms)
        {
            var tokens = LexicalTokenizer.Tokens(term);
            var ids = new int[tokens.Count];
            var known = ids.Length > 0;
            for (var i = 0; i < ids.Length && known; i++) known = _ids.TryGetValue(tokens[i], out ids[i]);
            if (known) phrases.Add(ids);
        }
        return phrases;
    }

    private TokenIds Kept(long seq, string content)
    {
        if (_documents.TryGetValue(seq, out var kept) && string.Equals(kept.Content, content, StringComparison.Ordinal)) return kept;
        var made = new TokenIds(this, content, Ids(LexicalTokenizer.Tokens(content)));
        // A changed memory replaces its entry: only a new seq counts towards the bound.
        if (kept is null) Interlocked.Increment(ref _documentCount);
        _documents[seq] = made;
        return made;
    }
}

/// <summary>A content's token ids in <see cref="Vocabulary"/>.</summary>
internal sealed record TokenIds(TokenVocabulary Vocabulary, string Content, int[] Ids);
