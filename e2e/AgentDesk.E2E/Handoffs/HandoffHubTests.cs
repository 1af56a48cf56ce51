using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentDesk.E2E.Support;
using static AgentDesk.E2E.Support.CaseApi;

namespace AgentDesk.E2E.Handoffs;

/// <summary>The app process shared by the hub tests of one class.</summary>
public sealed class HubAppFixture : IAsyncLifetime
{
    public AppProcess App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await AppProcess.LaunchAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// <c>/hubs/handoffs</c> over real WebSockets against the real app process, speaking the SignalR JSON protocol
/// (<see cref="HubSocket"/>): queue groups, the snapshot on joining, and the customer-side rule that
/// <c>AgentConnected</c> never comes before the agent's context recall.
/// </summary>
public sealed class HandoffHubTests(HubAppFixture fixture) : IClassFixture<HubAppFixture>
{
    private AppProcess App => fixture.App;
    private HttpClient Api => App.Client;

    [Fact]
    public async Task JoinQueue_WithoutAKey_IsRefused_WatchingAConversationIsAllowed()
    {
        await using var anonymous = await HubSocket.ConnectAsync(App.BaseAddress, apiKey: null);

        var refused = await Assert.ThrowsAsync<HubInvocationException>(() => anonymous.InvokeAsync("JoinQueue", "billing"));

        Assert.Contains("API key", refused.Message);
        await anonymous.InvokeAsync("WatchConversation", "cust-anyone");
    }

    [Fact]
    public async Task Connect_WithAWrongKey_IsClosedByTheServer()
    {
        await using var hub = await HubSocket.ConnectAsync(App.BaseAddress, apiKey: "not-a-key");

        var error = await hub.Closed.WaitAsync(HubSocket.DefaultTimeout);

        Assert.NotNull(error);
    }

    [Fact]
    public async Task JoinQueue_SendsTheWaitingCasesAsASnapshot()
    {
        var queue = NewName("snap");
        var waiting = await EscalateAsync(queue, "urgent");

        await using var desk = await HubSocket.ConnectAsync(App.BaseAddress, App.RootKey);
        await desk.InvokeAsync("JoinQueue", queue);
        var snapshot = await desk.WaitForAsync("QueueSnapshot");

        Assert.Equal(queue, snapshot.Argument.GetProperty("queue").GetString());
        var card = snapshot.Argument.GetProperty("handoffs").EnumerateArray().Single();
        Assert.Equal(waiting, card.GetProperty("handoff_id").GetString());
        Assert.Equal("urgent", card.GetProperty("urgency").GetString());
        Assert.Equal("frustrated", card.GetProperty("sentiment").GetString());
        Assert.False(string.IsNullOrWhiteSpace(card.GetProperty("gist").GetString()));
    }

    [Fact]
    public async Task Escalation_IsPushedToItsQueueGroupOnly()
    {
        var (billing, tech) = (NewName("billing"), NewName("tech"));
        await using var billingDesk = await JoinAsync(billing);
        await using var techDesk = await JoinAsync(tech);

        var billingCase = await EscalateAsync(billing, "high");
        var queued = await billingDesk.WaitForAsync("HandoffQueued", c => c.GetProperty("handoff_id").GetString() == billingCase);
        // The relay sends in commit order: once the tech desk has its own later case, the billing one would have come first.
        var techCase = await EscalateAsync(tech, "low");
        await techDesk.WaitForAsync("HandoffQueued", c => c.GetProperty("handoff_id").GetString() == techCase);

        Assert.Equal(billing, queued.Argument.GetProperty("queue").GetString());
        Assert.Equal("high", queued.Argument.GetProperty("urgency").GetString());
        Assert.DoesNotContain(techDesk.Received, m => m.Argument.TryGetProperty("handoff_id", out var id) && id.GetString() == billingCase);
    }

    [Fact]
    public async Task PickUp_CustomerHearsConnectingAtClaim_AndConnectedOnlyAfterTheContextRecall()
    {
        var queue = NewName("pickup");
        var customer = NewName("cust");
        var barrierCustomer = NewName("cust");
        await using var desk = await JoinAsync(queue);
        await using var widget = await HubSocket.ConnectAsync(App.BaseAddress, apiKey: null);
        await widget.InvokeAsync("WatchConversation", customer);
        await widget.InvokeAsync("WatchConversation", barrierCustomer);
        var handoff = await EscalateAsync(queue, "normal", customer);
        var barrier = await EscalateAsync(queue, "normal", barrierCustomer);

        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/claim", new { agent_id = "alice" }));
        var connecting = await widget.WaitForAsync("AgentConnecting", c => c.GetProperty("handoff_id").GetString() == handoff);
        await desk.WaitForAsync("HandoffClaimed", c => c.GetProperty("handoff_id").GetString() == handoff);
        Assert.Equal(HttpStatusCode.Conflict, (await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/connect", new { agent_id = "alice" })).StatusCode);
        var context = await OkAsync(await Api.GetAsync($"/v1/handoffs/{handoff}/context?agent_id=alice"));
        Assert.True(context.GetProperty("summary_recalled").GetBoolean());

        // A later event on the same connection proves nothing "connected" was sent for the case up to now.
        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{barrier}/claim", new { agent_id = "bob" }));
        await widget.WaitForAsync("AgentConnecting", c => c.GetProperty("handoff_id").GetString() == barrier);
        Assert.DoesNotContain(widget.Received, m => m.Target == "AgentConnected");

        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/connect", new { agent_id = "alice" }));
        var connected = await widget.WaitForAsync("AgentConnected", c => c.GetProperty("handoff_id").GetString() == handoff);
        await desk.WaitForAsync("HandoffConnected", c => c.GetProperty("handoff_id").GetString() == handoff);

        Assert.True(connected.ReceivedAt > connecting.ReceivedAt);
        Assert.Equal("alice", connected.Argument.GetProperty("agent_id").GetString());
        Assert.Equal(customer, connected.Argument.GetProperty("conversation").GetString());
        Assert.Equal("connected", connected.Argument.GetProperty("state").GetString());
        var order = widget.Received.Where(m => HandoffOf(m) == handoff).Select(m => m.Target).ToList();
        Assert.Equal(["CaseWaiting", "AgentConnecting", "AgentConnected"], order);
    }

    [Fact]
    public async Task WatchConversation_WithNoCase_SendsStateNone()
    {
        var customer = NewName("cust");
        await using var widget = await HubSocket.ConnectAsync(App.BaseAddress, apiKey: null);

        await widget.InvokeAsync("WatchConversation", customer);

        var status = await widget.WaitForAsync("ConversationStatus");
        AssertFields(status.Argument, "conversation", "state");
        Assert.Equal(customer, status.Argument.GetProperty("conversation").GetString());
        Assert.Equal("none", status.Argument.GetProperty("state").GetString());
    }

    [Fact]
    public async Task WatchConversation_MidCase_SendsTheAgentsStateAtOnce_AndNoSummary()
    {
        var customer = NewName("cust");
        var handoff = await EscalateAsync(NewName("mid"), "normal", customer);
        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/claim", new { agent_id = "carol" }));
        await using var widget = await HubSocket.ConnectAsync(App.BaseAddress, apiKey: null);

        await widget.InvokeAsync("WatchConversation", customer);

        // Sent before the invocation completes, and before anything else.
        var status = Assert.Single(widget.Received);
        Assert.Equal("ConversationStatus", status.Target);
        AssertFields(status.Argument, "conversation", "state", "handoff_id", "agent_id", "channel");
        Assert.Equal(("connecting", handoff, "carol", "chat"), (State(status), HandoffOf(status),
            status.Argument.GetProperty("agent_id").GetString(), status.Argument.GetProperty("channel").GetString()));
    }

    [Fact]
    public async Task Customer_HearsWaitingAtQueue_ThenEachStepToResolved()
    {
        var customer = NewName("cust");
        await using var widget = await HubSocket.ConnectAsync(App.BaseAddress, apiKey: null);
        await widget.InvokeAsync("WatchConversation", customer);

        var handoff = await EscalateAsync(NewName("steps"), "normal", customer);
        var waiting = await widget.WaitForAsync("CaseWaiting", c => c.GetProperty("handoff_id").GetString() == handoff);
        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/claim", new { agent_id = "dan" }));
        await OkAsync(await Api.GetAsync($"/v1/handoffs/{handoff}/context?agent_id=dan"));
        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/connect", new { agent_id = "dan" }));
        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{handoff}/resolve", new { agent_id = "dan", customer_repeated_themselves = false }));
        var resolved = await widget.WaitForAsync("CaseResolved", c => c.GetProperty("handoff_id").GetString() == handoff);

        AssertFields(waiting.Argument, "conversation", "state", "handoff_id", "channel");
        Assert.Equal("waiting", State(waiting));
        Assert.Equal(("resolved", "dan"), (State(resolved), resolved.Argument.GetProperty("agent_id").GetString()));
        var steps = widget.Received.Where(m => HandoffOf(m) == handoff).Select(m => (m.Target, State(m))).ToList();
        Assert.Equal([("CaseWaiting", "waiting"), ("AgentConnecting", "connecting"), ("AgentConnected", "connected"), ("CaseResolved", "resolved")], steps);
    }

    [Fact]
    public async Task WatchConversation_ByCaseId_FollowsTheCaseToTheHandoffItWasEscalatedTo()
    {
        var first = await EscalateAsync(NewName("tier1"), "normal");
        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{first}/claim", new { agent_id = "erin" }));
        await using var live = await HubSocket.ConnectAsync(App.BaseAddress, apiKey: null);
        await live.InvokeAsync("WatchConversation", first); // the case id is the first handoff's id

        var next = (await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{first}/escalate",
            new { agent_id = "erin", target_queue = NewName("tier2"), reason = "needs tier 2", generate = true }), HttpStatusCode.Created))
            .GetProperty("handoff_id").GetString();
        var waitingAgain = await live.WaitForAsync("CaseWaiting", c => c.GetProperty("handoff_id").GetString() == next);
        await using var later = await HubSocket.ConnectAsync(App.BaseAddress, apiKey: null);
        await later.InvokeAsync("WatchConversation", first);
        var snapshot = await later.WaitForAsync("ConversationStatus");

        Assert.Equal((first, "waiting"), (waitingAgain.Argument.GetProperty("conversation").GetString(), State(waitingAgain)));
        Assert.Equal((next, "waiting"), (HandoffOf(snapshot), State(snapshot)));
        Assert.False(snapshot.Argument.TryGetProperty("agent_id", out _), "a case waiting for its next agent names no agent");
    }

    [Fact]
    public async Task WatchConversation_InvalidName_IsRefused()
    {
        await using var widget = await HubSocket.ConnectAsync(App.BaseAddress, apiKey: null);

        var refused = await Assert.ThrowsAsync<HubInvocationException>(() => widget.InvokeAsync("WatchConversation", "<script>x</script>"));

        Assert.Contains("conversation", refused.Message);
        Assert.Empty(widget.Received);
    }

    [Fact]
    public async Task ResolveAndEscalate_ArePushedToTheQueues()
    {
        var (tier1, tier2) = (NewName("tier1"), NewName("tier2"));
        await using var tier1Desk = await JoinAsync(tier1);
        await using var tier2Desk = await JoinAsync(tier2);
        var (first, second) = (await EscalateAsync(tier1, "normal"), await EscalateAsync(tier1, "normal"));
        foreach (var id in new[] { first, second })
        {
            await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{id}/claim", new { agent_id = "ann" }));
            await OkAsync(await Api.GetAsync($"/v1/handoffs/{id}/context?agent_id=ann"));
            await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{id}/connect", new { agent_id = "ann" }));
        }

        await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{first}/resolve", new { agent_id = "ann", customer_repeated_themselves = false }));
        var escalated = await OkAsync(await Api.PostAsJsonAsync($"/v1/handoffs/{second}/escalate",
            new { agent_id = "ann", target_queue = tier2, reason = "needs tier 2", urgency = "high", generate = true }), HttpStatusCode.Created);

        await tier1Desk.WaitForAsync("HandoffResolved", c => c.GetProperty("handoff_id").GetString() == first);
        var moved = await tier1Desk.WaitForAsync("HandoffEscalated", c => c.GetProperty("handoff_id").GetString() == second);
        var arrived = await tier2Desk.WaitForAsync("HandoffQueued",
            c => c.GetProperty("handoff_id").GetString() == escalated.GetProperty("handoff_id").GetString());
        Assert.Equal(escalated.GetProperty("handoff_id").GetString(), moved.Argument.GetProperty("next_id").GetString());
        Assert.Equal(1, arrived.Argument.GetProperty("chain_depth").GetInt32());
    }

    private async Task<HubSocket> JoinAsync(string queue)
    {
        var desk = await HubSocket.ConnectAsync(App.BaseAddress, App.RootKey);
        await desk.InvokeAsync("JoinQueue", queue);
        await desk.WaitForAsync("QueueSnapshot", s => s.GetProperty("queue").GetString() == queue);
        return desk;
    }

    private Task<string> EscalateAsync(string queue, string urgency, string? customer = null) => App.EscalateIdAsync(queue, urgency, customer);


    private static string? HandoffOf(HubMessage message) =>
        message.Argument.TryGetProperty("handoff_id", out var id) ? id.GetString() : null;

    private static string? State(HubMessage message) => message.Argument.GetProperty("state").GetString();

    /// <summary>The customer's payload has exactly these fields: nothing of the summary reaches an anonymous client.</summary>
    private static void AssertFields(JsonElement payload, params string[] names) =>
        Assert.Equal(names.Order(StringComparer.Ordinal), payload.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
}
