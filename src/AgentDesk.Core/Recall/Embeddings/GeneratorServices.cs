using Microsoft.Extensions.AI;

namespace AgentDesk.Core.Recall.Embeddings;

/// <summary>The <see cref="IEmbeddingGenerator.GetService"/> answer both generators give: their metadata, or themselves.</summary>
internal static class GeneratorServices
{
    public static object? Resolve(IEmbeddingGenerator generator, EmbeddingGeneratorMetadata metadata, Type serviceType, object? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return metadata;
        return serviceType.IsInstanceOfType(generator) ? generator : null;
    }
}
