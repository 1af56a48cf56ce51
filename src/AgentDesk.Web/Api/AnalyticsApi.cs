using AgentDesk.Core;
using AgentDesk.Core.Analytics;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Api;

/// <summary>
/// Handoff analytics (PRODUCT.md, "Analytics"; definitions on <see cref="HandoffAnalytics"/>), scope <c>read</c>:
/// <list type="bullet">
/// <item><c>GET /v1/analytics/handoffs?from=&amp;to=&amp;queue=&amp;format=</c> — the report of [from, to): each bound
/// ISO-8601 or Unix milliseconds, by default the last 7 days, at most 92 days; <c>format=csv</c> gives one row per
/// number (<see cref="AnalyticsCsv"/>).</item>
/// <item><c>GET /v1/analytics/handoffs/cases?metric=&amp;key=&amp;from=&amp;to=&amp;queue=&amp;limit=&amp;format=</c> — the
/// cases behind one number: <c>metric</c> names its section, <c>key</c> (default <c>all</c>) the figure, as the
/// report gives it.</item>
/// </list>
/// Analytics span every agent's cases, so a key restricted to some agents is refused (403). The desk's page, which
/// signs in with a cookie rather than a key, downloads the same CSV from <c>/analytics/export.csv</c> (roles
/// supervisor, manager, admin).
/// </summary>
public static class AnalyticsApi
{
    public const string ExportPath = "/analytics/export.csv";

    public static IServiceCollection AddAnalytics(this IServiceCollection services) =>
        services.AddSingleton<AnalyticsStore>();

    public static void MapAnalyticsApi(this IEndpointRouteBuilder v1)
    {
        var analytics = v1.MapGroup("/analytics/handoffs").RequireScope(Scopes.Read);
        analytics.MapGet("/", (HttpContext http, AnalyticsStore store, TimeProvider time) =>
        {
            RequireUnrestricted(http);
            var query = new QueryArgs(http.Request.Query);
            return ReportAsync(query, Csv(query), store, time, http.RequestAborted);
        });
        analytics.MapGet("/cases", (HttpContext http, AnalyticsStore store, TimeProvider time) =>
        {
            RequireUnrestricted(http);
            var query = new QueryArgs(http.Request.Query);
            return CasesAsync(query, Csv(query), store, time, http.RequestAborted);
        });
    }

    /// <summary>
    /// The page's CSV download, authorised by the desk's sign-in cookie: the report, or with <c>metric</c> (and
    /// <c>key</c>) the cases behind one number. A bad request answers 400 in plain text.
    /// </summary>
    public static void MapAnalyticsExport(this IEndpointRouteBuilder app) =>
        app.MapGet(ExportPath, async (HttpContext http, AnalyticsStore store, TimeProvider time) =>
        {
            var query = new QueryArgs(http.Request.Query);
            try
            {
                return query.String("metric") is null
                    ? await ReportAsync(query, csv: true, store, time, http.RequestAborted)
                    : await CasesAsync(query, csv: true, store, time, http.RequestAborted);
            }
            catch (DeskException e) when (e.Status == StatusCodes.Status400BadRequest)
            {
                return Results.Text(e.Message, "text/plain", statusCode: e.Status);
            }
        }).RequireAuthorization(policy => policy.RequireRole(DeskRoles.AnalyticsViewers.Split(',')));

    private static async Task<IResult> ReportAsync(QueryArgs query, bool csv, AnalyticsStore store, TimeProvider time, CancellationToken ct)
    {
        var window = Window(query, time);
        var report = await store.ReportAsync(window, ct);
        return csv ? CsvFile(AnalyticsCsv.Report(report), window, "handoff-analytics") : ApiJson.Ok(report);
    }

    private static async Task<IResult> CasesAsync(QueryArgs query, bool csv, AnalyticsStore store, TimeProvider time, CancellationToken ct)
    {
        var window = Window(query, time);
        var metric = query.String("metric") ?? throw DeskException.Invalid($"'metric' is required: one of {string.Join(", ", AnalyticsMetric.All)}");
        var cases = await store.CasesAsync(window, metric, query.String("key") ?? AnalyticsMetric.AllKey,
            query.Int("limit", 1, AnalyticsStore.MaxCases) ?? 1_000, ct);
        return csv ? CsvFile(AnalyticsCsv.Cases(cases), window, $"handoff-cases-{metric}") : ApiJson.Ok(cases);
    }

    private static AnalyticsWindow Window(QueryArgs query, TimeProvider time) =>
        AnalyticsWindow.Parse(query.String("from"), query.String("to"), query.String("queue"), time.GetUtcNow());

    private static bool Csv(QueryArgs query) => query.String("format") switch
    {
        null or "json" => false,
        "csv" => true,
        var other => throw DeskException.Invalid($"'format' must be json or csv, not '{other}'"),
    };

    private static IResult CsvFile(string csv, AnalyticsWindow window, string name) =>
        Results.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8",
            $"{name}-{window.From.UtcDateTime:yyyyMMdd'T'HHmm}-{window.To.UtcDateTime:yyyyMMdd'T'HHmm}.csv");

    private static void RequireUnrestricted(HttpContext http) =>
        http.Caller().EnsureUnrestricted("analytics span every agent's cases: use a key that is not restricted to agents");
}
