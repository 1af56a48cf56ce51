namespace AgentDesk.Core.Handoffs;

/// <summary>What an agent asks to do with a handoff.</summary>
public enum HandoffAction
{
    Claim,
    RecordRecall,
    Connect,
    Resolve,
    Escalate,
}

/// <summary>
/// The handoff state machine, pure: queued → claimed → (context recalled) → connected → resolved or escalated.
/// A claimed case may also be resolved or escalated before connecting (a wrong queue is found out early).
/// Only the claiming agent may act on a claimed case. Repeating a connect or a resolve that already happened
/// (a client retrying after a lost answer) is allowed and changes nothing.
/// </summary>
public static class HandoffLifecycle
{
    /// <returns>Why the action is refused (the 409 message), or null when it may go ahead.</returns>
    public static string? Refusal(Handoff handoff, HandoffAction action, string agentId)
    {
        var status = handoff.Status;
        if (status == HandoffStatus.Pending)
            return $"handoff '{handoff.Id}' is still being queued; retry in a moment";
        if (action == HandoffAction.Claim)
            return status == HandoffStatus.Queued ? null : Taken(handoff);

        if (status == HandoffStatus.Queued)
            return $"handoff '{handoff.Id}' has not been claimed: claim it first";
        if (handoff.ClaimedBy != agentId)
            return $"handoff '{handoff.Id}' was claimed by '{handoff.ClaimedBy}', not '{agentId}'";
        return action switch
        {
            HandoffAction.RecordRecall => status is HandoffStatus.Claimed or HandoffStatus.Connected ? null : Finished(handoff),
            HandoffAction.Connect when status == HandoffStatus.Connected => null,
            HandoffAction.Connect when status != HandoffStatus.Claimed => Finished(handoff),
            HandoffAction.Connect when handoff.RecallDoneAtMs is null =>
                $"the context recall for handoff '{handoff.Id}' has not completed: read GET /v1/handoffs/{handoff.Id}/context first, then connect",
            HandoffAction.Connect => null,
            HandoffAction.Resolve when status == HandoffStatus.Resolved => null,
            HandoffAction.Resolve or HandoffAction.Escalate => status is HandoffStatus.Claimed or HandoffStatus.Connected ? null : Finished(handoff),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
    }

    /// <returns>
    /// Why <paramref name="merged"/> may not be folded into <paramref name="into"/> (the 409 message), or null. Only
    /// two open cases of one customer merge; the one folded away must not have an agent talking to the customer on it.
    /// </returns>
    public static string? MergeRefusal(Handoff merged, Handoff into)
    {
        if (merged.CaseId == into.CaseId) return $"handoffs '{merged.Id}' and '{into.Id}' are already one case";
        if (merged.CustomerId is null || merged.CustomerId != into.CustomerId)
            return $"only cases of one customer merge: '{merged.Id}' is {Customer(merged)}'s and '{into.Id}' is {Customer(into)}'s";
        if (!HandoffStatus.Open.Contains(into.Status)) return $"{Finished(into)}: merge into an open case";
        if (merged.Status == HandoffStatus.Connected)
            return $"'{merged.ClaimedBy}' is talking to the customer on handoff '{merged.Id}': merge '{into.Id}' into it instead, or resolve it";
        return merged.Status is HandoffStatus.Queued or HandoffStatus.Claimed ? null : Finished(merged);

        static string Customer(Handoff h) => h.CustomerId is { } c ? $"customer '{c}'" : "no known customer";
    }

    private static string Taken(Handoff handoff) => handoff.Status switch
    {
        HandoffStatus.Claimed or HandoffStatus.Connected => $"handoff '{handoff.Id}' was already claimed by '{handoff.ClaimedBy}'",
        _ => Finished(handoff),
    };

    private static string Finished(Handoff handoff) => handoff.Status switch
    {
        HandoffStatus.Resolved => $"handoff '{handoff.Id}' is already resolved",
        HandoffStatus.Escalated => $"handoff '{handoff.Id}' was escalated further as '{handoff.NextId}'",
        HandoffStatus.Merged => $"handoff '{handoff.Id}' was merged into '{handoff.MergedInto}'",
        var s => $"handoff '{handoff.Id}' is {s}",
    };
}
