using System.Numerics.Tensors;
using AgentDesk.Core.Recall.Embeddings;
using Microsoft.Extensions.AI;

namespace AgentDesk.Core.Tests.Recall.Embeddings;

public sealed class GloveEmbeddingGeneratorTests
{
    private const int Dimensions = 4;

    /// <summary>Most frequent first: "the" is rank 0, "zebra" the rarest; each word points along its own axis or a mix.</summary>
    private static readonly GloveVectors Vectors = GloveVectors.Create(
        ["the", "refund", "e", "mail", "payment", "card", "zebra"],
        [
            1, 0, 0, 0,
            0, 1, 0, 0,
            0, 0, 1, 0,
            0, 0, 0, 1,
            0, 0.6f, 0.8f, 0,
            0, 0, 0.6f, 0.8f,
            1, 0, 0, 0,
        ],
        Dimensions);

    private static readonly GloveEmbeddingGenerator Generator = new(Vectors);

    private static float Cosine(float[] a, float[] b) => TensorPrimitives.CosineSimilarity(a, b);

    [Fact]
    public void Embed_FrequentWord_MovesTheMeanLessThanARareOne()
    {
        // "the" and "zebra" have the same vector; only their frequency differs.
        var refund = Generator.Embed("refund");

        var withFrequent = Generator.Embed("refund the");
        var withRare = Generator.Embed("refund zebra");

        Assert.True(Generator.Weight(0) < Generator.Weight(6));
        Assert.True(Cosine(refund, withFrequent) > Cosine(refund, withRare) + 0.05f,
            $"frequent: {Cosine(refund, withFrequent)}, rare: {Cosine(refund, withRare)}");
    }

    [Fact]
    public void Weight_RisesWithRarity_TowardsOne()
    {
        var weights = Enumerable.Range(0, Vectors.Count).Select(Generator.Weight).ToArray();

        Assert.Equal(weights.Order(), weights);
        Assert.All(weights, w => Assert.InRange(w, 0f, 1f));
    }

    [Theory]
    [InlineData("")]
    [InlineData("!!! 42 ???")]
    [InlineData("unknown words only")]
    public void Embed_NoKnownWord_ReturnsTheZeroVector(string text) =>
        Assert.Equal(new float[Dimensions], Generator.Embed(text));

    [Theory]
    [InlineData("refund")]
    [InlineData("The REFUND of the card payment, zebra!")]
    [InlineData("refund refund refund unknown")]
    public void Embed_KnownWords_ReturnsAUnitVector(string text) =>
        Assert.Equal(1f, TensorPrimitives.Norm(Generator.Embed(text)), 5);

    [Fact]
    public void Embed_SameText_GivesTheSameVectorFromAnyGenerator() =>
        Assert.Equal(Generator.Embed("card payment refund"), new GloveEmbeddingGenerator(Vectors).Embed("card payment refund"));

    [Fact]
    public void Embed_HyphenatedWordGloveLacks_UsesItsParts() =>
        Assert.Equal(Generator.Embed("e mail"), Generator.Embed("e-mail"));

    [Fact]
    public void Embed_RemovingTheCommonComponent_LeavesVectorsOrthogonalToIt()
    {
        var component = GloveEmbeddingGenerator.CommonComponent(Vectors, Generator.Weight, Vectors.Count);
        var removing = new GloveEmbeddingGenerator(Vectors, removeCommonComponent: true);

        var vector = removing.Embed("card payment");

        Assert.Equal(1f, TensorPrimitives.Norm(component), 4);
        Assert.Equal(0f, TensorPrimitives.Dot(vector, component), 4);
        Assert.Equal(1f, TensorPrimitives.Norm(vector), 4);
        Assert.NotEqual(Generator.Embed("card payment"), vector);
    }

    [Fact]
    public void ModelId_CommonComponentRemoval_NamesADifferentVectorSpace()
    {
        Assert.Equal("glove-6b-4d-sif", Generator.ModelId);
        Assert.Equal("glove-6b-4d-sif-pc1", new GloveEmbeddingGenerator(Vectors, removeCommonComponent: true).ModelId);
    }

    [Fact]
    public async Task GenerateAsync_SeveralTexts_ReturnsTheirEmbeddingsInOrderWithTheModelId()
    {
        string[] texts = ["refund", "zebra", "card", "nothing known"];

        var embeddings = await Generator.GenerateAsync(texts);

        Assert.Equal(texts.Select(Generator.Embed), embeddings.Select(e => e.Vector.ToArray()));
        Assert.All(embeddings, e => Assert.Equal("glove-6b-4d-sif", e.ModelId));
    }

    [Fact]
    public async Task GenerateAsync_OtherDimensionsRequested_Throws() =>
        await Assert.ThrowsAsync<ArgumentException>(() => Generator.GenerateAsync(["refund"], new EmbeddingGenerationOptions { Dimensions = 3 }));

    [Fact]
    public void GetService_Metadata_NamesProviderModelAndDimensions()
    {
        var metadata = Generator.GetService<EmbeddingGeneratorMetadata>();

        Assert.NotNull(metadata);
        Assert.Equal(("glove", "glove-6b-4d-sif", (int?)Dimensions), (metadata.ProviderName, metadata.DefaultModelId, metadata.DefaultModelDimensions));
        Assert.Same(Generator, Generator.GetService<GloveEmbeddingGenerator>());
        Assert.Null(Generator.GetService<EmbeddingGeneratorMetadata>(serviceKey: "other"));
    }
}
