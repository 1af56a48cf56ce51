namespace AgentDesk.Core;

/// <summary>
/// A feed of committed changes that live views subscribe to. <see cref="Changed"/> hears every change, whether this
/// instance committed it (<see cref="Publish"/>) or another instance on the same database did (<see cref="Deliver"/>,
/// from the fan-out); <see cref="PublishedHere"/> hears only this instance's own, which is what the fan-out sends on.
/// </summary>
public abstract class ChangeFeed<T>
{
    public event Action<T>? Changed;

    /// <summary>This instance's own changes, for passing on to the other instances.</summary>
    public event Action<T>? PublishedHere;

    /// <summary>A change this instance committed.</summary>
    public void Publish(T change)
    {
        Changed?.Invoke(change);
        PublishedHere?.Invoke(change);
    }

    /// <summary>A change another instance committed, heard through the fan-out.</summary>
    public void Deliver(T change) => Changed?.Invoke(change);
}
