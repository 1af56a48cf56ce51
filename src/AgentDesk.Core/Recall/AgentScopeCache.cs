using System.Collections.Concurrent;
using AgentDesk.Core.Memory;

namespace AgentDesk.Core.Recall;

/// <summary>
/// A small agent's memories as an agent-wide recall last read them, with the agent's memory version at that read
/// (<see cref="Storage.ISqlDialect.MemoryVersionSql"/>). A recall that finds the version unchanged scores these
/// rows instead of reading the agent again: under load that read was most of a recall's time, and it grew with
/// the agent. The rows are shared between recalls and never changed. Their access statistics are those of the read;
/// recall gives its hits current ones. At most <see cref="MaxRows"/> rows are kept; past that everything is dropped
/// and the copies are read again as recalls come.
/// </summary>
internal sealed class AgentScopeCache
{
    public const int MaxRows = 200_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private int _rows;

    private sealed record Entry(long Version, IReadOnlyList<MemoryRow> Rows);

    /// <returns>The rows kept for <paramref name="agentId"/> at <paramref name="version"/>, or null.</returns>
    public IReadOnlyList<MemoryRow>? Get(string agentId, long version) =>
        _entries.TryGetValue(agentId, out var entry) && entry.Version == version ? entry.Rows : null;

    /// <summary>Keeps <paramref name="rows"/>, read at <paramref name="version"/> or later, unless a copy of a later version is kept already.</summary>
    public void Put(string agentId, long version, IReadOnlyList<MemoryRow> rows)
    {
        var entry = new Entry(version, rows);
        while (true)
        {
            if (_entries.TryGetValue(agentId, out var kept))
            {
                if (kept.Version > version) return;
                if (!_entries.TryUpdate(agentId, entry, kept)) continue;
                Interlocked.Add(ref _rows, rows.Count - kept.Rows.Count);
            }
            else
            {
                if (!_entries.TryAdd(agentId, entry)) continue;
                Interlocked.Add(ref _rows, rows.Count);
            }
            break;
        }
        if (Volatile.Read(ref _rows) <= MaxRows) return;
        foreach (var agent in _entries.Keys)
            if (_entries.TryRemove(agent, out var removed)) Interlocked.Add(ref _rows, -removed.Rows.Count);
    }
}
