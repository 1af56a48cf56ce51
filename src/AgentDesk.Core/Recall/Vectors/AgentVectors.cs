using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AgentDesk.Core.Recall.Vectors;

/// <summary>
/// One agent's entries: a list of chunks, all full at <c>chunkCapacity</c> but the last, which grows
/// by doubling from <see cref="FirstChunkCapacity"/> (so a small agent costs little and a large one
/// never copies more than one chunk). Slot <c>s</c> lives in chunk <c>s / chunkCapacity</c> at
/// <c>s % chunkCapacity</c>. Writers (serialised by <see cref="VectorIndex"/>) publish a new chunk
/// list on every structural change; a search reads the list once and is never blocked.
/// </summary>
internal sealed class AgentVectors
{
    private const int FirstChunkCapacity = 16;

    /// <summary>Removed entries are compacted away once they are a quarter of the slots (and at least this many).</summary>
    private const int MinRemovedToCompact = 64;

    private readonly int _stride;
    private readonly int _chunkShift;
    private VectorChunk[] _chunks = [];
    private int _slots;
    private int _live;

    public AgentVectors(int index, int stride, int chunkCapacity)
    {
        Index = index;
        _stride = stride;
        _chunkShift = BitOperations.Log2((uint)chunkCapacity);
    }

    /// <summary>This agent's number in <see cref="VectorIndex"/>'s seq map.</summary>
    public int Index { get; }
    public int Live => Volatile.Read(ref _live);
    public VectorChunk[] Chunks => Volatile.Read(ref _chunks);
    private int ChunkCapacity => 1 << _chunkShift;

    /// <returns>The slot the entry went into.</returns>
    public int Append(ReadOnlySpan<sbyte> codes, float scale, long seq, long createdAtMs)
    {
        var slot = _slots;
        var k = slot >> _chunkShift;
        var chunks = _chunks;
        if (k == chunks.Length)
            Publish(chunks = [.. chunks, new VectorChunk(Math.Min(FirstChunkCapacity, ChunkCapacity), _stride)]);
        else if (chunks[k].Count == chunks[k].Capacity)
        {
            chunks = [.. chunks];
            chunks[k] = chunks[k].Grow(Math.Min(2 * chunks[k].Capacity, ChunkCapacity));
            Publish(chunks);
        }
        chunks[k].Append(codes, scale, seq, createdAtMs);
        _slots++;
        Volatile.Write(ref _live, _live + 1);
        return slot;
    }

    public (VectorChunk Chunk, int Offset) Locate(int slot) => (_chunks[slot >> _chunkShift], slot & (ChunkCapacity - 1));

    /// <summary>
    /// Marks the slot removed, and compacts when removed slots pile up: live entries are copied into
    /// fresh chunks (readers keep the old ones) and their new slots are written to <paramref name="slots"/>.
    /// </summary>
    public void Remove(int slot, Dictionary<long, SeqLocation> slots)
    {
        var (chunk, offset) = Locate(slot);
        Volatile.Write(ref chunk.Seqs[offset], VectorChunk.Removed);
        Volatile.Write(ref _live, _live - 1);
        var removed = _slots - _live;
        if (removed >= MinRemovedToCompact && removed * 4 >= _slots) Compact(slots);
    }

    private void Compact(Dictionary<long, SeqLocation> slots)
    {
        var fresh = new VectorChunk[(_live + ChunkCapacity - 1) >> _chunkShift];
        var slot = 0;
        foreach (var chunk in _chunks)
        {
            for (var i = 0; i < chunk.Count; i++)
            {
                var seq = chunk.Seqs[i];
                if (seq == VectorChunk.Removed) continue;
                var k = slot >> _chunkShift;
                fresh[k] ??= new VectorChunk(Math.Min(ChunkCapacity, Math.Max(FirstChunkCapacity, (int)BitOperations.RoundUpToPowerOf2((uint)(_live - (k << _chunkShift))))), _stride);
                fresh[k].Append(chunk.CodesAt(i), chunk.Scales[i], seq, chunk.CreatedAt[i]);
                slots[seq] = new SeqLocation(Index, slot++);
            }
        }
        _slots = slot;
        Publish(fresh);
    }

    private void Publish(VectorChunk[] chunks) => Volatile.Write(ref _chunks, chunks);

    /// <summary>
    /// Scores the entries of <c>chunks[from..to)</c> created in [<paramref name="fromMs"/>, <paramref name="untilMs"/>)
    /// into <paramref name="top"/>; the window is checked on created_at before any vector is read.
    /// </summary>
    public static void Scan(VectorChunk[] chunks, int from, int to, short[] query, long fromMs, long untilMs, TopMatches top)
    {
        for (var k = from; k < to; k++)
        {
            var chunk = chunks[k];
            var count = chunk.Count;
            if (count == 0 || chunk.MaxCreatedAt < fromMs || chunk.MinCreatedAt >= untilMs) continue;
            var wholeChunkInWindow = chunk.MinCreatedAt >= fromMs && chunk.MaxCreatedAt < untilMs;
            var stride = chunk.Stride;
            ref var codes = ref MemoryMarshal.GetArrayDataReference(chunk.Codes);
            var createdAt = chunk.CreatedAt;
            var scales = chunk.Scales;
            for (var i = 0; i < count; i++)
            {
                if (!wholeChunkInWindow && (createdAt[i] < fromMs || createdAt[i] >= untilMs)) continue;
                var score = Int8Codes.Dot(ref Unsafe.Add(ref codes, i * stride), query, stride) * scales[i];
                if (!top.Admits(score)) continue;
                var seq = Volatile.Read(ref chunk.Seqs[i]);
                if (seq != VectorChunk.Removed) top.Add(score, seq);
            }
        }
    }
}

/// <summary>Where a seq lives: the agent's <see cref="AgentVectors.Index"/> and its slot there.</summary>
internal readonly record struct SeqLocation(int Agent, int Slot);
