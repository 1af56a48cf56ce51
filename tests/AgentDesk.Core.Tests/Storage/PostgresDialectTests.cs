using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Recall.Lexical;
using AgentDesk.Core.Storage;
using AgentDesk.Core.Tests.Support;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentDesk.Core.Tests.Storage;

/// <summary>What only the PostgreSQL dialect does: concurrent migration, and full text that ranks as SQLite's FTS5 does.</summary>
public sealed class PostgresDialectTests : DatabaseTest
{
    private static readonly string[] Corpus =
    [
        "Customer wants a refund for a double charge on the March invoice",
        "Refund approved, refunds take five days to reach the card",
        "Router keeps rebooting every evening; firmware updated twice",
        "Customer was charged twice and is angry about the charges",
        "Password reset link expired, sent another one",
        "Delivery delayed: the parcel is held at the depot",
        "Asked about refunding the delivery fee for the delayed parcel",
        "Naïve question about café opening hours, answered",
    ];

    [PostgresFact]
    public async Task Migrate_FourInstancesAtOnce_OnAFreshDatabase_AppliesEachVersionOnce()
    {
        var connectionString = TestEngine.CreateDatabase();
        try
        {
            var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
                Task.Run(() => new Migrator(new DeskDatabase(new PostgresDialect(connectionString))).MigrateAsync())));

            var database = new DeskDatabase(new PostgresDialect(connectionString));
            var expected = new Migrator(database).Migrations().Select(m => m.Version).ToList();
            Assert.Equal(expected, runs.SelectMany(r => r).Order());
            Assert.Equal(expected, await database.ReadAsync(c => c.QueryAsync<int>("SELECT version FROM schema_version ORDER BY version")));
            Assert.Empty(await new Migrator(database).MigrateAsync());
        }
        finally
        {
            TestEngine.DropDatabase(connectionString);
        }
    }

    [PostgresFact]
    public async Task LexicalCandidates_RankAsSqliteFts5_OnTheSameCorpus()
    {
        var sqlite = new DeskDatabase(SqliteDialect.ForFile(Path.Combine(Db.Directory, "reference.db")));
        await new Migrator(sqlite).MigrateAsync();
        var events = new DeskEvents();
        using var semantic = new SemanticIndex(sqlite, events, NullLogger<SemanticIndex>.Instance, null);
        var reference = new MemoryStore(sqlite, Db.Clock, events, semantic);
        var memories = Corpus.Select(text => new NewMemory { AgentId = "bot", Content = text, Importance = 0.5 }).ToList();
        await reference.StoreBatchAsync(memories);
        await Db.Memories.StoreBatchAsync(memories);

        foreach (var query in new[] { "refund", "charged twice refund", "delayed parcel refunds", "cafe naive", "router firmware password" })
        {
            var terms = LexicalQuery.Terms(query);
            var expected = await CandidatesAsync(sqlite, terms);
            var actual = await CandidatesAsync(Db.Database, terms);
            Assert.Equal(expected.Select(c => c.Seq), actual.Select(c => c.Seq));
            Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First.Score, pair.Second.Score, 9));
        }
    }

    [PostgresFact]
    public async Task IndexMemories_UpdatedContent_ReplacesItsLexemes()
    {
        var (memory, _, _) = await Db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "shipping delayed", Importance = 0.5 });
        await Db.Memories.UpdateAsync(memory.Id, "bot", new MemoryPatch { Content = "parcel arrived" });

        var (lexemes, length) = await Db.Database.ReadAsync(c => c.QuerySingleAsync<(string, long)>(
            "SELECT fts_lexemes::text, fts_length FROM memories WHERE id = @id", new { id = memory.Id }));
        Assert.Equal(("'arriv':2 'parcel':1", 2L), (lexemes, length));
    }

    [Fact]
    public void Document_CountsEveryPositionOfEachToken()
    {
        Assert.Equal("'refund':1,4 'the':2 'fee':3", PostgresDialect.Document(LexicalTokenizer.Tokens("Refund the fee, refunded")));
    }

    [Fact]
    public void LexicalMatchExpression_StemsEachTermAsFts5Does()
    {
        var dialect = new PostgresDialect("Host=127.0.0.1");
        Assert.Equal("'refund' | 'deliveri'", dialect.LexicalMatchExpression(["refunds", "delivery"]));
    }

    private static Task<List<(long Seq, double Score)>> CandidatesAsync(DeskDatabase database, IReadOnlyList<string> terms) =>
        database.ReadAsync(async c => (await c.QueryAsync<(long, double)>(
            database.Dialect.LexicalCandidatesSql("m.agent_id = @agent"),
            new { match = database.Dialect.LexicalMatchExpression(terms), agent = "bot", limit = 100 })).AsList());
}
