using AgentDesk.Core.Tests.Support;
using Dapper;

namespace AgentDesk.Core.Tests.Storage;

public sealed class DeskDatabaseTests : DatabaseTest
{
    private Task<long> CountAsync(string key) =>
        Db.Database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settings WHERE key = @key", new { key }));

    private static Task<int> InsertAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string key) =>
        c.ExecuteAsync("INSERT INTO settings (key, value) VALUES (@key, 'v')", new { key }, tx);

    [Fact]
    public async Task WriteInTwoPhases_SecondFails_FirstStaysCommitted_SecondLeavesNothing()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Db.Database.WriteInTwoPhasesAsync<int, int>(
            (c, tx) => InsertAsync(c, tx, "first"),
            async (_, c, tx) =>
            {
                await InsertAsync(c, tx, "second");
                throw new InvalidOperationException("phase two failed");
            }));

        Assert.Equal(1, await CountAsync("first"));
        Assert.Equal(0, await CountAsync("second"));
    }

    [Fact]
    public async Task WriteInTwoPhases_BothSucceed_SecondSeesTheFirstsResult()
    {
        var result = await Db.Database.WriteInTwoPhasesAsync(
            (c, tx) => InsertAsync(c, tx, "a"),
            async (inserted, c, tx) => inserted + await InsertAsync(c, tx, "b"));

        Assert.Equal(2, result);
        Assert.Equal(1, await CountAsync("b"));
    }

    [Fact]
    public async Task Write_Fails_RollsBack()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Db.Database.WriteAsync<int>(async (c, tx) =>
        {
            await InsertAsync(c, tx, "lost");
            throw new InvalidOperationException("failed");
        }));

        Assert.Equal(0, await CountAsync("lost"));
    }

    [Fact]
    public async Task Write_ConcurrentReadModifyWrites_EveryOneLands()
    {
        await Db.Database.WriteAsync((c, tx) => c.ExecuteAsync("INSERT INTO settings (key, value) VALUES ('counter', '0')", transaction: tx));

        // Each reads the counter and writes it back one higher: on PostgreSQL all but one of a colliding group are
        // aborted (40001) and run again; on SQLite they queue. Either way no increment is lost.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Db.Database.WriteAsync(async (c, tx) =>
        {
            var value = int.Parse(await c.ExecuteScalarAsync<string>("SELECT value FROM settings WHERE key = 'counter'", transaction: tx) ?? "0");
            return await c.ExecuteAsync("UPDATE settings SET value = @next WHERE key = 'counter'", new { next = (value + 1).ToString() }, tx);
        }))));

        Assert.Equal("8", await Db.Database.ReadAsync(c => c.ExecuteScalarAsync<string>("SELECT value FROM settings WHERE key = 'counter'")));
    }
}
