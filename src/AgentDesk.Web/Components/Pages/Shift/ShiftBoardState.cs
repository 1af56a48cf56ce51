using AgentDesk.Core;
using AgentDesk.Core.Handoffs;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Components.Pages.Shift;

/// <summary>How the shift board groups the open cases.</summary>
public enum BoardGrouping
{
    Queue,
    Agent,
    Shift,
}

/// <summary>
/// One supervisor's shift board in one tab: every open case (queued, claimed, connected) kept current from the
/// handoff engine's changes (<see cref="Apply"/>, no reload), grouped by queue, agent or shift; the selection a shift
/// change hands over; single-case moves and merges. The shift changes themselves run in <see cref="ShiftChanges"/>,
/// on the server, so every board watches the same progress and a closed tab loses nothing.
/// </summary>
public sealed class ShiftBoardState(HandoffQueue handoffs, ShiftChanges shiftChanges, DeskUsers users)
{
    /// <summary>The open cases a board shows at most (a contact centre's whole floor fits many times over).</summary>
    public const int MaxOpenCases = 2_000;

    public const string Waiting = "waiting in a queue";
    public const string NoShift = "no shift set";

    private readonly Dictionary<string, Handoff> _open = [];
    private readonly HashSet<string> _selected = [];
    private Dictionary<string, DeskUser> _people = [];

    public DeskUser User { get; private set; } = null!;
    public BoardGrouping Grouping { get; set; } = BoardGrouping.Queue;
    public IReadOnlyCollection<Handoff> Open => _open.Values;
    public IReadOnlyCollection<string> Selected => _selected;

    /// <summary>A message for the supervisor (a move or merge that failed, or what it did), shown until dismissed.</summary>
    public string? Notice { get; set; }

    /// <summary>The shifts the desk's people work, for "select the outgoing shift".</summary>
    public IReadOnlyList<string> Shifts => _people.Values.Select(p => p.Shift).OfType<string>().Distinct().Order().ToList();

    /// <summary>Queues a case can be handed to: every queue someone serves, and every queue that has open cases.</summary>
    public IReadOnlyList<string> Queues =>
        _people.Values.SelectMany(p => p.Queues).Concat(_open.Values.Select(h => h.TargetQueue).OfType<string>()).Distinct().Order().ToList();

    public IReadOnlyList<DeskUser> People => [.. _people.Values.OrderBy(p => p.Id)];

    public async Task LoadAsync(DeskUser user, CancellationToken ct)
    {
        User = user;
        _people = (await users.ListAsync(ct)).ToDictionary(p => p.Id);
        _open.Clear();
        foreach (var handoff in await handoffs.ListAsync(new HandoffQuery { Statuses = HandoffStatus.Open, Limit = MaxOpenCases }, ct))
            _open[handoff.Id] = handoff;
    }

    /// <summary>Takes in a change published by the handoff engine; true when the board shows something different now.</summary>
    public bool Apply(HandoffChange change)
    {
        var handoff = change.Handoff;
        if (HandoffStatus.Open.Contains(handoff.Status))
        {
            _open[handoff.Id] = handoff;
            return true;
        }
        _selected.Remove(handoff.Id);
        return _open.Remove(handoff.Id);
    }

    /// <summary>The shift of the agent holding the case, <see cref="Waiting"/> for a queued one.</summary>
    public string ShiftOf(Handoff handoff) =>
        handoff.ClaimedBy is not { } agent ? Waiting : _people.GetValueOrDefault(agent)?.Shift ?? NoShift;

    public string AgentName(string agentId) => _people.GetValueOrDefault(agentId)?.DisplayName ?? agentId;

    /// <summary>The open cases in groups of the current <see cref="Grouping"/>, each most urgent then longest waiting first.</summary>
    public IReadOnlyList<IGrouping<string, Handoff>> Groups() =>
        _open.Values
            .OrderByDescending(h => h.Urgency).ThenBy(h => h.QueuedAtMs ?? h.CreatedAtMs)
            .GroupBy(h => Grouping switch
            {
                BoardGrouping.Agent => h.ClaimedBy is { } agent ? AgentName(agent) : Waiting,
                BoardGrouping.Shift => ShiftOf(h),
                _ => h.QueueKey,
            })
            .OrderBy(g => g.Key == Waiting).ThenBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .ToList();

    /// <summary>Other open cases of the same customer (the merge candidates), most urgent first.</summary>
    public IReadOnlyList<Handoff> ParallelTo(Handoff handoff) =>
        handoff.CustomerId is not { } customer ? []
            : _open.Values.Where(h => h.CustomerId == customer && h.CaseId != handoff.CaseId).OrderByDescending(h => h.Urgency).ToList();

    public bool IsSelected(string handoffId) => _selected.Contains(handoffId);

    public void Toggle(string handoffId, bool selected)
    {
        if (selected && _open.ContainsKey(handoffId)) _selected.Add(handoffId);
        else _selected.Remove(handoffId);
    }

    /// <summary>Selects every case held by an agent of <paramref name="shift"/> (the outgoing shift) and nothing else.</summary>
    public void SelectShift(string shift)
    {
        _selected.Clear();
        _selected.UnionWith(_open.Values.Where(h => h.ClaimedBy is not null && ShiftOf(h) == shift).Select(h => h.Id));
    }

    public void ClearSelection() => _selected.Clear();

    /// <summary>Starts the shift change of the selected cases to a queue (or one agent), highest urgency first.</summary>
    public ShiftChangeRun HandOver(string? targetQueue, string? targetAgent)
    {
        var run = shiftChanges.Start(Checked(targetQueue, targetAgent, _selected.Select(id => _open[id]).ToList()), targetQueue, targetAgent, User.Id);
        _selected.Clear();
        return run;
    }

    /// <summary>Re-queues (or reassigns) one case: a case being worked is escalated with a fresh summary, as in a shift change.</summary>
    public ShiftChangeRun Move(string handoffId, string? targetQueue, string? targetAgent) =>
        shiftChanges.Start(Checked(targetQueue, targetAgent, [_open.GetValueOrDefault(handoffId) ?? throw DeskException.NotFound($"handoff '{handoffId}' is no longer open")]),
            targetQueue, targetAgent, User.Id);

    public async Task MergeAsync(string handoffId, string intoId, CancellationToken ct)
    {
        var merged = await handoffs.MergeAsync(handoffId, intoId, User.Id, ct);
        Notice = $"Merged {merged.Id} into {intoId}: its memories and commitments are now part of that case.";
    }

    /// <summary>A single case's move to where it already waits would change nothing: said, rather than done.</summary>
    private static IReadOnlyList<Handoff> Checked(string? targetQueue, string? targetAgent, IReadOnlyList<Handoff> cases)
    {
        var key = targetQueue ?? $"agent:{targetAgent}";
        if (cases.Count == 1 && cases[0].Status == HandoffStatus.Queued && cases[0].QueueKey == key)
            throw DeskException.Invalid($"the case is already waiting in {key}");
        return cases;
    }
}
