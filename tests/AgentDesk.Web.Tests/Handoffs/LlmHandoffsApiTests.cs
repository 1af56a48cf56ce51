using System.Net;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Handoffs;

/// <summary>The desk configured with an OpenAI-compatible summary model (the loopback fake server).</summary>
public sealed class LlmDeskFactory : ModelDeskFactory
{
    public LlmDeskFactory() : base("AgentDesk:Summaries:OpenAI", "fake-drafter")
    {
        Settings["AgentDesk:Summaries:Generator"] = "llm";
        Settings["AgentDesk:Summaries:OpenAI:TimeoutSeconds"] = "2";
    }
}

/// <summary>Escalations drafted by the model: its summary when valid, the extractive composer's (with the reason recorded) when not.</summary>
public sealed class LlmHandoffsApiTests(LlmDeskFactory desk) : IClassFixture<LlmDeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    private static FakeResponse Draft(string goal) => FakeOpenAiServer.ChatAnswer(JsonSerializer.Serialize(new
    {
        user_goal = goal,
        situation = "Double charge confirmed; the void failed because the charge settled.",
        tried = new[] { new { action = "Void through the payments API", outcome = "failed: settled" } },
        commitments = new[] { new { what = "I will escalate this to billing within 5 minutes", by = "bot", due = "5 minutes" } },
        sentiment = new { label = "frustrated", evidence = "says they are passed around" },
        urgency = "high",
        recommended_action = "Refund the second charge and confirm by email.",
        handoff_chain = Array.Empty<object>(),
    }));

    [Fact]
    public async Task Escalate_GoodModelDraft_IsStoredAsTheLlmSummary()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot);
        desk.Model.Enqueue(Draft("Refund the duplicate 49.99 charge (model)"));

        var answer = await _api.EscalateSessionAsync(bot, session);

        Assert.Equal("llm", answer.GetProperty("generator").GetString());
        Assert.False(answer.TryGetProperty("fallback_reason", out _));
        var text = answer.GetProperty("handoff").GetProperty("summary_text").GetString()!;
        Assert.Contains("Refund the duplicate 49.99 charge (model)", text);
        Assert.StartsWith("HANDOFF SUMMARY [HIGH]: escalation 1 of the case", text);
        Assert.Equal("fake-drafter", desk.Model.Requests[^1].Model);
    }

    [Fact]
    public async Task Escalate_ModelAnswersGarbageTwice_FallsBackToExtractive_AndRecordsWhy()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot);
        desk.Model.Enqueue(FakeOpenAiServer.ChatAnswer("{\"user_goal\": "), FakeOpenAiServer.ChatAnswer("not json at all"));

        var answer = await _api.EscalateSessionAsync(bot, session);

        Assert.Equal("extractive", answer.GetProperty("generator").GetString());
        Assert.Contains("invalid", answer.GetProperty("fallback_reason").GetString());
        Assert.Contains(answer.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "LLM_FALLBACK");
        var created = (await (await _api.GetAsync($"/v1/handoffs/{answer.GetProperty("handoff_id").GetString()}")).OkAsync())
            .GetProperty("events")[0].GetProperty("detail");
        Assert.Equal("extractive", created.GetProperty("generator").GetString());
        Assert.Equal(2, created.GetProperty("model_attempts").GetInt32());
    }

    [Fact]
    public async Task Escalate_ModelTimesOut_StillQueuesTheCaseWithTheExtractiveSummary()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot);
        desk.Model.Enqueue(FakeResponse.Slow(TimeSpan.FromSeconds(30)));

        var answer = await _api.EscalateSessionAsync(bot, session);

        Assert.Equal("extractive", answer.GetProperty("generator").GetString());
        Assert.Contains("model failed", answer.GetProperty("fallback_reason").GetString());
        Assert.Equal("queued", answer.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Draft_WithTheModel_ReportsTheGeneratorAndAttempts()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot);
        desk.Model.Enqueue(Draft(string.Join(' ', Enumerable.Repeat("refund", 320))), Draft("Refund the duplicate charge"));

        var draft = await (await _api.PostJsonAsync("/v1/summaries/draft", new { session_id = session, target_queue = "billing", reason = "refund" })).OkAsync();

        Assert.Equal("llm", draft.GetProperty("generator").GetString());
        Assert.Equal(2, draft.GetProperty("model_attempts").GetInt32());
        Assert.True(draft.GetProperty("validation").GetProperty("valid").GetBoolean());
        Assert.Contains("compress", JsonSerializer.Serialize(desk.Model.Requests[^1].Body));
    }
}
