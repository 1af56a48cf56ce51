using System.Data.Common;
using System.Text.Json;
using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Core.Audit;

/// <summary>The audited actions (<c>audit_log.action</c>).</summary>
public static class AuditActions
{
    /// <summary>Prefix of the handoff actions: <c>handoff.</c> + a <see cref="Handoffs.HandoffEventKind"/>.</summary>
    public const string HandoffPrefix = "handoff.";
    public const string KeyCreated = "key.created";
    public const string KeyRevoked = "key.revoked";

    /// <summary>One key's calls over one interval, counted (see the host's key usage recorder).</summary>
    public const string KeyUsed = "key.used";

    /// <summary>Calls with a missing or unknown key from one address over one interval, counted.</summary>
    public const string AuthFailed = "auth.failed";
    public const string SignedIn = "user.signed_in";
    public const string SignInRefused = "user.sign_in_refused";
    public const string LockedOut = "user.locked_out";
}

/// <summary>One audited action: <see cref="Actor"/> is <c>key:&lt;id&gt;</c>, <c>user:&lt;id&gt;</c> or <c>system</c>.</summary>
public sealed record AuditEntry(long Seq, long At, string Actor, string Action, string? Subject, JsonElement? Detail);

/// <summary>What to list, newest first: every filter is optional; <see cref="Before"/> pages on by <c>seq</c>.</summary>
public sealed record AuditQuery(string? Actor = null, string? Action = null, string? Subject = null, long? Before = null, int Limit = 100)
{
    public const int MaxLimit = 500;
}

/// <summary>
/// The append-only audit log. Actions with a database change of their own are written in its transaction
/// (<see cref="AddAsync"/>), so neither can exist without the other, even across a crash.
/// </summary>
public sealed class AuditLog(DeskDatabase database, TimeProvider time)
{
    public static Task<int> AddAsync(DbConnection connection, DbTransaction tx, long atMs, string actor, string action, string? subject, object? detail, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (@atMs, @actor, @action, @subject, @detail)",
            new { atMs, actor, action, subject, detail = Serialize(detail) }, tx, cancellationToken: ct));

    /// <summary>Records an action that has no write of its own, by the current <see cref="AuditActor"/> unless one is given.</summary>
    public Task RecordAsync(string action, string? subject, object? detail, string? actor = null, CancellationToken ct = default) =>
        database.WriteAsync((connection, tx) =>
            AddAsync(connection, tx, time.GetUtcNow().ToUnixTimeMilliseconds(), actor ?? AuditActor.Current, action, subject, detail, ct), ct);

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken ct = default)
    {
        var where = new List<string>();
        if (query.Actor is not null) where.Add("actor = @Actor");
        if (query.Action is not null) where.Add(query.Action.EndsWith('.') ? "action >= @Action AND action < @ActionEnd" : "action = @Action");
        if (query.Subject is not null) where.Add("subject = @Subject");
        if (query.Before is not null) where.Add("seq < @Before");
        var sql = $"""
            SELECT seq, at, actor, action, subject, detail FROM audit_log
            {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")}
            ORDER BY seq DESC LIMIT @Limit
            """;
        var args = new { query.Actor, query.Action, ActionEnd = query.Action is { } a ? a[..^1] + (char)(a[^1] + 1) : null, query.Subject, query.Before, Limit = Math.Clamp(query.Limit, 1, AuditQuery.MaxLimit) };
        var rows = await database.ReadAsync(connection => connection.QueryAsync<(long Seq, long At, string Actor, string Action, string? Subject, string? Detail)>(
            new CommandDefinition(sql, args, cancellationToken: ct)), ct);
        return rows.Select(r => new AuditEntry(r.Seq, r.At, r.Actor, r.Action, r.Subject,
            r.Detail is null ? null : JsonDocument.Parse(r.Detail).RootElement.Clone())).ToList();
    }

    private static string? Serialize(object? detail) => detail is null ? null : JsonSerializer.Serialize(detail, AuditJson);

    private static readonly JsonSerializerOptions AuditJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
