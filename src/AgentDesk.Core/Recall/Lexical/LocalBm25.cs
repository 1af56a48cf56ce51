using System.Buffers;

namespace AgentDesk.Core.Recall.Lexical;

/// <summary>
/// BM25 over a small in-memory set of documents (one session's memories), computed the way SQLite FTS5's
/// <c>bm25()</c> computes it, so a recall scoped to a few thousand memories can rank them without a
/// full-text query against the whole table, and still rank like the indexed path:
/// <list type="bullet">
/// <item>each query term is one phrase, tokenised and stemmed by <see cref="LexicalTokenizer"/> as FTS5
/// tokenises a quoted term; terms that stem alike still count once each, as in an FTS5 OR query;</item>
/// <item>idf = ln((N − n + 0.5) / (n + 0.5)), floored at 1e-6 for terms in half the documents or more;</item>
/// <item>score = Σ idf · f·(k1 + 1) / (f + k1·(1 − b + b·|D| / avgdl)), k1 = 1.2, b = 0.75, where |D| counts
/// every token of the document.</item>
/// </list>
/// N and avgdl are those of the documents given, not of the whole table. Scores are FTS5's bm25() negated:
/// positive, higher is better, and exactly 0 for a document no term matches.
/// </summary>
public static class LocalBm25
{
    public const double K1 = 1.2;
    public const double B = 0.75;

    /// <summary>FTS5's floor for the idf of a term found in half the documents or more.</summary>
    public const double MinIdf = 1e-6;

    /// <param name="queryTerms">Terms as <see cref="LexicalQuery.Terms"/> gives them (lower case, no stop words).</param>
    /// <param name="documents">Each document's tokens from <see cref="LexicalTokenizer.Tokens"/>.</param>
    /// <returns>One score per document, in the order given.</returns>
    public static double[] Score(IReadOnlyList<string> queryTerms, IReadOnlyList<IReadOnlyList<string>> documents)
    {
        ArgumentNullException.ThrowIfNull(queryTerms);
        ArgumentNullException.ThrowIfNull(documents);
        var scores = new double[documents.Count];
        var phrases = Phrases(queryTerms);
        if (phrases.Count == 0 || documents.Count == 0) return scores;

        long totalTokens = 0;
        for (var d = 0; d < documents.Count; d++) totalTokens += documents[d].Count;
        if (totalTokens == 0) return scores;
        var averageLength = (double)totalTokens / documents.Count;

        // Phrase frequencies per document, then document frequencies per phrase: one pass over the tokens.
        var frequencies = ArrayPool<int>.Shared.Rent(documents.Count * phrases.Count);
        Span<int> hits = phrases.Count <= 64 ? stackalloc int[phrases.Count] : new int[phrases.Count];
        hits.Clear();
        try
        {
            for (var d = 0; d < documents.Count; d++)
            {
                var row = frequencies.AsSpan(d * phrases.Count, phrases.Count);
                Count(documents[d], phrases, row);
                for (var p = 0; p < row.Length; p++)
                    if (row[p] > 0) hits[p]++;
            }

            Span<double> idf = phrases.Count <= 64 ? stackalloc double[phrases.Count] : new double[phrases.Count];
            for (var p = 0; p < idf.Length; p++)
                idf[p] = Idf(documents.Count, hits[p]);

            for (var d = 0; d < documents.Count; d++)
            {
                var row = frequencies.AsSpan(d * phrases.Count, phrases.Count);
                var lengthNorm = K1 * (1 - B + B * documents[d].Count / averageLength);
                var score = 0.0;
                for (var p = 0; p < row.Length; p++)
                {
                    if (row[p] == 0) continue;
                    score += idf[p] * (row[p] * (K1 + 1) / (row[p] + lengthNorm));
                }
                scores[d] = score;
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(frequencies);
        }
        return scores;
    }

    /// <summary>FTS5's idf: negative values (a term in more than half the documents) become <see cref="MinIdf"/>.</summary>
    public static double Idf(int documentCount, int documentsWithTerm)
    {
        var idf = Math.Log((documentCount - documentsWithTerm + 0.5) / (documentsWithTerm + 0.5));
        return idf <= 0 ? MinIdf : idf;
    }

    private static List<string[]> Phrases(IReadOnlyList<string> queryTerms)
    {
        var phrases = new List<string[]>(queryTerms.Count);
        foreach (var term in queryTerms)
        {
            var tokens = LexicalTokenizer.Tokens(term);
            // A term with no token (punctuation only) can match nothing, so it adds nothing to any score.
            if (tokens.Count > 0) phrases.Add([.. tokens]);
        }
        return phrases;
    }

    /// <summary>Occurrences of each phrase in the document; a phrase of several tokens must appear contiguously.</summary>
    private static void Count(IReadOnlyList<string> document, List<string[]> phrases, Span<int> row)
    {
        row.Clear();
        // Documents come as arrays from DocumentTokens; indexing one through the interface cost more than the comparing.
        var tokens = document as string[] ?? [.. document];
        for (var t = 0; t < tokens.Length; t++)
        {
            var token = tokens[t];
            for (var p = 0; p < phrases.Count; p++)
            {
                var phrase = phrases[p];
                if (!string.Equals(token, phrase[0], StringComparison.Ordinal)) continue;
                if (phrase.Length == 1 || FollowsAt(tokens, t, phrase)) row[p]++;
            }
        }
    }

    private static bool FollowsAt(string[] tokens, int start, string[] phrase)
    {
        if (start + phrase.Length > tokens.Length) return false;
        for (var i = 1; i < phrase.Length; i++)
            if (!string.Equals(tokens[start + i], phrase[i], StringComparison.Ordinal)) return false;
        return true;
    }
}
