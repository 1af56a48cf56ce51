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

        Assert.Equal("Hi, this is Maria. I can see you've been talking with our assistant about your request: \"Get the duplicate charge refunded\" — so you won't need to repeat anything.", line);
    }

    [Theory]
    [InlineData("Customer wants a refund of the duplicate charge", "about this — you want a refund of the duplicate charge")]
    [InlineData("Customer Dana Ortiz wants a refund", "about this — you want a refund")]
    [InlineData("The customer needs the router replaced", "about this — you need the router replaced")]
    public void For_GoalAboutTheCustomer_IsSaidToThem(string goal, string expected) =>
        Assert.Contains(expected, OpeningLine.For(With("neutral", goal: goal), "Sam"));

    [Fact]
    public void For_GoalTheSummaryCouldNotFind_IsNotReadAloud()
    {
        var line = OpeningLine.For(With("neutral", goal: "Not recorded: confirm the customer's goal."), "Sam");

        Assert.DoesNotContain("Not recorded", line);
        Assert.StartsWith("Hi, this is Sam. I can see you've been talking with our assistant — so you won't", line);
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
