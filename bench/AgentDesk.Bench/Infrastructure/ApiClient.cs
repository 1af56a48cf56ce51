using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentDesk.Bench.Infrastructure;

/// <summary>
/// A thin HTTP client for the benchmark: bodies are serialised before the clock starts (see
/// <see cref="Json"/>), responses are read to the end, and anything but the expected status throws
/// with the server's error body. It only ever talks to the loopback server it was given.
/// </summary>
public sealed class ApiClient : IDisposable
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");
    private readonly HttpClient _http;

    /// <param name="timeout">Per request (120 s); seeding a large database with embeddings may want more.</param>
    public ApiClient(Uri baseAddress, string apiKey, int maxConnections = 64, TimeSpan? timeout = null)
    {
        if (!baseAddress.IsLoopback) throw new ArgumentException($"the benchmark only talks to loopback, not {baseAddress}", nameof(baseAddress));
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        })
        {
            BaseAddress = baseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(120),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>A request body, serialised once so timing covers only the round trip.</summary>
    public static byte[] Json(object body) => JsonSerializer.SerializeToUtf8Bytes(body, JsonOptions);

    /// <summary>Sends and reads the whole response; throws unless the status is 200 or 201.</summary>
    public async Task<byte[]> SendAsync(HttpMethod method, string path, byte[]? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = JsonContentType;
        }
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        if ((int)response.StatusCode is not (200 or 201))
            throw new HttpRequestException(
                $"{method} {path} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}", null, response.StatusCode);
        return bytes;
    }

    public Task<byte[]> PostAsync(string path, byte[] body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public async Task<JsonNode> PostJsonAsync(string path, object body, CancellationToken ct) =>
        JsonNode.Parse(await PostAsync(path, Json(body), ct)) ?? throw new InvalidDataException($"POST {path} answered 'null'");

    public async Task<JsonNode> SendJsonAsync(HttpMethod method, string path, object? body, CancellationToken ct) =>
        JsonNode.Parse(await SendAsync(method, path, body is null ? null : Json(body), ct)) ?? throw new InvalidDataException($"{method} {path} answered 'null'");

    /// <summary>
    /// The server refused a request as something it does not offer (400, or 501), e.g. a recall
    /// routing it has no model for: a benchmark reports that as "not available" instead of failing.
    /// </summary>
    public static bool IsRefusal(HttpRequestException e) => e.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.NotImplemented;

    /// <summary>The "error" of the server's JSON error body in an exception thrown by <see cref="SendAsync"/>, else its message.</summary>
    public static string ServerError(HttpRequestException e)
    {
        var at = e.Message.IndexOf('{');
        if (at < 0) return e.Message;
        try
        {
            using var doc = JsonDocument.Parse(e.Message[at..]);
            return doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString()! : e.Message;
        }
        catch (JsonException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Issues an API key through <c>POST /v1/admin/keys</c> (this client needs the admin scope, e.g. the root key), so a
    /// load client runs under its own key and rate limit, as a deployed bot does; returns the secret.
    /// </summary>
    public async Task<string> CreateKeyAsync(string name, IReadOnlyList<string> scopes, IReadOnlyList<string>? agentIds, CancellationToken ct)
    {
        var answer = await PostJsonAsync("/v1/admin/keys", new { name, scopes, agent_ids = agentIds }, ct);
        return answer["secret"]?.GetValue<string>() ?? throw new InvalidDataException($"POST /v1/admin/keys answered no secret: {answer.ToJsonString()}");
    }

    public void Dispose() => _http.Dispose();
}
