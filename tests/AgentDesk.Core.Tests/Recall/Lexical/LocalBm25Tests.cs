using AgentDesk.Core.Recall.Lexical;

namespace AgentDesk.Core.Tests.Recall.Lexical;

public sealed class LocalBm25Tests
{
    private const double Precision = 1e-9;

    // Tokens:  0 the custom ask for a refund (6)        1 refund issu refund confirm by bill (6)
    //          2 custom call about the invoic (5)        3 bill address chang (3)
    //          4 invoic sent again to the custom after the address chang (10)   5 ship delai (2)
    // N = 6, avgdl = 32 / 6.
    private static readonly IReadOnlyList<IReadOnlyList<string>> Corpus = Documents(
        "The customer asked for a refund",
        "Refund issued, refund confirmed by billing",
        "Customer called about the invoice",
        "Billing address changed",
        "Invoice sent again to the customer after the address change",
        "Shipping delayed");

    [Fact]
    public void Score_OneTerm_IsFts5Bm25ComputedByHand()
    {
        // idf(refund) = ln((6 - 2 + 0.5) / (2 + 0.5)) = ln 1.8; both holders have 6 tokens, so
        // K = 1.2 · (0.25 + 0.75 · 6 / (32/6)) = 1.3125 and score = idf · f · 2.2 / (f + K).
        var idf = Math.Log(1.8);
        var scores = LocalBm25.Score(["refund"], Corpus);

        Assert.Equal(idf * (1 * 2.2 / (1 + 1.3125)), scores[0], Precision);
        Assert.Equal(idf * (2 * 2.2 / (2 + 1.3125)), scores[1], Precision);
        Assert.Equal(0.559191637960935, scores[0], Precision);
        Assert.Equal(0.780758136020928, scores[1], Precision);
        Assert.Equal(new double[4], scores[2..]);
    }

    [Fact]
    public void Score_TwoTerms_AddTheirContributions()
    {
        var scores = LocalBm25.Score(["refund", "invoice"], Corpus);

        // idf(invoic) = ln 1.8 too; document 2 has 5 tokens (K = 1.14375), document 4 has 10 (K = 1.9875).
        Assert.Equal(0.559191637960935, scores[0], Precision);
        Assert.Equal(0.780758136020928, scores[1], Precision);
        Assert.Equal(Math.Log(1.8) * (2.2 / (1 + 1.14375)), scores[2], Precision);
        Assert.Equal(0.603209638616752, scores[2], Precision);
        Assert.Equal(0.432847083777293, scores[4], Precision);
        Assert.Equal(0.0, scores[3]);
        Assert.Equal(0.0, scores[5]);
    }

    [Fact]
    public void Score_QueryTerms_AreStemmedLikeDocuments()
    {
        var byInflection = LocalBm25.Score(["refunds", "invoices"], Corpus);
        Assert.Equal(LocalBm25.Score(["refund", "invoice"], Corpus), byInflection);
    }

    [Fact]
    public void Score_TermInHalfOrMoreOfDocuments_UsesFts5IdfFloor()
    {
        // "custom" is in 3 of 6 documents: ln(3.5 / 3.5) = 0, which FTS5 raises to 1e-6.
        Assert.Equal(LocalBm25.MinIdf, LocalBm25.Idf(6, 3));
        Assert.Equal(LocalBm25.MinIdf, LocalBm25.Idf(6, 6));

        var scores = LocalBm25.Score(["customer"], Corpus);
        Assert.Equal(1e-6 * (2.2 / (1 + 1.3125)), scores[0], 1e-18);
        Assert.Equal(0.000000951351351, scores[0], 1e-15);
        Assert.True(scores[2] > scores[0], "the shorter document ranks higher");
        Assert.Equal(0.0, scores[1]);
    }

    [Fact]
    public void Score_TermInEveryDocument_StillRanksPositively()
    {
        var scores = LocalBm25.Score(["refund"], Documents("refund", "refund refund", "refund please"));
        Assert.All(scores, s => Assert.True(s > 0));
        Assert.True(scores[1] > scores[0] && scores[0] > scores[2]);
    }

    [Fact]
    public void Score_TermFrequency_Saturates()
    {
        // Sixteen tokens each, term frequency 1, 2, 4, 8, 16, then ten documents without the term.
        var frequencies = new[] { 1, 2, 4, 8, 16 };
        var documents = frequencies
            .Select(tf => Enumerable.Repeat("refund", tf).Concat(Enumerable.Repeat("zzz", 16 - tf)).ToList())
            .Concat(Enumerable.Range(0, 10).Select(_ => Enumerable.Repeat("zzz", 16).ToList()))
            .ToList();

        var scores = LocalBm25.Score(["refund"], documents);

        // Each extra occurrence adds less than the one before, and no frequency passes idf · (k1 + 1).
        for (var i = 1; i < frequencies.Length; i++)
        {
            var gainPerOccurrence = (scores[i] - scores[i - 1]) / (frequencies[i] - frequencies[i - 1]);
            Assert.True(gainPerOccurrence > 0);
            if (i > 1)
                Assert.True(gainPerOccurrence < (scores[i - 1] - scores[i - 2]) / (frequencies[i - 1] - frequencies[i - 2]));
        }
        Assert.True(scores[4] < LocalBm25.Idf(15, 5) * (LocalBm25.K1 + 1));
    }

    [Fact]
    public void Score_LongerDocument_ScoresLowerForSameFrequency()
    {
        var scores = LocalBm25.Score(["refund"], Documents(
            "refund",
            "refund for the order",
            "refund for the order that the customer placed last spring",
            "other", "other", "other"));
        Assert.True(scores[0] > scores[1] && scores[1] > scores[2]);
    }

    [Fact]
    public void Score_EmptyQuery_AllZero()
    {
        Assert.Equal(new double[6], LocalBm25.Score([], Corpus));
        Assert.Equal(new double[6], LocalBm25.Score(["...", "!"], Corpus));
    }

    [Fact]
    public void Score_NoDocuments_IsEmpty() =>
        Assert.Empty(LocalBm25.Score(["refund"], []));

    [Fact]
    public void Score_OnlyEmptyDocuments_AllZero() =>
        Assert.Equal(new double[2], LocalBm25.Score(["refund"], [[], []]));

    [Fact]
    public void Score_TermOfSeveralTokens_MatchesAsAPhrase()
    {
        // "e-mail" is one query term but two tokens; like a quoted FTS5 phrase it needs them adjacent.
        var scores = LocalBm25.Score(["e-mail"], Documents("send an e-mail", "mail the e form", "e mail e mail", "x", "y"));
        Assert.True(scores[0] > 0);
        Assert.Equal(0.0, scores[1]);
        Assert.True(scores[2] > scores[0]);
    }

    private static IReadOnlyList<IReadOnlyList<string>> Documents(params string[] texts) =>
        [.. texts.Select(LexicalTokenizer.Tokens)];
}
