using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Handoffs;

/// <summary>A handoff as a queue shows it: who, how urgent, why, where, the customer's mood, the chain depth and a one-line gist.</summary>
public sealed record HandoffCard(
    string HandoffId, string Status, string Queue, string? TargetQueue, string? TargetAgent, string? CustomerId, Urgency Urgency, string Reason,
    string? Channel, string Sentiment, int ChainDepth, string Gist, long? QueuedAt, string? ClaimedBy, string? NextId)
{
    public const int GistWords = 16;

    public static HandoffCard From(Handoff h) => new(
        h.Id, h.Status, h.QueueKey, h.TargetQueue, h.TargetAgent, h.CustomerId, h.Urgency, h.Reason, h.Channel,
        h.Summary.Sentiment?.Label ?? "", h.ChainDepth, SummaryText.Truncate(h.Summary.UserGoal, GistWords), h.QueuedAt, h.ClaimedBy, h.NextId);
}
