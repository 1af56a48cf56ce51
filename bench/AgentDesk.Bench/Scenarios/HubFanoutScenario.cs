using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentDesk.Bench.Data;
using AgentDesk.Bench.Infrastructure;

namespace AgentDesk.Bench.Scenarios;

/// <summary>
/// Issue 7's fan-out: many desk screens on one queue when a burst of escalations arrives. Opens N hub WebSockets
/// (the SignalR JSON protocol over plain WebSockets, <see cref="HubSubscriber"/>), each joined to one queue with a desk key, then a few
/// bots send M escalations into it at once. Every subscriber must hear every HandoffQueued; the delivery latency
/// of each (subscriber, event) is measured on this process's clock from the escalation's HTTP answer (and, as a
/// second row, from just before it was sent) to the arrival of the WebSocket message carrying the event.
/// </summary>
public sealed class HubFanoutScenario : IScenario
{
    private const string Queue = "fanout-tier2";
    private const string BotAgentId = "fanout-bot";
    private const double DeliveryP95TargetMs = 250;
    private const int ConnectConcurrency = 50;
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan PingEvery = TimeSpan.FromSeconds(10);

    public string Name => "hub-fanout";
    public string Description => "issue 7 fan-out: N hub connections joined to one queue, an escalation burst into it: HandoffQueued delivery p50/p95/p99 per subscriber and event, received vs expected";

    public IReadOnlyList<(string Option, string Help)> Options =>
    [
        ("--subscribers N", "hub WebSocket connections, all joined to one queue (1000)"),
        ("--events M", "escalations in the burst (100)"),
        ("--senders N", "concurrent bots sending the burst (4)"),
        ("--seed N", "corpus seed (42)"),
    ];

    public async Task<Report> RunAsync(BenchContext context, CancellationToken ct)
    {
        var a = context.Args;
        var subscribers = a.Int("subscribers", 1000, max: 10_000);
        var events = a.Int("events", 100, max: 10_000);
        var senders = a.Int("senders", 4, max: 64);
        var seed = a.Int("seed", 42, min: 0);
        var log = context.Log;

        var report = new Report(Name, context.CommandLine, MachineInfo.Collect(context.ServerRoot)) { SectionTitle = "Load: hub fan-out of an escalation burst (issue 7)" };
        await using var server = await context.StartServerAsync(ct);
        using var root = new ApiClient(server.BaseAddress, server.ApiKey, maxConnections: 4);
        var deskKey = await root.CreateKeyAsync("fan-out desks", ["read"], null, ct);
        var botKey = await root.CreateKeyAsync("fan-out bots", ["sessions", "write", "handoffs"], [BotAgentId], ct);
        using var bot = new ApiClient(server.BaseAddress, botKey, maxConnections: senders);

        log.WriteLine($"preparing {events} bot sessions…");
        var bodies = await PrepareEscalationsAsync(bot, events, seed, ct);

        log.WriteLine($"opening {subscribers:N0} hub connections ({ConnectConcurrency} at a time), each joining '{Queue}'…");
        var sockets = new HubSubscriber?[subscribers];
        using var stopPings = new CancellationTokenSource();
        Task? pinging = null;
        try
        {
            var connects = await LoadRunner.ConcurrentAsync("connect + JoinQueue (its completion received)", subscribers, ConnectConcurrency, async (i, token) =>
            {
                sockets[i] = await HubSubscriber.JoinAsync(server.BaseAddress, deskKey, Queue, "HandoffQueued", token);
            }, ct, unit: "connections/s", serverPid: server.ProcessId);
            report.Results.Add(connects);
            var open = sockets.Select(s => s!).ToArray();
            pinging = PingAsync(open, stopPings.Token);
            var serverFiles = OpenFiles(server.ProcessId);

            var rows = new RowMeasurer(context, report, attempts: 1);
            await rows.WaitForQuietAsync(server.ProcessId, ct);
            var loadBefore = MachineInfo.LoadAverage();
            log.WriteLine($"burst: {events} escalations from {senders} senders to {subscribers:N0} subscribers (load average {loadBefore})…");
            var burst = await BurstAsync(bot, bodies, senders, server.ProcessId, ct);
            var delivered = await WaitForDeliveriesAsync(open, burst, ct);
            var loadAfter = MachineInfo.LoadAverage();

            var expected = (long)subscribers * events;
            var post = new LatencyStats($"escalate: POST /v1/handoffs, {senders} senders", burst.PostMs, burst.SendWall, unit: "handoffs/s", clients: senders) { Cpu = delivered.Cpu };
            report.Results.Add(post);
            rows.NoteIfBusy(post);
            var fromAnswer = new LatencyStats("delivery: HTTP answer → HandoffQueued at the subscriber", delivered.FromAnswerMs, delivered.Wall,
                unit: "deliveries/s", clients: subscribers)
            { Cpu = delivered.Cpu };
            var fromSend = new LatencyStats("delivery: request sent → HandoffQueued at the subscriber", delivered.FromSendMs, delivered.Wall,
                unit: "deliveries/s", clients: subscribers)
            { Cpu = delivered.Cpu };
            report.Results.Add(fromAnswer);
            report.Results.Add(fromSend);

            report.Tables.Add(new ReportTable("Burst",
                ["Subscribers", "Events", "Received / expected", "Subscribers with every event", "Duplicates", "Events before their HTTP answer", "Send wall", "First send → last delivery"],
                [[
                    subscribers.ToString("N0", CultureInfo.InvariantCulture), events.ToString("N0", CultureInfo.InvariantCulture),
                    $"{delivered.Received.ToString("N0", CultureInfo.InvariantCulture)} / {expected.ToString("N0", CultureInfo.InvariantCulture)}",
                    $"{delivered.Complete.ToString("N0", CultureInfo.InvariantCulture)} / {subscribers.ToString("N0", CultureInfo.InvariantCulture)}",
                    delivered.Duplicates.ToString("N0", CultureInfo.InvariantCulture),
                    delivered.FromAnswerMs.Count(ms => ms < 0).ToString("N0", CultureInfo.InvariantCulture),
                    $"{burst.SendWall.TotalMilliseconds:F0} ms", $"{delivered.Wall.TotalMilliseconds:F0} ms",
                ]])
            {
                Caption = "Delivery wall and deliveries/s run from the first escalation sent to the last event received by any subscriber.",
            });
            report.Targets.Add(new TargetCheck("every subscriber receives every event", $"{expected:N0} of {expected:N0}", $"{delivered.Received:N0} of {expected:N0}",
                delivered.Received == expected && delivered.Duplicates == 0));
            report.Targets.Add(new TargetCheck($"delivery p95 (HTTP answer → received), {subscribers:N0} subscribers", $"≤ {DeliveryP95TargetMs:F0} ms",
                $"{Report.Ms(fromAnswer.P95)} ms", fromAnswer.P95 <= DeliveryP95TargetMs));

            report.Setup.Add(("Subscribers", $"{subscribers:N0} hub WebSockets (SignalR JSON protocol, no negotiate; HubSubscriber: the receive loop stamps and keeps each message, parsing comes after the measurement), all with one desk API key (scope read) " +
                $"passed as access_token, each JoinQueue('{Queue}') completed before the burst; opened {ConnectConcurrency} at a time; a ping to each every 10 s"));
            report.Setup.Add(("Burst", $"{events} escalations (POST /v1/handoffs with a caller-written structured summary, each from its own prepared session of '{BotAgentId}' " +
                $"holding 2 notes) into '{Queue}', sent by {senders} concurrent senders back to back, under a bot key scoped to '{BotAgentId}'"));
            report.Setup.Add(("Delivery latency", "per (subscriber, event), on this process's monotonic clock: the WebSocket message carrying HandoffQueued was received minus the moment " +
                "the escalation's HTTP answer was read (target row; negative when the event beat the answer) or minus the moment just before the request was sent"));
            report.Setup.Add(("Server limits checked", $"Kestrel MaxConcurrentConnections and MaxConcurrentUpgradedConnections are not set (unlimited); the hub has no per-key " +
                $"connection limit and the per-key rate limit covers /v1 only, not /hubs; server open-file limit {serverFiles.Limit}, {serverFiles.Open} descriptors open with " +
                $"every subscriber connected; net.core.somaxconn {Somaxconn()}"));
            report.Setup.Add(("Load average (1/5/15 min)", $"{loadBefore} before the burst, {loadAfter} after"));
            report.Setup.Add(("Server", "AgentDesk.Web Release apphost, Production, SQLite WAL, the defaults, log level Warning" +
                (context.ServerEnvironment.Count > 0 ? $"; extra environment: {string.Join(", ", context.ServerEnvironment.Select(kv => $"{kv.Key}={kv.Value}"))}" : "") +
                (context.ServerRoot != context.RepoRoot ? $"; built from {context.ServerRoot}" : "")));
            report.Setup.Add(("Server after run", $"peak RSS {(server.PeakWorkingSetBytes() is { } rss ? $"{rss / 1024.0 / 1024.0:F0} MiB" : "n/a")}"));
            report.Notes.Add(HandoffScenario.ServerLogNote(server.RecentOutput));
            report.Notes.Add($"the server, the senders and all {subscribers:N0} subscriber sockets share the machine's " +
                $"{Environment.ProcessorCount} logical CPUs; delivery latency includes the client's own receive scheduling.");
            return report;
        }
        finally
        {
            await stopPings.CancelAsync();
            if (pinging is not null) await pinging.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Task.WhenAll(sockets.OfType<HubSubscriber>().Select(s => s.DisposeAsync().AsTask()));
        }
    }

    /// <summary>One session per escalation with two notes, all stored before any clock; returns the request bodies.</summary>
    private static async Task<byte[][]> PrepareEscalationsAsync(ApiClient bot, int events, int seed, CancellationToken ct)
    {
        var corpus = new ContactCentreCorpus(seed);
        var sessions = new string[events];
        var start = ApiClient.Json(new { agent_id = BotAgentId });
        await LoadRunner.ConcurrentAsync("start sessions", events, 4, async (i, token) =>
        {
            using var answer = JsonDocument.Parse(await bot.PostAsync("/v1/sessions/start", start, token));
            sessions[i] = answer.RootElement.GetProperty("session").GetProperty("id").GetString()!;
        }, ct);
        var bodies = new byte[events][];
        var notes = new List<object>(2 * events);
        for (var i = 0; i < events; i++)
        {
            var topic = corpus.Topic();
            var customer = corpus.CustomerName();
            var situation = corpus.Content(topic, customer);
            notes.Add(new { content = $"{customer} wants the {topic} problem fixed today.", session_id = sessions[i], importance = 0.8, tags = new[] { "customer-goal", topic } });
            notes.Add(new { content = situation, session_id = sessions[i], importance = 0.7, tags = new[] { "issue-report", topic } });
            bodies[i] = ApiClient.Json(MixedLoadScenario.Escalation(sessions[i], BotAgentId, topic, customer, situation, "high", "frustrated", customerId: null, Queue));
        }
        foreach (var chunk in notes.Chunk(1000))
            await bot.PostAsync("/v1/memories/store/batch", ApiClient.Json(new { agent_id = BotAgentId, memories = chunk }), ct);
        return bodies;
    }

    /// <summary>What the senders did, per event (index = event): handoff id, and when its request was sent and answered.</summary>
    private sealed class Burst(int events)
    {
        public string[] Ids { get; } = new string[events];
        public long[] Sent { get; } = new long[events];
        public long[] Answered { get; } = new long[events];
        public double[] PostMs => [.. Sent.Zip(Answered, (s, a) => (a - s) * 1000.0 / Stopwatch.Frequency)];
        public TimeSpan SendWall { get; set; }
        public CpuUsage? CpuStart { get; set; }
    }

    private static async Task<Burst> BurstAsync(ApiClient bot, byte[][] bodies, int senders, int serverPid, CancellationToken ct)
    {
        var burst = new Burst(bodies.Length) { CpuStart = CpuUsage.Start(serverPid) };
        var next = -1;
        async Task Sender()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Length)
            {
                burst.Sent[i] = Stopwatch.GetTimestamp();
                var answer = await bot.PostAsync("/v1/handoffs", bodies[i], ct);
                burst.Answered[i] = Stopwatch.GetTimestamp();
                using var doc = JsonDocument.Parse(answer);
                burst.Ids[i] = doc.RootElement.GetProperty("handoff_id").GetString()!;
            }
        }
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(Sender, CancellationToken.None)));
        burst.SendWall = wall.Elapsed;
        return burst;
    }

    /// <summary>Every (subscriber, event) delivery, once all arrived or the timeout passed.</summary>
    private sealed record Deliveries(double[] FromAnswerMs, double[] FromSendMs, long Received, int Complete, long Duplicates, TimeSpan Wall, CpuShare? Cpu);

    private static async Task<Deliveries> WaitForDeliveriesAsync(HubSubscriber[] sockets, Burst burst, CancellationToken ct)
    {
        var events = burst.Ids.Length;
        var deadline = Stopwatch.GetTimestamp() + (long)(DeliveryTimeout.TotalSeconds * Stopwatch.Frequency);
        while (sockets.Any(s => s.Counted < events) && Stopwatch.GetTimestamp() < deadline) await Task.Delay(20, ct);
        var cpu = burst.CpuStart!.Stop();

        // Parsed only now, after the clock: the receive loops kept raw frames.
        var index = burst.Ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        var fromAnswer = new List<double>(sockets.Length * events);
        var fromSend = new List<double>(sockets.Length * events);
        long duplicates = 0;
        var complete = 0;
        var first = burst.Sent.Min();
        var last = first;
        foreach (var socket in sockets)
        {
            var seen = new HashSet<int>();
            foreach (var e in socket.Events())
            {
                if (e.Target != "HandoffQueued" || e.HandoffId is null || !index.TryGetValue(e.HandoffId, out var i)) continue;
                if (!seen.Add(i))
                {
                    duplicates++;
                    continue;
                }
                fromAnswer.Add((e.ReceivedAt - burst.Answered[i]) * 1000.0 / Stopwatch.Frequency);
                fromSend.Add((e.ReceivedAt - burst.Sent[i]) * 1000.0 / Stopwatch.Frequency);
                last = Math.Max(last, e.ReceivedAt);
            }
            if (seen.Count == events) complete++;
        }
        if (fromAnswer.Count == 0) throw new TimeoutException($"no subscriber received any HandoffQueued within {DeliveryTimeout.TotalSeconds:F0} s");
        return new Deliveries([.. fromAnswer], [.. fromSend], fromAnswer.Count, complete, duplicates, TimeSpan.FromSeconds((last - first) / (double)Stopwatch.Frequency), cpu);
    }

    /// <summary>A ping to every subscriber every 10 s, so none is dropped as silent while the run waits or measures.</summary>
    private static async Task PingAsync(HubSubscriber[] sockets, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(PingEvery);
        while (await timer.WaitForNextTickAsync(ct))
            foreach (var socket in sockets) await socket.PingAsync(ct);
    }

    /// <summary>The server's "Max open files" soft limit and how many descriptors it holds (from /proc).</summary>
    private static (string Limit, string Open) OpenFiles(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var limit = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] ?? "n/a";
            return (limit, Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length.ToString("N0", CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ("n/a", "n/a");
        }
    }

    private static string Somaxconn() =>
        File.Exists("/proc/sys/net/core/somaxconn") ? File.ReadAllText("/proc/sys/net/core/somaxconn").Trim() : "n/a";
}
