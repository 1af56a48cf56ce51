namespace AgentDesk.Core.Audit;

/// <summary>
/// Who is acting, for the audit log: set once where a request enters — the API key of a <c>/v1</c> call, the
/// signed-in user of a desk interaction — and carried by the execution context through every await beneath, so a
/// handoff action records its actor in its own transaction without every Core call passing it down. Work started
/// from a request (a shift change running on after the tab closed) keeps the actor that started it.
/// </summary>
public static class AuditActor
{
    /// <summary>The actor of work no caller started (start-up recovery, demo data, maintenance).</summary>
    public const string System = "system";

    /// <summary>The actor of a desk page nobody is signed in to.</summary>
    public const string Anonymous = "anonymous";

    private static readonly AsyncLocal<string?> Actor = new();

    public static string Current => Actor.Value ?? System;

    /// <summary>Sets the actor for the rest of the calling flow and everything it starts.</summary>
    public static void Set(string actor) => Actor.Value = actor;

    public static string ForKey(string keyId) => "key:" + keyId;

    public static string ForUser(string userId) => "user:" + userId;
}
