using System.ClientModel;
using AgentDesk.Core.OpenAiCompatible;
using Microsoft.Extensions.AI;
using OpenAI.Embeddings;
using OpenAiRequestOptions = OpenAI.Embeddings.EmbeddingGenerationOptions;

namespace AgentDesk.Core.Recall.Embeddings;

/// <summary>
/// Embeddings from a hosted or self-hosted model behind an OpenAI-compatible <c>/embeddings</c>
/// endpoint, through the OpenAI SDK. A long input list goes out in batches of
/// <see cref="OpenAiEmbeddingOptions.BatchSize"/>, one after another, and comes back in input order.
/// Each request is tried once, within <see cref="OpenAiEmbeddingOptions.TimeoutSeconds"/>: the desk
/// stores a memory without its vector when embedding fails and back-fills it later, so retrying here
/// would only hold the writer up. Every failure of the service is an <see cref="EmbeddingServiceException"/>.
/// </summary>
public sealed class OpenAiEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ProviderName = "openai";

    private readonly EmbeddingClient _client;
    private readonly OpenAiEmbeddingOptions _options;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <exception cref="InvalidOperationException">A setting is missing or out of range.</exception>
    public OpenAiEmbeddingGenerator(OpenAiEmbeddingOptions options)
    {
        const string section = EmbeddingOptions.SectionName + ":OpenAI";
        Endpoint = OpenAiEndpoint.Check(section, options.BaseUrl, options.Model, options.ApiKey, options.TimeoutSeconds, "text-embedding-3-small");
        if (options.Dimensions is <= 0)
            throw new InvalidOperationException($"{section}:Dimensions must be positive when set, not {options.Dimensions}");
        if (options.BatchSize <= 0)
            throw new InvalidOperationException($"{section}:BatchSize must be positive, not {options.BatchSize}");

        _options = options;
        ModelId = options.Model!;
        _client = new EmbeddingClient(ModelId, new ApiKeyCredential(options.ApiKey!), OpenAiEndpoint.ClientOptions(Endpoint, options.TimeoutSeconds));
        _metadata = new EmbeddingGeneratorMetadata(ProviderName, Endpoint, ModelId, options.Dimensions);
    }

    /// <summary>The configured model name: vectors stored under one model id are comparable only with each other.</summary>
    public string ModelId { get; }

    public Uri Endpoint { get; }

    /// <exception cref="EmbeddingServiceException">The endpoint failed, timed out or answered something unreadable.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var request = new OpenAiRequestOptions { Dimensions = options?.Dimensions ?? _options.Dimensions };
        var embeddings = new GeneratedEmbeddings<Embedding<float>>();
        long inputTokens = 0, totalTokens = 0;
        foreach (var batch in values.Chunk(_options.BatchSize))
        {
            var answer = await RequestAsync(batch, request, cancellationToken);
            inputTokens += answer.Usage?.InputTokenCount ?? 0;
            totalTokens += answer.Usage?.TotalTokenCount ?? 0;
            embeddings.AddRange(InInputOrder(answer, batch.Length).Select(e => new Embedding<float>(e.ToFloats()) { ModelId = ModelId }));
        }
        embeddings.Usage = new UsageDetails { InputTokenCount = inputTokens, TotalTokenCount = totalTokens };
        return embeddings;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => GeneratorServices.Resolve(this, _metadata, serviceType, serviceKey);

    /// <summary>Nothing to release: the SDK client holds no connection of its own.</summary>
    public void Dispose() { }

    private Task<OpenAIEmbeddingCollection> RequestAsync(string[] batch, OpenAiRequestOptions request, CancellationToken cancellationToken) =>
        OpenAiEndpoint.CallAsync(async () => (await _client.GenerateEmbeddingsAsync(batch, request, cancellationToken)).Value,
            _options.TimeoutSeconds, "an embeddings response", Failure, cancellationToken);

    /// <summary>The batch's embeddings ordered by their <c>index</c>, which must cover the batch exactly once.</summary>
    private IEnumerable<OpenAIEmbedding> InInputOrder(OpenAIEmbeddingCollection answer, int expected)
    {
        var ordered = answer.OrderBy(e => e.Index).ToArray();
        if (ordered.Length != expected || ordered.Where((e, i) => e.Index != i).Any())
            throw Failure($"returned {ordered.Length} embeddings with indices [{string.Join(",", ordered.Select(e => e.Index))}] for {expected} inputs", null);
        return ordered;
    }

    private EmbeddingServiceException Failure(string what, Exception? inner) =>
        new($"The embeddings endpoint {Endpoint} (model {ModelId}) {what}", inner);
}
