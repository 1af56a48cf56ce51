using System.Threading.Channels;
using AgentDesk.Core.Handoffs;
using Microsoft.AspNetCore.SignalR;

namespace AgentDesk.Web.Hubs;

/// <summary>
/// Carries committed handoff changes from <see cref="HandoffNotifier"/> to hub clients, one at a time in commit
/// order, so a client never hears "connected" before "connecting", or a claim before the case was queued.
/// A customer widget's snapshot of its conversation is read and sent in the same line (<see cref="SendStatusAsync"/>),
/// so every change relayed after it is newer than what it showed, and the last thing a widget hears is the truth.
/// </summary>
public sealed class HandoffHubRelay : BackgroundService
{
    // Each item is a HandoffChange or a StatusRequest, handled strictly in the order they were written.
    private readonly Channel<object> _work = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HandoffNotifier _notifier;
    private readonly HandoffQueue _handoffs;
    private readonly IHubContext<HandoffHub> _hub;
    private readonly ILogger<HandoffHubRelay> _logger;

    public HandoffHubRelay(HandoffNotifier notifier, HandoffQueue handoffs, IHubContext<HandoffHub> hub, ILogger<HandoffHubRelay> logger)
    {
        (_notifier, _handoffs, _hub, _logger) = (notifier, handoffs, hub, logger);
        // Subscribed from construction, so nothing published while the host starts is missed.
        _notifier.Changed += Enqueue;
    }

    private sealed record StatusRequest(string ConnectionId, string Conversation, TaskCompletionSource Sent);

    /// <summary>Sends one connection <c>ConversationStatus</c> for its conversation, after every change published before this call.</summary>
    public async Task SendStatusAsync(string connectionId, string conversation, CancellationToken ct)
    {
        var request = new StatusRequest(connectionId, conversation, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _work.Writer.TryWrite(request);
        await request.Sent.Task.WaitAsync(ct);
    }

    private void Enqueue(HandoffChange change) => _work.Writer.TryWrite(change);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in _work.Reader.ReadAllAsync(stoppingToken))
            {
                if (item is StatusRequest request) await AnswerAsync(request, stoppingToken);
                else await RelayAsync((HandoffChange)item, stoppingToken);
            }
        }
        catch (OperationCanceledException) { }
    }

    public override void Dispose()
    {
        _notifier.Changed -= Enqueue;
        base.Dispose();
    }

    private async Task AnswerAsync(StatusRequest request, CancellationToken ct)
    {
        try
        {
            var current = await _handoffs.CurrentOfConversationAsync(request.Conversation, ct);
            await _hub.Clients.Client(request.ConnectionId).SendAsync(HandoffHub.Events.ConversationStatus, ConversationStatus.Of(request.Conversation, current), ct);
            request.Sent.TrySetResult();
        }
        catch (Exception e)
        {
            request.Sent.TrySetException(e);
        }
    }

    private async Task RelayAsync(HandoffChange change, CancellationToken ct)
    {
        try
        {
            await SendAsync(change, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning(e, "could not relay {Kind} of handoff {Id} to hub clients", change.Kind, change.Handoff.Id);
        }
    }

    private async Task SendAsync(HandoffChange change, CancellationToken ct)
    {
        var handoff = change.Handoff;
        var card = HandoffCard.From(handoff);
        var queue = _hub.Clients.Group(HandoffHub.QueueGroup(handoff.QueueKey));
        switch (change.Kind)
        {
            case HandoffEventKind.Queued:
                await queue.SendAsync(HandoffHub.Events.HandoffQueued, card, ct);
                await ToConversationAsync(handoff, HandoffHub.Events.CaseWaiting, ct);
                break;
            case HandoffEventKind.Claimed:
                await queue.SendAsync(HandoffHub.Events.HandoffClaimed, card, ct);
                await ToConversationAsync(handoff, HandoffHub.Events.AgentConnecting, ct);
                break;
            case HandoffEventKind.Connected:
                await queue.SendAsync(HandoffHub.Events.HandoffConnected, card, ct);
                await ToConversationAsync(handoff, HandoffHub.Events.AgentConnected, ct);
                break;
            case HandoffEventKind.Resolved:
                await queue.SendAsync(HandoffHub.Events.HandoffResolved, card, ct);
                await ToConversationAsync(handoff, HandoffHub.Events.CaseResolved, ct);
                break;
            case HandoffEventKind.Escalated:
                await queue.SendAsync(HandoffHub.Events.HandoffEscalated, card, ct);
                break;
            case HandoffEventKind.Merged:
                await queue.SendAsync(HandoffHub.Events.HandoffMerged, card, ct);
                break;
            case HandoffEventKind.Requeued:
                if (change.PreviousQueueKey is { } previous)
                    await _hub.Clients.Group(HandoffHub.QueueGroup(previous)).SendAsync(HandoffHub.Events.HandoffRequeued, card, ct);
                await queue.SendAsync(HandoffHub.Events.HandoffQueued, card, ct);
                break;
        }
    }

    /// <summary>The customer side hears only the agent's state, under each key it may watch the case by.</summary>
    private async Task ToConversationAsync(Handoff handoff, string eventName, CancellationToken ct)
    {
        foreach (var key in new[] { handoff.CustomerId, handoff.SourceSessionId, handoff.CaseId, handoff.Thread }.OfType<string>().Distinct())
            await _hub.Clients.Group(HandoffHub.ConversationGroup(key)).SendAsync(eventName, ConversationStatus.Of(key, handoff), ct);
    }
}
