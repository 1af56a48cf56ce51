using System.Net;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>Recall and search: filters before ranking, the handoff first-read rule, both request forms, access stats.</summary>
public sealed class RecallApiTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    private async Task<JsonElement> RecallBodyAsync(object body) => await (await _api.PostJsonAsync("/v1/memory/recall", body)).OkAsync();

    [Fact]
    public async Task Recall_MatchingMemory_ReturnsRecallItemShape()
    {
        var agent = DeskApi.NewAgent("rec-shape");
        var matching = await _api.StoreIdAsync(new { agent_id = agent, content = "the router firmware was updated", importance = 0.6 });
        var other = await _api.StoreIdAsync(new { agent_id = agent, content = "customer lives in Lisbon", importance = 0.6 });

        var body = await RecallBodyAsync(new { agent_id = agent, query = "router firmware" });

        Wire.AssertFields(body, "memories", "results", "total_found");
        var items = body.GetProperty("memories").EnumerateArray().ToList();
        Assert.Equal(2, body.GetProperty("total_found").GetInt32());
        Assert.Equal([matching, other], items.Ids());
        Wire.AssertFields(items[0], "memory", "score", "smart_score", "text_score", "vector_score");
        Wire.AssertMemory(items[0].GetProperty("memory"));
        Assert.True(items[0].GetProperty("text_score").GetDouble() > 0);
        Assert.Equal(1.0, items[0].GetProperty("score").GetDouble());
        // No shared word: no text signal, only the (weaker) semantic one.
        Wire.AssertFields(items[1], "memory", "score", "smart_score", "vector_score");
        Assert.True(items[1].GetProperty("score").GetDouble() < 0.5);
    }

    [Fact]
    public async Task Recall_ResultsAlias_EqualsMemories()
    {
        var agent = DeskApi.NewAgent("rec-alias");
        for (var i = 0; i < 3; i++) await _api.StoreAsync(new { agent_id = agent, content = $"shipping delay number {i}", importance = 0.3 + i * 0.2 });

        var body = await RecallBodyAsync(new { agent_id = agent, query = "shipping delay" });

        Assert.Equal(3, body.GetProperty("memories").GetArrayLength());
        Assert.Equal(body.GetProperty("memories").GetRawText(), body.GetProperty("results").GetRawText());
    }

    [Fact]
    public async Task Recall_MixedMemories_SortedBySmartScoreDescending()
    {
        var agent = DeskApi.NewAgent("rec-sort");
        string[] contents =
        [
            "refund requested for order 1182", "refund approved by supervisor", "user asked about refund policy twice",
            "user prefers chat", "order 1182 shipped late", "refund refund refund escalation",
        ];
        for (var i = 0; i < contents.Length; i++)
            await _api.StoreAsync(new { agent_id = agent, content = contents[i], importance = (i % 3 + 1) / 3.0 });

        var items = (await RecallBodyAsync(new { agent_id = agent, query = "refund order", top_k = 10 })).GetProperty("memories").EnumerateArray().ToList();

        Assert.Equal(6, items.Count);
        var scores = items.Select(i => i.GetProperty("smart_score").GetDouble()).ToList();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        Assert.All(scores, s => Assert.InRange(s, 0.0, 1.0));
    }

    [Fact]
    public async Task Recall_TopK_DefaultsToFiveAndLimitsResults()
    {
        var agent = DeskApi.NewAgent("rec-topk");
        for (var i = 0; i < 8; i++) await _api.StoreAsync(new { agent_id = agent, content = $"warranty claim note {i}" });

        var byDefault = await _api.RecallAsync(new { agent_id = agent, query = "warranty" });
        var two = await _api.RecallAsync(new { agent_id = agent, query = "warranty", top_k = 2 });
        var many = await _api.RecallAsync(new { agent_id = agent, query = "warranty", top_k = 100 });

        Assert.Equal(5, byDefault.Count);
        Assert.Equal(2, two.Count);
        Assert.Equal(8, many.Count);
    }

    [Fact]
    public async Task Recall_MemoryTypeFilter_ReturnsOnlyThatType()
    {
        var agent = DeskApi.NewAgent("rec-type");
        var semantic = await _api.StoreIdAsync(new { agent_id = agent, content = "laptop model X13", memory_type = "semantic" });
        var working = await _api.StoreIdAsync(new { agent_id = agent, content = "laptop diagnostics step 3", memory_type = "working" });
        await _api.StoreAsync(new { agent_id = agent, content = "laptop battery swelling" });

        var semantics = await _api.RecallAsync(new { agent_id = agent, query = "laptop", memory_type = "semantic" });
        var strategic = await _api.RecallAsync(new { agent_id = agent, query = "laptop", memory_type = "strategic" });

        Assert.Equal([semantic], semantics.Ids());
        Assert.Equal([working], strategic.Ids());
    }

    [Fact]
    public async Task Recall_MinImportance_ExcludesLessImportant()
    {
        var agent = DeskApi.NewAgent("rec-imp");
        var high = await _api.StoreIdAsync(new { agent_id = agent, content = "password reset done", importance = 0.9 });
        var edge = await _api.StoreIdAsync(new { agent_id = agent, content = "password hint given", importance = 0.7 });
        await _api.StoreAsync(new { agent_id = agent, content = "password policy explained", importance = 0.69 });

        var items = await _api.RecallAsync(new { agent_id = agent, query = "password", min_importance = 0.7, top_k = 10 });

        Assert.Equal(new[] { high, edge }.ToHashSet(), items.Ids().ToHashSet());
    }

    [Fact]
    public async Task Recall_SessionIdFilter_ReturnsOnlyThatSession()
    {
        var agent = DeskApi.NewAgent("rec-sess");
        var s1 = await _api.StartSessionIdAsync(agent);
        var s2 = await _api.StartSessionIdAsync(agent);
        var inS1 = await _api.StoreIdAsync(new { agent_id = agent, content = "modem lights blinking", session_id = s1 });
        await _api.StoreAsync(new { agent_id = agent, content = "modem replaced", session_id = s2 });
        await _api.StoreAsync(new { agent_id = agent, content = "modem warranty" });

        var items = await _api.RecallAsync(new { agent_id = agent, query = "modem", session_id = s1, top_k = 10 });

        Assert.Equal([inS1], items.Ids());
    }

    [Fact]
    public async Task Recall_Tags_AllMustMatch()
    {
        var agent = DeskApi.NewAgent("rec-tags");
        var both = await _api.StoreIdAsync(new { agent_id = agent, content = "invoice copy sent", tags = new[] { "billing", "email" } });
        var billing = await _api.StoreIdAsync(new { agent_id = agent, content = "invoice disputed", tags = new[] { "billing" } });
        var email = await _api.StoreIdAsync(new { agent_id = agent, content = "invoice address changed", tags = new[] { "email" } });

        var all = await _api.RecallAsync(new { agent_id = agent, query = "invoice", tags = new[] { "billing", "email" }, top_k = 10 });
        var one = await _api.RecallAsync(new { agent_id = agent, query = "invoice", tags = new[] { "billing" }, top_k = 10 });
        var none = await _api.RecallAsync(new { agent_id = agent, query = "invoice", tags = Array.Empty<string>(), top_k = 10 });

        Assert.Equal([both], all.Ids());
        Assert.Equal(new[] { both, billing }.ToHashSet(), one.Ids().ToHashSet());
        Assert.Equal(new[] { both, billing, email }.ToHashSet(), none.Ids().ToHashSet());
    }

    [Fact]
    public async Task Recall_SinceAndUntil_BoundCreationTime()
    {
        var agent = DeskApi.NewAgent("rec-time");
        var jan10 = await _api.StoreIdAsync(new { agent_id = agent, content = "meeting notes", created_at = "2024-01-10T09:00:00Z" });
        var jan15 = await _api.StoreIdAsync(new { agent_id = agent, content = "meeting notes", created_at = "2024-01-15T09:00:00Z" });
        var jan20 = await _api.StoreIdAsync(new { agent_id = agent, content = "meeting notes", created_at = "2024-01-20T09:00:00Z" });

        var between = await _api.RecallAsync(new { agent_id = agent, query = "meeting", since = "2024-01-12T00:00:00Z", until = "2024-01-18T00:00:00Z" });
        var since = await _api.RecallAsync(new { agent_id = agent, query = "meeting", since = "2024-01-15T09:00:00Z" });
        var until = await _api.RecallAsync(new { agent_id = agent, query = "meeting", until = "2024-01-15T08:59:59Z" });
        var get = (await (await _api.GetAsync($"/v1/memory/recall?agent_id={agent}&query=meeting&since=2024-01-12T00:00:00Z&until=2024-01-18T00:00:00Z")).OkAsync())
            .GetProperty("memories").EnumerateArray();

        Assert.Equal([jan15], between.Ids());
        Assert.Equal(new[] { jan15, jan20 }.ToHashSet(), since.Ids().ToHashSet());
        Assert.Equal([jan10], until.Ids());
        Assert.Equal([jan15], get.Ids());
    }

    [Fact]
    public async Task Recall_ExpiredMemories_AreExcluded()
    {
        var agent = DeskApi.NewAgent("rec-exp");
        var lasting = await _api.StoreIdAsync(new { agent_id = agent, content = "coupon code SAVE10", ttl_seconds = 3600 });
        var shortLived = await _api.StoreIdAsync(new { agent_id = agent, content = "coupon code FLASH", ttl_seconds = 1 });

        var items = await Poll.UntilAsync(
            () => _api.RecallAsync(new { agent_id = agent, query = "coupon code", top_k = 10 }),
            items => !items.Ids().Contains(shortLived),
            "the one-second ttl memory to expire");

        Assert.Equal([lasting], items.Ids());
        var search = await (await _api.PostJsonAsync("/v1/memory/search", new { agent_id = agent, top_k = 10 })).OkAsync();
        Assert.Equal([lasting], search.GetProperty("memories").EnumerateArray().Ids());
    }

    [Fact]
    public async Task Recall_HandoffSummary_RanksFirstEvenWithoutSharedWords()
    {
        var agent = DeskApi.NewAgent("rec-hof");
        for (var i = 0; i < 4; i++)
            await _api.StoreAsync(new { agent_id = agent, content = $"printer jam on tray {i}, printer jam again", importance = 0.95 });
        var handoff = await _api.StoreIdAsync(new
        {
            agent_id = agent,
            content = "HANDOFF SUMMARY: billing dispute escalated to a specialist",
            importance = 1.0,
            tags = new[] { "handoff", "session-summary" },
        });

        var items = await _api.RecallAsync(new { agent_id = agent, query = "printer jam", top_k = 3 });

        Assert.Equal(3, items.Count);
        Assert.Equal(handoff, items.Ids()[0]);
        Assert.True(items[0].GetProperty("smart_score").GetDouble() > items[1].GetProperty("smart_score").GetDouble());
    }

    [Fact]
    public async Task Recall_SeveralHandoffSummaries_NewestRanksFirst()
    {
        var agent = DeskApi.NewAgent("rec-hofs");
        var now = DateTimeOffset.UtcNow;
        var newest = await _api.StoreIdAsync(new { agent_id = agent, content = "HANDOFF SUMMARY third leg", importance = 1.0, tags = new[] { "handoff" } });
        var oldest = await _api.StoreIdAsync(new
        {
            agent_id = agent,
            content = "HANDOFF SUMMARY first leg",
            importance = 1.0,
            tags = new[] { "handoff" },
            created_at = now.AddHours(-2).ToString("O"),
        });
        var middle = await _api.StoreIdAsync(new
        {
            agent_id = agent,
            content = "HANDOFF SUMMARY second leg",
            importance = 1.0,
            tags = new[] { "handoff" },
            created_at = now.AddHours(-1).ToString("O"),
        });
        await _api.StoreAsync(new { agent_id = agent, content = "first leg second leg third leg", importance = 0.99 });

        var items = await _api.RecallAsync(new { agent_id = agent, query = "first leg", top_k = 10 });

        Assert.Equal([newest, middle, oldest], items.Ids().Take(3));
        Assert.Equal(4, items.Count);
    }

    [Fact]
    public async Task Recall_HandoffTagBelowImportanceOne_IsNotPromoted()
    {
        var agent = DeskApi.NewAgent("rec-hof-low");
        var relevant = await _api.StoreIdAsync(new { agent_id = agent, content = "vpn disconnects every hour", importance = 0.5 });
        var notSummary = await _api.StoreIdAsync(new { agent_id = agent, content = "HANDOFF draft about billing", importance = 0.9, tags = new[] { "handoff" } });

        var items = await _api.RecallAsync(new { agent_id = agent, query = "vpn disconnects" });

        Assert.Equal([relevant, notSummary], items.Ids());
    }

    [Fact]
    public async Task Recall_HandoffSummaryOutOfScope_IsNotReturned()
    {
        var agent = DeskApi.NewAgent("rec-hof-scope");
        var s1 = await _api.StartSessionIdAsync(agent);
        var s2 = await _api.StartSessionIdAsync(agent);
        await _api.StoreAsync(new { agent_id = agent, content = "HANDOFF SUMMARY for leg one", importance = 1.0, tags = new[] { "handoff" }, session_id = s1 });
        await _api.StoreAsync(new { agent_id = DeskApi.NewAgent("rec-hof-other"), content = "HANDOFF SUMMARY elsewhere", importance = 1.0, tags = new[] { "handoff" } });
        var inScope = await _api.StoreIdAsync(new { agent_id = agent, content = "antenna replaced", session_id = s2 });

        var items = await _api.RecallAsync(new { agent_id = agent, query = "antenna", session_id = s2 });

        Assert.Equal([inScope], items.Ids());
    }

    [Fact]
    public async Task Recall_OtherAgentsMemories_AreNeverReturned()
    {
        var agent = DeskApi.NewAgent("rec-iso");
        var mine = await _api.StoreIdAsync(new { agent_id = agent, content = "spare keys at reception" });
        await _api.StoreAsync(new { agent_id = DeskApi.NewAgent("rec-iso-other"), content = "spare keys at reception desk drawer" });

        var items = await _api.RecallAsync(new { agent_id = agent, query = "spare keys reception", top_k = 100 });

        Assert.Equal([mine], items.Ids());
    }

    [Fact]
    public async Task Recall_GetAndPostForms_ReturnTheSameRanking()
    {
        var agent = DeskApi.NewAgent("rec-forms");
        var sessionId = await _api.StartSessionIdAsync(agent);
        for (var i = 0; i < 6; i++)
            await _api.StoreAsync(new
            {
                agent_id = agent,
                content = $"delivery window {i} slot morning",
                importance = 0.2 + i * 0.1,
                session_id = sessionId,
                tags = i % 2 == 0 ? new[] { "delivery", "slot" } : new[] { "delivery" },
            });

        var post = await RecallBodyAsync(new
        {
            agent_id = agent,
            query = "delivery morning",
            top_k = 3,
            tags = new[] { "delivery", "slot" },
            min_importance = 0.3,
            memory_type = "episodic",
            session_id = sessionId,
            since = "2020-01-01T00:00:00Z",
            routing = "hybrid",
        });
        var get = await (await _api.GetAsync(
            $"/v1/memory/recall?agent_id={agent}&query=delivery+morning&top_k=3&tags=delivery&tags=slot&min_importance=0.3" +
            $"&memory_type=episodic&session_id={sessionId}&since=2020-01-01T00:00:00Z&routing=hybrid")).OkAsync();
        var getCommaTags = await (await _api.GetAsync($"/v1/memory/recall?agent_id={agent}&query=delivery+morning&top_k=3&tags=delivery,slot&min_importance=0.3")).OkAsync();

        var postItems = post.GetProperty("memories").EnumerateArray().ToList();
        var getItems = get.GetProperty("memories").EnumerateArray().ToList();
        Assert.Equal(2, postItems.Count);
        Assert.Equal(postItems.Ids(), getItems.Ids());
        Assert.Equal(postItems.Ids(), getCommaTags.GetProperty("memories").EnumerateArray().Ids());
        for (var i = 0; i < postItems.Count; i++)
        {
            Assert.Equal(postItems[i].GetProperty("score").GetDouble(), getItems[i].GetProperty("score").GetDouble(), 4);
            Assert.Equal(postItems[i].GetProperty("smart_score").GetDouble(), getItems[i].GetProperty("smart_score").GetDouble(), 4);
        }
        Assert.Equal(get.GetProperty("memories").GetRawText(), get.GetProperty("results").GetRawText());
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("bm25")]
    [InlineData("hybrid")]
    [InlineData("BM25")]
    public async Task Recall_SupportedRouting_Returns200(string routing)
    {
        var agent = DeskApi.NewAgent("rec-route");
        var id = await _api.StoreIdAsync(new { agent_id = agent, content = "fiber outage in district 9" });

        var post = await _api.RecallAsync(new { agent_id = agent, query = "fiber outage", routing });
        var get = await (await _api.GetAsync($"/v1/memory/recall?agent_id={agent}&query=fiber&routing={routing}")).OkAsync();

        Assert.Equal([id], post.Ids());
        Assert.Equal([id], get.GetProperty("memories").EnumerateArray().Ids());
    }

    [Theory]
    [InlineData("semantic")]
    [InlineData("dense")]
    public async Task Recall_UnknownRouting_Returns400(string routing)
    {
        var agent = DeskApi.NewAgent("rec-route-bad");
        await _api.StoreAsync(new { agent_id = agent, content = "fiber outage" });

        await (await _api.PostJsonAsync("/v1/memory/recall", new { agent_id = agent, query = "fiber", routing })).AssertErrorAsync(400, "INVALID_REQUEST");
        await (await _api.GetAsync($"/v1/memory/recall?agent_id={agent}&query=fiber&routing={routing}")).AssertErrorAsync(400, "INVALID_REQUEST");
    }

    public static TheoryData<string> HostileQueries => new()
    {
        "\"unterminated quote",
        "\"\"",
        "it's the user's",
        "'; DROP TABLE memories; --",
        "1' OR '1'='1",
        "router AND modem",
        "router OR modem NOT fiber",
        "NEAR(router modem, 2)",
        "router*",
        "*",
        "content:router",
        "^router",
        "(router",
        "router)",
        "- + : ; , . ! ? \\ /",
        "AND",
        "OR OR OR",
        "{router modem}",
        "\u0301\u0301",
        "日本語のテキスト",
        "router\u0000modem",
        "🔥🔥 router 🔥",
        "%%% __ %",
        "SELECT * FROM api_keys",
    };

    [Theory]
    [MemberData(nameof(HostileQueries))]
    public async Task Recall_FtsOrSqlSyntaxInQuery_Answers200AndHarmsNothing(string query)
    {
        var agent = DeskApi.NewAgent("rec-hostile");
        var id = await _api.StoreIdAsync(new { agent_id = agent, content = "router and modem swapped; user's fiber line tested" });

        var post = await _api.PostJsonAsync("/v1/memory/recall", new { agent_id = agent, query });
        var get = await _api.GetAsync($"/v1/memory/recall?agent_id={agent}&query={Uri.EscapeDataString(query)}");
        var search = await _api.PostJsonAsync("/v1/memory/search", new { agent_id = agent, query });

        foreach (var response in new[] { post, get, search })
        {
            var body = await response.OkAsync();
            Assert.Equal([id], body.GetProperty("memories").EnumerateArray().Ids());
        }
        Assert.Equal([id], (await _api.MemoriesOfAsync(agent)).Ids());
    }

    [Fact]
    public async Task Recall_Hit_UpdatesAccessStatsInTheBackground()
    {
        var agent = DeskApi.NewAgent("rec-access");
        var stored = await _api.StoreAsync(new { agent_id = agent, content = "loyalty tier gold" });
        var id = stored.GetProperty("id").GetString()!;
        var unrecalled = await _api.StoreIdAsync(new { agent_id = agent, content = "loyalty tier silver" });
        var storedAccess = stored.GetProperty("last_accessed_at").GetInt64();
        await Poll.UntilClockPassesAsync(storedAccess);

        var items = await _api.RecallAsync(new { agent_id = agent, query = "gold", top_k = 1 });

        Assert.Equal([id], items.Ids());
        Assert.Equal(0, items[0].GetProperty("memory").GetProperty("access_count").GetInt64());
        var after = await Poll.UntilAsync(
            async () => (await _api.GetMemoryAsync(id))!.Value,
            m => m.GetProperty("access_count").GetInt64() == 1,
            "access_count to reach 1");
        Assert.True(after.GetProperty("last_accessed_at").GetInt64() > storedAccess);
        Assert.Equal(stored.GetProperty("created_at").GetInt64(), after.GetProperty("created_at").GetInt64());

        await _api.GetAsync($"/v1/memory/recall?agent_id={agent}&query=gold&top_k=1");
        await Poll.UntilAsync(
            async () => (await _api.GetMemoryAsync(id))!.Value,
            m => m.GetProperty("access_count").GetInt64() == 2,
            "access_count to reach 2");
        Assert.Equal(0, (await _api.GetMemoryAsync(unrecalled))!.Value.GetProperty("access_count").GetInt64());
    }

    [Fact]
    public async Task Search_WithoutQuery_ReturnsFilteredMemoriesWithoutTextScores()
    {
        var agent = DeskApi.NewAgent("rec-search");
        var tagged = await _api.StoreIdAsync(new { agent_id = agent, content = "allergic to peanuts", tags = new[] { "health" }, importance = 0.9 });
        var tagged2 = await _api.StoreIdAsync(new { agent_id = agent, content = "uses a wheelchair", tags = new[] { "health" }, importance = 0.4 });
        await _api.StoreAsync(new { agent_id = agent, content = "likes jazz" });

        var body = await (await _api.PostJsonAsync("/v1/memory/search", new { agent_id = agent, tags = new[] { "health" } })).OkAsync();

        Wire.AssertFields(body, "memories", "results", "total_found");
        var items = body.GetProperty("memories").EnumerateArray().ToList();
        Assert.Equal([tagged, tagged2], items.Ids());
        Assert.All(items, i => Wire.AssertFields(i, "memory", "score", "smart_score"));
        Assert.Equal(body.GetProperty("memories").GetRawText(), body.GetProperty("results").GetRawText());
    }

    [Fact]
    public async Task Search_WithQuery_RanksLexicalMatchFirst()
    {
        var agent = DeskApi.NewAgent("rec-search-q");
        await _api.StoreAsync(new { agent_id = agent, content = "ordered a blue kettle", importance = 0.9 });
        var match = await _api.StoreIdAsync(new { agent_id = agent, content = "kettle arrived with a dent", importance = 0.5 });

        var body = await (await _api.PostJsonAsync("/v1/memory/search", new { agent_id = agent, query = "dent" })).OkAsync();

        Assert.Equal(match, body.GetProperty("memories").EnumerateArray().Ids()[0]);
    }
}
