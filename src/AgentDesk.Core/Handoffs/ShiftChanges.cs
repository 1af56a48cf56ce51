using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Handoffs;

/// <summary>Where one case of a shift change is.</summary>
public enum ShiftCaseState
{
    Waiting,

    /// <summary>Being handed over: for a case being worked, its new summary is being drafted.</summary>
    Working,
    Done,
    Failed,
}

/// <summary>One case of a shift change and what became of it; a failure keeps its code and reason.</summary>
public sealed record ShiftCase(
    int Index, string HandoffId, string? CustomerId, Urgency Urgency, ShiftCaseState State,
    string? Outcome = null, string? NewHandoffId = null, string? ErrorCode = null, string? Error = null);

/// <summary>A shift change as it runs: every case with its state, in the order they are handled (highest urgency first).</summary>
public sealed record ShiftChangeRun(
    string Id, string Actor, string? TargetQueue, string? TargetAgent, long StartedAtMs, IReadOnlyList<ShiftCase> Cases, bool Running)
{
    /// <summary>Where the cases go, as a queue key: the queue, or <c>agent:&lt;id&gt;</c>.</summary>
    public string Target => TargetQueue ?? $"agent:{TargetAgent}";

    public int Total => Cases.Count;
    public int Finished => Cases.Count(c => c.State is ShiftCaseState.Done or ShiftCaseState.Failed);
    public int Failed => Cases.Count(c => c.State == ShiftCaseState.Failed);
}

/// <summary>
/// Shift changes run by supervisors from the shift board. Each runs on the server, not in the browser tab that
/// started it: closing or reloading the board loses nothing, and every open board sees the same progress
/// (<see cref="Changed"/>, raised after each case starts and ends). A failed case keeps its reason and can be retried
/// (<see cref="Retry"/>); what was already handed over stays handed over. Runs live in memory; what they did is in the
/// handoffs and their events, so a restart loses only the progress view of a run in flight.
/// </summary>
public sealed class ShiftChanges(HandoffQueue queue, TimeProvider time)
{
    /// <summary>How many runs the board can show after they finish.</summary>
    public const int KeptRuns = 20;

    private readonly Lock _gate = new();
    private readonly List<ShiftChangeRun> _runs = [];
    private readonly Dictionary<string, Task> _running = [];

    public event Action<ShiftChangeRun>? Changed;

    /// <summary>The latest runs, newest first.</summary>
    public IReadOnlyList<ShiftChangeRun> Recent
    {
        get
        {
            lock (_gate) return [.. _runs.AsEnumerable().Reverse()];
        }
    }

    public ShiftChangeRun? Find(string runId)
    {
        lock (_gate) return _runs.FirstOrDefault(r => r.Id == runId);
    }

    /// <summary>
    /// Hands the given open cases to <paramref name="targetQueue"/> (or <paramref name="targetAgent"/>): a case being
    /// worked is escalated from its agent's session with a newly drafted summary, a queued one is re-queued.
    /// </summary>
    /// <param name="cases">The cases as the board showed them (their urgency orders the run until the batch re-reads them).</param>
    public ShiftChangeRun Start(IReadOnlyList<Handoff> cases, string? targetQueue, string? targetAgent, string actor)
    {
        if (cases.Count == 0) throw DeskException.Invalid("select at least one open case to hand over");
        if (cases.Count > HandoffRules.MaxBatchCases) throw DeskException.Invalid($"a shift change moves at most {HandoffRules.MaxBatchCases} cases at once");
        if ((targetQueue is null) == (targetAgent is null)) throw DeskException.Invalid("choose the incoming queue, or one agent, to hand the cases to");
        if (targetQueue is not null) HandoffRules.Name(targetQueue, "queue", HandoffRules.MaxQueueChars);
        if (targetAgent is not null) Memory.MemoryRules.AgentId(targetAgent, "agent");
        var ordered = cases.DistinctBy(h => h.Id).OrderByDescending(h => h.Urgency).ToList();
        var run = new ShiftChangeRun(
            Memory.MemoryStore.NewId("shift"), actor, targetQueue, targetAgent, time.GetUtcNow().ToUnixTimeMilliseconds(),
            ordered.Select((h, i) => new ShiftCase(i, h.Id, h.CustomerId, h.Urgency, ShiftCaseState.Waiting)).ToList(), Running: true);
        lock (_gate)
        {
            _runs.Add(run);
            while (_runs.Count > KeptRuns && _runs.FindIndex(r => !r.Running) is var oldest and >= 0) _runs.RemoveAt(oldest);
        }
        Changed?.Invoke(run);
        Launch(run);
        return run;
    }

    /// <summary>Runs the failed cases of a finished run again, to the same target; returns the run, or null if there is nothing to retry.</summary>
    public ShiftChangeRun? Retry(string runId)
    {
        ShiftChangeRun run;
        lock (_gate)
        {
            var current = _runs.FirstOrDefault(r => r.Id == runId);
            if (current is null || current.Running || current.Failed == 0) return null;
            run = Update(runId, r => r with
            {
                Running = true,
                Cases = r.Cases.Select(c => c.State == ShiftCaseState.Failed ? c with { State = ShiftCaseState.Waiting, ErrorCode = null, Error = null } : c).ToList(),
            });
        }
        Changed?.Invoke(run);
        Launch(run);
        return run;
    }

    /// <summary>Completes when the run has no case in flight (for tests and shutdown).</summary>
    public Task WhenFinishedAsync(string runId)
    {
        lock (_gate) return _running.GetValueOrDefault(runId) ?? Task.CompletedTask;
    }

    /// <summary>Runs the run's waiting cases (all of a new run, the failed ones of a retried one) in the background.</summary>
    private void Launch(ShiftChangeRun run)
    {
        var items = run.Cases.Where(c => c.State == ShiftCaseState.Waiting)
            .Select(c => new BatchItem(c.Index, Move: new ShiftMove(c.HandoffId, run.TargetQueue, run.TargetAgent, null, null))).ToList();
        lock (_gate) _running[run.Id] = Task.Run(() => RunAsync(run.Id, items, run.Actor));
    }

    private async Task RunAsync(string runId, IReadOnlyList<BatchItem> items, string actor)
    {
        try
        {
            await queue.BatchAsync(items, actor, new Steps(this, runId));
        }
        catch (Exception e)
        {
            // The batch could not even start (the database is unavailable): every case it did not reach says so.
            Report(runId, r => r with
            {
                Cases = r.Cases.Select(c => c.State is ShiftCaseState.Waiting or ShiftCaseState.Working
                    ? c with { State = ShiftCaseState.Failed, ErrorCode = "INTERNAL_ERROR", Error = $"the shift change stopped: {e.Message}" } : c).ToList(),
            });
        }
        finally
        {
            lock (_gate) _running.Remove(runId);
            Report(runId, r => r with { Running = false });
        }
    }

    private void Report(string runId, Func<ShiftChangeRun, ShiftChangeRun> change)
    {
        ShiftChangeRun run;
        lock (_gate) run = Update(runId, change);
        Changed?.Invoke(run);
    }

    private ShiftChangeRun Update(string runId, Func<ShiftChangeRun, ShiftChangeRun> change)
    {
        var index = _runs.FindIndex(r => r.Id == runId);
        return _runs[index] = change(_runs[index]);
    }

    private static ShiftCase Apply(ShiftCase c, BatchOutcome? outcome) => outcome switch
    {
        null => c with { State = ShiftCaseState.Working },
        { Error: { } error } => c with { State = ShiftCaseState.Failed, ErrorCode = error.Code, Error = error.Message },
        _ => c with { State = ShiftCaseState.Done, Outcome = outcome.Outcome, NewHandoffId = outcome.Handoff?.Id },
    };

    /// <summary>The batch's steps, applied to the run as they happen (synchronously, so they arrive in order).</summary>
    private sealed class Steps(ShiftChanges owner, string runId) : IProgress<BatchStep>
    {
        public void Report(BatchStep step) => owner.Report(runId, r => r with
        {
            Cases = r.Cases.Select(c => c.Index == step.Index ? Apply(c, step.Outcome) : c).ToList(),
        });
    }
}
