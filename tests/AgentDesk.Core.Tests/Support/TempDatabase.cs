using AgentDesk.Core;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Recall.Lexical;
using AgentDesk.Core.Storage;
using Dapper;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentDesk.Core.Tests.Support;

/// <summary>
/// A migrated database of its own (a SQLite file, or a PostgreSQL database under AGENTDESK_TEST_ENGINE=postgres,
/// see <see cref="TestEngine"/>), with the stores wired as the host wires them.
/// </summary>
/// <param name="embeddings">The embedding model, or null for a server without one.</param>
public sealed class TempDatabase(IEmbeddingGenerator<string, Embedding<float>>? embeddings = null) : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agentdesk-core-tests", Guid.NewGuid().ToString("N"));
    public string Path => System.IO.Path.Combine(Directory, "core.db");
    /// <summary>The PostgreSQL database's connection string, when the suite runs on PostgreSQL.</summary>
    public string? PostgresConnectionString { get; private set; }
    public ManualClock Clock { get; } = new(DateTimeOffset.Parse("2026-03-01T12:00:00Z"));
    public DeskDatabase Database { get; private set; } = null!;
    public DeskEvents Events { get; } = new();
    public MemoryStore Memories { get; private set; } = null!;
    public SessionStore Sessions { get; private set; } = null!;
    public AccessRecorder Access { get; private set; } = null!;
    public RecallService Recall { get; private set; } = null!;
    public SemanticIndex Semantic { get; private set; } = null!;
    public RankingOptions Ranking { get; set; } = new();
    public RecallOptions RecallOptions { get; set; } = new();

    public async Task InitializeAsync()
    {
        Database = new DeskDatabase(CreateDialect());
        await new Migrator(Database).MigrateAsync();
        Semantic = new SemanticIndex(Database, Events, NullLogger<SemanticIndex>.Instance, embeddings);
        Memories = new MemoryStore(Database, Clock, Events, Semantic);
        Sessions = new SessionStore(Database, Clock, Events);
        Access = new AccessRecorder(Memories, Clock);
        Recall = new RecallService(Database, Access, Semantic, new TermSelection(Database, RecallOptions, Clock), Ranking, RecallOptions, Clock);
    }

    private ISqlDialect CreateDialect()
    {
        if (!TestEngine.IsPostgres) return SqliteDialect.ForFile(Path);
        PostgresConnectionString ??= TestEngine.CreateDatabase();
        return new PostgresDialect(PostgresConnectionString);
    }

    /// <summary>Fails unless the full-text index holds exactly the memories' current content.</summary>
    public async Task AssertFullTextIndexExactAsync()
    {
        if (!TestEngine.IsPostgres)
        {
            // FTS5 compares an external-content index with its table and raises an error on any difference.
            await Database.ReadAsync(c => c.ExecuteAsync("INSERT INTO memories_fts (memories_fts) VALUES ('integrity-check')"));
            return;
        }
        var rows = await Database.ReadAsync(c => c.QueryAsync<(string Content, string? Lexemes, long? Length)>(
            "SELECT content, fts_lexemes::text, fts_length FROM memories"));
        foreach (var (content, lexemes, length) in rows)
        {
            var tokens = LexicalTokenizer.Tokens(content);
            var expected = await Database.ReadAsync(c => c.ExecuteScalarAsync<string>(
                "SELECT CAST(@document AS tsvector)::text", new { document = PostgresDialect.Document(tokens) }));
            Assert.Equal((expected, (long?)tokens.Count), (lexemes, length));
        }
        // BM25's N and token total, kept by trigger, match the rows.
        Assert.Equal(
            await Database.ReadAsync(c => c.QuerySingleAsync<(long, long)>("SELECT COUNT(fts_length), COALESCE(SUM(fts_length), 0) FROM memories")),
            await Database.ReadAsync(c => c.QuerySingleAsync<(long, long)>("SELECT CAST(SUM(rows) AS BIGINT), CAST(SUM(tokens) AS BIGINT) FROM fts_totals")));
    }

    /// <summary>Runs <paramref name="body"/> against this database (set up with other options than a test class's), then deletes it.</summary>
    public async Task UseAsync(Func<TempDatabase, Task> body)
    {
        await InitializeAsync();
        try
        {
            await body(this);
        }
        finally
        {
            await DisposeAsync();
        }
    }

    public Task DisposeAsync()
    {
        Semantic.Dispose();
        Database.Dispose();
        // This database's pool only: clearing every pool closed other tests' idle connections, and SQLite removes a
        // write-ahead log with its last connection, under a test that was measuring it.
        using (var connection = Database.Dialect.CreateConnection()) Database.Dialect.DiscardPool(connection);
        if (PostgresConnectionString is { } connectionString)
        {
            TestEngine.DropDatabase(connectionString);
            PostgresConnectionString = null;
        }
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;
    public override DateTimeOffset GetUtcNow() => Now;
    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>Base of tests that each want a fresh migrated database.</summary>
public abstract class DatabaseTest : IAsyncLifetime
{
    protected TempDatabase Db { get; } = new();
    public Task InitializeAsync() => Db.InitializeAsync();
    public Task DisposeAsync() => Db.DisposeAsync();
}
