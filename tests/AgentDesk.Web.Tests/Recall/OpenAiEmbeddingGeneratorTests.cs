using System.Diagnostics;
using AgentDesk.Core.Recall.Embeddings;
using AgentDesk.Web.Tests.Support;
using Microsoft.Extensions.AI;

namespace AgentDesk.Web.Tests.Recall;

/// <summary>The OpenAI-compatible client through the real OpenAI SDK and a real socket, against <see cref="FakeOpenAiServer"/>.</summary>
public sealed class OpenAiEmbeddingGeneratorTests : FakeOpenAiServerTest
{
    private OpenAiEmbeddingGenerator Generator(int batchSize = 256, int timeoutSeconds = 30, int? dimensions = null) => new(new OpenAiEmbeddingOptions
    {
        BaseUrl = Server.BaseUrl.AbsoluteUri,
        Model = "text-embedding-3-small",
        ApiKey = "sk-test-key",
        BatchSize = batchSize,
        TimeoutSeconds = timeoutSeconds,
        Dimensions = dimensions,
    });

    [Fact]
    public async Task GenerateAsync_MoreInputsThanABatch_SendsSeveralRequestsAndKeepsTheInputOrder()
    {
        var inputs = Enumerable.Range(0, 600).Select(i => $"memory number {i}").ToArray();

        var embeddings = await Generator(batchSize: 256).GenerateAsync(inputs);

        Assert.Equal([256, 256, 88], Server.Requests.Select(r => r.Inputs.Count));
        Assert.Equal(inputs, Server.Requests.SelectMany(r => r.Inputs));
        Assert.Equal(inputs.Select(i => FakeOpenAiServer.VectorFor(i)), embeddings.Select(e => e.Vector.ToArray()));
        Assert.All(embeddings, e => Assert.Equal("text-embedding-3-small", e.ModelId));
        Assert.Equal(inputs.Sum(i => i.Length), embeddings.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task GenerateAsync_Request_CarriesTheKeyAsBearerTheModelAndTheDimensions()
    {
        var embeddings = await Generator(dimensions: 16).GenerateAsync(["where is my refund"]);

        var request = Assert.Single(Server.Requests);
        Assert.Equal(("POST", FakeOpenAiServer.EmbeddingsPath), (request.Method, request.Path));
        Assert.Equal("Bearer sk-test-key", request.Authorization);
        Assert.Equal("text-embedding-3-small", request.Model);
        Assert.Equal(16, request.Dimensions);
        Assert.Equal(FakeOpenAiServer.VectorFor("where is my refund", 16), embeddings[0].Vector.ToArray());
    }

    [Fact]
    public async Task GenerateAsync_NoDimensionsConfigured_LeavesTheModelsOwnSize()
    {
        var embeddings = await Generator().GenerateAsync(["hello"]);

        Assert.Null(Assert.Single(Server.Requests).Dimensions);
        Assert.Equal(FakeOpenAiServer.DefaultDimensions, embeddings[0].Vector.Length);
    }

    [Fact]
    public async Task GenerateAsync_DimensionsPerCall_OverrideTheConfiguredOnes()
    {
        await Generator(dimensions: 16).GenerateAsync(["hello"], new EmbeddingGenerationOptions { Dimensions = 4 });

        Assert.Equal(4, Assert.Single(Server.Requests).Dimensions);
    }

    [Fact]
    public async Task GenerateAsync_NoInputs_SendsNoRequest()
    {
        var embeddings = await Generator().GenerateAsync([]);

        Assert.Empty(embeddings);
        Assert.Empty(Server.Requests);
    }

    [Theory]
    [InlineData(500, "the model is overloaded")]
    [InlineData(401, "Incorrect API key provided")]
    public async Task GenerateAsync_ErrorStatus_ThrowsNamingTheEndpointStatusAndReason(int status, string reason)
    {
        Server.Enqueue(FakeResponse.Error(status, reason));

        var error = await Assert.ThrowsAsync<EmbeddingServiceException>(() => Generator().GenerateAsync(["hello"]));

        Assert.Contains($"HTTP {status}", error.Message);
        Assert.Contains(reason, error.Message);
        Assert.Contains(Server.BaseUrl.Authority, error.Message);
        Assert.Contains("text-embedding-3-small", error.Message);
        Assert.Single(Server.Requests);
    }

    [Fact]
    public async Task GenerateAsync_ErrorFromAProxyInFront_ShowsWhatItSent()
    {
        Server.Enqueue(new FakeResponse(502, "<html>bad gateway</html>"));

        var error = await Assert.ThrowsAsync<EmbeddingServiceException>(() => Generator().GenerateAsync(["hello"]));

        Assert.Contains("HTTP 502: <html>bad gateway</html>", error.Message);
    }

    [Fact]
    public async Task GenerateAsync_ServerAnswersFloatArraysInsteadOfBase64_ReadsThemInIndexOrder()
    {
        Server.Enqueue(FakeResponse.Json(new
        {
            @object = "list",
            model = "text-embedding-3-small",
            data = new[] { new { @object = "embedding", index = 1, embedding = new[] { 0f, 1f } }, new { @object = "embedding", index = 0, embedding = new[] { 1f, 0.5f } } },
        }));

        var embeddings = await Generator().GenerateAsync(["first", "second"]);

        Assert.Equal([[1f, 0.5f], [0f, 1f]], embeddings.Select(e => e.Vector.ToArray()));
    }

    [Fact]
    public async Task GenerateAsync_LaterBatchFails_FailsTheWholeCall()
    {
        Server.Enqueue(FakeResponse.Json(new
        {
            @object = "list",
            model = "text-embedding-3-small",
            data = new[] { new { @object = "embedding", index = 0, embedding = new[] { 1f, 0f } }, new { @object = "embedding", index = 1, embedding = new[] { 0f, 1f } } },
        }), FakeResponse.Error(500, "second batch lost"));

        var error = await Assert.ThrowsAsync<EmbeddingServiceException>(() => Generator(batchSize: 2).GenerateAsync(["a", "b", "c"]));

        Assert.Contains("second batch lost", error.Message);
        Assert.Equal(2, Server.Requests.Count);
    }

    [Fact]
    public async Task GenerateAsync_ServerSlowerThanTheTimeout_FailsSoonAfterTheTimeout()
    {
        Server.Enqueue(FakeResponse.Slow(TimeSpan.FromSeconds(60)));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<EmbeddingServiceException>(() => Generator(timeoutSeconds: 1).GenerateAsync(["hello"]));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.Contains("did not answer within 1 s", error.Message);
        Assert.Single(Server.Requests);
    }

    [Fact]
    public async Task GenerateAsync_CallerCancels_ThrowsCancellationNotAServiceFailure()
    {
        Server.Enqueue(FakeResponse.Slow(TimeSpan.FromSeconds(60)));
        using var cancel = new CancellationTokenSource();
        var call = Generator().GenerateAsync(["hello"], cancellationToken: cancel.Token);
        await Poll.UntilAsync(() => Task.FromResult(Server.Requests.Count), n => n == 1, "the request to arrive");

        cancel.Cancel();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.IsNotType<EmbeddingServiceException>(error);
    }

    [Fact]
    public async Task GenerateAsync_MalformedJson_ThrowsSayingTheAnswerIsNotAnEmbeddingsResponse()
    {
        Server.Enqueue(FakeResponse.Malformed());

        var error = await Assert.ThrowsAsync<EmbeddingServiceException>(() => Generator().GenerateAsync(["hello"]));

        Assert.Contains("not an embeddings response", error.Message);
    }

    [Fact]
    public async Task GenerateAsync_FewerEmbeddingsThanInputs_Throws()
    {
        Server.Enqueue(FakeResponse.Json(new
        {
            @object = "list",
            model = "text-embedding-3-small",
            data = new[] { new { @object = "embedding", index = 0, embedding = new[] { 1f, 0f } } },
        }));

        var error = await Assert.ThrowsAsync<EmbeddingServiceException>(() => Generator().GenerateAsync(["a", "b"]));

        Assert.Contains("returned 1 embeddings", error.Message);
    }

    [Fact]
    public async Task GenerateAsync_NothingListening_ThrowsSayingItCouldNotBeReached()
    {
        var generator = Generator();
        await Server.DisposeAsync();

        var error = await Assert.ThrowsAsync<EmbeddingServiceException>(() => generator.GenerateAsync(["hello"]));

        Assert.Contains("could not be reached", error.Message);
    }

    [Fact]
    public void GetService_Metadata_NamesProviderEndpointAndModel()
    {
        var metadata = Generator(dimensions: 16).GetService<EmbeddingGeneratorMetadata>();

        Assert.NotNull(metadata);
        Assert.Equal(("openai", "text-embedding-3-small", (int?)16), (metadata.ProviderName, metadata.DefaultModelId, metadata.DefaultModelDimensions));
        Assert.Equal(Server.BaseUrl, metadata.ProviderUri);
    }
}
