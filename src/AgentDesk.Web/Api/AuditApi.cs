using AgentDesk.Core.Audit;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Api;

/// <summary>
/// The audit log (scope <c>admin</c>, unrestricted keys only), newest first: <c>actor</c>, <c>action</c> (exact, or a
/// prefix ending in a dot such as <c>handoff.</c>), <c>subject</c>, <c>limit</c>, and <c>before</c> (the <c>next_before</c>
/// of the previous page) to page on.
/// </summary>
public static class AuditApi
{
    public static void MapAuditApi(this IEndpointRouteBuilder v1) =>
        v1.MapGet("/admin/audit", async (HttpContext http, AuditLog audit) =>
        {
            http.Caller().EnsureUnrestricted("the audit log spans every agent and key: use a key that is not restricted to agents");
            var args = new QueryArgs(http.Request.Query);
            var query = new AuditQuery(
                Filter(args, "actor"), Filter(args, "action"), Filter(args, "subject"),
                Before(args),
                args.Int("limit", 1, AuditQuery.MaxLimit) ?? 100);
            var entries = await audit.QueryAsync(query, http.RequestAborted);
            return ApiJson.Ok(new
            {
                entries = entries.Select(e => new { e.Seq, at = e.At / 1000.0, e.Actor, e.Action, e.Subject, e.Detail }),
                next_before = entries.Count == query.Limit ? entries[^1].Seq : (long?)null,
            });
        }).RequireScope(Scopes.Admin);

    /// <summary>A <c>seq</c>: a whole number up to 2^53, the largest a JSON number carries exactly.</summary>
    private static long? Before(Args args) => args.Number("before") switch
    {
        null => null,
        var n when n == Math.Floor(n.Value) && n >= 1 && n <= 9_007_199_254_740_992 => (long)n.Value,
        var n => throw Core.DeskException.Invalid($"'before' must be a whole number from 1 (the 'next_before' of a page), not {n}"),
    };

    private static string? Filter(Args args, string name) =>
        args.String(name) is { Length: > 0 } value ? value.Length <= 200 ? value : throw Core.DeskException.Invalid($"'{name}' must be at most 200 characters") : null;
}
