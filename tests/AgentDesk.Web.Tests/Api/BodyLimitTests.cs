using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>A configured AgentDesk:Limits:MaxBodyBytes refuses larger bodies with 413 on every body-reading route.</summary>
public sealed class BodyLimitTests(SmallBodyDeskFactory desk) : IClassFixture<SmallBodyDeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    /// <summary>A route's valid body, padded with an ignored field to <paramref name="bytes"/> bytes.</summary>
    private static string Padded(string body, int bytes)
    {
        var rest = body[1..];
        var padding = bytes - Encoding.UTF8.GetByteCount("{\"pad\":\"\",") - Encoding.UTF8.GetByteCount(rest);
        return $"{{\"pad\":\"{new string('p', padding)}\",{rest}";
    }

    public static TheoryData<string> BodyRoutes => ApiRoutes.Names(r => r.Body is not null);

    [Theory]
    [MemberData(nameof(BodyRoutes))]
    public async Task BodyRoute_OneByteOverTheConfiguredLimit_Returns413AndWritesNothing(string routeName)
    {
        var agent = DeskApi.NewAgent("limit");
        var tokens = await ApiRoutes.SeedAsync(_api, agent);
        var before = await ApiRoutes.SnapshotAsync(_api, agent);
        var route = ApiRoutes.All[routeName];
        var body = Padded(ApiRoutes.Fill(route.Body!, tokens), SmallBodyDeskFactory.MaxBodyBytes + 1);

        await (await _api.SendAsync(route.Request(tokens, body))).AssertErrorAsync(413, "PAYLOAD_TOO_LARGE");

        Assert.Equal(before, await ApiRoutes.SnapshotAsync(_api, agent));
    }

    [Theory]
    [MemberData(nameof(BodyRoutes))]
    public async Task BodyRoute_ExactlyAtTheConfiguredLimit_IsAccepted(string routeName)
    {
        var tokens = await ApiRoutes.SeedAsync(_api, DeskApi.NewAgent("limit-ok"));
        var route = ApiRoutes.All[routeName];
        var body = Padded(ApiRoutes.Fill(route.Body!, tokens), SmallBodyDeskFactory.MaxBodyBytes);
        Assert.Equal(SmallBodyDeskFactory.MaxBodyBytes, Encoding.UTF8.GetByteCount(body));

        await (await _api.SendAsync(route.Request(tokens, body))).OkAsync((HttpStatusCode)route.Success);
    }

    [Fact]
    public async Task Store_OverLimitWithoutContentLength_Returns413AndWritesNothing()
    {
        var agent = DeskApi.NewAgent("limit-chunked");
        var before = await _api.AgentCountsAsync();
        var body = $$"""{"agent_id":"{{agent}}","content":"{{new string('c', 10_000)}}"}""";

        var response = await _api.PostAsync("/v1/memory/store", new UnknownLengthContent(body));

        await response.AssertErrorAsync(413, "PAYLOAD_TOO_LARGE");
        Assert.Equal(before, await _api.AgentCountsAsync());
    }

    [Fact]
    public async Task Store_SmallBodyWithoutContentLength_IsAccepted()
    {
        var agent = DeskApi.NewAgent("limit-chunked-ok");

        var response = await _api.PostAsync("/v1/memory/store", new UnknownLengthContent($$"""{"agent_id":"{{agent}}","content":"streamed"}"""));

        await response.OkAsync(HttpStatusCode.Created);
        Assert.Single(await _api.MemoriesOfAsync(agent));
    }

    [Fact]
    public async Task SessionEnd_WithoutBodyOnSmallLimit_StillEnds()
    {
        var sessionId = await _api.StartSessionIdAsync(DeskApi.NewAgent("limit-end"));

        var session = (await (await _api.PostAsync($"/v1/sessions/{sessionId}/end", null)).OkAsync()).GetProperty("session");

        Assert.True(session.TryGetProperty("ended_at", out _));
    }

    /// <summary>A body sent without Content-Length (chunked), as streaming clients do.</summary>
    private sealed class UnknownLengthContent : HttpContent
    {
        private readonly byte[] _bytes;

        public UnknownLengthContent(string text)
        {
            _bytes = Encoding.UTF8.GetBytes(text);
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
