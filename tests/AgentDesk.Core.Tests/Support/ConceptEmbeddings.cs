using Microsoft.Extensions.AI;

namespace AgentDesk.Core.Tests.Support;

/// <summary>
/// A tiny deterministic embedding model for tests: each concept is one dimension, and words of the
/// same concept share it, so "money back" is near "refund" without sharing a word. Counts its calls
/// and can be told to fail, like a hosted model that is down.
/// </summary>
public sealed class ConceptEmbeddings(string modelId = "concepts-v1") : IEmbeddingGenerator<string, Embedding<float>>
{
    private static readonly string[][] Concepts =
    [
        ["refund", "money", "back", "reimburse", "chargeback"],
        ["router", "wifi", "internet", "modem", "connection"],
        ["invoice", "bill", "billing", "charge", "charged"],
        ["angry", "furious", "upset", "frustrated"],
        ["password", "login", "locked", "reset"],
        ["delivery", "parcel", "shipping", "courier"],
    ];

    public int Calls { get; private set; }
    public int EmbeddedTexts { get; private set; }
    public bool Fail { get; set; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls++;
        if (Fail) throw new HttpRequestException("the model server is down");
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var text in values)
        {
            EmbeddedTexts++;
            var vector = new float[Concepts.Length + 1];
            foreach (var word in text.ToLowerInvariant().Split([' ', ',', '.', '?', '!', '\''], StringSplitOptions.RemoveEmptyEntries))
            {
                var concept = Array.FindIndex(Concepts, c => c.Contains(word));
                if (concept >= 0) vector[concept] += 1;
            }
            vector[^1] = 0.05f; // every text shares a little, like real sentence vectors
            result.Add(new Embedding<float>(vector));
        }
        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("concepts", null, modelId, Concepts.Length + 1) : null;

    public void Dispose() { }
}
