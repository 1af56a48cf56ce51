using System.Data.Common;

namespace AgentDesk.Core.Storage;

/// <summary>
/// Everything that differs between database engines lives behind this seam: opening and tuning a
/// connection, where the migrations are, and the full-text candidate query. All other SQL in the
/// product is portable (ANSI plus <c>ON CONFLICT</c> and <c>RETURNING</c>, which SQLite ≥ 3.35 and
/// PostgreSQL share).
/// </summary>
public interface ISqlDialect
{
    string Name { get; }

    /// <summary>Folder under Storage/Migrations holding this engine's versioned .sql files.</summary>
    string MigrationsFolder { get; }

    /// <summary>True when the engine allows one writer at a time and writes should queue in process.</summary>
    bool SerializeWrites { get; }

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
    /// Adds the memories inserted from <c>@first</c> on (by <c>seq</c>) to the full-text index, in one
    /// statement per store call; null when the engine indexes rows itself (e.g. a generated column).
    /// </summary>
    string? IndexNewMemoriesSql { get; }

    /// <summary>How many memories (of all agents) match the one-term expression <c>@term</c>, counting no further than <c>@cap</c>.</summary>
    string CappedTermCountSql { get; }

    /// <summary>Turns normalised query terms into the engine's full-text match expression (any term).</summary>
    string LexicalMatchExpression(IReadOnlyList<string> terms);
}
