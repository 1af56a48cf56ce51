using AgentDesk.Core.Recall.Lexical;

namespace AgentDesk.Core.Tests.Recall.Lexical;

public sealed class LexicalTokenizerTests
{
    [Fact]
    public void Tokens_Sentence_CaseFoldedAndStemmedInOrder() =>
        Assert.Equal(["the", "custom", "want", "a", "refund", "for", "2", "invoic"],
            LexicalTokenizer.Tokens("The customer WANTS a refund for 2 invoices."));

    [Theory]
    [InlineData("Café RÉSUMÉS naïve", new[] { "cafe", "resum", "naiv" })]
    [InlineData("Ærøskøbing ǖber Ångström", new[] { "ærøskøbing", "uber", "angstrom" })]
    [InlineData("cafe\u0301 nin\u0303o", new[] { "cafe", "nino" })]
    [InlineData("straße ſtop", new[] { "straß", "stop" })]
    public void Tokens_Diacritics_RemovedAsFts5RemovesThem(string text, string[] expected) =>
        Assert.Equal(expected, LexicalTokenizer.Tokens(text));

    [Theory]
    [InlineData("e-mail: refund@acme.com", new[] { "e", "mail", "refund", "acm", "com" })]
    [InlineData("order #A-1234/b", new[] { "order", "a", "1234", "b" })]
    [InlineData("it's €20 😀 ok", new[] { "it", "s", "20", "ok" })]
    [InlineData("東京 Москва Ελλάδα", new[] { "東京", "москва", "ελλάδα" })]
    public void Tokens_NonLetters_Separate(string text, string[] expected) =>
        Assert.Equal(expected, LexicalTokenizer.Tokens(text));

    [Fact]
    public void Tokens_CombiningAccentAtStart_DoesNotStartAToken() =>
        Assert.Equal(["a"], LexicalTokenizer.Tokens("\u0301 a"));

    [Theory]
    [InlineData("")]
    [InlineData("  \t\r\n ...!?")]
    [InlineData("\0\u0001\u001f\u007f")]
    public void Tokens_NoWords_IsEmpty(string text) =>
        Assert.Empty(LexicalTokenizer.Tokens(text));

    [Fact]
    public void Tokens_LoneSurrogatesAndControlCharacters_SeparateWithoutThrowing() =>
        Assert.Equal(["ab", "cd", "ef", "gh"], LexicalTokenizer.Tokens("ab\ud800cd\udc00ef\u0007gh"));

    [Fact]
    public void Tokens_TenThousandCharacterWord_IsOneUnstemmedToken()
    {
        var word = new string('x', 9_997) + "ing";
        var tokens = LexicalTokenizer.Tokens("A " + word.ToUpperInvariant() + " b");
        Assert.Equal(["a", word, "b"], tokens);
    }

    [Fact]
    public void Tokens_EveryBmpCodePoint_NeverThrows()
    {
        var text = string.Concat(Enumerable.Range(0, 0x10000).Select(c => (char)c));
        Assert.NotEmpty(LexicalTokenizer.Tokens(text));
    }
}
