using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Core.Memory;

/// <summary>Agents are implied by their memories and sessions; this reads their counts and stats.</summary>
public sealed class AgentDirectory(DeskDatabase database, TimeProvider time)
{
    public sealed record AgentSummary(string AgentId, long MemoryCount, long SessionCount, long ActiveSessions);

    public sealed record AgentStats(
        string AgentId, long TotalMemories, IReadOnlyDictionary<string, long> MemoriesByType,
        long TotalSessions, long ActiveSessions, double AvgImportance);

    public Task<IReadOnlyList<AgentSummary>> ListAsync(IReadOnlyCollection<string>? agentIds = null, CancellationToken ct = default) =>
        database.ReadAsync(async connection =>
        {
            var p = new DynamicParameters();
            var restrict = agentIds is null ? "" : $"WHERE {SqlList.In("agent_id", "agents", agentIds, p)}";
            // A tuple, not the record: Dapper wants a record's exact column types, and an empty result has none.
            var rows = await connection.QueryAsync<(string AgentId, long MemoryCount, long SessionCount, long ActiveSessions)>(new CommandDefinition($"""
                SELECT agent_id AS AgentId, CAST(SUM(mc) AS BIGINT) AS MemoryCount, CAST(SUM(sc) AS BIGINT) AS SessionCount,
                       CAST(SUM(ac) AS BIGINT) AS ActiveSessions
                FROM (
                    SELECT agent_id, COUNT(*) AS mc, 0 AS sc, 0 AS ac FROM memories {restrict} GROUP BY agent_id
                    UNION ALL
                    SELECT agent_id, 0, COUNT(*), SUM(CASE WHEN ended_at IS NULL THEN 1 ELSE 0 END) FROM sessions {restrict} GROUP BY agent_id
                ) counts
                GROUP BY agent_id
                ORDER BY agent_id
                """, p, cancellationToken: ct));
            return (IReadOnlyList<AgentSummary>)rows.Select(r => new AgentSummary(r.AgentId, r.MemoryCount, r.SessionCount, r.ActiveSessions)).ToList();
        }, ct);

    /// <returns>null when the agent has neither memories nor sessions.</returns>
    public Task<AgentStats?> StatsAsync(string agentId, CancellationToken ct = default) =>
        database.ReadAsync(async connection =>
        {
            var byType = (await connection.QueryAsync<(string Type, long Count, double ImportanceSum)>(new CommandDefinition(
                "SELECT memory_type, COUNT(*), SUM(importance) FROM memories WHERE agent_id = @agentId GROUP BY memory_type",
                new { agentId }, cancellationToken: ct))).ToList();
            var sessions = await connection.QuerySingleAsync<(long Total, long? Active)>(new CommandDefinition(
                "SELECT COUNT(*), SUM(CASE WHEN ended_at IS NULL THEN 1 ELSE 0 END) FROM sessions WHERE agent_id = @agentId",
                new { agentId }, cancellationToken: ct));
            var total = byType.Sum(t => t.Count);
            if (total == 0 && sessions.Total == 0) return null;
            return new AgentStats(
                agentId, total,
                MemoryTypes.All.ToDictionary(t => t, t => byType.Where(b => b.Type == t).Sum(b => b.Count)),
                sessions.Total, sessions.Active ?? 0,
                total == 0 ? 0 : Math.Round(byType.Sum(t => t.ImportanceSum) / total, 4));
        }, ct);

    /// <summary>
    /// What an agent should know on waking, without a query: the memories with the best
    /// importance × recency. Candidates are the most important and the newest, so a large agent is
    /// not scanned whole.
    /// </summary>
    public async Task<(IReadOnlyList<Memory> Memories, long TotalAvailable)> WakeUpAsync(
        MemoryStore memories, string agentId, int topN, double? minImportance, TimeSpan halfLife, CancellationToken ct = default)
    {
        var filter = new MemoryFilter { AgentId = agentId, MinImportance = minImportance };
        var pool = Math.Max(topN * 5, 200);
        var important = await memories.ListAsync(filter, pool, 0, MemoryStore.Order.Importance, ct);
        var recent = await memories.ListAsync(filter, pool, 0, MemoryStore.Order.Newest, ct);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var ranked = important.Concat(recent)
            .DistinctBy(m => m.Seq)
            .OrderByDescending(m => m.Importance * Recall.HybridRanker.Recency(m.CreatedAtMs, nowMs, halfLife))
            .ThenByDescending(m => m.CreatedAtMs)
            .Take(topN)
            .ToList();
        return (ranked, await memories.CountAsync(filter, ct));
    }
}
