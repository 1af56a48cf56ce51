namespace AgentDesk.Core;

/// <summary>What changed, so live views can refresh only when they must.</summary>
public sealed record DeskChange(string Kind, string AgentId);

/// <summary>
/// The in-process change feed live views subscribe to. Published after a write commits, never
/// before, so a subscriber that re-reads sees the change.
/// </summary>
public sealed class DeskEvents
{
    public event Action<DeskChange>? Changed;

    public void Publish(DeskChange change) => Changed?.Invoke(change);
}
