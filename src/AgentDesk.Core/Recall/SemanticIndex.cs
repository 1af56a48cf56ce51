using System.Runtime.InteropServices;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall.Vectors;
using AgentDesk.Core.Storage;
using Dapper;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace AgentDesk.Core.Recall;

/// <summary>
/// Embeddings for memories and queries, and the per-agent vector index that mirrors the table.
/// Vectors are computed before a write (outside the transaction, so a slow model never holds the
/// write gate), persisted with the memory, and never recomputed on restart: the index is rebuilt
/// from the stored vectors. New rows reach the index by tailing <c>seq</c> whenever the change feed
/// says memories changed (whoever wrote them), looking back for rows that committed late where several
/// instances write; updates and deletes are applied by their writers (on their own instance only).
/// A stale entry is harmless — every candidate is re-read through the recall's SQL filter.
/// </summary>
public sealed class SemanticIndex : IDisposable
{
    /// <summary>The <c>embedding_model</c> of a vector the client sent with the memory.</summary>
    public const string ClientModel = "client";

    private const int LoadChunk = 20_000;

    /// <summary>
    /// How many seqs below the tail a catch-up looks at again, on an engine where rows commit late
    /// (<see cref="ISqlDialect.LateCommits"/>): another instance's memory can get its seq before ours and commit after
    /// the tail passed it. Two instances storing 500 memories a second each leave it two seconds.
    /// </summary>
    private const int LateCommitLookback = 2_000;

    private readonly DeskDatabase _database;
    private readonly DeskEvents _events;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _generator;
    private readonly ILogger<SemanticIndex> _logger;
    private readonly SemaphoreSlim _catchUpGate = new(1, 1);
    private readonly Lock _indexLock = new();
    private VectorIndex? _index;
    private long _lastSeq;
    private volatile bool _behind = true;

    public SemanticIndex(DeskDatabase database, DeskEvents events, ILogger<SemanticIndex> logger, IEmbeddingGenerator<string, Embedding<float>>? generator = null)
    {
        _database = database;
        _events = events;
        _generator = generator;
        _logger = logger;
        ModelId = generator?.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? (generator is null ? null : generator.GetType().Name);
        _events.Changed += OnChanged;
    }

    /// <summary>True when an embedding model is configured (vector and hybrid routing are available).</summary>
    public bool Enabled => _generator is not null;

    /// <summary>The model id stored with the vectors this server computes; null without a model.</summary>
    public string? ModelId { get; }

    /// <summary>Vectors held by the index, all agents.</summary>
    public long IndexedCount => _index?.Count ?? 0;

    public int? Dimensions => _index?.Dimensions;

    /// <summary>
    /// Fills in the vector of every memory that has none, in one call to the model. When the model
    /// fails the memories are stored without vectors (nothing a client sends is refused because a
    /// model is down) and the back-fill embeds them later.
    /// </summary>
    public async Task<(IReadOnlyList<NewMemory> Memories, TimeSpan Elapsed)> PrepareAsync(IReadOnlyList<NewMemory> memories, CancellationToken ct)
    {
        var prepared = memories.Select(m => m.Embedding is null ? m : m with { EmbeddingModel = ClientModel }).ToList();
        var missing = Enumerable.Range(0, memories.Count).Where(i => memories[i].Embedding is null).ToList();
        if (_generator is null || missing.Count == 0) return (prepared, TimeSpan.Zero);
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            var vectors = await _generator.GenerateAsync(missing.Select(i => memories[i].Content), cancellationToken: ct);
            for (var j = 0; j < missing.Count; j++)
                prepared[missing[j]] = prepared[missing[j]] with { Embedding = vectors[j].Vector.ToArray(), EmbeddingModel = ModelId };
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogWarning(e, "Embedding {Count} memories failed; they are stored without vectors and back-filled later", missing.Count);
        }
        return (prepared, TimeProvider.System.GetElapsedTime(started));
    }

    /// <summary>The query's vector, or null without a model, when the model fails, or when the text has no known words.</summary>
    public async Task<float[]?> EmbedQueryAsync(string text, CancellationToken ct)
    {
        if (_generator is null || string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            var vector = (await _generator.GenerateAsync([text], cancellationToken: ct))[0].Vector.ToArray();
            return vector.Any(x => x != 0) ? vector : null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogWarning(e, "Embedding a recall query failed; recalling without the semantic signal");
            return null;
        }
    }

    /// <summary>The <paramref name="n"/> memories of an agent nearest the query, within a creation window.</summary>
    public async Task<IReadOnlyList<VectorMatch>> SearchAsync(string agentId, float[] query, int n, long fromMs, long untilMs, CancellationToken ct)
    {
        await CatchUpAsync(ct);
        var index = _index;
        return index is null || index.Dimensions != query.Length ? [] : index.Search(agentId, query, n, fromMs, untilMs);
    }

    /// <summary>Cosine of the query with a stored vector (exact); null when the dimensions differ.</summary>
    public static double? Cosine(float[] query, byte[]? stored)
    {
        if (stored is null || stored.Length != query.Length * sizeof(float)) return null;
        var vector = MemoryMarshal.Cast<byte, float>(stored);
        var cosine = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(query, vector);
        return float.IsFinite(cosine) ? cosine : null;
    }

    /// <summary>Loads every stored vector added since the last call (all of them at start-up), in chunks.</summary>
    public async Task CatchUpAsync(CancellationToken ct)
    {
        if (!_behind || _generator is null) return;
        await _catchUpGate.WaitAsync(ct);
        try
        {
            if (!_behind) return;
            _behind = false; // a change published while this runs sets it again
            while (true)
            {
                var rows = await _database.ReadAsync(async connection => (await connection.QueryAsync<VectorRow>(new CommandDefinition("""
                    SELECT seq, agent_id, created_at, embedding, embedding_model FROM memories
                    WHERE seq > @last AND embedding IS NOT NULL ORDER BY seq LIMIT @chunk
                    """, new { last = _lastSeq, chunk = LoadChunk }, cancellationToken: ct))).AsList(), ct);
                foreach (var row in rows)
                    if (row.EmbeddingModel == ModelId || row.EmbeddingModel == ClientModel)
                        Upsert(row.AgentId, row.Seq, row.CreatedAt, MemoryMarshal.Cast<byte, float>(row.Embedding));
                if (rows.Count > 0) _lastSeq = rows[^1].Seq;
                if (rows.Count < LoadChunk) break;
            }
            if (_database.Dialect.LateCommits) await LoadLateCommitsAsync(ct);
        }
        catch
        {
            _behind = true;
            throw;
        }
        finally
        {
            _catchUpGate.Release();
        }
    }

    /// <summary>Loads the vectors of rows below the tail that committed after it passed them (see <see cref="LateCommitLookback"/>).</summary>
    private async Task LoadLateCommitsAsync(CancellationToken ct)
    {
        var rows = await _database.ReadAsync(async connection =>
        {
            var seqs = (await connection.QueryAsync<long>(new CommandDefinition("""
                SELECT seq FROM memories
                WHERE seq > @from AND seq <= @last AND embedding IS NOT NULL AND embedding_model IN (@model, @client)
                """, new { from = _lastSeq - LateCommitLookback, last = _lastSeq, model = ModelId, client = ClientModel }, cancellationToken: ct)))
                .Where(seq => _index?.Contains(seq) != true).ToList();
            if (seqs.Count == 0) return [];
            var p = new DynamicParameters();
            return (await connection.QueryAsync<VectorRow>(new CommandDefinition(
                $"SELECT seq, agent_id, created_at, embedding, embedding_model FROM memories WHERE {SqlList.In("seq", "late", seqs, p)}",
                p, cancellationToken: ct))).AsList();
        }, ct);
        foreach (var row in rows) Upsert(row.AgentId, row.Seq, row.CreatedAt, MemoryMarshal.Cast<byte, float>(row.Embedding));
    }

    /// <summary>Puts one vector in the index (creating it at the model's dimension on first use).</summary>
    public void Upsert(string agentId, long seq, long createdAtMs, ReadOnlySpan<float> vector)
    {
        if (_generator is null) return; // no query vectors to compare with
        var index = _index;
        if (index is null)
        {
            lock (_indexLock) index = _index ??= new VectorIndex(vector.Length);
        }
        index.Upsert(agentId, seq, createdAtMs, vector);
    }

    /// <summary>Re-points already indexed memories (a client id replayed, content updated) at their new vectors.</summary>
    public void Replace(IEnumerable<Memory.Memory> memories, IEnumerable<NewMemory> vectors)
    {
        foreach (var (memory, input) in memories.Zip(vectors))
        {
            if (input.Embedding is { } vector && (input.EmbeddingModel == ModelId || input.EmbeddingModel == ClientModel))
                Upsert(memory.AgentId, memory.Seq, memory.CreatedAtMs, vector);
            else
                _index?.Remove(memory.Seq);
        }
    }

    public void Remove(IEnumerable<long> seqs)
    {
        if (_index is not { } index) return;
        foreach (var seq in seqs) index.Remove(seq);
    }

    /// <summary>
    /// Embeds up to <paramref name="limit"/> stored memories that have no vector and saves them; returns
    /// how many got one. Under another model than before, start-up clears the old vectors first.
    /// </summary>
    public async Task<int> BackfillAsync(int limit, CancellationToken ct)
    {
        if (_generator is null) return 0;
        var pending = await _database.ReadAsync(async connection => (await connection.QueryAsync<(long Seq, string AgentId, long CreatedAt, string Content)>(
            new CommandDefinition("SELECT seq, agent_id, created_at, content FROM memories WHERE embedding IS NULL ORDER BY seq LIMIT @limit",
                new { limit }, cancellationToken: ct))).AsList(), ct);
        if (pending.Count == 0) return 0;
        var vectors = await _generator.GenerateAsync(pending.Select(p => p.Content), cancellationToken: ct);
        var updates = pending.Select((p, i) => new
        {
            p.Seq,
            Embedding = MemoryMarshal.AsBytes(vectors[i].Vector.Span).ToArray(),
            Model = ModelId,
        }).ToList();
        // Only rows still without a vector: a concurrent update may have embedded (or deleted) one meanwhile.
        await _database.WriteAsync((connection, tx) => connection.ExecuteAsync(new CommandDefinition(
            "UPDATE memories SET embedding = @Embedding, embedding_model = @Model WHERE seq = @Seq AND embedding IS NULL",
            updates, tx, cancellationToken: ct)), ct);
        for (var i = 0; i < pending.Count; i++)
            Upsert(pending[i].AgentId, pending[i].Seq, pending[i].CreatedAt, vectors[i].Vector.Span);
        return pending.Count;
    }

    /// <summary>
    /// Clears vectors this server computed under another model (or other settings): they are not
    /// comparable with today's queries. The back-fill re-embeds them; client vectors are kept.
    /// </summary>
    /// <remarks>The model of the last start is recorded, so the table is only scanned when it changed.</remarks>
    public async Task<int> ForgetOtherModelsAsync(CancellationToken ct)
    {
        if (_generator is null) return 0;
        return await _database.WriteAsync(async (connection, tx) =>
        {
            var last = await connection.QueryFirstOrDefaultAsync<string?>(new CommandDefinition(
                "SELECT value FROM settings WHERE key = 'embedding_model'", transaction: tx, cancellationToken: ct));
            if (last == ModelId) return 0;
            var cleared = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE memories SET embedding = NULL, embedding_model = NULL WHERE embedding_model IS NOT NULL AND embedding_model NOT IN (@model, @client)",
                new { model = ModelId, client = ClientModel }, tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO settings (key, value) VALUES ('embedding_model', @model) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                new { model = ModelId }, tx, cancellationToken: ct));
            return cleared;
        }, ct);
    }

    public void Dispose()
    {
        _events.Changed -= OnChanged;
        _catchUpGate.Dispose();
    }

    private void OnChanged(DeskChange change)
    {
        if (change.Kind == "memory") _behind = true;
    }

    private sealed class VectorRow
    {
        public long Seq { get; set; }
        public string AgentId { get; set; } = "";
        public long CreatedAt { get; set; }
        public byte[] Embedding { get; set; } = [];
        public string? EmbeddingModel { get; set; }
    }
}
