using AgentDesk.Core.Storage;
using Npgsql;

namespace AgentDesk.Tests.Shared;

/// <summary>
/// The engine the storage and API suites run against: SQLite files (the default) or, with
/// <c>AGENTDESK_TEST_ENGINE=postgres</c>, a database of the fixture's own on the PostgreSQL server whose connection
/// string is in <c>AGENTDESK_TEST_POSTGRES</c> (scripts/postgres.sh starts one and writes it to .pg/connection-string).
/// Linked into both test projects.
/// </summary>
public static class TestEngine
{
    public static bool IsPostgres { get; } =
        string.Equals(Environment.GetEnvironmentVariable("AGENTDESK_TEST_ENGINE"), "postgres", StringComparison.OrdinalIgnoreCase);

    private static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("AGENTDESK_TEST_POSTGRES") is { Length: > 0 } cs ? cs
            : throw new InvalidOperationException(
                "AGENTDESK_TEST_ENGINE=postgres needs AGENTDESK_TEST_POSTGRES, a connection string of a role that may create databases " +
                "(run scripts/postgres.sh, then export AGENTDESK_TEST_POSTGRES=\"$(cat .pg/connection-string)\")");

    /// <summary>Creates an empty database with a unique name and returns its connection string.</summary>
    public static string CreateDatabase()
    {
        var name = $"agentdesk_test_{Guid.NewGuid():N}";
        using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            create.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database of <paramref name="connectionString"/>, ending any session still connected to it.</summary>
    public static void DropDatabase(string connectionString)
    {
        // The pool's idle connections to it would otherwise be handed out broken to nobody, but still count against the server.
        using (var pooled = new NpgsqlConnection(new PostgresDialect(connectionString).ConnectionString)) NpgsqlConnection.ClearPool(pooled);
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        using var connection = new NpgsqlConnection(ServerConnectionString);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }
}

/// <summary>A test of SQLite itself (its files, pragmas or FTS5): skipped on PostgreSQL, with the reason.</summary>
public sealed class SqliteOnlyFactAttribute : FactAttribute
{
    public SqliteOnlyFactAttribute(string reason)
    {
        if (TestEngine.IsPostgres) Skip = $"SQLite only: {reason}";
    }
}

/// <summary>A test of the PostgreSQL dialect: runs in the PostgreSQL pass of the suite (AGENTDESK_TEST_ENGINE=postgres).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!TestEngine.IsPostgres) Skip = "PostgreSQL only: runs with AGENTDESK_TEST_ENGINE=postgres (scripts/test.sh's second pass)";
    }
}
