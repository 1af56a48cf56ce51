using AgentDesk.Core.Storage;
using AgentDesk.Core.Tests.Support;
using Dapper;

namespace AgentDesk.Core.Tests.Storage;

public sealed class MigratorTests : IAsyncLifetime
{
    private readonly TempDatabase _db = new();
    public Task InitializeAsync() => _db.InitializeAsync();
    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Migrate_FreshDatabase_RecordsEveryEmbeddedVersion()
    {
        var migrator = new Migrator(_db.Database);
        var recorded = await _db.Database.ReadAsync(c => c.QueryAsync<int>("SELECT version FROM schema_version ORDER BY version"));
        Assert.NotEmpty(migrator.Migrations());
        Assert.Equal(migrator.Migrations().Select(m => m.Version), recorded);
    }

    [Fact]
    public async Task Migrate_SecondRun_AppliesNothing()
    {
        Assert.Empty(await new Migrator(_db.Database).MigrateAsync());
    }

    [Fact]
    public async Task Migrate_Sqlite_TurnsOnWriteAheadLog()
    {
        var mode = await _db.Database.ReadAsync(c => c.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal("wal", mode);
    }

    [Fact]
    public void Migrations_AreOrderedAndUnique()
    {
        var versions = new Migrator(_db.Database).Migrations().Select(m => m.Version).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
    }
}
