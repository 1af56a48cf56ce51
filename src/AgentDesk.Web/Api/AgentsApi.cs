using AgentDesk.Core;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Api;

/// <summary>Dakera's agent surface: list, memories, stats, wake-up.</summary>
public static class AgentsApi
{
    public static void MapAgentsApi(this IEndpointRouteBuilder v1)
    {
        var agents = v1.MapGroup("/agents").RequireScope(Scopes.Read);
        agents.MapGet("/", async (HttpContext http, AgentDirectory directory) =>
            ApiJson.Ok(await directory.ListAsync(http.Caller().AgentIds, http.RequestAborted)));
        agents.MapGet("/{agentId}/memories", MemoriesAsync);
        agents.MapGet("/{agentId}/stats", StatsAsync);
        agents.MapGet("/{agentId}/wake-up", WakeUpAsync);
    }

    private static async Task<IResult> MemoriesAsync(string agentId, HttpContext http, MemoryStore store)
    {
        http.Caller().EnsureAgent(MemoryRules.AgentId(agentId));
        var query = new QueryArgs(http.Request.Query);
        var filter = new MemoryFilter
        {
            AgentId = agentId,
            MemoryType = query.String("memory_type") is { } type ? MemoryRules.MemoryType(type) : null,
        };
        return ApiJson.Ok(await store.ListAsync(filter, query.Int("limit", 1, 1000) ?? 100,
            query.Int("offset", 0, int.MaxValue) ?? 0, MemoryStore.Order.Newest, http.RequestAborted));
    }

    private static async Task<IResult> StatsAsync(string agentId, HttpContext http, AgentDirectory directory)
    {
        http.Caller().EnsureAgent(MemoryRules.AgentId(agentId));
        var stats = await directory.StatsAsync(agentId, http.RequestAborted) ?? throw DeskException.NotFound($"agent '{agentId}' has no memories or sessions");
        return ApiJson.Ok(stats);
    }

    private static async Task<IResult> WakeUpAsync(string agentId, HttpContext http, AgentDirectory directory, MemoryStore store, RankingOptions ranking)
    {
        http.Caller().EnsureAgent(MemoryRules.AgentId(agentId));
        var query = new QueryArgs(http.Request.Query);
        var minImportance = query.Number("min_importance") is { } min ? MemoryRules.Importance(min, "min_importance") : (double?)null;
        var (memories, total) = await directory.WakeUpAsync(store, agentId, query.Int("top_n", 1, 1000) ?? 20, minImportance,
            ranking.RecencyHalfLife, http.RequestAborted);
        return ApiJson.Ok(new { agent_id = agentId, memories, total_available = total });
    }
}
