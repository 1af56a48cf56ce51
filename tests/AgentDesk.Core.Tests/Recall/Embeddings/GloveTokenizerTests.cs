using AgentDesk.Core.Recall.Embeddings;

namespace AgentDesk.Core.Tests.Recall.Embeddings;

public sealed class GloveTokenizerTests
{
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        Span<char> buffer = stackalloc char[GloveTokenizer.MaxWordChars];
        foreach (var word in new GloveTokenizer(text, buffer)) words.Add(word.ToString());
        return words;
    }

    [Fact]
    public void Words_Sentence_LowercasesAndDropsPunctuation() =>
        Assert.Equal(["hello", "world", "it", "costs", "12", "dollars"], Words("Hello, WORLD! It costs $12 (dollars)..."));

    [Theory]
    [InlineData("I don't know", new[] { "i", "do", "not", "know" })]
    [InlineData("we can't, won't, shan't", new[] { "we", "can", "not", "will", "not", "shall", "not" })]
    [InlineData("it isn’t", new[] { "it", "is", "not" })]
    [InlineData("we'll they've you're I'm she'd", new[] { "we", "will", "they", "have", "you", "are", "i", "am", "she", "would" })]
    [InlineData("the customer's card, it's", new[] { "the", "customer", "card", "it" })]
    [InlineData("five o'clock", new[] { "five", "o", "clock" })]
    public void Words_Contractions_ExpandIntoWordsGloveHas(string text, string[] expected) =>
        Assert.Equal(expected, Words(text));

    [Theory]
    [InlineData("send an e-mail", new[] { "send", "an", "e-mail" })]
    [InlineData("-dash- well--known", new[] { "dash", "well", "known" })]
    [InlineData("'quoted' rock'", new[] { "quoted", "rock" })]
    public void Words_HyphensAndApostrophes_JoinOnlyBetweenLettersOrDigits(string text, string[] expected) =>
        Assert.Equal(expected, Words(text));

    [Fact]
    public void Words_AccentedLatinLetters_FoldToAscii() =>
        Assert.Equal(["cafe", "naive", "resume", "senor", "æon"], Words("Café naïve RÉSUMÉ señor Æon"));

    [Fact]
    public void Words_LongerThanAnyGloveWord_AreSkipped() =>
        Assert.Equal(["short", "end"], Words($"short {new string('x', GloveTokenizer.MaxWordChars + 1)} end"));

    [Theory]
    [InlineData("")]
    [InlineData("  ... !!! -- '' ")]
    public void Words_NoLettersOrDigits_IsEmpty(string text) => Assert.Empty(Words(text));
}
