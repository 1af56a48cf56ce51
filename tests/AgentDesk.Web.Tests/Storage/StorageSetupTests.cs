using AgentDesk.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDesk.Web.Tests.Storage;

/// <summary>The engine is chosen by AgentDesk:Storage:Provider, and a wrong or half setting stops start-up with what to set.</summary>
public sealed class StorageSetupTests
{
    private static ISqlDialect Dialect(params (string Key, string Value)[] settings)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(s => $"AgentDesk:Storage:{s.Key}", s => (string?)s.Value))
            .Build();
        using var services = new ServiceCollection().AddStorage(config, Path.GetTempPath()).BuildServiceProvider();
        return services.GetRequiredService<ISqlDialect>();
    }

    [Fact]
    public void AddStorage_NoProvider_UsesSqlite() => Assert.IsType<SqliteDialect>(Dialect(("Path", Path.Combine(Path.GetTempPath(), "agentdesk-setup", "x.db"))));

    [Fact]
    public void AddStorage_Postgres_UsesTheConnectionString()
    {
        var dialect = Assert.IsType<PostgresDialect>(Dialect(("Provider", "postgres"), ("ConnectionString", "Host=db.internal;Database=desk;Username=desk")));
        Assert.Contains("Host=db.internal", dialect.ConnectionString);
    }

    [Fact]
    public void AddStorage_PostgresWithoutConnectionString_FailsNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Dialect(("Provider", "postgres")));
        Assert.Contains("AgentDesk:Storage:ConnectionString", error.Message);
    }

    [Fact]
    public void AddStorage_UnknownProvider_FailsListingTheSupportedOnes()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Dialect(("Provider", "sqlserver")));
        Assert.Contains("'sqlite' or 'postgres'", error.Message);
    }
}
