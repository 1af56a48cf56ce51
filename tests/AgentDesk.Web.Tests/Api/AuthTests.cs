using System.Net;
using System.Text.Json;
using AgentDesk.Web.Auth;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>
/// Keys on every /v1 route: missing, wrong, revoked, lacking the scope, restricted to other agents.
/// Each case runs against freshly seeded data and checks that a refused call changed nothing.
/// </summary>
public sealed class AuthTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    public static TheoryData<string> AllRoutes => ApiRoutes.Names(_ => true);

    public static TheoryData<string> AgentScopedRoutes => ApiRoutes.Names(r => r.AgentScoped);

    private readonly HttpClient _root = desk.Root();

    private async Task<string> CreateKeyAsync(IEnumerable<string> scopes, string[]? agentIds = null) =>
        await desk.CreateKeyAsync(scopes.ToArray(), agentIds);

    private async Task AssertRefusedAsync(string routeName, HttpClient client, int status, string code, Action<HttpRequestMessage>? prepare = null)
    {
        var agent = DeskApi.NewAgent("auth");
        var tokens = await ApiRoutes.SeedAsync(_root, agent);
        var before = await ApiRoutes.SnapshotAsync(_root, agent);
        var request = ApiRoutes.All[routeName].Request(tokens);
        prepare?.Invoke(request);

        await (await client.SendAsync(request)).AssertErrorAsync(status, code);

        Assert.Equal(before, await ApiRoutes.SnapshotAsync(_root, agent));
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public Task EveryRoute_WithoutKey_Returns401AuthenticationRequired(string route) =>
        AssertRefusedAsync(route, desk.WithKey(null), 401, "AUTHENTICATION_REQUIRED");

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public Task EveryRoute_WithWrongBearerKey_Returns401InvalidApiKey(string route) =>
        AssertRefusedAsync(route, desk.WithKey("adk_not-a-key-this-server-issued"), 401, "INVALID_API_KEY");

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public Task EveryRoute_WithWrongXApiKey_Returns401InvalidApiKey(string route) =>
        AssertRefusedAsync(route, desk.WithKey(null), 401, "INVALID_API_KEY", r => r.Headers.Add("X-API-Key", "adk_wrong"));

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task EveryRoute_WithKeyLackingItsScope_Returns403InsufficientScope(string route)
    {
        var lacking = Scopes.All.Except(ApiRoutes.All[route].Grants).Where(s => s != Scopes.Admin);
        var client = desk.WithKey(await CreateKeyAsync(lacking));

        await AssertRefusedAsync(route, client, 403, "INSUFFICIENT_SCOPE");
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task EveryRoute_WithEachGrantingScopeInXApiKey_Succeeds(string routeName)
    {
        var route = ApiRoutes.All[routeName];
        foreach (var scope in route.Grants)
        {
            var client = desk.WithKey(null);
            client.DefaultRequestHeaders.Add("X-API-Key", await CreateKeyAsync([scope]));
            var tokens = await ApiRoutes.SeedAsync(_root, DeskApi.NewAgent("auth-ok"));

            var response = await client.SendAsync(route.Request(tokens));

            await response.OkAsync((HttpStatusCode)route.Success);
        }
    }

    [Theory]
    [MemberData(nameof(AgentScopedRoutes))]
    public async Task AgentRoute_WithKeyRestrictedToAnotherAgent_Returns403NamespaceAccessDenied(string route)
    {
        var allowed = DeskApi.NewAgent("auth-mine");
        var client = desk.WithKey(await CreateKeyAsync(ApiRoutes.All[route].Grants, [allowed]));

        await AssertRefusedAsync(route, client, 403, "NAMESPACE_ACCESS_DENIED");
    }

    [Theory]
    [MemberData(nameof(AgentScopedRoutes))]
    public async Task AgentRoute_WithKeyRestrictedToThatAgent_Succeeds(string routeName)
    {
        var route = ApiRoutes.All[routeName];
        var agent = DeskApi.NewAgent("auth-own");
        var tokens = await ApiRoutes.SeedAsync(_root, agent);
        var client = desk.WithKey(await CreateKeyAsync(route.Grants, [agent, DeskApi.NewAgent("auth-also")]));

        var response = await client.SendAsync(route.Request(tokens));

        await response.OkAsync((HttpStatusCode)route.Success);
    }

    [Fact]
    public async Task Store_WithKeyRestrictedToNoAgents_Returns403()
    {
        var agent = DeskApi.NewAgent("auth-none");
        var client = desk.WithKey(await CreateKeyAsync(Scopes.All.Where(s => s != Scopes.Admin), []));

        await (await client.PostJsonAsync("/v1/memory/store", new { agent_id = agent, content = "x" })).AssertErrorAsync(403, "NAMESPACE_ACCESS_DENIED");

        Assert.Empty(await _root.MemoriesOfAsync(agent));
    }

    [Fact]
    public async Task SessionsList_WithRestrictedKey_ShowsOnlyAllowedAgents()
    {
        var mine = DeskApi.NewAgent("auth-list-a");
        var theirs = DeskApi.NewAgent("auth-list-b");
        var mySession = await _root.StartSessionIdAsync(mine);
        await _root.StartSessionIdAsync(theirs);
        var client = desk.WithKey(await CreateKeyAsync([Scopes.Sessions], [mine]));

        var body = await (await client.GetAsync("/v1/sessions?limit=1000")).OkAsync();

        Assert.Equal([mySession], body.GetProperty("sessions").EnumerateArray().Ids());
        Assert.Equal(1, body.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task AgentsList_WithRestrictedKey_ShowsOnlyAllowedAgents()
    {
        var mine = DeskApi.NewAgent("auth-agents-a");
        await _root.StoreAsync(new { agent_id = mine, content = "x" });
        await _root.StoreAsync(new { agent_id = DeskApi.NewAgent("auth-agents-b"), content = "y" });
        var client = desk.WithKey(await CreateKeyAsync([Scopes.Read], [mine]));

        var body = await (await client.GetAsync("/v1/agents")).OkAsync();

        var only = Assert.Single(body.EnumerateArray());
        Assert.Equal(mine, only.GetProperty("agent_id").GetString());
        Assert.Equal(1, only.GetProperty("memory_count").GetInt64());
    }

    [Fact]
    public async Task NamespacesList_WithRestrictedKey_ShowsOnlyAllowedNamespaces()
    {
        var mine = DeskApi.NewAgent("auth-ns-a");
        await (await _root.PutJsonAsync($"/v1/namespaces/{mine}", new { dimension = 4 })).OkAsync(HttpStatusCode.Created);
        await (await _root.PutJsonAsync($"/v1/namespaces/{DeskApi.NewAgent("auth-ns-b")}", new { dimension = 4 })).OkAsync(HttpStatusCode.Created);
        var client = desk.WithKey(await CreateKeyAsync([Scopes.Read], [mine]));

        var body = await (await client.GetAsync("/v1/namespaces")).OkAsync();

        Assert.Equal([mine], body.GetProperty("namespaces").Strings());
    }

    [Fact]
    public async Task Lists_WithKeyRestrictedToAgentWithoutData_AreEmpty()
    {
        var client = desk.WithKey(await CreateKeyAsync([Scopes.Read, Scopes.Sessions], [DeskApi.NewAgent("auth-empty")]));

        var agents = await (await client.GetAsync("/v1/agents")).OkAsync();
        var namespaces = await (await client.GetAsync("/v1/namespaces")).OkAsync();
        var sessions = await (await client.GetAsync("/v1/sessions")).OkAsync();

        Assert.Equal(JsonValueKind.Array, agents.ValueKind);
        Assert.Equal(0, agents.GetArrayLength());
        Assert.Equal(0, namespaces.GetProperty("namespaces").GetArrayLength());
        Assert.Equal(0, sessions.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task GetMemoryById_WithRestrictedKeyNamingItsOwnAgent_Returns404NotTheMemory()
    {
        var theirs = DeskApi.NewAgent("auth-get-b");
        var id = await _root.StoreIdAsync(new { agent_id = theirs, content = "private" });
        var mine = DeskApi.NewAgent("auth-get-a");
        var client = desk.WithKey(await CreateKeyAsync([Scopes.Read], [mine]));

        var response = await client.GetAsync($"/v1/memory/get/{id}?agent_id={mine}");

        var body = await response.AssertErrorAsync(404, "NOT_FOUND");
        Assert.DoesNotContain("private", body.GetRawText());
    }

    [Fact]
    public async Task RevokedKey_OnEveryRouteGroup_Returns401InvalidApiKey()
    {
        var created = await (await _root.PostJsonAsync("/v1/admin/keys", new { name = "to revoke", scopes = Scopes.All })).OkAsync(HttpStatusCode.Created);
        var client = desk.WithKey(created.GetProperty("secret").GetString()!);
        var agent = DeskApi.NewAgent("auth-revoked");
        await (await client.PostJsonAsync("/v1/memory/store", new { agent_id = agent, content = "before revocation" })).OkAsync(HttpStatusCode.Created);

        await (await _root.DeleteAsync($"/v1/admin/keys/{created.GetProperty("key").GetProperty("id").GetString()}")).OkAsync();

        await (await client.PostJsonAsync("/v1/memory/store", new { agent_id = agent, content = "after revocation" })).AssertErrorAsync(401, "INVALID_API_KEY");
        await (await client.PostJsonAsync("/v1/sessions/start", new { agent_id = agent })).AssertErrorAsync(401, "INVALID_API_KEY");
        await (await client.GetAsync($"/v1/agents/{agent}/stats")).AssertErrorAsync(401, "INVALID_API_KEY");
        await (await client.GetAsync("/v1/namespaces")).AssertErrorAsync(401, "INVALID_API_KEY");
        await (await client.GetAsync("/v1/admin/keys")).AssertErrorAsync(401, "INVALID_API_KEY");
        Assert.Single(await _root.MemoriesOfAsync(agent));
    }

    [Fact]
    public async Task BearerScheme_IsCaseInsensitive()
    {
        var client = desk.WithKey(null);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"bearer {desk.RootKey}");

        await (await client.GetAsync("/v1/agents")).OkAsync();
    }

    [Fact]
    public async Task RootKey_InXApiKeyHeader_IsAccepted()
    {
        var client = desk.WithKey(null);
        client.DefaultRequestHeaders.Add("X-API-Key", desk.RootKey);
        var agent = DeskApi.NewAgent("auth-xkey");

        await client.StoreAsync(new { agent_id = agent, content = "via X-API-Key" });

        Assert.Single(await _root.MemoriesOfAsync(agent));
    }

    [Fact]
    public async Task UnknownV1Route_WithoutKey_Returns401BeforeRouting()
    {
        await (await desk.WithKey(null).GetAsync("/v1/does-not-exist")).AssertErrorAsync(401, "AUTHENTICATION_REQUIRED");
    }
}
