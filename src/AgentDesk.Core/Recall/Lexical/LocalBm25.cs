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
        var vocabulary = new TokenVocabulary();
        var ids = documents.Select(vocabulary.Ids).ToList();
        return Score(vocabulary.Phrases(queryTerms), ids);
    }

    /// <param name="phrases">The query's phrases from <see cref="TokenVocabulary.Phrases"/>.</param>
    /// <param name="documents">Each document's token ids in the same vocabulary.</param>
    /// <returns>One score per document, in the order given.</returns>
    public static double[] Score(IReadOnlyList<int[]> phrases, IReadOnlyList<int[]> documents)
    {
        ArgumentNullException.ThrowIfNull(phrases);
        ArgumentNullException.ThrowIfNull(documents);
        var scores = new double[documents.Count];
        if (phrases.Count == 0 || documents.Count == 0) return scores;
        // Indexed through the interface once per token and phrase, a list cost more than the comparing.
        var phraseIds = phrases as int[][] ?? [.. phrases];

        long totalTokens = 0;
        for (var d = 0; d < documents.Count; d++) totalTokens += documents[d].Length;
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
                Count(documents[d], phraseIds, row);
                for (var p = 0; p < row.Length; p++)
                    if (row[p] > 0) hits[p]++;
            }

            Span<double> idf = phrases.Count <= 64 ? stackalloc double[phrases.Count] : new double[phrases.Count];
            for (var p = 0; p < idf.Length; p++)
                idf[p] = Idf(documents.Count, hits[p]);

            for (var d = 0; d < documents.Count; d++)
            {
                var row = frequencies.AsSpan(d * phrases.Count, phrases.Count);
                var lengthNorm = K1 * (1 - B + B * documents[d].Length / averageLength);
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

    /// <summary>Occurrences of each phrase in the document; a phrase of several tokens must appear contiguously.</summary>
    private static void Count(int[] tokens, int[][] phrases, Span<int> row)
    {
        row.Clear();
        for (var t = 0; t < tokens.Length; t++)
        {
            var token = tokens[t];
            for (var p = 0; p < row.Length; p++)
            {
                var phrase = phrases[p];
                if (token != phrase[0]) continue;
                if (phrase.Length == 1 || tokens.AsSpan(t).StartsWith(phrase)) row[p]++;
            }
        }
    }
}
