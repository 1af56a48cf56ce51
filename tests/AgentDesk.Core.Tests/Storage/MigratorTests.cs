using AgentDesk.Core.Storage;
using AgentDesk.Core.Tests.Support;
using Dapper;

namespace AgentDesk.Core.Tests.Storage;

public sealed class MigratorTests : DatabaseTest
{
    [Fact]
    public async Task Migrate_FreshDatabase_RecordsEveryEmbeddedVersion()
    {
        var migrator = new Migrator(Db.Database);
        var recorded = await Db.Database.ReadAsync(c => c.QueryAsync<int>("SELECT version FROM schema_version ORDER BY version"));
        Assert.NotEmpty(migrator.Migrations());
        Assert.Equal(migrator.Migrations().Select(m => m.Version), recorded);
    }

    [Fact]
    public async Task Migrate_SecondRun_AppliesNothing()
    {
        Assert.Empty(await new Migrator(Db.Database).MigrateAsync());
    }

    [SqliteOnlyFact("the write-ahead log is a SQLite journal mode")]
    public async Task Migrate_Sqlite_TurnsOnWriteAheadLog()
    {
        var mode = await Db.Database.ReadAsync(c => c.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal("wal", mode);
    }

    [Fact]
    public void Migrations_AreOrderedAndUnique()
    {
        var versions = new Migrator(Db.Database).Migrations().Select(m => m.Version).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
    }
}
