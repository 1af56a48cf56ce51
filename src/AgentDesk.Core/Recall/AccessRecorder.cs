using AgentDesk.Core.Memory;

namespace AgentDesk.Core.Recall;

/// <summary>
/// Collects recall hits so <c>last_accessed_at</c>/<c>access_count</c> are written in batches off the
/// request path; the host flushes it on a timer and at shutdown.
/// </summary>
public sealed class AccessRecorder(MemoryStore store, TimeProvider time)
{
    /// <summary>
    /// Memories written per write turn. A flush under load held ~2,500 memories, and rewriting them in one turn kept
    /// every other write waiting ~46 ms behind it; in slices, in seq order (neighbours share pages), the writes queued
    /// meanwhile go between two slices. 64 rather than 250: a slice is a unit of some group commit, and each of its
    /// memories dirties a page of its own, so the slice set the longest groups; a write now waits behind a quarter of
    /// that. Mixed load, 60 s, paired runs at 250 and 64: p95 25.6 → 23.6 ms and 23.0 → 23.4 ms (within the host's
    /// run-to-run spread; kept for the bound it puts on a group).
    /// </summary>
    public const int SliceSize = 64;

    private readonly object _gate = new();
    private Dictionary<long, int> _pending = [];
    private Func<IReadOnlyList<long>, CancellationToken, Task>[] _onFlushed = [];

    /// <summary>
    /// Calls <paramref name="handler"/> with the seqs of each slice once it is committed, before <see cref="FlushAsync"/>
    /// goes on (recall raises its kept rows' statistics).
    /// </summary>
    public void OnFlushed(Func<IReadOnlyList<long>, CancellationToken, Task> handler)
    {
        lock (_gate) _onFlushed = [.. _onFlushed, handler];
    }

    public void Record(IEnumerable<long> seqs)
    {
        lock (_gate)
        {
            foreach (var seq in seqs)
                _pending[seq] = _pending.GetValueOrDefault(seq) + 1;
        }
    }

    public async Task<int> FlushAsync(CancellationToken ct = default)
    {
        Dictionary<long, int> batch;
        lock (_gate)
        {
            if (_pending.Count == 0) return 0;
            batch = _pending;
            _pending = [];
        }
        var atMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var slice in batch.OrderBy(hit => hit.Key).Chunk(SliceSize))
        {
            await store.RecordAccessAsync(slice, atMs, ct);
            var seqs = Array.ConvertAll(slice, hit => hit.Key);
            foreach (var handler in Volatile.Read(ref _onFlushed)) await handler(seqs, ct);
        }
        return batch.Count;
    }
}
