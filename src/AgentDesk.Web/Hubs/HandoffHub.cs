using AgentDesk.Core;
using AgentDesk.Core.Handoffs;
using AgentDesk.Web.Auth;
using Microsoft.AspNetCore.SignalR;

namespace AgentDesk.Web.Hubs;

/// <summary>
/// <c>/hubs/handoffs</c> (API.md §2). Desks and bots join queue groups with an API key (<c>access_token</c> query
/// parameter, Bearer or X-API-Key) holding the handoffs or read scope, and get a <see cref="Events.QueueSnapshot"/>
/// on joining. A customer-side widget needs no key: it may only watch its own conversation (customer id, source
/// session or case id), gets a <see cref="Events.ConversationStatus"/> on watching, then hears just
/// <see cref="Events.CaseWaiting"/>, <see cref="Events.AgentConnecting"/>, <see cref="Events.AgentConnected"/> and
/// <see cref="Events.CaseResolved"/>, each a <see cref="Hubs.ConversationStatus"/> (the agent's state, no summary).
/// A wrong key is refused at connect.
/// </summary>
public sealed class HandoffHub(ApiKeyStore keys, HandoffQueue handoffs, HandoffHubRelay relay, StartupState startup) : Hub
{
    public const string Path = "/hubs/handoffs";

    /// <summary>The longest queue (<c>agent:&lt;id&gt;</c> included) or conversation name a client may pass.</summary>
    public const int MaxNameChars = HandoffRules.MaxQueueChars + 6;
    private const string CallerItem = "caller";

    public static class Events
    {
        public const string QueueSnapshot = "QueueSnapshot";
        public const string HandoffQueued = "HandoffQueued";
        public const string HandoffClaimed = "HandoffClaimed";
        public const string HandoffConnected = "HandoffConnected";
        public const string HandoffResolved = "HandoffResolved";
        public const string HandoffEscalated = "HandoffEscalated";
        public const string HandoffRequeued = "HandoffRequeued";
        public const string HandoffMerged = "HandoffMerged";
        public const string ConversationStatus = "ConversationStatus";
        public const string CaseWaiting = "CaseWaiting";
        public const string AgentConnecting = "AgentConnecting";
        public const string AgentConnected = "AgentConnected";
        public const string CaseResolved = "CaseResolved";
    }

    public static string QueueGroup(string queue) => $"queue:{queue}";
    public static string ConversationGroup(string conversation) => $"conversation:{conversation}";

    public override async Task OnConnectedAsync()
    {
        var request = Context.GetHttpContext()?.Request;
        var secret = request is null ? null : ApiKeyMiddleware.ReadKey(request) ?? (request.Query["access_token"].ToString() is { Length: > 0 } token ? token : null);
        if (secret is null) return;
        var caller = await keys.AuthenticateAsync(secret, Context.ConnectionAborted);
        if (caller is null) throw new HubException("the API key is not valid or has been revoked");
        Context.Items[CallerItem] = caller;
    }

    /// <summary>Listens to a queue (or <c>agent:&lt;id&gt;</c> for handoffs to one agent) and receives its waiting cases at once.</summary>
    public async Task JoinQueue(string queue)
    {
        var caller = Context.Items[CallerItem] as ApiCaller;
        if (caller is null || !caller.HasAnyScope([Scopes.Handoffs, Scopes.Read]))
            throw new HubException("joining a queue needs an API key with the handoffs or read scope");
        var name = Checked(queue, "queue");
        await Groups.AddToGroupAsync(Context.ConnectionId, QueueGroup(name), Context.ConnectionAborted);
        var waiting = await handoffs.ListAsync(new HandoffQuery
        {
            Status = HandoffStatus.Queued,
            Queue = name.StartsWith("agent:", StringComparison.Ordinal) ? null : name,
            TargetAgent = name.StartsWith("agent:", StringComparison.Ordinal) ? name["agent:".Length..] : null,
            Limit = 500,
        }, Context.ConnectionAborted);
        await Clients.Caller.SendAsync(Events.QueueSnapshot, new { queue = name, handoffs = waiting.Select(HandoffCard.From) }, Context.ConnectionAborted);
    }

    public Task LeaveQueue(string queue) =>
        Groups.RemoveFromGroupAsync(Context.ConnectionId, QueueGroup(Checked(queue, "queue")), Context.ConnectionAborted);

    /// <summary>
    /// A customer-side client follows its conversation: its current state at once (a page opened mid-case shows it),
    /// then "waiting" when queued, "connecting" at claim, "connected" only after the agent's context recall, "resolved".
    /// </summary>
    public async Task WatchConversation(string conversation)
    {
        var name = Checked(conversation, "conversation");
        await Groups.AddToGroupAsync(Context.ConnectionId, ConversationGroup(name), Context.ConnectionAborted);
        await relay.SendStatusAsync(Context.ConnectionId, name, Context.ConnectionAborted);
    }

    private string Checked(string value, string field)
    {
        if (!startup.Ready) throw new HubException($"the server is starting ({startup.Phase}); retry shortly");
        try
        {
            return HandoffRules.Name(value ?? "", field, MaxNameChars);
        }
        catch (DeskException e)
        {
            throw new HubException(e.Message);
        }
    }
}
