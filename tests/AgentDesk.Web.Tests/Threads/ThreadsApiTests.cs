using System.Net;
using System.Text.Json;
using AgentDesk.Web.Auth;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Threads;

/// <summary>The thread rows of API.md §2 over real HTTP: a customer on voice, then chat, then email, resumed and searched by any agent.</summary>
public sealed class ThreadsApiTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    private static readonly long Start = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds();

    private static object Turn(string id, string text, string channel, long at, string? role = null) => new { id, text, channel, role, at };

    private static readonly object[] VoiceChatEmail =
    [
        Turn("call-1", "Caller says the router drops the internet every evening", "voice", Start),
        Turn("chat-1", "Bot walked the customer through a factory reset of the modem", "chat", Start + 600, "bot"),
        Turn("mail-1", "Customer emails asking for a refund of the engineer visit fee", "email", Start + 3600),
    ];

    private static Task<HttpResponseMessage> PutTurnsAsync(HttpClient client, string thread, object body) =>
        client.PutJsonAsync($"/v1/threads/{thread}/turns", body);

    private async Task<JsonElement> UpsertAsync(string thread, params object[] turns) =>
        await (await PutTurnsAsync(_api, thread, new { agent_id = thread, turns })).OkAsync();

    private async Task<JsonElement> ThreadAsync(string thread, bool turns = false) =>
        await (await _api.GetAsync($"/v1/threads/{thread}{(turns ? "?turns=true" : "")}")).OkAsync();

    private static IReadOnlyList<string> Outcomes(JsonElement answer) =>
        answer.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("outcome").GetString()!).ToList();

    [Fact]
    public async Task CrossChannelThread_VoiceThenChatThenEmail_ResumesWithItsHistory_AndQueryFindsTheRightTurn()
    {
        var thread = DeskApi.NewAgent("cust");
        foreach (var turn in VoiceChatEmail) await UpsertAsync(thread, turn);

        var state = await ThreadAsync(thread);
        var resumed = await ThreadAsync(thread, turns: true);
        var hits = (await (await _api.PostJsonAsync($"/v1/threads/{thread}/query", new { query = "refund for the visit fee", top_k = 3 })).OkAsync())
            .GetProperty("turns").EnumerateArray().ToList();

        Assert.Equal(3, state.GetProperty("turn_count").GetInt32());
        Assert.Equal(["voice", "chat", "email"], state.GetProperty("channels").Strings());
        Assert.Equal(Start + 3600, state.GetProperty("last_activity_at").GetInt64());
        Assert.False(state.TryGetProperty("turns", out _));
        Assert.False(state.TryGetProperty("open_handoff", out _));
        var turns = resumed.GetProperty("turns").EnumerateArray().ToList();
        Assert.Equal(["call-1", "chat-1", "mail-1"], turns.Select(t => t.GetProperty("id").GetString()));
        Assert.Equal(["customer", "bot", "customer"], turns.Select(t => t.GetProperty("role").GetString()));
        Assert.Equal("mail-1", hits[0].GetProperty("id").GetString());
        Assert.Equal("email", hits[0].GetProperty("channel").GetString());
        Assert.Contains("engineer visit fee", hits[0].GetProperty("text").GetString());
        Assert.True(hits[0].GetProperty("score").GetDouble() > 0);
    }

    [Fact]
    public async Task Upsert_TheSameBatchAgain_ChangesNothing()
    {
        var thread = DeskApi.NewAgent("cust-again");
        var first = await UpsertAsync(thread, VoiceChatEmail);
        var before = await ThreadAsync(thread, turns: true);
        var memories = (await _api.MemoriesOfAsync(thread)).Count;

        var again = await UpsertAsync(thread, VoiceChatEmail);

        Assert.Equal(["created", "created", "created"], Outcomes(first));
        Assert.Equal(["unchanged", "unchanged", "unchanged"], Outcomes(again));
        Assert.Equal(3, again.GetProperty("unchanged").GetInt32());
        Assert.Equal(3, again.GetProperty("thread").GetProperty("turn_count").GetInt32());
        Assert.Equal(before.GetRawText(), (await ThreadAsync(thread, turns: true)).GetRawText());
        Assert.Equal(3, memories);
        Assert.Equal(memories, (await _api.MemoriesOfAsync(thread)).Count);
    }

    [Fact]
    public async Task Upsert_ChangedTurn_IsUpdatedInPlace()
    {
        var thread = DeskApi.NewAgent("cust-edit");
        await UpsertAsync(thread, VoiceChatEmail);

        var edited = await UpsertAsync(thread, Turn("chat-1", "Bot booked an engineer visit for Friday", "chat", Start + 600, "bot"));

        Assert.Equal(["updated"], Outcomes(edited));
        var turns = (await ThreadAsync(thread, turns: true)).GetProperty("turns").EnumerateArray().ToList();
        Assert.Equal(3, turns.Count);
        Assert.Equal("Bot booked an engineer visit for Friday", turns[1].GetProperty("text").GetString());
        Assert.Equal(3, (await _api.MemoriesOfAsync(thread)).Count);
    }

    public static TheoryData<string, string> BadBatches() => new()
    {
        { "missing id", """{"turns":[{"id":"ok-1","text":"fine","channel":"chat"},{"text":"no id","channel":"chat"}]}""" },
        { "bad channel", """{"turns":[{"id":"t1","text":"hello","channel":"carrier pigeon"}]}""" },
        { "empty text", """{"turns":[{"id":"t1","text":"   ","channel":"chat"}]}""" },
        { "missing text", """{"turns":[{"id":"t1","channel":"chat"}]}""" },
        { "bad role", """{"turns":[{"id":"t1","text":"hello","channel":"chat","role":"wizard"}]}""" },
        { "bad time", """{"turns":[{"id":"t1","text":"hello","channel":"chat","at":"soon"}]}""" },
        { "repeated id", """{"turns":[{"id":"t1","text":"hello","channel":"chat"},{"id":"t1","text":"again","channel":"sms"}]}""" },
        { "no turns", """{"turns":[]}""" },
        { "turns not an array", """{"turns":{"id":"t1"}}""" },
        { "too many turns", $$"""{"turns":[{{string.Join(',', Enumerable.Range(0, 501).Select(i => $$"""{"id":"t{{i}}","text":"x","channel":"chat"}"""))}}]}""" },
        { "bad agent", """{"agent_id":"no spaces allowed","turns":[{"id":"t1","text":"hello","channel":"chat"}]}""" },
    };

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task Upsert_BadBatch_Returns400AndStoresNothing(string why, string body)
    {
        var thread = DeskApi.NewAgent("cust-bad");
        var before = await _api.AgentCountsAsync();

        var error = await (await _api.SendRawAsync(HttpMethod.Put, $"/v1/threads/{thread}/turns", body)).AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.True(error.GetProperty("error").GetString()!.Length > 0, why);
        await (await _api.GetAsync($"/v1/threads/{thread}")).AssertErrorAsync(404, "NOT_FOUND");
        Assert.Equal(before, await _api.AgentCountsAsync());
    }

    [Fact]
    public async Task Upsert_SeveralBadTurns_ListsEveryProblem()
    {
        var thread = DeskApi.NewAgent("cust-many");
        var body = """{"turns":[{"text":"no id","channel":"chat"},{"id":"t2","text":"","channel":"chat"},{"id":"t3","text":"x","channel":"bad channel"}]}""";

        var error = await (await _api.SendRawAsync(HttpMethod.Put, $"/v1/threads/{thread}/turns", body)).AssertErrorAsync(400, "INVALID_REQUEST");

        var messages = error.GetProperty("failures").EnumerateArray().Select(f => f.GetProperty("message").GetString()!).ToList();
        Assert.Equal(3, messages.Count);
        Assert.Contains(messages, m => m.Contains("turns[0].id"));
        Assert.Contains(messages, m => m.Contains("turns[1].text"));
        Assert.Contains(messages, m => m.Contains("turns[2].channel"));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("-leading-dash")]
    [InlineData("slash%2Finside")]
    public async Task ThreadRoutes_BadName_Return400(string name)
    {
        await (await PutTurnsAsync(_api, name, new { turns = new[] { Turn("t1", "hello", "chat", Start) } })).AssertErrorAsync(400, "INVALID_REQUEST");
        await (await _api.GetAsync($"/v1/threads/{name}")).AssertErrorAsync(400, "INVALID_REQUEST");
        await (await _api.PostJsonAsync($"/v1/threads/{name}/query", new { query = "hello" })).AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task ThreadRoutes_NameOver100Characters_Return400()
    {
        await (await PutTurnsAsync(_api, new string('n', 101), new { turns = new[] { Turn("t1", "hello", "chat", Start) } })).AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task UnknownThread_Returns404OnEveryReadAndOnRaisingAHandoff()
    {
        var thread = DeskApi.NewAgent("cust-none");

        await (await _api.GetAsync($"/v1/threads/{thread}")).AssertErrorAsync(404, "NOT_FOUND");
        await (await _api.PostJsonAsync($"/v1/threads/{thread}/query", new { query = "anything" })).AssertErrorAsync(404, "NOT_FOUND");
        await (await _api.PostJsonAsync($"/v1/threads/{thread}/handoffs", new { agent_id = thread, target_queue = "billing", reason = "refund", generate = true }))
            .AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Query_WithoutQueryOrWithTopKOutOfRange_Returns400()
    {
        var thread = DeskApi.NewAgent("cust-q");
        await UpsertAsync(thread, VoiceChatEmail[0]);

        await (await _api.PostJsonAsync($"/v1/threads/{thread}/query", new { top_k = 3 })).AssertErrorAsync(400, "INVALID_REQUEST");
        await (await _api.PostJsonAsync($"/v1/threads/{thread}/query", new { query = "router", top_k = 101 })).AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task RaiseHandoff_FromThread_ShowsAsOpenHandoff_UntilResolved_AndTheNextTurnOpensANewLeg()
    {
        var thread = DeskApi.NewAgent("cust-case");
        await UpsertAsync(thread, VoiceChatEmail);
        var leg = (await ThreadAsync(thread)).GetProperty("session_id").GetString();

        var raised = await (await _api.PostJsonAsync($"/v1/threads/{thread}/handoffs", new
        {
            agent_id = thread,
            target_queue = "billing",
            reason = "refund of the visit fee",
            urgency = "high",
            generate = true,
        })).OkAsync(HttpStatusCode.Created);
        var id = raised.GetProperty("handoff_id").GetString()!;
        var open = await ThreadAsync(thread);
        var handoff = await _api.HandoffAsync(id);
        var agent = DeskApi.NewAgent("desk-agent");
        await _api.PickUpAsync(id, agent);
        await (await _api.ActAsync(id, "resolve", new { agent_id = agent, resolution_note = "refunded" })).OkAsync();
        var resolved = await ThreadAsync(thread);
        await UpsertAsync(thread, Turn("mail-2", "Thanks, the refund arrived", "email", Start + 7200));
        var next = await ThreadAsync(thread);

        Assert.Equal(leg, raised.GetProperty("source_session_id").GetString());
        Assert.Equal(thread, handoff.GetProperty("thread").GetString());
        Assert.Equal("email", handoff.GetProperty("channel").GetString());
        Assert.Equal(id, open.GetProperty("open_handoff").GetProperty("handoff_id").GetString());
        Assert.Equal("queued", open.GetProperty("open_handoff").GetProperty("status").GetString());
        Assert.False(open.TryGetProperty("session_id", out _));
        Assert.False(resolved.TryGetProperty("open_handoff", out _));
        Assert.Equal(4, next.GetProperty("turn_count").GetInt32());
        Assert.NotEqual(leg, next.GetProperty("session_id").GetString());
    }

    [Fact]
    public async Task RaiseHandoff_TwiceFromTheSameLeg_Returns409()
    {
        var thread = DeskApi.NewAgent("cust-twice");
        await UpsertAsync(thread, VoiceChatEmail);
        var body = new { agent_id = thread, target_queue = "billing", reason = "refund", generate = true };
        await (await _api.PostJsonAsync($"/v1/threads/{thread}/handoffs", body)).OkAsync(HttpStatusCode.Created);

        await (await _api.PostJsonAsync($"/v1/threads/{thread}/handoffs", body)).AssertErrorAsync(409, "CONFLICT");
    }

    [Fact]
    public async Task RaiseHandoff_AsAnotherAgentThanTheThreadsOwner_Returns400()
    {
        var thread = DeskApi.NewAgent("cust-owner");
        await UpsertAsync(thread, VoiceChatEmail);

        var error = await (await _api.PostJsonAsync($"/v1/threads/{thread}/handoffs", new { agent_id = "someone-else", target_queue = "billing", reason = "refund", generate = true }))
            .AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Contains(thread, error.GetProperty("error").GetString());
        Assert.False((await ThreadAsync(thread)).TryGetProperty("open_handoff", out _));
    }

    [Fact]
    public async Task KeyRestrictedToOtherAgents_IsRefusedOnTheThread_AndCannotCreateOneForTheDefaultAgent()
    {
        var thread = DeskApi.NewAgent("cust-private");
        await UpsertAsync(thread, VoiceChatEmail[0]);
        var stranger = desk.WithKey(await desk.CreateKeyAsync([Scopes.Read, Scopes.Write, Scopes.Handoffs], [DeskApi.NewAgent("other")]));
        var owner = desk.WithKey(await desk.CreateKeyAsync([Scopes.Read, Scopes.Write], [thread]));
        var fresh = DeskApi.NewAgent("cust-new");

        await (await stranger.GetAsync($"/v1/threads/{thread}")).AssertErrorAsync(403, "NAMESPACE_ACCESS_DENIED");
        await (await stranger.PostJsonAsync($"/v1/threads/{thread}/query", new { query = "router" })).AssertErrorAsync(403, "NAMESPACE_ACCESS_DENIED");
        await (await PutTurnsAsync(stranger, thread, new { turns = new[] { VoiceChatEmail[1] } })).AssertErrorAsync(403, "NAMESPACE_ACCESS_DENIED");
        await (await PutTurnsAsync(stranger, fresh, new { turns = new[] { VoiceChatEmail[1] } })).AssertErrorAsync(403, "NAMESPACE_ACCESS_DENIED");
        await (await PutTurnsAsync(owner, thread, new { turns = new[] { VoiceChatEmail[1] } })).OkAsync();

        Assert.Equal(2, (await ThreadAsync(thread)).GetProperty("turn_count").GetInt32());
        await (await _api.GetAsync($"/v1/threads/{fresh}")).AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Upsert_NamingAnotherAgentThanTheOwner_Returns409()
    {
        var thread = DeskApi.NewAgent("cust-409");
        await UpsertAsync(thread, VoiceChatEmail[0]);

        await (await PutTurnsAsync(_api, thread, new { agent_id = "someone-else", turns = new[] { VoiceChatEmail[1] } })).AssertErrorAsync(409, "CONFLICT");

        Assert.Equal(1, (await ThreadAsync(thread)).GetProperty("turn_count").GetInt32());
    }
}
