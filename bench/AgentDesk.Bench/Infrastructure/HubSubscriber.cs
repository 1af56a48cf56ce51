using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace AgentDesk.Bench.Infrastructure;

/// <summary>One hub event as a subscriber got it: its target, its argument's <c>handoff_id</c> (if any), and when its frame arrived.</summary>
public readonly record struct ReceivedEvent(string Target, string? HandoffId, long ReceivedAt);

/// <summary>
/// A lean listening-only hub client for fan-out measurements, speaking the SignalR JSON protocol over a plain
/// <see cref="ClientWebSocket"/> like the e2e <c>HubSocket</c>, but its receive loop only stamps and keeps each
/// frame: parsing waits until <see cref="Events"/> is read after the measurement. With a thousand of them in the
/// benchmark process, per-event JSON parsing on receipt would otherwise compete with the server for the same cores
/// and be counted as delivery time. It sends nothing after joining except the pings of <see cref="PingAsync"/>.
/// </summary>
public sealed class HubSubscriber : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1e;
    private static readonly byte[] Ping = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");

    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(long At, byte[] Frame)> _frames = [];
    private readonly byte[] _marker;
    private Task? _receiving;
    private int _marked;

    private HubSubscriber(string countedTarget) => _marker = Encoding.UTF8.GetBytes($"\"target\":\"{countedTarget}\"");

    /// <summary>How many received records name the counted target so far (a byte search, no parsing).</summary>
    public int Counted => Volatile.Read(ref _marked);

    /// <summary>Connects with <paramref name="apiKey"/> as access_token, invokes <c>JoinQueue(queue)</c> and waits for its completion.</summary>
    /// <param name="countedTarget">The event whose arrivals <see cref="Counted"/> counts, e.g. HandoffQueued.</param>
    public static async Task<HubSubscriber> JoinAsync(Uri baseAddress, string apiKey, string queue, string countedTarget, CancellationToken ct, string path = "/hubs/handoffs")
    {
        var hub = new HubSubscriber(countedTarget);
        var uri = new UriBuilder(baseAddress) { Scheme = "ws", Path = path, Query = $"access_token={Uri.EscapeDataString(apiKey)}" };
        try
        {
            await hub._socket.ConnectAsync(uri.Uri, ct);
            await hub.SendAsync("""{"protocol":"json","version":1}""", ct);
            await hub.ReadUntilAsync(root => true, "handshake", ct);
            await hub.SendAsync(JsonSerializer.Serialize(new { type = 1, invocationId = "join", target = "JoinQueue", arguments = new[] { queue } }), ct);
            await hub.ReadUntilAsync(root => root.GetProperty("type").GetInt32() == 3, "JoinQueue", ct);
            hub._receiving = hub.ReceiveLoopAsync();
            return hub;
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every event received since joining, in arrival order; parsed here, after the measurement.</summary>
    public IReadOnlyList<ReceivedEvent> Events()
    {
        (long At, byte[] Frame)[] frames;
        lock (_frames) frames = [.. _frames];
        var events = new List<ReceivedEvent>();
        foreach (var (at, frame) in frames)
        {
            foreach (var record in Records(frame))
            {
                using var doc = JsonDocument.Parse(record);
                var root = doc.RootElement;
                if (root.GetProperty("type").GetInt32() != 1) continue;
                var argument = root.GetProperty("arguments").EnumerateArray().FirstOrDefault();
                var id = argument.ValueKind == JsonValueKind.Object && argument.TryGetProperty("handoff_id", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
                events.Add(new ReceivedEvent(root.GetProperty("target").GetString()!, id, at));
            }
        }
        return events;
    }

    /// <summary>Keeps the connection open (the server drops a client silent for 30 s).</summary>
    public Task PingAsync(CancellationToken ct) => _socket.SendAsync(Ping, WebSocketMessageType.Text, endOfMessage: true, ct);

    /// <summary>Reads messages until a record satisfies <paramref name="done"/>; an error record (handshake refused, hub exception) throws.</summary>
    private async Task ReadUntilAsync(Func<JsonElement, bool> done, string what, CancellationToken ct)
    {
        while (true)
        {
            var (_, frame) = await ReceiveMessageAsync(ct);
            foreach (var record in Records(frame))
            {
                using var doc = JsonDocument.Parse(record);
                var root = doc.RootElement;
                if (root.TryGetProperty("error", out var error)) throw new InvalidOperationException($"{what} refused: {error.GetString()}");
                if (done(root)) return;
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var (at, frame) = await ReceiveMessageAsync(_stop.Token);
                var marks = 0;
                for (var span = frame.AsSpan(); span.IndexOf(_marker) is var k and >= 0; span = span[(k + _marker.Length)..]) marks++;
                lock (_frames) _frames.Add((at, frame));
                if (marks > 0) Interlocked.Add(ref _marked, marks);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException) { }
    }

    /// <summary>One whole WebSocket message and the moment its last part arrived (<see cref="Stopwatch"/> ticks).</summary>
    private async Task<(long At, byte[] Frame)> ReceiveMessageAsync(CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(8 * 1024);
        try
        {
            var message = new ArrayBufferWriter<byte>();
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, ct);
                if (result.MessageType == WebSocketMessageType.Close) throw new WebSocketException("the server closed the WebSocket");
                message.Write(buffer.AsSpan(0, result.Count));
                if (result.EndOfMessage) return (Stopwatch.GetTimestamp(), message.WrittenSpan.ToArray());
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Records(byte[] frame)
    {
        var start = 0;
        for (var i = 0; i < frame.Length; i++)
        {
            if (frame[i] != RecordSeparator) continue;
            if (i > start) yield return frame.AsMemory(start, i - start);
            start = i + 1;
        }
    }

    private Task SendAsync(string json, CancellationToken ct) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(json + (char)RecordSeparator), WebSocketMessageType.Text, endOfMessage: true, ct);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        }
        if (_receiving is not null) await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _stop.Dispose();
    }
}
