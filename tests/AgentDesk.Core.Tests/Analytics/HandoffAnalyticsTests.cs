using AgentDesk.Core.Analytics;

namespace AgentDesk.Core.Tests.Analytics;

/// <summary>
/// The pure aggregation over a hand-built set of five handoffs over two UTC days, two refused summaries and six bot
/// sessions; every expected figure below is computed by hand in the comments.
/// </summary>
public sealed class HandoffAnalyticsTests
{
    private static readonly long T0 = DateTimeOffset.Parse("2026-03-02T00:00:00Z").ToUnixTimeMilliseconds();
    private const long Hour = 3_600_000;
    private const long Day = 24 * Hour;
    private static readonly AnalyticsWindow Window = new(T0, T0 + 2 * Day);

    private static HandoffFact Fact(string id, string queue, string reason, long created, string generator = "extractive", int attempts = 0, int words = 100,
        int depth = 0, long? claimAfter = null, long? recallAfter = null, bool? recalled = null, long? handle = null, bool? repeated = null)
    {
        var claimed = created + claimAfter;
        var connected = recallAfter is null ? null : claimed + recallAfter + 1_000;
        return new HandoffFact
        {
            Id = id,
            CustomerId = $"cust-{id}",
            Queue = queue,
            Reason = reason,
            ChainDepth = depth,
            Status = handle is not null ? "resolved" : claimAfter is not null ? "claimed" : "queued",
            Generator = generator,
            ModelAttempts = attempts,
            WordCount = words,
            CreatedAtMs = created,
            QueuedAtMs = created,
            ClaimedAtMs = claimed,
            RecallDoneAtMs = claimed + recallAfter,
            SummaryRecalled = recalled,
            ConnectedAtMs = handle is null ? null : connected,
            ResolvedAtMs = connected + handle,
            CustomerRepeated = repeated,
        };
    }

    private static readonly HandoffFact[] Handoffs =
    [
        Fact("h1", "billing", "refund", T0 + Hour, words: 120, claimAfter: 10_000, recallAfter: 2_000, recalled: true, handle: 300_000, repeated: false),
        Fact("h2", "billing", "refund", T0 + 2 * Hour, "llm", 1, words: 200, claimAfter: 30_000, recallAfter: 4_000, recalled: false, handle: 600_000, repeated: true),
        Fact("h3", "tech", "outage", T0 + Day + Hour, "extractive", 2, words: 49, depth: 1, claimAfter: 20_000, recallAfter: 1_000, recalled: true, handle: 900_000),
        Fact("h4", "tech", "outage", T0 + Day + 2 * Hour, "caller", words: 300, claimAfter: 40_000),
        Fact("h5", "billing", "refund", T0 + Day + 3 * Hour, words: 50),
    ];

    private static readonly RejectionFact[] Rejections =
    [
        new(T0 + 5 * Hour, "sess-r1", ["MISSING_USER_GOAL", "MISSING_SITUATION"]),
        new(T0 + 6 * Hour, "sess-r2", ["MISSING_USER_GOAL"]),
    ];

    private static HandoffReport Report() => HandoffAnalytics.Compute(Window, Handoffs, Rejections, new BotSessionCounts(6, 4));

    [Fact]
    public void Compute_CountsHandoffsPerDayQueueAndReason()
    {
        var counts = Report().Handoffs;

        Assert.Equal(5, counts.Total);
        Assert.Equal([("day:2026-03-02", 2), ("day:2026-03-03", 3)], counts.PerDay.Select(d => (d.Key, d.Count)));
        Assert.Equal([("queue:billing", 3), ("queue:tech", 2)], counts.PerQueue.Select(d => (d.Key, d.Count)));
        Assert.Equal([("reason:refund", 3), ("reason:outage", 2)], counts.PerReason.Select(d => (d.Key, d.Count)));
    }

    [Fact]
    public void Compute_EscalationRate_IsEscalatedBotSessionsOverBotSessions()
    {
        var escalation = Report().Escalation;

        Assert.Equal((4, 6), (escalation.Count, escalation.Of));
        Assert.Equal(4 / 6.0, escalation.Rate);
    }

    [Fact]
    public void Compute_PickupAndRecallLatency_NearestRankPercentilesOverallAndPerQueue()
    {
        var report = Report();

        // Pick-up: 10 s, 30 s, 20 s, 40 s → sorted 10, 20, 30, 40: p50 = rank 2, p95 = rank 4.
        Assert.Equal(new Distribution("all", "all", 4, 20_000, 40_000, 25_000, 40_000), report.Pickup.Overall);
        Assert.Equal(
            [new Distribution("queue:billing", "billing", 2, 10_000, 30_000, 20_000, 30_000), new Distribution("queue:tech", "tech", 2, 20_000, 40_000, 30_000, 40_000)],
            report.Pickup.PerQueue);
        // Recall: 2 s, 4 s, 1 s (h4 never recalled) → p50 = rank 2 of 3, p95 = rank 3.
        Assert.Equal(new Distribution("all", "all", 3, 2_000, 4_000, 7_000 / 3.0, 4_000), report.RecallLatency.Overall);
        Assert.Equal(
            [new Distribution("queue:billing", "billing", 2, 2_000, 4_000, 3_000, 4_000), new Distribution("queue:tech", "tech", 1, 1_000, 1_000, 1_000, 1_000)],
            report.RecallLatency.PerQueue);
    }

    [Fact]
    public void Compute_RecallRate_CountsEveryClaimedHandoff_NeverRecalledAsNotRecalled()
    {
        var rate = Report().RecallRate;

        // Claimed: h1 (recalled), h2 (summary not first), h3 (recalled), h4 (no recall yet).
        Assert.Equal((2, 4, 0.5), (rate.Count, rate.Of, rate.Rate));
    }

    [Fact]
    public void Compute_ReExplanationRate_IsOverResolvedHandoffsWithAnAnswer()
    {
        var rate = Report().ReExplanation;

        // Resolved: h1 (no), h2 (yes), h3 (not answered: left out).
        Assert.Equal((1, 2, 0.5), (rate.Count, rate.Of, rate.Rate));
    }

    [Fact]
    public void Compute_HandleTime_ByReasonAndByChainDepth()
    {
        var handle = Report().HandleTime;

        Assert.Equal(new Distribution("all", "all", 3, 600_000, 900_000, 600_000, 900_000), handle.Overall);
        Assert.Equal(
            [new Distribution("reason:outage", "outage", 1, 900_000, 900_000, 900_000, 900_000), new Distribution("reason:refund", "refund", 2, 300_000, 600_000, 450_000, 600_000)],
            handle.ByReason);
        Assert.Equal(
            [new Distribution("depth:0", "first handoff", 2, 300_000, 600_000, 450_000, 600_000), new Distribution("depth:1", "1 earlier", 1, 900_000, 900_000, 900_000, 900_000)],
            handle.ByChainDepth);
    }

    [Fact]
    public void Compute_WordCounts_StatisticsAndEveryFiftyWordBucket()
    {
        var words = Report().WordCounts;

        // 49, 50, 120, 200, 300: mean 719 / 5, p50 = rank 3, p95 = rank 5.
        Assert.Equal(new Distribution("all", "all", 5, 120, 300, 143.8, 300), words.Overall);
        Assert.Equal(
            [("bucket:0", "0–49", 1), ("bucket:50", "50–99", 1), ("bucket:100", "100–149", 1), ("bucket:150", "150–199", 0), ("bucket:200", "200–249", 1), ("bucket:250", "250+", 1)],
            words.Histogram.Select(b => (b.Key, b.Label, b.Count)));
    }

    [Fact]
    public void Compute_ValidationFailures_CountEachRefusalOnceAndOncePerCode()
    {
        var failures = Report().ValidationFailures;

        Assert.Equal(2, failures.Count);
        Assert.Equal([("code:MISSING_USER_GOAL", 2), ("code:MISSING_SITUATION", 1)], failures.ByCode.Select(c => (c.Key, c.Count)));
    }

    [Fact]
    public void Compute_GeneratorShare_TellsTheLlmFallbackFromPlainExtractive()
    {
        var shares = Report().Generators;

        Assert.Equal(5, shares.Total);
        Assert.Equal(
            [("generator:llm", 1, 0.2), ("generator:llm_fallback", 1, 0.2), ("generator:extractive", 2, 0.4), ("generator:caller", 1, 0.2)],
            shares.Shares.Select(s => (s.Key, s.Count, s.Share!.Value)));
    }

    [Fact]
    public void Compute_NothingInTheWindow_RatesAndPercentilesAreNullAndEveryDayIsListed()
    {
        var report = HandoffAnalytics.Compute(Window, [], [], new BotSessionCounts(0, 0));

        Assert.Equal(0, report.Handoffs.Total);
        Assert.Equal([0, 0], report.Handoffs.PerDay.Select(d => d.Count));
        Assert.Null(report.Escalation.Rate);
        Assert.Null(report.RecallRate.Rate);
        Assert.Null(report.ReExplanation.Rate);
        Assert.Equal(new Distribution("all", "all", 0, null, null, null, null), report.Pickup.Overall);
        Assert.Empty(report.Pickup.PerQueue);
        Assert.Equal(new Distribution("all", "all", 0, null, null, null, null), report.HandleTime.Overall);
        Assert.All(report.WordCounts.Histogram, b => Assert.Equal(0, b.Count));
        Assert.All(report.Generators.Shares, s => Assert.Null(s.Share));
        Assert.Equal(0, report.ValidationFailures.Count);
    }

    [Fact]
    public void Compute_WindowEndingAtMidnight_DoesNotListTheDayAfter()
    {
        var report = HandoffAnalytics.Compute(new AnalyticsWindow(T0 + Hour, T0 + Day), [], [], new BotSessionCounts(0, 0));

        Assert.Equal(["day:2026-03-02"], report.Handoffs.PerDay.Select(d => d.Key));
    }

    [Theory]
    [InlineData(50, 5)]
    [InlineData(95, 10)]
    [InlineData(10, 1)]
    [InlineData(11, 2)]
    [InlineData(100, 10)]
    public void Percentile_NearestRank_IsTheValueAtRankCeilingOfPTimesN(double p, double expected) =>
        Assert.Equal(expected, HandoffAnalytics.Percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p));

    [Fact]
    public void Percentile_NoValues_IsNull() => Assert.Null(HandoffAnalytics.Percentile([], 50));

    [Fact]
    public void Cases_PickupOfAQueue_ListsItsClaimedHandoffsSlowestFirstWithTheirWait()
    {
        var cases = HandoffAnalytics.Cases(AnalyticsMetric.Pickup, "queue:billing", Handoffs, Rejections);

        Assert.Equal([("h2", 30_000.0), ("h1", 10_000.0)], cases.Select(c => (c.HandoffId!, c.Value!.Value)));
        Assert.Equal("cust-h2", cases[0].CustomerId);
    }

    [Fact]
    public void Cases_EveryFigureOfTheReport_ListsAsManyCasesAsItCounts()
    {
        var report = Report();
        (string Metric, string Key, int Count)[] figures =
        [
            (AnalyticsMetric.Handoffs, "all", report.Handoffs.Total),
            .. report.Handoffs.PerDay.Concat(report.Handoffs.PerQueue).Concat(report.Handoffs.PerReason).Select(i => (AnalyticsMetric.Handoffs, i.Key, i.Count)),
            .. report.Pickup.PerQueue.Prepend(report.Pickup.Overall).Select(d => (AnalyticsMetric.Pickup, d.Key, d.Count)),
            .. report.RecallLatency.PerQueue.Prepend(report.RecallLatency.Overall).Select(d => (AnalyticsMetric.RecallLatency, d.Key, d.Count)),
            (AnalyticsMetric.RecallRate, "all", report.RecallRate.Of),
            (AnalyticsMetric.ReExplanation, "all", report.ReExplanation.Of),
            .. report.HandleTime.ByReason.Concat(report.HandleTime.ByChainDepth).Prepend(report.HandleTime.Overall).Select(d => (AnalyticsMetric.HandleTime, d.Key, d.Count)),
            .. report.WordCounts.Histogram.Select(b => (AnalyticsMetric.WordCount, b.Key, b.Count)),
            (AnalyticsMetric.ValidationFailures, "all", report.ValidationFailures.Count),
            .. report.ValidationFailures.ByCode.Select(c => (AnalyticsMetric.ValidationFailures, c.Key, c.Count)),
            .. report.Generators.Shares.Select(s => (AnalyticsMetric.Generator, s.Key, s.Count)),
        ];

        Assert.All(figures, f => Assert.True(HandoffAnalytics.Cases(f.Metric, f.Key, Handoffs, Rejections).Count == f.Count, $"{f.Metric} {f.Key}"));
    }

    [Fact]
    public void Cases_RecallRate_ValuesAreOneForRecalledAndZeroOtherwise()
    {
        var cases = HandoffAnalytics.Cases(AnalyticsMetric.RecallRate, "all", Handoffs, []);

        Assert.Equal(2, cases.Sum(c => c.Value));
        Assert.Equal(["h1", "h3"], cases.Where(c => c.Value == 1).Select(c => c.HandoffId).Order());
    }

    [Fact]
    public void Cases_ValidationFailuresOfACode_ListTheRefusedSessions()
    {
        var cases = HandoffAnalytics.Cases(AnalyticsMetric.ValidationFailures, "code:MISSING_SITUATION", [], Rejections);

        var only = Assert.Single(cases);
        Assert.Equal(("sess-r1", "MISSING_USER_GOAL, MISSING_SITUATION"), (only.SessionId, only.Detail));
    }

    [Theory]
    [InlineData("latency", "all")]
    [InlineData("pickup", "reason:refund")]
    [InlineData("pickup", "queue")]
    [InlineData("pickup", ":billing")]
    [InlineData("escalation", "queue:billing")]
    public void ParseKey_UnknownMetricOrDimension_Is400(string metric, string key)
    {
        var error = Assert.Throws<DeskException>(() => HandoffAnalytics.ParseKey(metric, key));
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public void ParseKey_ValueWithColons_KeepsEverythingAfterTheFirst() =>
        Assert.Equal(("queue", "agent:alice"), HandoffAnalytics.ParseKey(AnalyticsMetric.Pickup, "queue:agent:alice"));
}
