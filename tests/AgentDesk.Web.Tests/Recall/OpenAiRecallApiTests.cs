using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Recall;

/// <summary>A server whose embedding model is an OpenAI-compatible endpoint (a loopback fake).</summary>
public sealed class OpenAiDeskFactory : ModelDeskFactory
{
    public OpenAiDeskFactory() : base("AgentDesk:Embeddings:OpenAI", "fake-embed-1") =>
        Settings["AgentDesk:Embeddings:Provider"] = "openai";
}

public sealed class OpenAiRecallApiTests(OpenAiDeskFactory desk) : IClassFixture<OpenAiDeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    private async Task<double?> VectorScoreOfBestAsync(string agent, string query)
    {
        var hits = (await (await _api.PostJsonAsync("/v1/memory/recall", new { agent_id = agent, query, routing = "vector" })).OkAsync()).GetProperty("memories");
        return hits.GetArrayLength() > 0 && hits[0].TryGetProperty("vector_score", out var score) ? score.GetDouble() : null;
    }

    [Fact]
    public async Task Store_EmbedsThroughTheModelServer_AndRecallComparesWithItsVectors()
    {
        var agent = DeskApi.NewAgent("oai-store");
        const string content = "customer wants to cancel the premium plan";
        await _api.StoreIdAsync(new { agent_id = agent, content });

        var request = desk.Model.Requests.Last(r => r.Inputs.Contains(content));
        Assert.Equal("fake-embed-1", request.Model);
        Assert.Equal("Bearer sk-fake", request.Authorization);
        // The fake embeds equal texts equally: the same text as the query must score a cosine of 1.
        Assert.Equal(1.0, await VectorScoreOfBestAsync(agent, content) ?? 0, 4);
    }

    [Fact]
    public async Task Store_WhileTheModelServerFails_IsStillStored_AndGetsItsVectorLater()
    {
        var agent = DeskApi.NewAgent("oai-down");
        const string content = "parcel lost by the courier in Porto";
        desk.Model.Enqueue(FakeResponse.Error(503, "model overloaded"));
        var id = await _api.StoreIdAsync(new { agent_id = agent, content });
        Assert.NotNull(await _api.GetMemoryAsync(id));

        // The background back-fill embeds it once the model answers again.
        var score = await Poll.UntilAsync(() => VectorScoreOfBestAsync(agent, content), s => s is > 0.999, "the memory to get its vector");
        Assert.NotNull(score);
    }
}
