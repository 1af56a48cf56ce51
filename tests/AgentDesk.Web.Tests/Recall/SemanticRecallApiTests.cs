using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Recall;

/// <summary>Hybrid recall over HTTP with the embedded default model (GloVe): vectors at store time, routings, explain.</summary>
public sealed class SemanticRecallApiTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    private async Task<JsonElement> RecallBodyAsync(object body) => await (await _api.PostJsonAsync("/v1/memory/recall", body)).OkAsync();

    [Fact]
    public async Task Recall_Vector_FindsAParaphraseThatSharesNoWordWithTheQuery()
    {
        var agent = DeskApi.NewAgent("sem-para");
        var money = await _api.StoreIdAsync(new { agent_id = agent, content = "she wants the payment reimbursed to her credit card" });
        await _api.StoreIdAsync(new { agent_id = agent, content = "router keeps dropping the wifi signal at night" });
        await _api.StoreIdAsync(new { agent_id = agent, content = "delivery address changed to Lisbon" });

        var vector = (await RecallBodyAsync(new { agent_id = agent, query = "customer asks for a refund", routing = "vector" })).GetProperty("memories");
        Assert.Equal(money, DeskApi.IdOf(vector[0]));
        Assert.True(vector[0].GetProperty("vector_score").GetDouble() > vector[1].GetProperty("vector_score").GetDouble());
        Assert.False(vector[0].TryGetProperty("text_score", out _));

        var lexical = (await RecallBodyAsync(new { agent_id = agent, query = "customer asks for a refund", routing = "bm25" })).GetProperty("memories");
        Assert.All(lexical.EnumerateArray(), item => Assert.False(item.TryGetProperty("text_score", out _)));
    }

    [Fact]
    public async Task Recall_Auto_IsHybridWithTheDefaultModel()
    {
        var agent = DeskApi.NewAgent("sem-auto");
        await _api.StoreIdAsync(new { agent_id = agent, content = "refund approved for the duplicate charge" });
        var body = await RecallBodyAsync(new { agent_id = agent, query = "refund", explain = true });
        Assert.Equal("hybrid", body.GetProperty("explain").GetProperty("routing").GetString());
        var item = body.GetProperty("memories")[0];
        Assert.True(item.GetProperty("text_score").GetDouble() > 0);
        Assert.True(item.GetProperty("vector_score").GetDouble() > 0);
    }

    [Fact]
    public async Task Recall_Explain_ReturnsTheQueryReadingAndEveryComponentOfEachRankKey()
    {
        var agent = DeskApi.NewAgent("sem-explain");
        await _api.StoreIdAsync(new { agent_id = agent, content = "router firmware updated", importance = 0.8 });
        var body = await RecallBodyAsync(new { agent_id = agent, query = "router firmware", routing = "hybrid", explain = true });

        var explain = body.GetProperty("explain");
        Assert.Equal(["router", "firmware"], explain.GetProperty("terms").Strings());
        Assert.Equal("scoped", explain.GetProperty("path").GetString()); // a one-memory agent is read whole
        foreach (var field in new[] { "relevance", "importance", "recency", "recency_half_life_days" })
            Assert.True(explain.GetProperty("weights").TryGetProperty(field, out _), field);

        var item = body.GetProperty("memories")[0];
        var parts = item.GetProperty("explain");
        Assert.Contains("lexical", parts.GetProperty("sources").Strings());
        Assert.Contains("vector", parts.GetProperty("sources").Strings());
        Assert.Equal(0.8, parts.GetProperty("importance").GetDouble());
        Assert.Equal(item.GetProperty("score").GetDouble(), parts.GetProperty("relevance").GetDouble(), 5);
        Assert.Equal(item.GetProperty("text_score").GetDouble(), parts.GetProperty("text_raw").GetDouble(), 5);
    }

    [Fact]
    public async Task Recall_WithoutExplain_CarriesNoExplanation()
    {
        var agent = DeskApi.NewAgent("sem-noexplain");
        await _api.StoreIdAsync(new { agent_id = agent, content = "router firmware updated" });
        var body = await RecallBodyAsync(new { agent_id = agent, query = "router" });
        Assert.False(body.TryGetProperty("explain", out _));
        Assert.False(body.GetProperty("memories")[0].TryGetProperty("explain", out _));
    }

    [Fact]
    public async Task Recall_HandoffSummary_RanksFirstOnEveryRouting()
    {
        var agent = DeskApi.NewAgent("sem-handoff");
        for (var i = 0; i < 5; i++) await _api.StoreIdAsync(new { agent_id = agent, content = $"refund request number {i} for the invoice" });
        var summary = await _api.StoreIdAsync(new { agent_id = agent, content = "HANDOFF SUMMARY: customer locked out of the portal", importance = 1.0, tags = new[] { "handoff" } });
        foreach (var routing in new[] { "bm25", "vector", "hybrid", "auto" })
            Assert.Equal(summary, DeskApi.IdOf((await RecallBodyAsync(new { agent_id = agent, query = "refund invoice", routing })).GetProperty("memories")[0]));
    }

    [Fact]
    public async Task StoreBatch_ReportsTheEmbeddingTimeAndEveryMemoryIsSearchableByVector()
    {
        var agent = DeskApi.NewAgent("sem-batch");
        var memories = Enumerable.Range(0, 50).Select(i => new { content = $"order {i} arrived damaged, customer wants a replacement" }).ToArray();
        var stored = await (await _api.PostJsonAsync("/v1/memories/store/batch", new { agent_id = agent, memories })).OkAsync(System.Net.HttpStatusCode.Created);
        Assert.True(stored.GetProperty("total_embedding_time_ms").GetInt64() >= 0);
        Assert.True(stored.GetProperty("total_time_ms").GetInt64() >= stored.GetProperty("total_embedding_time_ms").GetInt64());

        var hits = (await RecallBodyAsync(new { agent_id = agent, query = "broken parcel", routing = "vector", top_k = 50 })).GetProperty("memories");
        Assert.Equal(50, hits.GetArrayLength());
        Assert.All(hits.EnumerateArray(), h => Assert.True(h.GetProperty("vector_score").GetDouble() > 0));
    }

    [Fact]
    public async Task Recall_SessionScoped_IsScoredInProcess()
    {
        var agent = DeskApi.NewAgent("sem-session");
        var session = await _api.StartSessionIdAsync(agent);
        var inSession = await _api.StoreIdAsync(new { agent_id = agent, session_id = session, content = "router replaced under warranty" });
        await _api.StoreIdAsync(new { agent_id = agent, content = "router replaced in another conversation" });
        var body = await RecallBodyAsync(new { agent_id = agent, session_id = session, query = "router", explain = true });
        Assert.Equal("scoped", body.GetProperty("explain").GetProperty("path").GetString());
        Assert.Equal([inSession], body.GetProperty("memories").EnumerateArray().Ids());
    }
}

/// <summary>A server configured without an embedding model: lexical recall only.</summary>
public sealed class LexicalOnlyDeskFactory : DeskFactory
{
    public LexicalOnlyDeskFactory() => Settings["AgentDesk:Embeddings:Provider"] = "none";
}

public sealed class LexicalOnlyRecallApiTests(LexicalOnlyDeskFactory desk) : IClassFixture<LexicalOnlyDeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    [Fact]
    public async Task Recall_VectorRouting_Returns400WhenNoModelIsConfigured()
    {
        var agent = DeskApi.NewAgent("lex-vector");
        await _api.StoreIdAsync(new { agent_id = agent, content = "fiber outage" });
        await (await _api.PostJsonAsync("/v1/memory/recall", new { agent_id = agent, query = "fiber", routing = "vector" })).AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("hybrid")]
    public async Task Recall_AutoAndHybrid_AreLexicalWithoutAModel(string routing)
    {
        var agent = DeskApi.NewAgent("lex-auto");
        await _api.StoreIdAsync(new { agent_id = agent, content = "fiber outage" });
        var body = await (await _api.PostJsonAsync("/v1/memory/recall", new { agent_id = agent, query = "fiber", routing, explain = true })).OkAsync();
        Assert.Equal("bm25", body.GetProperty("explain").GetProperty("routing").GetString());
        Assert.False(body.GetProperty("memories")[0].TryGetProperty("vector_score", out _));
    }
}
