using System.Diagnostics;
using System.Text.Json;
using AgentDesk.Bench.Data;
using AgentDesk.Bench.Infrastructure;
using AgentDesk.E2E.Support;

namespace AgentDesk.Bench.Scenarios;

/// <summary>
/// A shift change (issue 6) at its target size: 100 cases being worked by the outgoing shift are handed to the
/// incoming queue in one <c>POST /v1/handoffs/batch</c>, each escalated from its agent's session with a newly
/// drafted extractive summary. Timed from the request to the answer listing every case, and to the last
/// HandoffQueued at a desk socket on the incoming queue. The cases (bot session, tagged memories, escalation, the
/// outgoing agent's claim, context recall and connect) are built before the clock starts, over the same HTTP API.
/// </summary>
public sealed class ShiftBatchScenario : IScenario
{
    private const double TargetMs = 5_000;
    private const int OutgoingAgents = 8;
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(60);

    public string Name => "shift-batch";
    public string Description => "shift change: POST /v1/handoffs/batch of 100 worked cases to a new queue (fresh extractive summaries), to the answer and to the last HandoffQueued at a desk";

    public IReadOnlyList<(string Option, string Help)> Options =>
    [
        ("--cases N", "cases per shift change (100)"),
        ("--runs N", "timed shift changes, each over fresh cases (5)"),
        ("--background N", "background memories stored first (10000)"),
        ("--seed N", "corpus seed (42)"),
    ];

    public async Task<Report> RunAsync(BenchContext context, CancellationToken ct)
    {
        var a = context.Args;
        var count = a.Int("cases", 100, min: 1);
        var runs = a.Int("runs", 5, min: 1);
        var background = a.Int("background", 10_000, min: 0);
        var seed = a.Int("seed", 42, min: 0);
        var log = context.Log;

        var report = new Report(Name, context.CommandLine, MachineInfo.Collect(context.ServerRoot)) { SectionTitle = "Shift change: batch handoff of worked cases" };
        await using var server = await context.StartServerAsync(ct);
        using var api = new ApiClient(server.BaseAddress, server.ApiKey, maxConnections: 16);
        var seeder = new HandoffScenario.Seeder(api, new ContactCentreCorpus(seed), new Random(seed), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        log.WriteLine($"seeding {background:N0} background memories…");
        await seeder.BackgroundAsync(background, ct);

        log.WriteLine("warming up: one untimed shift change of 20 cases…");
        await ShiftChangeAsync(server, api, await WorkedCasesAsync(api, seeder, "warm", 20, ct), "warm-night", ct);

        var answered = new List<double>();
        var delivered = new List<double>();
        var rows = new RowMeasurer(context, report, attempts: 1);
        for (var r = 1; r <= runs; r++)
        {
            log.WriteLine($"run {r}/{runs}: building {count} worked cases…");
            var cases = await WorkedCasesAsync(api, seeder, $"run{r}", count, ct);
            await rows.WaitForQuietAsync(server.ProcessId, ct);
            var (answer, last) = await ShiftChangeAsync(server, api, cases, $"night-{r}", ct);
            log.WriteLine($"  answered in {answer:F0} ms, last HandoffQueued after {last:F0} ms");
            answered.Add(answer);
            delivered.Add(last);
        }

        var wall = TimeSpan.FromMilliseconds(delivered.Sum());
        report.Results.Add(new LatencyStats($"batch of {count}: POST → answer with every case", answered, TimeSpan.FromMilliseconds(answered.Sum()), (long)count * runs, "cases/s"));
        var endToEnd = new LatencyStats($"batch of {count}: POST → last HandoffQueued at the desk", delivered, wall, (long)count * runs, "cases/s");
        report.Results.Add(endToEnd);
        report.Targets.Add(new TargetCheck($"batch handoff of {count} cases, extractive, end to end (worst of {runs} runs)", $"≤ {TargetMs:F0} ms",
            $"{Report.Ms(endToEnd.Samples[^1])} ms", endToEnd.Samples[^1] <= TargetMs));
        report.Setup.Add(("Background", $"{background:N0} memories (the handoffs scenario's corpus and seeder)"));
        report.Setup.Add(("Cases", $"per run {count} fresh cases: a bot session with 8 tagged memories escalated (generate: true) to a tier-2 queue, then claimed, " +
            $"context-recalled and connected by one of {OutgoingAgents} outgoing agents; all before the clock"));
        report.Setup.Add(("Shift change", "one POST /v1/handoffs/batch {cases:[{handoff_id, target_queue}]}: every case escalated from its agent's session " +
            "with a fresh extractive summary carrying the chain, highest urgency first; a desk socket (raw SignalR JSON) joined to the incoming queue counts the HandoffQueued events"));
        report.Setup.Add(("Server", "AgentDesk.Web Release apphost, Production, SQLite WAL, extractive summaries, GloVe 100-d (the defaults)"));
        report.Notes.Add($"each run is one sample: p95/p99 over {runs} runs are the worst runs; throughput is cases handed over per second of batch time");
        return report;
    }

    /// <summary>Fresh cases escalated by bots and being worked (connected) by the outgoing shift; returns their handoff ids.</summary>
    private static async Task<string[]> WorkedCasesAsync(ApiClient api, HandoffScenario.Seeder seeder, string label, int count, CancellationToken ct)
    {
        var cases = await seeder.CasesAsync(label, count, ct);
        var ids = new string[count];
        await LoadRunner.ConcurrentAsync($"escalate and pick up ({label})", count, 4, async (i, token) =>
        {
            using (var escalated = JsonDocument.Parse(await api.PostAsync("/v1/handoffs", cases[i].Escalation, token)))
                ids[i] = escalated.RootElement.GetProperty("handoff_id").GetString()!;
            var agent = ApiClient.Json(new { agent_id = $"bench-early-{i % OutgoingAgents + 1}" });
            await api.PostAsync($"/v1/handoffs/{ids[i]}/claim", agent, token);
            await api.SendAsync(HttpMethod.Get, $"/v1/handoffs/{ids[i]}/context?agent_id=bench-early-{i % OutgoingAgents + 1}", null, token);
            await api.PostAsync($"/v1/handoffs/{ids[i]}/connect", agent, token);
        }, ct);
        return ids;
    }

    /// <returns>Milliseconds from sending the batch to its answer, and to the last HandoffQueued at a desk on the incoming queue.</returns>
    private static async Task<(double Answer, double LastQueued)> ShiftChangeAsync(ServerProcess server, ApiClient api, string[] ids, string queue, CancellationToken ct)
    {
        await using var desk = await HubSocket.ConnectAsync(server.BaseAddress, server.ApiKey, ct: ct);
        await desk.InvokeAsync("JoinQueue", queue);
        var body = ApiClient.Json(new { cases = ids.Select(id => new { handoff_id = id, target_queue = queue }) });

        var start = Stopwatch.GetTimestamp();
        var answer = await api.PostAsync("/v1/handoffs/batch", body, ct);
        var answeredMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        List<string> handedOver;
        using (var doc = JsonDocument.Parse(answer))
        {
            var failed = doc.RootElement.GetProperty("failed").GetInt32();
            if (failed > 0) throw new InvalidDataException($"{failed} of {ids.Length} cases failed: {doc.RootElement.GetProperty("results")}");
            handedOver = doc.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("handoff_id").GetString()!).ToList();
        }
        var last = start;
        foreach (var id in handedOver)
            last = Math.Max(last, (await desk.WaitForAsync("HandoffQueued", e => e.GetProperty("handoff_id").GetString() == id, EventTimeout)).ReceivedAt);
        var lastMs = Stopwatch.GetElapsedTime(start, last).TotalMilliseconds;
        return (answeredMs, lastMs);
    }
}
