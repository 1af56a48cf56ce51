using System.Data.Common;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Core.Memory;

/// <summary>Memories on disk: store (single, batch, idempotent by client id), read, update, forget.</summary>
public sealed class MemoryStore(DeskDatabase database, TimeProvider time, DeskEvents events, SemanticIndex semantic)
{
    internal const string Columns =
        "m.seq, m.id, m.agent_id, m.content, m.memory_type, m.importance, m.tags, m.session_id, m.metadata, " +
        "m.created_at, m.last_accessed_at, m.access_count, m.expires_at";

    public long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <returns>The stored memory, whether it is new (false: a client id was replayed and updated), and the time spent computing its vector.</returns>
    public async Task<(Memory Memory, bool Created, TimeSpan EmbeddingTime)> StoreAsync(NewMemory memory, CancellationToken ct = default)
    {
        var (prepared, embeddingTime) = await semantic.PrepareAsync([memory], ct);
        var (stored, created) = await database.WriteAsync(
            (connection, tx) => StoreManyAsync(connection, tx, prepared, ct), ct);
        semantic.Replace(stored.Where((_, i) => !created[i]), prepared.Where((_, i) => !created[i]));
        events.Publish(new DeskChange("memory", memory.AgentId));
        return (stored[0], created[0], embeddingTime);
    }

    /// <returns>The stored memories and the time spent computing their vectors.</returns>
    public async Task<(IReadOnlyList<Memory> Stored, TimeSpan EmbeddingTime)> StoreBatchAsync(IReadOnlyList<NewMemory> memories, CancellationToken ct = default)
    {
        var (prepared, embeddingTime) = await semantic.PrepareAsync(memories, ct);
        var (stored, created) = await database.WriteAsync(
            (connection, tx) => StoreManyAsync(connection, tx, prepared, ct), ct);
        semantic.Replace(stored.Where((_, i) => !created[i]), prepared.Where((_, i) => !created[i]));
        foreach (var agentId in memories.Select(m => m.AgentId).Distinct())
            events.Publish(new DeskChange("memory", agentId));
        return (stored, embeddingTime);
    }

    /// <summary>Computes the vectors of memories about to be stored by <see cref="StoreManyAsync"/> (call before the transaction).</summary>
    public async Task<IReadOnlyList<NewMemory>> PrepareAsync(IReadOnlyList<NewMemory> memories, CancellationToken ct = default) =>
        (await semantic.PrepareAsync(memories, ct)).Memories;

    /// <summary>
    /// Stores inside a caller's transaction, so a handoff can write its summary and end a session atomically.
    /// Pass memories through <see cref="PrepareAsync"/> first, and publish a "memory" change after the commit.
    /// </summary>
    public async Task<(IReadOnlyList<Memory> Stored, IReadOnlyList<bool> Created)> StoreManyAsync(
        DbConnection connection, DbTransaction tx, IReadOnlyList<NewMemory> memories, CancellationToken ct)
    {
        await CheckSessionsAsync(connection, tx, memories, ct);
        var now = NowMs;
        var stored = new List<Memory>(memories.Count);
        var created = new List<bool>(memories.Count);
        // One compiled INSERT for the whole call: Dapper would create (and SQLite compile) a command per row.
        await using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO memories (id, agent_id, content, memory_type, importance, tags, session_id, metadata,
                                  created_at, last_accessed_at, access_count, expires_at, embedding, embedding_model)
            VALUES (@Id, @AgentId, @Content, @MemoryType, @Importance, @Tags, @SessionId, @Metadata,
                    @CreatedAt, @LastAccessedAt, 0, @ExpiresAt, @Embedding, @EmbeddingModel)
            RETURNING seq
            """;
        DbParameter Param(string name)
        {
            var parameter = insert.CreateParameter();
            parameter.ParameterName = name;
            insert.Parameters.Add(parameter);
            return parameter;
        }
        var (pId, pAgent, pContent, pType, pImportance, pTags, pSession, pMetadata, pCreated, pAccessed, pExpires, pEmbedding, pModel) =
            (Param("@Id"), Param("@AgentId"), Param("@Content"), Param("@MemoryType"), Param("@Importance"), Param("@Tags"),
             Param("@SessionId"), Param("@Metadata"), Param("@CreatedAt"), Param("@LastAccessedAt"), Param("@ExpiresAt"), Param("@Embedding"),
             Param("@EmbeddingModel"));
        var newTags = new List<(string Tag, long Seq)>();
        var toIndex = new List<IndexedMemory>();
        // Writes the tags and full-text rows of the memories written so far: at the end, and before a replay
        // (a client id repeated within the call must find its first version fully indexed before it is updated).
        async Task FlushAsync()
        {
            // Dapper runs a multi-row execute on one command, so the tag INSERT is compiled once.
            if (newTags.Count > 0)
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO memory_tags (tag, memory_seq) VALUES (@Tag, @Seq)",
                    newTags.Select(t => new { t.Tag, t.Seq }), tx, cancellationToken: ct));
            newTags.Clear();
            // Full-text rows in one statement (migration 0003 dropped SQLite's per-row trigger: inside a transaction
            // every statement flushes FTS5's pending terms as a tiny segment); SQLite writes them at the commit.
            await database.Dialect.IndexMemoriesAsync(connection, tx, toIndex, ct);
            toIndex.Clear();
        }
        foreach (var input in memories)
        {
            (long Seq, string AgentId, long CreatedAt, long AccessCount)? existing = null;
            if (input.Id is not null)
            {
                foreach (var row0 in await connection.QueryAsync<(long, string, long, long)>(new CommandDefinition(
                    "SELECT seq, agent_id, created_at, access_count FROM memories WHERE id = @Id", new { input.Id }, tx, cancellationToken: ct)))
                    existing = row0;
            }
            if (existing is { } found && found.AgentId != input.AgentId)
                throw DeskException.Conflict($"memory id '{input.Id}' already belongs to another agent");

            var row = new
            {
                Id = input.Id ?? NewId("mem"),
                input.AgentId,
                input.Content,
                input.MemoryType,
                input.Importance,
                Tags = JsonSerializer.Serialize(input.Tags),
                input.SessionId,
                Metadata = input.Metadata?.ToJsonString(),
                CreatedAt = existing?.CreatedAt ?? input.CreatedAtMs ?? now,
                LastAccessedAt = now,
                ExpiresAt = input.ExpiresAtMs,
                Embedding = input.Embedding is null ? null : MemoryMarshal.AsBytes(input.Embedding.AsSpan()).ToArray(),
                EmbeddingModel = input.Embedding is null ? null : input.EmbeddingModel ?? SemanticIndex.ClientModel,
            };
            long seq;
            if (existing is { } replay)
            {
                await FlushAsync();
                await database.Dialect.FlushIndexAsync(connection, tx, ct);
                seq = replay.Seq;
                await connection.ExecuteAsync(new CommandDefinition("""
                    UPDATE memories SET content = @Content, memory_type = @MemoryType, importance = @Importance, tags = @Tags,
                        session_id = @SessionId, metadata = @Metadata, expires_at = @ExpiresAt, embedding = @Embedding,
                        embedding_model = @EmbeddingModel
                    WHERE seq = @Seq
                    """, new { row.Content, row.MemoryType, row.Importance, row.Tags, row.SessionId, row.Metadata, row.ExpiresAt, row.Embedding, row.EmbeddingModel, Seq = seq },
                    tx, cancellationToken: ct));
                await connection.ExecuteAsync(new CommandDefinition("DELETE FROM memory_tags WHERE memory_seq = @seq", new { seq }, tx, cancellationToken: ct));
            }
            else
            {
                pId.Value = row.Id;
                pAgent.Value = row.AgentId;
                pContent.Value = row.Content;
                pType.Value = row.MemoryType;
                pImportance.Value = row.Importance;
                pTags.Value = row.Tags;
                pSession.Value = (object?)row.SessionId ?? DBNull.Value;
                pMetadata.Value = (object?)row.Metadata ?? DBNull.Value;
                pCreated.Value = row.CreatedAt;
                pAccessed.Value = row.LastAccessedAt;
                pExpires.Value = (object?)row.ExpiresAt ?? DBNull.Value;
                pEmbedding.Value = (object?)row.Embedding ?? DBNull.Value;
                pModel.Value = (object?)row.EmbeddingModel ?? DBNull.Value;
                seq = Convert.ToInt64(await insert.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            }
            toIndex.Add(new IndexedMemory(seq, input.Content, Inserted: existing is null));
            newTags.AddRange(input.Tags.Select(tag => (tag, seq)));

            stored.Add(new Memory
            {
                Seq = seq,
                Id = row.Id,
                AgentId = input.AgentId,
                Content = input.Content,
                MemoryType = input.MemoryType,
                Importance = input.Importance,
                Tags = input.Tags,
                SessionId = input.SessionId,
                Metadata = input.Metadata is null ? null : (JsonObject)input.Metadata.DeepClone(),
                CreatedAtMs = row.CreatedAt,
                LastAccessedAtMs = now,
                AccessCount = existing?.AccessCount ?? 0,
                ExpiresAtMs = input.ExpiresAtMs,
            });
            created.Add(existing is null);
        }
        await FlushAsync();
        return (stored, created);
    }

    public Task<Memory?> GetAsync(string id, CancellationToken ct = default) =>
        database.ReadAsync(async connection =>
        {
            var p = new DynamicParameters(new { id, now = NowMs });
            var row = await connection.QuerySingleOrDefaultAsync<MemoryRow>(new CommandDefinition(
                $"SELECT {Columns} FROM memories m WHERE m.id = @id AND (m.expires_at IS NULL OR m.expires_at > @now)", p, cancellationToken: ct));
            return row?.ToMemory();
        }, ct);

    public async Task<Memory> UpdateAsync(string id, string? agentId, MemoryPatch patch, CancellationToken ct = default)
    {
        // New content needs a new vector, computed before the transaction like a store's.
        var reembedded = patch.Content is null ? null
            : (await semantic.PrepareAsync([new NewMemory { AgentId = agentId ?? "", Content = patch.Content }], ct)).Memories[0];
        var (updated, vector) = await database.WriteAsync(async (connection, tx) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<MemoryRow>(new CommandDefinition(
                $"SELECT {Columns}, m.embedding_model FROM memories m WHERE m.id = @id", new { id }, tx, cancellationToken: ct));
            if (row is null || (agentId is not null && row.AgentId != agentId))
                throw DeskException.NotFound($"memory '{id}' not found");
            var current = row.ToMemory();
            var updated = current with
            {
                Content = patch.Content ?? current.Content,
                Metadata = patch.Metadata ?? current.Metadata,
                MemoryType = patch.MemoryType ?? current.MemoryType,
                Importance = patch.Importance ?? current.Importance,
                Tags = patch.Tags ?? current.Tags,
            };
            await database.Dialect.FlushIndexAsync(connection, tx, ct);
            await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE memories SET content = @Content, metadata = @Metadata, memory_type = @MemoryType,
                    importance = @Importance, tags = @Tags
                WHERE seq = @Seq
                """, new
            {
                updated.Content,
                Metadata = updated.Metadata?.ToJsonString(),
                updated.MemoryType,
                updated.Importance,
                Tags = JsonSerializer.Serialize(updated.Tags),
                updated.Seq,
            }, tx, cancellationToken: ct));
            if (patch.Content is not null)
                await database.Dialect.IndexMemoriesAsync(connection, tx, [new IndexedMemory(updated.Seq, updated.Content, Inserted: false)], ct);
            if (patch.Tags is not null)
            {
                await connection.ExecuteAsync(new CommandDefinition("DELETE FROM memory_tags WHERE memory_seq = @Seq", new { updated.Seq }, tx, cancellationToken: ct));
                await connection.ExecuteAsync(new CommandDefinition("INSERT INTO memory_tags (tag, memory_seq) VALUES (@Tag, @Seq)",
                    updated.Tags.Select(tag => new { Tag = tag, updated.Seq }), tx, cancellationToken: ct));
            }
            // A client's own vector stays as sent; one this server computed follows the content.
            if (reembedded is null || row.EmbeddingModel == SemanticIndex.ClientModel) return (updated, (NewMemory?)null);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE memories SET embedding = @Embedding, embedding_model = @EmbeddingModel WHERE seq = @Seq",
                new
                {
                    Embedding = reembedded.Embedding is { } e ? MemoryMarshal.AsBytes(e.AsSpan()).ToArray() : null,
                    reembedded.EmbeddingModel,
                    updated.Seq,
                }, tx, cancellationToken: ct));
            return (updated, reembedded);
        }, ct);
        if (vector is not null) semantic.Replace([updated], [vector]);
        return updated;
    }

    public Task<bool> SetImportanceAsync(string agentId, string id, double importance, CancellationToken ct = default) =>
        database.WriteAsync(async (connection, tx) => await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE memories SET importance = @importance WHERE id = @id AND agent_id = @agentId",
            new { importance, id, agentId }, tx, cancellationToken: ct)) > 0, ct);

    /// <summary>Deletes every memory matching the filter (expired ones included); returns how many.</summary>
    public async Task<int> DeleteAsync(MemoryFilter filter, CancellationToken ct = default)
    {
        var p = new DynamicParameters();
        var where = (filter with { IncludeExpired = true }).ToSql(p, NowMs);
        return await DeleteWhereAsync($"seq IN (SELECT m.seq FROM memories m WHERE {where})", p, ct);
    }

    /// <summary>Deletes up to <paramref name="limit"/> expired memories (they are already invisible to reads).</summary>
    public Task<int> PurgeExpiredAsync(int limit = 1000, CancellationToken ct = default) =>
        DeleteWhereAsync("seq IN (SELECT seq FROM memories WHERE expires_at IS NOT NULL AND expires_at <= @now LIMIT @limit)",
            new DynamicParameters(new { now = NowMs, limit }), ct);

    private async Task<int> DeleteWhereAsync(string predicate, DynamicParameters p, CancellationToken ct)
    {
        var deleted = await database.WriteAsync(async (connection, tx) =>
        {
            await database.Dialect.FlushIndexAsync(connection, tx, ct);
            return (await connection.QueryAsync<long>(new CommandDefinition(
                $"DELETE FROM memories WHERE {predicate} RETURNING seq", p, tx, cancellationToken: ct))).AsList();
        }, ct);
        semantic.Remove(deleted);
        return deleted.Count;
    }

    public enum Order { Newest, Importance }

    public Task<IReadOnlyList<Memory>> ListAsync(MemoryFilter filter, int limit, int offset = 0, Order order = Order.Newest, CancellationToken ct = default) =>
        database.ReadAsync(async connection =>
        {
            var p = new DynamicParameters(new { limit, offset });
            var orderBy = order == Order.Newest ? "m.created_at DESC, m.seq DESC" : "m.importance DESC, m.created_at DESC";
            var rows = await connection.QueryAsync<MemoryRow>(new CommandDefinition(
                $"SELECT {Columns} FROM memories m WHERE {filter.ToSql(p, NowMs)} ORDER BY {orderBy} LIMIT @limit OFFSET @offset",
                p, cancellationToken: ct));
            return (IReadOnlyList<Memory>)rows.Select(r => r.ToMemory()).ToList();
        }, ct);

    public Task<long> CountAsync(MemoryFilter filter, CancellationToken ct = default) =>
        database.ReadAsync(async connection =>
        {
            var p = new DynamicParameters();
            return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"SELECT COUNT(*) FROM memories m WHERE {filter.ToSql(p, NowMs)}", p, cancellationToken: ct));
        }, ct);

    /// <summary>Adds recall hits to the access statistics: one update per memory, batched in one transaction.</summary>
    public Task RecordAccessAsync(IEnumerable<KeyValuePair<long, int>> hitsBySeq, long atMs, CancellationToken ct = default) =>
        database.WriteAsync(async (connection, tx) => await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE memories SET last_accessed_at = @At, access_count = access_count + @Hits WHERE seq = @Seq",
            hitsBySeq.Select(h => new { At = atMs, Hits = h.Value, Seq = h.Key }), tx, cancellationToken: ct)), ct);

    public static string NewId(string prefix) => $"{prefix}_{Guid.CreateVersion7():N}";

    private static async Task CheckSessionsAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<NewMemory> memories, CancellationToken ct)
    {
        var sessionIds = memories.Where(m => m.SessionId is not null).Select(m => m.SessionId!).Distinct().ToList();
        if (sessionIds.Count == 0) return;
        var p = new DynamicParameters();
        var owners = (await connection.QueryAsync<(string Id, string AgentId)>(new CommandDefinition(
            $"SELECT id, agent_id FROM sessions WHERE {SqlList.In("id", "sessions", sessionIds, p)}", p, tx, cancellationToken: ct)))
            .ToDictionary(s => s.Id, s => s.AgentId);
        foreach (var memory in memories.Where(m => m.SessionId is not null))
        {
            if (!owners.TryGetValue(memory.SessionId!, out var owner))
                throw DeskException.NotFound($"session '{memory.SessionId}' not found");
            if (owner != memory.AgentId)
                throw DeskException.Invalid($"session '{memory.SessionId}' belongs to agent '{owner}', not '{memory.AgentId}'");
        }
    }
}

/// <summary>A memories row found as the neighbour of <see cref="Anchor"/> (recall's conversation context).</summary>
internal sealed class NeighbourRow : MemoryRow
{
    public long Anchor { get; set; }
}

/// <summary>A memories row as Dapper reads it (columns matched with underscores).</summary>
internal class MemoryRow
{
    public long Seq { get; set; }
    public string Id { get; set; } = "";
    public string AgentId { get; set; } = "";
    public string Content { get; set; } = "";
    public string MemoryType { get; set; } = "";
    public double Importance { get; set; }
    public string Tags { get; set; } = "[]";
    public string? SessionId { get; set; }
    public string? Metadata { get; set; }
    public long CreatedAt { get; set; }
    public long LastAccessedAt { get; set; }
    public long AccessCount { get; set; }
    public long? ExpiresAt { get; set; }
    public string? EmbeddingModel { get; set; }
    /// <summary>Read only by recall, when it scores the semantic signal.</summary>
    public byte[]? Embedding { get; set; }

    /// <summary>The content's token ids, kept by recall's lexical scoring (<see cref="Recall.Lexical.TokenVocabulary"/>) while the row is kept.</summary>
    internal Recall.Lexical.TokenIds? Tokens;

    /// <summary>A row of <see cref="MemoryStore.Columns"/> (then the embedding, when <paramref name="withEmbedding"/>) from a row reader.</summary>
    public static MemoryRow Read(IRowReader reader, bool withEmbedding) => new()
    {
        Seq = reader.GetInt64(0),
        Id = reader.GetString(1),
        AgentId = reader.GetString(2),
        Content = reader.GetString(3),
        MemoryType = reader.GetString(4),
        Importance = reader.GetDouble(5),
        Tags = reader.GetString(6),
        SessionId = reader.IsNull(7) ? null : reader.GetString(7),
        Metadata = reader.IsNull(8) ? null : reader.GetString(8),
        CreatedAt = reader.GetInt64(9),
        LastAccessedAt = reader.GetInt64(10),
        AccessCount = reader.GetInt64(11),
        ExpiresAt = reader.IsNull(12) ? null : reader.GetInt64(12),
        Embedding = withEmbedding && !reader.IsNull(13) ? reader.GetBytes(13) : null,
    };

    /// <summary>
    /// Raises the access statistics to (<paramref name="lastAccessedAt"/>, <paramref name="accessCount"/>) where they are
    /// lower: both only grow in the database, so values read at different moments can be applied in any order.
    /// </summary>
    public void RaiseAccess(long lastAccessedAt, long accessCount)
    {
        lock (this)
        {
            if (lastAccessedAt > LastAccessedAt) LastAccessedAt = lastAccessedAt;
            if (accessCount > AccessCount) AccessCount = accessCount;
        }
    }

    // The tags parsed, with the JSON text they came from: recall converts the rows of its kept copies again on every
    // recall, and parsing the tags was most of that. Memories share the array (Memory.Tags is read-only).
    private (string Json, string[] Parsed)? _tags;

    /// <summary>The tags parsed (kept with the text they came from).</summary>
    public IReadOnlyList<string> ParsedTags
    {
        get
        {
            if (_tags is not { } tags || !ReferenceEquals(tags.Json, Tags))
                _tags = tags = (Tags, JsonSerializer.Deserialize<string[]>(Tags) ?? []);
            return tags.Parsed;
        }
    }

    public bool HasTag(string tag) => ParsedTags.Contains(tag, StringComparer.Ordinal);

    public Memory ToMemory() => new()
    {
        Seq = Seq,
        Id = Id,
        AgentId = AgentId,
        Content = Content,
        MemoryType = MemoryType,
        Importance = Importance,
        Tags = ParsedTags,
        SessionId = SessionId,
        Metadata = Metadata is null ? null : JsonNode.Parse(Metadata)?.AsObject(),
        CreatedAtMs = CreatedAt,
        LastAccessedAtMs = LastAccessedAt,
        AccessCount = AccessCount,
        ExpiresAtMs = ExpiresAt,
    };
}
