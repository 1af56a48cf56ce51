using System.Net;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>The Dakera session surface: start, end, get, list, a session's memories, an agent's sessions.</summary>
public sealed class SessionsApiTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    [Fact]
    public async Task Start_WithAgentOnly_Returns201WithActiveSession()
    {
        var agent = DeskApi.NewAgent("sess-start");

        var body = await (await _api.PostJsonAsync("/v1/sessions/start", new { agent_id = agent })).OkAsync(HttpStatusCode.Created);

        Wire.AssertFields(body, "session");
        var session = body.GetProperty("session");
        Wire.AssertSession(session);
        Assert.StartsWith("sess_", session.GetProperty("id").GetString());
        Assert.Equal(agent, session.GetProperty("agent_id").GetString());
        Wire.AssertNow(session.GetProperty("started_at"));
        Assert.Equal(0, session.GetProperty("memory_count").GetInt64());
    }

    [Fact]
    public async Task Start_WithMetadata_ReturnsMetadataKeysVerbatim()
    {
        var agent = DeskApi.NewAgent("sess-meta");

        var session = await _api.StartSessionAsync(agent, new Dictionary<string, object> { ["channel"] = "chat", ["customerId"] = "c-7", ["Nested"] = new { depth = 2 } });

        Wire.AssertSession(session, "metadata");
        var metadata = session.GetProperty("metadata");
        Wire.AssertFields(metadata, "channel", "customerId", "Nested");
        Assert.Equal("c-7", metadata.GetProperty("customerId").GetString());
        Assert.Equal(2, metadata.GetProperty("Nested").GetProperty("depth").GetInt32());
    }

    [Fact]
    public async Task Start_SameClientIdTwice_Returns200WithTheSameSession()
    {
        var agent = DeskApi.NewAgent("sess-idem");
        var clientId = $"client-{Guid.NewGuid():N}";

        var first = await (await _api.PostJsonAsync("/v1/sessions/start", new { agent_id = agent, id = clientId })).OkAsync(HttpStatusCode.Created);
        var second = await (await _api.PostJsonAsync("/v1/sessions/start", new { agent_id = agent, id = clientId })).OkAsync(HttpStatusCode.OK);

        Assert.Equal(clientId, first.GetProperty("session").GetProperty("id").GetString());
        Assert.Equal(first.GetProperty("session").GetRawText(), second.GetProperty("session").GetRawText());
        var list = await (await _api.GetAsync($"/v1/sessions?agent_id={agent}")).OkAsync();
        Assert.Equal(1, list.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Start_ClientIdOwnedByAnotherAgent_Returns409AndWritesNothing()
    {
        var owner = DeskApi.NewAgent("sess-owner");
        var other = DeskApi.NewAgent("sess-other");
        var clientId = $"client-{Guid.NewGuid():N}";
        await (await _api.PostJsonAsync("/v1/sessions/start", new { agent_id = owner, id = clientId })).OkAsync(HttpStatusCode.Created);

        await (await _api.PostJsonAsync("/v1/sessions/start", new { agent_id = other, id = clientId })).AssertErrorAsync(409, "CONFLICT");

        var list = await (await _api.GetAsync($"/v1/sessions?agent_id={other}")).OkAsync();
        Assert.Equal(0, list.GetProperty("total").GetInt64());
        var kept = await (await _api.GetAsync($"/v1/sessions/{clientId}")).OkAsync();
        Assert.Equal(owner, kept.GetProperty("agent_id").GetString());
    }

    [Fact]
    public async Task End_WithSummaryAndMetadata_MergesMetadataAndCountsMemories()
    {
        var agent = DeskApi.NewAgent("sess-end");
        var sessionId = (await _api.StartSessionAsync(agent, new { channel = "chat", tier = "free" })).GetProperty("id").GetString()!;
        await _api.StoreAsync(new { agent_id = agent, content = "first note", session_id = sessionId });
        await _api.StoreAsync(new { agent_id = agent, content = "second note", session_id = sessionId });
        await _api.StoreAsync(new { agent_id = agent, content = "outside the session" });

        var body = await (await _api.PostJsonAsync($"/v1/sessions/{sessionId}/end", new
        {
            summary = "escalated",
            metadata = new { tier = "pro", handoff_to = "billing" },
        })).OkAsync();

        Wire.AssertFields(body, "session", "memory_count");
        Assert.Equal(2, body.GetProperty("memory_count").GetInt64());
        var session = body.GetProperty("session");
        Wire.AssertSession(session, "ended_at", "summary", "metadata");
        Assert.Equal(sessionId, session.GetProperty("id").GetString());
        Assert.Equal(2, session.GetProperty("memory_count").GetInt64());
        Assert.Equal("escalated", session.GetProperty("summary").GetString());
        Assert.True(Wire.AssertNow(session.GetProperty("ended_at")) >= session.GetProperty("started_at").GetInt64());
        var metadata = session.GetProperty("metadata");
        Wire.AssertFields(metadata, "channel", "tier", "handoff_to");
        Assert.Equal("chat", metadata.GetProperty("channel").GetString());
        Assert.Equal("pro", metadata.GetProperty("tier").GetString());
        Assert.Equal("billing", metadata.GetProperty("handoff_to").GetString());
    }

    [Fact]
    public async Task End_Twice_KeepsFirstEndedAtAndSummaryAndMergesAgain()
    {
        var agent = DeskApi.NewAgent("sess-end2");
        var sessionId = await _api.StartSessionIdAsync(agent);
        var first = (await (await _api.PostJsonAsync($"/v1/sessions/{sessionId}/end", new { summary = "done", metadata = new { a = 1 } })).OkAsync())
            .GetProperty("session");
        var endedAt = first.GetProperty("ended_at").GetInt64();
        await Poll.UntilClockPassesAsync(endedAt);

        var second = (await (await _api.PostJsonAsync($"/v1/sessions/{sessionId}/end", new { metadata = new { b = 2 } })).OkAsync())
            .GetProperty("session");

        Assert.Equal(endedAt, second.GetProperty("ended_at").GetInt64());
        Assert.Equal("done", second.GetProperty("summary").GetString());
        Assert.Equal(1, second.GetProperty("metadata").GetProperty("a").GetInt32());
        Assert.Equal(2, second.GetProperty("metadata").GetProperty("b").GetInt32());
        var stored = await (await _api.GetAsync($"/v1/sessions/{sessionId}")).OkAsync();
        Assert.Equal(endedAt, stored.GetProperty("ended_at").GetInt64());
    }

    [Fact]
    public async Task End_WithNoBody_EndsTheSession()
    {
        var agent = DeskApi.NewAgent("sess-nobody");
        var sessionId = await _api.StartSessionIdAsync(agent);

        var body = await (await _api.PostAsync($"/v1/sessions/{sessionId}/end", null)).OkAsync();

        var session = body.GetProperty("session");
        Wire.AssertSession(session, "ended_at");
        Wire.AssertNow(session.GetProperty("ended_at"));
    }

    [Fact]
    public async Task End_UnknownSession_Returns404()
    {
        await (await _api.PostJsonAsync("/v1/sessions/sess_does_not_exist/end", new { summary = "x" })).AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Get_ActiveSession_ReturnsFlatSessionWithoutEndedAt()
    {
        var agent = DeskApi.NewAgent("sess-get");
        var started = await _api.StartSessionAsync(agent);
        var id = started.GetProperty("id").GetString()!;

        var session = await (await _api.GetAsync($"/v1/sessions/{id}")).OkAsync();

        Wire.AssertSession(session);
        Assert.Equal(started.GetRawText(), session.GetRawText());
    }

    [Fact]
    public async Task Get_UnknownSession_Returns404()
    {
        await (await _api.GetAsync("/v1/sessions/sess_nope")).AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task List_ByAgent_ReturnsNewestFirstWithTotalAndPaging()
    {
        var agent = DeskApi.NewAgent("sess-list");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await _api.StartSessionIdAsync(agent));
        await _api.PostAsync($"/v1/sessions/{ids[0]}/end", null);
        await _api.StartSessionIdAsync(DeskApi.NewAgent("sess-list-other"));

        var all = await (await _api.GetAsync($"/v1/sessions?agent_id={agent}")).OkAsync();
        var page = await (await _api.GetAsync($"/v1/sessions?agent_id={agent}&limit=2&offset=1")).OkAsync();
        var active = await (await _api.GetAsync($"/v1/sessions?agent_id={agent}&active_only=true")).OkAsync();

        Wire.AssertFields(all, "sessions", "total");
        Assert.Equal(3, all.GetProperty("total").GetInt64());
        var listed = all.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(ids.ToHashSet(), listed.Ids().ToHashSet());
        Assert.All(listed, s => Assert.Equal(agent, s.GetProperty("agent_id").GetString()));
        var started = listed.Select(s => s.GetProperty("started_at").GetInt64()).ToList();
        Assert.Equal(started.OrderByDescending(s => s), started);
        Assert.Equal(3, page.GetProperty("total").GetInt64());
        Assert.Equal(listed.Ids().Skip(1).Take(2), page.GetProperty("sessions").EnumerateArray().Ids());
        Assert.Equal(2, active.GetProperty("total").GetInt64());
        Assert.Equal(ids.Skip(1).ToHashSet(), active.GetProperty("sessions").EnumerateArray().Ids().ToHashSet());
        Assert.All(active.GetProperty("sessions").EnumerateArray(), s => Assert.False(s.TryGetProperty("ended_at", out _)));
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("limit=abc")]
    [InlineData("offset=-1")]
    [InlineData("active_only=maybe")]
    [InlineData("agent_id=bad%20agent")]
    public async Task List_InvalidQuery_Returns400(string query)
    {
        await (await _api.GetAsync($"/v1/sessions?{query}")).AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Memories_OfSession_ReturnsSessionItsMemoriesAndTotal()
    {
        var agent = DeskApi.NewAgent("sess-mems");
        var sessionId = await _api.StartSessionIdAsync(agent);
        var inside = new List<string>();
        for (var i = 0; i < 3; i++) inside.Add(await _api.StoreIdAsync(new { agent_id = agent, content = $"note {i}", session_id = sessionId }));
        await _api.StoreAsync(new { agent_id = agent, content = "not in the session" });

        var body = await (await _api.GetAsync($"/v1/sessions/{sessionId}/memories")).OkAsync();
        var limited = await (await _api.GetAsync($"/v1/sessions/{sessionId}/memories?limit=1")).OkAsync();

        Wire.AssertFields(body, "session", "memories", "total");
        Wire.AssertSession(body.GetProperty("session"));
        Assert.Equal(3, body.GetProperty("session").GetProperty("memory_count").GetInt64());
        Assert.Equal(3, body.GetProperty("total").GetInt64());
        var memories = body.GetProperty("memories").EnumerateArray().ToList();
        Assert.Equal(inside.ToHashSet(), memories.Ids().ToHashSet());
        Assert.All(memories, m => Wire.AssertMemory(m, "session_id"));
        Assert.Single(limited.GetProperty("memories").EnumerateArray());
        Assert.Equal(3, limited.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Memories_UnknownSession_Returns404()
    {
        await (await _api.GetAsync("/v1/sessions/sess_nope/memories")).AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task AgentSessions_PlainClient_ReturnsBareArray()
    {
        var agent = DeskApi.NewAgent("sess-agent");
        var a = await _api.StartSessionIdAsync(agent);
        var b = await _api.StartSessionIdAsync(agent);
        await _api.StartSessionIdAsync(DeskApi.NewAgent("sess-agent-other"));

        var body = await (await _api.GetAsync($"/v1/agents/{agent}/sessions")).OkAsync();

        Assert.Equal(JsonValueKind.Array, body.ValueKind);
        var sessions = body.EnumerateArray().ToList();
        Assert.Equal(new[] { a, b }.ToHashSet(), sessions.Ids().ToHashSet());
        Assert.All(sessions, s => Wire.AssertSession(s));
    }

    [Fact]
    public async Task AgentSessions_DakeraGoUserAgent_ReturnsSessionsObject()
    {
        var agent = DeskApi.NewAgent("sess-go");
        var id = await _api.StartSessionIdAsync(agent);
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/agents/{agent}/sessions");
        request.Headers.TryAddWithoutValidation("User-Agent", "dakera-go/0.12.0");

        var body = await (await _api.SendAsync(request)).OkAsync();

        Wire.AssertFields(body, "sessions", "total");
        Assert.Equal(1, body.GetProperty("total").GetInt64());
        Assert.Equal(new[] { id }, body.GetProperty("sessions").EnumerateArray().Ids());
    }

    [Fact]
    public async Task AgentSessions_ActiveOnlyAndLimit_FilterTheArray()
    {
        var agent = DeskApi.NewAgent("sess-agent-f");
        var ended = await _api.StartSessionIdAsync(agent);
        await _api.PostAsync($"/v1/sessions/{ended}/end", null);
        var active1 = await _api.StartSessionIdAsync(agent);
        var active2 = await _api.StartSessionIdAsync(agent);

        var active = (await (await _api.GetAsync($"/v1/agents/{agent}/sessions?active_only=true")).OkAsync()).EnumerateArray().ToList();
        var limited = (await (await _api.GetAsync($"/v1/agents/{agent}/sessions?limit=1")).OkAsync()).EnumerateArray().ToList();

        Assert.Equal(new[] { active1, active2 }.ToHashSet(), active.Ids().ToHashSet());
        Assert.Single(limited);
    }

    [Fact]
    public async Task AgentSessions_InvalidAgentId_Returns400()
    {
        await (await _api.GetAsync("/v1/agents/-leading-dash/sessions")).AssertErrorAsync(400, "INVALID_REQUEST");
    }
}
