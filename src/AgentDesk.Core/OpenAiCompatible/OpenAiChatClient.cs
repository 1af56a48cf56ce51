using System.ClientModel;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiFinishReason = Microsoft.Extensions.AI.ChatFinishReason;
using SdkChatMessage = OpenAI.Chat.ChatMessage;

namespace AgentDesk.Core.OpenAiCompatible;

/// <summary>Where and how to reach an OpenAI-compatible chat model (OpenAI, Azure OpenAI v1, Ollama, vLLM, LM Studio).</summary>
public sealed record OpenAiChatOptions
{
    public string? BaseUrl { get; init; }
    public string? Model { get; init; }
    public string? ApiKey { get; init; }
    public int TimeoutSeconds { get; init; } = 30;
}

/// <summary>A chat model did not deliver (HTTP error, timeout, unreadable answer); callers fall back on it.</summary>
public sealed class ChatServiceException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// <see cref="IChatClient"/> over the OpenAI SDK's chat completions (the Microsoft.Extensions.AI
/// adapter package is not on this feed). Text messages in, the assistant's text out; a JSON
/// response format, temperature, output-token limit and model from <see cref="ChatOptions"/>.
/// One try per request within the timeout: the summary drafter falls back to the extractive composer.
/// </summary>
public sealed class OpenAiChatClient : IChatClient
{
    public const string ProviderName = "openai";

    private readonly ChatClient _client;
    private readonly OpenAiChatOptions _options;
    private readonly ChatClientMetadata _metadata;

    /// <param name="section">The configuration section the options came from, named in error messages.</param>
    /// <exception cref="InvalidOperationException">A setting is missing or out of range.</exception>
    public OpenAiChatClient(OpenAiChatOptions options, string section)
    {
        Endpoint = OpenAiEndpoint.Check(section, options.BaseUrl, options.Model, options.ApiKey, options.TimeoutSeconds, "gpt-4o-mini");
        _options = options;
        ModelId = options.Model!;
        _client = new ChatClient(ModelId, new ApiKeyCredential(options.ApiKey!), OpenAiEndpoint.ClientOptions(Endpoint, options.TimeoutSeconds));
        _metadata = new ChatClientMetadata(ProviderName, Endpoint, ModelId);
    }

    public string ModelId { get; }

    public Uri Endpoint { get; }

    /// <exception cref="ChatServiceException">The endpoint failed, timed out or answered something unreadable.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = ToSdk(messages);
        var completion = await OpenAiEndpoint.CallAsync(
            async () => (await _client.CompleteChatAsync(request, ToSdk(options), cancellationToken)).Value,
            _options.TimeoutSeconds, "a chat completion", Failure, cancellationToken);
        var text = string.Concat(completion.Content.Select(part => part.Text));
        return new ChatResponse(new AiChatMessage(ChatRole.Assistant, text))
        {
            ModelId = completion.Model,
            ResponseId = completion.Id,
            FinishReason = ToAi(completion.FinishReason),
            Usage = completion.Usage is { } usage
                ? new UsageDetails { InputTokenCount = usage.InputTokenCount, OutputTokenCount = usage.OutputTokenCount, TotalTokenCount = usage.TotalTokenCount }
                : null,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AiChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The drafter needs the whole JSON before it can validate it, so streaming is the whole answer as one update.
        var response = await GetResponseAsync(messages, options, cancellationToken);
        yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text) { ModelId = response.ModelId, FinishReason = response.FinishReason };
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to release: the SDK client holds no connection of its own.</summary>
    public void Dispose() { }

    private static List<SdkChatMessage> ToSdk(IEnumerable<AiChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return messages.Select(m => m.Role == ChatRole.System ? new SystemChatMessage(m.Text)
            : m.Role == ChatRole.Assistant ? new AssistantChatMessage(m.Text)
            : m.Role == ChatRole.User ? (SdkChatMessage)new UserChatMessage(m.Text)
            : throw new ArgumentException($"only system, user and assistant text messages are supported, not '{m.Role}'", nameof(messages))).ToList();
    }

    private static ChatCompletionOptions ToSdk(ChatOptions? options) => new()
    {
        Temperature = options?.Temperature,
        MaxOutputTokenCount = options?.MaxOutputTokens,
        ResponseFormat = options?.ResponseFormat is ChatResponseFormatJson ? OpenAI.Chat.ChatResponseFormat.CreateJsonObjectFormat() : null,
    };

    private static AiFinishReason? ToAi(OpenAI.Chat.ChatFinishReason reason) => reason switch
    {
        OpenAI.Chat.ChatFinishReason.Stop => AiFinishReason.Stop,
        OpenAI.Chat.ChatFinishReason.Length => AiFinishReason.Length,
        OpenAI.Chat.ChatFinishReason.ContentFilter => AiFinishReason.ContentFilter,
        OpenAI.Chat.ChatFinishReason.ToolCalls or OpenAI.Chat.ChatFinishReason.FunctionCall => AiFinishReason.ToolCalls,
        _ => null,
    };

    private ChatServiceException Failure(string what, Exception inner) => new($"The chat endpoint {Endpoint} (model {ModelId}) {what}", inner);
}
