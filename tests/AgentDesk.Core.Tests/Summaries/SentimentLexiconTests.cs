using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Summaries;

public sealed class SentimentLexiconTests
{
    [Theory]
    [InlineData("This is unacceptable. I want my money back!", "angry", "This is unacceptable.")]
    [InlineData("Order came late. I'm fed up with this.", "frustrated", "I'm fed up with this.")]
    [InlineData("She is worried the card was stolen.", "anxious", "She is worried the card was stolen.")]
    [InlineData("I don't understand the bill.", "confused", "I don't understand the bill.")]
    [InlineData("Thanks, that worked!", "satisfied", "Thanks, that worked!")]
    [InlineData("I am not happy with this.", "frustrated", "I am not happy with this.")]
    public void Read_NamesTheMoodAndQuotesItsSentence(string text, string label, string evidence)
    {
        Assert.Equal(new SentimentReading(label, evidence), SentimentLexicon.Read(text));
    }

    [Fact]
    public void Read_MorePressingMoodWins_WhereverItIs()
    {
        var reading = SentimentLexicon.Read("Thanks for trying. But I am furious about the fees.");

        Assert.Equal("angry", reading?.Label);
        Assert.Equal("But I am furious about the fees.", reading?.Evidence);
    }

    [Theory]
    [InlineData("I'm not worried about it.")]
    [InlineData("The order number is 1234.")]
    [InlineData("")]
    public void Read_NoCueOrANegatedOne_ReturnsNull(string text)
    {
        Assert.Null(SentimentLexicon.Read(text));
    }
}
