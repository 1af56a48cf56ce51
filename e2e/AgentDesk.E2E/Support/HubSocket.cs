using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace AgentDesk.E2E.Support;

/// <summary>One server-to-client hub event: its name, its single argument, and when it arrived (<see cref="Stopwatch"/> ticks).</summary>
public sealed record HubMessage(string Target, JsonElement Argument, long ReceivedAt);

/// <summary>A hub method answered with an error (<c>HubException</c> message, or the connection closed).</summary>
public sealed class HubInvocationException(string message) : Exception(message);

/// <summary>
/// A SignalR client over a plain <see cref="ClientWebSocket"/> speaking the JSON hub protocol (records ended by 0x1E:
/// handshake, invocations type 1, completions type 3, pings type 6, close type 7), because the .NET SignalR client
/// cannot be restored on this machine. It connects straight to the WebSocket endpoint without negotiation, as the
/// browser client's <c>skipNegotiation</c> does. Also compiled into the benchmark harness.
/// </summary>
public sealed class HubSocket : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private static readonly TimeSpan KeepAliveEvery = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly List<HubMessage> _received = [];
    private readonly Dictionary<string, TaskCompletionSource<JsonElement?>> _pending = [];
    private readonly StringBuilder _partial = new();
    // Stateful: a message longer than the receive buffer can split a multi-byte UTF-8 character between two reads.
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private readonly TaskCompletionSource<string?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextInvocation;
    private Task? _receiving;
    private Task? _keepAlive;

    private HubSocket() { }

    /// <summary>Every event received so far, in arrival order.</summary>
    public IReadOnlyList<HubMessage> Received
    {
        get { lock (_received) return [.. _received]; }
    }

    /// <summary>Completes when the server closes the connection, with the close message's error if it gave one.</summary>
    public Task<string?> Closed => _closed.Task;

    /// <param name="baseAddress">The app, e.g. <c>http://127.0.0.1:5123/</c>.</param>
    /// <param name="apiKey">Sent as <c>access_token</c>, as the browser client does for WebSockets; null connects anonymously.</param>
    public static async Task<HubSocket> ConnectAsync(Uri baseAddress, string? apiKey, string path = "/hubs/handoffs", CancellationToken ct = default)
    {
        var hub = new HubSocket();
        var uri = new UriBuilder(baseAddress) { Scheme = baseAddress.Scheme == "https" ? "wss" : "ws", Path = path };
        if (apiKey is not null) uri.Query = $"access_token={Uri.EscapeDataString(apiKey)}";
        try
        {
            await hub._socket.ConnectAsync(uri.Uri, ct);
            await hub.SendAsync("""{"protocol":"json","version":1}""", ct);
            var records = await hub.ReceiveRecordsAsync(ct);
            using (var answer = JsonDocument.Parse(records[0]))
                if (answer.RootElement.TryGetProperty("error", out var error))
                    throw new HubInvocationException($"handshake refused: {error.GetString()}");
            foreach (var record in records.Skip(1)) hub.Handle(record);
            hub._receiving = hub.ReceiveLoopAsync();
            hub._keepAlive = hub.KeepAliveAsync();
            return hub;
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
    }

    /// <summary>Calls a hub method and waits for its completion; its result (null for none), or <see cref="HubInvocationException"/>.</summary>
    public async Task<JsonElement?> InvokeAsync(string target, params object?[] arguments)
    {
        var id = Interlocked.Increment(ref _nextInvocation).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var completion = new TaskCompletionSource<JsonElement?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending) _pending[id] = completion;
        await SendAsync(JsonSerializer.Serialize(new { type = 1, invocationId = id, target, arguments }), _stop.Token);
        return await completion.Task.WaitAsync(DefaultTimeout);
    }

    /// <summary>The first event named <paramref name="target"/> (received before or after this call) whose argument matches.</summary>
    public async Task<HubMessage> WaitForAsync(string target, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? DefaultTimeout).TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            Task arrived;
            lock (_received)
            {
                var found = _received.FirstOrDefault(m => m.Target == target && (match?.Invoke(m.Argument) ?? true));
                if (found is not null) return found;
                arrived = _arrived.Task;
            }
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero || _closed.Task.IsCompleted)
                throw new TimeoutException($"no {target} event arrived{(_closed.Task.IsCompleted ? " (the connection closed)" : "")}; received: " +
                    string.Join(", ", Received.Select(m => m.Target)));
            await Task.WhenAny(arrived, Task.Delay(left));
        }
    }

    private async Task ReceiveLoopAsync()
    {
        string? closeError = null;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                foreach (var record in await ReceiveRecordsAsync(_stop.Token))
                {
                    if (Handle(record) is { } error)
                    {
                        closeError = error;
                        return;
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            closeError ??= e is OperationCanceledException ? null : e.Message;
        }
        finally
        {
            _closed.TrySetResult(closeError);
            lock (_pending)
                foreach (var waiting in _pending.Values) waiting.TrySetException(new HubInvocationException("the hub connection closed"));
            lock (_received) _arrived.TrySetResult();
        }
    }

    /// <returns>The close error when the record is a close message (type 7), else null.</returns>
    private string? Handle(string record)
    {
        using var document = JsonDocument.Parse(record);
        var root = document.RootElement;
        switch (root.GetProperty("type").GetInt32())
        {
            case 1:
                var argument = root.GetProperty("arguments").EnumerateArray().FirstOrDefault().Clone();
                lock (_received)
                {
                    _received.Add(new HubMessage(root.GetProperty("target").GetString()!, argument, Stopwatch.GetTimestamp()));
                    var signal = _arrived;
                    _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    signal.TrySetResult();
                }
                return null;
            case 3:
                TaskCompletionSource<JsonElement?>? waiter;
                lock (_pending)
                {
                    var id = root.GetProperty("invocationId").GetString()!;
                    _pending.Remove(id, out waiter);
                }
                if (root.TryGetProperty("error", out var error)) waiter?.TrySetException(new HubInvocationException(error.GetString() ?? "error"));
                else waiter?.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : null);
                return null;
            case 7:
                return root.TryGetProperty("error", out var reason) ? reason.GetString() ?? "closed" : "closed by the server";
            default:
                return null;
        }
    }

    /// <summary>Reads WebSocket messages until at least one whole record has arrived; returns the records (without separators).</summary>
    private async Task<IReadOnlyList<string>> ReceiveRecordsAsync(CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, ct);
                if (result.MessageType == WebSocketMessageType.Close) throw new WebSocketException("the server closed the WebSocket");
                var chars = new char[_utf8.GetCharCount(buffer, 0, result.Count)];
                _partial.Append(chars, 0, _utf8.GetChars(buffer, 0, result.Count, chars, 0));
                if (!result.EndOfMessage) continue;
                var text = _partial.ToString();
                var end = text.LastIndexOf(RecordSeparator);
                if (end < 0) continue;
                _partial.Clear().Append(text[(end + 1)..]);
                return text[..end].Split(RecordSeparator);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The server drops a client silent for 30 s; a ping every 10 s keeps long benchmark connections open.</summary>
    private async Task KeepAliveAsync()
    {
        using var timer = new PeriodicTimer(KeepAliveEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) await SendAsync("""{"type":6}""", _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException) { }
    }

    private async Task SendAsync(string json, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(json + RecordSeparator);
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }

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
        foreach (var task in new[] { _receiving, _keepAlive }.OfType<Task>())
            await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }
}
