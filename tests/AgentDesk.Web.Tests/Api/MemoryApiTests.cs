using System.Net;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>The Dakera memory surface one memory at a time: store, get, update, forget, importance.</summary>
public sealed class MemoryApiTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    [Fact]
    public async Task Store_MinimalBody_Returns201WithDefaults()
    {
        var agent = DeskApi.NewAgent("mem-min");

        var body = await (await _api.PostJsonAsync("/v1/memory/store", new { agent_id = agent, content = "likes dark mode" })).OkAsync(HttpStatusCode.Created);

        Wire.AssertFields(body, "memory", "embedding_time_ms");
        Assert.Equal(0, body.GetProperty("embedding_time_ms").GetInt64());
        var memory = body.GetProperty("memory");
        Wire.AssertMemory(memory);
        Assert.StartsWith("mem_", memory.GetProperty("id").GetString());
        Assert.Equal(agent, memory.GetProperty("agent_id").GetString());
        Assert.Equal("likes dark mode", memory.GetProperty("content").GetString());
        Assert.Equal("episodic", memory.GetProperty("memory_type").GetString());
        Assert.Equal(0.5, memory.GetProperty("importance").GetDouble());
        Assert.Empty(memory.GetProperty("tags").EnumerateArray());
        Assert.Equal(0, memory.GetProperty("access_count").GetInt64());
        Wire.AssertNow(memory.GetProperty("created_at"));
        Wire.AssertNow(memory.GetProperty("last_accessed_at"));
    }

    [Fact]
    public async Task Store_AllOptionalFields_ReturnsThemAsSent()
    {
        var agent = DeskApi.NewAgent("mem-full");
        var sessionId = await _api.StartSessionIdAsync(agent);

        var memory = await _api.StoreAsync(new
        {
            agent_id = agent,
            content = "prefers email over phone",
            memory_type = "semantic",
            importance = 0.8,
            tags = new[] { "preference", "contact" },
            session_id = sessionId,
            metadata = new Dictionary<string, object> { ["source"] = "chat", ["customerId"] = "c-1" },
            ttl_seconds = 3600,
        });

        Wire.AssertMemory(memory, "session_id", "metadata", "expires_at");
        Assert.Equal("semantic", memory.GetProperty("memory_type").GetString());
        Assert.Equal(0.8, memory.GetProperty("importance").GetDouble());
        Assert.Equal(["preference", "contact"], memory.GetProperty("tags").Strings());
        Assert.Equal(sessionId, memory.GetProperty("session_id").GetString());
        Wire.AssertFields(memory.GetProperty("metadata"), "source", "customerId");
        Assert.Equal("c-1", memory.GetProperty("metadata").GetProperty("customerId").GetString());
        var createdAt = memory.GetProperty("created_at").GetInt64();
        Assert.InRange(memory.GetProperty("expires_at").GetInt64(), createdAt + 3599, createdAt + 3601);
        var fetched = await (await _api.GetAsync($"/v1/memory/get/{memory.GetProperty("id").GetString()}")).OkAsync();
        Assert.Equal(memory.GetRawText(), fetched.GetRawText());
    }

    [Fact]
    public async Task Store_NullOptionalFields_AreTreatedAsAbsent()
    {
        var agent = DeskApi.NewAgent("mem-null");

        var response = await _api.PostRawAsync("/v1/memory/store", $$"""
            {"agent_id":"{{agent}}","content":"nulls everywhere","memory_type":null,"importance":null,"tags":null,
             "session_id":null,"metadata":null,"ttl_seconds":null,"expires_at":null,"id":null,"embedding":null}
            """);

        var memory = (await response.OkAsync(HttpStatusCode.Created)).GetProperty("memory");
        Wire.AssertMemory(memory);
        Assert.Equal("episodic", memory.GetProperty("memory_type").GetString());
        Assert.Equal(0.5, memory.GetProperty("importance").GetDouble());
    }

    [Fact]
    public async Task Store_StrategicMemoryType_IsStoredAsWorking()
    {
        var agent = DeskApi.NewAgent("mem-strat");

        var memory = await _api.StoreAsync(new { agent_id = agent, content = "quarterly plan", memory_type = "strategic" });

        Assert.Equal("working", memory.GetProperty("memory_type").GetString());
        var listed = await _api.MemoriesOfAsync(agent);
        Assert.Equal("working", Assert.Single(listed).GetProperty("memory_type").GetString());
        var byType = await (await _api.GetAsync($"/v1/agents/{agent}/memories?memory_type=working")).OkAsync();
        Assert.Single(byType.EnumerateArray());
    }

    [Fact]
    public async Task Store_ExpiresAtAsIsoString_IsReturnedAsUnixSeconds()
    {
        var agent = DeskApi.NewAgent("mem-exp");
        var expires = DateTimeOffset.UtcNow.AddDays(2);

        var memory = await _api.StoreAsync(new { agent_id = agent, content = "promo code valid two days", expires_at = expires.ToString("O") });

        Assert.Equal(expires.ToUnixTimeSeconds(), memory.GetProperty("expires_at").GetInt64());
    }

    [Fact]
    public async Task Store_WithEmbedding_IsAcceptedAndNotEchoed()
    {
        var agent = DeskApi.NewAgent("mem-emb");

        var memory = await _api.StoreAsync(new { agent_id = agent, content = "vector carrier", embedding = new[] { 0.1, 0.2, 0.3 } });

        Wire.AssertMemory(memory);
    }

    [Fact]
    public async Task Store_SameClientIdTwice_KeepsOneMemoryAndSecondReturns200()
    {
        var agent = DeskApi.NewAgent("mem-idem");
        var clientId = $"client:{Guid.NewGuid():N}";
        var first = await _api.StoreAsync(new { agent_id = agent, id = clientId, content = "first draft", tags = new[] { "a" } });
        await Poll.UntilClockPassesAsync(first.GetProperty("created_at").GetInt64());

        var second = await _api.PostJsonAsync("/v1/memory/store", new { agent_id = agent, id = clientId, content = "first draft, retried", tags = new[] { "b" } });

        var memory = (await second.OkAsync(HttpStatusCode.OK)).GetProperty("memory");
        Assert.Equal(clientId, memory.GetProperty("id").GetString());
        Assert.Equal(first.GetProperty("created_at").GetInt64(), memory.GetProperty("created_at").GetInt64());
        var listed = Assert.Single(await _api.MemoriesOfAsync(agent));
        Assert.Equal(clientId, listed.GetProperty("id").GetString());
        Assert.Equal("first draft, retried", listed.GetProperty("content").GetString());
        Assert.Equal(["b"], listed.GetProperty("tags").Strings());
        var byOldTag = await _api.RecallAsync(new { agent_id = agent, query = "draft", tags = new[] { "a" } });
        Assert.Empty(byOldTag);
    }

    [Fact]
    public async Task Store_ClientIdOwnedByAnotherAgent_Returns409AndWritesNothing()
    {
        var owner = DeskApi.NewAgent("mem-owner");
        var thief = DeskApi.NewAgent("mem-thief");
        var clientId = $"client-{Guid.NewGuid():N}";
        await _api.StoreAsync(new { agent_id = owner, id = clientId, content = "owned" });

        await (await _api.PostJsonAsync("/v1/memory/store", new { agent_id = thief, id = clientId, content = "taken over" })).AssertErrorAsync(409, "CONFLICT");

        Assert.Empty(await _api.MemoriesOfAsync(thief));
        var kept = Assert.Single(await _api.MemoriesOfAsync(owner));
        Assert.Equal("owned", kept.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Store_UnknownSession_Returns404AndWritesNothing()
    {
        var agent = DeskApi.NewAgent("mem-nosess");

        await (await _api.PostJsonAsync("/v1/memory/store", new { agent_id = agent, content = "orphan", session_id = "sess_missing" }))
            .AssertErrorAsync(404, "NOT_FOUND");

        Assert.Empty(await _api.MemoriesOfAsync(agent));
    }

    [Fact]
    public async Task Store_SessionOfAnotherAgent_Returns400AndWritesNothing()
    {
        var agent = DeskApi.NewAgent("mem-xsess");
        var foreignSession = await _api.StartSessionIdAsync(DeskApi.NewAgent("mem-xsess-owner"));

        await (await _api.PostJsonAsync("/v1/memory/store", new { agent_id = agent, content = "wrong session", session_id = foreignSession }))
            .AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Empty(await _api.MemoriesOfAsync(agent));
    }

    [Fact]
    public async Task Get_WithOwnAgentIdOrNone_ReturnsFlatMemory()
    {
        var agent = DeskApi.NewAgent("mem-get");
        var stored = await _api.StoreAsync(new { agent_id = agent, content = "a fact" });
        var id = stored.GetProperty("id").GetString()!;

        var plain = await (await _api.GetAsync($"/v1/memory/get/{id}")).OkAsync();
        var scoped = await (await _api.GetAsync($"/v1/memory/get/{id}?agent_id={agent}")).OkAsync();

        Wire.AssertMemory(plain);
        Assert.Equal(stored.GetRawText(), plain.GetRawText());
        Assert.Equal(stored.GetRawText(), scoped.GetRawText());
    }

    [Fact]
    public async Task Get_WithAnotherAgentId_Returns404()
    {
        var agent = DeskApi.NewAgent("mem-get-x");
        var id = await _api.StoreIdAsync(new { agent_id = agent, content = "a fact" });

        await (await _api.GetAsync($"/v1/memory/get/{id}?agent_id=someone-else")).AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Get_UnknownId_Returns404()
    {
        await (await _api.GetAsync("/v1/memory/get/mem_nope")).AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Get_ExpiredMemory_Returns404()
    {
        var agent = DeskApi.NewAgent("mem-get-exp");
        var id = await _api.StoreIdAsync(new { agent_id = agent, content = "soon stale", ttl_seconds = 1 });

        var response = await Poll.UntilAsync(() => _api.GetAsync($"/v1/memory/get/{id}"), r => r.StatusCode == HttpStatusCode.NotFound, "the one-second ttl to pass");
        await response.AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Store_ExpiresAtInThePast_Returns400AndWritesNothing()
    {
        var agent = DeskApi.NewAgent("mem-past-exp");

        await (await _api.PostJsonAsync("/v1/memory/store", new { agent_id = agent, content = "born stale", expires_at = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds() }))
            .AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Empty(await _api.MemoriesOfAsync(agent));
    }

    [Fact]
    public async Task Update_GivenFields_ChangesOnlyThoseAndReindexesContent()
    {
        var agent = DeskApi.NewAgent("mem-upd");
        var sessionId = await _api.StartSessionIdAsync(agent);
        var stored = await _api.StoreAsync(new
        {
            agent_id = agent,
            content = "customer owns a parrot",
            importance = 0.4,
            tags = new[] { "pet" },
            session_id = sessionId,
            metadata = new { v = 1 },
        });
        var id = stored.GetProperty("id").GetString()!;

        var body = await (await _api.PutJsonAsync($"/v1/memory/update/{id}", new
        {
            content = "customer owns a tortoise",
            importance = 0.9,
            tags = new[] { "pet", "reptile" },
            memory_type = "semantic",
        })).OkAsync();

        Wire.AssertFields(body, "memory");
        var memory = body.GetProperty("memory");
        Wire.AssertMemory(memory, "session_id", "metadata");
        Assert.Equal(id, memory.GetProperty("id").GetString());
        Assert.Equal("customer owns a tortoise", memory.GetProperty("content").GetString());
        Assert.Equal(0.9, memory.GetProperty("importance").GetDouble());
        Assert.Equal("semantic", memory.GetProperty("memory_type").GetString());
        Assert.Equal(["pet", "reptile"], memory.GetProperty("tags").Strings());
        Assert.Equal(sessionId, memory.GetProperty("session_id").GetString());
        Assert.Equal(1, memory.GetProperty("metadata").GetProperty("v").GetInt32());
        Assert.Equal(stored.GetProperty("created_at").GetInt64(), memory.GetProperty("created_at").GetInt64());
        Assert.Equal(memory.GetRawText(), (await (await _api.GetAsync($"/v1/memory/get/{id}")).OkAsync()).GetRawText());
        Assert.Equal([id], (await _api.RecallAsync(new { agent_id = agent, query = "tortoise", tags = new[] { "reptile" } })).Ids());
        var lexical = await (await _api.PostJsonAsync("/v1/memory/recall", new { agent_id = agent, query = "parrot" })).OkAsync();
        Assert.All(lexical.GetProperty("memories").EnumerateArray(), i => Assert.False(i.TryGetProperty("text_score", out _)));
    }

    [Fact]
    public async Task Update_AgentIdInQuery_MatchingOwner_Updates()
    {
        var agent = DeskApi.NewAgent("mem-upd-q");
        var id = await _api.StoreIdAsync(new { agent_id = agent, content = "v1" });

        var memory = (await (await _api.PutJsonAsync($"/v1/memory/update/{id}?agent_id={agent}", new { content = "v2" })).OkAsync()).GetProperty("memory");

        Assert.Equal("v2", memory.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Update_WithAnotherAgentId_Returns404AndChangesNothing()
    {
        var agent = DeskApi.NewAgent("mem-upd-x");
        var stored = await _api.StoreAsync(new { agent_id = agent, content = "v1" });
        var id = stored.GetProperty("id").GetString()!;

        await (await _api.PutJsonAsync($"/v1/memory/update/{id}", new { agent_id = "intruder", content = "v2" })).AssertErrorAsync(404, "NOT_FOUND");

        Assert.Equal(stored.GetRawText(), (await _api.GetMemoryAsync(id))!.Value.GetRawText());
    }

    [Fact]
    public async Task Update_UnknownId_Returns404()
    {
        await (await _api.PutJsonAsync("/v1/memory/update/mem_nope", new { content = "x" })).AssertErrorAsync(404, "NOT_FOUND");
    }

    [Theory]
    [InlineData("""{"importance":1.5}""")]
    [InlineData("""{"importance":"high"}""")]
    [InlineData("""{"content":""}""")]
    [InlineData("""{"content":7}""")]
    [InlineData("""{"tags":"a"}""")]
    [InlineData("""{"memory_type":"dream"}""")]
    [InlineData("""{"metadata":[1]}""")]
    public async Task Update_InvalidField_Returns400AndChangesNothing(string patch)
    {
        var agent = DeskApi.NewAgent("mem-upd-bad");
        var stored = await _api.StoreAsync(new { agent_id = agent, content = "v1", importance = 0.3 });
        var id = stored.GetProperty("id").GetString()!;

        await (await _api.SendRawAsync(HttpMethod.Put, $"/v1/memory/update/{id}", patch)).AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Equal(stored.GetRawText(), (await _api.GetMemoryAsync(id))!.Value.GetRawText());
    }

    [Fact]
    public async Task Forget_ByIds_DeletesThoseAndReportsCount()
    {
        var agent = DeskApi.NewAgent("mem-fgt");
        var a = await _api.StoreIdAsync(new { agent_id = agent, content = "alpha note" });
        var b = await _api.StoreIdAsync(new { agent_id = agent, content = "beta note" });
        var c = await _api.StoreIdAsync(new { agent_id = agent, content = "gamma note" });

        var body = await (await _api.PostJsonAsync("/v1/memory/forget", new { agent_id = agent, memory_ids = new[] { a, c, "mem_unknown" } })).OkAsync();

        Wire.AssertFields(body, "status", "deleted_count");
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal(2, body.GetProperty("deleted_count").GetInt32());
        Assert.Equal([b], (await _api.MemoriesOfAsync(agent)).Ids());
        Assert.Null(await _api.GetMemoryAsync(a));
        Assert.Equal([b], (await _api.RecallAsync(new { agent_id = agent, query = "alpha gamma beta" })).Ids());
    }

    [Fact]
    public async Task Forget_ByTags_DeletesOnlyMemoriesWithAllTags()
    {
        var agent = DeskApi.NewAgent("mem-fgt-t");
        var both = await _api.StoreIdAsync(new { agent_id = agent, content = "x", tags = new[] { "billing", "temp" } });
        var one = await _api.StoreIdAsync(new { agent_id = agent, content = "y", tags = new[] { "billing" } });

        var body = await (await _api.PostJsonAsync("/v1/memory/forget", new { agent_id = agent, tags = new[] { "billing", "temp" } })).OkAsync();

        Assert.Equal(1, body.GetProperty("deleted_count").GetInt32());
        Assert.Equal([one], (await _api.MemoriesOfAsync(agent)).Ids());
        Assert.Null(await _api.GetMemoryAsync(both));
    }

    [Fact]
    public async Task Forget_EmptyIdAndTagListsWithSessionId_DeletesThatSessionsMemories()
    {
        // One Dakera SDK always sends both lists, empty when unused.
        var agent = DeskApi.NewAgent("mem-fgt-s");
        var sessionId = await _api.StartSessionIdAsync(agent);
        await _api.StoreAsync(new { agent_id = agent, content = "in session 1", session_id = sessionId });
        await _api.StoreAsync(new { agent_id = agent, content = "in session 2", session_id = sessionId });
        var outside = await _api.StoreIdAsync(new { agent_id = agent, content = "outside" });

        var body = await (await _api.PostJsonAsync("/v1/memory/forget", new
        {
            agent_id = agent,
            memory_ids = Array.Empty<string>(),
            tags = Array.Empty<string>(),
            session_id = sessionId,
        })).OkAsync();

        Assert.Equal(2, body.GetProperty("deleted_count").GetInt32());
        Assert.Equal([outside], (await _api.MemoriesOfAsync(agent)).Ids());
    }

    [Fact]
    public async Task Forget_OnlyEmptyLists_Returns400AndDeletesNothing()
    {
        var agent = DeskApi.NewAgent("mem-fgt-e");
        await _api.StoreAsync(new { agent_id = agent, content = "keep me" });

        await (await _api.PostJsonAsync("/v1/memory/forget", new { agent_id = agent, memory_ids = Array.Empty<string>(), tags = Array.Empty<string>() }))
            .AssertErrorAsync(400, "INVALID_REQUEST");
        await (await _api.PostJsonAsync("/v1/memory/forget", new { agent_id = agent })).AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Single(await _api.MemoriesOfAsync(agent));
    }

    [Fact]
    public async Task Forget_IdsOfAnotherAgent_DeletesNothing()
    {
        var owner = DeskApi.NewAgent("mem-fgt-own");
        var id = await _api.StoreIdAsync(new { agent_id = owner, content = "mine" });

        var body = await (await _api.PostJsonAsync("/v1/memory/forget", new { agent_id = DeskApi.NewAgent("mem-fgt-oth"), memory_ids = new[] { id } })).OkAsync();

        Assert.Equal(0, body.GetProperty("deleted_count").GetInt32());
        Assert.NotNull(await _api.GetMemoryAsync(id));
    }

    [Fact]
    public async Task Forget_MoreThan1000Ids_Returns400()
    {
        var agent = DeskApi.NewAgent("mem-fgt-big");
        var id = await _api.StoreIdAsync(new { agent_id = agent, content = "keep" });
        var ids = Enumerable.Range(0, 1000).Select(i => $"mem_{i}").Append(id).ToArray();

        await (await _api.PostJsonAsync("/v1/memory/forget", new { agent_id = agent, memory_ids = ids })).AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.NotNull(await _api.GetMemoryAsync(id));
    }

    [Fact]
    public async Task Importance_OwnMemory_SetsItAndAnswersOk()
    {
        var agent = DeskApi.NewAgent("mem-imp");
        var id = await _api.StoreIdAsync(new { agent_id = agent, content = "x", importance = 0.2 });

        var body = await (await _api.PostJsonAsync("/v1/memory/importance", new { agent_id = agent, memory_id = id, importance = 0.95 })).OkAsync();

        Wire.AssertFields(body, "status", "memory_id", "importance");
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal(id, body.GetProperty("memory_id").GetString());
        Assert.Equal(0.95, body.GetProperty("importance").GetDouble());
        Assert.Equal(0.95, (await _api.GetMemoryAsync(id))!.Value.GetProperty("importance").GetDouble());
    }

    [Fact]
    public async Task Importance_UnknownMemory_Returns404()
    {
        await (await _api.PostJsonAsync("/v1/memory/importance", new { agent_id = DeskApi.NewAgent("mem-imp-u"), memory_id = "mem_nope", importance = 0.5 }))
            .AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Importance_MemoryOfAnotherAgent_Returns404AndChangesNothing()
    {
        var owner = DeskApi.NewAgent("mem-imp-own");
        var id = await _api.StoreIdAsync(new { agent_id = owner, content = "x", importance = 0.2 });

        await (await _api.PostJsonAsync("/v1/memory/importance", new { agent_id = DeskApi.NewAgent("mem-imp-oth"), memory_id = id, importance = 0.9 }))
            .AssertErrorAsync(404, "NOT_FOUND");

        Assert.Equal(0.2, (await _api.GetMemoryAsync(id))!.Value.GetProperty("importance").GetDouble());
    }

    [Theory]
    [InlineData("""{"agent_id":"{agent}","importance":0.5}""")]
    [InlineData("""{"agent_id":"{agent}","memory_id":"{id}"}""")]
    [InlineData("""{"agent_id":"{agent}","memory_id":"{id}","importance":1.01}""")]
    [InlineData("""{"agent_id":"{agent}","memory_id":"{id}","importance":-0.01}""")]
    [InlineData("""{"agent_id":"{agent}","memory_id":"{id}","importance":"0.5"}""")]
    [InlineData("""{"memory_id":"{id}","importance":0.5}""")]
    public async Task Importance_InvalidBody_Returns400AndChangesNothing(string template)
    {
        var agent = DeskApi.NewAgent("mem-imp-bad");
        var id = await _api.StoreIdAsync(new { agent_id = agent, content = "x", importance = 0.2 });

        await (await _api.PostRawAsync("/v1/memory/importance", template.Replace("{agent}", agent).Replace("{id}", id)))
            .AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Equal(0.2, (await _api.GetMemoryAsync(id))!.Value.GetProperty("importance").GetDouble());
    }

    [Fact]
    public async Task Store_MetadataKeys_AreNotRenamed()
    {
        var agent = DeskApi.NewAgent("mem-keys");

        var memory = await _api.StoreAsync(new { agent_id = agent, content = "x", metadata = JsonDocument.Parse("""{"CamelCase":1,"with space":{"InnerKey":true}}""").RootElement });

        Assert.Equal("""{"CamelCase":1,"with space":{"InnerKey":true}}""", memory.GetProperty("metadata").GetRawText());
    }
}
