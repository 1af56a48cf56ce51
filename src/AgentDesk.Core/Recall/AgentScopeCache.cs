using System.Collections.Concurrent;
using AgentDesk.Core.Memory;

namespace AgentDesk.Core.Recall;

/// <summary>
/// A small agent's memories as agent-wide recalls last read them, with the agent's memory version at that read
/// (<see cref="Storage.ISqlDialect.MemoryVersionSql"/>). A recall that finds the version unchanged scores these
/// rows instead of reading the agent again, and when only memories were added since, it reads just those (the seqs
/// past <see cref="Copy.LastSeq"/>) and keeps the longer copy: under load the whole read was most of a recall's time,
/// and it grew with the agent. The rows are shared between recalls and never changed. Their access statistics are
/// those of the read; recall gives its hits current ones. At most <see cref="MaxRows"/> rows are kept; past that
/// everything is dropped and the copies are read again as recalls come.
/// </summary>
internal sealed class AgentScopeCache
{
    public const int MaxRows = 200_000;

    private readonly ConcurrentDictionary<string, Copy> _entries = new(StringComparer.Ordinal);
    private int _rows;

    /// <param name="Version">The agent's version when the rows were read (updates and deletes).</param>
    /// <param name="LastSeq">
    /// The agent's newest seq then, or the highest seq among the rows if that is higher (a row added between the
    /// version's read and the rows'): the rows hold every memory up to it, and memories added later come after it.
    /// </param>
    public sealed record Copy(long Version, long LastSeq, IReadOnlyList<MemoryRow> Rows);

    /// <returns>The copy kept for <paramref name="agentId"/> at <paramref name="version"/>, or null.</returns>
    public Copy? Get(string agentId, long version) =>
        _entries.TryGetValue(agentId, out var copy) && copy.Version == version ? copy : null;

    /// <summary>
    /// Keeps <paramref name="rows"/>, read once the agent's version was (<paramref name="version"/>,
    /// <paramref name="lastSeq"/>), unless a copy of a later version is kept already; returns the copy made.
    /// </summary>
    public Copy Put(string agentId, long version, long lastSeq, IReadOnlyList<MemoryRow> rows)
    {
        var copy = new Copy(version, rows.Count == 0 ? lastSeq : Math.Max(lastSeq, rows.Max(r => r.Seq)), rows);
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
        if (Volatile.Read(ref _rows) <= MaxRows) return copy;
        foreach (var agent in _entries.Keys)
            if (_entries.TryRemove(agent, out var removed)) Interlocked.Add(ref _rows, -removed.Rows.Count);
        return copy;
    }
}
