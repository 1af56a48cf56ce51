using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentDesk.E2E.Support;
using Xunit.Abstractions;

namespace AgentDesk.E2E.Storage;

/// <summary>
/// What the API acknowledges survives a SIGKILL of the process, and a batch is all or nothing:
/// writers hammer the real app, the process is killed while their requests are in flight, and the
/// restarted app (same SQLite file) must hand back every acknowledged memory.
/// </summary>
public sealed class DurabilityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cycles = 3;
    private const int Writers = 4;
    private const int BatchSize = 50;
    private const int MaxRequestsPerWriter = 2_000;
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(20);

    private AppProcess? _app;

    [Fact]
    public async Task Store_ProcessKilledMidLoad_KeepsEveryAcknowledgedMemoryAndNoHalfBatch()
    {
        var app = _app!;
        var ledger = new WriteLedger();
        // Seeded, so a failing kill point can be replayed; each cycle kills at a different moment.
        var random = new Random(20_251_121);
        var interrupted = 0;

        for (var cycle = 1; cycle <= Cycles; cycle++)
        {
            var killAfter = random.Next(120, 240);
            var clock = Stopwatch.StartNew();
            var round = await LoadThenKillAsync(app, ledger, cycle, killAfter);
            interrupted += round.Interrupted;
            var loadTime = clock.Elapsed;

            await app.StartAsync();
            var restartTime = clock.Elapsed - loadTime;
            var (checkedMemories, committedInFlightBatches) = await AssertDurableAsync(app.Client, ledger);

            output.WriteLine(
                $"cycle {cycle}: killed after {round.AcknowledgedRequests} acknowledged requests ({loadTime.TotalSeconds:0.0} s of load) " +
                $"with {round.InFlightAtKill} in flight, {round.Interrupted} interrupted; restart {restartTime.TotalSeconds:0.0} s; " +
                $"{checkedMemories} acknowledged memories read back; {committedInFlightBatches} of {ledger.UnacknowledgedBatches().Count} unacknowledged batches so far committed whole " +
                $"({(clock.Elapsed - loadTime - restartTime).TotalSeconds:0.0} s)");
        }

        // Otherwise the kill landed between requests every time and the test proved little.
        Assert.True(interrupted > 0, "no request was in flight when the process was killed");
    }

    public async Task InitializeAsync() => _app = await AppProcess.LaunchAsync();

    public async Task DisposeAsync()
    {
        if (_app is null) return;
        output.WriteLine(_app.Output());
        await _app.DisposeAsync();
    }

    private static async Task<Round> LoadThenKillAsync(AppProcess app, WriteLedger ledger, int cycle, int killAfter)
    {
        var round = new Round(killAfter);
        var client = app.Client;
        var writers = Enumerable.Range(1, Writers)
            .Select(writer => Task.Run(() => WriteUntilKilledAsync(client, ledger, round, cycle, writer)))
            .ToArray();

        var allWriters = Task.WhenAll(writers);
        var first = await Task.WhenAny(round.KillPointReached, allWriters).WaitAsync(LoadTimeout);
        if (first == allWriters)
        {
            await allWriters; // surfaces a writer's failure
            throw new InvalidOperationException($"the writers stopped before {killAfter} acknowledged requests");
        }

        round.InFlightAtKill = round.InFlight;
        round.Killed = true;
        await app.KillAsync();
        await allWriters.WaitAsync(LoadTimeout);
        return round;
    }

    private static async Task WriteUntilKilledAsync(HttpClient client, WriteLedger ledger, Round round, int cycle, int writer)
    {
        var agentId = $"durable-w{writer}";
        for (var n = 0; n < MaxRequestsPerWriter; n++)
        {
            round.RequestStarted();
            try
            {
                // Two batches to one single store: batches are what a kill can tear in half.
                if (n % 3 == 2) await StoreSingleAsync(client, ledger, agentId, $"c{cycle}-w{writer}-s{n}");
                else await StoreBatchAsync(client, ledger, agentId, $"c{cycle}-w{writer}-b{n}");
                round.Acknowledged();
            }
            catch (Exception e) when (round.Killed && e is HttpRequestException or IOException)
            {
                round.RequestInterrupted();
                return;
            }
            finally
            {
                round.RequestEnded();
            }
        }
    }

    private static async Task StoreSingleAsync(HttpClient client, WriteLedger ledger, string agentId, string label)
    {
        var content = $"single {label} {Guid.NewGuid():N}";
        using var response = await client.PostAsJsonAsync("v1/memory/store",
            new { agent_id = agentId, content, importance = 0.6, tags = new[] { "e2e", "single" } });
        var body = await ReadCreatedAsync(response);
        var id = body.GetProperty("memory").GetProperty("id").GetString()
            ?? throw new InvalidOperationException("store answered without a memory id");
        ledger.Acknowledge(new SentMemory(id, agentId, content));
    }

    private static async Task StoreBatchAsync(HttpClient client, WriteLedger ledger, string agentId, string batchId)
    {
        var items = Enumerable.Range(0, BatchSize)
            .Select(i => new SentMemory($"{batchId}-{i}", agentId, $"batch {batchId} item {i} {Guid.NewGuid():N}"))
            .ToArray();
        var batch = ledger.Send(batchId, items);
        using var response = await client.PostAsJsonAsync("v1/memories/store/batch", new
        {
            agent_id = agentId,
            memories = items.Select(m => new { id = m.Id, content = m.Content, importance = 0.4, tags = new[] { "e2e", "batch" } }),
        });
        var body = await ReadCreatedAsync(response);
        var storedCount = body.GetProperty("stored_count").GetInt32();
        if (storedCount != BatchSize) throw new InvalidOperationException($"batch {batchId} stored {storedCount} of {BatchSize}");
        foreach (var item in items) ledger.Acknowledge(item);
        batch.Acknowledged = true;
    }

    /// <summary>An acknowledgement is a complete 2xx answer: status and body both read.</summary>
    private static async Task<JsonElement> ReadCreatedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    /// <returns>How many acknowledged memories were read back, and how many unacknowledged batches were committed whole.</returns>
    private static async Task<(int Checked, int CommittedInFlight)> AssertDurableAsync(HttpClient client, WriteLedger ledger)
    {
        var acknowledged = ledger.Acknowledged();
        var lost = await MissingOrWrongAsync(client, acknowledged);
        Assert.True(lost.Count == 0,
            $"{lost.Count} of {acknowledged.Count} acknowledged memories were lost or changed after SIGKILL, e.g.\n{string.Join('\n', lost.Take(10))}");

        var committedInFlight = 0;
        foreach (var batch in ledger.UnacknowledgedBatches())
        {
            var absent = await MissingOrWrongAsync(client, batch.Items);
            Assert.True(absent.Count is 0 or BatchSize,
                $"batch {batch.Id} is half-visible after SIGKILL: {BatchSize - absent.Count} of {BatchSize} items exist; missing e.g.\n{string.Join('\n', absent.Take(5))}");
            if (absent.Count == 0) committedInFlight++;
        }
        return (acknowledged.Count, committedInFlight);
    }

    /// <summary>Reads each memory back by id; returns a line for each that is missing or differs.</summary>
    private static async Task<List<string>> MissingOrWrongAsync(HttpClient client, IReadOnlyCollection<SentMemory> memories)
    {
        var problems = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(memories, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (memory, ct) =>
        {
            using var response = await client.GetAsync($"v1/memory/get/{Uri.EscapeDataString(memory.Id)}", ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                problems.Add($"{memory.Id}: not found");
                return;
            }
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"get {memory.Id} answered {(int)response.StatusCode}: {text}");
            var stored = JsonDocument.Parse(text).RootElement;
            var content = stored.GetProperty("content").GetString();
            var agentId = stored.GetProperty("agent_id").GetString();
            if (content != memory.Content || agentId != memory.AgentId)
                problems.Add($"{memory.Id}: stored as ({agentId}, '{content}'), sent as ({memory.AgentId}, '{memory.Content}')");
        });
        return [.. problems];
    }

    private sealed record SentMemory(string Id, string AgentId, string Content);

    private sealed class SentBatch(string id, IReadOnlyList<SentMemory> items)
    {
        public string Id { get; } = id;
        public IReadOnlyList<SentMemory> Items { get; } = items;
        public volatile bool Acknowledged;
    }

    /// <summary>Every batch sent and every memory acknowledged, across all cycles.</summary>
    private sealed class WriteLedger
    {
        private readonly ConcurrentDictionary<string, SentMemory> _acknowledged = new();
        private readonly ConcurrentQueue<SentBatch> _batches = new();

        public SentBatch Send(string id, IReadOnlyList<SentMemory> items)
        {
            var batch = new SentBatch(id, items);
            _batches.Enqueue(batch);
            return batch;
        }

        public void Acknowledge(SentMemory memory)
        {
            if (!_acknowledged.TryAdd(memory.Id, memory))
                throw new InvalidOperationException($"memory id {memory.Id} was acknowledged twice");
        }

        public IReadOnlyCollection<SentMemory> Acknowledged() => [.. _acknowledged.Values];

        public IReadOnlyList<SentBatch> UnacknowledgedBatches() => [.. _batches.Where(b => !b.Acknowledged)];
    }

    /// <summary>One load-and-kill cycle: counts requests and signals when it is time to kill.</summary>
    private sealed class Round(int killAfter)
    {
        private readonly TaskCompletionSource _killPoint = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _acknowledged;
        private int _inFlight;
        private int _interrupted;

        public Task KillPointReached => _killPoint.Task;
        public int AcknowledgedRequests => Volatile.Read(ref _acknowledged);
        public int InFlight => Volatile.Read(ref _inFlight);
        public int InFlightAtKill { get; set; }
        public volatile bool Killed;

        public int Interrupted => Volatile.Read(ref _interrupted);

        public void RequestStarted() => Interlocked.Increment(ref _inFlight);
        public void RequestEnded() => Interlocked.Decrement(ref _inFlight);
        public void RequestInterrupted() => Interlocked.Increment(ref _interrupted);

        public void Acknowledged()
        {
            if (Interlocked.Increment(ref _acknowledged) >= killAfter) _killPoint.TrySetResult();
        }
    }
}
