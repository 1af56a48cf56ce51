using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Tests.Support;
using Dapper;

namespace AgentDesk.Core.Tests.Recall;

public sealed class RecallServiceTests : DatabaseTest
{
    private async Task<IReadOnlyList<RecallHit>> Recall(string query, MemoryFilter? filter = null, int topK = 5) =>
        (await Db.Recall.RecallAsync(new RecallRequest { Filter = filter ?? new MemoryFilter { AgentId = "bot" }, Query = query, TopK = topK })).Hits;

    [Fact]
    public async Task Recall_OtherAgentsMemories_AreNeverReturned()
    {
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "other", Content = "refund for the duplicate charge" });
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "router firmware" });
        var hits = await Recall("refund duplicate charge");
        Assert.All(hits, h => Assert.Equal("bot", h.Memory.AgentId));
    }

    [Fact]
    public async Task Recall_HandoffOutsideSessionScope_IsNotPinned()
    {
        var (a, _) = await Db.Sessions.StartAsync("bot", "sess-a", null);
        var (b, _) = await Db.Sessions.StartAsync("bot", "sess-b", null);
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", SessionId = a.Id, Content = "HANDOFF SUMMARY: refund", Importance = 1.0, Tags = ["handoff"] });
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", SessionId = b.Id, Content = "refund requested" });
        var hits = await Recall("refund", new MemoryFilter { AgentId = "bot", SessionId = b.Id });
        Assert.Equal("refund requested", Assert.Single(hits).Memory.Content);
    }

    [Fact]
    public async Task Recall_HandoffTagBelowFullImportance_IsRankedNormally()
    {
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "an old handoff note", Importance = 0.9, Tags = ["handoff"] });
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "password reset link sent, password works", Importance = 0.9 });
        var hits = await Recall("password reset");
        Assert.Equal("password reset link sent, password works", hits[0].Memory.Content);
        Assert.All(hits, h => Assert.True(h.SmartScore <= 1.0));
    }

    [Fact]
    public async Task Recall_FewLexicalHits_FillsWithImportantMemoriesWithoutTextScore()
    {
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "shipping delayed", Importance = 0.4 });
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "customer is angry", Importance = 0.9 });
        var hits = await Recall("shipping", topK: 5);
        Assert.Equal(2, hits.Count);
        Assert.NotNull(hits.Single(h => h.Memory.Content == "shipping delayed").TextScore);
        Assert.Null(hits.Single(h => h.Memory.Content == "customer is angry").TextScore);
    }

    [Fact]
    public async Task Recall_Hits_AreRecordedAsAccessesWhenFlushed()
    {
        var (stored, _, _) = await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "wifi drops at night" });
        await Recall("wifi");
        await Recall("wifi night");
        Db.Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(1, await Db.Access.FlushAsync());
        var read = await Db.Memories.GetAsync(stored.Id);
        Assert.Equal(2, read!.AccessCount);
        Assert.Equal(Db.Clock.Now.ToUnixTimeSeconds(), read.LastAccessedAt);
    }

    [Fact]
    public async Task AccessFlush_LargerThanASlice_RecordsEveryMemoryOnce()
    {
        var count = AccessRecorder.SliceSize * 2 + 7;
        var (stored, _) = await Db.Memories.StoreBatchAsync(
            Enumerable.Range(0, count).Select(i => new NewMemory { AgentId = "bot", Content = $"note {i}" }).ToList());
        Db.Access.Record(stored.Select(m => m.Seq).Reverse());
        Db.Access.Record([stored[0].Seq]);

        Assert.Equal(count, await Db.Access.FlushAsync());
        var read = await Task.WhenAll(stored.Select(m => Db.Memories.GetAsync(m.Id)));
        Assert.Equal(2, read[0]!.AccessCount);
        Assert.All(read.Skip(1), m => Assert.Equal(1, m!.AccessCount));
        Assert.Equal(0, await Db.Access.FlushAsync());
    }

    // A small agent's rows are kept between agent-wide recalls (on SQLite, while its memory version holds): every
    // kind of change must show in the very next recall.

    [Fact]
    public async Task Recall_AfterEveryKindOfChange_SeesTheAgentAsItIsNow()
    {
        var (kept, _, _) = await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "modem replaced on tuesday", Importance = 0.3 });
        var (forgotten, _, _) = await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "modem lights blinking red" });
        Assert.Equal(2, (await Recall("modem")).Count);

        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "modem firmware updated" });
        Assert.Contains(await Recall("modem"), h => h.Memory.Content == "modem firmware updated");

        await Db.Memories.UpdateAsync(kept.Id, "bot", new MemoryPatch { Content = "modem swapped for a new model" });
        var hits = await Recall("modem");
        Assert.Contains(hits, h => h.Memory.Content == "modem swapped for a new model");
        Assert.DoesNotContain(hits, h => h.Memory.Content == "modem replaced on tuesday");

        Assert.True(await Db.Memories.SetImportanceAsync("bot", kept.Id, 0.95));
        Assert.Equal(0.95, (await Recall("modem")).Single(h => h.Memory.Id == kept.Id).Memory.Importance);

        Assert.Equal(1, await Db.Memories.DeleteAsync(new MemoryFilter { AgentId = "bot", Ids = [forgotten.Id] }));
        Assert.DoesNotContain(await Recall("modem"), h => h.Memory.Id == forgotten.Id);

        // Another agent's change leaves this one's answer as it was.
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "other", Content = "modem at the other site" });
        Assert.Equal(["modem firmware updated", "modem swapped for a new model"], (await Recall("modem")).Select(h => h.Memory.Content).Order());
    }

    [SqliteOnlyFact("only SQLite keeps a version of an agent's memories")]
    public async Task Recall_AfterOnlyAdditions_ReadsJustTheAddedMemories()
    {
        var (first, _, _) = await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "modem one" });
        Assert.Single(await Recall("modem"));
        await HideChangeAsync(first.Id, "modem changed unseen");

        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "modem two" });
        Assert.Equal(["modem one", "modem two"], (await Recall("modem")).Select(h => h.Memory.Content).Order());
    }

    [SqliteOnlyFact("only SQLite keeps a version of an agent's memories")]
    public async Task Recall_AfterManyRowsOfOtherAgents_ReadsTheAgentWholeAgain()
    {
        var (first, _, _) = await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "modem one" });
        Assert.Single(await Recall("modem"));
        await HideChangeAsync(first.Id, "modem changed unseen");

        await Db.Memories.StoreBatchAsync(Enumerable.Range(0, 1_001).Select(i => new NewMemory { AgentId = "other", Content = $"note {i}" }).ToList());
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "modem two" });
        Assert.Equal(["modem changed unseen", "modem two"], (await Recall("modem")).Select(h => h.Memory.Content).Order());
    }

    /// <summary>Changes a memory's content with the trigger's version bump undone, so only a whole read of the agent sees it.</summary>
    private Task HideChangeAsync(string id, string content) =>
        Db.Database.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("UPDATE memories SET content = @content WHERE id = @id", new { id, content }, tx);
            return await c.ExecuteAsync("UPDATE memory_versions SET version = version - 1 WHERE agent_id = 'bot'", transaction: tx);
        });

    [Fact]
    public async Task Recall_AfterTheNewestMemoryIsForgottenAndItsSeqReused_SeesOnlyTheNewOne()
    {
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "modem old" });
        var (newest, _, _) = await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "modem forgotten" });
        Assert.Equal(2, (await Recall("modem")).Count);

        Assert.Equal(1, await Db.Memories.DeleteAsync(new MemoryFilter { AgentId = "bot", Ids = [newest.Id] }));
        var (replacement, _, _) = await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "modem replacement" });
        if (!TestEngine.IsPostgres) Assert.Equal(newest.Seq, replacement.Seq);
        Assert.Equal(["modem old", "modem replacement"], (await Recall("modem")).Select(h => h.Memory.Content).Order());
    }

    // Session and tag scopes of a small agent come from the same kept copy, filtered in process.

    [Fact]
    public async Task Recall_OfASessionOrTag_AfterEveryKindOfChange_SeesTheScopeAsItIsNow()
    {
        var (session, _) = await Db.Sessions.StartAsync("bot", "call", null);
        var inSession = new MemoryFilter { AgentId = "bot", SessionId = session.Id };
        var tagged = new MemoryFilter { AgentId = "bot", Tags = ["billing"] };
        Task<IReadOnlyList<RecallHit>> Scoped(MemoryFilter filter) => Recall("modem", filter);
        var (kept, _, _) = await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", SessionId = session.Id, Content = "modem reset", Tags = ["billing"] });
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "modem outside the call" });
        Assert.Equal(2, (await Recall("modem")).Count);
        Assert.Equal(["modem reset"], (await Scoped(inSession)).Select(h => h.Memory.Content));

        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", SessionId = session.Id, Content = "modem swapped" });
        Assert.Equal(["modem reset", "modem swapped"], (await Scoped(inSession)).Select(h => h.Memory.Content).Order());
        Assert.Equal(["modem reset"], (await Scoped(tagged)).Select(h => h.Memory.Content));

        await Db.Memories.UpdateAsync(kept.Id, "bot", new MemoryPatch { Tags = ["shipping"] });
        Assert.Empty(await Scoped(tagged));
        Assert.Equal(1, await Db.Memories.DeleteAsync(new MemoryFilter { AgentId = "bot", Ids = [kept.Id] }));
        Assert.Equal(["modem swapped"], (await Scoped(inSession)).Select(h => h.Memory.Content));
    }

    [Fact]
    public async Task Recall_RepeatedOnAnUnchangedAgent_GivesCurrentAccessStatisticsAndDropsWhatExpired()
    {
        var (stored, _, _) = await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "router reboots every hour" });
        await Db.Memories.StoreAsync(new NewMemory
        {
            AgentId = "bot",
            Content = "router promo code valid today",
            ExpiresAtMs = Db.Clock.Now.AddMinutes(10).ToUnixTimeMilliseconds(),
        });
        Assert.Equal(0, (await Recall("router")).Single(h => h.Memory.Id == stored.Id).Memory.AccessCount);
        Db.Clock.Advance(TimeSpan.FromSeconds(30));
        await Db.Access.FlushAsync();

        var afterFlush = (await Recall("router")).Single(h => h.Memory.Id == stored.Id).Memory;
        Assert.Equal((1, Db.Clock.Now.ToUnixTimeMilliseconds()), (afterFlush.AccessCount, afterFlush.LastAccessedAtMs));
        await Db.Access.FlushAsync();
        Assert.Equal(2, (await Recall("router")).Single(h => h.Memory.Id == stored.Id).Memory.AccessCount);

        Db.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(stored.Id, Assert.Single(await Recall("router")).Memory.Id);
    }
}
