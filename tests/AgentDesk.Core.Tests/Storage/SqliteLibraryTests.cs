using AgentDesk.Core.Storage;
using AgentDesk.Core.Tests.Support;
using Dapper;

namespace AgentDesk.Core.Tests.Storage;

public sealed class SqliteLibraryTests : DatabaseTest
{
    // scripts/setup.sh installs libsqlite3-0, so on a machine the suite set up, the system's SQLite must be the one in use:
    // the bundled one sleeps whole seconds where SQLite asks for microseconds (SqliteLibrary's comment).
    [SqliteOnlyFact("the library choice is SQLite's")]
    public async Task Connections_RunOnTheSystemsSqlite_WithFts5()
    {
        Assert.NotEqual("bundled", Environment.GetEnvironmentVariable("AGENTDESK_SQLITE_LIBRARY"));
        var (version, fts5) = await Db.Database.ReadAsync(c => c.QuerySingleAsync<(string, long)>(
            "SELECT sqlite_version(), sqlite_compileoption_used('ENABLE_FTS5')"));

        Assert.Equal("the system's libsqlite3.so.0", SqliteLibrary.Description);
        Assert.NotEqual("3.35.5", version); // the bundled e_sqlite3's
        Assert.True(Version.Parse(version) >= new Version(3, 35), version);
        Assert.Equal(1, fts5);
        // Debian builds it with secure_delete on; the connections turn it off, as in SQLite's default build.
        Assert.Equal(0, await Db.Database.ReadAsync(c => c.ExecuteScalarAsync<long>("PRAGMA secure_delete")));
    }
}
