using System.Runtime.InteropServices;

namespace AgentDesk.Core.Analytics;

/// <summary>
/// The running totals of a <see cref="HandoffReport"/>: every handoff fact is taken in once (<see cref="Add"/>), as the
/// store reads it, and tallies of two halves of a window merge (<see cref="Merge"/>), so reading and counting a
/// 100,000-handoff window happen together on both cores. <see cref="HandoffAnalytics.Compute"/> is Add for each fact
/// and then <see cref="Build"/>; every value is taken with the drill-down's own rule, so a number and its cases agree.
/// </summary>
public sealed class HandoffTally
{
    private readonly Dictionary<long, int> _perDay = [];
    private readonly Dictionary<string, int> _perQueue = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perReason = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perGenerator = new(StringComparer.Ordinal);
    private readonly Dictionary<int, int> _perBucket = [];
    private readonly Values<string> _pickup = new(), _recall = new(), _handleByReason = new();
    private readonly Values<int> _handleByDepth = new();
    private readonly List<double> _words = [];
    private int _count, _claimed, _recalledFirst, _answered, _repeated;

    public void Add(HandoffFact h)
    {
        _count++;
        Increment(_perDay, HandoffAnalytics.DayNumber(h.CreatedAtMs));
        Increment(_perQueue, h.Queue);
        Increment(_perReason, h.Reason);
        Increment(_perGenerator, HandoffAnalytics.Generator(h));
        Increment(_perBucket, HandoffAnalytics.Bucket(h.WordCount));
        _words.Add(h.WordCount);
        if (HandoffAnalytics.CaseValue(AnalyticsMetric.Pickup, h) is (true, { } pickup, _)) _pickup.Add(h.Queue, pickup);
        if (HandoffAnalytics.CaseValue(AnalyticsMetric.RecallLatency, h) is (true, { } recall, _)) _recall.Add(h.Queue, recall);
        if (HandoffAnalytics.CaseValue(AnalyticsMetric.HandleTime, h) is (true, { } handle, _))
        {
            _handleByReason.Add(h.Reason, handle);
            _handleByDepth.Add(h.ChainDepth, handle);
        }
        if (h.ClaimedAtMs is not null)
        {
            _claimed++;
            if (h.SummaryRecalled == true) _recalledFirst++;
        }
        if (h.ResolvedAtMs is not null && h.CustomerRepeated is { } repeated)
        {
            _answered++;
            if (repeated) _repeated++;
        }
    }

    /// <summary>Takes in another tally's facts (of a disjoint part of the window).</summary>
    public void Merge(HandoffTally other)
    {
        _count += other._count;
        _claimed += other._claimed;
        _recalledFirst += other._recalledFirst;
        _answered += other._answered;
        _repeated += other._repeated;
        MergeCounts(_perDay, other._perDay);
        MergeCounts(_perQueue, other._perQueue);
        MergeCounts(_perReason, other._perReason);
        MergeCounts(_perGenerator, other._perGenerator);
        MergeCounts(_perBucket, other._perBucket);
        _words.AddRange(other._words);
        _pickup.Merge(other._pickup);
        _recall.Merge(other._recall);
        _handleByReason.Merge(other._handleByReason);
        _handleByDepth.Merge(other._handleByDepth);
    }

    public HandoffReport Build(AnalyticsWindow window, IReadOnlyList<RejectionFact> rejections, BotSessionCounts bots)
    {
        // Sorting the values is most of what is left: the four sets are sorted side by side.
        Parallel.Invoke(_pickup.Sort, _recall.Sort, _handleByReason.Sort, _handleByDepth.Sort, () => CollectionsMarshal.AsSpan(_words).Sort());
        return new HandoffReport(
            window,
            new HandoffCounts(_count,
                HandoffAnalytics.Days(window).Select(day =>
                {
                    var label = HandoffAnalytics.DayLabel(day);
                    return new CountItem(HandoffAnalytics.Key("day", label), label, _perDay.GetValueOrDefault(day));
                }).ToList(),
                Counts(_perQueue, "queue"),
                Counts(_perReason, "reason")),
            new RateFigure(AnalyticsMetric.AllKey, bots.Escalated, bots.Sessions),
            Latency(_pickup),
            Latency(_recall),
            new RateFigure(AnalyticsMetric.AllKey, _recalledFirst, _claimed),
            new RateFigure(AnalyticsMetric.AllKey, _repeated, _answered),
            new HandleTimeFigures(
                HandoffAnalytics.Distribution(AnalyticsMetric.AllKey, "all", _handleByReason.All),
                _handleByReason.Groups.OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => HandoffAnalytics.Distribution(HandoffAnalytics.Key("reason", g.Key), g.Key, g.Value)).ToList(),
                _handleByDepth.Groups.OrderBy(g => g.Key)
                    .Select(g => HandoffAnalytics.Distribution(HandoffAnalytics.Key("depth", g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        HandoffAnalytics.DepthLabel(g.Key), g.Value)).ToList()),
            new WordCountFigures(
                HandoffAnalytics.Distribution(AnalyticsMetric.AllKey, "all", _words),
                Enumerable.Range(0, HandoffAnalytics.WordBuckets).Select(i => i * HandoffAnalytics.WordBucket).Select(lower => new CountItem(
                    HandoffAnalytics.Key("bucket", lower.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    lower == (HandoffAnalytics.WordBuckets - 1) * HandoffAnalytics.WordBucket ? $"{lower}+" : $"{lower}–{lower + HandoffAnalytics.WordBucket - 1}",
                    _perBucket.GetValueOrDefault(lower))).ToList()),
            new FailureFigures(AnalyticsMetric.AllKey, rejections.Count,
                rejections.SelectMany(r => r.Codes.Distinct()).CountBy(c => c).OrderByDescending(g => g.Value).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => new CountItem(HandoffAnalytics.Key("code", g.Key), g.Key, g.Value)).ToList()),
            new GeneratorFigures(_count, GeneratorKind.All
                .Concat(_perGenerator.Keys.Where(g => !GeneratorKind.All.Contains(g)).Order(StringComparer.Ordinal))
                .Select(kind =>
                {
                    var count = _perGenerator.GetValueOrDefault(kind);
                    return new ShareItem(HandoffAnalytics.Key("generator", kind), GeneratorKind.Label(kind), count, _count == 0 ? null : (double)count / _count);
                }).ToList()));
    }

    private static LatencyFigures Latency(Values<string> values) => new(
        HandoffAnalytics.Distribution(AnalyticsMetric.AllKey, "all", values.All),
        values.Groups.OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => HandoffAnalytics.Distribution(HandoffAnalytics.Key("queue", g.Key), g.Key, g.Value)).ToList());

    private static List<CountItem> Counts(Dictionary<string, int> counts, string dimension) =>
        counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => new CountItem(HandoffAnalytics.Key(dimension, c.Key), c.Key, c.Value)).ToList();

    private static void Increment<TKey>(Dictionary<TKey, int> counts, TKey key) where TKey : notnull =>
        CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _)++;

    private static void MergeCounts<TKey>(Dictionary<TKey, int> into, Dictionary<TKey, int> from) where TKey : notnull
    {
        foreach (var (key, count) in from) CollectionsMarshal.GetValueRefOrAddDefault(into, key, out _) += count;
    }

    /// <summary>One metric's values, in all and by group; ascending once <see cref="Sort"/> has run.</summary>
    private sealed class Values<TKey> where TKey : notnull
    {
        public List<double> All { get; } = [];
        public Dictionary<TKey, List<double>> Groups { get; } = [];

        public void Add(TKey group, double value)
        {
            All.Add(value);
            ref var values = ref CollectionsMarshal.GetValueRefOrAddDefault(Groups, group, out _);
            (values ??= []).Add(value);
        }

        public void Merge(Values<TKey> other)
        {
            All.AddRange(other.All);
            foreach (var (group, values) in other.Groups)
            {
                ref var mine = ref CollectionsMarshal.GetValueRefOrAddDefault(Groups, group, out _);
                (mine ??= []).AddRange(values);
            }
        }

        public void Sort()
        {
            CollectionsMarshal.AsSpan(All).Sort();
            foreach (var values in Groups.Values) CollectionsMarshal.AsSpan(values).Sort();
        }
    }
}
