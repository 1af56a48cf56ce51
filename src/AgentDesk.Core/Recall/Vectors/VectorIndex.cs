using System.Collections.Concurrent;
using System.Numerics;

namespace AgentDesk.Core.Recall.Vectors;

/// <summary>
/// The in-memory vector index behind hybrid recall: "the n memories of this agent most similar to
/// this query vector, optionally created within a time window" by a scan of int8 codes — exact
/// top-n over the quantised vectors, no approximate graph, so a stored memory is findable the
/// moment <see cref="Upsert"/> returns. It is a cache of the database, rebuilt at start-up and kept
/// current as memories are stored, updated and forgotten; callers re-check filters in SQL, so a
/// stale entry is harmless while a missing one would lose recall.
/// </summary>
/// <remarks>
/// Cost per entry: the dimensions rounded up to 8 (int8 codes) + 20 bytes (scale, seq, created_at)
/// in the scanned arrays, plus the seq map (~28–56 bytes as its table doubles). Searches take no
/// lock and never wait for each other or for writers; writers (upsert, remove, clear) are
/// serialised, and <see cref="Score"/> waits only for a writer in progress. An agent with at least
/// <see cref="ParallelThreshold"/> entries is scanned in one partition per core.
/// </remarks>
public sealed class VectorIndex
{
    /// <summary>Code bytes per chunk: big enough to scan at memory speed, small enough to copy when the last chunk grows.</summary>
    private const int ChunkBytes = 1 << 20;

    /// <summary>Extra matches kept per scan so duplicates from concurrent re-upserts do not shorten a result.</summary>
    private const int DuplicateSlack = 8;

    private readonly int _stride;
    private readonly int _chunkCapacity;
    private readonly ReaderWriterLockSlim _gate = new();
    private readonly ConcurrentDictionary<string, AgentVectors> _agents = new(StringComparer.Ordinal);
    private readonly List<AgentVectors> _agentsByIndex = [];
    private readonly Dictionary<long, SeqLocation> _locations = [];
    private long _count;

    /// <param name="dimensions">Length of every vector, 1 to 16,384 (e.g. 100 for GloVe, 1,536 for text-embedding-3-small).</param>
    public VectorIndex(int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimensions, 16_384);
        Dimensions = dimensions;
        _stride = Int8Codes.Stride(dimensions);
        _chunkCapacity = Math.Clamp(1 << BitOperations.Log2((uint)(ChunkBytes / _stride)), 64, 16_384);
    }

    public int Dimensions { get; }

    /// <summary>Live entries of all agents.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>
    /// An agent with this many entries or more is scanned in one partition per core, a smaller one on
    /// the caller's thread alone; <see cref="int.MaxValue"/> never splits a scan.
    /// </summary>
    public int ParallelThreshold { get; init; } = 32_768;

    public int CountFor(string agentId) => _agents.TryGetValue(agentId, out var agent) ? agent.Live : 0;

    /// <summary>
    /// Adds the memory's vector, or replaces it (and its agent and time) when <paramref name="seq"/> is
    /// already indexed. Returns false, and changes nothing, for a vector of another dimension or one
    /// with no direction (all zero, NaN or infinite components): such a memory cannot be ranked by
    /// similarity, and leaving the index untouched beats failing the store that fed it.
    /// </summary>
    public bool Upsert(string agentId, long seq, long createdAtMs, ReadOnlySpan<float> vector)
    {
        ArgumentNullException.ThrowIfNull(agentId);
        ArgumentOutOfRangeException.ThrowIfNegative(seq);
        if (vector.Length != Dimensions) return false;
        Span<sbyte> codes = _stride <= 4096 ? stackalloc sbyte[_stride] : new sbyte[_stride];
        if (!Int8Codes.TryEncode(vector, sbyte.MaxValue, codes, out var scale)) return false;
        _gate.EnterWriteLock();
        try
        {
            if (!_agents.TryGetValue(agentId, out var agent))
            {
                agent = new AgentVectors(_agentsByIndex.Count, _stride, _chunkCapacity);
                _agentsByIndex.Add(agent);
                _agents[agentId] = agent;
            }
            // The new entry first, the old one removed after, so a search running meanwhile finds one or both
            // (merged by seq) — or neither, if this append grew the agent's storage after that search took its
            // chunk list: one memory, missed by one search, while it is being rewritten.
            var replaced = _locations.TryGetValue(seq, out var old);
            _locations[seq] = new SeqLocation(agent.Index, agent.Append(codes, scale, seq, createdAtMs));
            Interlocked.Increment(ref _count);
            if (replaced) RemoveAt(old);
            return true;
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    public bool Contains(long seq)
    {
        _gate.EnterReadLock();
        try
        {
            return _locations.ContainsKey(seq);
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <returns>False when <paramref name="seq"/> was not indexed.</returns>
    public bool Remove(long seq)
    {
        _gate.EnterWriteLock();
        try
        {
            if (!_locations.Remove(seq, out var location)) return false;
            RemoveAt(location);
            return true;
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    public void Clear()
    {
        _gate.EnterWriteLock();
        try
        {
            _agents.Clear();
            _agentsByIndex.Clear();
            _locations.Clear();
            _locations.TrimExcess();
            Interlocked.Exchange(ref _count, 0);
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>
    /// The <paramref name="n"/> entries of <paramref name="agentId"/> most similar to
    /// <paramref name="query"/>, created in [<paramref name="fromMs"/>, <paramref name="untilMs"/>),
    /// best first (equal scores: newer seq first). Fewer when the agent has fewer; none for a query
    /// with no direction.
    /// </summary>
    /// <exception cref="ArgumentException">The query's length is not <see cref="Dimensions"/>.</exception>
    public IReadOnlyList<VectorMatch> Search(string agentId, ReadOnlySpan<float> query, int n, long fromMs = long.MinValue, long untilMs = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (EncodeQuery(query) is not var (codes, queryScale) || n == 0 || fromMs >= untilMs || !_agents.TryGetValue(agentId, out var agent))
            return [];
        var chunks = agent.Chunks;
        var entries = chunks.Sum(c => c.Count);
        var partitions = entries >= ParallelThreshold ? Math.Min(Environment.ProcessorCount, chunks.Length) : 1;
        var tops = new TopMatches[partitions];
        // A few spare places: a seq re-upserted during this scan may be seen twice, and Merge keeps it once.
        var keep = n + DuplicateSlack;
        if (partitions == 1)
            AgentVectors.Scan(chunks, 0, chunks.Length, codes, fromMs, untilMs, tops[0] = new TopMatches(keep));
        else
            Parallel.For(0, partitions, p => AgentVectors.Scan(chunks, chunks.Length * p / partitions, chunks.Length * (p + 1) / partitions,
                codes, fromMs, untilMs, tops[p] = new TopMatches(keep)));
        return TopMatches.Merge(tops, n, queryScale);
    }

    /// <summary>
    /// The similarity of each given entry to <paramref name="query"/> (e.g. for candidates found by the
    /// lexical index), in the order given; seqs not in the index are skipped. Same scale as <see cref="Search"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The query's length is not <see cref="Dimensions"/>.</exception>
    public IReadOnlyList<VectorMatch> Score(ReadOnlySpan<float> query, IEnumerable<long> seqs)
    {
        ArgumentNullException.ThrowIfNull(seqs);
        if (EncodeQuery(query) is not var (codes, queryScale)) return [];
        var matches = new List<VectorMatch>();
        _gate.EnterReadLock();
        try
        {
            foreach (var seq in seqs)
            {
                if (!_locations.TryGetValue(seq, out var location)) continue;
                var (chunk, offset) = _agentsByIndex[location.Agent].Locate(location.Slot);
                var dot = Int8Codes.Dot(ref chunk.CodesAt(offset)[0], codes, _stride);
                matches.Add(new VectorMatch(seq, dot * chunk.Scales[offset] * queryScale));
            }
        }
        finally
        {
            _gate.ExitReadLock();
        }
        return matches;
    }

    /// <summary>Writer only: marks the slot removed in its agent, which may compact (and re-map its live seqs).</summary>
    private void RemoveAt(SeqLocation location)
    {
        _agentsByIndex[location.Agent].Remove(location.Slot, _locations);
        Interlocked.Decrement(ref _count);
    }

    private (short[] Codes, float Scale)? EncodeQuery(ReadOnlySpan<float> query)
    {
        if (query.Length != Dimensions)
            throw new ArgumentException($"the query has {query.Length} dimensions; this index holds {Dimensions}", nameof(query));
        var codes = new short[Int8Codes.QueryLength(_stride)];
        return Int8Codes.TryEncode(query, Int8Codes.QueryLimit(_stride), codes, out var scale) ? (codes, scale) : null;
    }
}
