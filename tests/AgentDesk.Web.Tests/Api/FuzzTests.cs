using System.Globalization;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>
/// Hostile input on every /v1 route (issue 7): generated malformed and adversarial requests never get a 5xx, every
/// refusal is the one JSON error body, a refused request writes nothing, and the server stays healthy. The seed is
/// fixed (override with AGENTDESK_FUZZ_SEED) and printed with every failure, so a failing request reproduces.
/// </summary>
public sealed class FuzzTests(QuietDeskFactory desk) : IClassFixture<QuietDeskFactory>
{
    private static readonly int Seed =
        int.TryParse(Environment.GetEnvironmentVariable("AGENTDESK_FUZZ_SEED"), CultureInfo.InvariantCulture, out var seed) ? seed : 20_261_121;

    public static TheoryData<string> AllRoutes => ApiRoutes.Names(_ => true);

    private readonly HttpClient _root = desk.Root();

    [Fact]
    public void Generator_MakesAtLeast500CasesCoveringEveryRoute()
    {
        var counts = ApiRoutes.All.Values.ToDictionary(r => r.Name, r => HostileInput.For(r, Seed).Count);

        Assert.True(counts.Values.Sum() >= 500, $"only {counts.Values.Sum()} cases");
        Assert.All(counts, c => Assert.True(c.Value >= 5, $"{c.Key} has only {c.Value} cases"));
        Assert.Equal(HostileInput.For(ApiRoutes.All["POST /v1/memory/store"], Seed), HostileInput.For(ApiRoutes.All["POST /v1/memory/store"], Seed));
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task EveryRoute_HostileRequests_Answer2xxOrJson4xxWriteNothingWhenRefusedAndLeaveTheServerHealthy(string routeName)
    {
        var agent = DeskApi.NewAgent("fuzz");
        var tokens = await ApiRoutes.SeedAsync(_root, agent);
        var cases = HostileInput.For(ApiRoutes.All[routeName], Seed);
        var failures = new List<string>();

        // A refused case is compared with the data as the previous case left it; an accepted one may write (a recall
        // its access statistics too, flushed here), so the comparison point moves past it.
        var before = await SnapshotAsync(agent);
        foreach (var fuzz in cases)
        {
            var response = await _root.SendAsync(fuzz.Request(tokens));
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            var after = await SnapshotAsync(agent);
            if (status is >= 400 and < 500)
            {
                if (ErrorBodyProblem(text, status) is { } problem) failures.Add($"{fuzz.Describe(tokens)} -> {status} {problem}: {Cut(text)}");
                if (after != before) failures.Add($"{fuzz.Describe(tokens)} -> {status} but the data changed");
            }
            else if (status is < 200 or >= 300)
            {
                failures.Add($"{fuzz.Describe(tokens)} -> {status}: {Cut(text)}");
            }
            else if (ItemErrorProblem(text) is { } problem)
            {
                failures.Add($"{fuzz.Describe(tokens)} -> {status} with an item error {problem}: {Cut(text)}");
            }
            before = after;
        }
        var health = await _root.GetAsync("/health");

        Assert.True(failures.Count == 0,
            $"seed {Seed}, route {routeName}: {failures.Count} of {cases.Count} cases failed\n{string.Join('\n', failures.Take(25))}");
        Assert.True((int)health.StatusCode == 200, $"seed {Seed}: /health answered {(int)health.StatusCode} after the cases of {routeName}");
    }

    [Fact]
    public async Task Store_BodyStartingWithUtf8ByteOrderMark_IsAccepted()
    {
        var agent = DeskApi.NewAgent("fuzz-bom");
        var body = HostileInput.Bytes($$"""{"agent_id":"{{agent}}","content":"sent by a client that writes a BOM"}""");

        var response = await _root.PostAsync("/v1/memory/store", new ByteArrayContent([0xEF, 0xBB, 0xBF, .. body]));

        await response.OkAsync(System.Net.HttpStatusCode.Created);
        Assert.Single(await _root.MemoriesOfAsync(agent));
    }

    [Fact]
    public async Task Store_InvalidUtf8InsideAString_Returns400NamingInvalidUtf8()
    {
        var agent = DeskApi.NewAgent("fuzz-utf8");
        var body = HostileInput.Bytes($$"""{"agent_id":"{{agent}}","content":"a{{HostileInput.BadUtf8}}b"}""");

        var error = await (await _root.PostAsync("/v1/memory/store", new ByteArrayContent(body))).AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Contains("invalid UTF-8", error.GetProperty("error").GetString());
        Assert.Empty(await _root.MemoriesOfAsync(agent));
    }

    /// <summary>The data after every write so far, recall access statistics included.</summary>
    private async Task<string> SnapshotAsync(string agent)
    {
        await desk.FlushAccessAsync();
        return await ApiRoutes.SnapshotAsync(_root, agent);
    }

    /// <summary>Null when the body is API.md's error object for this status, else what is wrong with it.</summary>
    private static string? ErrorBodyProblem(string text, int status)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var body = document.RootElement;
            if (body.ValueKind != JsonValueKind.Object) return "error body is not an object";
            if (!body.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.String || error.GetString()!.Length == 0) return "no string 'error'";
            if (!body.TryGetProperty("code", out var code) || code.ValueKind != JsonValueKind.String || code.GetString()!.Length == 0) return "no string 'code'";
            if (!body.TryGetProperty("status", out var s) || !s.TryGetInt32(out var n) || n != status) return "'status' does not match";
            return null;
        }
        catch (JsonException)
        {
            return "error body is not JSON";
        }
    }

    /// <summary>A batch answers 2xx with an error object per failed item; each must be the error body too.</summary>
    private static string? ItemErrorProblem(string text)
    {
        if (!text.StartsWith('{')) return null;
        using var document = JsonDocument.Parse(text);
        return Problems(document.RootElement).FirstOrDefault();

        static IEnumerable<string> Problems(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Array => e.EnumerateArray().SelectMany(Problems),
            JsonValueKind.Object => e.EnumerateObject().SelectMany(p =>
                p is { Name: "error", Value.ValueKind: JsonValueKind.Object }
                    ? ErrorBodyProblem(p.Value.GetRawText(), p.Value.TryGetProperty("status", out var s) && s.TryGetInt32(out var n) ? n : -1) is { } problem ? [problem] : []
                    : Problems(p.Value)),
            _ => [],
        };
    }

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
