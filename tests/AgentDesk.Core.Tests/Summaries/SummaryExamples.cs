using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Summaries;

/// <summary>The bot → tier 1 → tier 2 → manager case the product brief describes, shared by the summary tests.</summary>
internal static class SummaryExamples
{
    public static readonly ChainEntry BotToTier1 = new("bot", "tier1", "refund over bot limit", "identity verified");
    public static readonly ChainEntry Tier1ToTier2 = new("tier1", "tier2", "card reader fault", "reset did not help");
    public static readonly ChainEntry Tier2ToManager = new("tier2", "manager", "customer asked for a manager", "replacement approved");

    public static readonly Commitment CallBack = new("Call the customer back by 5pm", "tier1", "17:00 today");

    public static StructuredSummary Valid(params ChainEntry[] chain) => new(
        UserGoal: "Get a refund for a double charge",
        Situation: "Charged twice for order 1234.",
        Tried: [new("Reversed the second charge", "bank rejected the reversal")],
        Commitments: [CallBack],
        Sentiment: new("frustrated", "This is the third time I explain this."),
        Urgency: Urgency.High,
        RecommendedAction: "Call the bank and confirm the refund.",
        HandoffChain: chain);

    public static SummaryExpectations Expect(params ChainEntry[] chain) => new(chain, [CallBack]);
}
