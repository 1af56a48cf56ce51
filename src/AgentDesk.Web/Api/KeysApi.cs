using AgentDesk.Core;
using AgentDesk.Core.Memory;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Api;

/// <summary>API key administration (scope <c>admin</c>): create (secret shown once), list, revoke.</summary>
public static class KeysApi
{
    public static void MapKeysApi(this IEndpointRouteBuilder v1)
    {
        var keys = v1.MapGroup("/admin/keys").RequireScope(Scopes.Admin);
        keys.MapPost("/", async (HttpContext http, ApiKeyStore store, ApiLimits limits) =>
        {
            var body = await limits.ReadAsync(http);
            var name = body.RequiredString("name");
            var scopes = body.StringList("scopes") ?? throw DeskException.Invalid($"'scopes' is required: any of {string.Join(", ", Scopes.All)}");
            var agentIds = body.StringList("agent_ids")?.Select(a => MemoryRules.AgentId(a, "agent_ids[]")).Distinct().ToList();
            // An admin key restricted to some agents may only mint keys within those agents.
            var caller = http.Caller();
            if (caller.AgentIds is not null && (agentIds is null || agentIds.Any(a => !caller.MaySee(a))))
                throw new DeskException("INSUFFICIENT_SCOPE", 403, "this key is restricted to some agents; the keys it creates must name 'agent_ids' within them");
            var (key, secret) = await store.CreateAsync(name, scopes, agentIds, http.RequestAborted);
            return ApiJson.Created(new { key, secret });
        });
        keys.MapGet("/", async (ApiKeyStore store, HttpContext http) => ApiJson.Ok(new { keys = await store.ListAsync(http.RequestAborted) }));
        keys.MapDelete("/{id}", async (string id, ApiKeyStore store, HttpContext http) =>
            await store.RevokeAsync(id, http.RequestAborted)
                ? ApiJson.Ok(new { status = "ok", id, revoked = true })
                : throw DeskException.NotFound($"API key '{id}' not found or already revoked"));
    }
}
