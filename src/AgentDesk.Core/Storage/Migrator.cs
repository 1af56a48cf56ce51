using System.Reflection;
using Dapper;

namespace AgentDesk.Core.Storage;

/// <summary>
/// Applies the embedded, versioned SQL files of the dialect in order, each in its own transaction
/// together with its row in <c>schema_version</c>, so a crash mid-migration leaves no half schema.
/// </summary>
public sealed class Migrator(DeskDatabase database)
{
    public sealed record Migration(int Version, string Name, string Sql);

    public IReadOnlyList<Migration> Migrations()
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = $"{assembly.GetName().Name}.Storage.Migrations.{database.Dialect.MigrationsFolder}.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Load(assembly, n, n[prefix.Length..^".sql".Length]))
            .OrderBy(m => m.Version)
            .ToList();
    }

    /// <returns>The versions applied by this call.</returns>
    /// <remarks>
    /// Safe when several instances start at once: on an engine with <see cref="ISqlDialect.MigrationLockSql"/> one
    /// connection holds that lock while this runs, so a second instance waits, then finds every version applied.
    /// </remarks>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken ct = default)
    {
        var dialect = database.Dialect;
        await using var connection = await database.OpenAsync(ct);
        await dialect.PrepareDatabaseAsync(connection, ct);
        if (dialect.MigrationLockSql is { } lockSql) await connection.ExecuteAsync(new CommandDefinition(lockSql, cancellationToken: ct));
        try
        {
            return await ApplyAsync(ct);
        }
        finally
        {
            if (dialect.MigrationUnlockSql is { } unlockSql) await connection.ExecuteAsync(unlockSql);
        }
    }

    private async Task<IReadOnlyList<int>> ApplyAsync(CancellationToken ct)
    {
        await database.WriteAsync((connection, tx) => connection.ExecuteAsync(new CommandDefinition(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            transaction: tx, cancellationToken: ct)), ct);

        var applied = new List<int>();
        foreach (var migration in Migrations())
        {
            var ran = await database.WriteAsync(async (connection, tx) =>
            {
                var done = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT COUNT(*) FROM schema_version WHERE version = @Version", migration, tx, cancellationToken: ct));
                if (done > 0) return false;
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: tx, cancellationToken: ct));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (@Version, @Name, @At)",
                    new { migration.Version, migration.Name, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                    tx, cancellationToken: ct));
                return true;
            }, ct);
            if (ran) applied.Add(migration.Version);
        }
        return applied;
    }

    private static Migration Load(Assembly assembly, string resource, string name)
    {
        var digits = new string(name.TakeWhile(char.IsDigit).ToArray());
        if (digits.Length == 0) throw new InvalidOperationException($"migration '{name}' must start with its version number");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return new Migration(int.Parse(digits), name, reader.ReadToEnd());
    }
}
