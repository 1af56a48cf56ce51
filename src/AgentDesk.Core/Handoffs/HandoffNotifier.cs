namespace AgentDesk.Core.Handoffs;

/// <summary>The recorded kinds of handoff event (rows of <c>handoff_events</c>, and what live views hear).</summary>
public static class HandoffEventKind
{
    public const string Created = "created";
    public const string Queued = "queued";
    public const string Claimed = "claimed";
    public const string Recalled = "recalled";
    public const string Connected = "connected";
    public const string Resolved = "resolved";
    public const string Escalated = "escalated";
    public const string Requeued = "requeued";
    public const string Merged = "merged";

    /// <summary>A summary refused by validation (no handoff was made; the row's handoff id is <see cref="NoHandoff"/>).</summary>
    public const string Rejected = "rejected";
    public const string NoHandoff = "-";
}

/// <summary>A committed change to one handoff: its state after the change, and for a re-queue the queue it left.</summary>
public sealed record HandoffChange(string Kind, Handoff Handoff, string? PreviousQueueKey = null);

/// <summary>
/// The feed of handoff changes that Blazor desks and the SignalR relay subscribe to. Published after
/// the change commits, in commit order per handoff, so a subscriber that re-reads sees it.
/// </summary>
public sealed class HandoffNotifier : ChangeFeed<HandoffChange>;
