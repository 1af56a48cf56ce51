using AgentDesk.Core;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Storage;
using AgentDesk.Web.Api;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web;

/// <summary>One <c>Add…</c> per feature, called by name from Program.cs.</summary>
public static class ServiceSetup
{
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration config, string contentRoot)
    {
        var section = config.GetSection("AgentDesk:Storage");
        var provider = section["Provider"] ?? "sqlite";
        if (!provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"AgentDesk:Storage:Provider '{provider}' is not supported; use 'sqlite'");
        var path = Path.GetFullPath(section["Path"] ?? "data/agentdesk.db", contentRoot);
        services.AddSingleton<ISqlDialect>(SqliteDialect.ForFile(path, section.GetValue("FullSync", false)));
        services.AddSingleton<DeskDatabase>();
        services.AddSingleton<Migrator>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    public static IServiceCollection AddMemory(this IServiceCollection services)
    {
        services.AddSingleton<DeskEvents>();
        services.AddSingleton<MemoryStore>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<AgentDirectory>();
        services.AddSingleton<NamespaceStore>();
        return services;
    }

    public static IServiceCollection AddRecall(this IServiceCollection services, IConfiguration config)
    {
        var halfLifeDays = config.GetValue("AgentDesk:Recall:RecencyHalfLifeDays", 14.0);
        services.AddSingleton(new RankingOptions { RecencyHalfLife = TimeSpan.FromDays(halfLifeDays) });
        services.AddSingleton<RecallService>();
        services.AddSingleton<AccessRecorder>();
        services.AddHostedService<MemoryMaintenanceService>();
        return services;
    }

    public static IServiceCollection AddApi(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton(ApiLimits.From(config));
        services.AddSingleton<StartupState>();
        services.AddHostedService<StartupService>();
        // The environment variable wins over configuration files, as operators expect for secrets.
        var rootKey = Environment.GetEnvironmentVariable("AGENTDESK_ROOT_API_KEY") is { Length: > 0 } fromEnv ? fromEnv : config["AgentDesk:RootApiKey"];
        services.AddSingleton(sp => new ApiKeyStore(sp.GetRequiredService<DeskDatabase>(), sp.GetRequiredService<TimeProvider>(), rootKey));
        return services;
    }
}

/// <summary>
/// Background upkeep: writes recall access statistics every half second (and once more at
/// shutdown), and deletes expired memories every minute so counts and the database stay honest.
/// </summary>
public sealed class MemoryMaintenanceService(
    AccessRecorder recorder, MemoryStore memories, StartupState startup, IConfiguration config, ILogger<MemoryMaintenanceService> logger) : BackgroundService
{
    private static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(500);

    /// <summary><c>AgentDesk:Maintenance:PurgeIntervalSeconds</c>; 0 turns the sweeper off.</summary>
    private readonly TimeSpan _purgeEvery = TimeSpan.FromSeconds(config.GetValue("AgentDesk:Maintenance:PurgeIntervalSeconds", 60));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushEvery);
        var nextPurge = DateTime.UtcNow;
        try
        {
            await startup.WhenReady.WaitAsync(stoppingToken);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunAsync("record recall access statistics", () => recorder.FlushAsync(stoppingToken));
                if (_purgeEvery <= TimeSpan.Zero || DateTime.UtcNow < nextPurge) continue;
                nextPurge = DateTime.UtcNow + _purgeEvery;
                await RunAsync("delete expired memories", () => memories.PurgeExpiredAsync(ct: stoppingToken));
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception) when (startup.WhenReady.IsFaulted) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await RunAsync("record recall access statistics", () => recorder.FlushAsync(CancellationToken.None));
    }

    private async Task RunAsync(string what, Func<Task<int>> work)
    {
        try { await work(); }
        catch (Exception e) when (e is not OperationCanceledException) { logger.LogWarning(e, "could not {What}", what); }
    }
}
