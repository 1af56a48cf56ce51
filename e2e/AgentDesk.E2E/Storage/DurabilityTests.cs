using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AgentDesk.E2E.Support;
using AgentDesk.Tests.Shared;
using Xunit.Abstractions;

namespace AgentDesk.E2E.Storage;

/// <summary>
/// What the API acknowledges survives a SIGKILL of the process, and nothing is half-written: writers store single
/// memories, 50-memory batches and whole handoff lifecycles against the real app, the process is killed while their
/// requests are in flight, and the restarted app must hand back every acknowledged write — each batch whole or not at
/// all, each handoff with its summary and each summary with its handoff, each case at least as far along as the last
/// acknowledged step. Twenty kill/restart cycles over one database, on each engine (on PostgreSQL the app is killed, the
/// database server stays up, as in production).
/// </summary>
public sealed class DurabilityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private string? _database;

    private const int Cycles = 20;
    private const int Writers = 4;
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(30);

    private AppProcess? _app;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Writes_ProcessKilledMidLoad20Times_KeepEveryAcknowledgedWriteAndNothingHalfWritten(string engine)
    {
        if (engine == "postgres") _database = TestEngine.CreateDatabase();
        var app = _app = await AppProcess.LaunchAsync(_database is null ? null : Cluster.ClusterFixture.PostgresSettings(_database));
        var ledger = new WriteLedger();
        // Seeded, so a failing kill point can be replayed; each cycle kills at a different moment.
        var random = new Random(20_261_121);
        var interrupted = 0;

        for (var cycle = 1; cycle <= Cycles; cycle++)
        {
            var clock = Stopwatch.StartNew();
            var round = await LoadThenKillAsync(app, ledger, new Round(cycle, random.Next(80, 200)));
            interrupted += round.Interrupted;
            var loadTime = clock.Elapsed;
            await app.StartAsync();
            var restartTime = clock.Elapsed - loadTime;
            var report = await AssertDurableAsync(app.Client, ledger, cycle);
            output.WriteLine(
                $"cycle {cycle}: killed after {round.AcknowledgedRequests} acknowledged requests ({loadTime.TotalSeconds:0.0} s) with {round.InFlightAtKill} in flight, " +
                $"{round.Interrupted} interrupted; restart {restartTime.TotalSeconds:0.0} s; {report} ({(clock.Elapsed - loadTime - restartTime).TotalSeconds:0.0} s)");
        }

        // Later cycles must not have lost what earlier ones checked.
        output.WriteLine($"all cycles: {await AssertDurableAsync(app.Client, ledger, null)}");
        // Otherwise the kill landed between requests every time and the test proved little.
        Assert.True(interrupted >= Cycles / 2, $"only {interrupted} requests were in flight at the {Cycles} kills");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            output.WriteLine(_app.Output(60));
            await _app.DisposeAsync();
        }
        if (_database is not null) TestEngine.DropDatabase(_database);
    }

    private static async Task<Round> LoadThenKillAsync(AppProcess app, WriteLedger ledger, Round round)
    {
        var client = app.Client;
        var writers = Enumerable.Range(1, Writers)
            .Select(writer => Task.Run(() => new CrashWriter(client, ledger, round, writer).RunUntilKilledAsync()))
            .ToArray();
        var allWriters = Task.WhenAll(writers);
        var first = await Task.WhenAny(round.KillPointReached, allWriters).WaitAsync(LoadTimeout);
        if (first == allWriters)
        {
            await allWriters; // surfaces a writer's failure
            throw new InvalidOperationException($"the writers stopped before the kill point of cycle {round.Cycle}");
        }
        round.InFlightAtKill = round.InFlight;
        round.Killed = true;
        await app.KillAsync();
        await allWriters.WaitAsync(LoadTimeout);
        return round;
    }

    /// <summary>Checks one cycle's writes (or, with null, every cycle's) and says what it checked.</summary>
    private static async Task<string> AssertDurableAsync(HttpClient client, WriteLedger ledger, int? cycle)
    {
        var cycles = cycle is { } one ? [one] : Enumerable.Range(1, Cycles).ToArray();
        var stored = new Dictionary<string, JsonElement>();
        foreach (var c in cycles)
            for (var writer = 1; writer <= Writers; writer++)
                foreach (var agent in new[] { CrashWriter.Agent(c, writer), CrashWriter.Bot(c, writer) })
                    foreach (var memory in await AllMemoriesAsync(client, agent))
                        stored[memory.GetProperty("id").GetString()!] = memory;

        var acknowledged = ledger.Memories(cycle);
        var lost = acknowledged.Where(m => !stored.TryGetValue(m.Id, out var s)
            || s.GetProperty("content").GetString() != m.Content || s.GetProperty("agent_id").GetString() != m.AgentId).Select(m => m.Id).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged memories were lost or changed after SIGKILL, e.g. {string.Join(", ", lost.Take(10))}");

        var batches = ledger.UnacknowledgedBatches(cycle);
        foreach (var batch in batches)
        {
            var present = batch.Items.Count(i => stored.ContainsKey(i.Id));
            Assert.True(present is 0 or CrashWriter.BatchSize, $"batch {batch.Id} is half-visible after SIGKILL: {present} of {CrashWriter.BatchSize} items exist");
        }

        var handoffs = await AssertHandoffsAsync(client, ledger, cycles, cycle, stored);
        return $"{acknowledged.Count} acknowledged memories, {batches.Count} unacknowledged batches (each whole or absent), {handoffs}";
    }

    private static async Task<string> AssertHandoffsAsync(HttpClient client, WriteLedger ledger, int[] cycles, int? cycle, Dictionary<string, JsonElement> stored)
    {
        var acknowledged = ledger.Handoffs(cycle);
        foreach (var sent in acknowledged)
        {
            var handoff = (await OkAsync(client, $"v1/handoffs/{sent.Id}")).GetProperty("handoff");
            var status = handoff.GetProperty("status").GetString()!;
            Assert.True(SentHandoff.Rank(status) >= SentHandoff.Rank(sent.Status), $"handoff {sent.Id} was acknowledged {sent.Status} but is {status} after SIGKILL");
            Assert.Equal(sent.SummaryMemoryId, handoff.GetProperty("summary_memory_id").GetString());
            var session = await OkAsync(client, $"v1/sessions/{sent.SessionId}");
            var metadata = (session.TryGetProperty("session", out var s) ? s : session).GetProperty("metadata");
            Assert.Equal(sent.SummaryMemoryId, metadata.GetProperty("handoff_memory_id").GetString());
        }

        // Nothing half-written, acknowledged or not: every handoff has its summary, every summary its handoff.
        var listed = new List<JsonElement>();
        foreach (var c in cycles)
            for (var writer = 1; writer <= Writers; writer++)
                listed.AddRange((await OkAsync(client, $"v1/handoffs?customer_id={CrashWriter.Customer(c, writer)}&limit=1000")).GetProperty("handoffs").EnumerateArray());
        var summaries = listed.Select(h => h.GetProperty("summary_memory_id").GetString()!).ToHashSet();
        foreach (var handoff in listed)
        {
            var summaryId = handoff.GetProperty("summary_memory_id").GetString()!;
            Assert.True(stored.TryGetValue(summaryId, out var summary), $"handoff {handoff.GetProperty("id")} has no summary memory {summaryId}");
            Assert.Equal(1.0, summary.GetProperty("importance").GetDouble());
            Assert.Contains("handoff", summary.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }
        var orphans = stored.Values
            .Where(m => m.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "handoff") && !summaries.Contains(m.GetProperty("id").GetString()!))
            .Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.True(orphans.Count == 0, $"summaries without a handoff after SIGKILL: {string.Join(", ", orphans)}");
        Assert.Subset(listed.Select(h => h.GetProperty("id").GetString()!).ToHashSet(), acknowledged.Select(h => h.Id).ToHashSet());
        return $"{acknowledged.Count} acknowledged handoffs of {listed.Count} made, each with its summary";
    }

    private static async Task<List<JsonElement>> AllMemoriesAsync(HttpClient client, string agent)
    {
        const int Page = 1000;
        var all = new List<JsonElement>();
        for (var offset = 0; ; offset += Page)
        {
            var page = await OkAsync(client, $"v1/agents/{agent}/memories?limit={Page}&offset={offset}");
            var items = (page.ValueKind == JsonValueKind.Array ? page : page.GetProperty("memories")).EnumerateArray().ToList();
            all.AddRange(items);
            if (items.Count < Page) return all;
        }
    }

    private static async Task<JsonElement> OkAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
