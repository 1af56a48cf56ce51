using System.Data.Common;
using System.Text.Json.Nodes;
using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Core.Memory;

/// <summary>Sessions: start (idempotent by client id), end (metadata merged), read and list.</summary>
public sealed class SessionStore(DeskDatabase database, TimeProvider time, DeskEvents events)
{
    private const string Columns =
        "s.id, s.agent_id, s.started_at, s.ended_at, s.summary, s.metadata, " +
        "(SELECT COUNT(*) FROM memories m WHERE m.session_id = s.id) AS memory_count";

    /// <returns>The session and whether this call created it (false: the client id already existed).</returns>
    public async Task<(Session Session, bool Created)> StartAsync(string agentId, string? id, JsonObject? metadata, CancellationToken ct = default)
    {
        var result = await database.WriteAsync(async (connection, tx) =>
        {
            if (id is not null)
            {
                var existing = await GetAsync(connection, tx, id, ct);
                if (existing is not null)
                    return existing.AgentId == agentId
                        ? (existing, false)
                        : throw DeskException.Conflict($"session id '{id}' is already taken by another agent");
            }
            return (await InsertAsync(connection, tx, agentId, id, metadata, time.GetUtcNow().ToUnixTimeMilliseconds(), ct), true);
        }, ct);
        if (result.Item2) events.Publish(new DeskChange("session", agentId));
        return result;
    }

    /// <summary>
    /// Ends a session, merging <paramref name="metadata"/> key by key into what it had. Ending an ended
    /// session keeps its first end time and still merges, so a retried end is harmless.
    /// </summary>
    public async Task<Session> EndAsync(string id, string? summary, JsonObject? metadata, CancellationToken ct = default)
    {
        var result = await database.WriteAsync(
            (connection, tx) => EndAsync(connection, tx, id, summary, metadata, time.GetUtcNow().ToUnixTimeMilliseconds(), ct), ct);
        events.Publish(new DeskChange("session", result.AgentId));
        return result;
    }

    /// <summary>Starts a session inside a caller's transaction (a claim opens the receiving agent's session with it); publish a "session" change after the commit.</summary>
    public static async Task<Session> InsertAsync(
        DbConnection connection, DbTransaction tx, string agentId, string? id, JsonObject? metadata, long nowMs, CancellationToken ct)
    {
        var session = new Session
        {
            Id = id ?? MemoryStore.NewId("sess"),
            AgentId = agentId,
            StartedAtMs = nowMs,
            Metadata = metadata,
            MemoryCount = 0,
        };
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO sessions (id, agent_id, started_at, metadata) VALUES (@Id, @AgentId, @StartedAtMs, @Metadata)",
            new { session.Id, session.AgentId, session.StartedAtMs, Metadata = metadata?.ToJsonString() }, tx, cancellationToken: ct));
        return session;
    }

    /// <summary><see cref="EndAsync(string, string?, JsonObject?, CancellationToken)"/> inside a caller's transaction (a handoff ends its source session with it).</summary>
    /// <param name="keepSummary">Keep a summary the session already has, using <paramref name="summary"/> only where it has none.</param>
    public static async Task<Session> EndAsync(
        DbConnection connection, DbTransaction tx, string id, string? summary, JsonObject? metadata, long nowMs, CancellationToken ct, bool keepSummary = false)
    {
        var session = await GetAsync(connection, tx, id, ct) ?? throw DeskException.NotFound($"session '{id}' not found");
        var merged = session.Metadata ?? new JsonObject();
        foreach (var (key, value) in metadata ?? [])
            merged[key] = value?.DeepClone();
        var ended = session with
        {
            EndedAtMs = session.EndedAtMs ?? nowMs,
            Summary = keepSummary ? session.Summary ?? summary : summary ?? session.Summary,
            Metadata = merged.Count == 0 ? null : merged,
        };
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sessions SET ended_at = @EndedAtMs, summary = @Summary, metadata = @Metadata WHERE id = @Id",
            new { ended.EndedAtMs, ended.Summary, Metadata = ended.Metadata?.ToJsonString(), ended.Id }, tx, cancellationToken: ct));
        return ended;
    }

    public Task<Session?> GetAsync(string id, CancellationToken ct = default) =>
        database.ReadAsync(connection => GetAsync(connection, null, id, ct), ct);

    /// <param name="agentIds">When set, only sessions of these agents (a key restricted to agents).</param>
    public Task<(IReadOnlyList<Session> Sessions, long Total)> ListAsync(
        string? agentId, bool activeOnly, int limit, int offset, IReadOnlyCollection<string>? agentIds = null, CancellationToken ct = default) =>
        database.ReadAsync(async connection =>
        {
            var clauses = new List<string> { "1 = 1" };
            var args = new DynamicParameters(new { agentId, limit, offset });
            if (agentId is not null) clauses.Add("s.agent_id = @agentId");
            if (activeOnly) clauses.Add("s.ended_at IS NULL");
            if (agentIds is not null) clauses.Add(SqlList.In("s.agent_id", "agents", agentIds, args));
            var where = string.Join(" AND ", clauses);
            var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"SELECT COUNT(*) FROM sessions s WHERE {where}", args, cancellationToken: ct));
            var rows = await connection.QueryAsync<SessionRow>(new CommandDefinition(
                $"SELECT {Columns} FROM sessions s WHERE {where} ORDER BY s.started_at DESC, s.id LIMIT @limit OFFSET @offset",
                args, cancellationToken: ct));
            return ((IReadOnlyList<Session>)rows.Select(r => r.ToSession()).ToList(), total);
        }, ct);

    public static async Task<Session?> GetAsync(DbConnection connection, DbTransaction? tx, string id, CancellationToken ct) =>
        (await connection.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition(
            $"SELECT {Columns} FROM sessions s WHERE s.id = @id", new { id }, tx, cancellationToken: ct)))?.ToSession();

    private sealed class SessionRow
    {
        public string Id { get; set; } = "";
        public string AgentId { get; set; } = "";
        public long StartedAt { get; set; }
        public long? EndedAt { get; set; }
        public string? Summary { get; set; }
        public string? Metadata { get; set; }
        public long MemoryCount { get; set; }

        public Session ToSession() => new()
        {
            Id = Id,
            AgentId = AgentId,
            StartedAtMs = StartedAt,
            EndedAtMs = EndedAt,
            Summary = Summary,
            Metadata = Metadata is null ? null : JsonNode.Parse(Metadata)?.AsObject(),
            MemoryCount = MemoryCount,
        };
    }
}
