using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall.Lexical;

namespace AgentDesk.Core.Tests.Recall.Lexical;

public class DocumentTokensTests
{
    [Fact]
    public void Of_SameSeqAndContent_ReturnsTheKeptIds()
    {
        var vocabulary = new TokenVocabulary();
        var first = vocabulary.Of(1, "Routers rebooted twice");
        Assert.Equal(vocabulary.Ids(LexicalTokenizer.Tokens("Routers rebooted twice")), first);
        Assert.Equal(3, first.Distinct().Count());
        Assert.Same(first, vocabulary.Of(1, "Routers rebooted twice"));
    }

    [Fact]
    public void Of_ContentChanged_TokenisesAfresh()
    {
        var vocabulary = new TokenVocabulary();
        var before = vocabulary.Of(1, "router rebooted");
        var after = vocabulary.Of(1, "invoice refunded");
        Assert.Equal(vocabulary.Ids(LexicalTokenizer.Tokens("invoice refunded")), after);
        Assert.Empty(before.Intersect(after));
    }

    [Fact]
    public void Ids_TheSameStemInDifferentDocuments_IsOneId()
    {
        var vocabulary = new TokenVocabulary();
        var a = vocabulary.Of(1, "refund requested");
        var b = vocabulary.Of(2, "the refunds");
        Assert.Equal(a[0], b[^1]);
        Assert.NotEqual(a[0], a[1]);
    }

    [Fact]
    public void Of_Row_KeepsTheIdsOnTheRowUntilItsContentOrTheVocabularyChanges()
    {
        var vocabulary = new TokenVocabulary();
        var row = new MemoryRow { Seq = 7, Content = "Modem replaced" };
        var kept = vocabulary.Of(row);
        Assert.Same(kept, row.Tokens!.Ids);
        Assert.Same(kept, vocabulary.Of(row));

        row.Content = "Invoice sent";
        Assert.Equal(vocabulary.Ids(LexicalTokenizer.Tokens("Invoice sent")), vocabulary.Of(row));

        var other = new TokenVocabulary();
        var there = other.Of(row);
        Assert.Same(other, row.Tokens!.Vocabulary);
        Assert.Equal(other.Ids(LexicalTokenizer.Tokens("Invoice sent")), there);
    }

    [Fact]
    public void Of_RowReadAgain_KeepsItsOwnContentWithTheIdsOfTheSeq()
    {
        var vocabulary = new TokenVocabulary();
        var first = new MemoryRow { Seq = 7, Content = string.Concat("Modem ", "replaced") };
        var again = new MemoryRow { Seq = 7, Content = string.Concat("Modem ", "replaced") };
        Assert.NotSame(first.Content, again.Content);

        var ids = vocabulary.Of(first);
        Assert.Same(ids, vocabulary.Of(again));
        // Held with the row's own string, the next recall finds them by reference, without comparing the content.
        Assert.Same(again.Content, again.Tokens!.Content);
        Assert.Same(ids, again.Tokens.Ids);
    }

    [Fact]
    public void Phrases_LeaveOutTermsWithoutTokensOrWithTokensNoDocumentHas()
    {
        var vocabulary = new TokenVocabulary();
        var document = vocabulary.Of(1, "The router rebooted after the firmware update");

        var phrases = vocabulary.Phrases(["routers", "...", "invoice", "firmware update", "update invoice"]);

        Assert.Equal(2, phrases.Count);
        Assert.Equal([document[1]], phrases[0]);
        Assert.Equal([document[5], document[6]], phrases[1]);
    }

    [Fact]
    public void Current_OverCapacity_StartsANewVocabularyAndTheOldStaysConsistent()
    {
        var tokens = new DocumentTokens(capacity: 2);
        var old = tokens.Current;
        var router = old.Of(1, "router");
        old.Of(2, "modem");
        Assert.Same(old, tokens.Current);
        old.Of(3, "cable");

        var fresh = tokens.Current;
        Assert.NotSame(old, fresh);
        Assert.Same(fresh, tokens.Current);
        Assert.Equal(0, fresh.Documents);
        // A scoring that began with the old vocabulary finishes with it.
        Assert.Same(router, old.Of(1, "router"));
        Assert.Equal(router, old.Phrases(["router"])[0]);
    }

    [Fact]
    public void Of_SameMemoryChangedOften_DoesNotFillTheVocabulary()
    {
        var tokens = new DocumentTokens(capacity: 2);
        var vocabulary = tokens.Current;
        var kept = vocabulary.Of(1, "router");
        for (var i = 0; i < 5; i++) vocabulary.Of(2, $"modem {i}");

        Assert.Same(vocabulary, tokens.Current);
        Assert.Same(kept, vocabulary.Of(1, "router"));
    }

    [Fact]
    public void DefaultCapacity_HoldsEveryRowRecallKeepsForSmallAgents() =>
        Assert.True(DocumentTokens.DefaultCapacity > AgentDesk.Core.Recall.AgentScopeCache.MaxRows);
}
