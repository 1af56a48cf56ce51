using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    /// into <paramref name="top"/>. A chunk whose created_at range misses the window is skipped, one
    /// inside it is scored whole, and in any other the window is checked on created_at (four at a
    /// time) before a vector is read.
    /// </summary>
    public static void Scan(VectorChunk[] chunks, int from, int to, short[] query, long fromMs, long untilMs, TopMatches top)
    {
        for (var k = from; k < to; k++)
        {
            var chunk = chunks[k];
            var count = chunk.Count;
            if (count == 0 || chunk.MaxCreatedAt < fromMs || chunk.MinCreatedAt >= untilMs) continue;
            if (chunk.MinCreatedAt < fromMs || chunk.MaxCreatedAt >= untilMs)
            {
                ScanWindow(chunk, count, query, fromMs, untilMs, top);
                continue;
            }
            // Inline on purpose: in a method of its own this loop measured 20–50% slower on .NET 9.
            var (stride, scales, seqs) = (chunk.Stride, chunk.Scales, chunk.Seqs);
            ref var codes = ref MemoryMarshal.GetArrayDataReference(chunk.Codes);
            for (var i = 0; i < count; i++) Consider(ref codes, stride, scales, seqs, i, query, top);
        }
    }

    private static void ScanWindow(VectorChunk chunk, int count, short[] query, long fromMs, long untilMs, TopMatches top)
    {
        var (stride, scales, seqs, createdAt) = (chunk.Stride, chunk.Scales, chunk.Seqs, chunk.CreatedAt);
        ref var codes = ref MemoryMarshal.GetArrayDataReference(chunk.Codes);
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var from = Vector256.Create(fromMs);
            var until = Vector256.Create(untilMs);
            for (; i <= count - Vector256<long>.Count; i += Vector256<long>.Count)
            {
                var at = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(createdAt), (nuint)i);
                var inside = Vector256.GreaterThanOrEqual(at, from) & Vector256.LessThan(at, until);
                for (var bits = inside.ExtractMostSignificantBits(); bits != 0; bits &= bits - 1)
                    Consider(ref codes, stride, scales, seqs, i + BitOperations.TrailingZeroCount(bits), query, top);
            }
        }
        for (; i < count; i++)
            if (createdAt[i] >= fromMs && createdAt[i] < untilMs) Consider(ref codes, stride, scales, seqs, i, query, top);
    }

    /// <summary>Entry <paramref name="i"/> of a chunk whose arrays the caller looked up once (this is the scan's hot loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Consider(ref sbyte codes, int stride, float[] scales, long[] seqs, int i, short[] query, TopMatches top)
    {
        var score = Int8Codes.Dot(ref Unsafe.Add(ref codes, i * stride), query, stride) * scales[i];
        if (!top.Admits(score)) return;
        var seq = Volatile.Read(ref seqs[i]);
        if (seq != VectorChunk.Removed) top.Add(score, seq);
    }
}

/// <summary>Where a seq lives: the agent's <see cref="AgentVectors.Index"/> and its slot there.</summary>
internal readonly record struct SeqLocation(int Agent, int Slot);
