using System.Diagnostics;
using System.Text.Json;
using AgentDesk.Core.OpenAiCompatible;
using AgentDesk.Web.Tests.Support;
using Microsoft.Extensions.AI;

namespace AgentDesk.Web.Tests.OpenAiCompatible;

/// <summary>The chat client through the real OpenAI SDK and a real socket, against <see cref="FakeOpenAiServer"/>.</summary>
public sealed class OpenAiChatClientTests : FakeOpenAiServerTest
{
    private OpenAiChatClient Client(int timeoutSeconds = 30) => new(new OpenAiChatOptions
    {
        BaseUrl = Server.BaseUrl.AbsoluteUri,
        Model = "summary-model",
        ApiKey = "sk-chat",
        TimeoutSeconds = timeoutSeconds,
    }, "AgentDesk:Summaries:OpenAI");

    /// <summary>A message's content as the SDK sends it: a string, or an array of text parts.</summary>
    private static string ContentText(JsonElement content) => content.ValueKind == JsonValueKind.String
        ? content.GetString()!
        : string.Concat(content.EnumerateArray().Select(part => part.GetProperty("text").GetString()));

    private static ChatMessage[] Conversation => [new(ChatRole.System, "Answer in JSON."), new(ChatRole.User, "Summarise the case.")];

    [Fact]
    public async Task GetResponse_SendsModelMessagesAndJsonFormat_AndReturnsTheAssistantText()
    {
        Server.Handle(FakeOpenAiServer.ChatPath, _ => FakeOpenAiServer.ChatAnswer("""{"user_goal":"refund"}""", model: "summary-model-2026"));

        var response = await Client().GetResponseAsync(Conversation, new ChatOptions { ResponseFormat = ChatResponseFormat.Json, Temperature = 0.1f, MaxOutputTokens = 600 });

        Assert.Equal("""{"user_goal":"refund"}""", response.Text);
        Assert.Equal("summary-model-2026", response.ModelId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(18, response.Usage?.TotalTokenCount);
        var request = Assert.Single(Server.Requests);
        Assert.Equal(("POST", FakeOpenAiServer.ChatPath, "Bearer sk-chat"), (request.Method, request.Path, request.Authorization));
        var body = request.Body!.Value;
        Assert.Equal("summary-model", body.GetProperty("model").GetString());
        Assert.Equal(["system", "user"], body.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Summarise the case.", ContentText(body.GetProperty("messages")[1].GetProperty("content")));
        Assert.Equal("json_object", body.GetProperty("response_format").GetProperty("type").GetString());
        Assert.Equal(0.1, body.GetProperty("temperature").GetDouble(), 3);
    }

    [Fact]
    public async Task GetResponse_WithoutOptions_SendsNoResponseFormat()
    {
        Server.Handle(FakeOpenAiServer.ChatPath, _ => FakeOpenAiServer.ChatAnswer("plain text", finishReason: "length"));
        var response = await Client().GetResponseAsync(Conversation);
        Assert.Equal("plain text", response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.False(Server.Requests.Single().Body!.Value.TryGetProperty("response_format", out _));
    }

    [Fact]
    public async Task GetResponse_ServerError_ThrowsWithTheServersMessage()
    {
        Server.Enqueue(FakeResponse.Error(500, "the model is overloaded"));
        var error = await Assert.ThrowsAsync<ChatServiceException>(() => Client().GetResponseAsync(Conversation));
        Assert.Contains("HTTP 500", error.Message);
        Assert.Contains("the model is overloaded", error.Message);
        Assert.Single(Server.Requests);
    }

    [Fact]
    public async Task GetResponse_SlowServer_FailsWithinTheTimeout()
    {
        Server.Enqueue(FakeResponse.Slow(TimeSpan.FromSeconds(60)));
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ChatServiceException>(() => Client(timeoutSeconds: 1).GetResponseAsync(Conversation));
        Assert.Contains("did not answer within 1 s", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task GetResponse_MalformedAnswer_Throws()
    {
        Server.Enqueue(FakeResponse.Malformed());
        var error = await Assert.ThrowsAsync<ChatServiceException>(() => Client().GetResponseAsync(Conversation));
        Assert.Contains("not a chat completion", error.Message);
    }

    [Fact]
    public async Task GetResponse_ToolMessage_IsRefusedBeforeAnyRequest()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client().GetResponseAsync([new ChatMessage(ChatRole.Tool, "result")]));
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task GetStreamingResponse_YieldsTheWholeAnswer()
    {
        Server.Handle(FakeOpenAiServer.ChatPath, _ => FakeOpenAiServer.ChatAnswer("all at once"));
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Client().GetStreamingResponseAsync(Conversation)) updates.Add(update);
        Assert.Equal("all at once", Assert.Single(updates).Text);
    }

    [Theory]
    [InlineData(null, "summary-model", "sk", "BaseUrl")]
    [InlineData("http://127.0.0.1:1/v1", "", "sk", "Model")]
    [InlineData("http://127.0.0.1:1/v1", "summary-model", " ", "ApiKey")]
    public void Constructor_MissingSetting_NamesIt(string? baseUrl, string model, string apiKey, string setting)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new OpenAiChatClient(
            new OpenAiChatOptions { BaseUrl = baseUrl, Model = model, ApiKey = apiKey }, "AgentDesk:Summaries:OpenAI"));
        Assert.Contains($"AgentDesk:Summaries:OpenAI:{setting}", error.Message);
    }

    [Fact]
    public void GetService_Metadata_NamesProviderEndpointAndModel()
    {
        var metadata = Client().GetService<ChatClientMetadata>();
        Assert.Equal(("openai", "summary-model"), (metadata?.ProviderName, metadata?.DefaultModelId));
        Assert.Equal(Server.BaseUrl.AbsoluteUri.TrimEnd('/'), metadata?.ProviderUri?.AbsoluteUri.TrimEnd('/'));
    }
}
