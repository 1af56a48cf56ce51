using System.Globalization;
using System.Text.Json;
using AgentDesk.Bench.Data;
using AgentDesk.Bench.Infrastructure;

namespace AgentDesk.Bench.Scenarios;

/// <summary>
/// The issue's micro benchmark: one agent with N memories (default 10,000), seeded through the batch
/// endpoint, then single-client and 8-client recall, session-scoped recall, single-memory store, and
/// the handoff-first check — all over HTTP on loopback against the real Release server.
/// </summary>
public sealed class MicroScenario : IScenario
{
    public const string AgentId = "bench-agent";
    private const string WarmupAgentId = "bench-warmup";
    public const string HandoffId = "mem_bench_handoff";

    public string Name => "micro";
    public string Description => "10k memories in one agent: batch store, store, recall (1 and 8 clients), session recall, handoff-first check";

    public IReadOnlyList<(string Option, string Help)> Options =>
    [
        ("--memories N", "memories seeded into the agent (10000)"),
        ("--batch-size N", "memories per batch store request, ≤ 1000 (500)"),
        ("--store-n N", "sequential single-memory stores measured (2000)"),
        ("--recall-n N", "recalls measured, single client and again with --clients (3000)"),
        ("--session-recall-n N", "session-scoped recalls measured (1000)"),
        ("--clients N", "concurrent recall clients (8)"),
        ("--sessions N", "sessions the memories are spread over, ~30% of memories get one (8)"),
        ("--top-k N", "top_k of every recall (10)"),
        ("--warmup N", "untimed requests of each kind before measuring (300)"),
        ("--seed N", "corpus and query seed (42)"),
        ("--attempts N", "re-measure a row (not the seeding) up to N times while other processes load the machine (3)"),
    ];

    public async Task<Report> RunAsync(BenchContext context, CancellationToken ct)
    {
        var a = context.Args;
        var memoryCount = a.Int("memories", 10_000, min: 10);
        var batchSize = a.Int("batch-size", 500, max: 1000);
        var storeN = a.Int("store-n", 2000);
        var recallN = a.Int("recall-n", 3000);
        var sessionRecallN = a.Int("session-recall-n", 1000);
        var clients = a.Int("clients", 8, max: 256);
        var sessionCount = a.Int("sessions", 8, max: 1000);
        var topK = a.Int("top-k", 10, max: 100);
        var warmup = a.Int("warmup", 300, min: 0);
        var seed = a.Int("seed", 42, min: 0);
        var attempts = a.Int("attempts", 3, max: 20);
        var log = context.Log;

        var report = new Report(Name, context.CommandLine, MachineInfo.Collect(context.ServerRoot));
        await using var server = await context.StartServerAsync(ct);
        using var api = new ApiClient(server.BaseAddress, server.ApiKey, maxConnections: Math.Max(clients, 8) * 2);
        var corpus = new ContactCentreCorpus(seed);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // --- set-up: sessions, and one warm-up pass over every endpoint (in another agent, then forgotten) ---
        var sessions = new List<string>();
        for (var i = 0; i < sessionCount; i++)
        {
            var started = await api.PostJsonAsync("/v1/sessions/start", new { agent_id = AgentId, metadata = new { channel = "chat", bench = true } }, ct);
            sessions.Add(started["session"]!["id"]!.GetValue<string>());
        }
        if (warmup > 0)
        {
            log.WriteLine("warming up (batch store, recall, store in a throw-away agent)…");
            await WarmUpAsync(api, corpus, now, warmup, topK, ct);
        }

        // --- batch store: the corpus, with one handoff summary somewhere in the middle ---
        var handoffAt = memoryCount * 2 / 3;
        var items = new List<object>(memoryCount);
        for (var i = 0; i < memoryCount; i++)
        {
            if (i == handoffAt)
            {
                items.Add(new
                {
                    id = HandoffId,
                    content = corpus.HandoffSummary(corpus.CustomerName()),
                    memory_type = "episodic",
                    importance = 1.0,
                    tags = new[] { "handoff", "session-summary", "priority:high", "target:billing-tier2", "channel:chat" },
                    session_id = sessions.Count > 0 ? sessions[0] : null,
                    created_at = now - 3 * 86_400, // three days old: newer memories exist, so rank is not recency alone
                });
                continue;
            }
            var m = corpus.Memory(now, sessions);
            items.Add(new { content = m.Content, memory_type = m.MemoryType, importance = m.Importance, tags = m.Tags, session_id = m.SessionId, created_at = m.CreatedAtUnixSeconds });
        }
        var batches = items.Chunk(batchSize).Select(chunk => (Count: chunk.Length, Body: ApiClient.Json(new { agent_id = AgentId, memories = chunk }))).ToList();
        var rows = new RowMeasurer(context, report, attempts);
        Task Quiet() => rows.WaitForQuietAsync(server.ProcessId, ct);
        Task<LatencyStats> Measure(Func<Task<LatencyStats>> run) => rows.MeasureAsync(server.ProcessId, run, ct);
        var storedBySingle = 0;

        await Quiet();
        log.WriteLine($"seeding {memoryCount:N0} memories in {batches.Count} batches of ≤ {batchSize}…");
        var responses = new byte[batches.Count][];
        var batchStats = await LoadRunner.SequentialAsync($"batch store ({batchSize}/request)", batches.Count,
            async (i, token) => responses[i] = await api.PostAsync("/v1/memories/store/batch", batches[i].Body, token),
            ct, items: memoryCount, unit: "memories/s", serverPid: server.ProcessId);
        report.Results.Add(batchStats);
        var stored = 0;
        long serverStoreMs = 0;
        for (var i = 0; i < batches.Count; i++) // checked after the clock stopped
        {
            var (count, storeMs) = StoredCount(responses[i], batches[i].Count);
            stored += count;
            serverStoreMs += storeMs;
        }
        rows.NoteIfBusy(batchStats); // seeding cannot be repeated on the same database

        // --- recall: single client, 8 clients, session-scoped (the corpus is exactly memoryCount here) ---
        var queries = Enumerable.Range(0, Math.Max(recallN, 1)).Select(_ => corpus.Query()).ToArray();
        byte[] RecallBody(string query, string? session = null) =>
            ApiClient.Json(new { agent_id = AgentId, query, top_k = topK, session_id = session });

        var recallBodies = queries.Select(q => RecallBody(q)).ToArray();
        var warmBodies = Enumerable.Range(0, warmup).Select(_ => RecallBody(corpus.Query())).ToArray();
        await WarmAsync(api, "/v1/memory/recall", warmBodies, warmup, ct);
        log.WriteLine($"recall ×{recallN:N0}, 1 client…");
        var recall = await Measure(() => LoadRunner.SequentialAsync("recall (agent scope)", recallN,
            (i, token) => api.PostAsync("/v1/memory/recall", recallBodies[i], token), ct, serverPid: server.ProcessId));

        var concurrentBodies = Enumerable.Range(0, recallN).Select(_ => RecallBody(corpus.Query())).ToArray();
        if (warmup > 0) // opens the other connections before the clock starts
            await LoadRunner.ConcurrentAsync("warm-up", warmup, clients, (i, token) => api.PostAsync("/v1/memory/recall", warmBodies[i], token), ct);
        log.WriteLine($"recall ×{recallN:N0}, {clients} clients…");
        await Measure(() => LoadRunner.ConcurrentAsync($"recall (agent scope), {clients} clients", recallN, clients,
            (i, token) => api.PostAsync("/v1/memory/recall", concurrentBodies[i], token), ct, serverPid: server.ProcessId));

        var sessionBodies = Enumerable.Range(0, sessionRecallN)
            .Select(i => RecallBody(corpus.Query(), sessions.Count > 0 ? sessions[i % sessions.Count] : null)).ToArray();
        log.WriteLine($"session-scoped recall ×{sessionRecallN:N0}…");
        await Measure(() => LoadRunner.SequentialAsync("recall (session scope)", sessionRecallN,
            (i, token) => api.PostAsync("/v1/memory/recall", sessionBodies[i], token), ct, serverPid: server.ProcessId));

        // --- the first-read rule: the handoff summary must be the first hit of an agent-scoped recall ---
        var checkQueries = new[] { "refund router", "duplicate charge invoice", "password reset email", "parcel tracking DHL", "weather tomorrow" }
            .Concat(Enumerable.Range(0, 45).Select(_ => corpus.Query())).ToArray();
        var handoffFirst = 0;
        string? firstMiss = null;
        foreach (var query in checkQueries)
        {
            var response = await api.PostJsonAsync("/v1/memory/recall", new { agent_id = AgentId, query, top_k = topK }, ct);
            var first = response["memories"]?.AsArray().FirstOrDefault()?["memory"]?["id"]?.GetValue<string>();
            if (first == HandoffId) handoffFirst++;
            else firstMiss ??= $"'{query}' → {first ?? "(no results)"}";
        }
        var handoffOk = handoffFirst == checkQueries.Length;
        report.Targets.Add(new TargetCheck("handoff summary first in agent-scoped recall", "every query",
            $"{handoffFirst}/{checkQueries.Length} queries" + (firstMiss is null ? "" : $"; first miss: {firstMiss}"), handoffOk));

        // --- single-memory store (measured last, so the recalls above ran on exactly memoryCount memories) ---
        var storeBodies = Enumerable.Range(0, storeN + warmup).Select(i =>
        {
            var m = corpus.Memory(now, sessions);
            return ApiClient.Json(new { agent_id = AgentId, content = m.Content, memory_type = m.MemoryType, importance = m.Importance, tags = m.Tags, session_id = m.SessionId });
        }).ToArray();
        await WarmAsync(api, "/v1/memory/store", storeBodies[storeN..], warmup, ct);
        log.WriteLine($"single store ×{storeN:N0}…");
        var store = await Measure(async () =>
        {
            var stats = await LoadRunner.SequentialAsync("store (single memory)", storeN,
                (i, token) => api.PostAsync("/v1/memory/store", storeBodies[i], token), ct, serverPid: server.ProcessId);
            storedBySingle += storeN;
            return stats;
        });

        // --- HTTP floor: what an empty round trip costs on this machine, for reading the rows above ---
        log.WriteLine("HTTP floor (GET /health/live)…");
        await Measure(() => LoadRunner.SequentialAsync("HTTP floor: GET /health/live", 2000,
            (_, token) => api.SendAsync(HttpMethod.Get, "/health/live", null, token), ct, serverPid: server.ProcessId));

        // --- facts and targets ---
        var dbBytes = new[] { "", "-wal", "-shm" }.Select(s => server.DatabasePath + s).Where(File.Exists).Sum(f => new FileInfo(f).Length);
        report.Setup.Add(("Memories in the agent", $"{memoryCount:N0} seeded (incl. 1 handoff summary, {sessions.Count} sessions); +{storedBySingle + warmup:N0} by the single-store step, which runs last"));
        report.Setup.Add(("Corpus", $"generated contact-centre text (billing, refunds, routers, passwords, shipping), seed {seed}, created_at spread over 60 days, ~40% tagged, importance 0.3–0.9"));
        report.Setup.Add(("Recall requests", $"top_k {topK}, 2–6 word queries, {queries.Distinct().Count():N0} distinct in the single-client run; warm-up {warmup} of each kind"));
        var fullSync = context.ServerEnvironment.TryGetValue("AgentDesk__Storage__FullSync", out var fs) && fs.Equals("true", StringComparison.OrdinalIgnoreCase);
        report.Setup.Add(("Server", $"AgentDesk.Web Release apphost, ASPNETCORE_ENVIRONMENT=Production, SQLite WAL (synchronous {(fullSync ? "FULL" : "NORMAL, the default")}), log level Warning" +
            (context.ServerEnvironment.Count > 0 ? $"; extra environment: {string.Join(", ", context.ServerEnvironment.Select(kv => $"{kv.Key}={kv.Value}"))}" : "") +
            (context.ServerRoot != context.RepoRoot ? $"; built from {context.ServerRoot}" : "")));
        report.Setup.Add(("Client", "same machine, one HttpClient (keep-alive), bodies serialised before timing; latency = send → full response read"));
        report.Setup.Add(("Database after run", $"{dbBytes / 1024.0 / 1024.0:F1} MiB (db + wal); server peak RSS {(server.PeakWorkingSetBytes() is { } rss ? $"{rss / 1024.0 / 1024.0:F0} MiB" : "n/a")}"));
        var batchOk = batchStats.Throughput >= 5000;
        report.Targets.Insert(0, new TargetCheck($"batch store throughput ({memoryCount:N0} memories)", "≥ 5,000 memories/s",
            $"{batchStats.Throughput.ToString("N0", CultureInfo.InvariantCulture)} memories/s", batchOk));
        report.Targets.Insert(0, new TargetCheck("single-memory store p95", "≤ 5 ms", $"{Report.Ms(store.P95)} ms", store.P95 <= 5));
        report.Targets.Insert(0, new TargetCheck("recall p95 (1 client)", "≤ 10 ms", $"{Report.Ms(recall.P95)} ms", recall.P95 <= 10));
        if (serverStoreMs > 0)
            report.Notes.Add($"batch store: {serverStoreMs:N0} ms of the {batchStats.Wall.TotalMilliseconds:N0} ms were inside MemoryStore.StoreBatchAsync " +
                $"(the response's total_time_ms: SQL + write gate); the rest is HTTP, JSON parsing, validation and the response.");
        if (stored != memoryCount) report.Notes.Add($"the batch endpoint reported {stored:N0} stored, expected {memoryCount:N0}");
        report.Notes.Add($"the server and the load client share the machine's {Environment.ProcessorCount} logical CPUs; with {clients} clients the row shows what this whole machine sustains, not the server alone.");
        return report;
    }

    private static async Task WarmUpAsync(ApiClient api, ContactCentreCorpus corpus, long now, int warmup, int topK, CancellationToken ct)
    {
        var perBatch = Math.Clamp(warmup / 3, 1, 1000);
        for (var b = 0; b < 3; b++)
        {
            var memories = Enumerable.Range(0, perBatch).Select(_ => corpus.Memory(now, [])).Select(m => new
            {
                content = m.Content,
                importance = m.Importance,
                memory_type = m.MemoryType,
                tags = (m.Tags ?? []).Append("warmup").ToArray(),
                created_at = m.CreatedAtUnixSeconds,
            }).ToArray();
            await api.PostAsync("/v1/memories/store/batch", ApiClient.Json(new { agent_id = WarmupAgentId, memories }), ct);
        }
        for (var i = 0; i < warmup; i++)
        {
            await api.PostAsync("/v1/memory/recall", ApiClient.Json(new { agent_id = WarmupAgentId, query = corpus.Query(), top_k = topK }), ct);
            await api.PostAsync("/v1/memory/store", ApiClient.Json(new { agent_id = WarmupAgentId, content = corpus.Content(corpus.Topic()), tags = new[] { "warmup" } }), ct);
        }
        // Leave the measured database as if the warm-up had not happened.
        await api.SendAsync(HttpMethod.Delete, "/v1/memories/forget/batch", ApiClient.Json(new { agent_id = WarmupAgentId, filter = new { tags = new[] { "warmup" } } }), ct);
    }

    /// <summary>Untimed requests of one kind right before its measurement (connection and caches warm).</summary>
    private static async Task WarmAsync(ApiClient api, string path, IReadOnlyList<byte[]> bodies, int count, CancellationToken ct)
    {
        for (var i = 0; i < count && bodies.Count > 0; i++)
            await api.PostAsync(path, bodies[i % bodies.Count], ct);
    }

    /// <returns>stored_count, and total_time_ms: the server's time inside MemoryStore.StoreBatchAsync.</returns>
    private static (int Count, long StoreMs) StoredCount(byte[] response, int expected)
    {
        using var doc = JsonDocument.Parse(response);
        var count = doc.RootElement.GetProperty("stored_count").GetInt32();
        if (count != expected) throw new InvalidDataException($"batch store answered stored_count {count}, expected {expected}");
        var storeMs = doc.RootElement.TryGetProperty("total_time_ms", out var t) ? t.GetInt64() : 0;
        return (count, storeMs);
    }
}
