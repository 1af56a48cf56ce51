namespace AgentDesk.Core.Analytics;

/// <summary>
/// The handoff analytics of one window (PRODUCT.md, "Analytics"). Every figure carries the drill-down
/// <c>key</c> that, with its section's metric (<see cref="AnalyticsMetric"/>), lists the cases behind it.
/// </summary>
public sealed record HandoffReport(
    AnalyticsWindow Window,
    HandoffCounts Handoffs,
    RateFigure Escalation,
    LatencyFigures Pickup,
    LatencyFigures RecallLatency,
    RateFigure RecallRate,
    RateFigure ReExplanation,
    HandleTimeFigures HandleTime,
    WordCountFigures WordCounts,
    FailureFigures ValidationFailures,
    GeneratorFigures Generators);

/// <summary>A count of one group (a day, a queue, a reason, a code, a bucket).</summary>
public sealed record CountItem(string Key, string Label, int Count);

/// <summary>Handoffs created in the window: all, per UTC day (every day of the window, zeros included), per queue, per reason.</summary>
public sealed record HandoffCounts(int Total, IReadOnlyList<CountItem> PerDay, IReadOnlyList<CountItem> PerQueue, IReadOnlyList<CountItem> PerReason);

/// <summary><see cref="Count"/> of <see cref="Of"/>; <see cref="Rate"/> is null when nothing was there to count.</summary>
public sealed record RateFigure(string Key, int Count, int Of)
{
    public double? Rate => Of == 0 ? null : (double)Count / Of;
}

/// <summary>
/// A distribution of values (milliseconds or words) over <see cref="Count"/> cases; percentiles are nearest-rank
/// (<see cref="HandoffAnalytics.Percentile"/>); all null when there are no cases.
/// </summary>
public sealed record Distribution(string Key, string Label, int Count, double? P50, double? P95, double? Mean, double? Max);

/// <summary>A latency overall and per queue.</summary>
public sealed record LatencyFigures(Distribution Overall, IReadOnlyList<Distribution> PerQueue);

/// <summary>Handle time after handoff overall, by escalation reason and by chain depth.</summary>
public sealed record HandleTimeFigures(Distribution Overall, IReadOnlyList<Distribution> ByReason, IReadOnlyList<Distribution> ByChainDepth);

/// <summary>Summary word counts, and how many summaries fell in each 50-word bucket (every bucket listed).</summary>
public sealed record WordCountFigures(Distribution Overall, IReadOnlyList<CountItem> Histogram);

/// <summary>Summaries refused by validation; a refusal with several failed checks counts once in all and once per code.</summary>
public sealed record FailureFigures(string Key, int Count, IReadOnlyList<CountItem> ByCode);

/// <summary>One generator's share of the window's handoffs (null when there are none).</summary>
public sealed record ShareItem(string Key, string Label, int Count, double? Share);

/// <summary>Who wrote the summaries: the LLM, the extractive composer after the LLM failed, the composer alone, the caller.</summary>
public sealed record GeneratorFigures(int Total, IReadOnlyList<ShareItem> Shares);

/// <summary>One case behind a number: a handoff (or, for a validation failure, the refused source session) and its value.</summary>
/// <param name="Value">The case's value for the metric: milliseconds, words, or 1/0 for a rate's yes/no.</param>
/// <param name="Detail">What the value means for this case where a number does not say it (status, generator, failed codes).</param>
public sealed record AnalyticsCase(
    string? HandoffId, string? SessionId, string? CustomerId, string? Queue, string? Reason, long AtMs, double? Value, string? Detail)
{
    public DateTimeOffset At => DateTimeOffset.FromUnixTimeMilliseconds(AtMs);
}

/// <summary>The cases behind one number: <see cref="Total"/> of them, the first <see cref="Cases"/> (largest value first).</summary>
public sealed record CaseList(string Metric, string Key, AnalyticsWindow Window, int Total, IReadOnlyList<AnalyticsCase> Cases);
