using System.Collections.Concurrent;
using AgentDesk.Core.Memory;

namespace AgentDesk.Core.Recall;

/// <summary>
/// A small agent's memories as agent-wide recalls last read them, with the agent's memory version at that read
/// (<see cref="Storage.ISqlDialect.MemoryVersionSql"/>). A recall that finds the version unchanged scores these
/// rows instead of reading the agent again, and when only memories were added since, it reads just those (the seqs
/// past <see cref="Copy.LastSeq"/>) and keeps the longer copy: under load the whole read was most of a recall's time,
/// and it grew with the agent. The rows are shared between recalls and change only in their access statistics, which
/// the access recorder's flushes raise (<see cref="RaiseAccess"/>): a recall from the copy no longer reads them back
/// (that read was 7 % of the server's sampled time under the mixed load). At most <see cref="MaxRows"/> rows are kept;
/// past that everything is dropped and the copies are read again as recalls come.
/// </summary>
internal sealed class AgentScopeCache
{
    public const int MaxRows = 200_000;

    private readonly ConcurrentDictionary<string, Copy> _entries = new(StringComparer.Ordinal);
    private int _rows;

    // The kept rows by seq, and the newest access statistics each flush left in the database. A copy read before a
    // flush committed and kept after its values were applied takes them from _flushed as it is put; one kept before
    // gets them through _bySeq. Each side writes its own dictionary, then a full fence, then reads the other's.
    private readonly ConcurrentDictionary<long, MemoryRow> _bySeq = new();
    private readonly ConcurrentDictionary<long, (long LastAccessedAt, long AccessCount)> _flushed = new();
    // Counted here: ConcurrentDictionary.Count takes every lock of the table (approximate under races; a bound only).
    private int _bySeqCount;
    private int _flushedCount;

    /// <param name="Version">The agent's version when the rows were read (updates and deletes).</param>
    /// <param name="LastSeq">
    /// The agent's newest seq then, or the highest seq among the rows if that is higher (a row added between the
    /// version's read and the rows'): the rows hold every memory up to it, and memories added later come after it.
    /// </param>
    public sealed record Copy(long Version, long LastSeq, IReadOnlyList<MemoryRow> Rows)
    {
        /// <summary>When the first of the rows expires (null: none does), so a recall before it can take the rows as they are.</summary>
        public long? EarliestExpiry { get; } = Earliest(Rows);

        private static long? Earliest(IReadOnlyList<MemoryRow> rows)
        {
            long? earliest = null;
            foreach (var row in rows)
                if (row.ExpiresAt is { } at && (earliest is null || at < earliest)) earliest = at;
            return earliest;
        }
    }

    /// <returns>The copy kept for <paramref name="agentId"/> at <paramref name="version"/>, or null.</returns>
    public Copy? Get(string agentId, long version) =>
        _entries.TryGetValue(agentId, out var copy) && copy.Version == version ? copy : null;

    /// <summary>
    /// Keeps <paramref name="rows"/>, read once the agent's version was (<paramref name="version"/>,
    /// <paramref name="lastSeq"/>), unless a copy of a later version is kept already; returns the copy made.
    /// </summary>
    /// <param name="read">
    /// The rows among <paramref name="rows"/> read from the database now (all of them when null); the others come from
    /// a kept copy, registered when it was kept.
    /// </param>
    public Copy Put(string agentId, long version, long lastSeq, IReadOnlyList<MemoryRow> rows, IReadOnlyList<MemoryRow>? read = null)
    {
        var highest = lastSeq;
        foreach (var row in rows) highest = Math.Max(highest, row.Seq);
        var copy = new Copy(version, highest, rows);
        while (true)
        {
            if (_entries.TryGetValue(agentId, out var kept))
            {
                if ((kept.Version, kept.LastSeq).CompareTo((copy.Version, copy.LastSeq)) > 0) return copy;
                if (!_entries.TryUpdate(agentId, copy, kept)) continue;
                Interlocked.Add(ref _rows, rows.Count - kept.Rows.Count);
            }
            else
            {
                if (!_entries.TryAdd(agentId, copy)) continue;
                Interlocked.Add(ref _rows, rows.Count);
            }
            break;
        }
        // A copy that grew holds its older rows already (registered then); only the rows read now can have missed a flush.
        var added = new List<MemoryRow>();
        foreach (var row in read ?? rows)
        {
            if (_bySeq.TryGetValue(row.Seq, out var known) && ReferenceEquals(known, row)) continue;
            if (known is null) Interlocked.Increment(ref _bySeqCount);
            _bySeq[row.Seq] = row;
            added.Add(row);
        }
        Interlocked.MemoryBarrier();
        foreach (var row in added)
            if (_flushed.TryGetValue(row.Seq, out var access)) row.RaiseAccess(access.LastAccessedAt, access.AccessCount);
        // Rows of replaced copies and forgotten memories stay in _bySeq, flushed memories in _flushed: both are bounded
        // with the copies, everything starting again empty.
        if (Volatile.Read(ref _rows) > MaxRows || Volatile.Read(ref _bySeqCount) > 2 * MaxRows || Volatile.Read(ref _flushedCount) > 2 * MaxRows)
            Clear();
        return copy;
    }

    /// <summary>Drops every copy: they are read again as recalls come.</summary>
    public void Clear()
    {
        foreach (var agent in _entries.Keys)
            if (_entries.TryRemove(agent, out var removed)) Interlocked.Add(ref _rows, -removed.Rows.Count);
        _bySeq.Clear();
        _flushed.Clear();
        Interlocked.Exchange(ref _bySeqCount, 0);
        Interlocked.Exchange(ref _flushedCount, 0);
    }

    /// <summary>Applies access statistics read after a flush committed to the kept rows they belong to, now or when they are kept.</summary>
    public void RaiseAccess(IEnumerable<(long Seq, long LastAccessedAt, long AccessCount)> current)
    {
        var list = current as IReadOnlyCollection<(long Seq, long LastAccessedAt, long AccessCount)> ?? current.ToList();
        foreach (var (seq, at, count) in list)
        {
            if (!_flushed.ContainsKey(seq)) Interlocked.Increment(ref _flushedCount);
            _flushed.AddOrUpdate(seq, (at, count), (_, known) => (Math.Max(known.LastAccessedAt, at), Math.Max(known.AccessCount, count)));
        }
        Interlocked.MemoryBarrier();
        foreach (var (seq, at, count) in list)
            if (_bySeq.TryGetValue(seq, out var row)) row.RaiseAccess(at, count);
    }
}
