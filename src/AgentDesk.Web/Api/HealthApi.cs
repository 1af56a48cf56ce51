using System.Diagnostics;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Web.Api;

/// <summary>Liveness, readiness (database reachable and migrated) and version; no key needed.</summary>
public static class HealthApi
{
    public static readonly string Version = typeof(HealthApi).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    private static readonly Stopwatch Uptime = Stopwatch.StartNew();

    public static void MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", (IConfiguration config) => ApiJson.Ok(new
        {
            status = "healthy",
            version = Version,
            instance = config["AgentDesk:InstanceName"],
        }));
        app.MapGet("/health/live", () => ApiJson.Ok(new { alive = true, version = Version, uptime_seconds = (long)Uptime.Elapsed.TotalSeconds }));
        app.MapGet("/health/ready", async (HttpContext http, DeskDatabase database, SemanticIndex semantic, StartupState startup) =>
        {
            if (!startup.Ready)
            {
                http.Response.Headers.RetryAfter = "1";
                return Results.Json(new { status = "starting", starting = true, ready = false, reason = startup.Phase }, ApiJson.Options, statusCode: 503);
            }
            try
            {
                var (version, unembedded) = await database.ReadAsync(async c => (
                    await c.ExecuteScalarAsync<long>("SELECT MAX(version) FROM schema_version"),
                    await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM memories WHERE embedding IS NULL")), http.RequestAborted);
                return ApiJson.Ok(new
                {
                    ready = true,
                    version = Version,
                    checks = new
                    {
                        database = new { status = "ok", message = $"{database.Dialect.Name}, schema version {version}" },
                        // Memories without a vector are being back-filled (or the model is failing: see the log).
                        embeddings = semantic.Enabled
                            ? new { status = "ok", message = $"{semantic.ModelId}: {semantic.IndexedCount:N0} vectors indexed, {unembedded:N0} memories waiting for one" }
                            : new { status = "off", message = "no embedding model configured: lexical recall only" },
                    },
                });
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                http.Response.Headers.RetryAfter = "5";
                return Results.Json(new
                {
                    ready = false,
                    version = Version,
                    checks = new { database = new { status = "error", message = e.Message } },
                }, ApiJson.Options, statusCode: 503);
            }
        });
    }
}
