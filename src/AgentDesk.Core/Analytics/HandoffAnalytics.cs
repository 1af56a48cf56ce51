using System.Globalization;
using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Analytics;

/// <summary>
/// The metrics and drill-down keys. A drill-down is (metric, key): <c>all</c>, or <c>dimension:value</c> —
/// <c>day:2026-03-02</c>, <c>queue:billing</c>, <c>reason:refund</c>, <c>depth:1</c>, <c>bucket:50</c>,
/// <c>code:MISSING_USER_GOAL</c>, <c>generator:llm_fallback</c> — exactly the <c>key</c> each figure of a
/// <see cref="HandoffReport"/> carries.
/// </summary>
public static class AnalyticsMetric
{
    /// <summary>Handoffs created in the window (keys: all, day, queue, reason).</summary>
    public const string Handoffs = "handoffs";

    /// <summary>Bot sessions started in the window that ended in a handoff (key: all).</summary>
    public const string Escalation = "escalation";

    /// <summary>Time to pick-up, queued → claimed, of the claimed handoffs (keys: all, queue).</summary>
    public const string Pickup = "pickup";

    /// <summary>Context recall latency, claimed → recall done, of the handoffs whose recall completed (keys: all, queue).</summary>
    public const string RecallLatency = "recall_latency";

    /// <summary>Picked-up (claimed) handoffs, 1 when their summary was recalled first on pick-up (keys: all, queue).</summary>
    public const string RecallRate = "recall_rate";

    /// <summary>Resolved handoffs whose agent answered the question, 1 when the customer repeated themselves (key: all).</summary>
    public const string ReExplanation = "re_explanation";

    /// <summary>Handle time after handoff, connected → resolved (keys: all, reason, depth).</summary>
    public const string HandleTime = "handle_time";

    /// <summary>Summary word counts (keys: all, bucket).</summary>
    public const string WordCount = "word_count";

    /// <summary>Summaries refused by validation (keys: all, code).</summary>
    public const string ValidationFailures = "validation_failures";

    /// <summary>Who wrote the summary (keys: all, generator).</summary>
    public const string Generator = "generator";

    public static readonly IReadOnlyList<string> All =
        [Handoffs, Escalation, Pickup, RecallLatency, RecallRate, ReExplanation, HandleTime, WordCount, ValidationFailures, Generator];

    public const string AllKey = "all";

    /// <summary>The dimensions each metric may be drilled by (besides <see cref="AllKey"/>).</summary>
    public static IReadOnlyList<string> Dimensions(string metric) => metric switch
    {
        Handoffs => ["day", "queue", "reason"],
        Pickup or RecallLatency or RecallRate => ["queue"],
        HandleTime => ["reason", "depth"],
        WordCount => ["bucket"],
        ValidationFailures => ["code"],
        Generator => ["generator"],
        _ => [],
    };
}

/// <summary>The summary generators as analytics tell them apart (from the recorded generator and model attempts).</summary>
public static class GeneratorKind
{
    public const string Llm = "llm";

    /// <summary>The LLM was asked (model attempts recorded) but the extractive composer wrote the summary.</summary>
    public const string LlmFallback = "llm_fallback";
    public const string Extractive = "extractive";
    public const string Caller = "caller";

    public static readonly IReadOnlyList<string> All = [Llm, LlmFallback, Extractive, Caller];

    public static string Of(string generator, int modelAttempts) => generator switch
    {
        SummaryDraft.Llm => Llm,
        SummaryDraft.Extractive when modelAttempts > 0 => LlmFallback,
        _ => generator,
    };

    public static string Label(string kind) => kind switch
    {
        Llm => "LLM",
        LlmFallback => "LLM, fell back to extractive",
        Extractive => "Extractive",
        Caller => "Caller-written",
        _ => kind,
    };
}

/// <summary>
/// The handoff analytics as a pure function of what was recorded: the window's handoff facts, its refused
/// summaries and its bot-session counts in, a <see cref="HandoffReport"/> out; and the cases behind any one of
/// its numbers. Definitions (every one over the handoffs created in the window):
/// <list type="bullet">
/// <item>Escalation rate per bot session: of the bot sessions started in the window — sessions that do not continue
/// a handoff (no <c>handoff_from</c> in their metadata, which a desk claim writes) — the share the handoff engine ended
/// with a handoff (its <c>handoff_id</c> link in their metadata); with a queue filter, a handoff into that queue.</item>
/// <item>Time to pick-up: claimed_at − queued_at, over claimed handoffs.</item>
/// <item>Context recall latency: recall_done_at − claimed_at, over handoffs whose recall completed.</item>
/// <item>Context recall rate: of the claimed (picked-up) handoffs, the share whose summary came first in the recall
/// on pick-up; one claimed but never recalled counts as not recalled.</item>
/// <item>Re-explanation rate: of the resolved handoffs where the agent answered "did the customer repeat
/// themselves?", the share answered yes.</item>
/// <item>Handle time after handoff: resolved_at − connected_at, over resolved handoffs that were connected.</item>
/// <item>Word counts: over every handoff's stored summary; histogram in 50-word buckets, the last open-ended.</item>
/// <item>Validation failures: refused summaries (no handoff was made) in the window; not filtered by queue, since a
/// refusal records none.</item>
/// <item>Generator share: each <see cref="GeneratorKind"/>'s count over all handoffs.</item>
/// </list>
/// Percentiles are nearest-rank (<see cref="Percentile"/>); a rate or a percentile over nothing is null.
/// </summary>
public static class HandoffAnalytics
{
    public const int WordBucket = 50;
    public const int WordBuckets = 6;

    /// <summary>Nearest-rank percentile of ascending <paramref name="sorted"/>: the value at rank ⌈p/100 · n⌉; null when empty.</summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (p is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(p));
        if (sorted.Count == 0) return null;
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    public static HandoffReport Compute(AnalyticsWindow window, IReadOnlyList<HandoffFact> handoffs, IReadOnlyList<RejectionFact> rejections, BotSessionCounts bots)
    {
        var tally = new HandoffTally();
        foreach (var handoff in handoffs) tally.Add(handoff);
        return tally.Build(window, rejections, bots);
    }

    /// <summary>
    /// The cases behind the number (<paramref name="metric"/>, <paramref name="key"/>) of the report over the same
    /// facts, largest value first (then oldest, then id). Escalation's cases come from the store (they are sessions).
    /// Throws a 400 for a metric or key the report has no number for.
    /// </summary>
    public static IReadOnlyList<AnalyticsCase> Cases(string metric, string key, IReadOnlyList<HandoffFact> handoffs, IReadOnlyList<RejectionFact> rejections)
    {
        var (dimension, value) = ParseKey(metric, key);
        if (metric == AnalyticsMetric.ValidationFailures)
            return rejections.Where(r => dimension is null || r.Codes.Contains(value))
                .Select(r => new AnalyticsCase(null, r.SourceSessionId, null, null, null, r.AtMs, null, string.Join(", ", r.Codes)))
                .OrderBy(c => c.AtMs).ThenBy(c => c.SessionId, StringComparer.Ordinal).ToList();

        Func<HandoffFact, bool> inGroup = dimension switch
        {
            null => _ => true,
            "day" => h => DayLabel(DayNumber(h.CreatedAtMs)) == value,
            "queue" => h => h.Queue == value,
            "reason" => h => h.Reason == value,
            "depth" => h => h.ChainDepth.ToString(CultureInfo.InvariantCulture) == value,
            "bucket" => h => Bucket(h.WordCount).ToString(CultureInfo.InvariantCulture) == value,
            "generator" => h => Generator(h) == value,
            _ => throw new InvalidOperationException($"no dimension '{dimension}'"),
        };
        return handoffs.Where(inGroup)
            .Select(h => (h, v: CaseValue(metric, h)))
            .Where(x => x.v.Counted)
            .Select(x => new AnalyticsCase(x.h.Id, null, x.h.CustomerId, x.h.Queue, x.h.Reason, x.h.CreatedAtMs, x.v.Value, x.v.Detail))
            .OrderByDescending(c => c.Value ?? double.MinValue).ThenBy(c => c.AtMs).ThenBy(c => c.HandoffId, StringComparer.Ordinal).ToList();
    }

    /// <summary>Splits a drill-down key into its dimension (null for <c>all</c>) and value; a 400 when the metric has no such number.</summary>
    public static (string? Dimension, string Value) ParseKey(string metric, string key)
    {
        if (!AnalyticsMetric.All.Contains(metric))
            throw DeskException.Invalid($"'metric' must be one of {string.Join(", ", AnalyticsMetric.All)}, not '{metric}'");
        if (key == AnalyticsMetric.AllKey) return (null, "");
        var colon = key.IndexOf(':');
        var dimensions = AnalyticsMetric.Dimensions(metric);
        if (colon <= 0 || !dimensions.Contains(key[..colon]))
            throw DeskException.Invalid($"'key' for metric '{metric}' must be 'all'{string.Concat(dimensions.Select(d => $" or '{d}:<value>'"))}, not '{key}'");
        return (key[..colon], key[(colon + 1)..]);
    }

    /// <summary>Whether a handoff is one of the metric's cases, and its value there.</summary>
    internal static (bool Counted, double? Value, string? Detail) CaseValue(string metric, HandoffFact h) => metric switch
    {
        AnalyticsMetric.Handoffs => (true, null, h.Status),
        AnalyticsMetric.Pickup => Span(h.QueuedAtMs, h.ClaimedAtMs),
        AnalyticsMetric.RecallLatency => Span(h.ClaimedAtMs, h.RecallDoneAtMs),
        AnalyticsMetric.RecallRate => h.ClaimedAtMs is null ? (false, null, null)
            : (true, h.SummaryRecalled == true ? 1 : 0, h.SummaryRecalled switch { true => "summary recalled first", false => "summary not first", null => "no recall recorded" }),
        AnalyticsMetric.ReExplanation => h.ResolvedAtMs is null || h.CustomerRepeated is not { } repeated ? (false, null, null)
            : (true, repeated ? 1 : 0, repeated ? "customer repeated themselves" : "customer did not repeat themselves"),
        AnalyticsMetric.HandleTime => h.ResolvedAtMs is null ? (false, null, null) : Span(h.ConnectedAtMs, h.ResolvedAtMs),
        AnalyticsMetric.WordCount => (true, h.WordCount, null),
        AnalyticsMetric.Generator => (true, null, GeneratorKind.Label(Generator(h))),
        _ => throw DeskException.Invalid($"metric '{metric}' has no handoff cases"),
    };

    private static (bool, double?, string?) Span(long? start, long? end) => start is { } s && end is { } e ? (true, e - s, null) : (false, null, null);

    internal static Distribution Distribution(string key, string label, IReadOnlyList<double> sorted)
    {
        var sum = 0.0;
        foreach (var value in sorted) sum += value;
        return new Distribution(key, label, sorted.Count, Percentile(sorted, 50), Percentile(sorted, 95),
            sorted.Count == 0 ? null : sum / sorted.Count, sorted.Count == 0 ? null : sorted[^1]);
    }

    private const long DayMs = 86_400_000;

    /// <summary>The UTC days the window touches, as day numbers since the Unix epoch.</summary>
    internal static IEnumerable<long> Days(AnalyticsWindow window)
    {
        for (var day = DayNumber(window.FromMs); day <= DayNumber(window.ToMs - 1); day++) yield return day;
    }

    internal static long DayNumber(long atMs) => (long)Math.Floor(atMs / (double)DayMs);

    internal static string DayLabel(long day) => DateTimeOffset.FromUnixTimeMilliseconds(day * DayMs).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static int Bucket(int words) => Math.Min(words / WordBucket, WordBuckets - 1) * WordBucket;

    internal static string Generator(HandoffFact h) => GeneratorKind.Of(h.Generator, h.ModelAttempts);

    internal static string DepthLabel(int depth) => depth == 0 ? "first handoff" : $"{depth} earlier";

    internal static string Key(string dimension, string value) => $"{dimension}:{value}";
}
