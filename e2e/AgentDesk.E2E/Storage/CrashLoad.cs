using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentDesk.E2E.Storage;

/// <summary>A memory as the client sent it.</summary>
public sealed record SentMemory(string Id, string AgentId, string Content);

/// <summary>A batch as sent: until acknowledged, it must be found whole or not at all.</summary>
public sealed class SentBatch(string id, IReadOnlyList<SentMemory> items)
{
    public string Id { get; } = id;
    public IReadOnlyList<SentMemory> Items { get; } = items;
    public volatile bool Acknowledged;
}

/// <summary>A handoff the server acknowledged (201), and the furthest lifecycle step it acknowledged on it.</summary>
public sealed class SentHandoff(string id, string summaryMemoryId, string sessionId, string botId)
{
    public string Id { get; } = id;
    public string SummaryMemoryId { get; } = summaryMemoryId;
    public string SessionId { get; } = sessionId;
    public string BotId { get; } = botId;
    public volatile string Status = "queued";

    /// <summary>How far a status is along the lifecycle: what was acknowledged may only have moved on.</summary>
    public static int Rank(string status) => status switch
    {
        "pending" => 0,
        "queued" => 1,
        "claimed" => 2,
        "connected" => 3,
        "resolved" => 4,
        _ => -1,
    };
}

/// <summary>Everything sent and everything acknowledged, per cycle, so each restart checks its own cycle and the end checks all.</summary>
public sealed class WriteLedger
{
    private readonly ConcurrentDictionary<string, (int Cycle, SentMemory Memory)> _memories = new();
    private readonly ConcurrentQueue<(int Cycle, SentBatch Batch)> _batches = new();
    private readonly ConcurrentDictionary<string, (int Cycle, SentHandoff Handoff)> _handoffs = new();

    public SentBatch Send(int cycle, string id, IReadOnlyList<SentMemory> items)
    {
        var batch = new SentBatch(id, items);
        _batches.Enqueue((cycle, batch));
        return batch;
    }

    public void Acknowledge(int cycle, SentMemory memory)
    {
        if (!_memories.TryAdd(memory.Id, (cycle, memory)))
            throw new InvalidOperationException($"memory id {memory.Id} was acknowledged twice");
    }

    public void Acknowledge(int cycle, SentHandoff handoff) => _handoffs[handoff.Id] = (cycle, handoff);

    public IReadOnlyList<SentMemory> Memories(int? cycle = null) => [.. _memories.Values.Where(m => cycle is null || m.Cycle == cycle).Select(m => m.Memory)];

    public IReadOnlyList<SentBatch> UnacknowledgedBatches(int? cycle = null) =>
        [.. _batches.Where(b => !b.Batch.Acknowledged && (cycle is null || b.Cycle == cycle)).Select(b => b.Batch)];

    public IReadOnlyList<SentHandoff> Handoffs(int? cycle = null) => [.. _handoffs.Values.Where(h => cycle is null || h.Cycle == cycle).Select(h => h.Handoff)];
}

/// <summary>One load-and-kill cycle: counts requests and signals when it is time to kill.</summary>
public sealed class Round(int cycle, int killAfter)
{
    private readonly TaskCompletionSource _killPoint = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _acknowledged;
    private int _inFlight;
    private int _interrupted;

    public int Cycle { get; } = cycle;
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

/// <summary>
/// One writer of the crash load: stores, 50-memory batches and handoff lifecycles (a bot session, its conversation,
/// the escalation with a generated summary, a claim, a resolution), every request acknowledged only on a complete
/// 2xx answer, until the process is killed under it.
/// </summary>
public sealed class CrashWriter(HttpClient client, WriteLedger ledger, Round round, int writer)
{
    public const int BatchSize = 50;
    private const int MaxRequests = 2_000;

    public string AgentId => Agent(round.Cycle, writer);
    public string BotId => Bot(round.Cycle, writer);

    public static string Agent(int cycle, int writer) => $"durable-c{cycle}-w{writer}";
    public static string Bot(int cycle, int writer) => $"durable-bot-c{cycle}-w{writer}";
    public static string Customer(int cycle, int writer) => $"crash-c{cycle}-w{writer}";

    private SentHandoff? _open;
    private string? _session;

    public async Task RunUntilKilledAsync()
    {
        for (var n = 0; n < MaxRequests; n++)
        {
            round.RequestStarted();
            try
            {
                switch (n % 4)
                {
                    case 2: await StoreSingleAsync($"c{round.Cycle}-w{writer}-s{n}"); break;
                    case 3: await HandoffStepAsync(n); break;
                    default: await StoreBatchAsync($"c{round.Cycle}-w{writer}-b{n}"); break;
                }
                round.Acknowledged();
            }
            catch (Exception e) when (round.Killed && e is HttpRequestException or IOException or TaskCanceledException)
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

    private async Task StoreSingleAsync(string label)
    {
        var content = $"single {label} {Guid.NewGuid():N}";
        var body = await ReadAsync(await client.PostAsJsonAsync("v1/memory/store",
            new { agent_id = AgentId, content, importance = 0.6, tags = new[] { "e2e", "single" } }), HttpStatusCode.Created);
        var id = body.GetProperty("memory").GetProperty("id").GetString() ?? throw new InvalidOperationException("store answered without a memory id");
        ledger.Acknowledge(round.Cycle, new SentMemory(id, AgentId, content));
    }

    private async Task StoreBatchAsync(string batchId)
    {
        var items = Enumerable.Range(0, BatchSize)
            .Select(i => new SentMemory($"{batchId}-{i}", AgentId, $"batch {batchId} item {i} {Guid.NewGuid():N}"))
            .ToArray();
        var batch = ledger.Send(round.Cycle, batchId, items);
        var body = await ReadAsync(await client.PostAsJsonAsync("v1/memories/store/batch", new
        {
            agent_id = AgentId,
            memories = items.Select(m => new { id = m.Id, content = m.Content, importance = 0.4, tags = new[] { "e2e", "batch" } }),
        }), HttpStatusCode.Created);
        var stored = body.GetProperty("stored_count").GetInt32();
        if (stored != BatchSize) throw new InvalidOperationException($"batch {batchId} stored {stored} of {BatchSize}");
        foreach (var item in items) ledger.Acknowledge(round.Cycle, item);
        batch.Acknowledged = true;
    }

    /// <summary>The next request of this writer's case: open a session, tell the bot the story, escalate, claim, resolve.</summary>
    private async Task HandoffStepAsync(int n)
    {
        if (_open is { } open)
        {
            var (action, status) = open.Status == "queued" ? ("claim", "claimed") : ("resolve", "resolved");
            var body = await ReadAsync(await client.PostAsJsonAsync($"v1/handoffs/{open.Id}/{action}",
                new { agent_id = $"desk-w{writer}", resolution = "refund issued" }), HttpStatusCode.OK);
            if (body.GetProperty("handoff").GetProperty("status").GetString() != status)
                throw new InvalidOperationException($"{action} of {open.Id} answered {body}");
            open.Status = status;
            if (status == "resolved") _open = null;
            return;
        }
        if (_session is null)
        {
            var started = await ReadAsync(await client.PostAsJsonAsync("v1/sessions/start", new { agent_id = BotId }), HttpStatusCode.Created);
            _session = started.GetProperty("session").GetProperty("id").GetString();
            var story = await ReadAsync(await client.PostAsJsonAsync("v1/memories/store/batch", new
            {
                agent_id = BotId,
                memories = Support.CaseApi.BrokenRouter.Select(m => new { content = $"{m.Content} (case {n})", importance = 0.85, tags = new[] { m.Tag, "channel:chat" }, session_id = _session }),
            }), HttpStatusCode.Created);
            return;
        }
        var session = _session;
        _session = null;
        var escalated = await ReadAsync(await client.PostAsJsonAsync("v1/handoffs", new
        {
            source_session_id = session,
            agent_id = BotId,
            target_queue = $"crash-{writer}",
            reason = "line fault needs an engineer",
            urgency = "high",
            customer_id = Customer(round.Cycle, writer),
            generate = true,
        }), HttpStatusCode.Created);
        var handoff = new SentHandoff(escalated.GetProperty("handoff_id").GetString()!, escalated.GetProperty("summary_memory_id").GetString()!, session!, BotId);
        ledger.Acknowledge(round.Cycle, handoff);
        _open = handoff;
    }

    /// <summary>An acknowledgement is a complete answer with the expected status: status and body both read.</summary>
    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != expected)
                throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
