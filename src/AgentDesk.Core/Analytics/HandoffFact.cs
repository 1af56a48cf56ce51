namespace AgentDesk.Core.Analytics;

/// <summary>
/// What was recorded about one handoff, as analytics read it (Unix milliseconds; null = the step has not happened).
/// <see cref="Queue"/> is the queue it is in now, or <c>agent:&lt;id&gt;</c> for a handoff to one agent.
/// </summary>
public sealed record HandoffFact
{
    public required string Id { get; init; }
    public string? CustomerId { get; init; }
    public required string Queue { get; init; }
    public required string Reason { get; init; }
    public int ChainDepth { get; init; }
    public required string Status { get; init; }
    public required string Generator { get; init; }
    public int ModelAttempts { get; init; }
    public int WordCount { get; init; }
    public long CreatedAtMs { get; init; }
    public long? QueuedAtMs { get; init; }
    public long? ClaimedAtMs { get; init; }
    public long? RecallDoneAtMs { get; init; }
    public bool? SummaryRecalled { get; init; }
    public long? ConnectedAtMs { get; init; }
    public long? ResolvedAtMs { get; init; }
    public bool? CustomerRepeated { get; init; }
}

/// <summary>A summary refused by validation (a <c>rejected</c> event): when, for which source session, and the failed checks.</summary>
public sealed record RejectionFact(long AtMs, string? SourceSessionId, IReadOnlyList<string> Codes);

/// <summary>
/// The escalation-rate counts of a window: bot sessions started in it (no <c>handoff_from</c>: no desk claim opened
/// them) and how many of them ended in a handoff (into the window's queue, when it has one).
/// </summary>
public sealed record BotSessionCounts(int Sessions, int Escalated);
