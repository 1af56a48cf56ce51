using System.Net;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>The Dakera agent surface: list, memories, stats, wake-up.</summary>
public sealed class AgentsApiTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    [Fact]
    public async Task List_AgentsWithMemoriesAndSessions_ReturnsCountsPerAgent()
    {
        var agent = DeskApi.NewAgent("agt-list");
        var ended = await _api.StartSessionIdAsync(agent);
        await _api.PostAsync($"/v1/sessions/{ended}/end", null);
        await _api.StartSessionIdAsync(agent);
        await _api.StoreAsync(new { agent_id = agent, content = "one" });
        await _api.StoreAsync(new { agent_id = agent, content = "two" });
        await _api.StoreAsync(new { agent_id = agent, content = "three" });
        var sessionsOnly = DeskApi.NewAgent("agt-list-s");
        await _api.StartSessionIdAsync(sessionsOnly);

        var body = await (await _api.GetAsync("/v1/agents")).OkAsync();

        Assert.Equal(JsonValueKind.Array, body.ValueKind);
        var entry = Assert.Single(body.EnumerateArray(), a => a.GetProperty("agent_id").GetString() == agent);
        Wire.AssertFields(entry, "agent_id", "memory_count", "session_count", "active_sessions");
        Assert.Equal(3, entry.GetProperty("memory_count").GetInt64());
        Assert.Equal(2, entry.GetProperty("session_count").GetInt64());
        Assert.Equal(1, entry.GetProperty("active_sessions").GetInt64());
        var sessionOnlyEntry = Assert.Single(body.EnumerateArray(), a => a.GetProperty("agent_id").GetString() == sessionsOnly);
        Assert.Equal(0, sessionOnlyEntry.GetProperty("memory_count").GetInt64());
        Assert.Equal(1, sessionOnlyEntry.GetProperty("active_sessions").GetInt64());
    }

    [Fact]
    public async Task Memories_OfAgent_ReturnsFlatArrayNewestFirstWithTypeFilterAndPaging()
    {
        var agent = DeskApi.NewAgent("agt-mems");
        var old = await _api.StoreIdAsync(new { agent_id = agent, content = "old", created_at = "2024-01-01T00:00:00Z" });
        var semantic = await _api.StoreIdAsync(new { agent_id = agent, content = "fact", memory_type = "semantic", created_at = "2024-02-01T00:00:00Z" });
        var recent = await _api.StoreIdAsync(new { agent_id = agent, content = "recent" });
        await _api.StoreAsync(new { agent_id = DeskApi.NewAgent("agt-mems-other"), content = "not mine" });

        var all = await (await _api.GetAsync($"/v1/agents/{agent}/memories")).OkAsync();
        var semantics = await (await _api.GetAsync($"/v1/agents/{agent}/memories?memory_type=semantic")).OkAsync();
        var page = await (await _api.GetAsync($"/v1/agents/{agent}/memories?limit=1&offset=1")).OkAsync();

        Assert.Equal(JsonValueKind.Array, all.ValueKind);
        Assert.Equal([recent, semantic, old], all.EnumerateArray().Ids());
        Assert.All(all.EnumerateArray(), m => Wire.AssertMemory(m));
        Assert.Equal([semantic], semantics.EnumerateArray().Ids());
        Assert.Equal([semantic], page.EnumerateArray().Ids());
    }

    [Fact]
    public async Task Memories_UnknownAgent_ReturnsEmptyArray()
    {
        var body = await (await _api.GetAsync($"/v1/agents/{DeskApi.NewAgent("agt-none")}/memories")).OkAsync();

        Assert.Equal(JsonValueKind.Array, body.ValueKind);
        Assert.Equal(0, body.GetArrayLength());
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("offset=-3")]
    [InlineData("memory_type=dream")]
    public async Task Memories_InvalidQuery_Returns400(string query)
    {
        await (await _api.GetAsync($"/v1/agents/{DeskApi.NewAgent("agt-q")}/memories?{query}")).AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Stats_OfAgent_ReturnsCountsByTypeAndAverageImportance()
    {
        var agent = DeskApi.NewAgent("agt-stats");
        var ended = await _api.StartSessionIdAsync(agent);
        await _api.PostAsync($"/v1/sessions/{ended}/end", null);
        await _api.StartSessionIdAsync(agent);
        await _api.StoreAsync(new { agent_id = agent, content = "a", importance = 0.2 });
        await _api.StoreAsync(new { agent_id = agent, content = "b", importance = 0.4, memory_type = "semantic" });
        await _api.StoreAsync(new { agent_id = agent, content = "c", importance = 0.9, memory_type = "strategic" });

        var stats = await (await _api.GetAsync($"/v1/agents/{agent}/stats")).OkAsync();

        Wire.AssertFields(stats, "agent_id", "total_memories", "memories_by_type", "total_sessions", "active_sessions", "avg_importance");
        Assert.Equal(agent, stats.GetProperty("agent_id").GetString());
        Assert.Equal(3, stats.GetProperty("total_memories").GetInt64());
        var byType = stats.GetProperty("memories_by_type");
        Wire.AssertFields(byType, "episodic", "semantic", "procedural", "working");
        Assert.Equal(1, byType.GetProperty("episodic").GetInt64());
        Assert.Equal(1, byType.GetProperty("semantic").GetInt64());
        Assert.Equal(0, byType.GetProperty("procedural").GetInt64());
        Assert.Equal(1, byType.GetProperty("working").GetInt64());
        Assert.Equal(2, stats.GetProperty("total_sessions").GetInt64());
        Assert.Equal(1, stats.GetProperty("active_sessions").GetInt64());
        Assert.Equal(0.5, stats.GetProperty("avg_importance").GetDouble(), 4);
    }

    [Fact]
    public async Task Stats_AgentWithOnlySessions_ReportsZeroMemories()
    {
        var agent = DeskApi.NewAgent("agt-stats-s");
        await _api.StartSessionIdAsync(agent);

        var stats = await (await _api.GetAsync($"/v1/agents/{agent}/stats")).OkAsync();

        Assert.Equal(0, stats.GetProperty("total_memories").GetInt64());
        Assert.Equal(0.0, stats.GetProperty("avg_importance").GetDouble());
        Assert.Equal(1, stats.GetProperty("active_sessions").GetInt64());
    }

    [Fact]
    public async Task Stats_UnknownAgent_Returns404()
    {
        await (await _api.GetAsync($"/v1/agents/{DeskApi.NewAgent("agt-ghost")}/stats")).AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task WakeUp_RanksByImportanceTimesRecency()
    {
        var agent = DeskApi.NewAgent("agt-wake");
        var ancientButVital = await _api.StoreIdAsync(new { agent_id = agent, content = "ancient", importance = 1.0, created_at = DateTimeOffset.UtcNow.AddDays(-365).ToString("O") });
        var freshLow = await _api.StoreIdAsync(new { agent_id = agent, content = "fresh low", importance = 0.3 });
        var freshHigh = await _api.StoreIdAsync(new { agent_id = agent, content = "fresh high", importance = 0.8 });
        var monthOldHigh = await _api.StoreIdAsync(new { agent_id = agent, content = "month old", importance = 0.9, created_at = DateTimeOffset.UtcNow.AddDays(-28).ToString("O") });

        var body = await (await _api.GetAsync($"/v1/agents/{agent}/wake-up")).OkAsync();

        Wire.AssertFields(body, "agent_id", "memories", "total_available");
        Assert.Equal(agent, body.GetProperty("agent_id").GetString());
        Assert.Equal(4, body.GetProperty("total_available").GetInt64());
        // 0.8, 0.3, 0.9 x 0.25 (two half-lives), 1.0 x 0.5^26
        Assert.Equal([freshHigh, freshLow, monthOldHigh, ancientButVital], body.GetProperty("memories").EnumerateArray().Ids());
        Assert.All(body.GetProperty("memories").EnumerateArray(), m => Wire.AssertMemory(m));
    }

    [Fact]
    public async Task WakeUp_TopNAndMinImportance_BoundTheResult()
    {
        var agent = DeskApi.NewAgent("agt-wake-f");
        for (var i = 1; i <= 5; i++) await _api.StoreAsync(new { agent_id = agent, content = $"m{i}", importance = i / 5.0 });

        var top2 = await (await _api.GetAsync($"/v1/agents/{agent}/wake-up?top_n=2")).OkAsync();
        var important = await (await _api.GetAsync($"/v1/agents/{agent}/wake-up?min_importance=0.6")).OkAsync();

        Assert.Equal(2, top2.GetProperty("memories").GetArrayLength());
        Assert.Equal(5, top2.GetProperty("total_available").GetInt64());
        Assert.Equal(["m5", "m4"], top2.GetProperty("memories").EnumerateArray().Select(m => m.GetProperty("content").GetString()!));
        Assert.Equal(3, important.GetProperty("total_available").GetInt64());
        Assert.Equal(["m5", "m4", "m3"], important.GetProperty("memories").EnumerateArray().Select(m => m.GetProperty("content").GetString()!));
    }

    [Theory]
    [InlineData("top_n=0")]
    [InlineData("top_n=1001")]
    [InlineData("min_importance=2")]
    [InlineData("min_importance=high")]
    public async Task WakeUp_InvalidQuery_Returns400(string query)
    {
        await (await _api.GetAsync($"/v1/agents/{DeskApi.NewAgent("agt-wq")}/wake-up?{query}")).AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Theory]
    [InlineData("memories")]
    [InlineData("stats")]
    [InlineData("wake-up")]
    [InlineData("sessions")]
    public async Task AgentRoutes_InvalidAgentId_Return400(string route)
    {
        await (await _api.GetAsync($"/v1/agents/bad%20agent/{route}")).AssertErrorAsync(400, "INVALID_REQUEST");
        await (await _api.GetAsync($"/v1/agents/_underscore-first/{route}")).AssertErrorAsync(400, "INVALID_REQUEST");
        await (await _api.GetAsync($"/v1/agents/{new string('a', 242)}/{route}")).AssertErrorAsync(400, "INVALID_REQUEST");
    }
}
