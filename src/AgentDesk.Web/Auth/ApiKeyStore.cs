using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentDesk.Core;
using AgentDesk.Core.Audit;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Web.Auth;

/// <summary>
/// API keys: random secrets shown once, stored only as SHA-256 (the secrets are 256-bit random, so a
/// fast hash is the right one — there is nothing to brute-force). The bootstrap root key comes from
/// configuration and is compared by hash too.
/// </summary>
public sealed class ApiKeyStore
{
    /// <summary>The <see cref="DeskChange.Kind"/> a revocation publishes: every instance drops its cached keys on it.</summary>
    public const string KeysChanged = "api-keys";

    private readonly DeskDatabase _database;
    private readonly TimeProvider _time;
    private readonly DeskEvents _events;
    // Bumped whenever the cache is dropped: a key read before a revocation must not be cached after it.
    private long _generation;

    public ApiKeyStore(DeskDatabase database, TimeProvider time, DeskEvents events, string? rootKey)
    {
        _database = database;
        _time = time;
        _events = events;
        _rootHash = string.IsNullOrEmpty(rootKey) ? null : Hash(rootKey);
        // Another instance's revocation arrives through the fan-out (PostgreSQL LISTEN/NOTIFY), this one's directly.
        _events.Changed += change =>
        {
            if (change.Kind == KeysChanged) DropCache();
        };
    }

    /// <param name="LastUsedAt">Seconds; when its last counted use was written (see <see cref="ApiKeyUsage"/>), so up to one interval behind.</param>
    public sealed record KeyInfo(string Id, string Name, string Prefix, IReadOnlyList<string> Scopes, IReadOnlyList<string>? AgentIds, long CreatedAt, long? RevokedAt, long? LastUsedAt = null);

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private readonly string? _rootHash;
    private readonly ConcurrentDictionary<string, (ApiCaller? Caller, DateTimeOffset Until)> _cache = new();

    public bool HasRootKey => _rootHash is not null;

    /// <summary>The caller id of the bootstrap root key from configuration.</summary>
    public const string RootKeyId = "root";

    public async Task<ApiCaller?> AuthenticateAsync(string secret, CancellationToken ct = default)
    {
        var hash = Hash(secret);
        if (_rootHash is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hash), Encoding.ASCII.GetBytes(_rootHash)))
            return new ApiCaller(RootKeyId, "root (configuration)", new HashSet<string>(Scopes.All), null);

        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(hash, out var hit) && hit.Until > now) return hit.Caller;
        var generation = Interlocked.Read(ref _generation);
        var row = await _database.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<KeyRow>(new CommandDefinition(
            "SELECT id, name, scopes, agent_ids FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL", new { hash }, cancellationToken: ct)), ct);
        var caller = row is null ? null : new ApiCaller(row.Id, row.Name,
            new HashSet<string>(JsonSerializer.Deserialize<List<string>>(row.Scopes) ?? []),
            row.AgentIds is null ? null : new HashSet<string>(JsonSerializer.Deserialize<List<string>>(row.AgentIds) ?? []));
        _cache[hash] = (caller, now + CacheFor);
        if (Interlocked.Read(ref _generation) != generation) _cache.TryRemove(hash, out _);
        return caller;
    }

    public const int MaxNameChars = 200;

    /// <summary>Creates a key after checking its name, scopes and agents (400 when wrong), for the API and the admin page alike.</summary>
    /// <returns>The key's record and its secret, which is never shown again.</returns>
    public async Task<(KeyInfo Key, string Secret)> CreateAsync(string name, IReadOnlyList<string> scopes, IReadOnlyList<string>? agentIds, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(name)) throw DeskException.Invalid("'name' is required: say who or what the key is for");
        if (name.Length > MaxNameChars) throw DeskException.Invalid($"'name' must be at most {MaxNameChars} characters");
        MemoryRules.NoNul(name, "name");
        if (scopes.Count == 0 || scopes.Any(s => !Auth.Scopes.All.Contains(s)))
            throw DeskException.Invalid($"'scopes' must be a non-empty list of {string.Join(", ", Auth.Scopes.All)}");
        scopes = scopes.Distinct().ToList();
        agentIds = agentIds?.Select(a => MemoryRules.AgentId(a, "agent_ids[]")).Distinct().ToList();
        var secret = "adk_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = new KeyInfo(MemoryStore.NewId("key"), name, secret[..10], scopes, agentIds, _time.GetUtcNow().ToUnixTimeSeconds(), null);
        var atMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await _database.WriteAsync(async (connection, tx) =>
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO api_keys (id, name, prefix, key_hash, scopes, agent_ids, created_at)
                VALUES (@Id, @Name, @Prefix, @Hash, @Scopes, @AgentIds, @CreatedAt)
                """, new
            {
                key.Id,
                key.Name,
                key.Prefix,
                Hash = Hash(secret),
                Scopes = JsonSerializer.Serialize(scopes),
                AgentIds = agentIds is null ? null : JsonSerializer.Serialize(agentIds),
                CreatedAt = key.CreatedAt * 1000,
            }, tx, cancellationToken: ct));
            return await AuditLog.AddAsync(connection, tx, atMs, AuditActor.Current, AuditActions.KeyCreated, key.Id,
                new { key.Name, key.Prefix, scopes, agent_ids = agentIds }, ct);
        }, ct);
        return (key, secret);
    }

    public async Task<IReadOnlyList<KeyInfo>> ListAsync(CancellationToken ct = default) =>
        (await _database.ReadAsync(connection => connection.QueryAsync<KeyRow>(new CommandDefinition(
            "SELECT id, name, prefix, scopes, agent_ids, created_at, revoked_at, last_used_at FROM api_keys ORDER BY created_at", cancellationToken: ct)), ct))
        .Select(r => r.ToInfo()).ToList();

    public async Task<bool> RevokeAsync(string id, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var revoked = await _database.WriteAsync(async (connection, tx) =>
        {
            var name = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL RETURNING name", new { id, now }, tx, cancellationToken: ct));
            if (name is null) return false;
            await AuditLog.AddAsync(connection, tx, now, AuditActor.Current, AuditActions.KeyRevoked, id, new { name }, ct);
            return true;
        }, ct);
        // A revoked key stops working at once: the change drops this instance's cache (its own subscription) and,
        // through the fan-out, every other instance's.
        if (revoked) _events.Publish(new DeskChange(KeysChanged, ""));
        return revoked;
    }

    private void DropCache()
    {
        Interlocked.Increment(ref _generation);
        _cache.Clear();
    }

    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class KeyRow
    {
        public string Id { get; set; } = "";
        public string Name { get; set; } = "";
        public string Prefix { get; set; } = "";
        public string Scopes { get; set; } = "[]";
        public string? AgentIds { get; set; }
        public long CreatedAt { get; set; }
        public long? RevokedAt { get; set; }
        public long? LastUsedAt { get; set; }

        public KeyInfo ToInfo() => new(Id, Name, Prefix, JsonSerializer.Deserialize<List<string>>(Scopes) ?? [],
            AgentIds is null ? null : JsonSerializer.Deserialize<List<string>>(AgentIds), CreatedAt / 1000, RevokedAt / 1000, LastUsedAt / 1000);
    }
}
