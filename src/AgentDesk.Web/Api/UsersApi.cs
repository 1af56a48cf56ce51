using AgentDesk.Core;
using AgentDesk.Core.Handoffs;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Api;

/// <summary>Desk user administration (scope <c>admin</c>, unrestricted keys only): create a user with roles, queues and shift, list users.</summary>
public static class UsersApi
{
    public static void MapUsersApi(this IEndpointRouteBuilder v1)
    {
        var users = v1.MapGroup("/admin/users").RequireScope(Scopes.Admin);
        users.MapPost("/", async (HttpContext http, DeskUsers store, ApiLimits limits) =>
        {
            RequireUnrestricted(http);
            var body = await limits.ReadAsync(http);
            var id = body.RequiredString("id");
            var displayName = body.String("display_name") is { } name ? HandoffRules.Text(name, "display_name", 200) : id;
            var roles = body.StringList("roles") ?? throw DeskException.Invalid($"'roles' is required: any of {string.Join(", ", DeskRoles.All)}");
            var queues = (body.StringList("queues") ?? []).Select(q => HandoffRules.Name(q, "queues[]", HandoffRules.MaxQueueChars)).Distinct().ToList();
            var shift = body.String("shift") is { } s ? HandoffRules.Name(s, "shift", DeskUser.MaxShiftChars) : null;
            var user = await store.CreateAsync(id, displayName, body.RequiredString("password"), roles.Distinct().ToList(), queues, shift, http.RequestAborted);
            return ApiJson.Created(new { user = new { user.Id, user.DisplayName, user.Roles, user.Queues, user.Shift } });
        });
        users.MapGet("/", async (HttpContext http, DeskUsers store) =>
        {
            RequireUnrestricted(http);
            return ApiJson.Ok(new { users = (await store.ListAsync(http.RequestAborted)).Select(u => new { u.Id, u.DisplayName, u.Roles, u.Queues, u.Shift }) });
        });
    }

    /// <summary>A key restricted to some agents cannot make people who act for any agent.</summary>
    private static void RequireUnrestricted(HttpContext http) =>
        http.Caller().EnsureUnrestricted("managing desk users needs an admin key that is not restricted to agents");
}
