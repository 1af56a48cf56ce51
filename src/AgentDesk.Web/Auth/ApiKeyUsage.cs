using AgentDesk.Core.Audit;
using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Web.Auth;

/// <summary>
/// Counts API key use and refused authentication in memory and writes it to the audit log once per interval
/// (<c>AgentDesk:Audit:UsageIntervalSeconds</c>, default 60) and at shutdown: one <c>key.used</c> entry per key that
/// called, one <c>auth.failed</c> entry per address that sent a missing or unknown key, and each key's last use.
/// A row per call would make the audit log the busiest table of the server (thousands a second under load); a
/// count per interval says who used which key, how much, how it went and from where. A crash loses the counts of
/// the interval in progress, never an action's own audit entry (those are written with the action).
/// </summary>
public sealed class ApiKeyUsage(DeskDatabase database, TimeProvider time, StartupState startup, IConfiguration config, ILogger<ApiKeyUsage> logger)
    : BackgroundService
{
    /// <summary>Addresses kept per entry: enough to spot a key used from somewhere new.</summary>
    public const int MaxAddresses = 5;

    private readonly object _gate = new();
    private Dictionary<string, Tally> _keys = new();
    private Dictionary<string, Tally> _failures = new();

    /// <summary>Counts one call of <paramref name="keyId"/> and how it ended (its HTTP status).</summary>
    public void RecordUse(string keyId, int status, string? address) => Count(ref _keys, keyId, status, address);

    /// <summary>Counts one call refused for a missing or unknown key, by where it came from.</summary>
    public void RecordFailure(string? address, int status) => Count(ref _failures, address ?? "unknown", status, address);

    private void Count(ref Dictionary<string, Tally> tallies, string name, int status, string? address)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            if (!tallies.TryGetValue(name, out var tally)) tallies[name] = tally = new Tally(now);
            tally.Add(status, address, now);
        }
    }

    /// <summary>Writes what was counted since the last flush in one transaction, and starts counting afresh.</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        Dictionary<string, Tally> keys, failures;
        lock (_gate)
        {
            (keys, failures) = (_keys, _failures);
            if (keys.Count == 0 && failures.Count == 0) return;
            (_keys, _failures) = (new(), new());
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await database.WriteAsync(async (connection, tx) =>
        {
            foreach (var (keyId, tally) in keys)
            {
                await AuditLog.AddAsync(connection, tx, now, AuditActor.ForKey(keyId), AuditActions.KeyUsed, keyId, tally.Detail(), ct);
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE api_keys SET last_used_at = @last WHERE id = @keyId", new { last = tally.LastAt, keyId }, tx, cancellationToken: ct));
            }
            foreach (var (address, tally) in failures)
                await AuditLog.AddAsync(connection, tx, now, AuditActor.System, AuditActions.AuthFailed, address, tally.Detail(), ct);
            return 0;
        }, ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, config.GetValue("AgentDesk:Audit:UsageIntervalSeconds", 60)));
        try
        {
            await startup.WhenReady.WaitAsync(stoppingToken);
            using var timer = new PeriodicTimer(interval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await FlushSafelyAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (startup.Ready) await FlushSafelyAsync(cancellationToken);
    }

    private async Task FlushSafelyAsync(CancellationToken ct)
    {
        try
        {
            await FlushAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Counts are not worth a crashed host; the next interval starts afresh.
            logger.LogError(e, "Writing API key use to the audit log failed");
        }
    }

    private sealed class Tally(long firstAt)
    {
        private long _requests, _refused, _rateLimited, _clientErrors, _serverErrors;
        private readonly List<string> _addresses = [];
        private readonly long _firstAt = firstAt;

        public long LastAt { get; private set; } = firstAt;

        public void Add(int status, string? address, long at)
        {
            _requests++;
            if (status is 401 or 403) _refused++;
            else if (status == 429) _rateLimited++;
            else if (status >= 500) _serverErrors++;
            else if (status >= 400) _clientErrors++;
            if (address is not null && _addresses.Count < MaxAddresses && !_addresses.Contains(address)) _addresses.Add(address);
            LastAt = at;
        }

        public object Detail() => new
        {
            requests = _requests,
            refused = _refused,
            rate_limited = _rateLimited,
            client_errors = _clientErrors,
            server_errors = _serverErrors,
            first_at = _firstAt,
            last_at = LastAt,
            addresses = _addresses,
        };
    }
}
