using System.Text.Json;
using AgentDesk.Core.Summaries;
using static AgentDesk.Core.Tests.Summaries.SummaryExamples;

namespace AgentDesk.Core.Tests.Summaries;

public sealed class SummaryRendererTests
{
    [Fact]
    public void Render_ChainOfThree_HasTheExactLayout()
    {
        var text = SummaryRenderer.Render(Valid(BotToTier1, Tier1ToTier2, Tier2ToManager));

        Assert.Equal(
            """
            HANDOFF SUMMARY [HIGH]: escalation 4 of the case (3 earlier handoffs).
            - Goal: Get a refund for a double charge
            - Situation: Charged twice for order 1234.
            - Tried: Reversed the second charge → bank rejected the reversal
            - Commitments: Call the customer back by 5pm (by tier1, due 17:00 today)
            - Sentiment: frustrated — This is the third time I explain this.
            - Action: Call the bank and confirm the refund.
            - Chain:
              1. bot → tier1: refund over bot limit — identity verified
              2. tier1 → tier2: card reader fault — reset did not help
              3. tier2 → manager: customer asked for a manager — replacement approved
            """, text);
    }

    [Fact]
    public void Render_NoChainAndEmptyLists_SaysSoOnEachLine()
    {
        var summary = Valid() with { Tried = [], Commitments = [], Urgency = Urgency.Low };

        var text = SummaryRenderer.Render(summary);

        Assert.StartsWith("HANDOFF SUMMARY [LOW]: escalation 1 of the case (no earlier handoffs).\n", text);
        Assert.Contains("\n- Tried: none recorded\n", text);
        Assert.Contains("\n- Commitments: none recorded\n", text);
        Assert.EndsWith("\n- Chain: none", text);
    }

    [Theory]
    [InlineData(0, "escalation 1 of the case (no earlier handoffs)")]
    [InlineData(1, "escalation 2 of the case (1 earlier handoff)")]
    [InlineData(2, "escalation 3 of the case (2 earlier handoffs)")]
    [InlineData(10, "escalation 11 of the case (10 earlier handoffs)")]
    public void EscalationPhrase_CountsThisHandoffAfterTheEarlierOnes(int earlier, string expected)
    {
        Assert.Equal(expected, SummaryRenderer.EscalationPhrase(earlier));
    }

    [Fact]
    public void Render_OptionalPartsMissing_LeavesNoDanglingSeparators()
    {
        var summary = Valid(new ChainEntry("bot", "tier1", "", "")) with
        {
            Tried = [new("Restarted the router", "")],
            Commitments = [new("Send a new card", "", null), new("Email the receipt", "", "Friday")],
            Sentiment = new("neutral", " "),
        };

        var text = SummaryRenderer.Render(summary);

        Assert.Contains("\n- Tried: Restarted the router\n", text);
        Assert.Contains("\n- Commitments: Send a new card; Email the receipt (due Friday)\n", text);
        Assert.Contains("\n- Sentiment: neutral\n", text);
        Assert.EndsWith("\n  1. bot → tier1", text);
    }

    [Fact]
    public void Render_LineBreaksInsideFields_StayOnOneLine()
    {
        var summary = Valid() with { Situation = "Charged twice.\n\nStill   waiting." };

        Assert.Contains("\n- Situation: Charged twice. Still waiting.\n", SummaryRenderer.Render(summary));
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("   \n\t ", 0)]
    [InlineData("one", 1)]
    [InlineData(" bot → tier1:\n  reason ", 4)]
    public void WordCount_CountsWhitespaceSeparatedTokens(string text, int expected)
    {
        Assert.Equal(expected, SummaryRenderer.WordCount(text));
    }

    [Fact]
    public void Json_SnakeCase_HasTheApiShapeAndRoundTrips()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var summary = Valid(BotToTier1);

        var json = JsonSerializer.Serialize(summary, options);
        var back = JsonSerializer.Deserialize<StructuredSummary>(json, options)!;

        Assert.Contains("\"user_goal\":", json);
        Assert.Contains("\"tried\":[{\"action\":\"Reversed the second charge\",\"outcome\":", json);
        Assert.Contains("\"commitments\":[{\"what\":", json);
        Assert.Contains("\"sentiment\":{\"label\":\"frustrated\",\"evidence\":", json);
        Assert.Contains("\"urgency\":\"high\"", json);
        Assert.Contains("\"recommended_action\":", json);
        Assert.Contains("\"handoff_chain\":[{\"from\":\"bot\",\"to\":\"tier1\",\"reason\":", json);
        Assert.Equal(SummaryRenderer.Render(summary), SummaryRenderer.Render(back));
    }
}
