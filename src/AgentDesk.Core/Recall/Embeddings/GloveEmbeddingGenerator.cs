using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentDesk.Core.Recall.Embeddings;

/// <summary>
/// The embedded default embedding model: a sentence vector is the SIF-weighted mean of its GloVe
/// word vectors (Arora, Liang and Ma, "A simple but tough-to-beat baseline for sentence embeddings",
/// 2017), so frequent words ("the", "is") hardly move it and rare, topical words ("refund")
/// dominate. Weight of a word = a / (a + p(w)) with a = <see cref="Smoothing"/>; the package has no
/// word counts, so p(w) is estimated from the frequency rank r by Zipf's law,
/// p = 1 / ((r + 1) · H(N)). Words GloVe lacks (numbers, typos, names outside its vocabulary) are
/// skipped; text with no known word at all embeds to the zero vector, which has cosine 0 with
/// everything. Optionally the common component is removed (see <see cref="CommonComponent"/>).
/// Every other output is L2-normalised, so a dot product is a cosine.
/// Deterministic, thread-safe, no I/O: <see cref="Embed"/> is cheap enough for the recall hot path.
/// </summary>
public sealed class GloveEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ProviderName = "glove";

    /// <summary>SIF's a; the paper found 1e-4..1e-3 best.</summary>
    public const double Smoothing = 1e-3;

    /// <summary>How many of the most frequent words estimate the common component.</summary>
    private const int CommonComponentWords = 30_000;

    /// <summary>
    /// Computed once per vector set (≈0.3 s): it depends only on the vectors and the weighting,
    /// and many generators (one per test host) share one <see cref="GloveVectors"/>.
    /// </summary>
    private static readonly ConditionalWeakTable<GloveVectors, float[]> CommonComponents = new();

    private readonly GloveVectors _vectors;
    private readonly double _aTimesHarmonic;
    private readonly float[]? _commonComponent;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <param name="removeCommonComponent">
    /// Subtract each sentence vector's projection on the vocabulary's first principal direction.
    /// Vectors made with and without it are not comparable, so it changes <see cref="ModelId"/>.
    /// </param>
    public GloveEmbeddingGenerator(GloveVectors vectors, bool removeCommonComponent = false)
    {
        _vectors = vectors;
        var harmonic = 0.0;
        for (var k = vectors.Count; k >= 1; k--) harmonic += 1.0 / k;
        _aTimesHarmonic = Smoothing * harmonic;
        if (removeCommonComponent)
            _commonComponent = CommonComponents.GetValue(vectors, v => CommonComponent(v, Weight, Math.Min(CommonComponentWords, v.Count)));
        ModelId = $"glove-6b-{vectors.Dimensions}d-sif{(removeCommonComponent ? "-pc1" : "")}";
        _metadata = new EmbeddingGeneratorMetadata(ProviderName, providerUri: null, ModelId, vectors.Dimensions);
    }

    /// <summary>Names the vector space: vectors stored under one model id are comparable only with each other.</summary>
    public string ModelId { get; }

    public int Dimensions => _vectors.Dimensions;

    /// <summary>The SIF weight of the word at frequency rank <paramref name="rank"/>: near 0 for "the", near 1 for rare words.</summary>
    public float Weight(int rank)
    {
        var x = _aTimesHarmonic * (rank + 1);
        return (float)(x / (x + 1));
    }

    /// <summary>The unit-length sentence vector of <paramref name="text"/>, or the zero vector when no word of it is known.</summary>
    public float[] Embed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sum = new float[Dimensions];
        Span<char> buffer = stackalloc char[GloveTokenizer.MaxWordChars];
        foreach (var word in new GloveTokenizer(text, buffer))
        {
            if (_vectors.TryGetIndex(word, out var index))
                Add(sum, index);
            else if (word.Contains('-'))
                foreach (var part in word.Split('-'))
                    if (_vectors.TryGetIndex(word[part], out index)) Add(sum, index);
        }
        if (_commonComponent is not null)
            TensorPrimitives.MultiplyAdd(_commonComponent, -TensorPrimitives.Dot(sum, _commonComponent), sum, sum);
        var norm = TensorPrimitives.Norm(sum);
        if (norm > 0) TensorPrimitives.Divide(sum, norm, sum);
        return sum;
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is { } dimensions && dimensions != Dimensions)
            throw new ArgumentException($"{ModelId} embeds in {Dimensions} dimensions, not {dimensions}", nameof(options));
        var embeddings = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            embeddings.Add(new Embedding<float>(Embed(value)) { ModelId = ModelId });
        }
        return Task.FromResult(embeddings);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => GeneratorServices.Resolve(this, _metadata, serviceType, serviceKey);

    /// <summary>Nothing to release: the vectors are shared.</summary>
    public void Dispose() { }

    private void Add(Span<float> sum, int index) => TensorPrimitives.MultiplyAdd(_vectors.Vector(index), Weight(index), sum, sum);

    /// <summary>
    /// SIF's common component — the direction every sentence vector shares (mostly syntax and
    /// frequency), which the paper removes. Without a corpus of sentences it is estimated as the
    /// first principal direction (uncentred, as SIF's truncated SVD) of the SIF-weighted vectors of
    /// the <paramref name="words"/> most frequent words, by power iteration on their 100 × 100
    /// second-moment matrix. Unit length; its sign is irrelevant to the projection.
    /// </summary>
    internal static float[] CommonComponent(GloveVectors vectors, Func<int, float> weight, int words)
    {
        var d = vectors.Dimensions;
        var moment = new float[d * d];
        var row = new float[d];
        for (var i = 0; i < words; i++)
        {
            TensorPrimitives.Multiply(vectors.Vector(i), weight(i), row);
            for (var j = 0; j < d; j++)
                TensorPrimitives.MultiplyAdd(row, row[j], moment.AsSpan(j * d, d), moment.AsSpan(j * d, d));
        }
        var direction = new float[d];
        var next = new float[d];
        direction.AsSpan().Fill(1f / MathF.Sqrt(d));
        for (var iteration = 0; iteration < 200; iteration++)
        {
            for (var j = 0; j < d; j++) next[j] = TensorPrimitives.Dot(moment.AsSpan(j * d, d), direction);
            TensorPrimitives.Divide(next, TensorPrimitives.Norm(next), next);
            var converged = TensorPrimitives.Distance(next, direction) < 1e-6f;
            (direction, next) = (next, direction);
            if (converged) break;
        }
        return direction;
    }
}
