using System.Data.Common;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Core.Threads;

/// <summary>
/// Named cross-channel threads (PRODUCT.md flow 7): turns from voice, chat, email… upserted by id, resumed and
/// searched by any agent, and the handoff raised from one.
/// <para>
/// Each turn is a memory, indexed once when it is written (full text and vector, through <see cref="MemoryStore"/>)
/// and tagged <c>thread:&lt;name&gt;</c>, <c>channel:&lt;c&gt;</c>, <c>role:&lt;r&gt;</c>; <c>thread_turns</c> maps the
/// client's turn id to that memory, so a re-sent turn rewrites its memory in place (the store's replay path updates
/// the index rows, never adds a second) and an identical one is not written at all. Reading and querying a thread
/// write nothing.
/// </para>
/// <para>
/// Who the turn memories belong to: one agent owns a thread (named by its first upsert, else
/// <see cref="ThreadRules.DefaultAgent"/>), so recall can rank the whole thread in one scope and an API key restricted
/// to agents is checked against it. Turns go into a leg session of that agent, which the thread opens with its first
/// new turn; a handoff raised from the thread escalates (and so ends) that leg's session, and the next new turn opens
/// a fresh leg. A re-sent turn stays in the leg it was first written in. Summaries are thus composed from the leg
/// being handed off, as for any bot session, while the thread's timeline and query span every leg.
/// </para>
/// </summary>
public sealed class ThreadStore(
    DeskDatabase database, MemoryStore memories, SemanticIndex semantic, RecallService recall, HandoffQueue handoffs,
    ThreadNotifier notifier, DeskEvents events, TimeProvider time)
{
    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Creates or updates turns by id in one transaction: a new id is stored, a changed one rewritten, an identical
    /// one left alone. The thread is created by its first upsert.
    /// </summary>
    /// <param name="agentId">The owning agent for a new thread; for an existing one it must be the owner (else 409).</param>
    /// <param name="authorize">Called with the owning agent before anything is written; throws to refuse the caller.</param>
    public async Task<UpsertResult> UpsertAsync(
        string name, string? agentId, IReadOnlyList<TurnInput> turns, Action<string>? authorize = null, CancellationToken ct = default)
    {
        var ids = turns.Select(t => t.Id).ToList();
        var (owner, known) = await database.ReadAsync(async c =>
            ((await ReadThreadAsync(c, null, name, ct))?.AgentId, await ReadStoredTurnsAsync(c, null, name, ids, ct)), ct);
        authorize?.Invoke(owner ?? agentId ?? ThreadRules.DefaultAgent);
        // Vectors are computed before the write transaction (a slow model must not hold the write gate), only for new text.
        var fresh = turns.Where(t => !known.TryGetValue(t.Id, out var k) || k.Content != t.Text).Select(t => t.Text).Distinct().ToList();
        var prepared = await memories.PrepareAsync(fresh.Select(text => new NewMemory { AgentId = owner ?? "", Content = text }).ToList(), ct);
        var vectors = fresh.Zip(prepared).ToDictionary(p => p.First, p => p.Second);

        var write = await database.WriteAsync(async (c, tx) =>
        {
            var now = NowMs;
            var thread = await ReadThreadAsync(c, tx, name, ct);
            var threadOwner = thread?.AgentId ?? agentId ?? ThreadRules.DefaultAgent;
            if (agentId is not null && agentId != threadOwner)
                throw DeskException.Conflict($"thread '{name}' belongs to agent '{threadOwner}', not '{agentId}'");
            authorize?.Invoke(threadOwner);
            var stored = await ReadStoredTurnsAsync(c, tx, name, ids, ct);
            var outcomes = new List<TurnOutcome>(turns.Count);
            var changes = new List<(TurnInput Turn, StoredTurn? Before, string Role, long AtMs)>();
            foreach (var turn in turns)
            {
                var before = stored.GetValueOrDefault(turn.Id);
                var role = turn.Role ?? before?.Role ?? ThreadRules.Roles.Customer;
                var at = turn.AtMs ?? before?.At ?? now;
                if (before is { Content: { } text } && text == turn.Text && before.Channel == turn.Channel && before.Role == role && before.At == at)
                {
                    outcomes.Add(new(turn.Id, TurnOutcomes.Unchanged));
                    continue;
                }
                outcomes.Add(new(turn.Id, before is null ? TurnOutcomes.Created : TurnOutcomes.Updated));
                changes.Add((turn, before, role, at));
            }
            if (changes.Count == 0) return new Write(threadOwner, outcomes, [], [], false);

            if (thread is null)
                await c.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO threads (name, agent_id, created_at, updated_at) VALUES (@name, @threadOwner, @now, @now)",
                    new { name, threadOwner, now }, tx, cancellationToken: ct));
            var leg = thread?.OpenSessionId;
            var opened = false;
            // A turn whose memory is gone (forgotten through the memory API) is written again, into the current leg.
            if (leg is null && changes.Any(x => x.Before?.SessionId is null))
            {
                leg = (await SessionStore.InsertAsync(c, tx, threadOwner, null, new JsonObject { ["thread"] = name }, now, ct)).Id;
                opened = true;
            }
            var inputs = changes.Select(x => new NewMemory
            {
                // The mapped id: the store's replay path rewrites that memory (and its index rows) in place.
                Id = x.Before?.MemoryId,
                AgentId = threadOwner,
                Content = x.Turn.Text,
                Tags = ThreadRules.Tags(name, x.Turn.Channel, x.Role),
                SessionId = x.Before?.SessionId ?? leg,
                Metadata = new JsonObject { ["thread"] = name, ["turn_id"] = x.Turn.Id, ["channel"] = x.Turn.Channel, ["role"] = x.Role },
                CreatedAtMs = x.AtMs,
            }.WithVector(x.Before is { Content: { } same } && same == x.Turn.Text ? x.Before.Vector : vectors.GetValueOrDefault(x.Turn.Text))).ToList();
            var (written, created) = await memories.StoreManyAsync(c, tx, inputs, ct);
            await c.ExecuteAsync(new CommandDefinition("""
                INSERT INTO thread_turns (thread, turn_id, memory_id, channel, role, at) VALUES (@name, @TurnId, @MemoryId, @Channel, @Role, @At)
                ON CONFLICT (thread, turn_id) DO UPDATE SET memory_id = excluded.memory_id, channel = excluded.channel, role = excluded.role, at = excluded.at
                """, changes.Select((x, i) => new { name, TurnId = x.Turn.Id, MemoryId = written[i].Id, x.Turn.Channel, x.Role, At = x.AtMs }), tx, cancellationToken: ct));
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE threads SET updated_at = @now, session_id = COALESCE(@leg, session_id) WHERE name = @name",
                new { now, leg, name }, tx, cancellationToken: ct));
            var replayed = Enumerable.Range(0, written.Count).Where(i => !created[i]).ToList();
            return new Write(threadOwner, outcomes, replayed.Select(i => written[i]).ToList(), replayed.Select(i => inputs[i]).ToList(), opened);
        }, ct);

        if (write.Outcomes.Any(o => o.Outcome != TurnOutcomes.Unchanged))
        {
            // New rows reach the vector index through the change feed; rewritten ones are re-pointed by their writer.
            semantic.Replace(write.Replayed, write.ReplayedInputs);
            events.Publish(new DeskChange("memory", write.Owner));
            if (write.OpenedLeg) events.Publish(new DeskChange("session", write.Owner));
            notifier.Publish(new ThreadChange(name));
        }
        var state = await GetAsync(name, withTurns: false, ct) ?? throw new InvalidOperationException($"thread '{name}' vanished after its upsert");
        return new UpsertResult(state, write.Outcomes);
    }

    private sealed record Write(string Owner, IReadOnlyList<TurnOutcome> Outcomes, IReadOnlyList<Memory.Memory> Replayed, IReadOnlyList<NewMemory> ReplayedInputs, bool OpenedLeg);

    /// <summary>The thread as an agent resumes it (with every turn, oldest first, when <paramref name="withTurns"/>); null when unknown.</summary>
    public Task<ThreadState?> GetAsync(string name, bool withTurns = true, CancellationToken ct = default) =>
        database.ReadAsync(async c =>
        {
            if (await ReadThreadAsync(c, null, name, ct) is not { } thread) return null;
            var turns = await ReadTimelineAsync(c, name, null, ct);
            // Further handoffs of a case inherit its thread, so the newest open one is where an escalation chain stands now.
            var openId = await c.QueryFirstOrDefaultAsync<string?>(new CommandDefinition("""
                SELECT id FROM handoffs WHERE thread = @name AND status IN ('queued', 'claimed', 'connected')
                ORDER BY created_at DESC LIMIT 1
                """, new { name }, cancellationToken: ct));
            var open = openId is null ? null : await HandoffRecords.GetAsync(c, null, openId, ct);
            return new ThreadState
            {
                Name = name,
                AgentId = thread.AgentId,
                TurnCount = turns.Count,
                Channels = turns.Select(t => t.Channel).Distinct().ToList(),
                LastActivityAtMs = turns.Count == 0 ? null : turns.Max(t => t.AtMs),
                CreatedAtMs = thread.CreatedAt,
                SessionId = thread.OpenSessionId,
                OpenHandoff = open is null ? null : HandoffCard.From(open),
                Turns = withTurns ? turns : null,
            };
        }, ct);

    /// <summary>The threads most recently active, newest first (turn counts and channels, no turns).</summary>
    public Task<IReadOnlyList<ThreadState>> RecentAsync(int limit, CancellationToken ct = default) =>
        database.ReadAsync(async c =>
        {
            var rows = (await c.QueryAsync<(string Name, string AgentId, long CreatedAt, long TurnCount, long? LastAt)>(new CommandDefinition("""
                SELECT t.name, t.agent_id, t.created_at, COUNT(m.id), MAX(tt.at)
                FROM threads t
                LEFT JOIN thread_turns tt ON tt.thread = t.name
                LEFT JOIN memories m ON m.id = tt.memory_id
                GROUP BY t.name, t.agent_id, t.created_at, t.updated_at
                ORDER BY t.updated_at DESC, t.name LIMIT @limit
                """, new { limit }, cancellationToken: ct))).ToList();
            var names = rows.Select(r => r.Name).ToList();
            var p = new DynamicParameters();
            var channels = (await c.QueryAsync<(string Thread, string Channel)>(new CommandDefinition(
                $"SELECT thread, channel FROM thread_turns WHERE {SqlList.In("thread", "names", names, p)} GROUP BY thread, channel ORDER BY MIN(at), channel",
                p, cancellationToken: ct))).ToLookup(r => r.Thread, r => r.Channel);
            return (IReadOnlyList<ThreadState>)rows.Select(r => new ThreadState
            {
                Name = r.Name,
                AgentId = r.AgentId,
                TurnCount = (int)r.TurnCount,
                Channels = channels[r.Name].ToList(),
                LastActivityAtMs = r.LastAt,
                CreatedAtMs = r.CreatedAt,
            }).ToList();
        }, ct);

    /// <summary>
    /// The thread's turns ranked by hybrid recall (lexical + semantic, importance and recency), scoped to the thread's
    /// tag. Time phrases are not read: "last call" means the owning agent's last session, which may be another thread's.
    /// </summary>
    public async Task<IReadOnlyList<ThreadHit>> QueryAsync(string name, string query, int topK, Action<string>? authorize = null, CancellationToken ct = default)
    {
        var thread = await database.ReadAsync(c => ReadThreadAsync(c, null, name, ct), ct) ?? throw NotFound(name);
        authorize?.Invoke(thread.AgentId);
        var result = await recall.RecallAsync(new RecallRequest
        {
            Filter = new MemoryFilter { AgentId = thread.AgentId, Tags = [$"{ThreadRules.ThreadTagPrefix}{name}"] },
            Query = query,
            TopK = topK,
            TemporalPhrases = false,
        }, ct);
        var memoryIds = result.Hits.Select(h => h.Memory.Id).ToList();
        var turns = (await database.ReadAsync(c => ReadTimelineAsync(c, name, memoryIds, ct), ct)).ToDictionary(t => t.MemoryId);
        return result.Hits.Where(h => turns.ContainsKey(h.Memory.Id)).Select(h => new ThreadHit(turns[h.Memory.Id], h.SmartScore)).ToList();
    }

    /// <summary>
    /// Raises a handoff from the thread's current leg: the leg's session is escalated (and so ended), the handoff
    /// remembers the thread, and the next new turn opens another leg. With no open leg (its handoff was raised
    /// already) the escalation is answered as a repeat of that one: the same idempotency key replays it, else 409.
    /// </summary>
    /// <param name="request">The escalation; its source session is filled in here.</param>
    public async Task<EscalationResult> RaiseHandoffAsync(string name, EscalationRequest request, Action<string>? authorize = null, CancellationToken ct = default)
    {
        var thread = await database.ReadAsync(c => ReadThreadAsync(c, null, name, ct), ct) ?? throw NotFound(name);
        authorize?.Invoke(thread.AgentId);
        if (request.AgentId != thread.AgentId)
            throw DeskException.Invalid($"thread '{name}' belongs to agent '{thread.AgentId}': raise its handoff as that agent, not '{request.AgentId}'");
        var result = await handoffs.EscalateAsync(request with { SourceSessionId = thread.SessionId!, Thread = name }, ct: ct);
        if (!result.Replayed) notifier.Publish(new ThreadChange(name));
        return result;
    }

    private static DeskException NotFound(string name) => DeskException.NotFound($"thread '{name}' not found");

    /// <summary>A threads row: its owner, its latest leg's session (and the same id while that leg is open), when it began.</summary>
    private sealed class ThreadRow
    {
        public string AgentId { get; set; } = "";
        public string? SessionId { get; set; }
        public string? OpenSessionId { get; set; }
        public long CreatedAt { get; set; }
    }

    private static Task<ThreadRow?> ReadThreadAsync(DbConnection c, DbTransaction? tx, string name, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync<ThreadRow?>(new CommandDefinition("""
            SELECT t.agent_id, t.session_id, s.id AS open_session_id, t.created_at
            FROM threads t LEFT JOIN sessions s ON s.id = t.session_id AND s.ended_at IS NULL
            WHERE t.name = @name
            """, new { name }, tx, cancellationToken: ct));

    /// <summary>A turn as stored, with its memory's content, session and vector (all null when the memory was forgotten).</summary>
    private sealed class StoredTurn
    {
        public string TurnId { get; set; } = "";
        public string MemoryId { get; set; } = "";
        public string Channel { get; set; } = "";
        public string Role { get; set; } = "";
        public long At { get; set; }
        public string? Content { get; set; }
        public string? SessionId { get; set; }
        public byte[]? Embedding { get; set; }
        public string? EmbeddingModel { get; set; }

        /// <summary>The stored vector, carried over when only the channel, role or time changes (nothing to recompute).</summary>
        public NewMemory? Vector => Embedding is null ? null
            : new NewMemory { AgentId = "", Content = "", Embedding = MemoryMarshal.Cast<byte, float>(Embedding).ToArray(), EmbeddingModel = EmbeddingModel };
    }

    private static async Task<Dictionary<string, StoredTurn>> ReadStoredTurnsAsync(
        DbConnection c, DbTransaction? tx, string name, IReadOnlyList<string> turnIds, CancellationToken ct)
    {
        var p = new DynamicParameters(new { name });
        return (await c.QueryAsync<StoredTurn>(new CommandDefinition($"""
            SELECT t.turn_id, t.memory_id, t.channel, t.role, t.at, m.content, m.session_id, m.embedding, m.embedding_model
            FROM thread_turns t LEFT JOIN memories m ON m.id = t.memory_id
            WHERE t.thread = @name AND {SqlList.In("t.turn_id", "turns", turnIds, p)}
            """, p, tx, cancellationToken: ct))).ToDictionary(t => t.TurnId);
    }

    /// <summary>The thread's turns oldest first (ties in the order they were first stored); only those of <paramref name="memoryIds"/> when given.</summary>
    private static async Task<IReadOnlyList<ThreadTurn>> ReadTimelineAsync(DbConnection c, string name, IReadOnlyList<string>? memoryIds, CancellationToken ct)
    {
        var p = new DynamicParameters(new { name });
        return (await c.QueryAsync<(string TurnId, string MemoryId, string Channel, string Role, long At, string Content)>(new CommandDefinition($"""
            SELECT t.turn_id, t.memory_id, t.channel, t.role, t.at, m.content
            FROM thread_turns t JOIN memories m ON m.id = t.memory_id
            WHERE t.thread = @name{(memoryIds is null ? "" : $" AND {SqlList.In("t.memory_id", "memories", memoryIds, p)}")}
            ORDER BY t.at, m.seq
            """, p, cancellationToken: ct)))
            .Select(r => new ThreadTurn { Id = r.TurnId, MemoryId = r.MemoryId, Text = r.Content, Channel = r.Channel, Role = r.Role, AtMs = r.At })
            .ToList();
    }
}

internal static class TurnMemories
{
    /// <summary>The memory with the vector of <paramref name="prepared"/>, or none (the back-fill computes it) when there is no prepared one.</summary>
    public static NewMemory WithVector(this NewMemory memory, NewMemory? prepared) =>
        memory with { Embedding = prepared?.Embedding, EmbeddingModel = prepared?.Embedding is null ? null : prepared.EmbeddingModel };
}
