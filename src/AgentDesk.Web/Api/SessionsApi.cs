using AgentDesk.Core;
using AgentDesk.Core.Memory;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Api;

/// <summary>Dakera's session surface: start, end, get, list, a session's memories, an agent's sessions.</summary>
public static class SessionsApi
{
    public static void MapSessionsApi(this IEndpointRouteBuilder v1)
    {
        var sessions = v1.MapGroup("/sessions");
        sessions.MapPost("/start", StartAsync).RequireScope(Scopes.Sessions, Scopes.Write);
        sessions.MapPost("/{id}/end", EndAsync).RequireScope(Scopes.Sessions, Scopes.Write);
        sessions.MapGet("/{id}", async (string id, HttpContext http, SessionStore store) =>
            ApiJson.Ok(await GetOwnedAsync(id, http, store))).RequireScope(Scopes.Sessions, Scopes.Read);
        sessions.MapGet("/", ListAsync).RequireScope(Scopes.Sessions, Scopes.Read);
        sessions.MapGet("/{id}/memories", MemoriesAsync).RequireScope(Scopes.Sessions, Scopes.Read);
        v1.MapGet("/agents/{agentId}/sessions", AgentSessionsAsync).RequireScope(Scopes.Sessions, Scopes.Read);
    }

    private static async Task<IResult> StartAsync(HttpContext http, SessionStore store, ApiLimits limits)
    {
        var body = await limits.ReadAsync(http);
        var agentId = http.Caller().EnsureAgent(MemoryRules.AgentId(body.String("agent_id")));
        var id = body.String("id") is { } clientId ? MemoryRules.ClientId(clientId, "id") : null;
        var (session, created) = await store.StartAsync(agentId, id, body.Object("metadata"), http.RequestAborted);
        return created ? ApiJson.Created(new { session }) : ApiJson.Ok(new { session });
    }

    private static async Task<IResult> EndAsync(string id, HttpContext http, SessionStore store, ApiLimits limits)
    {
        // Some SDKs end a session with no body at all.
        var body = http.Request.ContentLength is 0 || (http.Request.ContentLength is null && !http.Request.Headers.ContainsKey("Transfer-Encoding"))
            ? null : await limits.ReadAsync(http);
        await GetOwnedAsync(id, http, store);
        var ended = await store.EndAsync(id, body?.String("summary"), body?.Object("metadata"), http.RequestAborted);
        return ApiJson.Ok(new { session = ended, memory_count = ended.MemoryCount });
    }

    private static async Task<IResult> ListAsync(HttpContext http, SessionStore store)
    {
        var query = new QueryArgs(http.Request.Query);
        var caller = http.Caller();
        var agentId = query.String("agent_id") is { } a ? caller.EnsureAgent(MemoryRules.AgentId(a)) : null;
        var (sessions, total) = await store.ListAsync(agentId, query.Bool("active_only") ?? false,
            query.Int("limit", 1, 1000) ?? 50, query.Int("offset", 0, int.MaxValue) ?? 0,
            caller.AgentIds, http.RequestAborted);
        return ApiJson.Ok(new { sessions, total });
    }

    private static async Task<IResult> MemoriesAsync(string id, HttpContext http, SessionStore sessions, MemoryStore memories)
    {
        var session = await GetOwnedAsync(id, http, sessions);
        var query = new QueryArgs(http.Request.Query);
        var filter = new MemoryFilter { AgentId = session.AgentId, SessionId = id };
        var list = await memories.ListAsync(filter, query.Int("limit", 1, 1000) ?? 100, query.Int("offset", 0, int.MaxValue) ?? 0,
            MemoryStore.Order.Newest, http.RequestAborted);
        return ApiJson.Ok(new { session, memories = list, total = await memories.CountAsync(filter, http.RequestAborted) });
    }

    private static async Task<IResult> AgentSessionsAsync(string agentId, HttpContext http, SessionStore store)
    {
        http.Caller().EnsureAgent(MemoryRules.AgentId(agentId));
        var query = new QueryArgs(http.Request.Query);
        var (sessions, total) = await store.ListAsync(agentId, query.Bool("active_only") ?? false,
            query.Int("limit", 1, 1000) ?? 50, query.Int("offset", 0, int.MaxValue) ?? 0, null, http.RequestAborted);
        // API.md answers a bare array (the Rust SDK's shape); the Go SDK v0.12 reads {"sessions": [...]}.
        return http.Request.Headers.UserAgent.ToString().StartsWith("dakera-go", StringComparison.OrdinalIgnoreCase)
            ? ApiJson.Ok(new { sessions, total })
            : ApiJson.Ok(sessions);
    }

    private static async Task<Session> GetOwnedAsync(string id, HttpContext http, SessionStore store)
    {
        var session = await store.GetAsync(id, http.RequestAborted) ?? throw DeskException.NotFound($"session '{id}' not found");
        http.Caller().EnsureAgent(session.AgentId);
        return session;
    }
}
