using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentDesk.Bench.Data;
using AgentDesk.Bench.Infrastructure;

namespace AgentDesk.Bench.Scenarios;

/// <summary>
/// Issue 7's mixed load: a contact centre's bot fleet against one server on loopback. Many bot agents each hold a
/// modest history; N closed-loop clients (each a bot with its own API key scoped to its agents, as deployed bots
/// are) pick per iteration 70% recall, 25% store, 5% a whole handoff lifecycle (session start → stores → escalate
/// with a structured summary → claim → context → connect → resolve), for a fixed time after an untimed warm-up.
/// Every HTTP request counts as a request; any non-2xx answer or transport error is an error and the run goes on.
/// </summary>
public sealed class MixedLoadScenario : IScenario
{
    private const double ThroughputTarget = 1_500;
    private const double P95TargetMs = 25;
    private const int ConversationsPerAgent = 2;
    private const int KeptErrors = 5;
    private const string Recall = "recall: POST /v1/memory/recall";
    private const string Store = "store: POST /v1/memory/store";
    private const string Lifecycle = "handoff lifecycle (9 requests, whole)";
    private const string AllRequests = "all requests";
    private static readonly string[] LifecycleSteps =
    [
        "handoff: POST /v1/sessions/start", "handoff: POST /v1/memory/store (×3)", "handoff: POST /v1/handoffs (escalate)",
        "handoff: POST …/claim", "handoff: GET …/context", "handoff: POST …/connect", "handoff: POST …/resolve",
    ];
    private static readonly string[] KeyScopes = ["read", "write", "sessions", "handoffs"];
    private static readonly string[] Sentiments = ["frustrated", "anxious", "calm", "angry", "confused"];
    private static readonly string[] Urgencies = ["low", "normal", "high", "urgent"];

    public string Name => "mixed-load";
    public string Description => "issue 7 mixed load: N bots with their own keys, 70% recall / 25% store / 5% handoff lifecycle, closed loop for a fixed time: req/s, p50/p95/p99, errors";

    public IReadOnlyList<(string Option, string Help)> Options =>
    [
        ("--clients N", "concurrent closed-loop clients, each a bot with its own API key (32)"),
        ("--duration S", "measured seconds (60)"),
        ("--warmup S", "untimed seconds of the same load first (15)"),
        ("--agents N", "bot agents seeded, shared out round-robin between the clients' keys (200)"),
        ("--seed-memories M", $"memories seeded per agent, in {ConversationsPerAgent} conversations (50)"),
        ("--seed N", "corpus and operation-mix seed (42)"),
    ];

    public async Task<Report> RunAsync(BenchContext context, CancellationToken ct)
    {
        var a = context.Args;
        var clients = a.Int("clients", 32, max: 1024);
        var duration = TimeSpan.FromSeconds(a.Int("duration", 60));
        var warmup = TimeSpan.FromSeconds(a.Int("warmup", 15, min: 0));
        var agentCount = a.Int("agents", 200);
        var perAgent = a.Int("seed-memories", 50, min: ConversationsPerAgent);
        var seed = a.Int("seed", 42, min: 0);
        var log = context.Log;
        if (agentCount < clients) throw new ArgumentException($"--agents ({agentCount}) must be at least --clients ({clients}): every client's key needs an agent");

        var report = new Report(Name, context.CommandLine, MachineInfo.Collect(context.ServerRoot)) { SectionTitle = "Load: mixed workload (issue 7)" };
        await using var server = await context.StartServerAsync(ct);
        using var root = new ApiClient(server.BaseAddress, server.ApiKey, maxConnections: 8);

        log.WriteLine($"seeding {agentCount:N0} agents × {perAgent} memories…");
        var seeding = Stopwatch.StartNew();
        var agents = await SeedAsync(root, agentCount, perAgent, seed, ct);
        var bots = new List<Bot>(clients);
        for (var c = 0; c < clients; c++)
        {
            var mine = agents.Where((_, i) => i % clients == c).ToList();
            var desk = $"load-desk-{c + 1:D2}";
            var secret = await root.CreateKeyAsync($"load bot {c + 1}", KeyScopes, [.. mine.Select(x => x.Id), desk], ct);
            bots.Add(new Bot(new ApiClient(server.BaseAddress, secret, maxConnections: 2), mine, desk, seed * 1000 + c));
        }
        log.WriteLine($"seeded and issued {clients} keys in {seeding.Elapsed.TotalSeconds:F1} s");

        var rows = new RowMeasurer(context, report, attempts: 1);
        await rows.WaitForQuietAsync(server.ProcessId, ct);
        var loadBefore = MachineInfo.LoadAverage();
        log.WriteLine($"load: {clients} clients, {warmup.TotalSeconds:F0} s warm-up + {duration.TotalSeconds:F0} s measured (load average {loadBefore})…");
        var run = new Run(warmup, duration);
        CpuShare? cpu = null;
        try
        {
            var measuring = MeasureCpuAsync(run, server.ProcessId, ct);
            await Task.WhenAll(bots.Select(bot => Task.Run(() => bot.RunAsync(run, ct), CancellationToken.None)));
            cpu = await measuring;
        }
        finally
        {
            foreach (var bot in bots) bot.Api.Dispose();
        }
        var loadAfter = MachineInfo.LoadAverage();

        var samples = bots.SelectMany(b => b.Samples).ToList();
        var lifecycles = bots.SelectMany(b => b.Lifecycles).ToList();
        LatencyStats? Row(string name, IReadOnlyList<double> ms, string unit = "req/s")
        {
            if (ms.Count == 0) return null;
            var stats = new LatencyStats(name, ms, duration, unit: unit, clients: clients) { Cpu = cpu };
            report.Results.Add(stats);
            return stats;
        }
        var all = Row(AllRequests, samples.Select(s => s.Ms).ToList())
            ?? throw new InvalidOperationException("no request started inside the measured window");
        rows.NoteIfBusy(all);
        foreach (var op in new[] { Recall, Store }.Concat(LifecycleSteps)) Row(op, samples.Where(s => s.Op == op).Select(s => s.Ms).ToList());
        Row(Lifecycle, lifecycles, "lifecycles/s");

        var errors = bots.Sum(b => b.Errors);
        report.Tables.Add(new ReportTable("Request mix in the measured window",
            ["Operation", "Requests", "Share", "Errors"],
            [.. samples.GroupBy(s => s.Op).OrderByDescending(g => g.Count()).Select(g => (IReadOnlyList<string>)[
                g.Key, g.Count().ToString("N0", CultureInfo.InvariantCulture),
                (100.0 * g.Count() / samples.Count).ToString("F1", CultureInfo.InvariantCulture) + " %",
                g.Count(s => !s.Ok).ToString("N0", CultureInfo.InvariantCulture)])])
        {
            Caption = "Iterations are drawn 70 / 25 / 5; a lifecycle iteration makes 9 requests, so handoff requests are a larger share of requests than of iterations.",
        });

        report.Targets.Add(new TargetCheck($"throughput, {clients} clients, {duration.TotalSeconds:F0} s", $"≥ {ThroughputTarget:N0} req/s",
            $"{all.Throughput.ToString("N0", CultureInfo.InvariantCulture)} req/s", all.Throughput >= ThroughputTarget));
        report.Targets.Add(new TargetCheck("p95 over all requests", $"≤ {P95TargetMs:F0} ms", $"{Report.Ms(all.P95)} ms", all.P95 <= P95TargetMs));
        report.Targets.Add(new TargetCheck("errors (non-2xx or transport)", "0", errors.ToString("N0", CultureInfo.InvariantCulture), errors == 0));

        report.Setup.Add(("Data", $"{agentCount:N0} bot agents × {perAgent} memories ({agentCount * perAgent:N0} in all), each agent {ConversationsPerAgent} customer conversations " +
            $"(one session each, ~10% of notes outside it) over the last 60 days; generated contact-centre text, seed {seed}; stored with batch requests before any clock"));
        report.Setup.Add(("Clients", $"{clients} closed-loop clients, each a bot with its own API key (scopes {string.Join(", ", KeyScopes)}) scoped to its " +
            $"{agentCount / clients}–{(agentCount + clients - 1) / clients} agents and one desk agent; its own HTTP connection pool (keep-alive); root key used only to seed and issue keys"));
        report.Setup.Add(("Mix per iteration", "70% recall (top_k 5 or 10; 65% agent-wide, 20% with session_id, 15% with a topic tag filter; 2–6 word queries), " +
            "25% single store (half into one of the agent's sessions, 40% tagged), 5% handoff lifecycle: session start → 3 stores in it → POST /v1/handoffs with a " +
            "caller-written structured summary → claim → GET context (required before connect) → connect → resolve, by the client's desk agent"));
        report.Setup.Add(("Window", $"{warmup.TotalSeconds:F0} s warm-up (same load, not measured), then {duration.TotalSeconds:F0} s: a request counts when it starts inside the window; " +
            "throughput = those requests / window; a lifecycle counts when its first request does and it completed"));
        report.Setup.Add(("Load average (1/5/15 min)", $"{loadBefore} before the load, {loadAfter} after"));
        report.Setup.Add(("Server", "AgentDesk.Web Release apphost, Production, SQLite WAL, GloVe 100-d embeddings and extractive summaries (the defaults), log level Warning, " +
            "rate limit per key 2,000/s, burst 4,000 (defaults)" +
            (context.ServerEnvironment.Count > 0 ? $"; extra environment: {string.Join(", ", context.ServerEnvironment.Select(kv => $"{kv.Key}={kv.Value}"))}" : "") +
            (context.ServerRoot != context.RepoRoot ? $"; built from {context.ServerRoot}" : "")));
        report.Setup.Add(("Server after run", $"peak RSS {(server.PeakWorkingSetBytes() is { } rss ? $"{rss / 1024.0 / 1024.0:F0} MiB" : "n/a")}"));
        foreach (var error in bots.SelectMany(b => b.FirstErrors).Take(KeptErrors)) report.Notes.Add($"error: {error}");
        report.Notes.Add(HandoffScenario.ServerLogNote(server.RecentOutput));
        report.Notes.Add($"the server and the {clients} clients share the machine's {Environment.ProcessorCount} logical CPUs (CPU column: server/client/other cores); " +
            "the figures are what this whole machine sustains, not the server alone.");
        return report;
    }

    /// <summary>
    /// A bot's <c>POST /v1/handoffs</c> body with a caller-written structured summary (API.md §2) for a case of
    /// <paramref name="topic"/>, into <c>&lt;topic&gt;-tier2</c> unless <paramref name="queue"/> says otherwise. The
    /// session must hold no "commitment" notes, which the summary would then have to carry.
    /// </summary>
    internal static object Escalation(string sessionId, string agentId, string topic, string customer, string situation, string urgency, string sentiment,
        string? customerId, string? queue = null) => new
        {
            source_session_id = sessionId,
            agent_id = agentId,
            target_queue = queue ?? $"{topic}-tier2",
            reason = $"the bot could not resolve this {topic} case; it needs a tier-2 specialist",
            urgency,
            channel = "chat",
            customer_id = customerId,
            summary = new
            {
                user_goal = $"{customer} wants the {topic} problem fixed today",
                situation,
                tried = new[] { new { action = $"Standard {topic} steps", outcome = "The problem remains" } },
                sentiment = new { label = sentiment, evidence = "asked twice for a specialist" },
                recommended_action = $"Take over the {topic} case and confirm the fix with the customer",
            },
        };

    /// <summary>CPU use over exactly the measured window.</summary>
    private static async Task<CpuShare?> MeasureCpuAsync(Run run, int serverPid, CancellationToken ct)
    {
        await Task.Delay(run.Until(run.WindowStart), ct);
        var cpu = CpuUsage.Start(serverPid);
        await Task.Delay(run.Until(run.WindowEnd), ct);
        return cpu.Stop();
    }

    /// <summary>One seeded agent and its conversations' sessions (for session-filtered recall and stores).</summary>
    private sealed record Agent(string Id, IReadOnlyList<string> Sessions);

    /// <summary>One memory of a batch store request (snake_case on the wire).</summary>
    private sealed record StoreItem(string Content, double Importance, IReadOnlyList<string>? Tags, string? SessionId, long CreatedAt, string MemoryType);

    private static async Task<IReadOnlyList<Agent>> SeedAsync(ApiClient root, int agentCount, int perAgent, int seed, CancellationToken ct)
    {
        var corpus = new ContactCentreCorpus(seed);
        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var ids = Enumerable.Range(1, agentCount).Select(i => $"load-bot-{i:D4}").ToArray();
        var sessions = new string[agentCount][];
        await LoadRunner.ConcurrentAsync("start sessions", agentCount, 4, async (i, token) =>
        {
            sessions[i] = new string[ConversationsPerAgent];
            var body = ApiClient.Json(new { agent_id = ids[i] });
            for (var k = 0; k < ConversationsPerAgent; k++)
            {
                using var answer = JsonDocument.Parse(await root.PostAsync("/v1/sessions/start", body, token));
                sessions[i][k] = answer.RootElement.GetProperty("session").GetProperty("id").GetString()!;
            }
        }, ct);
        // Generated up front from one seeded corpus (not thread-safe), stored by 4 workers.
        var batches = Enumerable.Range(0, agentCount).Select(i => ApiClient.Json(new
        {
            agent_id = ids[i],
            memories = Enumerable.Range(0, ConversationsPerAgent).SelectMany(k =>
                corpus.Conversation(sessions[i][k], perAgent / ConversationsPerAgent + (k < perAgent % ConversationsPerAgent ? 1 : 0),
                    now - (long)(random.NextDouble() * 60 * 86_400))
                .Select(m => new StoreItem(m.Content, m.Importance, m.Tags, m.SessionId, m.CreatedAtUnixSeconds, m.MemoryType))).ToList(),
        })).ToArray();
        await LoadRunner.ConcurrentAsync("store batches", agentCount, 4, async (i, token) =>
        {
            using var answer = JsonDocument.Parse(await root.PostAsync("/v1/memories/store/batch", batches[i], token));
            if (answer.RootElement.GetProperty("stored_count").GetInt32() != perAgent)
                throw new InvalidDataException($"batch store for {ids[i]} answered stored_count {answer.RootElement.GetProperty("stored_count")}, expected {perAgent}");
        }, ct);
        return [.. ids.Select((id, i) => new Agent(id, sessions[i]))];
    }

    /// <summary>The shared clock: warm-up, then the measured window; clients stop starting iterations at its end.</summary>
    private sealed class Run(TimeSpan warmup, TimeSpan duration)
    {
        private readonly long _start = Stopwatch.GetTimestamp();

        public long WindowStart => _start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        public long WindowEnd => WindowStart + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        public bool InWindow(long timestamp) => timestamp >= WindowStart && timestamp < WindowEnd;
        public TimeSpan Until(long timestamp) => TimeSpan.FromSeconds(Math.Max(0, timestamp - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
    }

    /// <summary>One timed request: its operation, latency and whether it answered 2xx.</summary>
    private readonly record struct Sample(string Op, double Ms, bool Ok);

    /// <summary>
    /// One closed-loop client: a bot with its own key, agents, desk agent, random stream and corpus, recording the
    /// requests that start inside the measured window.
    /// </summary>
    private sealed class Bot(ApiClient api, IReadOnlyList<Agent> agents, string desk, int seed)
    {
        private readonly Random _random = new(seed);
        private readonly ContactCentreCorpus _corpus = new(seed);
        private readonly ConcurrentQueue<string> _firstErrors = new();
        private Run? _run;
        private int _cases;

        public ApiClient Api { get; } = api;
        public List<Sample> Samples { get; } = [];
        public List<double> Lifecycles { get; } = [];
        public int Errors { get; private set; }
        public IEnumerable<string> FirstErrors => _firstErrors;

        public async Task RunAsync(Run run, CancellationToken ct)
        {
            _run = run;
            while (Stopwatch.GetTimestamp() < run.WindowEnd)
            {
                ct.ThrowIfCancellationRequested();
                var agent = agents[_random.Next(agents.Count)];
                var roll = _random.NextDouble();
                if (roll < 0.70) await RecallAsync(agent, ct);
                else if (roll < 0.95) await StoreAsync(agent, ct);
                else await LifecycleAsync(agent, ct);
            }
        }

        private Task<byte[]?> RecallAsync(Agent agent, CancellationToken ct)
        {
            var query = _corpus.Query();
            var topK = _random.NextDouble() < 0.7 ? 5 : 10;
            var filter = _random.NextDouble();
            object body = filter switch
            {
                < 0.65 => new { agent_id = agent.Id, query, top_k = topK },
                < 0.85 => new { agent_id = agent.Id, query, top_k = topK, session_id = agent.Sessions[_random.Next(agent.Sessions.Count)] },
                _ => new { agent_id = agent.Id, query, top_k = topK, tags = new[] { _corpus.Topic() } },
            };
            return SendAsync(Recall, HttpMethod.Post, "/v1/memory/recall", body, ct);
        }

        private Task<byte[]?> StoreAsync(Agent agent, CancellationToken ct)
        {
            var topic = _corpus.Topic();
            var body = new
            {
                agent_id = agent.Id,
                content = _corpus.Content(topic),
                memory_type = "episodic",
                importance = Math.Round(0.3 + _random.NextDouble() * 0.6, 2),
                tags = _random.NextDouble() < 0.4 ? new[] { topic } : null,
                session_id = _random.NextDouble() < 0.5 ? agent.Sessions[_random.Next(agent.Sessions.Count)] : null,
            };
            return SendAsync(Store, HttpMethod.Post, "/v1/memory/store", body, ct);
        }

        /// <summary>A bot's case from start to resolution by the client's desk agent; stops at the first failed step.</summary>
        private async Task LifecycleAsync(Agent agent, CancellationToken ct)
        {
            var started = Stopwatch.GetTimestamp();
            var topic = _corpus.Topic();
            var customer = _corpus.CustomerName();
            var caseNo = ++_cases;
            if (await SendAsync(LifecycleSteps[0], HttpMethod.Post, "/v1/sessions/start", new { agent_id = agent.Id }, ct) is not { } startAnswer) return;
            string session;
            using (var doc = JsonDocument.Parse(startAnswer)) session = doc.RootElement.GetProperty("session").GetProperty("id").GetString()!;

            (string Content, string Tag)[] notes =
            [
                ($"{customer} wants the {topic} problem fixed today.", "customer-goal"),
                (_corpus.Content(topic, customer), "issue-report"),
                ($"Tried the standard {topic} steps with {customer}; the problem remains.", "attempted-resolution"),
            ];
            foreach (var (content, tag) in notes)
                if (await SendAsync(LifecycleSteps[1], HttpMethod.Post, "/v1/memory/store",
                    new { agent_id = agent.Id, content, session_id = session, importance = 0.7, tags = new[] { tag, topic }, memory_type = "episodic" }, ct) is null) return;

            var escalation = Escalation(session, agent.Id, topic, customer, notes[1].Content, Urgencies[_random.Next(Urgencies.Length)],
                Sentiments[_random.Next(Sentiments.Length)], $"{desk}-cust-{caseNo:D5}");
            if (await SendAsync(LifecycleSteps[2], HttpMethod.Post, "/v1/handoffs", escalation, ct) is not { } escalated) return;
            string id;
            using (var doc = JsonDocument.Parse(escalated)) id = doc.RootElement.GetProperty("handoff_id").GetString()!;

            var asDesk = new { agent_id = desk };
            if (await SendAsync(LifecycleSteps[3], HttpMethod.Post, $"/v1/handoffs/{id}/claim", asDesk, ct) is null) return;
            if (await SendAsync(LifecycleSteps[4], HttpMethod.Get, $"/v1/handoffs/{id}/context?agent_id={desk}", null, ct) is null) return;
            if (await SendAsync(LifecycleSteps[5], HttpMethod.Post, $"/v1/handoffs/{id}/connect", asDesk, ct) is null) return;
            if (await SendAsync(LifecycleSteps[6], HttpMethod.Post, $"/v1/handoffs/{id}/resolve",
                new { agent_id = desk, resolution_note = $"Fixed the {topic} problem with the customer", customer_repeated_themselves = false }, ct) is null) return;
            if (_run!.InWindow(started)) Lifecycles.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        /// <summary>One timed request (the body serialised before the clock starts); null when it failed, which is counted, not thrown.</summary>
        private async Task<byte[]?> SendAsync(string op, HttpMethod method, string path, object? body, CancellationToken ct)
        {
            var bytes = body is null ? null : ApiClient.Json(body);
            var start = Stopwatch.GetTimestamp();
            byte[]? answer = null;
            try
            {
                answer = await Api.SendAsync(method, path, bytes, ct);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                if (_run!.InWindow(start) && _firstErrors.Count < KeptErrors) _firstErrors.Enqueue($"{op}: {e.Message}");
            }
            var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (_run!.InWindow(start))
            {
                Samples.Add(new Sample(op, ms, answer is not null));
                if (answer is null) Errors++;
            }
            return answer;
        }
    }
}
