using System.Net;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>The minimal namespace surface Dakera SDK test suites call before they start.</summary>
public sealed class NamespacesApiTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    [Fact]
    public async Task Put_Twice_CreatesThenReportsExisting()
    {
        var ns = DeskApi.NewAgent("ns-put");

        var first = await (await _api.PutJsonAsync($"/v1/namespaces/{ns}", new { dimension = 384, distance = "cosine" })).OkAsync(HttpStatusCode.Created);
        var second = await (await _api.PutJsonAsync($"/v1/namespaces/{ns}", new { dimension = 384 })).OkAsync(HttpStatusCode.OK);

        Wire.AssertFields(first, "namespace", "dimension", "distance", "created", "vector_count");
        Assert.Equal(ns, first.GetProperty("namespace").GetString());
        Assert.Equal(384, first.GetProperty("dimension").GetInt32());
        Assert.Equal("cosine", first.GetProperty("distance").GetString());
        Assert.True(first.GetProperty("created").GetBoolean());
        Assert.Equal(0, first.GetProperty("vector_count").GetInt64());
        Wire.AssertFields(second, "namespace", "dimension", "distance", "created", "vector_count");
        Assert.False(second.GetProperty("created").GetBoolean());
    }

    [Fact]
    public async Task Put_ExistingWithOtherSettings_KeepsTheOriginal()
    {
        var ns = DeskApi.NewAgent("ns-keep");
        await (await _api.PutJsonAsync($"/v1/namespaces/{ns}", new { dimension = 8, distance = "euclidean" })).OkAsync(HttpStatusCode.Created);

        var again = await (await _api.PutJsonAsync($"/v1/namespaces/{ns}", new { dimension = 16, distance = "dot_product" })).OkAsync();

        Assert.Equal(8, again.GetProperty("dimension").GetInt32());
        Assert.Equal("euclidean", again.GetProperty("distance").GetString());
    }

    [Fact]
    public async Task Put_WithDimensionsAliasAndNoDistance_DefaultsToCosine()
    {
        var ns = DeskApi.NewAgent("ns-alias");

        var body = await (await _api.PutJsonAsync($"/v1/namespaces/{ns}", new { dimensions = 64 })).OkAsync(HttpStatusCode.Created);

        Assert.Equal(64, body.GetProperty("dimension").GetInt32());
        Assert.Equal("cosine", body.GetProperty("distance").GetString());
    }

    [Fact]
    public async Task Post_WithName_CreatesNamespace()
    {
        var ns = DeskApi.NewAgent("ns-post");

        var body = await (await _api.PostJsonAsync("/v1/namespaces", new { name = ns, dimension = 32 })).OkAsync(HttpStatusCode.Created);

        Assert.Equal(ns, body.GetProperty("namespace").GetString());
        Assert.True(body.GetProperty("created").GetBoolean());
        await (await _api.GetAsync($"/v1/namespaces/{ns}")).OkAsync();
    }

    [Fact]
    public async Task List_ReturnsNamespaceNamesAsStrings()
    {
        var a = DeskApi.NewAgent("ns-list-a");
        var b = DeskApi.NewAgent("ns-list-b");
        await (await _api.PutJsonAsync($"/v1/namespaces/{a}", new { dimension = 4 })).OkAsync(HttpStatusCode.Created);
        await (await _api.PutJsonAsync($"/v1/namespaces/{b}", new { dimension = 4 })).OkAsync(HttpStatusCode.Created);

        var body = await (await _api.GetAsync("/v1/namespaces")).OkAsync();

        Wire.AssertFields(body, "namespaces");
        Assert.All(body.GetProperty("namespaces").EnumerateArray(), n => Assert.Equal(JsonValueKind.String, n.ValueKind));
        Assert.Contains(a, body.GetProperty("namespaces").Strings());
        Assert.Contains(b, body.GetProperty("namespaces").Strings());
    }

    [Fact]
    public async Task Get_Existing_ReturnsVectorCountOfTheAgentsMemories()
    {
        var ns = DeskApi.NewAgent("ns-get");
        await (await _api.PutJsonAsync($"/v1/namespaces/{ns}", new { dimension = 3 })).OkAsync(HttpStatusCode.Created);
        await _api.StoreAsync(new { agent_id = ns, content = "one" });
        await _api.StoreAsync(new { agent_id = ns, content = "two" });

        var body = await (await _api.GetAsync($"/v1/namespaces/{ns}")).OkAsync();

        Wire.AssertFields(body, "namespace", "vector_count", "dimension", "distance");
        Assert.Equal(ns, body.GetProperty("namespace").GetString());
        Assert.Equal(2, body.GetProperty("vector_count").GetInt64());
        Assert.Equal(3, body.GetProperty("dimension").GetInt32());
    }

    [Fact]
    public async Task Get_Unknown_Returns404NamespaceNotFound()
    {
        await (await _api.GetAsync($"/v1/namespaces/{DeskApi.NewAgent("ns-ghost")}")).AssertErrorAsync(404, "NAMESPACE_NOT_FOUND");
    }

    [Fact]
    public async Task Delete_Existing_RemovesItAndKeepsMemories()
    {
        var ns = DeskApi.NewAgent("ns-del");
        await (await _api.PutJsonAsync($"/v1/namespaces/{ns}", new { dimension = 3 })).OkAsync(HttpStatusCode.Created);
        await _api.StoreAsync(new { agent_id = ns, content = "survives" });

        var body = await (await _api.DeleteAsync($"/v1/namespaces/{ns}")).OkAsync();

        Wire.AssertFields(body, "status", "namespace", "deleted");
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal(ns, body.GetProperty("namespace").GetString());
        Assert.True(body.GetProperty("deleted").GetBoolean());
        await (await _api.GetAsync($"/v1/namespaces/{ns}")).AssertErrorAsync(404, "NAMESPACE_NOT_FOUND");
        Assert.DoesNotContain(ns, (await (await _api.GetAsync("/v1/namespaces")).OkAsync()).GetProperty("namespaces").Strings());
        Assert.Single(await _api.MemoriesOfAsync(ns));
        await (await _api.DeleteAsync($"/v1/namespaces/{ns}")).AssertErrorAsync(404, "NAMESPACE_NOT_FOUND");
    }

    [Theory]
    [InlineData("{ns}", """{"dimension":0}""")]
    [InlineData("{ns}", """{"dimension":4097}""")]
    [InlineData("{ns}", """{"dimension":"384"}""")]
    [InlineData("{ns}", """{"dimension":8,"distance":"manhattan"}""")]
    [InlineData("bad%20name", """{"dimension":8}""")]
    [InlineData("{ns}", "")]
    public async Task Put_InvalidRequest_Returns400AndCreatesNothing(string name, string body)
    {
        var ns = DeskApi.NewAgent("ns-bad");

        await (await _api.SendRawAsync(HttpMethod.Put, $"/v1/namespaces/{name.Replace("{ns}", ns)}", body)).AssertErrorAsync(400, "INVALID_REQUEST");

        await (await _api.GetAsync($"/v1/namespaces/{ns}")).AssertErrorAsync(404, "NAMESPACE_NOT_FOUND");
    }

    [Fact]
    public async Task Post_WithoutName_Returns400()
    {
        await (await _api.PostJsonAsync("/v1/namespaces", new { dimension = 8 })).AssertErrorAsync(400, "INVALID_REQUEST");
    }
}
