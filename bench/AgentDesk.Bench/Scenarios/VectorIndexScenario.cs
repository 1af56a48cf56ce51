using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using AgentDesk.Bench.Infrastructure;
using AgentDesk.Core.Recall.Vectors;

namespace AgentDesk.Bench.Scenarios;

/// <summary>
/// The in-memory <see cref="VectorIndex"/> on its own, in this process (no server): for each size, one
/// agent is loaded with N synthetic vectors (timed per upsert), its heap cost measured, its top-100
/// compared with an exact float search, and searches for the 100 nearest timed from 1 and from
/// several threads — unscoped, and within a random 1-day window over a year of created_at values.
/// It tells how much of recall's latency budget the vector part takes at 10k, 100k and 1M memories.
/// </summary>
public sealed class VectorIndexScenario : IScenario
{
    private const string AgentId = "bench-agent";
    private const long DayMs = 86_400_000;
    private const long YearMs = 365 * DayMs;
    private const long EpochMs = 1_750_000_000_000;

    public string Name => "vector-index";
    public string Description => "in-process vector index: load, memory, search latency (1 and N threads, unscoped and 1-day window), overlap with exact search";

    public IReadOnlyList<(string Option, string Help)> Options =>
    [
        ("--sizes LIST", "entries in the one agent, comma list, one run each (10000,100000,1000000)"),
        ("--dims N", "vector dimensions (100)"),
        ("--data KIND", "clustered (GloVe-like: shared direction + 256 topics + noise) or random (clustered)"),
        ("--n N", "matches asked of every search (100)"),
        ("--threads N", "concurrent searching threads of the multi-thread rows (8)"),
        ("--searches N", "searches timed per row (1000)"),
        ("--exact-queries N", "queries compared with an exact float search for overlap@n (50)"),
        ("--warmup-ms N", "untimed searches of each kind for this long before the timed ones, so they run fully optimised code (1500)"),
        ("--seed N", "data and query seed (42)"),
        ("--attempts N", "re-measure a search row up to N times while other processes load the machine (2)"),
    ];

    public async Task<Report> RunAsync(BenchContext context, CancellationToken ct)
    {
        var a = context.Args;
        var sizes = (a.String("sizes") ?? "10000,100000,1000000").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1000
                ? v : throw new ArgumentException($"--sizes wants whole numbers ≥ 1000, not '{s}'")).ToList();
        var kind = a.String("data") ?? "clustered";
        if (kind is not ("clustered" or "random")) throw new ArgumentException($"--data is clustered or random, not '{kind}'");
        var settings = new Settings(
            Dims: a.Int("dims", 100, max: 16_384), Kind: kind, N: a.Int("n", 100, max: 1000), Threads: a.Int("threads", 8, max: 64),
            Searches: a.Int("searches", 1000), ExactQueries: a.Int("exact-queries", 50), WarmupMs: a.Int("warmup-ms", 1500, min: 0),
            Seed: a.Int("seed", 42, min: 0), Attempts: a.Int("attempts", 2, max: 10));

        var report = new Report(Name, context.CommandLine, MachineInfo.Collect(context.RepoRoot));
        // Searches are synchronous: without this the pool would start the extra threads one by one, well into a row.
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        ThreadPool.SetMinThreads(Math.Max(minWorkers, settings.Threads + 2 * Environment.ProcessorCount), minIo);
        var results = new List<SizeResult>();
        foreach (var size in sizes) results.Add(await RunSizeAsync(size, settings, context, report, ct));

        var n = settings.N;
        foreach (var r in results.Where(r => r.Size is 100_000 or 1_000_000))
        {
            var goal = r.Size == 100_000 ? 2 : 15;
            report.Targets.Add(new TargetCheck($"search p95, {r.Label}, n={n}, 1 thread", $"≤ {goal} ms", $"{Report.Ms(r.Search.P95)} ms", r.Search.P95 <= goal));
        }
        if (results.FirstOrDefault(r => r.Size == 1_000_000) is { } million)
            report.Targets.Add(new TargetCheck($"load of {million.Label} entries", "≤ 5 s", $"{million.Load.Wall.TotalSeconds:F2} s", million.Load.Wall.TotalSeconds <= 5));
        report.Targets.Add(new TargetCheck($"overlap@{n} with exact float search (mean, every size)", "≥ 95%",
            string.Join(", ", results.Select(r => $"{r.Label}: {r.OverlapMean:P1}")), results.All(r => r.OverlapMean >= 0.95)));
        report.Tables.Add(new ReportTable("Per size", ["Entries", "Load s", "Upserts/s", "Heap MiB", "Bytes/entry", "p95 ms 1 thread", "p95 ms window"],
            results.Select(r => (IReadOnlyList<string>)[r.Label, $"{r.Load.Wall.TotalSeconds:F2}", r.Load.Throughput.ToString("N0", CultureInfo.InvariantCulture),
                $"{r.HeapBytes / 1024.0 / 1024.0:F1}", $"{(double)r.HeapBytes / r.Size:F0}", Report.Ms(r.Search.P95), Report.Ms(r.Windowed.P95)]).ToList())
        {
            Caption = "Heap: growth of the managed heap (after a full GC) from before the index was created to after it was loaded — codes, scales, seqs, created_at and the seq map.",
        });
        report.Tables.Add(new ReportTable($"Overlap@{n} with exact search", ["Entries", "Mean", "Worst query"],
            results.Select(r => (IReadOnlyList<string>)[r.Label, r.OverlapMean.ToString("P1", CultureInfo.InvariantCulture), r.OverlapWorst.ToString("P0", CultureInfo.InvariantCulture)]).ToList())
        {
            Caption = $"Share of the exact float-cosine top-{n} that the index's top-{n} (int8 codes, one scale per vector; int16 query) also returns, over {settings.ExactQueries} queries.",
        });
        report.Setup.Add(("Data", $"{kind}, {settings.Dims}-d, one agent, seed {settings.Seed}" + (kind == "clustered" ? "; shared direction + one of 256 topics + noise, as averaged word vectors are" : "") +
            $"; mean cosine of random pairs {results[0].PairCosine:F2}"));
        report.Setup.Add(("created_at", "uniform over one year in random order (no chunk can be skipped by its time range: the worst case for a window); window = a random whole day"));
        report.Setup.Add(("Searches", $"n = {n}, {settings.Searches:N0} timed per row after {settings.WarmupMs:N0} ms of untimed ones, queries from the same distribution; {settings.Threads}-thread rows run {settings.Threads} synchronous searches at a time (thread-pool minimum raised so all start at once)"));
        report.Setup.Add(("Index", $"VectorIndex, scan split over {Environment.ProcessorCount} cores from {new VectorIndex(settings.Dims).ParallelThreshold:N0} entries (ParallelThreshold); 'scan on one core' rows: ParallelThreshold = int.MaxValue"));
        report.Notes.Add($"in-process: no HTTP, no SQL; the {settings.Threads}-thread rows share this machine's {Environment.ProcessorCount} logical CPUs (CPU column: srv is unused, cli is this process).");
        return report;
    }

    private sealed record Settings(int Dims, string Kind, int N, int Threads, int Searches, int ExactQueries, int WarmupMs, int Seed, int Attempts);

    private sealed record SizeResult(int Size, LatencyStats Load, long HeapBytes, double OverlapMean, double OverlapWorst, double PairCosine, LatencyStats Search, LatencyStats Windowed)
    {
        public string Label => Size.ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <summary>One size, start to end. A method of its own so that its indexes are garbage before the next size measures the heap.</summary>
    private static async Task<SizeResult> RunSizeAsync(int size, Settings s, BenchContext context, Report report, CancellationToken ct)
    {
        var (dims, n, log) = (s.Dims, s.N, context.Log);
        var label = size.ToString("N0", CultureInfo.InvariantCulture);
        log.WriteLine($"{label}: generating {s.Kind} {dims}-d vectors…");
        var data = new SyntheticVectors(dims, s.Kind, s.Seed);
        var vectors = new float[(long)size * dims];
        var createdAt = new long[size];
        var random = new Random(s.Seed + 1);
        for (var i = 0; i < size; i++)
        {
            data.Next(vectors.AsSpan(i * dims, dims));
            createdAt[i] = EpochMs + random.NextInt64(YearMs); // random order: the worst case for a window
        }
        var queries = Enumerable.Range(0, Math.Max(s.Searches, s.ExactQueries)).Select(_ =>
        {
            var q = new float[dims];
            data.Next(q);
            return q;
        }).ToArray();
        var windows = Enumerable.Range(0, s.Searches).Select(_ => EpochMs + random.NextInt64(YearMs - DayMs)).ToArray();
        Task<LatencyStats> Measure(Func<Task<LatencyStats>> run) => MeasureAsync(run, context, report, s.Attempts, ct);

        // --- load: every entry upserted once, on one thread, as the start-up rebuild does ---
        await Quiet(context, report, ct);
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var index = new VectorIndex(dims);
        log.WriteLine($"{label}: loading…");
        var load = await LoadRunner.SequentialAsync($"upsert (load), {label}", size, (i, _) =>
            index.Upsert(AgentId, i + 1, createdAt[i], vectors.AsSpan(i * dims, dims)) ? Task.CompletedTask : throw new InvalidDataException($"upsert {i} refused"),
            ct, unit: "upserts/s");
        report.Results.Add(load);
        var heapBytes = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;

        // --- quality: overlap of the index's top-n with an exact float cosine search ---
        log.WriteLine($"{label}: exact search for {s.ExactQueries} queries…");
        for (var i = 0; i < size; i++) Normalise(vectors.AsSpan(i * dims, dims));
        var overlap = queries.Take(s.ExactQueries).Select(q => Overlap(index.Search(AgentId, q, n), ExactTop(vectors, dims, q, n))).ToList();
        var pairCosine = Enumerable.Range(0, 2000).Average(_ =>
            TensorPrimitives.Dot(vectors.AsSpan(random.Next(size) * dims, dims), vectors.AsSpan(random.Next(size) * dims, dims)));

        // --- search latency ---
        var single = new VectorIndex(dims) { ParallelThreshold = int.MaxValue };
        var split = size >= index.ParallelThreshold;
        if (split) // the same entries, scanned on the caller's thread only: the A/B for the parallel split
            for (var i = 0; i < size; i++) single.Upsert(AgentId, i + 1, createdAt[i], vectors.AsSpan(i * dims, dims));
        vectors = []; // the exact reference is done; free it before timing
        Task Search(VectorIndex idx, int i)
        {
            idx.Search(AgentId, queries[i % queries.Length], n);
            return Task.CompletedTask;
        }
        Task Windowed(int i)
        {
            index.Search(AgentId, queries[i % queries.Length], n, windows[i], windows[i] + DayMs);
            return Task.CompletedTask;
        }
        var scan = split ? $"split over {Environment.ProcessorCount} cores" : "one core";
        // Time, not a count: the JIT replaces the first code only after ~100 ms and 30 calls, and a small index is searched 10,000 times a second.
        var warmUps = new List<Func<int, Task>> { i => Search(index, i), Windowed };
        if (split) warmUps.Add(i => Search(single, i));
        foreach (var warm in warmUps)
        {
            var clock = Stopwatch.StartNew();
            for (var w = 0; clock.ElapsedMilliseconds < s.WarmupMs; w++) await warm(w % windows.Length);
        }

        log.WriteLine($"{label}: searching…");
        var (searches, threads) = (s.Searches, s.Threads);
        var oneThread = await Measure(() => LoadRunner.SequentialAsync($"search n={n}, {label}, 1 thread, scan {scan}", searches, (i, _) => Search(index, i), ct, unit: "searches/s"));
        if (split) await Measure(() => LoadRunner.SequentialAsync($"search n={n}, {label}, 1 thread, scan on one core", searches, (i, _) => Search(single, i), ct, unit: "searches/s"));
        await Measure(() => LoadRunner.ConcurrentAsync($"search n={n}, {label}, {threads} threads, scan {scan}", searches, threads, (i, _) => Search(index, i), ct, unit: "searches/s"));
        if (split) await Measure(() => LoadRunner.ConcurrentAsync($"search n={n}, {label}, {threads} threads, scan on one core", searches, threads, (i, _) => Search(single, i), ct, unit: "searches/s"));
        var windowed = await Measure(() => LoadRunner.SequentialAsync($"search n={n}, {label}, 1-day window, 1 thread", searches, (i, _) => Windowed(i), ct, unit: "searches/s"));
        await Measure(() => LoadRunner.ConcurrentAsync($"search n={n}, {label}, 1-day window, {threads} threads", searches, threads, (i, _) => Windowed(i), ct, unit: "searches/s"));
        return new SizeResult(size, load, heapBytes, overlap.Average(), overlap.Min(), pairCosine, oneThread, windowed);
    }

    /// <summary>
    /// Runs a row, again (up to <paramref name="attempts"/> times) while other processes took more than a
    /// quarter of a core, and keeps the least disturbed attempt, with a note when even that one was.
    /// </summary>
    private static async Task<LatencyStats> MeasureAsync(Func<Task<LatencyStats>> run, BenchContext context, Report report, int attempts, CancellationToken ct)
    {
        const double busyCores = 0.25;
        LatencyStats? best = null;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            await Quiet(context, report, ct);
            var stats = await run();
            if (best is null || (stats.Cpu?.Other ?? 0) < (best.Cpu?.Other ?? 0)) best = stats;
            if ((stats.Cpu?.Other ?? 0) <= busyCores) break;
            context.Log.WriteLine($"  other processes used {stats.Cpu!.Other:F2} cores during '{stats.Name}' (attempt {attempt}/{attempts})");
        }
        if (best!.Cpu is { Other: > busyCores } cpu)
            report.Notes.Add($"'{best.Name}': other processes used {cpu.Other:F2} cores in the best of {attempts} attempts; its figures are pessimistic.");
        report.Results.Add(best);
        return best;
    }

    private static async Task Quiet(BenchContext context, Report report, CancellationToken ct)
    {
        if (await context.WaitForQuietMachineAsync(null, ct) is { } warning && !report.Notes.Contains(warning)) report.Notes.Add(warning);
    }

    private static void Normalise(Span<float> v) => TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);

    /// <summary>Seqs (row + 1) of the exact top-<paramref name="n"/> by float cosine; rows are unit length.</summary>
    private static HashSet<long> ExactTop(float[] unitRows, int dims, float[] query, int n)
    {
        var q = (float[])query.Clone();
        Normalise(q);
        var top = new PriorityQueue<long, float>(n + 1);
        for (var i = 0; i < unitRows.Length / dims; i++)
        {
            var score = TensorPrimitives.Dot(unitRows.AsSpan(i * dims, dims), q);
            if (top.Count < n) top.Enqueue(i + 1, score);
            else if (top.TryPeek(out _, out var weakest) && score > weakest) top.EnqueueDequeue(i + 1, score);
        }
        return top.UnorderedItems.Select(e => e.Element).ToHashSet();
    }

    private static double Overlap(IReadOnlyList<VectorMatch> found, HashSet<long> exact) =>
        (double)found.Count(m => exact.Contains(m.Seq)) / exact.Count;

    /// <summary>
    /// Gaussian vectors; "clustered" ones are a shared direction + one of 256 topic directions + noise,
    /// so random pairs have a clearly positive cosine and neighbours come in groups, as sentence
    /// vectors averaged from GloVe word vectors do.
    /// </summary>
    private sealed class SyntheticVectors
    {
        private readonly Random _random;
        private readonly float[]? _shared;
        private readonly float[][] _topics = [];

        public SyntheticVectors(int dims, string kind, int seed)
        {
            _random = new Random(seed);
            if (kind != "clustered") return;
            _shared = new float[dims];
            Gaussian(_shared);
            _topics = new float[256][];
            for (var t = 0; t < _topics.Length; t++) Gaussian(_topics[t] = new float[dims]);
        }

        public void Next(Span<float> into)
        {
            Gaussian(into);
            if (_shared is null) return;
            var topic = _topics[_random.Next(_topics.Length)];
            for (var d = 0; d < into.Length; d++) into[d] = _shared[d] + 0.8f * topic[d] + 0.9f * into[d];
        }

        private void Gaussian(Span<float> into)
        {
            for (var d = 0; d < into.Length; d++) // Box–Muller
                into[d] = (float)(Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()));
        }
    }
}
