using System.Security.Claims;
using System.Text.Json;
using AgentDesk.Core;
using AgentDesk.Core.Audit;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Storage;
using Dapper;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;

namespace AgentDesk.Web.Auth;

/// <summary>
/// The roles of the desk: agents work cases, supervisors also run shifts and see analytics, managers see analytics
/// only, admins manage keys and users.
/// </summary>
public static class DeskRoles
{
    public const string Agent = "agent";
    public const string Supervisor = "supervisor";
    public const string Manager = "manager";
    public const string Admin = "admin";
    public static readonly IReadOnlyList<string> All = [Agent, Supervisor, Manager, Admin];

    /// <summary>For <c>[Authorize(Roles = …)]</c> on the analytics page and its export.</summary>
    public const string AnalyticsViewers = Supervisor + "," + Manager + "," + Admin;

    /// <summary>For <c>[Authorize(Roles = …)]</c> on supervisor pages.</summary>
    public const string SupervisorOrAdmin = Supervisor + "," + Admin;

    /// <summary>The claim naming a queue the user serves.</summary>
    public const string QueueClaim = "agentdesk:queue";
}

/// <summary>
/// A person who logs in to the desk; <see cref="Id"/> is also the agent id they act as. <see cref="Shift"/> names the
/// shift they work (free text such as "early"), by which the shift board groups and hands over cases.
/// </summary>
public sealed record DeskUser(string Id, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<string> Queues, string? Shift = null)
{
    /// <summary>The longest shift name.</summary>
    public const int MaxShiftChars = 40;

    public ClaimsPrincipal ToPrincipal() => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, Id),
            new Claim(ClaimTypes.Name, DisplayName),
            .. Roles.Select(r => new Claim(ClaimTypes.Role, r)),
            .. Queues.Select(q => new Claim(DeskRoles.QueueClaim, q)),
        ], CookieAuthenticationDefaults.AuthenticationScheme));

    public static DeskUser? From(ClaimsPrincipal principal) =>
        principal.Identity?.IsAuthenticated == true && principal.FindFirstValue(ClaimTypes.NameIdentifier) is { } id
            ? new DeskUser(id, principal.FindFirstValue(ClaimTypes.Name) ?? id,
                principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList(),
                principal.FindAll(DeskRoles.QueueClaim).Select(c => c.Value).ToList())
            : null;

    public bool IsSupervisor => Roles.Contains(DeskRoles.Supervisor) || Roles.Contains(DeskRoles.Admin);
}

/// <summary>What a login attempt came to; a failure never says whether the user exists.</summary>
public abstract record LoginResult
{
    public sealed record Success(DeskUser User) : LoginResult;
    public sealed record Refused : LoginResult;
    public sealed record LockedOut(DateTimeOffset Until) : LoginResult;
}

/// <summary>
/// Desk users on disk: created with hashed passwords (<see cref="PasswordHasher{TUser}"/>), checked with a lockout
/// after <see cref="MaxFailedLogins"/> failures in a row for <see cref="LockoutFor"/>.
/// </summary>
public sealed class DeskUsers(DeskDatabase database, TimeProvider time)
{
    public const int MaxFailedLogins = 5;
    public static readonly TimeSpan LockoutFor = TimeSpan.FromMinutes(5);
    public const int MinPasswordLength = 10;

    private readonly PasswordHasher<DeskUser> _hasher = new();

    public async Task<DeskUser> CreateAsync(
        string id, string displayName, string password, IReadOnlyList<string> roles, IReadOnlyList<string> queues, string? shift, CancellationToken ct = default)
    {
        MemoryRules.AgentId(id, "user name");
        if (password.Length < MinPasswordLength) throw DeskException.Invalid($"the password must have at least {MinPasswordLength} characters");
        if (roles.Count == 0) throw DeskException.Invalid("a user needs at least one role");
        if (roles.Except(DeskRoles.All).FirstOrDefault() is { } unknown)
            throw DeskException.Invalid($"'{unknown}' is not a role; use {string.Join(", ", DeskRoles.All)}");
        var user = new DeskUser(id, displayName, roles, queues, shift);
        await database.WriteAsync(async (connection, tx) =>
        {
            if (await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM users WHERE id = @id", new { id }, tx, cancellationToken: ct)) > 0)
                throw DeskException.Conflict($"user '{id}' already exists");
            return await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO users (id, display_name, password_hash, roles, queues, shift, created_at)
                VALUES (@id, @displayName, @hash, @roles, @queues, @shift, @now)
                """, new
            {
                id,
                displayName,
                hash = _hasher.HashPassword(user, password),
                roles = JsonSerializer.Serialize(roles),
                queues = JsonSerializer.Serialize(queues),
                shift,
                now = time.GetUtcNow().ToUnixTimeMilliseconds(),
            }, tx, cancellationToken: ct));
        }, ct);
        return user;
    }

    /// <summary>
    /// Creates the configured first administrator (<c>AgentDesk:Auth:AdminUser</c> / <c>AdminPassword</c>) unless that
    /// user exists, so a fresh production install has someone who can sign in. Returns whether it was created.
    /// </summary>
    public async Task<bool> EnsureAdminAsync(string? userName, string? password, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password)) return false;
        var exists = await database.ReadAsync(c => c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM users WHERE id = @userName", new { userName }, cancellationToken: ct)), ct);
        if (exists > 0) return false;
        await CreateAsync(userName, "Administrator", password, [DeskRoles.Admin, DeskRoles.Supervisor, DeskRoles.Agent], [], null, ct);
        return true;
    }

    public async Task<IReadOnlyList<DeskUser>> ListAsync(CancellationToken ct = default) =>
        (await database.ReadAsync(c => c.QueryAsync<UserRow>(new CommandDefinition(
            "SELECT id, display_name, password_hash, roles, queues, shift, failed_logins, locked_until FROM users ORDER BY id", cancellationToken: ct)), ct))
        .Select(r => r.ToUser()).ToList();

    /// <summary>Checks a password; counts failures, locks the account after too many, and clears the count on success.</summary>
    public Task<LoginResult> LoginAsync(string id, string password, CancellationToken ct = default) =>
        database.WriteAsync<LoginResult>(async (connection, tx) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
                "SELECT id, display_name, password_hash, roles, queues, shift, failed_logins, locked_until FROM users WHERE id = @id",
                new { id }, tx, cancellationToken: ct));
            var now = time.GetUtcNow();
            // The name as typed, so cut: it may be anything.
            var named = id.Length > MaxAuditedNameChars ? id[..MaxAuditedNameChars] : id;
            Task Audit(string action, object? detail = null) =>
                AuditLog.AddAsync(connection, tx, now.ToUnixTimeMilliseconds(), AuditActor.ForUser(named), action, named, detail, ct);
            if (row is null)
            {
                // Hash anyway, so the answer takes as long for an unknown name as for a wrong password.
                _hasher.VerifyHashedPassword(new DeskUser(id, id, [], []), DummyHash, password);
                await Audit(AuditActions.SignInRefused, new { reason = "unknown user" });
                return new LoginResult.Refused();
            }
            if (row.LockedUntil is { } locked && locked > now.ToUnixTimeMilliseconds())
            {
                await Audit(AuditActions.SignInRefused, new { reason = "locked out", until = locked });
                return new LoginResult.LockedOut(DateTimeOffset.FromUnixTimeMilliseconds(locked));
            }
            var user = row.ToUser();
            if (_hasher.VerifyHashedPassword(user, row.PasswordHash, password) == PasswordVerificationResult.Failed)
            {
                var failures = row.FailedLogins + 1;
                var lockUntil = failures >= MaxFailedLogins ? now.Add(LockoutFor).ToUnixTimeMilliseconds() : (long?)null;
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE users SET failed_logins = @failures, locked_until = @lockUntil WHERE id = @id",
                    new { failures = lockUntil is null ? failures : 0, lockUntil, id }, tx, cancellationToken: ct));
                if (lockUntil is { } until)
                {
                    await Audit(AuditActions.LockedOut, new { failures, until });
                    return new LoginResult.LockedOut(DateTimeOffset.FromUnixTimeMilliseconds(until));
                }
                await Audit(AuditActions.SignInRefused, new { reason = "wrong password", failures });
                return new LoginResult.Refused();
            }
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = @id", new { id }, tx, cancellationToken: ct));
            await Audit(AuditActions.SignedIn);
            return new LoginResult.Success(user);
        }, ct);

    private const int MaxAuditedNameChars = 100;

    private static readonly string DummyHash = new PasswordHasher<DeskUser>().HashPassword(new DeskUser("-", "-", [], []), "not a password of anyone");

    private sealed class UserRow
    {
        public string Id { get; set; } = "";
        public string DisplayName { get; set; } = "";
        public string PasswordHash { get; set; } = "";
        public string Roles { get; set; } = "[]";
        public string Queues { get; set; } = "[]";
        public string? Shift { get; set; }
        public long FailedLogins { get; set; }
        public long? LockedUntil { get; set; }

        public DeskUser ToUser() => new(Id, DisplayName,
            JsonSerializer.Deserialize<List<string>>(Roles) ?? [], JsonSerializer.Deserialize<List<string>>(Queues) ?? [], Shift);
    }
}
