using System.Security.Claims;
using AgentDesk.Core.Audit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace AgentDesk.Web.Auth;

/// <summary>
/// Makes the signed-in user the audit actor of everything their desk tab does: every inbound circuit activity (a
/// click, a form, a JS call) runs with <see cref="AuditActor"/> set, so a claim or a shift change made from the desk
/// is recorded as <c>user:&lt;id&gt;</c> in the action's own transaction — no page has to remember to say who it is.
/// </summary>
public sealed class AuditCircuitHandler(AuthenticationStateProvider authentication) : CircuitHandler
{
    private string? _actor;

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            AuditActor.Set(_actor ??= await ActorAsync());
            await next(context);
        };

    private async Task<string> ActorAsync()
    {
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        return user.FindFirstValue(ClaimTypes.NameIdentifier) is { } id ? AuditActor.ForUser(id) : AuditActor.Anonymous;
    }
}
