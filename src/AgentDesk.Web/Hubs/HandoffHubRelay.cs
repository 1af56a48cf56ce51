using System.Threading.Channels;
using AgentDesk.Core.Handoffs;
using Microsoft.AspNetCore.SignalR;

namespace AgentDesk.Web.Hubs;

/// <summary>
/// Carries committed handoff changes from <see cref="HandoffNotifier"/> to hub clients, one at a time in commit
/// order, so a client never hears "connected" before "connecting", or a claim before the case was queued.
/// </summary>
public sealed class HandoffHubRelay : BackgroundService
{
    private readonly Channel<HandoffChange> _changes = Channel.CreateUnbounded<HandoffChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HandoffNotifier _notifier;
    private readonly IHubContext<HandoffHub> _hub;
    private readonly ILogger<HandoffHubRelay> _logger;

    public HandoffHubRelay(HandoffNotifier notifier, IHubContext<HandoffHub> hub, ILogger<HandoffHubRelay> logger)
    {
        (_notifier, _hub, _logger) = (notifier, hub, logger);
        // Subscribed from construction, so nothing published while the host starts is missed.
        _notifier.Changed += Enqueue;
    }

    private void Enqueue(HandoffChange change) => _changes.Writer.TryWrite(change);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var change in _changes.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await SendAsync(change, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning(e, "could not relay {Kind} of handoff {Id} to hub clients", change.Kind, change.Handoff.Id);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    public override void Dispose()
    {
        _notifier.Changed -= Enqueue;
        base.Dispose();
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
                break;
            case HandoffEventKind.Claimed:
                await queue.SendAsync(HandoffHub.Events.HandoffClaimed, card, ct);
                await ToConversationAsync(handoff, HandoffHub.Events.AgentConnecting, "connecting", ct);
                break;
            case HandoffEventKind.Connected:
                await queue.SendAsync(HandoffHub.Events.HandoffConnected, card, ct);
                await ToConversationAsync(handoff, HandoffHub.Events.AgentConnected, "connected", ct);
                break;
            case HandoffEventKind.Resolved:
                await queue.SendAsync(HandoffHub.Events.HandoffResolved, card, ct);
                break;
            case HandoffEventKind.Escalated:
                await queue.SendAsync(HandoffHub.Events.HandoffEscalated, card, ct);
                break;
            case HandoffEventKind.Requeued:
                if (change.PreviousQueueKey is { } previous)
                    await _hub.Clients.Group(HandoffHub.QueueGroup(previous)).SendAsync(HandoffHub.Events.HandoffRequeued, card, ct);
                await queue.SendAsync(HandoffHub.Events.HandoffQueued, card, ct);
                break;
        }
    }

    /// <summary>The customer side hears only the agent's state, under each key it may watch the case by.</summary>
    private async Task ToConversationAsync(Handoff handoff, string eventName, string state, CancellationToken ct)
    {
        foreach (var key in new[] { handoff.CustomerId, handoff.SourceSessionId, handoff.CaseId }.OfType<string>().Distinct())
            await _hub.Clients.Group(HandoffHub.ConversationGroup(key)).SendAsync(eventName,
                new { conversation = key, handoff_id = handoff.Id, agent_id = handoff.ClaimedBy, state, channel = handoff.Channel }, ct);
    }
}
