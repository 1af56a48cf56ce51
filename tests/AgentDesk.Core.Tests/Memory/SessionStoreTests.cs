using System.Text.Json.Nodes;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Tests.Support;

namespace AgentDesk.Core.Tests.Memory;

public sealed class SessionStoreTests : DatabaseTest
{
    [Fact]
    public async Task End_MergesMetadataKeyByKey()
    {
        var (session, _) = await Db.Sessions.StartAsync("bot", null, new JsonObject { ["channel"] = "chat", ["urgency"] = "low" });
        var ended = await Db.Sessions.EndAsync(session.Id, "done", new JsonObject { ["urgency"] = "high", ["handoff_to"] = "tier1" });
        Assert.Equal("chat", ended.Metadata!["channel"]!.GetValue<string>());
        Assert.Equal("high", ended.Metadata!["urgency"]!.GetValue<string>());
        Assert.Equal("tier1", ended.Metadata!["handoff_to"]!.GetValue<string>());
        Assert.Equal("done", (await Db.Sessions.GetAsync(session.Id))!.Summary);
    }

    [Fact]
    public async Task End_Twice_KeepsFirstEndTime()
    {
        var (session, _) = await Db.Sessions.StartAsync("bot", null, null);
        var first = await Db.Sessions.EndAsync(session.Id, null, null);
        Db.Clock.Advance(TimeSpan.FromHours(1));
        var second = await Db.Sessions.EndAsync(session.Id, null, new JsonObject { ["late"] = true });
        Assert.Equal(first.EndedAt, second.EndedAt);
        Assert.True(second.Metadata!["late"]!.GetValue<bool>());
    }

    [Fact]
    public async Task List_ActiveOnly_ExcludesEnded_AndCountsMemories()
    {
        var (open, _) = await Db.Sessions.StartAsync("bot", "open-1", null);
        var (closed, _) = await Db.Sessions.StartAsync("bot", "closed-1", null);
        await Db.Sessions.EndAsync(closed.Id, null, null);
        await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "x", SessionId = open.Id });
        var (active, total) = await Db.Sessions.ListAsync("bot", activeOnly: true, 10, 0);
        Assert.Equal(1, total);
        Assert.Equal(open.Id, Assert.Single(active).Id);
        Assert.Equal(1, active[0].MemoryCount);
    }
}
