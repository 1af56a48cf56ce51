using System.Text.Json.Serialization;
using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Handoffs;

/// <summary>The states of a handoff; <see cref="Pending"/> is internal (summary stored, session not yet ended) and never listed.</summary>
public static class HandoffStatus
{
    public const string Pending = "pending";
    public const string Queued = "queued";
    public const string Claimed = "claimed";
    public const string Connected = "connected";
    public const string Resolved = "resolved";
    public const string Escalated = "escalated";

    /// <summary>Folded by a supervisor into another open case of the same customer (<see cref="Handoff.MergedInto"/>).</summary>
    public const string Merged = "merged";

    /// <summary>The states a client may filter on.</summary>
    public static readonly IReadOnlyList<string> Listable = [Queued, Claimed, Connected, Resolved, Escalated, Merged];

    /// <summary>The states of a case someone still has to answer: on the shift board, and movable at a shift change.</summary>
    public static readonly IReadOnlyList<string> Open = [Queued, Claimed, Connected];
}

/// <summary>Where the stored summary came from: written by the caller, drafted by a generator, or composed from the memories of a session that ended without one.</summary>
public static class SummarySource
{
    public const string Caller = "caller";
    public const string Generated = "generated";
    public const string SessionMemories = "session_memories";
}

/// <summary>One handoff in its wire shape (times in Unix seconds, as API.md asks).</summary>
public sealed record Handoff
{
    public required string Id { get; init; }
    public required string CaseId { get; init; }
    public string? ParentId { get; init; }
    public required int ChainDepth { get; init; }
    public required string Status { get; init; }
    public required string SourceSessionId { get; init; }
    public required string SourceAgentId { get; init; }
    public string? TargetQueue { get; init; }
    public string? TargetAgent { get; init; }
    public required string Reason { get; init; }
    public required Urgency Urgency { get; init; }
    public string? Channel { get; init; }
    public string? CustomerId { get; init; }
    /// <summary>The named thread the case was raised from (inherited by further handoffs of the case).</summary>
    public string? Thread { get; init; }
    public required string SummaryMemoryId { get; init; }
    public required StructuredSummary Summary { get; init; }
    public required string SummaryText { get; init; }
    public required int WordCount { get; init; }
    public required string SummarySource { get; init; }
    public required string Generator { get; init; }
    public string? FallbackReason { get; init; }
    public int ModelAttempts { get; init; }
    public required IReadOnlyList<SummaryFinding> Warnings { get; init; }
    public IReadOnlyList<ChainEntry> Chain => Summary.HandoffChain;
    public long CreatedAt => CreatedAtMs / 1000;
    public long? QueuedAt => QueuedAtMs / 1000;
    public string? ClaimedBy { get; init; }
    public long? ClaimedAt => ClaimedAtMs / 1000;
    public string? AgentSessionId { get; init; }
    public long? RecallDoneAt => RecallDoneAtMs / 1000;
    public double? RecallMs { get; init; }
    public bool? SummaryRecalled { get; init; }
    public long? ConnectedAt => ConnectedAtMs / 1000;
    public long? ResolvedAt => ResolvedAtMs / 1000;
    public string? ResolutionNote { get; init; }
    public bool? CustomerRepeatedThemselves { get; init; }
    public long? EscalatedAt => EscalatedAtMs / 1000;
    public string? NextId { get; init; }
    public string? MergedInto { get; init; }
    public long? MergedAt => MergedAtMs / 1000;

    /// <summary>Other open cases of the same customer (PRODUCT.md edge case 5); filled in on reads that show one handoff.</summary>
    public IReadOnlyList<ParallelCase>? ParallelCases { get; init; }

    [JsonIgnore] public long CreatedAtMs { get; init; }
    [JsonIgnore] public long? QueuedAtMs { get; init; }
    [JsonIgnore] public long? ClaimedAtMs { get; init; }
    [JsonIgnore] public long? RecallDoneAtMs { get; init; }
    [JsonIgnore] public long? ConnectedAtMs { get; init; }
    [JsonIgnore] public long? ResolvedAtMs { get; init; }
    [JsonIgnore] public long? EscalatedAtMs { get; init; }
    [JsonIgnore] public long? MergedAtMs { get; init; }

    /// <summary>The queue, or the agent, the case was handed to.</summary>
    [JsonIgnore] public string Target => TargetQueue ?? TargetAgent ?? "";

    /// <summary>The queue group live views of this case listen on: its queue, or <c>agent:&lt;id&gt;</c> for a handoff to one agent.</summary>
    [JsonIgnore] public string QueueKey => TargetQueue ?? $"agent:{TargetAgent}";
}

/// <summary>Another open case of the same customer, on its channel, for the "parallel case" warning.</summary>
public sealed record ParallelCase(string HandoffId, string? Channel, string Status, string Target, Urgency Urgency);
