using AgentDesk.Core.Recall.Lexical;

namespace AgentDesk.Core.Tests.Recall.Lexical;

public class DocumentTokensTests
{
    [Fact]
    public void Of_SameSeqAndContent_ReturnsTheKeptTokens()
    {
        var tokens = new DocumentTokens();
        var first = tokens.Of(1, "Routers rebooted twice");
        Assert.Equal(LexicalTokenizer.Tokens("Routers rebooted twice"), first);
        Assert.Same(first, tokens.Of(1, "Routers rebooted twice"));
    }

    [Fact]
    public void Of_ContentChanged_TokenisesAfresh()
    {
        var tokens = new DocumentTokens();
        tokens.Of(1, "router rebooted");
        Assert.Equal(LexicalTokenizer.Tokens("invoice refunded"), tokens.Of(1, "invoice refunded"));
    }

    [Fact]
    public void Of_TokensOfDifferentDocuments_ShareOneString()
    {
        var tokens = new DocumentTokens();
        var a = tokens.Of(1, "refund requested");
        var b = tokens.Of(2, "the refund");
        Assert.Same(a[0], b[^1]);
    }

    [Fact]
    public void Of_OverCapacity_StartsAgainAndStaysCorrect()
    {
        var tokens = new DocumentTokens(capacity: 2);
        var kept = tokens.Of(1, "router");
        tokens.Of(2, "modem");
        tokens.Of(3, "cable");
        var again = tokens.Of(1, "router");
        Assert.NotSame(kept, again);
        Assert.Equal(kept, again);
    }

    [Fact]
    public void Of_SameMemoryChangedOften_DoesNotFillTheCache()
    {
        var tokens = new DocumentTokens(capacity: 2);
        var kept = tokens.Of(1, "router");
        for (var i = 0; i < 5; i++) tokens.Of(2, $"modem {i}");

        Assert.Same(kept, tokens.Of(1, "router"));
    }

    [Fact]
    public void DefaultCapacity_HoldsEveryRowRecallKeepsForSmallAgents() =>
        Assert.True(DocumentTokens.DefaultCapacity > AgentDesk.Core.Recall.AgentScopeCache.MaxRows);
}
