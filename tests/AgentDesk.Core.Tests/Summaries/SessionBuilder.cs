using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Summaries;

/// <summary>Builds a source session's memories one after another, a minute apart, for the composer tests.</summary>
internal sealed class SessionBuilder
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
    private readonly List<SessionMemory> _memories = [];

    public SessionBuilder Add(string content, params string[] tags) => Add(content, 0.8, tags);

    public SessionBuilder Add(string content, double importance, params string[] tags)
    {
        _memories.Add(new(content, importance, tags, "episodic", Start.AddMinutes(_memories.Count)));
        return this;
    }

    public IReadOnlyList<SessionMemory> Memories => _memories;

    public CompositionInput Input(string from = "bot", string to = "tier1", string reason = "refund over the bot's limit") =>
        new() { Memories = _memories, From = from, To = to, Reason = reason, Urgency = Urgency.High };
}
