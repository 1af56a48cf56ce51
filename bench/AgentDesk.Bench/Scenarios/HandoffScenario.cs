using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentDesk.Bench.Data;
using AgentDesk.Bench.Infrastructure;
using AgentDesk.E2E.Support;

namespace AgentDesk.Bench.Scenarios;

/// <summary>
/// The handoff engine (issue 4) as a bot fleet, a desk and a customer see it, over HTTP and the real hub on loopback,
/// with the server's defaults (extractive summaries, GloVe embeddings). Bots escalate their sessions while the desk
/// listens on the queues; the desk claims each case as its HandoffQueued arrives, reads the context recall and
/// connects, while the customer's widget watches the conversation. Measured with one bot and with 20 concurrent
/// bots: escalate → HandoffQueued at the desk, the pick-up (claim → context → connect) with the server's own
/// recall time, and claim → AgentConnected at the customer, whose AgentConnecting must come first in every case.
/// Every case is built (session and tagged memories) before the clock starts.
/// </summary>
public sealed class HandoffScenario : IScenario
{
    /// <summary>The bot fleet's agent: every bot escalates sessions of this one agent, which also holds most of the background.</summary>
    public const string BotAgentId = "bench-bot";
    private const int ConversationLength = 20;
    private const int MemoriesPerCase = 8;
    private const double EventTargetMs = 50;
    private const double RecallTargetMs = 30;
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);

    /// <summary>What a bot notes about a case of each corpus topic before it gives up: the goal, two attempts and the first one's outcome.</summary>
    private static readonly Dictionary<string, (string Goal, string FirstTry, string FirstOutcome, string SecondTry)> Scripts = new()
    {
        ["billing"] = ("wants the duplicate charge refunded and the next bill corrected",
            "Checked the billing history and found two authorisations for the same invoice",
            "The second authorisation is still pending at the bank and cannot be voided from chat",
            "Tried to reverse the pending authorisation from the billing console"),
        ["refunds"] = ("wants the refund paid back to the original card this week",
            "Confirmed the return was scanned at the warehouse",
            "The refund is stuck in review because it exceeds the bot's limit",
            "Offered store credit instead, which the customer declined"),
        ["routers"] = ("wants stable wi-fi at home again before Monday",
            "Walked the customer through a router restart and a firmware update",
            "The wi-fi still drops every few minutes after the update",
            "Ran a line test, which showed noise on the line"),
        ["passwords"] = ("wants to get back into the account and secure it",
            "Sent a password reset email to the address on file",
            "The reset email never arrived; the address on file is outdated",
            "Tried to send the reset code by SMS, but two-factor is locked"),
        ["shipping"] = ("wants the missing parcel delivered or replaced",
            "Checked the tracking, which shows delivered to a neighbour",
            "The neighbour does not have the parcel",
            "Opened a trace with the courier"),
    };

    private static readonly string[] Verifications =
    [
        "Verified identity with date of birth and the last four digits of the card.",
        "Verified the account email and the postcode on file.",
        "Verified the order number and the delivery address.",
    ];

    private static readonly string[] Commitments =
    [
        "The bot promised a call back within 24 hours.",
        "The bot promised an email confirmation once the case is fixed.",
        "The bot promised that a specialist would review the case today.",
    ];

    private static readonly string[] Sentiments =
    [
        "Customer is frustrated: this is the third time they contact us about it.",
        "Customer sounded anxious about being charged again.",
        "Customer is angry and says the service is unacceptable.",
        "Customer was polite and said thanks for the help so far.",
        "Customer is confused by the steps sent by email.",
    ];

    private static readonly string[] Channels = ["chat", "voice", "email", "whatsapp"];

    public string Name => "handoffs";
    public string Description => "handoff engine over HTTP and the hub: escalate → HandoffQueued at the desk, claim → context recall → connect → AgentConnected at the customer, with 1 and 20 concurrent bots";

    public IReadOnlyList<(string Option, string Help)> Options =>
    [
        ("--handoffs N", "handoffs measured per concurrency level (300)"),
        ("--bots LIST", "concurrency levels: bots escalating their own cases at once, comma list (1,20)"),
        ("--background N", "background memories stored first, in 20-memory conversations: 80% in the bots' agent, 20% in 4 other agents (10000)"),
        ("--warmup N", "untimed handoffs through the whole cycle before the first level (50)"),
        ("--seed N", "corpus seed (42)"),
    ];

    public async Task<Report> RunAsync(BenchContext context, CancellationToken ct)
    {
        var a = context.Args;
        var handoffs = a.Int("handoffs", 300);
        var levels = (a.String("bots") ?? "1,20").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 256
                ? v : throw new ArgumentException($"--bots wants whole numbers from 1 to 256, not '{s}'")).ToList();
        if (levels.Count == 0) throw new ArgumentException("--bots needs at least one level, e.g. 1,20");
        var background = a.Int("background", 10_000, min: 0);
        var warmup = a.Int("warmup", 50, min: 0);
        var seed = a.Int("seed", 42, min: 0);
        var log = context.Log;

        var report = new Report(Name, context.CommandLine, MachineInfo.Collect(context.ServerRoot)) { SectionTitle = "Handoffs: escalate → queued event, claim → connected" };
        await using var server = await context.StartServerAsync(ct);
        using var api = new ApiClient(server.BaseAddress, server.ApiKey, maxConnections: 2 * levels.Max() + 8);
        var corpus = new ContactCentreCorpus(seed);
        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var seeder = new Seeder(api, corpus, random, now);

        // --- before any clock: the background, then every case's session and tagged memories ---
        log.WriteLine($"seeding {background:N0} background memories…");
        var seeding = Stopwatch.StartNew();
        await seeder.BackgroundAsync(background, ct);
        log.WriteLine($"building {warmup + levels.Count * handoffs:N0} cases ({MemoriesPerCase} tagged memories each)…");
        var warmCases = await seeder.CasesAsync("warm", warmup, ct);
        var levelCases = new List<IReadOnlyList<Case>>();
        foreach (var bots in levels) levelCases.Add(await seeder.CasesAsync($"b{bots}", handoffs, ct));
        log.WriteLine($"seeded in {seeding.Elapsed.TotalSeconds:F1} s");

        if (warmCases.Count > 0)
        {
            log.WriteLine($"warming up: {warmCases.Count} untimed handoffs…");
            await new LevelRun(server, api, warmCases, Math.Min(2, warmCases.Count)).RunAsync(ct);
        }

        var rows = new RowMeasurer(context, report, attempts: 1);
        var results = new List<LevelResult>();
        for (var l = 0; l < levels.Count; l++)
        {
            await rows.WaitForQuietAsync(server.ProcessId, ct);
            log.WriteLine($"{handoffs:N0} handoffs, {BotsLabel(levels[l])}…");
            var result = await new LevelRun(server, api, levelCases[l], levels[l]).RunAsync(ct);
            results.Add(result);
            var first = AddRows(report, result);
            rows.NoteIfBusy(first);
        }

        foreach (var r in results)
        {
            var eventP95 = r.Stats(r.QueuedEvent, "queued event").P95;
            var recallP95 = r.Stats(r.RecallMs, "recall_ms").P95;
            report.Targets.Add(new TargetCheck($"escalate → HandoffQueued at the desk p95, {r.Label}", $"≤ {EventTargetMs:F0} ms", $"{Report.Ms(eventP95)} ms", eventP95 <= EventTargetMs));
            report.Targets.Add(new TargetCheck($"context recall inside pick-up p95 (server recall_ms), {r.Label}", $"≤ {RecallTargetMs:F0} ms", $"{Report.Ms(recallP95)} ms", recallP95 <= RecallTargetMs));
            report.Targets.Add(new TargetCheck($"customer hears AgentConnecting before AgentConnected, {r.Label}", "every case",
                $"{r.Count - r.CustomerOrderViolations}/{r.Count} cases", r.CustomerOrderViolations == 0));
        }
        report.Tables.Add(new ReportTable("Checks per level",
            ["Bots", "Handoffs", "Handoffs/s", "Queued event before HTTP answer", "Customer order violations", "Desk order violations", "Summary ranked first", "Escalations with warnings", "Summary words, mean"],
            results.Select(r => (IReadOnlyList<string>)[
                r.Bots.ToString(CultureInfo.InvariantCulture), r.Count.ToString("N0", CultureInfo.InvariantCulture),
                (r.Count / r.Wall.TotalSeconds).ToString("F1", CultureInfo.InvariantCulture),
                $"{r.EventBeforeAnswer.Count(x => x)}/{r.Count}", r.CustomerOrderViolations.ToString(CultureInfo.InvariantCulture),
                r.DeskOrderViolations.ToString(CultureInfo.InvariantCulture), $"{r.SummaryFirst.Count(x => x)}/{r.Count}",
                r.Warnings.Count(w => w > 0).ToString(CultureInfo.InvariantCulture), r.Words.Average().ToString("F0", CultureInfo.InvariantCulture),
            ]).ToList())
        {
            Caption = "Customer order: the customer's socket got AgentConnecting, then AgentConnected, for the case. Desk order: the desk's socket got " +
                "HandoffQueued, HandoffClaimed, HandoffConnected in that order. Summary ranked first: the context recall ranked the handoff summary first (summary_recalled).",
        });
        report.Tables.Add(new ReportTable("Where the pick-up time goes (means, ms)",
            ["Bots", "Claim HTTP", "Context HTTP", "of which recall_ms", "Connect HTTP", "Claim → connect answered", "Connect answered → AgentConnected"],
            results.Select(r => (IReadOnlyList<string>)[
                r.Bots.ToString(CultureInfo.InvariantCulture), Report.Ms(r.Claim.Average()), Report.Ms(r.Context.Average()), Report.Ms(r.RecallMs.Average()),
                Report.Ms(r.Connect.Average()), Report.Ms(r.PickUp.Average()), Report.Ms(r.Connected.Zip(r.PickUp, (c, p) => c - p).Average()),
            ]).ToList())
        {
            Caption = "Means add up where percentiles do not: claim + context + connect ≈ claim → connect answered (the rest is the client between requests).",
        });

        report.Setup.Add(("Background", $"{background:N0} memories in {ConversationLength}-memory conversations (one session each, ~10% kept outside it) over the last 60 days: " +
            $"80% in the bots' agent '{BotAgentId}', 20% in 4 other agents; generated contact-centre text, seed {seed}"));
        report.Setup.Add(("Cases", $"per handoff, a session of '{BotAgentId}' with {MemoriesPerCase} memories tagged for the composer (customer-goal with a channel:<c> tag, issue-report, " +
            "verification, attempted-resolution ×2, outcome, commitment, sentiment), one of 5 topics → queue <topic>-tier2, urgency low/normal/high/urgent, " +
            $"a unique customer_id; {warmup} warm-up handoffs, then {handoffs:N0} per level, all built before timing"));
        report.Setup.Add(("Cycle", "bot: WatchConversation(customer_id) on its customer socket, POST /v1/handoffs (generate: true) → desk waits for that " +
            "handoff_id's HandoffQueued → POST claim → GET context?agent_id → POST connect → wait for AgentConnected on the customer socket; then the bot's next case"));
        report.Setup.Add(("Hub clients", "raw WebSocket SignalR JSON protocol (e2e HubSocket): one desk socket joined to the 5 queues with the API key; one anonymous customer socket per bot; " +
            "event times are taken when the client's receive loop parses the message"));
        report.Setup.Add(("Rows", "escalate → HandoffQueued: just before the POST is sent → the desk parsed the event (it may come before the HTTP answer); " +
            "claim → connect answered: claim sent → connect answer read; recall_ms: the context answer's own recall time (server side); " +
            "claim → AgentConnected: claim sent → the customer parsed AgentConnected. Throughput: the level's handoffs per second of wall time (same for every row of a level)"));
        report.Setup.Add(("Server", "AgentDesk.Web Release apphost, Production, SQLite WAL, extractive summary generator and GloVe 100-d embeddings (the defaults), log level Warning" +
            (context.ServerEnvironment.Count > 0 ? $"; extra environment: {string.Join(", ", context.ServerEnvironment.Select(kv => $"{kv.Key}={kv.Value}"))}" : "") +
            (context.ServerRoot != context.RepoRoot ? $"; built from {context.ServerRoot}" : "")));
        report.Setup.Add(("Server after run", $"peak RSS {(server.PeakWorkingSetBytes() is { } rss ? $"{rss / 1024.0 / 1024.0:F0} MiB" : "n/a")}"));
        report.Notes.Add(ServerLogNote(server.RecentOutput));
        report.Notes.Add($"the server, the bots, the desk and the customer sockets share the machine's {Environment.ProcessorCount} logical CPUs; " +
            "a many-bot row shows what this whole machine sustains, not the server alone.");
        return report;
    }

    private static string BotsLabel(int n) => n == 1 ? "1 bot" : $"{n} bots";

    /// <returns>The first row (its CPU share stands for the level's).</returns>
    private static LatencyStats AddRows(Report report, LevelResult r)
    {
        LatencyStats Row(string name, double[] samples)
        {
            var stats = r.Stats(samples, $"{name}, {r.Label}");
            report.Results.Add(stats);
            return stats;
        }
        var first = Row("escalate: POST /v1/handoffs (HTTP answer)", r.Post);
        Row("escalate → HandoffQueued at the desk", r.QueuedEvent);
        Row("claim: POST …/claim", r.Claim);
        Row("context: GET …/context", r.Context);
        Row("recall inside pick-up (server recall_ms)", r.RecallMs);
        Row("connect: POST …/connect", r.Connect);
        Row("claim → connect answered", r.PickUp);
        Row("claim → AgentConnected at the customer", r.Connected);
        return first;
    }

    /// <summary>What the server logged at Warning and above (its last 200 lines are kept): the run should leave nothing.</summary>
    internal static string ServerLogNote(string output)
    {
        var lines = output.Split('\n');
        var problems = lines.Where(l => l.StartsWith("warn:", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal)
            || l.StartsWith("crit:", StringComparison.Ordinal)).ToList();
        return problems.Count == 0
            ? "the server logged no warnings or errors during the run."
            : $"the server logged {problems.Count} warning/error line(s) in its last {lines.Length} output lines; the first: {problems[0].Trim()}";
    }

    /// <summary>One prepared escalation: the bot's session, the customer watching it, the queue, and the request body.</summary>
    internal sealed record Case(string SessionId, string CustomerId, string Queue, byte[] Escalation);

    /// <summary>One memory of a batch store request (snake_case on the wire).</summary>
    private sealed record StoreItem(string Content, double Importance, IReadOnlyList<string>? Tags, string? SessionId, long CreatedAt, string? MemoryType = null);

    /// <summary>Stores the background and builds the cases, through the same HTTP API a bot uses.</summary>
    internal sealed class Seeder(ApiClient api, ContactCentreCorpus corpus, Random random, long now)
    {
        private const int StartClients = 4;
        private const int BatchSize = 1000;

        public async Task BackgroundAsync(int count, CancellationToken ct)
        {
            if (count == 0) return;
            var conversations = (count + ConversationLength - 1) / ConversationLength;
            // Every fifth conversation belongs to one of 4 other agents, so the bots' agent holds 80%.
            var agents = Enumerable.Range(0, conversations).Select(k => k % 5 == 4 ? $"bench-other-{k / 5 % 4 + 1}" : BotAgentId).ToArray();
            var sessions = await StartSessionsAsync(agents, ct);
            var items = new List<(string Agent, StoreItem Item)>(count);
            for (var k = 0; k < conversations; k++)
            {
                var start = now - (long)(random.NextDouble() * 60 * 86_400);
                var length = Math.Min(ConversationLength, count - k * ConversationLength);
                items.AddRange(corpus.Conversation(sessions[k], length, start).Select(m =>
                    (agents[k], new StoreItem(m.Content, m.Importance, m.Tags, m.SessionId, m.CreatedAtUnixSeconds, m.MemoryType))));
            }
            await StoreAsync(items, ct);
        }

        public async Task<IReadOnlyList<Case>> CasesAsync(string label, int count, CancellationToken ct)
        {
            if (count == 0) return [];
            var sessions = await StartSessionsAsync(Enumerable.Repeat(BotAgentId, count).ToArray(), ct);
            var cases = new List<Case>(count);
            var items = new List<(string Agent, StoreItem Item)>(count * MemoriesPerCase);
            for (var i = 0; i < count; i++)
            {
                var topic = corpus.Topic();
                var customer = corpus.CustomerName();
                var customerId = $"cust-{label}-{i + 1:D4}";
                items.AddRange(CaseMemories(sessions[i], topic, customer).Select(item => (BotAgentId, item)));
                var queue = $"{topic}-tier2";
                cases.Add(new Case(sessions[i], customerId, queue, ApiClient.Json(new
                {
                    source_session_id = sessions[i],
                    agent_id = BotAgentId,
                    target_queue = queue,
                    reason = $"the bot could not resolve this {topic} case after two attempts; it needs a tier-2 specialist",
                    urgency = random.NextDouble() switch { < 0.1 => "low", < 0.6 => "normal", < 0.9 => "high", _ => "urgent" },
                    customer_id = customerId,
                    generate = true,
                })));
            }
            await StoreAsync(items, ct);
            return cases;
        }

        /// <summary>The notes a bot leaves while it works a case, oldest first, one minute apart and ending a minute ago.</summary>
        private IEnumerable<StoreItem> CaseMemories(string sessionId, string topic, string customer)
        {
            var script = Scripts[topic];
            var channel = Pick(Channels);
            (string Content, double Importance, string[] Tags)[] notes =
            [
                ($"{customer} {script.Goal}.", 0.9, ["customer-goal", $"channel:{channel}", topic]),
                (corpus.Content(topic, customer), 0.8, ["issue-report", topic]),
                (Pick(Verifications), 0.5, ["verification"]),
                ($"{script.FirstTry}.", 0.6, ["attempted-resolution"]),
                ($"{script.FirstOutcome}.", 0.6, ["outcome"]),
                ($"{script.SecondTry}.", 0.6, ["attempted-resolution"]),
                (Pick(Commitments), 0.8, ["commitment"]),
                (Pick(Sentiments), 0.7, ["sentiment"]),
            ];
            return notes.Select((n, k) => new StoreItem(n.Content, n.Importance, n.Tags, sessionId, now - 60 * (notes.Length - k), "episodic"));
        }

        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        private async Task<string[]> StartSessionsAsync(string[] agents, CancellationToken ct)
        {
            var ids = new string[agents.Length];
            var bodies = agents.Select(agent => ApiClient.Json(new { agent_id = agent })).ToArray();
            await LoadRunner.ConcurrentAsync("start sessions", agents.Length, StartClients, async (i, token) =>
            {
                using var answer = JsonDocument.Parse(await api.PostAsync("/v1/sessions/start", bodies[i], token));
                ids[i] = answer.RootElement.GetProperty("session").GetProperty("id").GetString()!;
            }, ct);
            return ids;
        }

        private async Task StoreAsync(List<(string Agent, StoreItem Item)> items, CancellationToken ct)
        {
            foreach (var agent in items.GroupBy(x => x.Agent))
            {
                foreach (var chunk in agent.Select(x => x.Item).Chunk(BatchSize))
                {
                    using var answer = JsonDocument.Parse(await api.PostAsync("/v1/memories/store/batch", ApiClient.Json(new { agent_id = agent.Key, memories = chunk }), ct));
                    var stored = answer.RootElement.GetProperty("stored_count").GetInt32();
                    if (stored != chunk.Length) throw new InvalidDataException($"batch store answered stored_count {stored}, expected {chunk.Length}");
                }
            }
        }
    }

    /// <summary>What one concurrency level measured, per handoff (index = case), in milliseconds.</summary>
    private sealed class LevelResult(int bots, int count)
    {
        public int Bots { get; } = bots;
        public int Count { get; } = count;
        public string Label => BotsLabel(Bots);
        public string[] Ids { get; } = new string[count];
        public double[] Post { get; } = new double[count];
        public double[] QueuedEvent { get; } = new double[count];
        public bool[] EventBeforeAnswer { get; } = new bool[count];
        public double[] Claim { get; } = new double[count];
        public double[] Context { get; } = new double[count];
        public double[] RecallMs { get; } = new double[count];
        public bool[] SummaryFirst { get; } = new bool[count];
        public double[] Connect { get; } = new double[count];
        public double[] PickUp { get; } = new double[count];
        public double[] Connected { get; } = new double[count];
        public int[] Warnings { get; } = new int[count];
        public int[] Words { get; } = new int[count];
        public TimeSpan Wall { get; set; }
        public CpuShare? Cpu { get; set; }
        public int CustomerOrderViolations { get; set; }
        public int DeskOrderViolations { get; set; }

        /// <summary>A report row over the level's wall time: throughput is handoffs per second.</summary>
        public LatencyStats Stats(double[] samples, string name) => new(name, samples, Wall, Count, "handoffs/s", Bots) { Cpu = Cpu };
    }

    /// <summary>One concurrency level: a desk socket on the queues, one customer socket per bot, each bot working its own cases in turn.</summary>
    private sealed class LevelRun(ServerProcess server, ApiClient api, IReadOnlyList<Case> cases, int bots)
    {
        private readonly LevelResult _result = new(bots, cases.Count);

        public async Task<LevelResult> RunAsync(CancellationToken ct)
        {
            await using var desk = await HubSocket.ConnectAsync(server.BaseAddress, server.ApiKey, ct: ct);
            foreach (var queue in cases.Select(c => c.Queue).Distinct()) await desk.InvokeAsync("JoinQueue", queue);
            var customers = new List<HubSocket>(bots);
            try
            {
                for (var b = 0; b < bots; b++) customers.Add(await HubSocket.ConnectAsync(server.BaseAddress, apiKey: null, ct: ct));
                using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
                async Task Bot(int b)
                {
                    try
                    {
                        var deskAgent = $"bench-desk-{b + 1:D2}";
                        var asDeskAgent = ApiClient.Json(new { agent_id = deskAgent });
                        for (var i = b; i < cases.Count; i += bots) await HandOffAsync(i, desk, customers[b], deskAgent, asDeskAgent, failed.Token);
                    }
                    catch
                    {
                        await failed.CancelAsync();
                        throw;
                    }
                }
                var cpu = CpuUsage.Start(server.ProcessId);
                var wall = Stopwatch.StartNew();
                // Task.Run: each bot starts on the thread pool, so the first awaits do not serialise them.
                await Task.WhenAll(Enumerable.Range(0, bots).Select(b => Task.Run(() => Bot(b), CancellationToken.None)));
                _result.Wall = wall.Elapsed;
                _result.Cpu = cpu.Stop();
                _result.CustomerOrderViolations = customers.Select((socket, b) => CustomerOrderViolations(socket.Received, b)).Sum();
                _result.DeskOrderViolations = await DeskOrderViolationsAsync(desk);
                return _result;
            }
            finally
            {
                foreach (var socket in customers) await socket.DisposeAsync();
            }
        }

        /// <summary>One case, escalation to connected: <paramref name="deskAgent"/> picks up what its bot escalated (<paramref name="asDeskAgent"/>: its request body).</summary>
        private async Task HandOffAsync(int i, HubSocket desk, HubSocket customer, string deskAgent, byte[] asDeskAgent, CancellationToken ct)
        {
            var c = cases[i];
            var r = _result;
            await customer.InvokeAsync("WatchConversation", c.CustomerId);

            var sent = Stopwatch.GetTimestamp();
            var escalated = await api.PostAsync("/v1/handoffs", c.Escalation, ct);
            var answered = Stopwatch.GetTimestamp();
            string id;
            using (var doc = JsonDocument.Parse(escalated))
            {
                var root = doc.RootElement;
                id = root.GetProperty("handoff_id").GetString()!;
                if (root.GetProperty("status").GetString() != "queued")
                    throw new InvalidDataException($"handoff {id} answered status '{root.GetProperty("status").GetString()}', expected 'queued'");
                r.Warnings[i] = root.GetProperty("warnings").GetArrayLength();
                r.Words[i] = root.GetProperty("word_count").GetInt32();
            }
            r.Ids[i] = id;
            var queued = await desk.WaitForAsync("HandoffQueued", e => Is(e, id), EventTimeout);
            r.Post[i] = Ms(sent, answered);
            r.QueuedEvent[i] = Ms(sent, queued.ReceivedAt);
            r.EventBeforeAnswer[i] = queued.ReceivedAt < answered;

            var claimSent = Stopwatch.GetTimestamp();
            await api.PostAsync($"/v1/handoffs/{id}/claim", asDeskAgent, ct);
            var contextSent = Stopwatch.GetTimestamp();
            var context = await api.SendAsync(HttpMethod.Get, $"/v1/handoffs/{id}/context?agent_id={deskAgent}", null, ct);
            var connectSent = Stopwatch.GetTimestamp();
            await api.PostAsync($"/v1/handoffs/{id}/connect", asDeskAgent, ct);
            var connectAnswered = Stopwatch.GetTimestamp();
            var connected = await customer.WaitForAsync("AgentConnected", e => Is(e, id), EventTimeout);

            using (var doc = JsonDocument.Parse(context))
            {
                r.RecallMs[i] = doc.RootElement.GetProperty("recall_ms").GetDouble();
                r.SummaryFirst[i] = doc.RootElement.GetProperty("summary_recalled").GetBoolean();
            }
            r.Claim[i] = Ms(claimSent, contextSent);
            r.Context[i] = Ms(contextSent, connectSent);
            r.Connect[i] = Ms(connectSent, connectAnswered);
            r.PickUp[i] = Ms(claimSent, connectAnswered);
            r.Connected[i] = Ms(claimSent, connected.ReceivedAt);
        }

        /// <summary>This bot's cases whose customer did not hear AgentConnecting before AgentConnected (or missed either).</summary>
        private int CustomerOrderViolations(IReadOnlyList<HubMessage> received, int bot)
        {
            var connecting = FirstIndexById(received, "AgentConnecting");
            var connected = FirstIndexById(received, "AgentConnected");
            var violations = 0;
            for (var i = bot; i < cases.Count; i += bots)
                if (!connecting.TryGetValue(_result.Ids[i], out var first) || !connected.TryGetValue(_result.Ids[i], out var then) || first > then) violations++;
            return violations;
        }

        /// <summary>Cases whose desk events were not HandoffQueued, HandoffClaimed, HandoffConnected in that order; waits for the last ones first.</summary>
        private async Task<int> DeskOrderViolationsAsync(HubSocket desk)
        {
            foreach (var id in _result.Ids) await desk.WaitForAsync("HandoffConnected", e => Is(e, id), EventTimeout);
            var received = desk.Received;
            var queued = FirstIndexById(received, "HandoffQueued");
            var claimed = FirstIndexById(received, "HandoffClaimed");
            var connected = FirstIndexById(received, "HandoffConnected");
            return _result.Ids.Count(id => !(queued.TryGetValue(id, out var q) && claimed.TryGetValue(id, out var c) && connected.TryGetValue(id, out var n) && q < c && c < n));
        }

        private static Dictionary<string, int> FirstIndexById(IReadOnlyList<HubMessage> received, string target)
        {
            var first = new Dictionary<string, int>();
            for (var k = 0; k < received.Count; k++)
                if (received[k].Target == target && HandoffId(received[k].Argument) is { } id) first.TryAdd(id, k);
            return first;
        }

        private static string? HandoffId(JsonElement argument) =>
            argument.ValueKind == JsonValueKind.Object && argument.TryGetProperty("handoff_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

        private static bool Is(JsonElement argument, string id) => HandoffId(argument) == id;

        private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
    }
}
