using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Handoffs;

/// <summary>
/// The first thing the receiving agent says: it names who the customer spoke to and what they want (so they need
/// not explain again), and meets their mood with the summary's tone.
/// </summary>
public static class OpeningLine
{
    public const int GoalWords = 14;

    public static string For(Handoff handoff, string agentName)
    {
        var firstName = agentName.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? agentName;
        var previous = handoff.ChainDepth == 0 ? "our assistant" : "my colleagues";
        var goal = SummaryText.Truncate(handoff.Summary.UserGoal, GoalWords).TrimEnd('.', '…');
        var mood = (handoff.Summary.Sentiment?.Label ?? "").ToLowerInvariant() switch
        {
            var m when m.Contains("angry") => " I'm sorry this has gone on so long — it shouldn't have.",
            var m when m.Contains("frustrat") => " I'm sorry you've had to wait and be passed along.",
            var m when m.Contains("anxious") || m.Contains("worried") => " I'll stay with this until it's sorted.",
            var m when m.Contains("confus") => " I'll take you through it step by step.",
            _ => "",
        };
        var lowerGoal = goal.Length > 1 && char.IsUpper(goal[0]) && !char.IsUpper(goal[1]) ? char.ToLowerInvariant(goal[0]) + goal[1..] : goal;
        return $"Hi, this is {firstName}. I can see you've been talking with {previous} about this — {lowerGoal} — so you won't need to repeat anything.{mood}";
    }
}
