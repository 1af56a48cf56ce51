using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using OpenAI;

namespace AgentDesk.Core.OpenAiCompatible;

/// <summary>
/// What every client of an OpenAI-compatible server here shares: settings checked with messages that
/// name the setting, SDK options (one try, a network timeout), and one reading of the server's failures.
/// </summary>
public static class OpenAiEndpoint
{
    /// <summary>The base URL (with <c>/v1</c>), checked; throws naming <paramref name="section"/> when a setting is missing or out of range.</summary>
    public static Uri Check(string section, string? baseUrl, string? model, string? apiKey, int timeoutSeconds, string exampleModel)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new InvalidOperationException($"{section}:BaseUrl must be an absolute http(s) URL such as https://api.openai.com/v1, not '{baseUrl}'");
        if (string.IsNullOrWhiteSpace(model))
            throw new InvalidOperationException($"{section}:Model is required (e.g. {exampleModel})");
        if (string.IsNullOrWhiteSpace(apiKey))
            throw new InvalidOperationException($"{section}:ApiKey is required (any non-empty value for a server that ignores it)");
        if (timeoutSeconds <= 0)
            throw new InvalidOperationException($"{section}:TimeoutSeconds must be positive, not {timeoutSeconds}");
        return new Uri(url.AbsoluteUri.TrimEnd('/'));
    }

    /// <summary>
    /// One try per request within the timeout: callers fall back (store without a vector, compose the
    /// summary extractively) rather than hold a user up with retries.
    /// </summary>
    public static OpenAIClientOptions ClientOptions(Uri endpoint, int timeoutSeconds) => new()
    {
        Endpoint = endpoint,
        NetworkTimeout = TimeSpan.FromSeconds(timeoutSeconds),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    };

    /// <summary>
    /// Runs one request and turns each way it can fail into a sentence for <paramref name="failure"/>:
    /// unreachable, an HTTP error (with the server's own message), a timeout, or an unreadable answer.
    /// A cancellation by the caller stays a cancellation.
    /// </summary>
    public static async Task<T> CallAsync<T>(Func<Task<T>> request, int timeoutSeconds, string answerKind, Func<string, Exception, Exception> failure, CancellationToken ct)
    {
        try
        {
            return await request();
        }
        catch (ClientResultException e) when (e.Status == 0)
        {
            throw failure($"could not be reached: {e.Message}", e);
        }
        catch (ClientResultException e)
        {
            throw failure($"answered HTTP {e.Status}: {ErrorMessage(e)}", e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw failure($"did not answer within {timeoutSeconds} s", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw failure($"answered with something that is not {answerKind}: {e.Message}", e);
        }
    }

    /// <summary>OpenAI's <c>{"error":{"message"}}</c>, else the start of whatever the server (or a proxy in front of it) sent.</summary>
    public static string ErrorMessage(ClientResultException e)
    {
        var body = e.GetRawResponse()?.Content?.ToString() ?? "";
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                return message.GetString()!;
        }
        catch (JsonException)
        {
        }
        return body.Length > 500 ? $"{body[..500]}…" : body;
    }
}
