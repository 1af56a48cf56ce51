using System.Globalization;
using System.Text;

namespace AgentDesk.Core.Analytics;

/// <summary>
/// CSV exports (RFC 4180, UTF-8, CRLF). A report is one row per number — <c>metric,key,label,statistic,value</c> —
/// so every figure of the dashboard is there with the drill-down key that lists its cases; a case list is one row
/// per case. Text that a spreadsheet would run as a formula (starting with = + - @) is prefixed with a quote.
/// </summary>
public static class AnalyticsCsv
{
    public const string ReportHeader = "metric,key,label,statistic,value";
    public const string CasesHeader = "handoff_id,session_id,customer_id,queue,reason,at,value,detail";

    public static string Report(HandoffReport report)
    {
        var csv = new StringBuilder().Append(ReportHeader).Append("\r\n");
        void Row(string metric, string key, string label, string statistic, double? value) =>
            Line(csv, [metric, key, label, statistic, value is { } v ? Number(v) : ""]);
        void Counts(string metric, IEnumerable<CountItem> items)
        {
            foreach (var item in items) Row(metric, item.Key, item.Label, "count", item.Count);
        }
        void Rate(string metric, RateFigure rate)
        {
            Row(metric, rate.Key, "all", "count", rate.Count);
            Row(metric, rate.Key, "all", "of", rate.Of);
            Row(metric, rate.Key, "all", "rate", rate.Rate);
        }
        void Spread(string metric, Distribution d)
        {
            Row(metric, d.Key, d.Label, "count", d.Count);
            Row(metric, d.Key, d.Label, "p50", d.P50);
            Row(metric, d.Key, d.Label, "p95", d.P95);
            Row(metric, d.Key, d.Label, "mean", d.Mean);
            Row(metric, d.Key, d.Label, "max", d.Max);
        }

        Row(AnalyticsMetric.Handoffs, AnalyticsMetric.AllKey, "all", "count", report.Handoffs.Total);
        Counts(AnalyticsMetric.Handoffs, report.Handoffs.PerDay.Concat(report.Handoffs.PerQueue).Concat(report.Handoffs.PerReason));
        Rate(AnalyticsMetric.Escalation, report.Escalation);
        foreach (var (metric, figures) in new[] { (AnalyticsMetric.Pickup, report.Pickup), (AnalyticsMetric.RecallLatency, report.RecallLatency) })
            foreach (var d in figures.PerQueue.Prepend(figures.Overall)) Spread(metric, d);
        Rate(AnalyticsMetric.RecallRate, report.RecallRate);
        Rate(AnalyticsMetric.ReExplanation, report.ReExplanation);
        foreach (var d in report.HandleTime.ByReason.Concat(report.HandleTime.ByChainDepth).Prepend(report.HandleTime.Overall)) Spread(AnalyticsMetric.HandleTime, d);
        Spread(AnalyticsMetric.WordCount, report.WordCounts.Overall);
        Counts(AnalyticsMetric.WordCount, report.WordCounts.Histogram);
        Row(AnalyticsMetric.ValidationFailures, report.ValidationFailures.Key, "all", "count", report.ValidationFailures.Count);
        Counts(AnalyticsMetric.ValidationFailures, report.ValidationFailures.ByCode);
        foreach (var share in report.Generators.Shares)
        {
            Row(AnalyticsMetric.Generator, share.Key, share.Label, "count", share.Count);
            Row(AnalyticsMetric.Generator, share.Key, share.Label, "share", share.Share);
        }
        return csv.ToString();
    }

    public static string Cases(CaseList list)
    {
        var csv = new StringBuilder().Append(CasesHeader).Append("\r\n");
        foreach (var c in list.Cases)
            Line(csv, [c.HandoffId ?? "", c.SessionId ?? "", c.CustomerId ?? "", c.Queue ?? "", c.Reason ?? "",
                c.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture), c.Value is { } v ? Number(v) : "", c.Detail ?? ""]);
        return csv.ToString();
    }

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static void Line(StringBuilder csv, IReadOnlyList<string> fields)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0) csv.Append(',');
            csv.Append(Field(fields[i]));
        }
        csv.Append("\r\n");
    }

    /// <summary>One field: quoted when it holds a comma, quote or line break; a leading formula character neutralised.</summary>
    public static string Field(string text)
    {
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            text = "'" + text;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
    }
}
