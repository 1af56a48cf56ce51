using AgentDesk.Core;
using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Summaries;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Components.Pages.Desk;

/// <summary>Where a pick-up stands: claiming, loading the context (the customer hears "connecting"), connected.</summary>
public enum PickUpStage
{
    Claiming,
    LoadingContext,
    Connected,
}

/// <summary>The case this agent is picking up or working, with its context once recalled.</summary>
public sealed record PickUp(string HandoffId, PickUpStage Stage, HandoffContext? Context = null, Handoff? Card = null);

/// <summary>
/// One agent's desk in one browser tab: the live queue of their queues (urgency first, then longest waiting), the
/// pick-up state machine (claim → context recall → connect, never connected before the recall), and the actions on
/// the case being worked. Changes from other agents arrive through <see cref="Apply"/>, which the page calls on its
/// render thread.
/// </summary>
public sealed class DeskState(HandoffQueue handoffs, MemoryStore memories, TimeProvider time)
{
    public const double NoteImportance = 0.7;

    /// <summary>How long a card another agent just took stays, marked "taken by …", before it leaves the queue.</summary>
    public static readonly TimeSpan TakenShownFor = TimeSpan.FromSeconds(4);

    private readonly List<Handoff> _queue = [];
    private readonly Dictionary<string, (string By, DateTimeOffset At)> _taken = [];

    /// <summary>The case this agent is escalating themselves: its change to <c>escalated</c> is no news to them.</summary>
    private string? _leaving;

    public DeskUser User { get; private set; } = null!;
    public IReadOnlyList<Handoff> Queue => _queue;

    /// <summary>Cases this agent claimed and has not finished (a reload, a lost tab): resumable, never lost.</summary>
    public IReadOnlyList<Handoff> Mine { get; private set; } = [];
    public PickUp? Current { get; private set; }

    /// <summary>A message for the agent (a case taken by someone else, an action that failed), shown until dismissed.</summary>
    public string? Notice { get; set; }

    /// <summary>The queue groups this agent watches: their queues and cases handed to them by name.</summary>
    public IReadOnlyList<string> QueueKeys => [.. User.Queues, $"agent:{User.Id}"];

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Who took a card still shown in the queue, or null while it is free.</summary>
    public string? TakenBy(string handoffId) => _taken.TryGetValue(handoffId, out var taken) ? taken.By : null;

    /// <summary>Drops the cards shown as taken for long enough; true when the queue changed (the page's ticker calls it).</summary>
    public bool Prune()
    {
        var expired = _taken.Where(t => Now - t.Value.At >= TakenShownFor).Select(t => t.Key).ToList();
        foreach (var id in expired)
        {
            _taken.Remove(id);
            _queue.RemoveAll(h => h.Id == id);
        }
        return expired.Count > 0;
    }

    public async Task LoadAsync(DeskUser user, CancellationToken ct)
    {
        User = user;
        var waiting = new List<Handoff>();
        foreach (var queue in user.Queues)
            waiting.AddRange(await handoffs.ListAsync(new HandoffQuery { Status = HandoffStatus.Queued, Queue = queue, Limit = 500 }, ct));
        waiting.AddRange(await handoffs.ListAsync(new HandoffQuery { Status = HandoffStatus.Queued, TargetAgent = user.Id, Limit = 500 }, ct));
        _queue.Clear();
        _queue.AddRange(waiting.DistinctBy(h => h.Id));
        Sort();
        await LoadMineAsync(ct);
    }

    private async Task LoadMineAsync(CancellationToken ct)
    {
        var mine = new List<Handoff>();
        foreach (var status in new[] { HandoffStatus.Claimed, HandoffStatus.Connected })
            mine.AddRange(await handoffs.ListAsync(new HandoffQuery { Status = status, ClaimedBy = User.Id, Limit = 100 }, ct));
        Mine = mine.Where(h => h.Id != Current?.HandoffId).ToList();
    }

    /// <summary>Opens a case this agent already claimed: the context is recalled again, then (if not yet) it connects.</summary>
    public async Task ResumeAsync(string handoffId, Func<Task> stageChanged, CancellationToken ct)
    {
        Notice = null;
        Current = new PickUp(handoffId, PickUpStage.LoadingContext, Card: Mine.FirstOrDefault(h => h.Id == handoffId));
        Mine = Mine.Where(h => h.Id != handoffId).ToList();
        await stageChanged();
        try
        {
            Current = await RecallThenConnectAsync(handoffId, ct);
        }
        catch (DeskException e)
        {
            Current = null;
            Notice = $"Could not resume the case: {e.Message}";
            await LoadMineAsync(ct);
        }
        await stageChanged();
    }

    /// <summary>Takes in a change published by the handoff engine; true when this desk shows something different now.</summary>
    public bool Apply(HandoffChange change)
    {
        var handoff = change.Handoff;
        var mine = QueueKeys.Contains(handoff.QueueKey);
        var index = _queue.FindIndex(h => h.Id == handoff.Id);
        var changed = false;
        if (handoff.Status == HandoffStatus.Queued && mine)
        {
            if (index >= 0) _queue[index] = handoff; else _queue.Add(handoff);
            Sort();
            changed = true;
        }
        else if (index >= 0 && change.Kind == HandoffEventKind.Claimed && handoff.ClaimedBy != User.Id)
        {
            // Shown as taken for a moment, so an agent reaching for it sees why it goes (and a click in flight lands).
            _taken[handoff.Id] = (handoff.ClaimedBy ?? "another agent", Now);
            changed = true;
        }
        else if (index >= 0)
        {
            _queue.RemoveAt(index);
            _taken.Remove(handoff.Id);
            changed = true;
        }
        if (Current is { } current && current.HandoffId == handoff.Id && change.Kind == HandoffEventKind.Claimed && handoff.ClaimedBy != User.Id)
        {
            Current = null;
            Notice = TakenNotice(handoff.ClaimedBy ?? "another agent");
            changed = true;
        }
        if (Current is { } working && working.HandoffId == handoff.Id && handoff.Id != _leaving
            && handoff.Status is HandoffStatus.Escalated or HandoffStatus.Merged)
        {
            // A supervisor moved the case on (a shift change, or a merge into the customer's other case).
            Current = null;
            Notice = handoff.Status == HandoffStatus.Merged
                ? $"A supervisor merged this case into {handoff.MergedInto}; whoever works that case has this one's context too."
                : $"This case was handed over as {handoff.NextId} (a shift change); its new agent starts with your notes in the summary.";
            changed = true;
        }
        if (Mine.Any(h => h.Id == handoff.Id) && !HandoffStatus.Open.Contains(handoff.Status))
        {
            Mine = Mine.Where(h => h.Id != handoff.Id).ToList();
            changed = true;
        }
        return changed;
    }

    /// <summary>Whether a supervisor just merged another case into the one this desk is working.</summary>
    public bool IsMergedIntoCurrent(HandoffChange change) =>
        change.Kind == HandoffEventKind.Merged && Current is { Stage: PickUpStage.Connected } working && change.Handoff.MergedInto == working.HandoffId;

    /// <summary>Recalls the working case's context again, so a case merged into it shows at once (its summary and memories).</summary>
    public async Task RefreshContextAsync(CancellationToken ct)
    {
        if (Current is not { Stage: PickUpStage.Connected, Context: { } shown } working) return;
        var context = await handoffs.RecallContextAsync(working.HandoffId, User.Id, ct: ct);
        if (Current?.HandoffId != working.HandoffId) return;
        Current = working with { Context = context };
        Notice = $"A supervisor merged the customer's other case into this one: {shown.Handoff.CustomerId ?? "the customer"}'s merged case is now part of this context.";
    }

    /// <summary>
    /// Claims the case, recalls its context, and only then connects; <paramref name="stageChanged"/> is called at
    /// each step so the page shows "Loading context…" while the recall runs. A claim lost to another agent says so.
    /// </summary>
    public async Task PickUpAsync(string handoffId, Func<Task> stageChanged, CancellationToken ct)
    {
        if (TakenBy(handoffId) is { } taker)
        {
            Notice = TakenNotice(taker);
            _queue.RemoveAll(h => h.Id == handoffId);
            _taken.Remove(handoffId);
            await stageChanged();
            return;
        }
        Notice = null;
        var card = _queue.FirstOrDefault(h => h.Id == handoffId);
        Current = new PickUp(handoffId, PickUpStage.Claiming, Card: card);
        await stageChanged();
        try
        {
            await handoffs.ClaimAsync(handoffId, User.Id, ct);
            _queue.RemoveAll(h => h.Id == handoffId);
            Current = new PickUp(handoffId, PickUpStage.LoadingContext, Card: card);
            await stageChanged();
            Current = await RecallThenConnectAsync(handoffId, ct);
        }
        catch (DeskException e) when (e.Status == 409)
        {
            _queue.RemoveAll(h => h.Id == handoffId);
            Current = null;
            Notice = $"Someone else picked up this case first: {e.Message}.";
        }
        catch (DeskException e)
        {
            Current = null;
            Notice = $"Could not pick up the case: {e.Message}";
        }
        await stageChanged();
    }

    /// <summary>The context recall, and only after it the connect: the rule a pick-up and a resume share.</summary>
    private async Task<PickUp> RecallThenConnectAsync(string handoffId, CancellationToken ct)
    {
        var context = await handoffs.RecallContextAsync(handoffId, User.Id, ct: ct);
        var connected = await handoffs.ConnectAsync(handoffId, User.Id, ct);
        return new PickUp(handoffId, PickUpStage.Connected, context with { Handoff = connected with { ParallelCases = context.Handoff.ParallelCases } });
    }

    private static string TakenNotice(string taker) => $"{taker} picked up this case first; it is theirs now.";

    /// <summary>Drops the pick-up in progress with a message (the page calls it when the server failed outright).</summary>
    public void Abandon(string notice)
    {
        Current = null;
        Notice = notice;
    }

    /// <summary>Stores a note in the agent's session for the case (importance 0.7, tagged with the case's channel).</summary>
    public async Task AddNoteAsync(string text, CancellationToken ct)
    {
        var handoff = WorkingOn();
        var content = MemoryRules.Content(text, "note");
        List<string> tags = ["note"];
        if (handoff.Channel is { } channel) tags.Add($"{SummaryTags.ChannelPrefix}{channel}");
        await memories.StoreAsync(new NewMemory
        {
            AgentId = User.Id,
            SessionId = handoff.AgentSessionId,
            Content = content,
            Importance = NoteImportance,
            Tags = tags,
        }, ct);
    }

    public async Task ResolveAsync(string? note, bool customerRepeated, CancellationToken ct)
    {
        await handoffs.ResolveAsync(WorkingOn().Id, User.Id, string.IsNullOrWhiteSpace(note) ? null : note.Trim(), customerRepeated, ct);
        Current = null;
    }

    /// <summary>Drafts the summary of a further escalation from the agent's session (validated; shown for editing before sending).</summary>
    public Task<DraftResult> DraftEscalationAsync(string target, string reason, Urgency urgency, CancellationToken ct)
    {
        var handoff = WorkingOn();
        return handoffs.DraftAsync(handoff.AgentSessionId!, target, reason, urgency, handoff.Channel, ct);
    }

    /// <summary>Sends the (possibly edited) summary as a further escalation; the engine validates it again.</summary>
    public async Task<Handoff> EscalateAsync(string targetQueue, string reason, Urgency urgency, StructuredSummary summary, CancellationToken ct)
    {
        var handoff = WorkingOn();
        _leaving = handoff.Id;
        var result = await handoffs.EscalateFurtherAsync(handoff.Id, new EscalationRequest
        {
            SourceSessionId = handoff.AgentSessionId!,
            AgentId = User.Id,
            TargetQueue = targetQueue,
            Reason = reason,
            Urgency = urgency,
            Channel = handoff.Channel,
            CustomerId = handoff.CustomerId,
            Summary = summary,
        }, ct);
        Current = null;
        return result.Handoff;
    }

    /// <summary>The source session's memories in full, oldest first ("show everything").</summary>
    public async Task<IReadOnlyList<Memory>> SourceSessionAsync(CancellationToken ct)
    {
        var handoff = WorkingOn();
        var all = await memories.ListAsync(new MemoryFilter { AgentId = handoff.SourceAgentId, SessionId = handoff.SourceSessionId }, 1000, ct: ct);
        return all.Reverse().ToList();
    }

    private Handoff WorkingOn() =>
        Current is { Stage: PickUpStage.Connected, Context: { } context } ? context.Handoff : throw DeskException.Conflict("no case is connected on this desk");

    private void Sort()
    {
        _queue.Sort((a, b) => b.Urgency != a.Urgency ? b.Urgency.CompareTo(a.Urgency) : (a.QueuedAtMs ?? a.CreatedAtMs).CompareTo(b.QueuedAtMs ?? b.CreatedAtMs));
    }
}
