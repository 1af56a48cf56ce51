using System.Net;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>The batch surface: store many (all or nothing), recall by filter, forget by filter.</summary>
public sealed class BatchApiTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    [Fact]
    public async Task StoreBatch_ValidItems_Returns201WithStoredSummaries()
    {
        var agent = DeskApi.NewAgent("bat-store");
        var sessionId = await _api.StartSessionIdAsync(agent);

        var body = await (await _api.PostJsonAsync("/v1/memories/store/batch", new
        {
            agent_id = agent,
            memories = new object[]
            {
                new { content = "first", importance = 0.9, tags = new[] { "a" } },
                new { content = "second", memory_type = "strategic", session_id = sessionId, agent_id = agent },
                new { content = "third", id = "client-third", metadata = new { k = "v" } },
            },
        })).OkAsync(HttpStatusCode.Created);

        Wire.AssertFields(body, "stored", "stored_count", "total_embedding_time_ms", "total_time_ms");
        Assert.Equal(3, body.GetProperty("stored_count").GetInt32());
        Assert.Equal(0, body.GetProperty("total_embedding_time_ms").GetInt64());
        Assert.True(body.GetProperty("total_time_ms").GetInt64() >= 0);
        var stored = body.GetProperty("stored").EnumerateArray().ToList();
        Assert.Equal(3, stored.Count);
        foreach (var item in stored)
        {
            Wire.AssertFields(item, "id", "content", "agent_id", "tags", "importance", "created_at");
            Assert.Equal(agent, item.GetProperty("agent_id").GetString());
            Wire.AssertNow(item.GetProperty("created_at"));
        }
        Assert.Equal(["first", "second", "third"], stored.Select(s => s.GetProperty("content").GetString()!));
        Assert.Equal(0.9, stored[0].GetProperty("importance").GetDouble());
        Assert.Equal(["a"], stored[0].GetProperty("tags").Strings());
        Assert.Equal(0.5, stored[1].GetProperty("importance").GetDouble());
        Assert.Equal("client-third", stored[2].GetProperty("id").GetString());

        var listed = await _api.MemoriesOfAsync(agent);
        Assert.Equal(stored.Ids().ToHashSet(), listed.Ids().ToHashSet());
        var second = (await _api.GetMemoryAsync(stored[1].GetProperty("id").GetString()!))!.Value;
        Assert.Equal("working", second.GetProperty("memory_type").GetString());
        Assert.Equal(sessionId, second.GetProperty("session_id").GetString());
        Assert.Equal("v", (await _api.GetMemoryAsync("client-third"))!.Value.GetProperty("metadata").GetProperty("k").GetString());
    }

    [Fact]
    public async Task StoreBatch_1000Items_StoresThemAll()
    {
        var agent = DeskApi.NewAgent("bat-1000");
        var items = Enumerable.Range(0, 1000).Select(i => new { content = $"bulk item {i}" }).ToArray();

        var body = await (await _api.PostJsonAsync("/v1/memories/store/batch", new { agent_id = agent, memories = items })).OkAsync(HttpStatusCode.Created);

        Assert.Equal(1000, body.GetProperty("stored_count").GetInt32());
        Assert.Equal(1000, (await _api.MemoriesOfAsync(agent)).Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task StoreBatch_ItemCountOutOfRange_Returns400AndWritesNothing(int count)
    {
        var agent = DeskApi.NewAgent("bat-count");
        var items = Enumerable.Range(0, count).Select(i => new { content = $"item {i}" }).ToArray();

        await (await _api.PostJsonAsync("/v1/memories/store/batch", new { agent_id = agent, memories = items })).AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Empty(await _api.MemoriesOfAsync(agent));
    }

    public static TheoryData<string, int, string> FailingItems => new()
    {
        { """{"content":"bad importance","importance":2}""", 400, "INVALID_REQUEST" },
        { """{"importance":0.3}""", 400, "INVALID_REQUEST" },
        { """{"content":"x","agent_id":"somebody-else"}""", 400, "INVALID_REQUEST" },
        { """{"content":"x","tags":"not-a-list"}""", 400, "INVALID_REQUEST" },
        { "\"just a string\"", 400, "INVALID_REQUEST" },
        { """{"content":"x","session_id":"sess_missing"}""", 404, "NOT_FOUND" },
        { """{"content":"x","id":"{foreign}"}""", 409, "CONFLICT" },
    };

    [Theory]
    [MemberData(nameof(FailingItems))]
    public async Task StoreBatch_OneFailingItem_WritesNoneOfTheItems(string lastItem, int status, string code)
    {
        var agent = DeskApi.NewAgent("bat-atomic");
        var foreign = await _api.StoreIdAsync(new { agent_id = DeskApi.NewAgent("bat-foreign"), content = "owned elsewhere" });
        var raw = $$"""
            {"agent_id":"{{agent}}","memories":[{"content":"good one"},{"content":"good two","id":"good-two-{{agent}}"},{{lastItem.Replace("{foreign}", foreign)}}]}
            """;

        await (await _api.PostRawAsync("/v1/memories/store/batch", raw)).AssertErrorAsync(status, code);

        Assert.Empty(await _api.MemoriesOfAsync(agent));
        Assert.Null(await _api.GetMemoryAsync($"good-two-{agent}"));
        Assert.Equal("owned elsewhere", (await _api.GetMemoryAsync(foreign))!.Value.GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("""{"agent_id":"{agent}"}""")]
    [InlineData("""{"agent_id":"{agent}","memories":{"content":"x"}}""")]
    [InlineData("""{"memories":[{"content":"x"}]}""")]
    public async Task StoreBatch_MissingOrMalformedList_Returns400(string template)
    {
        var agent = DeskApi.NewAgent("bat-shape");

        await (await _api.PostRawAsync("/v1/memories/store/batch", template.Replace("{agent}", agent))).AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Empty(await _api.MemoriesOfAsync(agent));
    }

    private async Task<(string Agent, string Session, Dictionary<string, string> Ids)> SeedForFiltersAsync(string prefix)
    {
        var agent = DeskApi.NewAgent(prefix);
        var sessionId = await _api.StartSessionIdAsync(agent);
        var ids = new Dictionary<string, string>
        {
            ["old-low"] = await _api.StoreIdAsync(new { agent_id = agent, content = "old low", importance = 0.1, tags = new[] { "x" }, created_at = "2024-01-01T00:00:00Z" }),
            ["old-high"] = await _api.StoreIdAsync(new { agent_id = agent, content = "old high", importance = 0.9, tags = new[] { "x", "y" }, created_at = "2024-02-01T00:00:00Z", memory_type = "semantic" }),
            ["new-mid"] = await _api.StoreIdAsync(new { agent_id = agent, content = "new mid", importance = 0.5, tags = new[] { "y" }, session_id = sessionId }),
            ["new-top"] = await _api.StoreIdAsync(new { agent_id = agent, content = "new top", importance = 1.0, session_id = sessionId, memory_type = "semantic" }),
        };
        return (agent, sessionId, ids);
    }

    [Fact]
    public async Task RecallBatch_NoFilter_ReturnsAllFlatMemoriesNewestFirst()
    {
        var (agent, _, ids) = await SeedForFiltersAsync("bat-rec-all");

        var body = await (await _api.PostJsonAsync("/v1/memories/recall/batch", new { agent_id = agent })).OkAsync();

        Wire.AssertFields(body, "memories", "total", "filtered", "truncated");
        Assert.Equal(4, body.GetProperty("total").GetInt64());
        Assert.Equal(4, body.GetProperty("filtered").GetInt64());
        Assert.False(body.GetProperty("truncated").GetBoolean());
        var memories = body.GetProperty("memories").EnumerateArray().ToList();
        Assert.All(memories, m => Assert.False(m.TryGetProperty("memory", out _)));
        Assert.Equal(ids["old-low"], memories.Ids()[^1]);
        Assert.Equal(ids["old-high"], memories.Ids()[^2]);
        var created = memories.Select(m => m.GetProperty("created_at").GetInt64()).ToList();
        Assert.Equal(created.OrderByDescending(c => c), created);
    }

    public static TheoryData<string, string[]> Filters => new()
    {
        { """{"tags":["x","y"]}""", ["old-high"] },
        { """{"tags":["y"]}""", ["old-high", "new-mid"] },
        { """{"min_importance":0.5}""", ["old-high", "new-mid", "new-top"] },
        { """{"max_importance":0.5}""", ["old-low", "new-mid"] },
        { """{"min_importance":0.2,"max_importance":0.95}""", ["old-high", "new-mid"] },
        { """{"created_after":"2024-01-15T00:00:00Z","created_before":"2024-03-01T00:00:00Z"}""", ["old-high"] },
        { """{"created_before":1706745600}""", ["old-low", "old-high"] },
        { """{"memory_type":"semantic"}""", ["old-high", "new-top"] },
        { """{"session_id":"{session}"}""", ["new-mid", "new-top"] },
        { """{"tags":[]}""", ["old-low", "old-high", "new-mid", "new-top"] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task RecallBatch_Filter_ReturnsOnlyMatchingMemories(string filter, string[] expected)
    {
        var (agent, session, ids) = await SeedForFiltersAsync("bat-rec-f");

        var body = await (await _api.PostRawAsync("/v1/memories/recall/batch",
            $$"""{"agent_id":"{{agent}}","filter":{{filter.Replace("{session}", session)}}}""")).OkAsync();

        Assert.Equal(expected.Select(e => ids[e]).ToHashSet(), body.GetProperty("memories").EnumerateArray().Ids().ToHashSet());
        Assert.Equal(expected.Length, body.GetProperty("filtered").GetInt64());
        Assert.Equal(4, body.GetProperty("total").GetInt64());
        Assert.All(body.GetProperty("memories").EnumerateArray(), m => Wire.AssertMemory(m, m.EnumerateObject()
            .Select(p => p.Name).Where(n => n is "session_id" or "metadata" or "expires_at").ToArray()));
    }

    [Fact]
    public async Task RecallBatch_LimitBelowMatches_ReportsTruncated()
    {
        var (agent, _, ids) = await SeedForFiltersAsync("bat-rec-lim");

        var body = await (await _api.PostJsonAsync("/v1/memories/recall/batch", new { agent_id = agent, limit = 2 })).OkAsync();

        Assert.Equal(2, body.GetProperty("memories").GetArrayLength());
        Assert.Equal(4, body.GetProperty("filtered").GetInt64());
        Assert.True(body.GetProperty("truncated").GetBoolean());
        Assert.DoesNotContain(ids["old-low"], body.GetProperty("memories").EnumerateArray().Ids());
    }

    [Theory]
    [InlineData("""{"agent_id":"{agent}","limit":0}""")]
    [InlineData("""{"agent_id":"{agent}","filter":{"min_importance":2}}""")]
    [InlineData("""{"agent_id":"{agent}","filter":{"created_after":"not a date"}}""")]
    [InlineData("""{"agent_id":"{agent}","filter":{"memory_type":"dream"}}""")]
    [InlineData("""{"agent_id":"{agent}","filter":"tags=x"}""")]
    public async Task RecallBatch_InvalidRequest_Returns400(string template)
    {
        await (await _api.PostRawAsync("/v1/memories/recall/batch", template.Replace("{agent}", DeskApi.NewAgent("bat-rec-bad"))))
            .AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task ForgetBatch_WithFilter_DeletesMatchingOnly()
    {
        var (agent, _, ids) = await SeedForFiltersAsync("bat-fgt");
        var otherAgent = DeskApi.NewAgent("bat-fgt-other");
        var otherId = await _api.StoreIdAsync(new { agent_id = otherAgent, content = "same tag, other agent", tags = new[] { "y" } });

        var body = await (await _api.SendJsonAsync(HttpMethod.Delete, "/v1/memories/forget/batch", new { agent_id = agent, filter = new { tags = new[] { "y" } } })).OkAsync();

        Wire.AssertFields(body, "deleted_count");
        Assert.Equal(2, body.GetProperty("deleted_count").GetInt32());
        Assert.Equal(new[] { ids["old-low"], ids["new-top"] }.ToHashSet(), (await _api.MemoriesOfAsync(agent)).Ids().ToHashSet());
        Assert.NotNull(await _api.GetMemoryAsync(otherId));
    }

    [Fact]
    public async Task ForgetBatch_ByCreationTime_IncludesExpiredMemories()
    {
        var agent = DeskApi.NewAgent("bat-fgt-exp");
        var expired = await _api.StoreIdAsync(new { agent_id = agent, content = "expired", created_at = "2024-01-01T00:00:00Z", ttl_seconds = 1 });
        await _api.StoreAsync(new { agent_id = agent, content = "live", created_at = "2024-01-01T00:00:00Z" });
        await Poll.UntilAsync(() => _api.GetAsync($"/v1/memory/get/{expired}"), r => r.StatusCode == System.Net.HttpStatusCode.NotFound, "the one-second ttl to pass");

        var body = await (await _api.SendJsonAsync(HttpMethod.Delete, "/v1/memories/forget/batch", new { agent_id = agent, filter = new { created_before = "2024-06-01T00:00:00Z" } })).OkAsync();

        Assert.Equal(2, body.GetProperty("deleted_count").GetInt32());
        Assert.Empty(await _api.MemoriesOfAsync(agent));
    }

    [Theory]
    [InlineData("""{"agent_id":"{agent}"}""")]
    [InlineData("""{"agent_id":"{agent}","filter":{}}""")]
    [InlineData("""{"agent_id":"{agent}","filter":{"tags":[]}}""")]
    [InlineData("""{"agent_id":"{agent}","filter":null}""")]
    [InlineData("""{"agent_id":"{agent}","filter":[]}""")]
    [InlineData("""{"agent_id":"{agent}","filter":{"min_importance":-1}}""")]
    public async Task ForgetBatch_WithoutValidPredicate_Returns400AndDeletesNothing(string template)
    {
        var (agent, _, _) = await SeedForFiltersAsync("bat-fgt-none");

        await (await _api.SendRawAsync(HttpMethod.Delete, "/v1/memories/forget/batch", template.Replace("{agent}", agent))).AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Equal(4, (await _api.MemoriesOfAsync(agent)).Count);
    }
}
