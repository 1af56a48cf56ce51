using System.Text;

namespace AgentDesk.Core.Summaries;

/// <summary>
/// The one text form of a <see cref="StructuredSummary"/>: what is stored as the summary memory, shown on the desk
/// and counted against the 300-word limit. The layout is fixed because the validator checks it:
/// <code>
/// HANDOFF SUMMARY [HIGH]: escalation 3 of the case (2 earlier handoffs).
/// - Goal: …
/// - Situation: …
/// - Tried: action → outcome; action → outcome
/// - Commitments: what (by who, due when); …
/// - Sentiment: label — evidence
/// - Action: …
/// - Chain:
///   1. bot → tier1: reason — established
///   2. tier1 → tier2: reason — established
/// </code>
/// Empty lists render as "none recorded" (Tried, Commitments) and "none" (Chain); every field is put on one line.
/// </summary>
public static class SummaryRenderer
{
    public static string Render(StructuredSummary summary)
    {
        var chain = summary.HandoffChain ?? [];
        var text = new StringBuilder()
            .Append($"HANDOFF SUMMARY [{summary.Urgency.ToWire().ToUpperInvariant()}]: {EscalationPhrase(chain.Count)}.\n")
            .Append($"- Goal: {SummaryText.Clean(summary.UserGoal)}\n")
            .Append($"- Situation: {SummaryText.Clean(summary.Situation)}\n")
            .Append($"- Tried: {ListOrNone((summary.Tried ?? []).Select(Step))}\n")
            .Append($"- Commitments: {ListOrNone((summary.Commitments ?? []).Select(c => c is null ? "" : Promise(c)))}\n")
            .Append($"- Sentiment: {Mood(summary.Sentiment)}\n")
            .Append($"- Action: {SummaryText.Clean(summary.RecommendedAction)}\n")
            .Append(chain.Count == 0 ? "- Chain: none" : "- Chain:");
        for (var i = 0; i < chain.Count; i++) text.Append($"\n  {i + 1}. {Leg(chain[i])}");
        return text.ToString();
    }

    /// <summary>
    /// Which escalation this is, given the earlier handoffs of the case: "escalation 1 of the case (no earlier
    /// handoffs)", "escalation 2 of the case (1 earlier handoff)", "escalation 3 of the case (2 earlier handoffs)".
    /// </summary>
    public static string EscalationPhrase(int earlierHandoffs) => earlierHandoffs switch
    {
        0 => "escalation 1 of the case (no earlier handoffs)",
        1 => "escalation 2 of the case (1 earlier handoff)",
        var n => $"escalation {n + 1} of the case ({n} earlier handoffs)",
    };

    /// <summary>Whitespace-separated words, the unit of the 300-word limit.</summary>
    public static int WordCount(string text) => SummaryText.Words(text).Length;

    private static string ListOrNone(IEnumerable<string> items)
    {
        var joined = string.Join("; ", items.Where(item => item.Length > 0));
        return joined.Length == 0 ? "none recorded" : joined;
    }

    private static string Step(TriedStep? step) =>
        Joined(SummaryText.Clean(step?.Action), " → ", SummaryText.Clean(step?.Outcome));

    /// <summary>"what (by who, due when)", the form a commitment takes in the text and in re-ask messages.</summary>
    internal static string Promise(Commitment commitment)
    {
        var who = SummaryText.Clean(commitment.By);
        var due = SummaryText.Clean(commitment.Due);
        var detail = Joined(who.Length == 0 ? "" : $"by {who}", ", ", due.Length == 0 ? "" : $"due {due}");
        return Joined(SummaryText.Clean(commitment.What), " ", detail.Length == 0 ? "" : $"({detail})");
    }

    private static string Mood(SentimentReading? sentiment) =>
        Joined(SummaryText.Clean(sentiment?.Label), " — ", SummaryText.Clean(sentiment?.Evidence));

    private static string Leg(ChainEntry? leg) =>
        Joined(
            Joined($"{SummaryText.Clean(leg?.From)} → {SummaryText.Clean(leg?.To)}", ": ", SummaryText.Clean(leg?.Reason)),
            " — ",
            SummaryText.Clean(leg?.Established));

    /// <summary>The two parts with the separator between them, or whichever part is not empty.</summary>
    private static string Joined(string first, string separator, string second) =>
        first.Length == 0 ? second : second.Length == 0 ? first : first + separator + second;
}
