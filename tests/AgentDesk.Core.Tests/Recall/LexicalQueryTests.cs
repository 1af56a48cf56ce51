using AgentDesk.Core.Recall;

namespace AgentDesk.Core.Tests.Recall;

public sealed class LexicalQueryTests
{
    [Fact]
    public void Terms_PlainQuestion_LowercasesAndDropsStopWords() =>
        Assert.Equal(["billing", "dispute", "user", "jan", "15"], LexicalQuery.Terms("What is the billing dispute of the user on Jan 15?"));

    [Theory]
    [InlineData("\"quoted\" AND NEAR(x y) OR col:val*", new[] { "quoted", "near", "x", "y", "col", "val" })]
    [InlineData("'; DROP TABLE memories; --", new[] { "drop", "table", "memories" })]
    [InlineData("^start -minus +plus", new[] { "start", "minus", "plus" })]
    public void Terms_QuerySyntax_KeepsOnlyWords(string query, string[] expected) =>
        Assert.Equal(expected, LexicalQuery.Terms(query));

    [Fact]
    public void Terms_RepeatedWords_AppearOnce() =>
        Assert.Equal(["refund"], LexicalQuery.Terms("refund REFUND Refund"));

    [Fact]
    public void Terms_OnlyStopWordsAndPunctuation_IsEmpty() =>
        Assert.Empty(LexicalQuery.Terms("what is the ... ?!"));

    [Fact]
    public void Terms_AccentsAndOtherScripts_AreWords() =>
        Assert.Equal(["café", "müller", "東京"], LexicalQuery.Terms("café Müller 東京"));

    [Fact]
    public void Terms_VeryLongQuery_IsBounded()
    {
        var query = string.Join(' ', Enumerable.Range(0, 500).Select(i => $"word{i}"));
        Assert.Equal(LexicalQuery.MaxTerms, LexicalQuery.Terms(query).Count);
    }
}
