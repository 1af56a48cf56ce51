using AgentDesk.Core.Storage;
using Dapper;
using NamespaceRow = (string Name, long Dimension, string Distance, long VectorCount);

namespace AgentDesk.Core.Memory;

/// <summary>
/// Vector namespaces, the minimal surface Dakera SDK test suites call. A namespace shares its name
/// with an agent id: its vector count is the number of that agent's memories.
/// </summary>
public sealed class NamespaceStore(DeskDatabase database, TimeProvider time)
{
    public sealed record Namespace(string Name, int Dimension, string Distance, long VectorCount);

    public static readonly IReadOnlyList<string> Distances = ["cosine", "euclidean", "dot_product"];

    public Task<(Namespace Namespace, bool Created)> CreateAsync(string name, int dimension, string distance, CancellationToken ct = default) =>
        database.WriteAsync(async (connection, tx) =>
        {
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO namespaces (name, dimension, distance, created_at) VALUES (@name, @dimension, @distance, @at) ON CONFLICT (name) DO NOTHING",
                new { name, dimension, distance, at = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx, cancellationToken: ct));
            var ns = await GetAsync(connection, tx, name, ct);
            return (ns!, inserted > 0);
        }, ct);

    public Task<Namespace?> GetAsync(string name, CancellationToken ct = default) =>
        database.ReadAsync(connection => GetAsync(connection, null, name, ct), ct);

    public Task<IReadOnlyList<Namespace>> ListAsync(CancellationToken ct = default) =>
        database.ReadAsync(async connection => (IReadOnlyList<Namespace>)(await connection.QueryAsync<NamespaceRow>(new CommandDefinition(
            $"{Select} ORDER BY n.name", cancellationToken: ct))).Select(ToNamespace).ToList(), ct);

    public Task<bool> DeleteAsync(string name, CancellationToken ct = default) =>
        database.WriteAsync(async (connection, tx) => await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM namespaces WHERE name = @name", new { name }, tx, cancellationToken: ct)) > 0, ct);

    private const string Select =
        "SELECT n.name AS Name, n.dimension AS Dimension, n.distance AS Distance, " +
        "(SELECT COUNT(*) FROM memories m WHERE m.agent_id = n.name) AS VectorCount FROM namespaces n";

    private static async Task<Namespace?> GetAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? tx, string name, CancellationToken ct) =>
        (await connection.QueryAsync<NamespaceRow>(new CommandDefinition($"{Select} WHERE n.name = @name", new { name }, tx, cancellationToken: ct)))
        .Select(ToNamespace).SingleOrDefault();

    // Read as a tuple, not the record: Dapper wants a record's exact column types, and SQLite reports Int64 for
    // INTEGER (the record has int) and no type at all for the subquery column of an empty result.
    private static Namespace ToNamespace(NamespaceRow row) => new(row.Name, (int)row.Dimension, row.Distance, row.VectorCount);
}
