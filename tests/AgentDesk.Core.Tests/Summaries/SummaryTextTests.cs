using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Summaries;

public sealed class SummaryTextTests
{
    [Theory]
    [InlineData("one two three", 3, "one two three")]
    [InlineData("one  two\nthree", 5, "one two three")]
    [InlineData("one two three four", 2, "one two…")]
    [InlineData("one two, three four", 2, "one two…")]
    [InlineData("It broke. Then it broke again today.", 6, "It broke. Then it broke again…")]
    [InlineData("We reset it twice. Then the router failed again today.", 6, "We reset it twice…")]
    [InlineData("one two three", 0, "")]
    [InlineData("", 4, "")]
    public void Truncate_CutsAtSentenceOrWordWithAnEllipsis(string text, int maxWords, string expected)
    {
        Assert.Equal(expected, SummaryText.Truncate(text, maxWords));
    }

    [Fact]
    public void Truncate_SentenceEndTooEarly_CutsAtTheWordLimitInstead()
    {
        Assert.Equal("No. one two three four five…", SummaryText.Truncate("No. one two three four five six seven", 6));
    }

    [Fact]
    public void Truncate_NeverExceedsTheLimit()
    {
        var text = string.Join(' ', Enumerable.Range(0, 500).Select(i => i % 7 == 0 ? $"w{i}." : $"w{i}"));
        for (var max = 1; max < 60; max++)
        {
            var cut = SummaryText.Truncate(text, max);
            Assert.InRange(SummaryRenderer.WordCount(cut), 1, max);
            Assert.EndsWith("…", cut);
        }
    }

    [Theory]
    [InlineData("I'll call back!", "i ll call back")]
    [InlineData("  Refund   (£20) ", "refund 20")]
    public void Normalise_KeepsLowerCaseLettersAndDigits(string text, string expected)
    {
        Assert.Equal(expected, SummaryText.Normalise(text));
    }

    [Theory]
    [InlineData("Please call back by 5pm", "CALL BACK", true)]
    [InlineData("recall the order", "call", false)]
    [InlineData("anything", " ", true)]
    public void ContainsPhrase_MatchesWholeWordsOnly(string text, string part, bool expected)
    {
        Assert.Equal(expected, SummaryText.ContainsPhrase(text, part));
    }
}
