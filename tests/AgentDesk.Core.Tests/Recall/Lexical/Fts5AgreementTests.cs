using AgentDesk.Core.Recall;
using AgentDesk.Core.Recall.Lexical;
using AgentDesk.Core.Storage;
using Microsoft.Data.Sqlite;

namespace AgentDesk.Core.Tests.Recall.Lexical;

/// <summary>
/// The in-process lexical path against the real thing: an in-memory SQLite FTS5 table with the tokenizer
/// spec of the memories index (migration 0001), read back through fts5vocab and bm25().
/// </summary>
public sealed class Fts5AgreementTests : IDisposable
{
    private readonly SqliteDialect _dialect = new("Data Source=:memory:");
    private readonly SqliteConnection _connection;

    public Fts5AgreementTests()
    {
        _connection = (SqliteConnection)_dialect.CreateConnection();
        _connection.Open();
        Execute("""
            CREATE VIRTUAL TABLE docs USING fts5 (content, tokenize = 'porter unicode61 remove_diacritics 2');
            CREATE VIRTUAL TABLE docs_terms USING fts5vocab (docs, 'instance');
            """);
    }

    public void Dispose() => _connection.Dispose();

    // Latin, combining accents, Greek, Cyrillic, Latin Extended Additional, Greek Extended and punctuation, each code point
    // alone and inside a word. Left out: U+037F and U+0528–U+052F, assigned in Unicode 7.0, after SQLite's tables.
    public static TheoryData<int, int> CodePointRanges => new()
    {
        { 0x80, 0x36F }, { 0x370, 0x37E }, { 0x380, 0x527 }, { 0x1E00, 0x1FFF }, { 0x2000, 0x2065 }, { 0x206A, 0x206F },
    };

    [Theory]
    [MemberData(nameof(CodePointRanges))]
    public void Tokens_EachCodePoint_MatchFts5(int first, int last)
    {
        var texts = Enumerable.Range(first, last - first + 1)
            .SelectMany(c => new[] { char.ConvertFromUtf32(c), "a" + char.ConvertFromUtf32(c) + "b" })
            .ToList();
        AssertTokensMatchFts5(texts);
    }

    [Fact]
    public void Tokens_DeskSentences_MatchFts5() => AssertTokensMatchFts5(
    [
        "The customer called yesterday about a refund for invoice #4521; she was charged twice.",
        "Billing cancelled the subscription — résumé attached, naïve café owner, Ærøskøbing.",
        "Follow-ups: e-mail sent 2024-01-15 at 09:30, SMS bounced (+44 20 7946 0958).",
        "Généralisations, relational conditional hopping ponies caresses generalizations.",
        "Zoë's order shipped to São Paulo; tracking ID AB12-XY34; ETA Mon.",
    ]);

    [Fact]
    public void Score_FiftyDocuments_EqualsFts5Bm25()
    {
        var documents = DeskDocuments(50);
        for (var i = 0; i < documents.Count; i++)
            Execute("INSERT INTO docs (rowid, content) VALUES ($id, $content)", ("$id", i), ("$content", documents[i]));
        var tokens = documents.Select(LexicalTokenizer.Tokens).ToList();

        foreach (var query in new[] { "refund", "refunded invoice", "customer charged twice", "billing address changed", "cancel the subscription today", "shipping" })
        {
            var terms = LexicalQuery.Terms(query);
            var local = LocalBm25.Score(terms, tokens);
            var fts5 = Fts5Scores(terms, documents.Count);

            for (var i = 0; i < documents.Count; i++)
                Assert.True(Math.Abs(local[i] - fts5[i]) < 1e-9, $"'{query}', document {i}: local {local[i]}, FTS5 {fts5[i]}");
            Assert.Equal(Ranking(fts5), Ranking(local));
        }
    }

    private void AssertTokensMatchFts5(IReadOnlyList<string> texts)
    {
        Execute("DELETE FROM docs");
        for (var i = 0; i < texts.Count; i++)
            Execute("INSERT INTO docs (rowid, content) VALUES ($id, $content)", ("$id", i), ("$content", texts[i]));

        var indexed = texts.Select(_ => new List<string>()).ToList();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT doc, term FROM docs_terms ORDER BY doc, offset";
        using (var reader = command.ExecuteReader())
            while (reader.Read()) indexed[reader.GetInt32(0)].Add(reader.GetString(1));

        for (var i = 0; i < texts.Count; i++)
            Assert.True(indexed[i].SequenceEqual(LexicalTokenizer.Tokens(texts[i])),
                $"'{texts[i]}' (U+{(int)texts[i][0]:X4}…): FTS5 [{string.Join('|', indexed[i])}], local [{string.Join('|', LexicalTokenizer.Tokens(texts[i]))}]");
    }

    /// <summary>FTS5's bm25() negated, per document; 0 where the query does not match.</summary>
    private double[] Fts5Scores(IReadOnlyList<string> terms, int documentCount)
    {
        var scores = new double[documentCount];
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT rowid, -bm25(docs) FROM docs WHERE docs MATCH $match";
        command.Parameters.AddWithValue("$match", _dialect.LexicalMatchExpression(terms));
        using var reader = command.ExecuteReader();
        while (reader.Read()) scores[reader.GetInt32(0)] = reader.GetDouble(1);
        return scores;
    }

    /// <summary>Matching documents best first, ties by position: the order a recall would list them.</summary>
    private static int[] Ranking(double[] scores) =>
        [.. Enumerable.Range(0, scores.Length).Where(i => scores[i] > 0).OrderByDescending(i => scores[i]).ThenBy(i => i)];

    /// <summary>Deterministic contact-centre sentences of 4 to 30 words with inflected, repeated and rare words.</summary>
    private static List<string> DeskDocuments(int count)
    {
        string[] words =
        [
            "refund", "refunds", "refunded", "invoice", "invoices", "customer", "customers", "charged", "charge",
            "twice", "billing", "address", "changed", "change", "subscription", "cancelled", "cancel", "shipping",
            "shipped", "delayed", "the", "a", "about", "called", "today", "yesterday", "order", "payment", "card",
            "declined", "agent", "escalated", "manager", "promised", "call", "back", "tracking", "number", "café",
            "résumé",
        ];
        var random = new Random(20261121);
        return [.. Enumerable.Range(0, count).Select(_ =>
            string.Join(' ', Enumerable.Range(0, random.Next(4, 31)).Select(_ => words[(int)(Math.Pow(random.NextDouble(), 1.6) * words.Length)])))];
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }
}
