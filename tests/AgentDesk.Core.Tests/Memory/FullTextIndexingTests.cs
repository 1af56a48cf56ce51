using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Tests.Support;
using Dapper;

namespace AgentDesk.Core.Tests.Memory;

/// <summary>
/// New memories reach the full-text index once per write transaction (SQLite indexes the transaction's new rows just
/// before it commits), so store units sharing a group commit, and a change or a forget of a memory stored earlier in
/// the same transaction, must leave the index exactly in step with the table. Without the index written before the
/// change, a client id repeated within one store call corrupts the index ("database disk image is malformed");
/// the same change or forget made by another unit of the group showed no harm on SQLite 3.35.5, but is guarded alike.
/// </summary>
public sealed class FullTextIndexingTests
{
    /// <summary>A database whose recalls always go through the full-text index (no agent is scored in process).</summary>
    private static TempDatabase IndexedRecall() => new() { RecallOptions = new RecallOptions { AgentScopedLimit = 0 } };

    private static async Task<IReadOnlyList<RecallHit>> MatchedAsync(TempDatabase db, string query) =>
        [.. (await db.Recall.RecallAsync(new RecallRequest { Filter = new MemoryFilter { AgentId = "bot" }, Query = query, Routing = "bm25" }))
            .Hits.Where(h => h.TextScore is not null)];

    /// <summary>The contents the full-text index matched (recall also fills up with memories no term matched).</summary>
    private static async Task<IReadOnlyList<string>> LexicalAsync(TempDatabase db, string query) =>
        [.. (await MatchedAsync(db, query)).Select(h => h.Memory.Content).Order()];

    /// <summary>
    /// The BM25 scores of <paramref name="query"/> equal those of a database that holds only <paramref name="contents"/>,
    /// each stored once: an index entry written twice, or removed without having been written, shifts the term and
    /// document counts the scores are computed from even where FTS5's own check finds nothing wrong.
    /// </summary>
    private static async Task AssertScoresAsIfStoredCleanlyAsync(TempDatabase db, string query, params string[] contents)
    {
        var expected = new Dictionary<string, double?>();
        await IndexedRecall().UseAsync(async clean =>
        {
            foreach (var content in contents) await clean.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = content });
            foreach (var hit in await MatchedAsync(clean, query)) expected[hit.Memory.Content] = hit.TextScore;
        });
        var actual = (await MatchedAsync(db, query)).ToDictionary(h => h.Memory.Content, h => h.TextScore);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (content, score) in expected) Assert.Equal(score!.Value, actual[content]!.Value, 9);
    }

    /// <summary>Queues <paramref name="writes"/> behind a held writer so that they share one transaction, and runs them.</summary>
    private static async Task<T[]> InOneGroupAsync<T>(TempDatabase db, params Func<Task<T>>[] writes)
    {
        var release = new TaskCompletionSource();
        var held = await db.Database.HoldWriterAsync(release.Task);
        var queued = writes.Select(write => write()).ToList();
        if (!TestEngine.IsPostgres)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (db.Database.QueuedWrites < writes.Length) await Task.Delay(5, timeout.Token);
        }
        release.SetResult();
        await held;
        return await Task.WhenAll(queued);
    }

    private static async Task AssertIndexInStepAsync(TempDatabase db)
    {
        if (TestEngine.IsPostgres) return;
        // FTS5 compares its index with the content table and raises an error on any difference.
        await db.Database.ReadAsync(c => c.ExecuteAsync("INSERT INTO memories_fts (memories_fts) VALUES ('integrity-check')"));
    }

    [Fact]
    public async Task Stores_SharingATransaction_AreEachFoundByTheIndex()
    {
        await IndexedRecall().UseAsync(async db =>
        {
            var words = new[] { "modem", "invoice", "router", "refund", "password", "delivery" };
            await InOneGroupAsync(db, words.Select(word => (Func<Task<Core.Memory.Memory>>)(async () =>
                (await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = $"{word} noted" })).Memory)).ToArray());

            foreach (var word in words) Assert.Equal([$"{word} noted"], await LexicalAsync(db, word));
            await AssertIndexInStepAsync(db);
        });
    }

    [Fact]
    public async Task Change_InTheTransactionThatStoredTheMemory_KeepsTheIndexInStep()
    {
        await IndexedRecall().UseAsync(async db =>
        {
            await InOneGroupAsync<object>(db,
                async () => await db.Memories.StoreAsync(new NewMemory { Id = "changed", AgentId = "bot", Content = "alpha modem" }),
                async () => await db.Memories.UpdateAsync("changed", "bot", new MemoryPatch { Content = "beta modem" }),
                async () => await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "delta modem" }));

            Assert.Equal(["beta modem", "delta modem"], await LexicalAsync(db, "modem"));
            Assert.Empty(await LexicalAsync(db, "alpha"));
            await AssertScoresAsIfStoredCleanlyAsync(db, "beta modem", "beta modem", "delta modem");
            await AssertIndexInStepAsync(db);
        });
    }

    [Fact]
    public async Task Forget_InTheTransactionThatStoredTheMemory_KeepsTheIndexInStep()
    {
        await IndexedRecall().UseAsync(async db =>
        {
            await InOneGroupAsync<object>(db,
                async () => await db.Memories.StoreAsync(new NewMemory { Id = "forgotten", AgentId = "bot", Content = "gamma modem" }),
                async () => await db.Memories.DeleteAsync(new MemoryFilter { AgentId = "bot", Ids = ["forgotten"] }),
                async () => await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "delta modem" }));

            Assert.Equal(["delta modem"], await LexicalAsync(db, "modem"));
            Assert.Empty(await LexicalAsync(db, "gamma"));
            await AssertScoresAsIfStoredCleanlyAsync(db, "delta modem", "delta modem");
            await AssertIndexInStepAsync(db);
        });
    }

    [Fact]
    public async Task Store_RepeatingAClientIdInOneCall_IndexesOnlyTheLastContent()
    {
        await IndexedRecall().UseAsync(async db =>
        {
            await db.Memories.StoreBatchAsync([
                new NewMemory { Id = "twice", AgentId = "bot", Content = "first modem" },
                new NewMemory { AgentId = "bot", Content = "other modem" },
                new NewMemory { Id = "twice", AgentId = "bot", Content = "second modem" },
            ]);

            Assert.Equal(["other modem", "second modem"], await LexicalAsync(db, "modem"));
            Assert.Empty(await LexicalAsync(db, "first"));
            await AssertIndexInStepAsync(db);
        });
    }
}
