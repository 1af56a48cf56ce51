using System.Net;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Handoffs;

public sealed class HandoffsApiTests(DeskFactory factory) : IClassFixture<DeskFactory>
{
    private readonly HttpClient _api = factory.Root();

    [Fact]
    public async Task Escalate_GeneratedSummary_StoredFirstAtImportanceOneThenSessionEndedWithLinksAndQueued()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot, channel: "chat", customer: "cust-1001");

        var answer = await _api.EscalateSessionAsync(bot, session, queue: "billing-t1", urgency: "high");

        var handoffId = answer.GetProperty("handoff_id").GetString()!;
        Assert.StartsWith("hof_", handoffId);
        Assert.Equal(0, answer.GetProperty("chain_depth").GetInt32());
        Assert.Equal("generated", answer.GetProperty("summary_source").GetString());
        Assert.Equal("extractive", answer.GetProperty("generator").GetString());
        Assert.Equal("queued", answer.GetProperty("status").GetString());
        var words = answer.GetProperty("word_count").GetInt32();
        Assert.InRange(words, 20, 300);

        var memory = (await _api.GetMemoryAsync(answer.GetProperty("summary_memory_id").GetString()!))!.Value;
        Assert.Equal(1.0, memory.GetProperty("importance").GetDouble());
        Assert.Equal(session, memory.GetProperty("session_id").GetString());
        var tags = memory.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Superset(new HashSet<string?> { "handoff", "session-summary", "priority:high", "target:billing-t1", "channel:chat", "customer:cust-1001" }, tags.ToHashSet());
        var content = memory.GetProperty("content").GetString()!;
        Assert.StartsWith("HANDOFF SUMMARY [HIGH]: escalation 1 of the case", content);
        Assert.Contains("refund", content);
        Assert.Contains("I will escalate this to billing within 5 minutes", content);
        Assert.Contains("frustrated", content);
        Assert.Equal(words, content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length);

        var ended = await (await _api.GetAsync($"/v1/sessions/{session}")).OkAsync();
        Assert.True(ended.TryGetProperty("ended_at", out _), "the source session is ended");
        var metadata = ended.GetProperty("metadata");
        Assert.Equal("billing-t1", metadata.GetProperty("handoff_to").GetString());
        Assert.Equal("refund needs a billing specialist", metadata.GetProperty("escalation_reason").GetString());
        Assert.Equal(memory.GetProperty("id").GetString(), metadata.GetProperty("handoff_memory_id").GetString());
        Assert.Equal("high", metadata.GetProperty("urgency").GetString());

        var queued = await (await _api.GetAsync("/v1/handoffs?status=queued&queue=billing-t1")).OkAsync();
        Assert.Contains(queued.GetProperty("handoffs").EnumerateArray(), h => h.GetProperty("id").GetString() == handoffId);
        var handoff = await _api.HandoffAsync(handoffId);
        Assert.Equal("chat", handoff.GetProperty("channel").GetString());
        Assert.Equal("cust-1001", handoff.GetProperty("customer_id").GetString());
        Assert.Equal("frustrated", handoff.GetProperty("summary").GetProperty("sentiment").GetProperty("label").GetString());
        Assert.Equal(0, handoff.GetProperty("chain").GetArrayLength());
    }

    [Fact]
    public async Task Escalate_EmptyBody_Returns400ListingEveryMissingField()
    {
        var error = await (await _api.EscalateAsync(new { })).AssertErrorAsync(400, "INVALID_REQUEST");

        var failures = error.GetProperty("failures").EnumerateArray().Select(f => f.GetProperty("message").GetString()!).ToList();
        Assert.Contains(failures, m => m.Contains("source_session_id"));
        Assert.Contains(failures, m => m.Contains("agent_id"));
        Assert.Contains(failures, m => m.Contains("target_queue") && m.Contains("target_agent"));
        Assert.Contains(failures, m => m.Contains("reason"));
        Assert.All(HandoffApi.Codes(error), code => Assert.Equal("MISSING_FIELD", code));
    }

    [Fact]
    public async Task Escalate_BadValues_Returns400ListingEachOne()
    {
        var error = await (await _api.EscalateAsync(new
        {
            source_session_id = "sess_x",
            agent_id = "bad agent",
            target_queue = "billing",
            target_agent = "alice",
            reason = " ",
            urgency = "asap",
            channel = "chat room",
        })).AssertErrorAsync(400, "INVALID_REQUEST");

        var messages = string.Join("\n", error.GetProperty("failures").EnumerateArray().Select(f => f.GetProperty("message").GetString()));
        Assert.Contains("agent_id", messages);
        Assert.Contains("not both", messages);
        Assert.Contains("reason", messages);
        Assert.Contains("urgency", messages);
        Assert.Contains("channel", messages);
    }

    [Fact]
    public async Task Escalate_UnknownSession_Returns404()
    {
        var bot = DeskApi.NewAgent("bot");
        await (await _api.EscalateAsync(new { source_session_id = "sess_missing", agent_id = bot, target_queue = "billing", reason = "help", generate = true }))
            .AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Escalate_SessionOfAnotherAgent_Returns400()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.StartSessionIdAsync(bot);
        await (await _api.EscalateAsync(new { source_session_id = session, agent_id = DeskApi.NewAgent("other"), target_queue = "billing", reason = "help" }))
            .AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Escalate_SessionAlreadyHandedOff_Returns409AndKeepsTheFirst()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot);
        var first = await _api.EscalateSessionAsync(bot, session);

        var error = await (await _api.EscalateAsync(new { source_session_id = session, agent_id = bot, target_queue = "other", reason = "again", generate = true }))
            .AssertErrorAsync(409, "CONFLICT");

        Assert.Contains(first.GetProperty("handoff_id").GetString()!, error.GetProperty("error").GetString());
        var handoffs = await (await _api.GetAsync("/v1/handoffs?queue=other")).OkAsync();
        Assert.DoesNotContain(handoffs.GetProperty("handoffs").EnumerateArray(), h => h.GetProperty("source_session_id").GetString() == session);
    }

    [Fact]
    public async Task Escalate_OversizeCallerSummary_Returns400WithEveryFailedCheck_AndChangesNothing()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot);
        var before = (await _api.MemoriesOfAsync(bot)).Count;

        var error = await (await _api.EscalateAsync(new
        {
            source_session_id = session,
            agent_id = bot,
            target_queue = "billing",
            reason = "refund",
            urgency = "high",
            summary = new
            {
                user_goal = string.Join(' ', Enumerable.Repeat("refund", 320)),
                situation = "",
                tried = Array.Empty<object>(),
                commitments = Array.Empty<object>(),
                sentiment = new { label = "", evidence = "" },
                recommended_action = "call back",
                handoff_chain = Array.Empty<object>(),
            },
        })).AssertErrorAsync(400, "INVALID_REQUEST");

        var codes = HandoffApi.Codes(error);
        Assert.Contains("WORD_LIMIT", codes);
        Assert.Contains("MISSING_SITUATION", codes);
        Assert.Contains("MISSING_SENTIMENT", codes);
        Assert.Equal(before, (await _api.MemoriesOfAsync(bot)).Count);
        var still = await (await _api.GetAsync($"/v1/sessions/{session}")).OkAsync();
        Assert.False(still.TryGetProperty("ended_at", out _), "an invalid summary ends nothing");
    }

    [Fact]
    public async Task Escalate_ValidCallerSummary_IsStoredAsWritten()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot, commitment: null);

        var answer = await (await _api.EscalateAsync(new
        {
            source_session_id = session,
            agent_id = bot,
            target_agent = "alice",
            reason = "VIP customer",
            urgency = "urgent",
            summary = new
            {
                user_goal = "Upgrade to the business plan today",
                situation = "Customer is on the starter plan and hit the seat limit",
                tried = new[] { new { action = "Explained plan limits", outcome = "Customer wants to upgrade now" } },
                sentiment = new { label = "eager", evidence = "asked twice how soon it can happen" },
                recommended_action = "Process the upgrade and confirm the new seat count",
            },
        })).OkAsync(HttpStatusCode.Created);

        Assert.Equal("caller", answer.GetProperty("summary_source").GetString());
        var handoff = answer.GetProperty("handoff");
        var queued = (await (await _api.GetAsync("/v1/handoffs?target_agent=alice&status=queued")).OkAsync()).GetProperty("handoffs");
        Assert.Contains(queued.EnumerateArray(), h => h.GetProperty("id").GetString() == handoff.GetProperty("id").GetString());
        Assert.StartsWith("HANDOFF SUMMARY [URGENT]: escalation 1 of the case", handoff.GetProperty("summary_text").GetString());
        Assert.Equal("Upgrade to the business plan today", handoff.GetProperty("summary").GetProperty("user_goal").GetString());
    }

    [Fact]
    public async Task Escalate_SameIdempotencyKey_ReturnsTheFirstResult_AndStoresOnce()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot);
        var body = new { source_session_id = session, agent_id = bot, target_queue = "billing", reason = "refund", urgency = "normal", generate = true };
        var key = Guid.NewGuid().ToString();

        var first = await (await _api.EscalateAsync(body, key)).OkAsync(HttpStatusCode.Created);
        var replay = await (await _api.EscalateAsync(body, key)).OkAsync(HttpStatusCode.OK);

        Assert.Equal(first.GetProperty("handoff_id").GetString(), replay.GetProperty("handoff_id").GetString());
        Assert.Equal(first.GetProperty("summary_memory_id").GetString(), replay.GetProperty("summary_memory_id").GetString());
        Assert.True(replay.GetProperty("replayed").GetBoolean());
        Assert.Single(await _api.MemoriesOfAsync(bot), m => m.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "handoff"));

        await (await _api.EscalateAsync(body with { reason = "something else" }, key)).AssertErrorAsync(409, "CONFLICT");
    }

    [Fact]
    public async Task Escalate_ConcurrentReplaysOfOneKey_MakeOneHandoff()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot);
        var body = new { source_session_id = session, agent_id = bot, target_queue = "billing", reason = "refund", generate = true };
        var key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ => await (await _api.EscalateAsync(body, key)).JsonAsync()));

        Assert.Single(answers.Select(a => a.GetProperty("handoff_id").GetString()).Distinct());
        Assert.Single(await _api.MemoriesOfAsync(bot), m => m.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "handoff"));
    }

    [Fact]
    public async Task Claim_FiftyConcurrentAgents_ExactlyOneWinsTheOthersGet409()
    {
        var bot = DeskApi.NewAgent("bot");
        var handoffId = (await _api.EscalateSessionAsync(bot, await _api.BotSessionAsync(bot))).GetProperty("handoff_id").GetString()!;

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => _api.ActAsync(handoffId, "claim", new { agent_id = $"agent-{i}" })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var winner = await responses.Single(r => r.StatusCode == HttpStatusCode.OK).OkAsync();
        var claimedBy = winner.GetProperty("handoff").GetProperty("claimed_by").GetString();
        Assert.Equal(claimedBy, (await _api.HandoffAsync(handoffId)).GetProperty("claimed_by").GetString());
        foreach (var lost in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            Assert.Contains("claimed", (await lost.AssertErrorAsync(409, "CONFLICT")).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Connect_BeforeTheContextRecall_Returns409_ThenSucceedsAfterIt()
    {
        var bot = DeskApi.NewAgent("bot");
        var handoffId = (await _api.EscalateSessionAsync(bot, await _api.BotSessionAsync(bot))).GetProperty("handoff_id").GetString()!;
        await (await _api.ActAsync(handoffId, "claim", new { agent_id = "alice" })).OkAsync();

        var early = await (await _api.ActAsync(handoffId, "connect", new { agent_id = "alice" })).AssertErrorAsync(409, "CONFLICT");
        Assert.Contains("context recall", early.GetProperty("error").GetString());

        var context = await _api.ContextAsync(handoffId, "alice");
        Assert.True(context.GetProperty("summary_recalled").GetBoolean());
        Assert.True(context.GetProperty("recall_recorded").GetBoolean());
        Assert.StartsWith("HANDOFF SUMMARY", context.GetProperty("summary").GetProperty("content").GetString());
        Assert.True(context.GetProperty("memories").GetArrayLength() >= 5);
        Assert.Contains(context.GetProperty("open_commitments").EnumerateArray(), c => c.GetProperty("what").GetString()!.Contains("within 5 minutes"));

        await (await _api.ActAsync(handoffId, "connect", new { agent_id = "bob" })).AssertErrorAsync(409, "CONFLICT");
        var connected = (await (await _api.ActAsync(handoffId, "connect", new { agent_id = "alice" })).OkAsync()).GetProperty("handoff");
        Assert.Equal("connected", connected.GetProperty("status").GetString());
        var stored = await _api.HandoffAsync(handoffId);
        Assert.True(stored.GetProperty("recall_ms").GetDouble() > 0);
        Assert.True(stored.GetProperty("summary_recalled").GetBoolean());
    }

    [Fact]
    public async Task ContextRead_ByAnotherAgent_DoesNotUnlockConnect()
    {
        var bot = DeskApi.NewAgent("bot");
        var handoffId = (await _api.EscalateSessionAsync(bot, await _api.BotSessionAsync(bot))).GetProperty("handoff_id").GetString()!;
        await (await _api.ActAsync(handoffId, "claim", new { agent_id = "alice" })).OkAsync();

        var read = await _api.ContextAsync(handoffId, "supervisor-sam");

        Assert.False(read.GetProperty("recall_recorded").GetBoolean());
        await (await _api.ActAsync(handoffId, "connect", new { agent_id = "alice" })).AssertErrorAsync(409, "CONFLICT");
    }

    [Fact]
    public async Task Resolve_RecordsTheRepeatAnswer_EndsTheAgentSession_AndRefusesOthers()
    {
        var bot = DeskApi.NewAgent("bot");
        var handoffId = (await _api.EscalateSessionAsync(bot, await _api.BotSessionAsync(bot))).GetProperty("handoff_id").GetString()!;
        var connected = await _api.PickUpAsync(handoffId, "alice");

        await (await _api.ActAsync(handoffId, "resolve", new { agent_id = "bob", resolution_note = "not mine" })).AssertErrorAsync(409, "CONFLICT");
        var resolved = (await (await _api.ActAsync(handoffId, "resolve", new
        {
            agent_id = "alice",
            resolution_note = "Refunded 49.99",
            customer_repeated_themselves = false,
        })).OkAsync()).GetProperty("handoff");

        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        Assert.False(resolved.GetProperty("customer_repeated_themselves").GetBoolean());
        Assert.Equal("Refunded 49.99", resolved.GetProperty("resolution_note").GetString());
        var agentSession = await (await _api.GetAsync($"/v1/sessions/{connected.GetProperty("agent_session_id").GetString()}")).OkAsync();
        Assert.True(agentSession.TryGetProperty("ended_at", out _));
        await (await _api.ActAsync(handoffId, "claim", new { agent_id = "carol" })).AssertErrorAsync(409, "CONFLICT");
        var events = (await (await _api.GetAsync($"/v1/handoffs/{handoffId}")).OkAsync()).GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["created", "queued", "claimed", "recalled", "connected", "resolved"], events);
    }

    [Fact]
    public async Task Lifecycle_UnknownHandoff_Returns404_AndMissingAgent400()
    {
        await (await _api.ActAsync("hof_missing", "claim", new { agent_id = "alice" })).AssertErrorAsync(404, "NOT_FOUND");
        await (await _api.GetAsync("/v1/handoffs/hof_missing")).AssertErrorAsync(404, "NOT_FOUND");
        await (await _api.ActAsync("hof_missing", "claim", new { })).AssertErrorAsync(400, "INVALID_REQUEST");
        await (await _api.GetAsync("/v1/handoffs?status=lost")).AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task SessionEndedBeforeAnySummary_HandoffBuiltFromItsMemories_AndFlagged()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot);
        await (await _api.PostJsonAsync($"/v1/sessions/{session}/end", new { })).OkAsync();

        var answer = await _api.EscalateSessionAsync(bot, session);

        Assert.Equal("session_memories", answer.GetProperty("summary_source").GetString());
        Assert.Contains(answer.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "SESSION_ENDED_WITHOUT_SUMMARY");
        var text = answer.GetProperty("handoff").GetProperty("summary_text").GetString()!;
        Assert.Contains("double charge", text);
        Assert.Equal("billing", (await (await _api.GetAsync($"/v1/sessions/{session}")).OkAsync()).GetProperty("metadata").GetProperty("handoff_to").GetString());
    }

    [Fact]
    public async Task SimultaneousEscalations_SameCustomerTwoChannels_BothQueuedChannelTaggedAndAwareOfEachOther()
    {
        var customer = $"cust-{Guid.NewGuid():N}"[..20];
        var voiceBot = DeskApi.NewAgent("voice-bot");
        var chatBot = DeskApi.NewAgent("chat-bot");
        var voice = await _api.BotSessionAsync(voiceBot, channel: "voice", customer: customer);
        var chat = await _api.BotSessionAsync(chatBot, channel: "chat", customer: customer);

        var answers = await Task.WhenAll(
            _api.EscalateSessionAsync(voiceBot, voice, customer: customer),
            _api.EscalateSessionAsync(chatBot, chat, customer: customer));

        var ids = answers.Select(a => a.GetProperty("handoff_id").GetString()!).ToArray();
        var handoffs = await Task.WhenAll(ids.Select(_api.HandoffAsync));
        Assert.Equal(["voice", "chat"], handoffs.Select(h => h.GetProperty("channel").GetString()));
        Assert.All(handoffs, h => Assert.Equal("queued", h.GetProperty("status").GetString()));
        Assert.Equal(ids[1], handoffs[0].GetProperty("parallel_cases").EnumerateArray().Single().GetProperty("handoff_id").GetString());
        Assert.Equal(ids[0], handoffs[1].GetProperty("parallel_cases").EnumerateArray().Single().GetProperty("handoff_id").GetString());
        Assert.Equal("chat", handoffs[0].GetProperty("parallel_cases")[0].GetProperty("channel").GetString());
        var emailBot = DeskApi.NewAgent("email-bot");
        var third = await _api.EscalateSessionAsync(emailBot, await _api.BotSessionAsync(emailBot, channel: "email", customer: customer), customer: customer);
        Assert.Equal(2, third.GetProperty("warnings").EnumerateArray().Count(w => w.GetProperty("code").GetString() == "PARALLEL_CASE"));
        foreach (var (answer, channel) in answers.Zip(new[] { "voice", "chat" }))
        {
            var memory = (await _api.GetMemoryAsync(answer.GetProperty("summary_memory_id").GetString()!))!.Value;
            Assert.Contains($"channel:{channel}", memory.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }
    }

    [Fact]
    public async Task ChainOfFour_BotTier1Tier2Manager_KeepsEveryLegInOrder_AndCarriesOpenCommitments()
    {
        var bot = DeskApi.NewAgent("bot");
        var first = await _api.EscalateSessionAsync(bot, await _api.BotSessionAsync(bot), queue: "tier1");
        var tier1 = (await _api.PickUpAsync(first.GetProperty("handoff_id").GetString()!, "tier1-ann")).GetProperty("agent_session_id").GetString()!;
        await _api.StoreAsync(new { agent_id = "tier1-ann", session_id = tier1, content = "Refund approved in principle; needs a ledger correction", importance = 0.8, tags = new[] { "outcome" } });
        await _api.StoreAsync(new { agent_id = "tier1-ann", session_id = tier1, content = "I will email the customer a case number today", importance = 0.8, tags = new[] { "commitment" } });

        var second = await (await _api.ActAsync(first.GetProperty("handoff_id").GetString()!, "escalate", new
        {
            agent_id = "tier1-ann",
            target_queue = "tier2",
            reason = "ledger correction needs tier 2",
            urgency = "high",
            generate = true,
        })).OkAsync(HttpStatusCode.Created);
        Assert.Equal(1, second.GetProperty("chain_depth").GetInt32());
        var tier2 = (await _api.PickUpAsync(second.GetProperty("handoff_id").GetString()!, "tier2-ben")).GetProperty("agent_session_id").GetString()!;
        await _api.StoreAsync(new { agent_id = "tier2-ben", session_id = tier2, content = "Emailed the customer a case number today", importance = 0.6, tags = new[] { "commitment-fulfilled" } });

        var third = await (await _api.ActAsync(second.GetProperty("handoff_id").GetString()!, "escalate", new
        {
            agent_id = "tier2-ben",
            target_queue = "managers",
            reason = "refund above tier 2 limit",
            urgency = "urgent",
            generate = true,
        })).OkAsync(HttpStatusCode.Created);

        Assert.Equal(2, third.GetProperty("chain_depth").GetInt32());
        var handoff = third.GetProperty("handoff");
        var chain = handoff.GetProperty("chain").EnumerateArray().Select(c => $"{c.GetProperty("from").GetString()} → {c.GetProperty("to").GetString()}").ToList();
        Assert.Equal([$"{bot} → tier1", "tier1-ann → tier2"], chain);
        var text = handoff.GetProperty("summary_text").GetString()!;
        Assert.StartsWith("HANDOFF SUMMARY [URGENT]: escalation 3 of the case (2 earlier handoffs)", text);
        Assert.Contains("- Goal: Customer wants a refund for a double charge", text);
        Assert.Contains("- Sentiment: frustrated", text);
        var commitments = handoff.GetProperty("summary").GetProperty("commitments").EnumerateArray().Select(c => c.GetProperty("what").GetString()).ToList();
        Assert.Contains("I will escalate this to billing within 5 minutes", commitments);
        Assert.DoesNotContain(commitments, c => c!.Contains("case number"));
        Assert.Equal(first.GetProperty("handoff_id").GetString(), handoff.GetProperty("case_id").GetString());

        var manager = await _api.PickUpAsync(third.GetProperty("handoff_id").GetString()!, "manager-mia");
        var fourth = await (await _api.ActAsync(third.GetProperty("handoff_id").GetString()!, "escalate", new
        {
            agent_id = "manager-mia",
            target_agent = "finance-fay",
            reason = "finance must sign off",
            urgency = "urgent",
            generate = true,
        })).OkAsync(HttpStatusCode.Created);
        var last = fourth.GetProperty("handoff");
        Assert.Equal([$"{bot} → tier1", "tier1-ann → tier2", "tier2-ben → managers"],
            last.GetProperty("chain").EnumerateArray().Select(c => $"{c.GetProperty("from").GetString()} → {c.GetProperty("to").GetString()}"));
        Assert.Contains("escalation 4 of the case (3 earlier handoffs)", last.GetProperty("summary_text").GetString());
        Assert.InRange(last.GetProperty("word_count").GetInt32(), 1, 300);
        Assert.Equal("escalated", (await _api.HandoffAsync(third.GetProperty("handoff_id").GetString()!)).GetProperty("status").GetString());
        Assert.Equal(fourth.GetProperty("handoff_id").GetString(), (await _api.HandoffAsync(third.GetProperty("handoff_id").GetString()!)).GetProperty("next_id").GetString());
        Assert.NotNull(manager.GetProperty("agent_session_id").GetString());

        var context = await _api.ContextAsync(fourth.GetProperty("handoff_id").GetString()!, "reader");
        Assert.Equal(3, context.GetProperty("earlier_handoffs").GetArrayLength());
        Assert.Contains(context.GetProperty("memories").EnumerateArray(), m => m.GetProperty("memory").GetProperty("content").GetString()!.Contains("ledger correction"));
    }

    [Fact]
    public async Task EscalateFurther_CallerSummaryDroppingALeg_Returns400NamingIt()
    {
        var bot = DeskApi.NewAgent("bot");
        var first = (await _api.EscalateSessionAsync(bot, await _api.BotSessionAsync(bot), queue: "tier1")).GetProperty("handoff_id").GetString()!;
        await _api.PickUpAsync(first, "tier1-ann");

        var error = await (await _api.ActAsync(first, "escalate", new
        {
            agent_id = "tier1-ann",
            target_queue = "tier2",
            reason = "needs tier 2",
            summary = new
            {
                user_goal = "Refund",
                situation = "Charged twice",
                sentiment = new { label = "frustrated", evidence = "said so" },
                recommended_action = "Refund it",
                commitments = new[] { new { what = "I will escalate this to billing within 5 minutes", by = "bot" } },
            },
        })).AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Contains("CHAIN_ENTRY_MISSING", HandoffApi.Codes(error));
        Assert.Contains("ESCALATION_NUMBER_MISSING", HandoffApi.Codes(error));
        Assert.Contains("dropped handoff 1 of 1", error.GetProperty("error").GetString());
        Assert.Equal("connected", (await _api.HandoffAsync(first)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Batch_ShiftChange_GivesEachCaseItsOwnResult_HighestUrgencyFirst()
    {
        var bot = DeskApi.NewAgent("bot");
        var working = (await _api.EscalateSessionAsync(bot, await _api.BotSessionAsync(bot), queue: "day", urgency: "normal")).GetProperty("handoff_id").GetString()!;
        await _api.PickUpAsync(working, "day-dan");
        var waiting = (await _api.EscalateSessionAsync(bot, await _api.BotSessionAsync(bot), queue: "day", urgency: "urgent")).GetProperty("handoff_id").GetString()!;
        var done = (await _api.EscalateSessionAsync(bot, await _api.BotSessionAsync(bot), queue: "day", urgency: "high")).GetProperty("handoff_id").GetString()!;
        await _api.PickUpAsync(done, "day-dan");
        await (await _api.ActAsync(done, "resolve", new { agent_id = "day-dan" })).OkAsync();

        var answer = await (await _api.PostJsonAsync("/v1/handoffs/batch", new
        {
            cases = new object[]
            {
                new { handoff_id = working, target_queue = "night" },
                new { handoff_id = waiting, target_queue = "night" },
                new { handoff_id = done, target_queue = "night" },
                new { handoff_id = "hof_missing", target_queue = "night" },
                new { handoff_id = waiting },
            },
        })).OkAsync();

        var results = answer.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(5, results.Count);
        Assert.Equal(2, answer.GetProperty("succeeded").GetInt32());
        Assert.Equal(3, answer.GetProperty("failed").GetInt32());
        JsonElement Result(int index) => results.Single(r => r.GetProperty("index").GetInt32() == index);
        Assert.Equal("escalated", Result(0).GetProperty("outcome").GetString());
        Assert.Equal("requeued", Result(1).GetProperty("outcome").GetString());
        Assert.Equal("CONFLICT", Result(2).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("NOT_FOUND", Result(3).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("INVALID_REQUEST", Result(4).GetProperty("error").GetProperty("code").GetString());
        Assert.True(results.FindIndex(r => r.GetProperty("index").GetInt32() == 1) < results.FindIndex(r => r.GetProperty("index").GetInt32() == 0),
            "the urgent case is handled before the normal one");

        var night = (await (await _api.GetAsync("/v1/handoffs?queue=night&status=queued")).OkAsync()).GetProperty("handoffs").EnumerateArray().ToList();
        Assert.Equal(waiting, night[0].GetProperty("id").GetString());
        var moved = night.Single(h => h.GetProperty("id").GetString() == Result(0).GetProperty("handoff_id").GetString());
        Assert.Equal(1, moved.GetProperty("chain_depth").GetInt32());
        Assert.Equal("shift change", moved.GetProperty("reason").GetString());
        Assert.Equal("escalated", (await _api.HandoffAsync(working)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Draft_ReturnsTheSummaryAndItsValidation_WithoutStoringOrEndingAnything()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot);
        var before = (await _api.MemoriesOfAsync(bot)).Count;

        var draft = await (await _api.PostJsonAsync("/v1/summaries/draft", new { session_id = session, target_queue = "billing", reason = "refund", urgency = "high" })).OkAsync();

        Assert.True(draft.GetProperty("validation").GetProperty("valid").GetBoolean());
        Assert.Equal("extractive", draft.GetProperty("generator").GetString());
        Assert.StartsWith("HANDOFF SUMMARY [HIGH]", draft.GetProperty("rendered").GetString());
        Assert.Equal("frustrated", draft.GetProperty("summary").GetProperty("sentiment").GetProperty("label").GetString());
        Assert.Equal(before, (await _api.MemoriesOfAsync(bot)).Count);
        Assert.False((await (await _api.GetAsync($"/v1/sessions/{session}")).OkAsync()).TryGetProperty("ended_at", out _));
        await (await _api.PostJsonAsync("/v1/summaries/draft", new { session_id = "sess_none" })).AssertErrorAsync(404, "NOT_FOUND");
        await (await _api.PostJsonAsync("/v1/summaries/draft", new { })).AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Handoffs_NeedAKey_AndAKeyRestrictedToAnotherAgentCannotEscalate()
    {
        var bot = DeskApi.NewAgent("bot");
        var session = await _api.BotSessionAsync(bot);
        await (await factory.WithKey(null).GetAsync("/v1/handoffs")).AssertErrorAsync(401, "AUTHENTICATION_REQUIRED");
        var readOnly = factory.WithKey(await factory.CreateKeyAsync(["read"]));
        await (await readOnly.EscalateAsync(new { source_session_id = session, agent_id = bot, target_queue = "billing", reason = "x" }))
            .AssertErrorAsync(403, "INSUFFICIENT_SCOPE");
        var other = factory.WithKey(await factory.CreateKeyAsync(["handoffs"], ["someone-else"]));
        await (await other.EscalateAsync(new { source_session_id = session, agent_id = bot, target_queue = "billing", reason = "x", generate = true }))
            .AssertErrorAsync(403, "NAMESPACE_ACCESS_DENIED");
    }

    [Fact]
    public async Task Batch_WithAKeyRestrictedToOtherAgents_RefusesToMoveACaseTheyDoNotWork()
    {
        var bot = DeskApi.NewAgent("bot");
        var working = (await _api.EscalateSessionAsync(bot, await _api.BotSessionAsync(bot), queue: "day")).GetProperty("handoff_id").GetString()!;
        await _api.PickUpAsync(working, "day-dan");
        var outsider = factory.WithKey(await factory.CreateKeyAsync(["handoffs"], ["night-nia"]));

        var answer = await (await outsider.PostJsonAsync("/v1/handoffs/batch", new { cases = new[] { new { handoff_id = working, target_queue = "night" } } })).OkAsync();

        Assert.Equal("NAMESPACE_ACCESS_DENIED", answer.GetProperty("results")[0].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("connected", (await _api.HandoffAsync(working)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Merge_FoldsAParallelCaseIntoTheOther_WhoseContextThenIncludesIt()
    {
        var customer = DeskApi.NewAgent("cust");
        var chatBot = DeskApi.NewAgent("chat-bot");
        var emailBot = DeskApi.NewAgent("email-bot");
        var chat = (await _api.EscalateSessionAsync(chatBot, await _api.BotSessionAsync(chatBot), customer: customer, channel: "chat")).GetProperty("handoff_id").GetString()!;
        var email = (await _api.EscalateSessionAsync(emailBot, await _api.BotSessionAsync(emailBot, channel: "email"), customer: customer, channel: "email"))
            .GetProperty("handoff_id").GetString()!;
        var agent = DeskApi.NewAgent("ann");
        await _api.PickUpAsync(chat, agent);

        var merged = (await (await _api.PostJsonAsync($"/v1/handoffs/{email}/merge", new { into = chat })).OkAsync()).GetProperty("handoff");

        Assert.Equal(("merged", chat), (merged.GetProperty("status").GetString(), merged.GetProperty("merged_into").GetString()));
        var context = await _api.ContextAsync(chat, agent);
        Assert.Equal(email, context.GetProperty("merged_cases")[0].GetProperty("id").GetString());
        Assert.Equal(0, context.GetProperty("parallel_cases").GetArrayLength());
        Assert.Contains(context.GetProperty("memories").EnumerateArray(), m => m.GetProperty("memory").GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "channel:email"));
        var listed = (await (await _api.GetAsync("/v1/handoffs?status=merged")).OkAsync()).GetProperty("handoffs").EnumerateArray();
        Assert.Contains(listed, h => h.GetProperty("id").GetString() == email);
        // Twice is refused, with the reason; merging across customers too.
        var again = await (await _api.PostJsonAsync($"/v1/handoffs/{email}/merge", new { into = chat })).AssertErrorAsync(409, "CONFLICT");
        Assert.Contains("merged into", again.GetProperty("error").GetString());
        var stranger = (await _api.EscalateSessionAsync(chatBot, await _api.BotSessionAsync(chatBot), customer: "someone-else")).GetProperty("handoff_id").GetString()!;
        await (await _api.PostJsonAsync($"/v1/handoffs/{stranger}/merge", new { into = chat })).AssertErrorAsync(409, "CONFLICT");
        await (await _api.PostJsonAsync($"/v1/handoffs/{stranger}/merge", new { })).AssertErrorAsync(400, "INVALID_REQUEST");
        await (await _api.PostJsonAsync("/v1/handoffs/hof_missing/merge", new { into = chat })).AssertErrorAsync(404, "NOT_FOUND");
        var restricted = factory.WithKey(await factory.CreateKeyAsync(["handoffs"], [chatBot]));
        await (await restricted.PostJsonAsync($"/v1/handoffs/{stranger}/merge", new { into = chat })).AssertErrorAsync(403, "INSUFFICIENT_SCOPE");
        Assert.Equal("queued", (await _api.HandoffAsync(stranger)).GetProperty("status").GetString());
    }
}
