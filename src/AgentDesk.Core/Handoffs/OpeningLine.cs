using System.Text.RegularExpressions;
using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Handoffs;

/// <summary>
/// The first thing the receiving agent says: it names who the customer spoke to and what they want (so they need
/// not explain again), and meets their mood with the summary's tone. Goals are written about the customer
/// ("Customer wants a refund…"); the common forms are turned to address them ("you want a refund…"), anything else
/// is quoted as their request, and a goal the summary could not find is left out rather than read aloud.
/// </summary>
public static partial class OpeningLine
{
    public const int GoalWords = 14;

    public static string For(Handoff handoff, string agentName)
    {
        var firstName = agentName.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? agentName;
        var previous = handoff.ChainDepth == 0 ? "our assistant" : "my colleagues";
        var mood = (handoff.Summary.Sentiment?.Label ?? "").ToLowerInvariant() switch
        {
            var m when m.Contains("angry") => " I'm sorry this has gone on so long — it shouldn't have.",
            var m when m.Contains("frustrat") => " I'm sorry you've had to wait and be passed along.",
            var m when m.Contains("anxious") || m.Contains("worried") => " I'll stay with this until it's sorted.",
            var m when m.Contains("confus") => " I'll take you through it step by step.",
            _ => "",
        };
        var about = Addressed(SummaryText.Truncate(handoff.Summary.UserGoal, GoalWords).TrimEnd('.', '…'));
        return $"Hi, this is {firstName}. I can see you've been talking with {previous}{about} — so you won't need to repeat anything.{mood}";
    }

    /// <summary>" about this — you want a refund…", " about your request: …", or nothing for a placeholder goal.</summary>
    private static string Addressed(string goal)
    {
        if (goal.Length == 0 || goal.StartsWith("Not recorded", StringComparison.OrdinalIgnoreCase)) return "";
        var match = AboutTheCustomer().Match(goal);
        if (!match.Success) return $" about your request: \"{goal}\"";
        var verb = match.Groups["verb"].Value.ToLowerInvariant() switch
        {
            "wants" => "want",
            "needs" => "need",
            "asks" => "asked",
            "is" => "are",
            "has" => "have",
            "would like" => "would like",
            var other => other,
        };
        return $" about this — you {verb} {goal[match.Length..]}";
    }

    [GeneratedRegex(@"^(?:the\s+)?customer(?:\s+[A-Z][\w'-]*){0,2}\s+(?<verb>wants|needs|asks|is|has|would like)\s+", RegexOptions.IgnoreCase)]
    private static partial Regex AboutTheCustomer();
}
