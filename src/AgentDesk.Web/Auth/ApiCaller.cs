using AgentDesk.Core;

namespace AgentDesk.Web.Auth;

public static class Scopes
{
    public const string Read = "read";
    public const string Write = "write";
    public const string Sessions = "sessions";
    public const string Handoffs = "handoffs";
    public const string Admin = "admin";
    public static readonly IReadOnlyList<string> All = [Read, Write, Sessions, Handoffs, Admin];
}

/// <summary>Who is calling the API: the key's scopes and, if restricted, the agent ids it may touch.</summary>
public sealed record ApiCaller(string KeyId, string Name, IReadOnlySet<string> Scopes, IReadOnlySet<string>? AgentIds)
{
    public bool HasAnyScope(IEnumerable<string> scopes) =>
        Scopes.Contains(Auth.Scopes.Admin) || scopes.Any(Scopes.Contains);

    public bool MaySee(string agentId) => AgentIds is null || AgentIds.Contains(agentId);

    /// <summary>Throws 403 when the key is restricted to other agents.</summary>
    public string EnsureAgent(string agentId) => MaySee(agentId) ? agentId : throw DeskException.AgentDenied(agentId);

    /// <summary>Throws 403 when the key is restricted to some agents; <paramref name="why"/> says why the call needs them all.</summary>
    public void EnsureUnrestricted(string why)
    {
        if (AgentIds is not null) throw new DeskException("INSUFFICIENT_SCOPE", 403, why);
    }
}

/// <summary>Marks an endpoint (or group) with the scopes of which the caller needs any one.</summary>
public sealed record RequiredScopes(IReadOnlyList<string> AnyOf);

public static class ApiCallerExtensions
{
    private const string ItemKey = "agentdesk.caller";

    public static ApiCaller Caller(this HttpContext context) =>
        context.Items[ItemKey] as ApiCaller ?? throw new InvalidOperationException("no authenticated API caller on this request");

    internal static void SetCaller(this HttpContext context, ApiCaller caller) => context.Items[ItemKey] = caller;

    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, params string[] anyOf) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScopes(anyOf));
}
