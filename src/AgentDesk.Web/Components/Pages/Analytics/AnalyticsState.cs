using System.Globalization;
using AgentDesk.Core;
using AgentDesk.Core.Analytics;
using AgentDesk.Web.Api;

namespace AgentDesk.Web.Components.Pages.Analytics;

/// <summary>The time ranges the page offers; <see cref="Custom"/> takes the from/to the user picked.</summary>
public enum RangePreset
{
    Today,
    Week,
    Month,
    Custom,
}

/// <summary>One bar or slice of a chart: the figure's drill-down key, its label and its value (seconds, counts, words).</summary>
public sealed record ChartPoint(string Metric, string Key, string Label, double Value);

/// <summary>
/// The analytics dashboard of one browser tab: the chosen window and queue, the report computed for it, the chart
/// series drawn from it, and the cases of the number the user drilled into. The page only renders this.
/// </summary>
public sealed class AnalyticsState(AnalyticsStore store, TimeProvider time)
{
    public const int DrillLimit = 500;

    public RangePreset Preset { get; private set; } = RangePreset.Week;
    public DateTime? CustomFrom { get; set; }
    public DateTime? CustomTo { get; set; }
    public string? Queue { get; set; }
    public AnalyticsWindow? Window { get; private set; }
    public HandoffReport? Report { get; private set; }
    public bool Loading { get; private set; }
    public string? Error { get; private set; }

    /// <summary>The queues the filter offers: those of the last unfiltered report, and the chosen one.</summary>
    public IReadOnlyList<string> Queues { get; private set; } = [];

    public CaseList? Drill { get; private set; }
    public string? DrillTitle { get; private set; }
    public bool DrillLoading { get; private set; }

    public async Task SelectAsync(RangePreset preset)
    {
        Preset = preset;
        if (preset != RangePreset.Custom) await LoadAsync();
    }

    /// <summary>Computes the report for the chosen range; a range the store refuses shows its message instead.</summary>
    public async Task LoadAsync()
    {
        Loading = true;
        Error = null;
        Drill = null;
        try
        {
            Window = ChosenWindow();
            Report = await store.ReportAsync(Window);
            if (Queue is null) Queues = Report.Handoffs.PerQueue.Select(q => q.Label).Order(StringComparer.Ordinal).ToList();
        }
        catch (DeskException e)
        {
            Error = e.Message;
            Report = null;
        }
        finally
        {
            Loading = false;
        }
    }

    /// <summary>Lists the cases behind one number of the report on screen (<paramref name="label"/> names its group).</summary>
    public async Task DrillAsync(string metric, string key, string label)
    {
        if (Window is null) return;
        DrillTitle = key == AnalyticsMetric.AllKey ? Title(metric) : $"{Title(metric)} — {label}";
        DrillLoading = true;
        try
        {
            Drill = await store.CasesAsync(Window, metric, key, DrillLimit);
        }
        finally
        {
            DrillLoading = false;
        }
    }

    public void CloseDrill() => Drill = null;

    public static string Title(string metric) => metric switch
    {
        AnalyticsMetric.Handoffs => "Handoffs",
        AnalyticsMetric.Escalation => "Bot sessions that ended in a handoff",
        AnalyticsMetric.Pickup => "Time to pick-up",
        AnalyticsMetric.RecallLatency => "Context recall latency",
        AnalyticsMetric.RecallRate => "Context recall on pick-up",
        AnalyticsMetric.ReExplanation => "Did the customer repeat themselves?",
        AnalyticsMetric.HandleTime => "Handle time after handoff",
        AnalyticsMetric.WordCount => "Summary word counts",
        AnalyticsMetric.ValidationFailures => "Summaries refused by validation",
        AnalyticsMetric.Generator => "Who wrote the summary",
        _ => metric,
    };

    /// <summary>A case's value as the metric means it: a duration, a word count, yes/no, or nothing.</summary>
    public static string CaseValue(string metric, double? value) => metric switch
    {
        _ when value is null => "",
        AnalyticsMetric.Pickup or AnalyticsMetric.RecallLatency or AnalyticsMetric.HandleTime => Duration(value),
        AnalyticsMetric.WordCount => $"{value:0} words",
        AnalyticsMetric.RecallRate or AnalyticsMetric.ReExplanation => value == 1 ? "yes" : "no",
        _ => value.Value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The CSV of the cases on screen.</summary>
    public string? DrillExportUrl => Drill is { } d
        ? $"{ExportUrl}{(ExportUrl.Contains('?') ? '&' : '?')}metric={d.Metric}&key={Uri.EscapeDataString(d.Key)}" : null;

    /// <summary>The cookie-authorised CSV of what is on screen (<see cref="AnalyticsApi.ExportPath"/>).</summary>
    public string ExportUrl => Window is null ? AnalyticsApi.ExportPath.TrimStart('/')
        : AnalyticsApi.ExportPath.TrimStart('/') + $"?from={Window.FromMs}&to={Window.ToMs}" + (Queue is null ? "" : $"&queue={Uri.EscapeDataString(Queue)}");

    private AnalyticsWindow ChosenWindow()
    {
        var now = time.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return Preset switch
        {
            RangePreset.Today => AnalyticsWindow.Parse(Ms(today), Ms(now), Queue, now),
            RangePreset.Month => AnalyticsWindow.Parse(Ms(now.AddDays(-30)), Ms(now), Queue, now),
            RangePreset.Custom => AnalyticsWindow.Parse(
                CustomFrom is { } f ? Ms(new DateTimeOffset(DateTime.SpecifyKind(f.Date, DateTimeKind.Utc))) : null,
                // The custom "to" day is included: the window ends at the midnight after it.
                CustomTo is { } t ? Ms(new DateTimeOffset(DateTime.SpecifyKind(t.Date.AddDays(1), DateTimeKind.Utc))) : null, Queue, now),
            _ => AnalyticsWindow.Parse(Ms(now.AddDays(-7)), Ms(now), Queue, now),
        };
    }

    private static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    // Chart series, in seconds for durations so axes read naturally.
    public IReadOnlyList<ChartPoint> PerDay => Points(AnalyticsMetric.Handoffs, Report?.Handoffs.PerDay);
    public IReadOnlyList<ChartPoint> PerQueue => Points(AnalyticsMetric.Handoffs, Report?.Handoffs.PerQueue);
    public IReadOnlyList<ChartPoint> PerReason => Points(AnalyticsMetric.Handoffs, Report?.Handoffs.PerReason);
    public IReadOnlyList<ChartPoint> WordHistogram => Points(AnalyticsMetric.WordCount, Report?.WordCounts.Histogram);

    public IReadOnlyList<ChartPoint> Generators =>
        Report?.Generators.Shares.Where(s => s.Count > 0).Select(s => new ChartPoint(AnalyticsMetric.Generator, s.Key, s.Label, s.Count)).ToList() ?? [];

    public static IReadOnlyList<ChartPoint> Seconds(string metric, IEnumerable<Distribution>? figures, Func<Distribution, double?> statistic) =>
        figures?.Where(d => statistic(d) is not null).Select(d => new ChartPoint(metric, d.Key, d.Label, statistic(d)!.Value / 1000)).ToList() ?? [];

    private static List<ChartPoint> Points(string metric, IEnumerable<CountItem>? items) =>
        items?.Select(i => new ChartPoint(metric, i.Key, i.Label, i.Count)).ToList() ?? [];

    /// <summary>A duration in milliseconds as people read it: "850 ms", "42 s", "3.5 min", "1.2 h"; "—" for none.</summary>
    public static string Duration(double? ms) => ms switch
    {
        null => "—",
        < 1_000 => $"{ms.Value.ToString("0", CultureInfo.InvariantCulture)} ms",
        < 60_000 => $"{(ms.Value / 1_000).ToString("0.#", CultureInfo.InvariantCulture)} s",
        < 3_600_000 => $"{(ms.Value / 60_000).ToString("0.#", CultureInfo.InvariantCulture)} min",
        _ => $"{(ms.Value / 3_600_000).ToString("0.#", CultureInfo.InvariantCulture)} h",
    };

    public static string Percent(RateFigure rate) =>
        rate.Rate is { } r ? $"{(r * 100).ToString("0.#", CultureInfo.InvariantCulture)} %" : "—";
}
