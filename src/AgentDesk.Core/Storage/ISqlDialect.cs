using System.Data.Common;

namespace AgentDesk.Core.Storage;

/// <summary>
/// Everything that differs between database engines lives behind this seam: opening and tuning a
/// connection, where the migrations are and how they lock, the full-text index and candidate query, and
/// reading a JSON property. All other SQL in the product is portable (ANSI plus <c>ON CONFLICT</c> and
/// <c>RETURNING</c>, which SQLite ≥ 3.35 and PostgreSQL share; lists through <see cref="SqlList"/>).
/// </summary>
public interface ISqlDialect
{
    string Name { get; }

    /// <summary>Folder under Storage/Migrations holding this engine's versioned .sql files.</summary>
    string MigrationsFolder { get; }

    /// <summary>True when the engine allows one writer at a time and writes should queue in process.</summary>
    bool SerializeWrites { get; }

    /// <summary>
    /// True when a row can commit after a row with a higher <c>seq</c> (several instances writing at once), so a
    /// reader tailing <c>seq</c> must look back for late ones; false when one process writes in seq order.
    /// </summary>
    bool LateCommits { get; }

    /// <summary>
    /// Reads the version of one agent's memories (<c>@agent</c>; no row reads as none) as two columns: a version that
    /// changes with every update or delete of them but their access statistics, and the agent's newest seq, which
    /// adding a memory moves. While the version holds, the added memories are exactly those past the last seq read.
    /// Null when the engine keeps none and recall must read the memories each time.
    /// </summary>
    string? MemoryVersionSql { get; }

    DbConnection CreateConnection();

    /// <summary>Closes the idle pooled connections of <paramref name="connection"/>'s pool (one was found broken).</summary>
    void DiscardPool(DbConnection connection);

    /// <summary>Per-connection settings (durability, timeouts) run right after open.</summary>
    Task ConfigureAsync(DbConnection connection, CancellationToken ct);

    /// <summary>One-time database settings run before migrations (e.g. WAL).</summary>
    Task PrepareDatabaseAsync(DbConnection connection, CancellationToken ct);

    /// <summary>
    /// Refreshes the planner's table statistics (at start-up and from time to time as tables grow):
    /// without them a planner takes "one agent's memories" for a handful of rows.
    /// </summary>
    Task RefreshStatisticsAsync(DbConnection connection, CancellationToken ct);

    /// <summary>
    /// The lexical candidate query: selects <c>seq</c> and <c>text_score</c> (higher is better) for
    /// memories whose content matches <c>@match</c>, restricted by <paramref name="filterSql"/>
    /// (a predicate over alias <c>m</c>), best first, at most <c>@limit</c> rows; with
    /// <paramref name="fromSeq"/>, only rows from <c>@from_seq</c> on (the index must seek, not filter).
    /// </summary>
    string LexicalCandidatesSql(string filterSql, bool fromSeq = false);

    /// <summary>
    /// Brings the full-text index up to date with <paramref name="memories"/>, inserted or given new content by the
    /// calling write transaction. SQLite keeps content changes in step by trigger and indexes the new rows by seq
    /// range, once per transaction: it only notes them here, and <see cref="FlushIndexAsync"/> writes them. PostgreSQL
    /// writes each row's lexemes, tokenised in process, at once.
    /// </summary>
    Task IndexMemoriesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<IndexedMemory> memories, CancellationToken ct);

    /// <summary>
    /// Writes the full-text rows <see cref="IndexMemoriesAsync"/> noted in <paramref name="transaction"/> and not yet
    /// written. The write path runs it before every commit, and a unit before it changes the content of memories or
    /// deletes them (the index's triggers would otherwise remove rows it does not hold yet).
    /// </summary>
    Task FlushIndexAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct);

    /// <summary>How many memories (of all agents) match the one-term expression <c>@term</c>, counting no further than <c>@cap</c>.</summary>
    string CappedTermCountSql { get; }

    /// <summary>Turns normalised query terms into the engine's full-text match expression (any term).</summary>
    string LexicalMatchExpression(IReadOnlyList<string> terms);

    /// <summary>
    /// Serialises schema migration across processes sharing the database: run on a connection held for the whole
    /// migration (with <see cref="MigrationUnlockSql"/> after), or null when the engine's write transaction already
    /// does (SQLite takes the file's write lock when the transaction begins).
    /// </summary>
    string? MigrationLockSql { get; }

    string? MigrationUnlockSql { get; }

    /// <summary>An expression for the text of top-level <paramref name="property"/> of the JSON text in <paramref name="jsonColumn"/>; NULL when absent or JSON null.</summary>
    string JsonText(string jsonColumn, string property);
}

/// <summary>A memory the full-text index must (re)read: <paramref name="Inserted"/> by this transaction, or given new content.</summary>
public readonly record struct IndexedMemory(long Seq, string Content, bool Inserted);
