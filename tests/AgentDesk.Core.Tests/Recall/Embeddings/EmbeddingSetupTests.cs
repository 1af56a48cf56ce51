using AgentDesk.Core.Recall.Embeddings;

namespace AgentDesk.Core.Tests.Recall.Embeddings;

public sealed class EmbeddingSetupTests : IDisposable
{
    private readonly TinyGlove _glove = new();

    public void Dispose() => _glove.Dispose();

    [Theory]
    [InlineData("none")]
    [InlineData(" NONE ")]
    public void Create_ProviderNone_ReturnsNoGenerator(string provider) =>
        Assert.Null(EmbeddingSetup.Create(new EmbeddingOptions { Provider = provider }, _glove.Root));

    [Fact]
    public void Create_Defaults_LoadsGloveFromUnderTheRepositoryRoot()
    {
        _glove.Write(("refund", [1, 0]), ("payment", [0, 1]));

        var generator = EmbeddingSetup.Create(new EmbeddingOptions(), _glove.Root);

        var glove = Assert.IsType<GloveEmbeddingGenerator>(generator);
        Assert.Equal("glove-6b-2d-sif", glove.ModelId);
        Assert.Equal(1f, glove.Embed("refund")[0]);
        Assert.True(File.Exists(_glove.CachePath));
    }

    [Fact]
    public void Create_RelativeGlovePaths_ResolveAgainstTheRoot()
    {
        Directory.CreateDirectory(Path.Combine(_glove.Root, "elsewhere"));
        File.WriteAllText(Path.Combine(_glove.Root, "elsewhere", "vectors.json"), TinyGlove.Json([("refund", [1, 0])]));
        var options = new EmbeddingOptions { Glove = new GloveOptions { PackagePath = "elsewhere/vectors.json", CachePath = "elsewhere/cache.bin", RemoveCommonComponent = true } };

        var generator = Assert.IsType<GloveEmbeddingGenerator>(EmbeddingSetup.Create(options, _glove.Root));

        Assert.Equal("glove-6b-2d-sif-pc1", generator.ModelId);
        Assert.True(File.Exists(Path.Combine(_glove.Root, "elsewhere", "cache.bin")));
    }

    [Fact]
    public void Create_GloveNotInstalled_ThrowsPointingAtSetup()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EmbeddingSetup.Create(new EmbeddingOptions(), _glove.Root));

        Assert.Contains("run scripts/setup.sh", error.Message);
    }

    [Fact]
    public void Create_RelativeGlovePathWithoutRoot_ThrowsAskingForAbsolutePaths()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EmbeddingSetup.Create(new EmbeddingOptions(), repoRoot: null));

        Assert.Contains("AgentDesk:Embeddings:Glove:PackagePath", error.Message);
    }

    [Fact]
    public void Create_UnknownProvider_ThrowsListingTheKnownOnes()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EmbeddingSetup.Create(new EmbeddingOptions { Provider = "onnx" }, _glove.Root));

        Assert.Contains("'onnx'", error.Message);
        Assert.Contains("'glove', 'openai' or 'none'", error.Message);
    }

    [Theory]
    [InlineData(null, "text-embedding-3-small", "key", "BaseUrl")]
    [InlineData("not a url", "text-embedding-3-small", "key", "BaseUrl")]
    [InlineData("ftp://host/v1", "text-embedding-3-small", "key", "BaseUrl")]
    [InlineData("https://api.openai.com/v1", " ", "key", "Model")]
    [InlineData("https://api.openai.com/v1", "text-embedding-3-small", null, "ApiKey")]
    public void Create_IncompleteOpenAiSettings_ThrowsNamingTheSetting(string? baseUrl, string? model, string? key, string setting)
    {
        var options = new EmbeddingOptions { Provider = "openai", OpenAI = new OpenAiEmbeddingOptions { BaseUrl = baseUrl, Model = model, ApiKey = key } };

        var error = Assert.Throws<InvalidOperationException>(() => EmbeddingSetup.Create(options, _glove.Root));

        Assert.Contains($"AgentDesk:Embeddings:OpenAI:{setting}", error.Message);
    }

    [Theory]
    [InlineData(0, 30, null, "BatchSize")]
    [InlineData(256, 0, null, "TimeoutSeconds")]
    [InlineData(256, 30, -1, "Dimensions")]
    public void Create_OpenAiSettingOutOfRange_ThrowsNamingTheSetting(int batchSize, int timeoutSeconds, int? dimensions, string setting)
    {
        var options = new EmbeddingOptions
        {
            Provider = "openai",
            OpenAI = new OpenAiEmbeddingOptions { BaseUrl = "http://127.0.0.1:1/v1", Model = "m", ApiKey = "k", BatchSize = batchSize, TimeoutSeconds = timeoutSeconds, Dimensions = dimensions },
        };

        var error = Assert.Throws<InvalidOperationException>(() => EmbeddingSetup.Create(options, _glove.Root));

        Assert.Contains($"AgentDesk:Embeddings:OpenAI:{setting}", error.Message);
    }

    [Fact]
    public void Create_CompleteOpenAiSettings_ReturnsAGeneratorNamedAfterTheModel()
    {
        var options = new EmbeddingOptions { Provider = "OpenAI", OpenAI = new OpenAiEmbeddingOptions { BaseUrl = "http://127.0.0.1:1/v1/", Model = "nomic-embed-text", ApiKey = "ollama" } };

        var generator = Assert.IsType<OpenAiEmbeddingGenerator>(EmbeddingSetup.Create(options, _glove.Root));

        Assert.Equal("nomic-embed-text", generator.ModelId);
        Assert.Equal("http://127.0.0.1:1/v1", generator.Endpoint.AbsoluteUri);
    }
}
