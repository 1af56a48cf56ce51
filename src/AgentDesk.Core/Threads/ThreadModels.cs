using System.Text.Json.Serialization;
using AgentDesk.Core.Handoffs;

namespace AgentDesk.Core.Threads;

/// <summary>
/// A turn as a client sends it, already checked by <see cref="ThreadRules"/>. A null role or time keeps what a stored
/// turn of the same id has (a new turn: <see cref="ThreadRules.Roles.Customer"/>, now), so re-sending a batch changes nothing.
/// </summary>
public sealed record TurnInput(string Id, string Text, string Channel, string? Role = null, long? AtMs = null);

/// <summary>One turn of a thread in its wire shape (time in Unix seconds).</summary>
public sealed record ThreadTurn
{
    public required string Id { get; init; }
    public required string Text { get; init; }
    public required string Channel { get; init; }
    public required string Role { get; init; }
    public long At => AtMs / 1000;
    /// <summary>The memory that holds the turn (and is what recall indexes).</summary>
    public required string MemoryId { get; init; }

    [JsonIgnore] public long AtMs { get; init; }
}

/// <summary>What an upsert did to one turn.</summary>
public static class TurnOutcomes
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Unchanged = "unchanged";
}

public sealed record TurnOutcome(string Id, string Outcome);

/// <summary>
/// A thread as an agent resumes it: how many turns on which channels (in the order they were first used), when the
/// customer was last active, the case raised from it that is still open, and (when asked) every turn oldest first.
/// </summary>
public sealed record ThreadState
{
    public required string Name { get; init; }
    /// <summary>The agent whose memories hold the turns (API keys restricted to agents are checked against it).</summary>
    public required string AgentId { get; init; }
    public required int TurnCount { get; init; }
    public required IReadOnlyList<string> Channels { get; init; }
    public long? LastActivityAt => LastActivityAtMs / 1000;
    public long CreatedAt => CreatedAtMs / 1000;
    /// <summary>The current leg's session (new turns go there), if it is still open.</summary>
    public string? SessionId { get; init; }
    public HandoffCard? OpenHandoff { get; init; }
    public IReadOnlyList<ThreadTurn>? Turns { get; init; }

    [JsonIgnore] public long? LastActivityAtMs { get; init; }
    [JsonIgnore] public long CreatedAtMs { get; init; }
}

/// <summary>The thread after an upsert, and what happened to each turn sent (in the order sent).</summary>
public sealed record UpsertResult(ThreadState Thread, IReadOnlyList<TurnOutcome> Outcomes)
{
    public bool Changed => Outcomes.Any(o => o.Outcome != TurnOutcomes.Unchanged);
}

/// <summary>A turn found by a thread query; <see cref="Score"/> is recall's final rank key (higher first).</summary>
public sealed record ThreadHit(ThreadTurn Turn, double Score);

/// <summary>A committed change to a thread's turns.</summary>
public sealed record ThreadChange(string Name);

/// <summary>
/// The feed of thread changes that open thread pages subscribe to. Published after the upsert commits,
/// so a subscriber that re-reads sees the new turns.
/// </summary>
public sealed class ThreadNotifier : ChangeFeed<ThreadChange>;
