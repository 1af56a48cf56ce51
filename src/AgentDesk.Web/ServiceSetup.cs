using AgentDesk.Core;
using AgentDesk.Core.Audit;
using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Recall.Embeddings;
using AgentDesk.Core.Storage;
using AgentDesk.Core.Summaries;
using AgentDesk.Core.Threads;
using AgentDesk.Web.Api;
using AgentDesk.Web.Auth;
using AgentDesk.Web.Components.Pages.Desk;
using AgentDesk.Web.Hubs;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace AgentDesk.Web;

/// <summary>One <c>Add…</c> per feature, called by name from Program.cs.</summary>
public static class ServiceSetup
{
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration config, string contentRoot)
    {
        var section = config.GetSection("AgentDesk:Storage");
        var dialect = StorageDialect(section, contentRoot);
        services.AddSingleton(dialect);
        if (dialect is PostgresDialect postgres)
        {
            // Several instances may share it: each sends its changes to the others and delivers theirs.
            services.AddSingleton(postgres);
            services.AddSingleton<PostgresFanOut>();
            services.AddHostedService(sp => sp.GetRequiredService<PostgresFanOut>());
        }
        services.AddSingleton<DeskDatabase>();
        services.AddSingleton<Migrator>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>The engine chosen by <c>AgentDesk:Storage:Provider</c>: <c>sqlite</c> (the default, a file) or <c>postgres</c>.</summary>
    private static ISqlDialect StorageDialect(IConfigurationSection section, string contentRoot)
    {
        var provider = section["Provider"] ?? "sqlite";
        if (provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
            return SqliteDialect.ForFile(Path.GetFullPath(section["Path"] ?? "data/agentdesk.db", contentRoot), section.GetValue("FullSync", false));
        if (!provider.Equals("postgres", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"AgentDesk:Storage:Provider '{provider}' is not supported; use 'sqlite' or 'postgres'");
        var connectionString = section["ConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                "AgentDesk:Storage:Provider is 'postgres' but AgentDesk:Storage:ConnectionString is not set " +
                "(e.g. AgentDesk__Storage__ConnectionString='Host=127.0.0.1;Port=5432;Database=agentdesk;Username=agentdesk;Password=…')");
        return new PostgresDialect(connectionString);
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

    /// <summary>Ranking, candidate generation and the embedding model, all from <c>AgentDesk:Recall</c> and <c>AgentDesk:Embeddings</c>.</summary>
    public static IServiceCollection AddRecall(this IServiceCollection services, IConfiguration config, string contentRoot)
    {
        var recall = config.GetSection("AgentDesk:Recall");
        var ranking = new RankingOptions();
        services.AddSingleton(ranking with
        {
            RecencyHalfLife = TimeSpan.FromDays(recall.GetValue("RecencyHalfLifeDays", ranking.RecencyHalfLife.TotalDays)),
            Fusion = recall.GetValue("Fusion", ranking.Fusion),
            VectorWeight = recall.GetValue("VectorWeight", ranking.VectorWeight),
            RrfK = recall.GetValue("RrfK", ranking.RrfK),
            NeighbourWeight = recall.GetValue("NeighbourWeight", ranking.NeighbourWeight),
        });
        var candidates = new RecallOptions();
        services.AddSingleton(candidates with
        {
            ScopedLimit = recall.GetValue("ScopedLimit", candidates.ScopedLimit),
            AgentScopedLimit = recall.GetValue("AgentScopedLimit", candidates.AgentScopedLimit),
            PostingBudget = recall.GetValue("PostingBudget", candidates.PostingBudget),
            TemporalPhrases = recall.GetValue("TemporalPhrases", candidates.TemporalPhrases),
            NeighbourGap = TimeSpan.FromMinutes(recall.GetValue("NeighbourGapMinutes", candidates.NeighbourGap.TotalMinutes)),
            TimeZone = recall["TimeZone"] is { Length: > 0 } zone ? TimeZoneInfo.FindSystemTimeZoneById(zone) : candidates.TimeZone,
        });
        var embeddings = config.GetSection("AgentDesk:Embeddings").Get<EmbeddingOptions>() ?? new EmbeddingOptions();
        var repoRoot = RepoPaths.FindRoot(contentRoot) ?? RepoPaths.FindRoot(AppContext.BaseDirectory);
        services.AddSingleton(sp => new SemanticIndex(
            sp.GetRequiredService<DeskDatabase>(), sp.GetRequiredService<DeskEvents>(), sp.GetRequiredService<ILogger<SemanticIndex>>(),
            EmbeddingSetup.Create(embeddings, repoRoot)));
        services.AddSingleton<TermSelection>();
        services.AddSingleton<RecallService>();
        services.AddSingleton<AccessRecorder>();
        services.AddHostedService<MemoryMaintenanceService>();
        return services;
    }

    /// <summary>The handoff engine: the summary generator of <c>AgentDesk:Summaries</c>, the queue, its live feed and the hub relaying it.</summary>
    public static IServiceCollection AddHandoffs(this IServiceCollection services, IConfiguration config)
    {
        var summaries = config.GetSection(SummaryOptions.SectionName).Get<SummaryOptions>() ?? new SummaryOptions();
        services.AddSingleton(summaries.Create());
        services.AddSingleton<HandoffNotifier>();
        services.AddSingleton(new HandoffOptions
        {
            ContextRecallDelay = TimeSpan.FromMilliseconds(config.GetValue("AgentDesk:Handoffs:ContextRecallDelayMs", 0)),
        });
        services.AddSingleton<HandoffQueue>();
        services.AddSingleton<ShiftChanges>();
        services.AddSignalR().AddJsonProtocol(json =>
        {
            json.PayloadSerializerOptions.PropertyNamingPolicy = ApiJson.Options.PropertyNamingPolicy;
            json.PayloadSerializerOptions.DefaultIgnoreCondition = ApiJson.Options.DefaultIgnoreCondition;
        });
        // One instance: the hub hands it customers' snapshot requests, which it answers in line with the changes.
        services.AddSingleton<HandoffHubRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<HandoffHubRelay>());
        return services;
    }

    /// <summary>Named cross-channel threads: their store, and the feed of new turns that open thread pages listen to.</summary>
    public static IServiceCollection AddThreads(this IServiceCollection services)
    {
        services.AddSingleton<ThreadNotifier>();
        services.AddSingleton<ThreadStore>();
        return services;
    }

    /// <summary>The desk UI: users and their sign-in (cookie authentication for the pages; the API keeps its keys), roles, lockout, and each tab's desk state.</summary>
    public static IServiceCollection AddDesk(this IServiceCollection services)
    {
        services.AddSingleton<DeskUsers>();
        services.AddScoped<CircuitHandler, AuditCircuitHandler>();
        // SecurityHeaders sends X-Frame-Options: DENY on every answer; the forms' own SAMEORIGIN would contradict it.
        services.AddAntiforgery(antiforgery => antiforgery.SuppressXFrameOptionsHeader = true);
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.LoginPath = "/login";
            cookie.LogoutPath = "/logout";
            cookie.AccessDeniedPath = "/denied";
            cookie.Cookie.Name = "agentdesk.auth";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            // A shift and a half; each request within it slides the window.
            cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
            cookie.SlidingExpiration = true;
        });
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddScoped<DeskState>();
        services.AddScoped<Components.Pages.Shift.ShiftBoardState>();
        return services;
    }

    public static IServiceCollection AddApi(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton(ApiLimits.From(config));
        services.AddSingleton(_ => new ApiRateLimiter(ApiRateLimitOptions.From(config)));
        services.AddSingleton<StartupState>();
        services.AddHostedService<StartupService>();
        // The environment variable wins over configuration files, as operators expect for secrets.
        var rootKey = Environment.GetEnvironmentVariable("AGENTDESK_ROOT_API_KEY") is { Length: > 0 } fromEnv ? fromEnv : config["AgentDesk:RootApiKey"];
        services.AddSingleton(sp => new ApiKeyStore(sp.GetRequiredService<DeskDatabase>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<DeskEvents>(), rootKey));
        services.AddSingleton<AuditLog>();
        services.AddSingleton<ApiKeyUsage>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiKeyUsage>());
        return services;
    }
}

/// <summary>
/// Background upkeep: writes recall access statistics every two seconds (and once more at
/// shutdown), gives vectors to memories stored without one (model down, older data, a new model),
/// refreshes the query planner's statistics as tables grow, and deletes expired memories every
/// minute so counts and the database stay honest.
/// </summary>
public sealed class MemoryMaintenanceService(
    AccessRecorder recorder, MemoryStore memories, SemanticIndex semantic, DeskDatabase database, StartupState startup, IConfiguration config,
    ILogger<MemoryMaintenanceService> logger) : BackgroundService
{
    /// <summary>Tables grow from empty: the planner's statistics are refreshed this often (a sampled ANALYZE, ~30 ms at 1M memories).</summary>
    private static readonly TimeSpan StatisticsEvery = TimeSpan.FromMinutes(10);

    private const int BackfillBatch = 256;
    private static readonly TimeSpan BackfillRetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Two seconds, not half a second: recalls hit the same memories again and again (a handoff summary comes first in
    /// every recall of its agent), so a longer interval rewrites each one once for many hits. Under the mixed load the
    /// flushes were the writer's largest rewrites (slices of 250 memories, each on a page of its own); at 2 s, 60 s:
    /// 3,088 → 3,178 req/s, p95 26.0 → 24.1 ms, store p95 30.8 → 27.9 ms. A crash loses at most these seconds of
    /// statistics; they are not something a client was told is stored.
    /// </summary>
    private static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(2);

    /// <summary><c>AgentDesk:Maintenance:PurgeIntervalSeconds</c>; 0 turns the sweeper off.</summary>
    private readonly TimeSpan _purgeEvery = TimeSpan.FromSeconds(config.GetValue("AgentDesk:Maintenance:PurgeIntervalSeconds", 60));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushEvery);
        var nextPurge = DateTime.UtcNow;
        var nextStatistics = DateTime.UtcNow + StatisticsEvery;
        var backfillPausedUntil = DateTime.MinValue;
        try
        {
            await startup.WhenReady.WaitAsync(stoppingToken);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunAsync("record recall access statistics", () => recorder.FlushAsync(stoppingToken));
                // Back-fill in bounded batches so access statistics keep flowing; a full batch means more is waiting.
                // A failing model is retried after a pause, not twice a second.
                for (var batches = 0; batches < 8 && DateTime.UtcNow >= backfillPausedUntil; batches++)
                {
                    var filled = await RunAsync("compute missing vectors", () => semantic.BackfillAsync(BackfillBatch, stoppingToken));
                    if (filled is null) backfillPausedUntil = DateTime.UtcNow + BackfillRetryAfter;
                    if (filled is not BackfillBatch) break;
                }
                if (DateTime.UtcNow >= nextStatistics)
                {
                    nextStatistics = DateTime.UtcNow + StatisticsEvery;
                    await RunAsync("refresh the planner's statistics", async () =>
                    {
                        await database.RefreshStatisticsAsync(stoppingToken);
                        return 0;
                    });
                }
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

    /// <returns>What the work returned, or null when it failed (logged; a later tick tries again).</returns>
    private async Task<int?> RunAsync(string what, Func<Task<int>> work)
    {
        try { return await work(); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "could not {What}", what);
            return null;
        }
    }
}
