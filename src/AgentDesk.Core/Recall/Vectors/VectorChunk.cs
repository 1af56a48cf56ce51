namespace AgentDesk.Core.Recall.Vectors;

/// <summary>
/// A run of entries of one agent, stored as parallel arrays (codes, scales, seqs, created_at) so a
/// scan reads each array front to back. One writer appends and publishes <see cref="Count"/> last,
/// so a reader that reads <see cref="Count"/> first sees only complete entries; a removed entry's
/// seq is overwritten with <see cref="Removed"/>.
/// </summary>
internal sealed class VectorChunk
{
    public const long Removed = -1;

    private int _count;

    public VectorChunk(int capacity, int stride)
    {
        Stride = stride;
        Codes = new sbyte[capacity * stride + Int8Codes.SpareBytes];
        Scales = new float[capacity];
        Seqs = new long[capacity];
        CreatedAt = new long[capacity];
    }

    public int Stride { get; }
    public sbyte[] Codes { get; }
    public float[] Scales { get; }
    public long[] Seqs { get; }
    public long[] CreatedAt { get; }
    public int Capacity => Seqs.Length;
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Bounds of every created_at ever appended, so a time-window scan can skip the chunk or drop the
    /// per-entry check. Written before <see cref="Count"/>, so they always cover the entries counted.
    /// </summary>
    public long MinCreatedAt { get; private set; } = long.MaxValue;
    public long MaxCreatedAt { get; private set; } = long.MinValue;

    public Span<sbyte> CodesAt(int offset) => Codes.AsSpan(offset * Stride, Stride);

    /// <summary>Writer only, and only while <see cref="Count"/> &lt; <see cref="Capacity"/>.</summary>
    public void Append(ReadOnlySpan<sbyte> codes, float scale, long seq, long createdAtMs)
    {
        var at = _count;
        codes.CopyTo(CodesAt(at));
        Scales[at] = scale;
        Seqs[at] = seq;
        CreatedAt[at] = createdAtMs;
        MinCreatedAt = Math.Min(MinCreatedAt, createdAtMs);
        MaxCreatedAt = Math.Max(MaxCreatedAt, createdAtMs);
        Volatile.Write(ref _count, at + 1);
    }

    /// <summary>A copy with room for <paramref name="capacity"/> entries; readers of this one are unaffected.</summary>
    public VectorChunk Grow(int capacity)
    {
        var grown = new VectorChunk(capacity, Stride);
        var count = _count;
        Codes.AsSpan(0, count * Stride).CopyTo(grown.Codes);
        Scales.AsSpan(0, count).CopyTo(grown.Scales);
        Seqs.AsSpan(0, count).CopyTo(grown.Seqs);
        CreatedAt.AsSpan(0, count).CopyTo(grown.CreatedAt);
        grown.MinCreatedAt = MinCreatedAt;
        grown.MaxCreatedAt = MaxCreatedAt;
        grown._count = count;
        return grown;
    }
}
