using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Demo;

public sealed class DemoDeskFactory : DeskFactory
{
    public DemoDeskFactory() => Settings["AgentDesk:DemoData"] = "true";
}

/// <summary>The demo data a newcomer sees: real handoffs made through the engine, with a chain and a parallel case.</summary>
public sealed class DemoDataTests(DemoDeskFactory desk) : IClassFixture<DemoDeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    [Fact]
    public async Task DemoData_QueuesRealHandoffs_WithAChainOfTwoAndAParallelCase()
    {
        var queued = (await (await _api.GetAsync("/v1/handoffs?status=queued")).OkAsync()).GetProperty("handoffs").EnumerateArray().ToList();

        Assert.Equal(["billing-tier2", "tech-support", "billing-tier1"], queued.Select(h => h.GetProperty("target_queue").GetString()));
        var tier2 = queued[0];
        Assert.Equal(1, tier2.GetProperty("chain_depth").GetInt32());
        Assert.Equal("support-bot", tier2.GetProperty("chain")[0].GetProperty("from").GetString());
        var text = tier2.GetProperty("summary_text").GetString()!;
        Assert.Contains("escalation 2 of the case", text);
        Assert.Contains("within 5 minutes", text);
        // Maria's session holds only her notes: the goal and the mood come forward from the bot's summary.
        Assert.Contains("Goal: Customer Dana Ortiz wants a refund", text);
        Assert.Contains("Sentiment: frustrated", text);
        var dispute = await _api.HandoffAsync(tier2.GetProperty("id").GetString()!);
        Assert.Equal("email", dispute.GetProperty("parallel_cases")[0].GetProperty("channel").GetString());
        var escalated = (await (await _api.GetAsync("/v1/handoffs?status=escalated")).OkAsync()).GetProperty("handoffs")[0];
        Assert.Equal("maria", escalated.GetProperty("claimed_by").GetString());
    }

    [Fact]
    public async Task DemoData_HasACrossChannelThread_VoiceThenChatThenEmail()
    {
        var thread = await (await _api.GetAsync("/v1/threads/cust-3307?turns=true")).OkAsync();

        Assert.Equal(["voice", "chat", "email"], thread.GetProperty("channels").Strings());
        Assert.Equal(4, thread.GetProperty("turn_count").GetInt32());
        Assert.Equal("mail-1", thread.GetProperty("turns")[3].GetProperty("id").GetString());
    }
}
