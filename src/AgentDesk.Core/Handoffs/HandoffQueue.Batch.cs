using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Handoffs;

/// <summary>Moving one open case at a shift change: to another queue or agent, optionally with a new urgency and reason.</summary>
public sealed record ShiftMove(string HandoffId, string? TargetQueue, string? TargetAgent, Urgency? Urgency, string? Reason);

/// <summary>One case of a batch: an open handoff to move, a session to escalate, or a request that could not be read.</summary>
public sealed record BatchItem(int Index, ShiftMove? Move = null, EscalationRequest? Escalation = null, DeskException? Invalid = null);

/// <summary>What became of one case: <c>escalated</c> (a new handoff from the agent's session), <c>requeued</c>, <c>created</c>, or the error.</summary>
public sealed record BatchOutcome(int Index, string? Outcome, Handoff? Handoff, DeskException? Error)
{
    public const string Escalated = "escalated";
    public const string Requeued = "requeued";
    public const string Created = "created";
}

/// <summary>A batch's progress: a case started (<see cref="Outcome"/> null, e.g. while its summary is drafted) or finished.</summary>
public sealed record BatchStep(int Index, BatchOutcome? Outcome);

public sealed partial class HandoffQueue
{
    public const string ShiftChangeReason = "shift change";

    /// <summary>
    /// A shift change: every case handled on its own, highest urgency first (then in the order given), each with its
    /// own result, so one failure never hides the others. A case being worked (claimed or connected) is escalated from
    /// its agent's session with a fresh summary; a queued case is re-queued; anything else is refused for that case.
    /// </summary>
    /// <param name="progress">Told, in order and on the batch's own thread, as each case starts and as it ends.</param>
    public async Task<IReadOnlyList<BatchOutcome>> BatchAsync(
        IReadOnlyList<BatchItem> items, string actor, IProgress<BatchStep>? progress = null, CancellationToken ct = default)
    {
        var current = new Dictionary<string, Handoff>();
        foreach (var move in items.Select(i => i.Move).OfType<ShiftMove>())
            if (await database.ReadAsync(c => HandoffRecords.GetAsync(c, null, move.HandoffId, ct), ct) is { } h)
                current[h.Id] = h;
        Urgency Priority(BatchItem item) =>
            item.Move is { } m ? m.Urgency ?? (current.TryGetValue(m.HandoffId, out var h) ? h.Urgency : Urgency.Low)
            : item.Escalation?.Urgency ?? Urgency.Low;

        var outcomes = new List<BatchOutcome>(items.Count);
        foreach (var item in items.OrderByDescending(Priority).ThenBy(i => i.Index))
        {
            progress?.Report(new BatchStep(item.Index, null));
            BatchOutcome outcome;
            try
            {
                outcome = item switch
                {
                    { Invalid: { } invalid } => new(item.Index, null, null, invalid),
                    { Move: { } move } => await MoveAsync(item.Index, move, current.GetValueOrDefault(move.HandoffId), actor, ct),
                    { Escalation: { } request } => new(item.Index, BatchOutcome.Created, (await EscalateAsync(request, ct: ct)).Handoff, null),
                    _ => new(item.Index, null, null, DeskException.Invalid("the case names neither a handoff_id nor a source_session_id")),
                };
            }
            catch (DeskException e)
            {
                outcome = new(item.Index, null, null, e);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outcome = new(item.Index, null, null, new DeskException("INTERNAL_ERROR", 500, $"this case failed on the server and can be retried: {e.GetType().Name}"));
            }
            outcomes.Add(outcome);
            progress?.Report(new BatchStep(item.Index, outcome));
        }
        return outcomes;
    }

    private async Task<BatchOutcome> MoveAsync(int index, ShiftMove move, Handoff? handoff, string actor, CancellationToken ct)
    {
        if (handoff is null) throw DeskException.NotFound($"handoff '{move.HandoffId}' not found");
        if (handoff.Status == HandoffStatus.Queued)
            return new(index, BatchOutcome.Requeued, await RequeueAsync(handoff.Id, move.TargetQueue, move.TargetAgent, move.Urgency, actor, ct), null);
        if (handoff.Status is not (HandoffStatus.Claimed or HandoffStatus.Connected))
            throw DeskException.Conflict($"handoff '{handoff.Id}' is {handoff.Status}: only open cases move at a shift change");
        var request = new EscalationRequest
        {
            SourceSessionId = handoff.AgentSessionId!,
            AgentId = handoff.ClaimedBy!,
            TargetQueue = move.TargetQueue,
            TargetAgent = move.TargetAgent,
            Reason = move.Reason ?? ShiftChangeReason,
            Urgency = move.Urgency ?? handoff.Urgency,
            Channel = handoff.Channel,
            CustomerId = handoff.CustomerId,
        };
        return new(index, BatchOutcome.Escalated, (await EscalateFurtherAsync(handoff.Id, request, ct)).Handoff, null);
    }
}
