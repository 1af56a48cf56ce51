using AgentDesk.Core;
using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Storage;
using AgentDesk.Web.Api;
using AgentDesk.Web.Auth;
using AgentDesk.Web.Demo;

namespace AgentDesk.Web;

/// <summary>
/// Where start-up stands. The server listens at once; until the database is migrated (and demo data
/// seeded) readiness answers 503 and API calls 503 SERVICE_UNAVAILABLE with Retry-After.
/// </summary>
public sealed class StartupState
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Ready => _ready.Task.IsCompletedSuccessfully;
    public string Phase { get; internal set; } = "applying migrations";

    /// <summary>Completes when start-up is done; faults when it failed.</summary>
    public Task WhenReady => _ready.Task;

    public void MarkReady()
    {
        Phase = "ready";
        _ready.TrySetResult();
    }

    public void MarkFailed(Exception error)
    {
        Phase = $"start-up failed: {error.Message}";
        _ready.TrySetException(error);
    }
}

/// <summary>
/// Migrates the database, loads the stored vectors into the vector index and seeds demo data in the
/// background, then marks the host ready (recall must not answer from a half-loaded index).
/// </summary>
public sealed class StartupService(
    Migrator migrator, DeskDatabase database, SemanticIndex semantic, HandoffQueue handoffs, DemoData demo, DeskUsers users, IConfiguration config,
    StartupState state, IHostApplicationLifetime lifetime, ILogger<StartupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host go on to start the server: SQLite work below would otherwise run synchronously here.
        await Task.Yield();
        try
        {
            var applied = await migrator.MigrateAsync(stoppingToken);
            if (database.Dialect is SqliteDialect) logger.LogInformation("SQLite runs on {Library}", SqliteLibrary.Description);
            if (applied.Count > 0) logger.LogInformation("Applied migrations {Versions}", string.Join(", ", applied));
            await database.RefreshStatisticsAsync(stoppingToken);
            state.Phase = "loading vectors";
            var started = TimeProvider.System.GetTimestamp();
            if (await semantic.ForgetOtherModelsAsync(stoppingToken) is > 0 and var cleared)
                logger.LogWarning("The embedding model is now {Model}: {Count} vectors of another model will be recomputed in the background", semantic.ModelId, cleared);
            await semantic.CatchUpAsync(stoppingToken);
            if (semantic.Enabled)
                logger.LogInformation("Loaded {Count} vectors ({Model}) in {Ms:F0} ms", semantic.IndexedCount, semantic.ModelId, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
            state.Phase = "completing pending handoffs";
            var pending = await handoffs.CompletePendingAsync(stoppingToken);
            if (pending.Completed > 0)
                logger.LogWarning("Completed {Count} handoffs a crash left between storing the summary and queueing the case", pending.Completed);
            foreach (var (id, error) in pending.Failed)
                logger.LogError("Handoff {Id} was left pending by a crash and cannot be queued: {Error}", id, error);
            state.Phase = "seeding demo data";
            await demo.SeedIfEnabledAsync(stoppingToken);
            if (await users.EnsureAdminAsync(config["AgentDesk:Auth:AdminUser"], config["AgentDesk:Auth:AdminPassword"], stoppingToken))
                logger.LogInformation("Created the administrator {User} from AgentDesk:Auth", config["AgentDesk:Auth:AdminUser"]);
            state.MarkReady();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        catch (Exception e)
        {
            // A host that cannot migrate must not serve: say why, then stop so a supervisor restarts it.
            logger.LogCritical(e, "Start-up failed; stopping");
            state.MarkFailed(e);
            lifetime.StopApplication();
        }
    }
}

/// <summary>Answers API calls with 503 SERVICE_UNAVAILABLE until start-up is done.</summary>
public sealed class StartupGateMiddleware(RequestDelegate next, StartupState state)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (state.Ready) return next(context);
        context.Response.Headers.RetryAfter = "1";
        return ApiJson.WriteErrorAsync(context, new DeskException("SERVICE_UNAVAILABLE", 503, $"the server is starting ({state.Phase}); retry shortly"));
    }
}
