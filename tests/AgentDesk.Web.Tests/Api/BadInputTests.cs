using System.Net;
using System.Text;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>
/// Client mistakes answer 400/404/405/413 with the one error body, never 5xx, and write nothing:
/// every case compares a snapshot of the data before and after.
/// </summary>
public sealed class BadInputTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    private async Task AssertRejectedAsync(Func<IReadOnlyDictionary<string, string>, HttpRequestMessage> request, int status, string code)
    {
        var agent = DeskApi.NewAgent("bad");
        var tokens = await ApiRoutes.SeedAsync(_api, agent);
        var before = await ApiRoutes.SnapshotAsync(_api, agent);

        await (await _api.SendAsync(request(tokens))).AssertErrorAsync(status, code);

        Assert.Equal(before, await ApiRoutes.SnapshotAsync(_api, agent));
    }

    private Task AssertRejectedAsync(string method, string path, string? body, int status = 400, string code = "INVALID_REQUEST") =>
        AssertRejectedAsync(tokens => new ApiRoute(method, path, body, [], false).Request(tokens), status, code);

    public static TheoryData<string, string> UnreadableBodies()
    {
        string[] bodies = ["{\"agent_id\":\"x\",", "{'agent_id':'x'}", "{\"a\":1} trailing", "[1,2]", "\"text\"", "42", "null", "true", "", "   "];
        var data = new TheoryData<string, string>();
        foreach (var route in ApiRoutes.All.Values.Where(r => r.Body is not null || r.Method == "PUT"))
            foreach (var body in bodies)
            {
                // Ending a session with no body at all is allowed (some SDKs send none).
                if (route.Path.EndsWith("/end", StringComparison.Ordinal) && body.Length == 0) continue;
                data.Add(route.Name, body);
            }
        return data;
    }

    [Theory]
    [MemberData(nameof(UnreadableBodies))]
    public async Task BodyRoute_UnreadableOrNonObjectBody_Returns400AndWritesNothing(string route, string body)
    {
        await AssertRejectedAsync(tokens => ApiRoutes.All[route].Request(tokens, body), 400, "INVALID_REQUEST");
    }

    [Theory]
    // Wrong types
    [InlineData("""{"agent_id":"{agent}","content":"x","importance":"0.9"}""")]
    [InlineData("""{"agent_id":"{agent}","content":42}""")]
    [InlineData("""{"agent_id":"{agent}","content":["x"]}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","tags":"a,b"}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","tags":[1,2]}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","metadata":"note"}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","metadata":[1]}""")]
    [InlineData("""{"agent_id":7,"content":"x"}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","session_id":12}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","memory_type":"dream"}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","ttl_seconds":"60"}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","ttl_seconds":0}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","ttl_seconds":-5}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","expires_at":"next tuesday"}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","expires_at":true}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","id":"has space"}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","embedding":["a"]}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","embedding":[]}""")]
    // Missing or blank required fields
    [InlineData("""{"agent_id":"{agent}"}""")]
    [InlineData("""{"content":"x"}""")]
    [InlineData("""{"agent_id":"{agent}","content":"   "}""")]
    [InlineData("""{"agent_id":"{agent}","content":null}""")]
    [InlineData("""{"agent_id":"","content":"x"}""")]
    // Out of range
    [InlineData("""{"agent_id":"{agent}","content":"x","importance":1.0001}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","importance":-0.1}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","importance":1e400}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","tags":[""]}""")]
    // Text a JSON parser accepts but a string cannot hold, and nesting beyond the parser's depth
    [InlineData("""{"agent_id":"{agent}","content":"broken \ud800 surrogate"}""")]
    [InlineData("""{"agent_id":"{agent}","content":"x","metadata":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}""")]
    public async Task Store_InvalidField_Returns400AndWritesNothing(string body)
    {
        await AssertRejectedAsync("POST", "/v1/memory/store", body);
    }

    [Fact]
    public async Task Store_ContentOver100000Characters_Returns400AndWritesNothing()
    {
        await AssertRejectedAsync("POST", "/v1/memory/store", $$"""{"agent_id":"{agent}","content":"{{new string('x', 100_001)}}"}""");
    }

    [Fact]
    public async Task Store_MoreThan50Tags_Returns400AndWritesNothing()
    {
        var tags = string.Join(',', Enumerable.Range(0, 51).Select(i => $"\"t{i}\""));
        await AssertRejectedAsync("POST", "/v1/memory/store", $$"""{"agent_id":"{agent}","content":"x","tags":[{{tags}}]}""");
    }

    [Fact]
    public async Task Store_TagOver128Characters_Returns400AndWritesNothing()
    {
        await AssertRejectedAsync("POST", "/v1/memory/store", $$"""{"agent_id":"{agent}","content":"x","tags":["ok","{{new string('t', 129)}}"]}""");
    }

    [Fact]
    public async Task Store_AtEveryLimit_IsAccepted()
    {
        var agent = new string('a', 241);
        var tags = Enumerable.Range(0, 49).Select(i => $"t{i}").Append(new string('t', 128)).ToArray();

        var memory = await _api.StoreAsync(new { agent_id = agent, content = new string('x', 100_000), tags, importance = 1.0 });
        var zero = await _api.StoreAsync(new { agent_id = agent, content = "y", importance = 0.0 });

        Assert.Equal(100_000, memory.GetProperty("content").GetString()!.Length);
        Assert.Equal(50, memory.GetProperty("tags").GetArrayLength());
        Assert.Equal(0.0, zero.GetProperty("importance").GetDouble());
        Assert.Equal(2, (await _api.MemoriesOfAsync(agent)).Count);
    }

    [Theory]
    [InlineData("bad agent")]
    [InlineData("-leading-dash")]
    [InlineData(".leading-dot")]
    [InlineData("slash/inside")]
    [InlineData("colon:inside")]
    [InlineData("ümlaut")]
    [InlineData("quote'inside")]
    [InlineData("semi;colon")]
    public async Task AgentIdRoutes_InvalidAgentIdCharacters_Return400AndWriteNothing(string agentId)
    {
        var escaped = System.Text.Json.JsonEncodedText.Encode(agentId).ToString();
        await AssertRejectedAsync("POST", "/v1/memory/store", $$"""{"agent_id":"{{escaped}}","content":"x"}""");
        await AssertRejectedAsync("POST", "/v1/sessions/start", $$"""{"agent_id":"{{escaped}}"}""");
        await AssertRejectedAsync("POST", "/v1/memories/store/batch", $$"""{"agent_id":"{{escaped}}","memories":[{"content":"x"}]}""");
        await AssertRejectedAsync("POST", "/v1/memory/recall", $$"""{"agent_id":"{{escaped}}","query":"x"}""");
        await AssertRejectedAsync("PUT", $"/v1/namespaces/{Uri.EscapeDataString(agentId)}", """{"dimension":8}""");
    }

    [Fact]
    public async Task Store_AgentIdOver241Bytes_Returns400()
    {
        await AssertRejectedAsync("POST", "/v1/memory/store", $$"""{"agent_id":"{{new string('a', 242)}}","content":"x"}""");
    }

    [Theory]
    [InlineData("""{"agent_id":"{agent}","query":"seed","top_k":0}""")]
    [InlineData("""{"agent_id":"{agent}","query":"seed","top_k":101}""")]
    [InlineData("""{"agent_id":"{agent}","query":"seed","top_k":2.5}""")]
    [InlineData("""{"agent_id":"{agent}","query":"seed","top_k":"5"}""")]
    [InlineData("""{"agent_id":"{agent}","query":"seed","min_importance":1.5}""")]
    [InlineData("""{"agent_id":"{agent}","query":"seed","memory_type":"dream"}""")]
    [InlineData("""{"agent_id":"{agent}","query":"seed","since":"yesterday-ish"}""")]
    [InlineData("""{"agent_id":"{agent}","query":"seed","since":"2024-13-45T00:00:00Z"}""")]
    [InlineData("""{"agent_id":"{agent}","query":"seed","until":"not a date"}""")]
    [InlineData("""{"agent_id":"{agent}","query":"seed","since":-1}""")]
    [InlineData("""{"agent_id":"{agent}","query":"seed","tags":"seed"}""")]
    [InlineData("""{"agent_id":"{agent}","query":"seed","routing":"semantic"}""")]
    [InlineData("""{"agent_id":"{agent}"}""")]
    [InlineData("""{"agent_id":"{agent}","query":"   "}""")]
    [InlineData("""{"query":"seed"}""")]
    public async Task Recall_InvalidRequest_Returns400AndRecordsNoAccess(string body)
    {
        await AssertRejectedAsync("POST", "/v1/memory/recall", body);
    }

    [Fact]
    public async Task Recall_QueryOver100000Characters_Returns400()
    {
        await AssertRejectedAsync("POST", "/v1/memory/recall", $$"""{"agent_id":"{agent}","query":"{{new string('q', 100_001)}}"}""");
    }

    [Fact]
    public async Task Recall_MoreThan50Tags_Returns400()
    {
        var tags = string.Join(',', Enumerable.Range(0, 51).Select(i => $"\"t{i}\""));
        await AssertRejectedAsync("POST", "/v1/memory/recall", $$"""{"agent_id":"{agent}","query":"seed","tags":[{{tags}}]}""");
    }

    [Theory]
    [InlineData("top_k=0")]
    [InlineData("top_k=101")]
    [InlineData("top_k=abc")]
    [InlineData("top_k=1.5")]
    [InlineData("min_importance=much")]
    [InlineData("since=yesterday-ish")]
    [InlineData("until=2024-02-30T00:00:00Z")]
    [InlineData("memory_type=dream")]
    public async Task RecallGet_InvalidQueryParameter_Returns400(string parameter)
    {
        await AssertRejectedAsync("GET", $"/v1/memory/recall?agent_id={{agent}}&query=seed&{parameter}", null);
    }

    [Fact]
    public async Task RecallGet_WithoutQuery_Returns400()
    {
        await AssertRejectedAsync("GET", "/v1/memory/recall?agent_id={agent}", null);
    }

    [Theory]
    [InlineData("GET", "/v1/memory/get/mem_missing", null)]
    [InlineData("PUT", "/v1/memory/update/mem_missing", """{"content":"x"}""")]
    [InlineData("POST", "/v1/memory/importance", """{"agent_id":"{agent}","memory_id":"mem_missing","importance":0.5}""")]
    [InlineData("GET", "/v1/sessions/sess_missing", null)]
    [InlineData("POST", "/v1/sessions/sess_missing/end", """{"summary":"x"}""")]
    [InlineData("GET", "/v1/sessions/sess_missing/memories", null)]
    [InlineData("POST", "/v1/memory/store", """{"agent_id":"{agent}","content":"x","session_id":"sess_missing"}""")]
    [InlineData("DELETE", "/v1/admin/keys/key_missing", null)]
    public async Task UnknownId_Returns404AndWritesNothing(string method, string path, string? body)
    {
        await AssertRejectedAsync(method, path, body, 404, "NOT_FOUND");
    }

    [Theory]
    [InlineData("/v1/nothing-here")]
    [InlineData("/v1/memory/get")]
    [InlineData("/v1/memories/store/batch/extra")]
    [InlineData("/v1/agents/some-agent/memories/now")]
    public async Task UnknownV1Route_Get_Returns404Json(string path)
    {
        var body = await (await _api.GetAsync(path)).AssertErrorAsync(404, "NOT_FOUND");
        Assert.Contains(path, body.GetProperty("error").GetString());
    }


    [Theory]
    [InlineData("POST", "/v1/memory/nothing")]
    [InlineData("DELETE", "/v1/agents/some-agent/memories/now")]
    [InlineData("PUT", "/v1/nothing-here")]
    public async Task UnknownV1Route_OtherMethods_Returns404Json(string method, string path)
    {
        var body = await (await _api.SendRawAsync(new HttpMethod(method), path, "{}")).AssertErrorAsync(404, "NOT_FOUND");
        Assert.Contains(path, body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("DELETE", "/v1/memory/recall")]
    [InlineData("PUT", "/v1/sessions/start")]
    [InlineData("POST", "/v1/memories/forget/batch")]
    [InlineData("PATCH", "/v1/namespaces/some-ns")]
    [InlineData("POST", "/v1/agents")]
    [InlineData("DELETE", "/v1/memory/get/mem_x")]
    public async Task KnownRoute_WrongMethod_Returns405JsonAndWritesNothing(string method, string path)
    {
        await AssertRejectedAsync(method, path, "{}", 405, "INVALID_REQUEST");
    }

    [Theory]
    [InlineData("/v1/memory/store")]
    [InlineData("/v1/memories/store/batch")]
    [InlineData("/v1/memory/update/mem_x")]
    public async Task NonGetRoute_Get_Returns405Json(string path)
    {
        await (await _api.GetAsync(path)).AssertErrorAsync(405, "INVALID_REQUEST");
    }

    [Theory]
    [InlineData("POST", "/v1/memory/store", """{"agent_id":"{agent}","content":"x","tags":["ok","bad \udc00"]}""")]
    [InlineData("POST", "/v1/memory/store", """{"agent_id":"a\ud800","content":"x"}""")]
    [InlineData("POST", "/v1/memory/recall", """{"agent_id":"{agent}","query":"seed \ud800"}""")]
    [InlineData("POST", "/v1/sessions/start", """{"agent_id":"{agent}","id":"\udfff"}""")]
    [InlineData("POST", "/v1/sessions/{sess}/end", """{"summary":"\ud800"}""")]
    [InlineData("PUT", "/v1/memory/update/{mem}", """{"content":"\ud83d"}""")]
    [InlineData("POST", "/v1/admin/keys", """{"name":"\ud800","scopes":["read"]}""")]
    [InlineData("POST", "/v1/memory/store", """{"agent_id":"{agent}","content":"x","metadata":{"k":"v\ud800"}}""")]
    [InlineData("POST", "/v1/memory/store", """{"agent_id":"{agent}","content":"x","metadata":{"k\udc00":"v"}}""")]
    [InlineData("POST", "/v1/sessions/start", """{"agent_id":"{agent}","metadata":{"handoff_to":"\ud800"}}""")]
    [InlineData("POST", "/v1/memories/store/batch", """{"agent_id":"{agent}","memories":[{"content":"ok"},{"content":"x","metadata":{"n":["\ud800"]}}]}""")]
    public async Task TextField_WithUnpairedSurrogate_Returns400AndWritesNothing(string method, string path, string body)
    {
        await AssertRejectedAsync(method, path, body);
    }

    [Fact]
    public async Task Store_BodyOverDefault2MegabyteLimit_Returns413AndWritesNothing()
    {
        var metadata = new string('m', 2 * 1024 * 1024);
        await AssertRejectedAsync("POST", "/v1/memory/store", $$$"""{"agent_id":"{agent}","content":"x","metadata":{"blob":"{{{metadata}}}"}}""", 413, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task Store_BodyJustUnderDefaultLimit_IsAccepted()
    {
        var agent = DeskApi.NewAgent("bad-big-ok");
        var blob = new string('m', 2 * 1024 * 1024 - 200);

        var response = await _api.PostRawAsync("/v1/memory/store", $$$"""{"agent_id":"{{{agent}}}","content":"x","metadata":{"blob":"{{{blob}}}"}}""");

        await response.OkAsync(HttpStatusCode.Created);
        Assert.Single(await _api.MemoriesOfAsync(agent));
    }

    [Fact]
    public async Task Store_BodyWithoutContentType_IsStillReadAsJson()
    {
        var agent = DeskApi.NewAgent("bad-ctype");
        var content = new StringContent($$"""{"agent_id":"{{agent}}","content":"plain text header"}""", Encoding.UTF8, "text/plain");

        await (await _api.PostAsync("/v1/memory/store", content)).OkAsync(HttpStatusCode.Created);
    }
}
