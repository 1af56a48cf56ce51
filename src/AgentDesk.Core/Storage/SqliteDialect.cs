using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;
using Microsoft.Data.Sqlite;

namespace AgentDesk.Core.Storage;

/// <summary>SQLite (3.35, FTS5, JSON1) in WAL mode: the embedded default store, one writer at a time.</summary>
public sealed class SqliteDialect : ISqlDialect
{
    private static readonly object InitLock = new();
    private static bool _initialised;
    private readonly string _connectionString;
    private readonly bool _fullSync;

    /// <param name="fullSync">
    /// FULL fsyncs the WAL on every commit (survives power loss). NORMAL, the default, keeps every
    /// acknowledged commit across a process kill — the WAL is written before the commit returns —
    /// and only risks the last commits on an OS crash or power cut.
    /// </param>
    public SqliteDialect(string connectionString, bool fullSync = false)
    {
        lock (InitLock)
        {
            if (!_initialised)
            {
                SqliteLibrary.Choose();
                SQLitePCL.Batteries_V2.Init();
                _initialised = true;
            }
        }
        _connectionString = new SqliteConnectionStringBuilder(connectionString)
        {
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _fullSync = fullSync;
    }

    public string Name => "sqlite";
    public string MigrationsFolder => "Sqlite";
    public bool SerializeWrites => true;

    // One process owns the file and queues its writers, so rows commit in seq order.
    public bool LateCommits => false;

    // Kept by the triggers of migration 0013.
    public string? MemoryVersionSql => "SELECT version, last_seq FROM memory_versions WHERE agent_id = @agent";

    public static SqliteDialect ForFile(string path, bool fullSync = false)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        return new SqliteDialect(new SqliteConnectionStringBuilder { DataSource = path }.ToString(), fullSync);
    }

    public DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    /// <summary>
    /// Sets the connection's pragmas once per native connection: a pooled connection keeps them. No memory-mapped I/O
    /// (<c>mmap_size = 0</c>; it was 256 MiB): in WAL mode SQLite unmaps a connection's whole mapping at the start of
    /// every read transaction that follows a write, so under a write load every read paid <c>munmap</c>, a fresh
    /// <c>mmap</c> and the page faults of touching the file again (<c>strace</c> from inside <c>sqlite3PagerSharedLock</c>;
    /// ~6 % of the server's CPU in a <c>perf</c> profile). Mixed load, 60 s, with access statistics every 2 s: 2,962 →
    /// 3,178 req/s, p95 25.6 → 24.1 ms; single-client recall at 10k and 100k memories was no slower. The page cache is
    /// 64 MiB, not SQLite's 2 MiB: with the default, a database past a few tens of megabytes made the writer read the
    /// index pages it changes afresh on nearly every write (mixed load, 60 s: 1,579 → 1,701 req/s). Pages are
    /// allocated as they are used, so an idle pooled connection costs little. The writer's
    /// <see cref="WalCheckpointer"/> copies the log in the background; SQLite's automatic checkpoint is its backstop.
    /// <c>secure_delete</c> is off as in SQLite's default build: Debian builds its library (<see cref="SqliteLibrary"/>)
    /// with it on, which zeroes every freed cell, and the access-statistics flush rewrites thousands of rows.
    /// </summary>
    public async Task ConfigureAsync(DbConnection connection, CancellationToken ct)
    {
        var handle = ((SqliteConnection)connection).Handle!;
        if (_configured.TryGetValue(handle, out _)) return;
        await connection.ExecuteAsync(new CommandDefinition(
            $"PRAGMA synchronous = {(_fullSync ? "FULL" : "NORMAL")}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA mmap_size = 0; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = {WalCheckpointer.BackstopPages}; PRAGMA secure_delete = OFF;",
            cancellationToken: ct));
        _configured.AddOrUpdate(handle, Configured);
    }

    private static readonly object Configured = new();
    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = new();

    public void DiscardPool(DbConnection connection) => SqliteConnection.ClearPool((SqliteConnection)connection);

    public Task PrepareDatabaseAsync(DbConnection connection, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode = WAL;", cancellationToken: ct));

    // analysis_limit samples each index (34 ms on a 1M-memory database instead of a full scan).
    public Task RefreshStatisticsAsync(DbConnection connection, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("PRAGMA analysis_limit = 1000; ANALYZE;", cancellationToken: ct));

    // CROSS JOIN pins the full-text index as the outer loop: planned the other way round (the agent's
    // memories first, one FTS lookup each) the query took 1.6 s on the 10k benchmark corpus.
    // FTS5 takes a rowid lower bound with MATCH and seeks every doclist to it.
    public string LexicalCandidatesSql(string filterSql, bool fromSeq = false) => $"""
        SELECT m.seq AS Seq, -bm25(memories_fts) AS TextScore
        FROM memories_fts
        CROSS JOIN memories m ON m.seq = memories_fts.rowid
        WHERE memories_fts MATCH @match{(fromSeq ? " AND memories_fts.rowid >= @from_seq" : "")} AND {filterSql}
        ORDER BY bm25(memories_fts)
        LIMIT @limit
        """;

    // A row trigger would make FTS5 flush its pending terms as a tiny segment per inserted row (every
    // statement inside a transaction opens a savepoint, and FTS5 flushes on each); one INSERT … SELECT per
    // transaction writes them as one, however many store units share it (WriterThread's group commit: a segment per
    // unit was a fifth of the writer's time under load). Seqs only grow inside a write transaction, so the rows it
    // inserted are exactly those from its first new seq on. Updates and deletes keep their triggers (migration 0003).
    public Task IndexMemoriesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<IndexedMemory> memories, CancellationToken ct)
    {
        var inserted = memories.Where(m => m.Inserted).Select(m => (long?)m.Seq).Min();
        if (inserted is not { } first) return Task.CompletedTask;
        var unindexed = _unindexed.GetValue(transaction, static _ => new StrongBox<long>(long.MaxValue));
        unindexed.Value = Math.Min(unindexed.Value, first);
        return Task.CompletedTask;
    }

    public Task FlushIndexAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct)
    {
        if (!_unindexed.TryGetValue(transaction, out var unindexed)) return Task.CompletedTask;
        _unindexed.Remove(transaction);
        return connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO memories_fts (rowid, content) SELECT seq, content FROM memories WHERE seq >= @first",
            new { first = unindexed.Value }, transaction, cancellationToken: ct));
    }

    /// <summary>Per write transaction, the first seq it inserted that the full-text index does not hold yet.</summary>
    private readonly ConditionalWeakTable<DbTransaction, StrongBox<long>> _unindexed = new();

    public string? MigrationLockSql => null;
    public string? MigrationUnlockSql => null;

    public string JsonText(string jsonColumn, string property) => $"json_extract({jsonColumn}, '$.{property}')";

    public string CappedTermCountSql => "SELECT COUNT(*) FROM (SELECT 1 FROM memories_fts WHERE memories_fts MATCH @term LIMIT @cap)";

    // Each term is quoted, so FTS5 operators in user text (AND, NEAR, *, ^, column filters) are inert.
    public string LexicalMatchExpression(IReadOnlyList<string> terms) =>
        string.Join(" OR ", terms.Select(t => "\"" + t.Replace("\"", "\"\"") + "\""));
}
