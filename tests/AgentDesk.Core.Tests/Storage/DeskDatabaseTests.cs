using AgentDesk.Core.Storage;
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

    [SqliteOnlyFact("PostgreSQL runs writers side by side; only the in-process writer queue groups them")]
    public async Task WriteInTwoPhases_QueuedWithOthers_FirstPhaseJoinsTheirGroup_SecondLeadsTheNext()
    {
        var release = new TaskCompletionSource();
        var held = await Db.Database.HoldWriterAsync(release.Task);
        System.Data.Common.DbTransaction? firstTransaction = null;
        var before = Db.Database.WriteAsync(async (c, tx) =>
        {
            await InsertAsync(c, tx, "before");
            return tx;
        });
        var twoPhase = Db.Database.WriteInTwoPhasesAsync(
            async (c, tx) =>
            {
                firstTransaction = tx;
                return await InsertAsync(c, tx, "first");
            },
            async (_, c, tx) =>
            {
                // The first phase is committed: another connection sees it while this transaction is open.
                Assert.Equal(1, await CountAsync("first"));
                await InsertAsync(c, tx, "second");
                return tx;
            });
        var after = Db.Database.WriteAsync(async (c, tx) =>
        {
            await InsertAsync(c, tx, "after");
            return tx;
        });

        release.SetResult();
        await held;

        var secondTransaction = await twoPhase;
        Assert.Same(await before, firstTransaction);
        Assert.Same(await after, firstTransaction);
        Assert.NotSame(firstTransaction, secondTransaction);
        foreach (var key in new[] { "before", "first", "second", "after" }) Assert.Equal(1, await CountAsync(key));
    }

    [Fact]
    public async Task WriteInTwoPhases_CallerGivesUpOnceTheFirstCommitted_TheSecondStillCommits()
    {
        using var cancel = new CancellationTokenSource();
        var result = await Db.Database.WriteInTwoPhasesAsync(
            (c, tx) => InsertAsync(c, tx, "first"),
            async (inserted, c, tx) =>
            {
                cancel.Cancel();
                return inserted + await InsertAsync(c, tx, "second");
            },
            cancel.Token);

        Assert.Equal(2, result);
        Assert.Equal(1, await CountAsync("first"));
        Assert.Equal(1, await CountAsync("second"));
    }

    [SqliteOnlyFact("only SQLite keeps read connections with their compiled statements")]
    public async Task Read_OneAfterAnother_ReuseTheIdleConnection_UnlessTheReadFailed()
    {
        var first = await Db.Database.ReadAsync(c => Task.FromResult(c));
        var second = await Db.Database.ReadAsync(c => Task.FromResult(c));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Db.Database.ReadAsync<int>(c =>
        {
            Assert.Same(first, c);
            throw new InvalidOperationException("read failed");
        }));
        var third = await Db.Database.ReadAsync(c => Task.FromResult(c));

        Assert.IsType<CachedStatementConnection>(first);
        Assert.Same(first, second);
        Assert.NotSame(first, third);
        Assert.Equal(System.Data.ConnectionState.Closed, first.State);
        Assert.Equal(0, await CountAsync("nothing"));
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

    /// <summary>
    /// Writes <paramref name="rounds"/> rounds of 50 writes of 20 KB, with a reader reading alongside when
    /// <paramref name="readerAlongside"/>, and returns the longest the write-ahead log file got;
    /// <paramref name="betweenRounds"/> runs after each round.
    /// </summary>
    private async Task<long> LargestLogAsync(int rounds, Func<Task> betweenRounds, bool readerAlongside)
    {
        var payload = new string('x', 20_000);
        using var stop = new CancellationTokenSource();
        var reads = !readerAlongside ? Task.FromResult(-1) : Task.Run(async () =>
        {
            var n = 0;
            for (; !stop.IsCancellationRequested; n++) await CountAsync("w-0-0");
            return n;
        });
        var largest = 0L;
        for (var round = 0; round < rounds; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Db.Database.WriteAsync((c, tx) =>
                c.ExecuteAsync("INSERT INTO settings (key, value) VALUES (@key, @payload)", new { key = $"w-{round}-{i}", payload }, tx))));
            largest = Math.Max(largest, new FileInfo(Db.Path + "-wal").Length);
            await betweenRounds();
        }
        stop.Cancel();
        Assert.True(!readerAlongside || await reads > 0);
        Assert.Equal(rounds * 50, await Db.Database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settings WHERE key LIKE 'w-%'")));
        return largest;
    }

    private const long PageBytes = 4096;

    [SqliteOnlyFact("the write-ahead log is SQLite's")]
    public async Task Write_SteadyWritesWithAReaderAlongside_TheBackgroundCheckpointsKeepTheLogShort()
    {
        // ~1 MB a round, then a background pass: the log restarts near RestartPages, far below the backstop.
        var checkpointer = Db.Database.Checkpointer!;
        var largest = await LargestLogAsync(30, async () =>
        {
            var passes = checkpointer.Passes;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (checkpointer.Passes == passes) await Task.Delay(5, timeout.Token);
        }, readerAlongside: true);

        Assert.Equal(0, checkpointer.FailedPasses);
        Assert.InRange(largest, 1, 2 * WalCheckpointer.RestartPages * PageBytes);
    }

    [SqliteOnlyFact("the write-ahead log is SQLite's")]
    public async Task Write_WritesOutpacingTheBackgroundPasses_TheLogStillStartsAgain()
    {
        // 100 MB as fast as the writer takes it (over 100 MB/s here). The log restarts, but how far it overshoots the
        // backstop is a matter of timing: SQLite's automatic checkpoint gives way while a background pass is copying,
        // so the overshoot is the writes made during that pass (17 – 24 MB measured). Half of what was written
        // separates restarting from not restarting, which would leave all 100 MB in the log.
        const int rounds = 100;
        var largest = await LargestLogAsync(rounds, () => Task.CompletedTask, readerAlongside: false);

        Assert.InRange(largest, 1, rounds * 50 * 20_000L / 2);
    }

    [SqliteOnlyFact("PostgreSQL runs writers side by side; only the in-process writer queue groups them")]
    public async Task Write_UnitsQueuedTogether_ShareOneTransaction_AndAllCommit()
    {
        var release = new TaskCompletionSource();
        var held = await Db.Database.HoldWriterAsync(release.Task);
        var writes = Enumerable.Range(0, 6).Select(i => Db.Database.WriteAsync(async (c, tx) =>
        {
            await InsertAsync(c, tx, $"grouped-{i}");
            return tx;
        })).ToList();

        release.SetResult();
        await held;
        var transactions = await Task.WhenAll(writes);

        Assert.Single(transactions.Distinct());
        for (var i = 0; i < 6; i++) Assert.Equal(1, await CountAsync($"grouped-{i}"));
    }

    [Fact]
    public async Task Write_OneUnitFailsAmongQueuedOnes_OnlyItsCallerSeesTheFailure_AndOnlyItsWritesAreUndone()
    {
        var release = new TaskCompletionSource();
        var held = await Db.Database.HoldWriterAsync(release.Task);
        var runs = new int[5];
        var writes = Enumerable.Range(0, 5).Select(i => Db.Database.WriteAsync(async (c, tx) =>
        {
            Interlocked.Increment(ref runs[i]);
            await InsertAsync(c, tx, $"unit-{i}");
            if (i == 2) throw new InvalidOperationException("unit 2 failed");
            return i;
        })).ToList();

        release.SetResult();
        await held;

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => writes[2]);
        Assert.Equal("unit 2 failed", failure.Message);
        foreach (var i in new[] { 0, 1, 3, 4 })
        {
            Assert.Equal(i, await writes[i]);
            Assert.Equal(1, await CountAsync($"unit-{i}"));
        }
        Assert.Equal(0, await CountAsync("unit-2"));
        // Each unit wrote its row once whether or not it ran twice (in the group, then alone).
        Assert.All(runs, n => Assert.InRange(n, 1, 2));
    }

    private static readonly AsyncLocal<string?> Caller = new();

    [Fact]
    public async Task Write_QueuedUnits_EachRunsInItsCallersExecutionContext()
    {
        var release = new TaskCompletionSource();
        var held = await Db.Database.HoldWriterAsync(release.Task);
        // Queued one after the other from this flow, each with the caller value set just before.
        var writes = Enumerable.Range(0, 4).Select(i =>
        {
            Caller.Value = $"caller-{i}";
            return Db.Database.WriteAsync((c, tx) => Task.FromResult(Caller.Value));
        }).ToList();

        release.SetResult();
        await held;

        Assert.Equal(["caller-0", "caller-1", "caller-2", "caller-3"], await Task.WhenAll(writes));
    }

    [Fact]
    public async Task Write_CancelledWhileQueued_IsCancelledAndWritesNothing_TheOthersCommit()
    {
        var release = new TaskCompletionSource();
        var held = await Db.Database.HoldWriterAsync(release.Task);
        using var cancel = new CancellationTokenSource();
        var cancelled = Db.Database.WriteAsync((c, tx) => InsertAsync(c, tx, "cancelled"), cancel.Token);
        var kept = Db.Database.WriteAsync((c, tx) => InsertAsync(c, tx, "kept"));

        cancel.Cancel();
        release.SetResult();
        await held;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, await kept);
        Assert.Equal(0, await CountAsync("cancelled"));
        Assert.Equal(1, await CountAsync("kept"));
    }
}
