using System.Text.Json;
using AgentDesk.Core.OpenAiCompatible;
using AgentDesk.Core.Summaries;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Summaries;

/// <summary>The LLM path end to end: OpenAI SDK, a real socket, the fake server's scripted drafts, validation, re-ask, fallback.</summary>
public sealed class LlmSummaryDrafterTests : FakeOpenAiServerTest
{
    private static readonly ChainEntry[] Stored =
    [
        new("billing-bot", "tier1", "refund above bot limit", "duplicate charge confirmed"),
        new("tier1", "tier2", "card issuer dispute", "issuer reference opened"),
    ];

    private static readonly Commitment Promise = new("call back with the issuer's answer", "tier1", "Friday");

    private static readonly CompositionInput Case = new()
    {
        Memories =
        [
            new SessionMemory("Customer wants the duplicate $49.99 charge refunded.", 0.9, ["customer-goal"], "episodic", DateTimeOffset.Parse("2026-11-20T10:00:00Z")),
            new SessionMemory("Customer is angry: third contact about the same charge.", 0.8, ["sentiment"], "episodic", DateTimeOffset.Parse("2026-11-20T10:05:00Z")),
        ],
        EarlierHandoffs = Stored,
        OpenCommitments = [Promise],
        Urgency = Urgency.High,
        Reason = "needs a manager's approval",
        From = "tier2",
        To = "manager",
    };

    private LlmSummaryDrafter Drafter(int timeoutSeconds = 30) => new(new OpenAiChatClient(new OpenAiChatOptions
    {
        BaseUrl = Server.BaseUrl.AbsoluteUri,
        Model = "drafter",
        ApiKey = "sk",
        TimeoutSeconds = timeoutSeconds,
    }, "AgentDesk:Summaries:OpenAI"));

    private static FakeResponse DraftJson(string situation = "Refund of a duplicate charge awaits a manager.", IEnumerable<ChainEntry>? chain = null) =>
        FakeOpenAiServer.ChatAnswer(JsonSerializer.Serialize(new
        {
            user_goal = "Get the duplicate $49.99 charge refunded",
            situation,
            tried = new[] { new { action = "issuer dispute opened", outcome = "pending" } },
            commitments = new[] { new { what = Promise.What, by = Promise.By, due = Promise.Due } },
            sentiment = new { label = "angry", evidence = "third contact about the same charge" },
            urgency = "high",
            recommended_action = "Apologise, approve the refund and call the customer back.",
            handoff_chain = (chain ?? Stored).Select(c => new { from = c.From, to = c.To, reason = c.Reason, established = "as the model put it" }),
        }));

    private IReadOnlyList<string> UserTexts(int request) =>
        Server.Requests[request].Body!.Value.GetProperty("messages").EnumerateArray()
            .Where(m => m.GetProperty("role").GetString() == "user").Select(m => m.GetProperty("content").ToString()).ToList();

    [Fact]
    public async Task Draft_GoodModelDraft_IsUsedWithTheStoredChain()
    {
        Server.Enqueue(DraftJson());
        var draft = await Drafter().DraftAsync(Case, default);
        Assert.Equal(SummaryDraft.Llm, draft.Generator);
        Assert.True(draft.Report.IsValid);
        Assert.Equal(1, draft.ModelAttempts);
        Assert.Null(draft.FallbackReason);
        Assert.Equal(Stored, draft.Summary.HandoffChain); // the records, not the model's "established" wording
        Assert.StartsWith("HANDOFF SUMMARY [HIGH]: escalation 3 of the case", draft.Rendered);
        Assert.Contains("from tier1 to tier2: card issuer dispute", UserTexts(0)[0]); // the model is told every earlier leg
    }

    [Fact]
    public async Task Draft_OverLongDraft_IsReaskedToCompress_ThenUsed()
    {
        Server.Enqueue(DraftJson(situation: string.Join(' ', Enumerable.Repeat("waiting", 400))), DraftJson());
        var draft = await Drafter().DraftAsync(Case, default);
        Assert.Equal((SummaryDraft.Llm, 2), (draft.Generator, draft.ModelAttempts));
        Assert.True(draft.Report.IsValid);
        Assert.Contains("compress to ≤ 300 words", UserTexts(1)[^1]);
    }

    [Fact]
    public async Task Draft_DroppingAChainEntryTwice_FallsBackToTheExtractiveComposer()
    {
        Server.Enqueue(DraftJson(chain: Stored.Take(1)), DraftJson(chain: Stored.Take(1)));
        var draft = await Drafter().DraftAsync(Case, default);
        Assert.Equal(SummaryDraft.Extractive, draft.Generator);
        Assert.True(draft.Report.IsValid);
        Assert.Contains("dropped handoff 2 of 2", draft.FallbackReason);
        Assert.Contains("dropped handoff 2 of 2", UserTexts(1)[^1]);
        Assert.Equal(Stored.Select(c => (c.From, c.To)), draft.Summary.HandoffChain.Select(c => (c.From, c.To)));
    }

    [Fact]
    public async Task Draft_MalformedJsonTwice_FallsBack()
    {
        Server.Enqueue(FakeOpenAiServer.ChatAnswer("{\"user_goal\": "), FakeOpenAiServer.ChatAnswer("not json at all"));
        var draft = await Drafter().DraftAsync(Case, default);
        Assert.Equal((SummaryDraft.Extractive, 2), (draft.Generator, draft.ModelAttempts));
        Assert.Contains("valid JSON", draft.FallbackReason);
        Assert.True(draft.Report.IsValid);
    }

    [Fact]
    public async Task Draft_ModelTimesOut_FallsBackAndSaysWhy()
    {
        Server.Enqueue(FakeResponse.Slow(TimeSpan.FromSeconds(60)));
        var draft = await Drafter(timeoutSeconds: 1).DraftAsync(Case, default);
        Assert.Equal(SummaryDraft.Extractive, draft.Generator);
        Assert.Contains("did not answer within 1 s", draft.FallbackReason);
        Assert.True(draft.Report.IsValid);
    }

    [Fact]
    public async Task Draft_Extractive_IsValidWithoutAnyModel()
    {
        var draft = await new ExtractiveSummaryGenerator().DraftAsync(Case, default);
        Assert.Equal((SummaryDraft.Extractive, 0, (string?)null), (draft.Generator, draft.ModelAttempts, draft.FallbackReason));
        Assert.True(draft.Report.IsValid);
        Assert.Empty(Server.Requests);
    }
}
