using System.Text.Json.Nodes;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Tests.Support;
using Dapper;

namespace AgentDesk.Core.Tests.Memory;

public sealed class MemoryStoreTests : DatabaseTest
{
    private static NewMemory New(string content, string agent = "bot", params string[] tags) =>
        new() { AgentId = agent, Content = content, Tags = tags };

    [Fact]
    public async Task Store_ThenGet_RoundTripsEveryField()
    {
        var (stored, created, _) = await Db.Memories.StoreAsync(new NewMemory
        {
            AgentId = "bot",
            Content = "refund promised",
            MemoryType = MemoryTypes.Semantic,
            Importance = 0.8,
            Tags = ["commitment", "billing"],
            Metadata = new JsonObject { ["channel"] = "chat" },
            ExpiresAtMs = Db.Clock.Now.AddDays(1).ToUnixTimeMilliseconds(),
        });
        var read = await Db.Memories.GetAsync(stored.Id);
        Assert.True(created);
        Assert.NotNull(read);
        Assert.StartsWith("mem_", read.Id);
        Assert.Equal(("bot", "refund promised", "semantic", 0.8), (read.AgentId, read.Content, read.MemoryType, read.Importance));
        Assert.Equal(["commitment", "billing"], read.Tags);
        Assert.Equal("chat", read.Metadata!["channel"]!.GetValue<string>());
        Assert.Equal(Db.Clock.Now.ToUnixTimeSeconds(), read.CreatedAt);
        Assert.Equal(Db.Clock.Now.AddDays(1).ToUnixTimeSeconds(), read.ExpiresAt);
    }

    [Fact]
    public async Task Store_SameClientIdTwice_UpdatesOneMemory()
    {
        var (first, firstCreated, _) = await Db.Memories.StoreAsync(New("v1") with { Id = "client-1" });
        Db.Clock.Advance(TimeSpan.FromMinutes(1));
        var (second, secondCreated, _) = await Db.Memories.StoreAsync(New("v2", "bot", "t") with { Id = "client-1" });
        Assert.True(firstCreated);
        Assert.False(secondCreated);
        Assert.Equal(first.CreatedAt, second.CreatedAt);
        Assert.Equal(1, await Db.Memories.CountAsync(new MemoryFilter { AgentId = "bot" }));
        Assert.Equal("v2", (await Db.Memories.GetAsync("client-1"))!.Content);
        Assert.Equal(1, await Db.Memories.CountAsync(new MemoryFilter { AgentId = "bot", Tags = ["t"] }));
    }

    [Fact]
    public async Task Store_ClientIdOfAnotherAgent_Conflicts()
    {
        await Db.Memories.StoreAsync(New("mine", "a") with { Id = "shared" });
        var error = await Assert.ThrowsAsync<DeskException>(() => Db.Memories.StoreAsync(New("theirs", "b") with { Id = "shared" }));
        Assert.Equal(409, error.Status);
    }

    [Fact]
    public async Task StoreBatch_OneItemWithUnknownSession_WritesNothing()
    {
        var batch = new[] { New("ok 1"), New("ok 2") with { SessionId = "sess_missing" }, New("ok 3") };
        var error = await Assert.ThrowsAsync<DeskException>(() => Db.Memories.StoreBatchAsync(batch));
        Assert.Equal(404, error.Status);
        Assert.Equal(0, await Db.Memories.CountAsync(new MemoryFilter { AgentId = "bot" }));
    }

    [Fact]
    public async Task Store_SessionOfAnotherAgent_IsRefused()
    {
        var (session, _) = await Db.Sessions.StartAsync("other", null, null);
        var error = await Assert.ThrowsAsync<DeskException>(() => Db.Memories.StoreAsync(New("x") with { SessionId = session.Id }));
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public async Task Update_Content_ReindexesForRecall()
    {
        var (stored, _, _) = await Db.Memories.StoreAsync(New("the router is broken"));
        await Db.Memories.UpdateAsync(stored.Id, "bot", new MemoryPatch { Content = "the modem is replaced", Tags = ["hardware"] });
        var oldWord = (await Db.Recall.RecallAsync(new RecallRequest { Filter = new MemoryFilter { AgentId = "bot", Tags = ["nothing"] }, Query = "router" })).Hits;
        var newWord = (await Db.Recall.RecallAsync(new RecallRequest { Filter = new MemoryFilter { AgentId = "bot" }, Query = "modem" })).Hits;
        Assert.Empty(oldWord);
        Assert.NotNull(Assert.Single(newWord).TextScore);
        Assert.Equal(1, await Db.Memories.CountAsync(new MemoryFilter { AgentId = "bot", Tags = ["hardware"] }));
    }

    [Fact]
    public async Task Delete_ByTagsAndSession_RemovesOnlyTheIntersection()
    {
        var (session, _) = await Db.Sessions.StartAsync("bot", null, null);
        await Db.Memories.StoreBatchAsync(
        [
            New("a", "bot", "x") with { SessionId = session.Id },
            New("b", "bot", "x"),
            New("c", "bot", "y") with { SessionId = session.Id },
        ]);
        var deleted = await Db.Memories.DeleteAsync(new MemoryFilter { AgentId = "bot", Tags = ["x"], SessionId = session.Id });
        Assert.Equal(1, deleted);
        Assert.Equal(2, await Db.Memories.CountAsync(new MemoryFilter { AgentId = "bot" }));
        Assert.Empty((await Db.Recall.RecallAsync(new RecallRequest { Filter = new MemoryFilter { AgentId = "bot", Tags = ["x"], SessionId = session.Id }, Query = "a" })).Hits);
    }

    [Fact]
    public async Task Get_Expired_IsInvisible()
    {
        var (stored, _, _) = await Db.Memories.StoreAsync(New("soon gone") with { ExpiresAtMs = Db.Clock.Now.AddMinutes(5).ToUnixTimeMilliseconds() });
        Assert.NotNull(await Db.Memories.GetAsync(stored.Id));
        Db.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Null(await Db.Memories.GetAsync(stored.Id));
    }

    [Fact]
    public async Task Store_SixteenWritersAtOnce_AllStoredAndIndexed()
    {
        // SQLite queues them; PostgreSQL runs them side by side and retries any it aborts to keep them serializable.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            Db.Memories.StoreAsync(New($"ticket {i} router rebooted", tags: "concurrent") with { Id = $"c{i}" }))));

        Assert.Equal(16, await Db.Memories.CountAsync(new MemoryFilter { AgentId = "bot", Tags = ["concurrent"] }));
        await Db.AssertFullTextIndexExactAsync();
        Assert.Equal(16, (await Db.Recall.RecallAsync(new RecallRequest { Filter = new MemoryFilter { AgentId = "bot" }, Query = "router", TopK = 20 })).Hits.Count);
    }

    [Fact]
    public async Task StoreBatch_WithReplaysUpdatesAndDeletes_KeepsFullTextIndexExact()
    {
        await Db.Memories.StoreBatchAsync(
        [
            New("alpha router firmware") with { Id = "r1" },
            New("beta refund pending", "bot", "billing"),
            New("alpha router replaced by modem") with { Id = "r1" },
            New("gamma password reset", "bot", "account"),
        ]);
        var (single, _, _) = await Db.Memories.StoreAsync(New("delta shipping delayed"));
        await Db.Memories.UpdateAsync(single.Id, "bot", new MemoryPatch { Content = "delta parcel arrived" });
        await Db.Memories.DeleteAsync(new MemoryFilter { AgentId = "bot", Tags = ["account"] });

        await Db.AssertFullTextIndexExactAsync();
        Assert.Single(await Recall("modem"));
        Assert.Empty(await Recall("firmware"));
        Assert.Single(await Recall("parcel"));
        Assert.Empty(await Recall("shipping"));
        Assert.Empty(await Recall("password"));
        Assert.Single(await Recall("refund"));
        Assert.Equal(1, await Db.Memories.CountAsync(new MemoryFilter { AgentId = "bot", Tags = ["billing"] }));
    }

    private async Task<IReadOnlyList<RecallHit>> Recall(string word) =>
        ((await Db.Recall.RecallAsync(new RecallRequest { Filter = new MemoryFilter { AgentId = "bot" }, Query = word, TopK = 10 })).Hits)
        .Where(h => h.TextScore is not null).ToList();

    [Fact]
    public async Task PurgeExpired_DeletesOnlyExpiredMemories()
    {
        await Db.Memories.StoreAsync(New("expires") with { ExpiresAtMs = Db.Clock.Now.AddMinutes(1).ToUnixTimeMilliseconds() });
        await Db.Memories.StoreAsync(New("later") with { ExpiresAtMs = Db.Clock.Now.AddDays(1).ToUnixTimeMilliseconds() });
        await Db.Memories.StoreAsync(New("forever"));
        Db.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await Db.Memories.PurgeExpiredAsync());
        Assert.Equal(0, await Db.Memories.PurgeExpiredAsync());
        Assert.Equal(2, await Db.Memories.CountAsync(new MemoryFilter { AgentId = "bot", IncludeExpired = true }));
    }

    [Fact]
    public async Task Store_PublishesChangeAfterCommit()
    {
        var seen = new List<(DeskChange Change, long Count)>();
        Db.Events.Changed += change => seen.Add((change, Db.Memories.CountAsync(new MemoryFilter { AgentId = "bot" }).GetAwaiter().GetResult()));
        await Db.Memories.StoreAsync(New("hello"));
        var (change, countAtEvent) = Assert.Single(seen);
        Assert.Equal(new DeskChange("memory", "bot"), change);
        Assert.Equal(1, countAtEvent);
    }
}
