using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Handoffs;

public sealed class OpeningLineTests
{
    private static Handoff With(string mood, int depth = 0, string goal = "Get the duplicate charge refunded") =>
        HandoffExamples.Record(depth: depth) is var h ? h with { Summary = h.Summary with { UserGoal = goal, Sentiment = new SentimentReading(mood, "said so") } } : null!;

    [Fact]
    public void For_FirstHandoff_NamesTheAssistantTheGoalAndPromisesNoRepeating()
    {
        var line = OpeningLine.For(With("neutral"), "Maria Lopez");

        Assert.Equal("Hi, this is Maria. I can see you've been talking with our assistant about this — get the duplicate charge refunded — so you won't need to repeat anything.", line);
    }

    [Fact]
    public void For_LaterHandoff_SpeaksOfColleagues() =>
        Assert.Contains("talking with my colleagues", OpeningLine.For(With("neutral", depth: 2), "Sam"));

    [Theory]
    [InlineData("angry", "sorry this has gone on so long")]
    [InlineData("frustrated", "sorry you've had to wait")]
    [InlineData("anxious", "stay with this until it's sorted")]
    [InlineData("confused", "step by step")]
    public void For_Mood_AddsTheToneGuidance(string mood, string expected) =>
        Assert.Contains(expected, OpeningLine.For(With(mood), "Sam"));

    [Fact]
    public void For_LongGoal_IsCutShort() =>
        Assert.True(OpeningLine.For(With("neutral", goal: string.Join(' ', Enumerable.Repeat("word", 60))), "Sam").Split(' ').Length < 40);
}
