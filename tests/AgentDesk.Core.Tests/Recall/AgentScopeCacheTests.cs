using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;

namespace AgentDesk.Core.Tests.Recall;

public class AgentScopeCacheTests
{
    private static MemoryRow Row(long seq, long lastAccessedAt = 10, long accessCount = 1) =>
        new() { Seq = seq, AgentId = "bot", Content = $"memory {seq}", LastAccessedAt = lastAccessedAt, AccessCount = accessCount };

    [Fact]
    public void RaiseAccess_ForAKeptRow_RaisesIt_AndNeverLowersIt()
    {
        var cache = new AgentScopeCache();
        var row = Row(5);
        cache.Put("bot", version: 1, lastSeq: 5, [row]);

        cache.RaiseAccess([(5, 1_000, 3)]);
        cache.RaiseAccess([(5, 500, 2)]); // read earlier, applied later

        Assert.Equal((1_000, 3), (row.LastAccessedAt, row.AccessCount));
    }

    [Fact]
    public void Put_RowReadBeforeAFlushWhoseValuesWereAppliedAlready_TakesThemAsItIsKept()
    {
        var cache = new AgentScopeCache();
        cache.RaiseAccess([(5, 1_000, 3)]);
        var stale = Row(5);

        cache.Put("bot", version: 1, lastSeq: 5, [stale]);

        Assert.Equal((1_000, 3), (stale.LastAccessedAt, stale.AccessCount));
    }

    [Fact]
    public void Put_CopyThatGrew_RaisesTheRowsReadNow_AndKeepsRaisingTheOlderOnes()
    {
        var cache = new AgentScopeCache();
        var older = Row(5);
        cache.Put("bot", version: 1, lastSeq: 5, [older]);
        cache.RaiseAccess([(6, 2_000, 4)]);
        var added = Row(6);

        var copy = cache.Put("bot", version: 1, lastSeq: 6, [older, added]);
        cache.RaiseAccess([(5, 3_000, 7)]);

        Assert.Same(copy, cache.Get("bot", 1));
        Assert.Equal((2_000, 4), (added.LastAccessedAt, added.AccessCount));
        Assert.Equal((3_000, 7), (older.LastAccessedAt, older.AccessCount));
    }

    [Fact]
    public void Clear_DropsTheCopies_AndWhatWasFlushed()
    {
        var cache = new AgentScopeCache();
        cache.Put("bot", version: 1, lastSeq: 5, [Row(5)]);
        cache.RaiseAccess([(6, 2_000, 4)]);

        cache.Clear();
        var row = Row(6);
        cache.Put("bot", version: 2, lastSeq: 6, [row]);

        Assert.Null(cache.Get("bot", 1));
        Assert.Equal((10, 1), (row.LastAccessedAt, row.AccessCount));
    }
}
