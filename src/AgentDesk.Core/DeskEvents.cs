namespace AgentDesk.Core;

/// <summary>What changed, so live views can refresh only when they must.</summary>
public sealed record DeskChange(string Kind, string AgentId);

/// <summary>
/// The change feed live views (and the vector index) subscribe to. Published after a write commits, never
/// before, so a subscriber that re-reads sees the change.
/// </summary>
public sealed class DeskEvents : ChangeFeed<DeskChange>;
