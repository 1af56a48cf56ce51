using System.Collections.Concurrent;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentDesk.Web.Tests.Support;

/// <summary>
/// A real HTTP server on a loopback port that speaks the OpenAI wire format, for clients that must
/// be tested through their real SDK and socket. It records every request, answers each route with
/// a replaceable handler (<see cref="Handle"/>; POST /v1/embeddings is built in, other routes such
/// as /v1/chat/completions are added by the tests that need them), and can be scripted to fail:
/// queued answers (<see cref="Enqueue"/>) take precedence over the handlers, one request each.
/// </summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    public const string EmbeddingsPath = "/v1/embeddings";
    public const string ChatPath = "/v1/chat/completions";

    /// <summary>The size of the fake vectors when the request names no <c>dimensions</c>.</summary>
    public const int DefaultDimensions = 8;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeRequest> _requests = new();
    private readonly ConcurrentQueue<FakeResponse> _scripted = new();
    private readonly ConcurrentDictionary<string, Func<FakeRequest, FakeResponse>> _handlers = new(StringComparer.Ordinal);

    private FakeOpenAiServer(WebApplication app)
    {
        _app = app;
        Handle(EmbeddingsPath, Embeddings);
    }

    /// <summary>What a client configures as its base URL: <c>http://127.0.0.1:port/v1</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request received so far, in arrival order, including those answered with a scripted failure.</summary>
    public IReadOnlyList<FakeRequest> Requests => [.. _requests];

    public static async Task<FakeOpenAiServer> StartAsync()
    {
        // The empty builder reads no appsettings or environment, so nothing in the test's output folder can reconfigure it.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeOpenAiServer(app);
        app.Run(server.AnswerAsync);
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        server.BaseUrl = new Uri($"{url}/v1");
        return server;
    }

    /// <summary>Answers POSTs to <paramref name="path"/> (e.g. <c>/v1/chat/completions</c>) with <paramref name="handler"/>, replacing any earlier one.</summary>
    public void Handle(string path, Func<FakeRequest, FakeResponse> handler) => _handlers[path] = handler;

    /// <summary>The next requests, whatever their route, get these answers, one each, before the handlers answer again.</summary>
    public void Enqueue(params FakeResponse[] responses)
    {
        foreach (var response in responses) _scripted.Enqueue(response);
    }

    /// <summary>An OpenAI chat completion whose assistant message is <paramref name="content"/>, for a <see cref="ChatPath"/> handler.</summary>
    public static FakeResponse ChatAnswer(string content, string model = "fake-chat", string finishReason = "stop") => FakeResponse.Json(new
    {
        id = "chatcmpl-fake",
        @object = "chat.completion",
        created = 1_800_000_000,
        model,
        choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = finishReason } },
        usage = new { prompt_tokens = 11, completion_tokens = 7, total_tokens = 18 },
    });

    /// <summary>The fake embedding of <paramref name="text"/>: derived from its SHA-256, so equal texts (and only they, in practice) embed equally.</summary>
    public static float[] VectorFor(string text, int dimensions = DefaultDimensions)
    {
        var vector = new float[dimensions];
        var bytes = Array.Empty<byte>();
        for (var i = 0; i < dimensions; i++)
        {
            if (i % 32 == 0) bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{i / 32}:{text}"));
            vector[i] = (bytes[i % 32] - 127.5f) / 127.5f;
        }
        return vector;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var text = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        JsonElement? body = null;
        try { body = JsonDocument.Parse(text).RootElement.Clone(); } catch (JsonException) { }
        var request = new FakeRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.Headers.Authorization.ToString(), text, body);
        _requests.Enqueue(request);

        var response = _scripted.TryDequeue(out var scripted) ? scripted
            : request.Method != HttpMethods.Post ? FakeResponse.Error(405, $"{request.Method} is not served")
            : body is null ? FakeResponse.Error(400, "the body is not JSON")
            : _handlers.TryGetValue(request.Path, out var handler) ? handler(request)
            : FakeResponse.Error(404, $"no handler for {request.Path}");

        if (response.Delay > TimeSpan.Zero)
        {
            // The client gives up first (that is what a delay tests); stop waiting when it hangs up or the server stops.
            var stopping = _app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            try { await Task.Delay(response.Delay, either.Token); } catch (OperationCanceledException) { return; }
        }
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.Body);
    }

    /// <summary>The built-in embeddings route: one deterministic vector per input, as floats or base64 as the client asks.</summary>
    private static FakeResponse Embeddings(FakeRequest request)
    {
        var body = request.Body!.Value;
        if (!body.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
            return FakeResponse.Error(400, "'model' is required");
        var dimensions = request.Dimensions ?? DefaultDimensions;
        var base64 = body.TryGetProperty("encoding_format", out var format) && format.GetString() == "base64";
        var inputs = request.Inputs;
        return FakeResponse.Json(new
        {
            @object = "list",
            model = model.GetString(),
            data = inputs.Select((input, index) =>
            {
                var vector = VectorFor(input, dimensions);
                return new
                {
                    @object = "embedding",
                    index,
                    embedding = base64 ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())) : (object)vector,
                };
            }),
            usage = new { prompt_tokens = inputs.Sum(i => i.Length), total_tokens = inputs.Sum(i => i.Length) },
        });
    }
}

/// <summary>Base of test classes that each want a fresh fake model server per test.</summary>
public abstract class FakeOpenAiServerTest : IAsyncLifetime
{
    protected FakeOpenAiServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await FakeOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>One request as the fake server received it; <see cref="Body"/> is null when the text was not JSON.</summary>
public sealed record FakeRequest(string Method, string Path, string Authorization, string Text, JsonElement? Body)
{
    public string? Model => Body is { } body && body.TryGetProperty("model", out var model) ? model.GetString() : null;

    public int? Dimensions => Body is { } body && body.TryGetProperty("dimensions", out var dimensions) ? dimensions.GetInt32() : null;

    /// <summary>The embeddings <c>input</c>: one string or an array of them.</summary>
    public IReadOnlyList<string> Inputs => Body is { } body && body.TryGetProperty("input", out var input)
        ? input.ValueKind == JsonValueKind.Array ? [.. input.EnumerateArray().Select(i => i.GetString()!)] : [input.GetString()!]
        : [];
}

/// <summary>What the fake server answers: a status, a body (any text, JSON or not), and an optional delay before it.</summary>
public sealed record FakeResponse(int Status, string Body, TimeSpan Delay = default)
{
    public static FakeResponse Json(object body, int status = 200) => new(status, JsonSerializer.Serialize(body));

    /// <summary>An error in OpenAI's shape: <c>{"error":{"message","type","code"}}</c>.</summary>
    public static FakeResponse Error(int status, string message) =>
        Json(new { error = new { message, type = status >= 500 ? "server_error" : "invalid_request_error", code = (string?)null } }, status);

    /// <summary>A 200 whose body breaks off in the middle of the JSON.</summary>
    public static FakeResponse Malformed() => new(200, "{\"object\":\"list\",\"data\":[{\"embedding\":");

    /// <summary>Answers after <paramref name="delay"/> (or not at all, when the client hangs up first).</summary>
    public static FakeResponse Slow(TimeSpan delay) => new(200, "{}", delay);
}
