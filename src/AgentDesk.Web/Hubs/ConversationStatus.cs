using AgentDesk.Core.Handoffs;

namespace AgentDesk.Web.Hubs;

/// <summary>
/// What an anonymous customer widget may know about its case: where the agent is, never what the summary says.
/// The payload of every conversation event (<c>ConversationStatus</c>, <c>CaseWaiting</c>, <c>AgentConnecting</c>,
/// <c>AgentConnected</c>, <c>CaseResolved</c>); <see cref="State"/> is one of <see cref="States"/>.
/// </summary>
public sealed record ConversationStatus(string Conversation, string State, string? HandoffId = null, string? AgentId = null, string? Channel = null)
{
    public static class States
    {
        public const string None = "none";
        public const string Waiting = "waiting";
        public const string Connecting = "connecting";
        public const string Connected = "connected";
        public const string Resolved = "resolved";
    }

    /// <summary>
    /// The customer's view of <paramref name="current"/>: claimed reads "connecting" until the agent has recalled the
    /// context and connected; an escalated case is waiting again (for the next agent).
    /// </summary>
    public static ConversationStatus Of(string conversation, Handoff? current)
    {
        if (current is null) return new(conversation, States.None);
        var state = current.Status switch
        {
            HandoffStatus.Claimed => States.Connecting,
            HandoffStatus.Connected => States.Connected,
            HandoffStatus.Resolved => States.Resolved,
            _ => States.Waiting,
        };
        return new(conversation, state, current.Id, state == States.Waiting ? null : current.ClaimedBy, current.Channel);
    }
}
