using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using AgentDesk.Core;
using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Storage;
using AgentDesk.Core.Threads;
using AgentDesk.Web.Api;
using Npgsql;

namespace AgentDesk.Web.Hubs;

/// <summary>
/// Several instances on one PostgreSQL: every change this instance commits (handoffs, memories and sessions, thread
/// turns) goes out with <c>NOTIFY</c>, and every change another instance sends comes in with <c>LISTEN</c> and is
/// delivered to this instance's feeds — so a case escalated through instance A reaches the desks and hub clients
/// connected to instance B, and B's vector index catches up with A's memories.
/// <para>
/// Changes are sent in the order they were published, packed several to a notification (NOTIFY's payload is at most
/// 8,000 bytes); PostgreSQL delivers notifications in commit order. A handoff travels whole when it fits, else as its id
/// for the receiver to read back. Either connection, when lost, is reopened with back-off; what was published while
/// the listener was away is not replayed (a desk re-reads its queue on its next change, and a reload shows the truth).
/// </para>
/// </summary>
public sealed class PostgresFanOut : BackgroundService
{
    public const string ChannelName = "agentdesk_changes";

    /// <summary>Below NOTIFY's 8,000-byte payload limit, with room for the envelope.</summary>
    private const int MaxPayloadBytes = 7_800;

    private static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(10);

    private readonly string _instance = Guid.NewGuid().ToString("N")[..12];
    private readonly Channel<JsonObject> _outbox = Channel.CreateUnbounded<JsonObject>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<string> _inbox = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly string _connectionString;
    private readonly HandoffNotifier _handoffs;
    private readonly DeskEvents _desk;
    private readonly ThreadNotifier _threads;
    private readonly HandoffQueue _queue;
    private readonly ILogger<PostgresFanOut> _logger;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PostgresFanOut(PostgresDialect dialect, HandoffNotifier handoffs, DeskEvents desk, ThreadNotifier threads, HandoffQueue queue, ILogger<PostgresFanOut> logger)
    {
        // Its own pool: a LISTEN connection stays open for the life of the process.
        _connectionString = new NpgsqlConnectionStringBuilder(dialect.ConnectionString) { ApplicationName = "agentdesk-fan-out", Pooling = false }.ToString();
        (_handoffs, _desk, _threads, _queue, _logger) = (handoffs, desk, threads, queue, logger);
        // Subscribed from construction, so nothing committed while the host starts is kept from the others.
        _handoffs.PublishedHere += SendHandoff;
        _desk.PublishedHere += SendDesk;
        _threads.PublishedHere += SendThread;
    }

    /// <summary>Completes once this instance listens (from then on it hears every other instance's changes).</summary>
    public Task Listening => _listening.Task;

    private void SendHandoff(HandoffChange change)
    {
        var whole = JsonSerializer.SerializeToNode(change.Handoff, ApiJson.Options);
        var message = new JsonObject { ["feed"] = "handoff", ["kind"] = change.Kind, ["id"] = change.Handoff.Id, ["previous"] = change.PreviousQueueKey };
        if (Encoding.UTF8.GetByteCount(whole!.ToJsonString()) < MaxPayloadBytes - 200) message["handoff"] = whole;
        _outbox.Writer.TryWrite(message);
    }

    private void SendDesk(DeskChange change) =>
        _outbox.Writer.TryWrite(new JsonObject { ["feed"] = "desk", ["kind"] = change.Kind, ["agent"] = change.AgentId });

    private void SendThread(ThreadChange change) =>
        _outbox.Writer.TryWrite(new JsonObject { ["feed"] = "thread", ["name"] = change.Name });

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(
            KeepAsync("send", SendLoopAsync, stoppingToken),
            KeepAsync("listen", ListenLoopAsync, stoppingToken),
            DeliverLoopAsync(stoppingToken));

    public override void Dispose()
    {
        _handoffs.PublishedHere -= SendHandoff;
        _desk.PublishedHere -= SendDesk;
        _threads.PublishedHere -= SendThread;
        base.Dispose();
    }

    /// <summary>Runs <paramref name="loop"/> until shutdown, reopening its connection with back-off when it fails.</summary>
    private async Task KeepAsync(string what, Func<NpgsqlConnection, CancellationToken, Task> loop, CancellationToken ct)
    {
        var backOff = TimeSpan.FromMilliseconds(200);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                await connection.OpenAsync(ct);
                backOff = TimeSpan.FromMilliseconds(200);
                await loop(connection, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Fan-out {What} connection lost; reopening in {Delay} ms", what, backOff.TotalMilliseconds);
                try { await Task.Delay(backOff, ct); } catch (OperationCanceledException) { return; }
                backOff = TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, MaxBackOff.Ticks));
            }
        }
    }

    /// <summary>Sends what is waiting, packed into as few notifications as the payload limit allows, in publish order.</summary>
    private async Task SendLoopAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var pending = new List<string>();
        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
        notify.Parameters.AddWithValue("channel", ChannelName);
        var payload = notify.Parameters.AddWithValue("payload", "");
        while (await _outbox.Reader.WaitToReadAsync(ct))
        {
            var size = 0;
            while (_outbox.Reader.TryPeek(out var next))
            {
                var text = next.ToJsonString();
                var bytes = Encoding.UTF8.GetByteCount(text) + 1;
                if (pending.Count > 0 && size + bytes > MaxPayloadBytes) break;
                _outbox.Reader.TryRead(out _);
                pending.Add(text);
                size += bytes;
            }
            payload.Value = $"{{\"from\":\"{_instance}\",\"changes\":[{string.Join(',', pending)}]}}";
            await notify.ExecuteNonQueryAsync(ct);
            pending.Clear();
        }
    }

    private async Task ListenLoopAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        connection.Notification += (_, e) => _inbox.Writer.TryWrite(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {ChannelName}", connection))
            await listen.ExecuteNonQueryAsync(ct);
        _listening.TrySetResult();
        _logger.LogInformation("Fan-out instance {Instance} listening on {Channel}", _instance, ChannelName);
        while (true) await connection.WaitAsync(ct);
    }

    /// <summary>Delivers other instances' changes to this instance's feeds, one at a time in the order they came.</summary>
    private async Task DeliverLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var payload in _inbox.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await DeliverAsync(payload, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError(e, "Could not deliver a change from another instance: {Payload}", payload.Length > 300 ? payload[..300] : payload);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task DeliverAsync(string payload, CancellationToken ct)
    {
        var envelope = JsonNode.Parse(payload)!.AsObject();
        if ((string?)envelope["from"] == _instance) return;
        foreach (var change in envelope["changes"]!.AsArray())
        {
            switch ((string?)change!["feed"])
            {
                case "handoff":
                    var handoff = change["handoff"]?.Deserialize<Handoff>(ApiJson.Options) ?? await _queue.GetAsync((string)change["id"]!, ct);
                    if (handoff is not null) _handoffs.Deliver(new HandoffChange((string)change["kind"]!, handoff, (string?)change["previous"]));
                    break;
                case "desk":
                    _desk.Deliver(new DeskChange((string)change["kind"]!, (string)change["agent"]!));
                    break;
                case "thread":
                    _threads.Deliver(new ThreadChange((string)change["name"]!));
                    break;
            }
        }
    }
}
