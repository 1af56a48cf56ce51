using System.Net;
using System.Text.Json;
using AgentDesk.Core;
using AgentDesk.Core.Storage;
using AgentDesk.Web.Auth;
using AgentDesk.Web.Tests.Support;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDesk.Web.Tests.Api;

/// <summary>API key administration: create (secret shown once), list, revoke.</summary>
public sealed class KeysApiTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private readonly HttpClient _api = desk.Root();

    private async Task<JsonElement> ListAsync() =>
        (await (await _api.GetAsync("/v1/admin/keys")).OkAsync()).GetProperty("keys");

    [Fact]
    public async Task Create_UnrestrictedKey_Returns201WithKeyAndSecret()
    {
        var body = await (await _api.PostJsonAsync("/v1/admin/keys", new { name = "reporting", scopes = new[] { "read", "sessions", "read" } }))
            .OkAsync(HttpStatusCode.Created);

        Wire.AssertFields(body, "key", "secret");
        var key = body.GetProperty("key");
        Wire.AssertFields(key, "id", "name", "prefix", "scopes", "created_at");
        Assert.StartsWith("key_", key.GetProperty("id").GetString());
        Assert.Equal("reporting", key.GetProperty("name").GetString());
        Assert.Equal(["read", "sessions"], key.GetProperty("scopes").Strings());
        Wire.AssertNow(key.GetProperty("created_at"));
        var secret = body.GetProperty("secret").GetString()!;
        Assert.StartsWith("adk_", secret);
        Assert.StartsWith(key.GetProperty("prefix").GetString()!, secret);
        Assert.True(secret.Length >= 40);
        await (await desk.WithKey(secret).GetAsync("/v1/agents")).OkAsync();
    }

    [Fact]
    public async Task Create_RestrictedKey_ReturnsAgentIds()
    {
        var agent = DeskApi.NewAgent("key-agent");

        var key = (await (await _api.PostJsonAsync("/v1/admin/keys", new { name = "bot", scopes = new[] { "write" }, agent_ids = new[] { agent, agent } }))
            .OkAsync(HttpStatusCode.Created)).GetProperty("key");

        Wire.AssertFields(key, "id", "name", "prefix", "scopes", "agent_ids", "created_at");
        Assert.Equal([agent], key.GetProperty("agent_ids").Strings());
    }

    [Fact]
    public async Task List_ShowsKeysWithoutSecretsOrHashes()
    {
        var created = await (await _api.PostJsonAsync("/v1/admin/keys", new { name = "listed", scopes = new[] { "read" } })).OkAsync(HttpStatusCode.Created);
        var id = created.GetProperty("key").GetProperty("id").GetString()!;
        var secret = created.GetProperty("secret").GetString()!;

        var response = await _api.GetAsync("/v1/admin/keys");
        var text = await response.Content.ReadAsStringAsync();
        var keys = (await response.OkAsync()).GetProperty("keys");

        var listed = Assert.Single(keys.EnumerateArray(), k => k.GetProperty("id").GetString() == id);
        Assert.Equal(created.GetProperty("key").GetRawText(), listed.GetRawText());
        Assert.DoesNotContain(secret, text);
        Assert.DoesNotContain("hash", text);
    }

    [Fact]
    public async Task Revoke_UsedKey_StopsItWorkingAndListsRevokedAt()
    {
        var created = await (await _api.PostJsonAsync("/v1/admin/keys", new { name = "revoked soon", scopes = new[] { "read" } })).OkAsync(HttpStatusCode.Created);
        var id = created.GetProperty("key").GetProperty("id").GetString()!;
        var client = desk.WithKey(created.GetProperty("secret").GetString()!);
        await (await client.GetAsync("/v1/agents")).OkAsync();

        var body = await (await _api.DeleteAsync($"/v1/admin/keys/{id}")).OkAsync();

        Wire.AssertFields(body, "status", "id", "revoked");
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.True(body.GetProperty("revoked").GetBoolean());
        await (await client.GetAsync("/v1/agents")).AssertErrorAsync(401, "INVALID_API_KEY");
        var listed = Assert.Single((await ListAsync()).EnumerateArray(), k => k.GetProperty("id").GetString() == id);
        Wire.AssertNow(listed.GetProperty("revoked_at"));
    }

    [Fact]
    public async Task KeyRevokedByAnotherInstance_IsRefusedHereAsSoonAsItsChangeArrives()
    {
        var created = await (await _api.PostJsonAsync("/v1/admin/keys", new { name = "revoked elsewhere", scopes = new[] { "read" } })).OkAsync(HttpStatusCode.Created);
        var id = created.GetProperty("key").GetProperty("id").GetString()!;
        var client = desk.WithKey(created.GetProperty("secret").GetString()!);
        await (await client.GetAsync("/v1/agents")).OkAsync(); // now cached here

        // What another instance's revocation looks like from this one: the row changes, then its change arrives.
        await desk.Services.GetRequiredService<DeskDatabase>().WriteAsync((connection, tx) => connection.ExecuteAsync(
            "UPDATE api_keys SET revoked_at = 1 WHERE id = @id", new { id }, tx));
        await (await client.GetAsync("/v1/agents")).OkAsync(); // the cache still answers
        desk.Services.GetRequiredService<DeskEvents>().Deliver(new DeskChange(ApiKeyStore.KeysChanged, ""));

        await (await client.GetAsync("/v1/agents")).AssertErrorAsync(401, "INVALID_API_KEY");
    }

    [Fact]
    public async Task Revoke_Twice_SecondReturns404()
    {
        var created = await (await _api.PostJsonAsync("/v1/admin/keys", new { name = "twice", scopes = new[] { "read" } })).OkAsync(HttpStatusCode.Created);
        var id = created.GetProperty("key").GetProperty("id").GetString()!;
        await (await _api.DeleteAsync($"/v1/admin/keys/{id}")).OkAsync();

        await (await _api.DeleteAsync($"/v1/admin/keys/{id}")).AssertErrorAsync(404, "NOT_FOUND");
    }

    [Fact]
    public async Task Revoke_UnknownKey_Returns404()
    {
        await (await _api.DeleteAsync("/v1/admin/keys/key_nope")).AssertErrorAsync(404, "NOT_FOUND");
    }

    [Theory]
    [InlineData("""{"scopes":["read"]}""")]
    [InlineData("""{"name":"","scopes":["read"]}""")]
    [InlineData("""{"name":"k"}""")]
    [InlineData("""{"name":"k","scopes":[]}""")]
    [InlineData("""{"name":"k","scopes":["read","superuser"]}""")]
    [InlineData("""{"name":"k","scopes":"read"}""")]
    [InlineData("""{"name":"k","scopes":["read"],"agent_ids":["bad agent"]}""")]
    [InlineData("""{"name":"k","scopes":["read"],"agent_ids":"a"}""")]
    public async Task Create_InvalidRequest_Returns400AndCreatesNothing(string raw)
    {
        var before = (await ListAsync()).GetArrayLength();

        await (await _api.PostRawAsync("/v1/admin/keys", raw)).AssertErrorAsync(400, "INVALID_REQUEST");

        Assert.Equal(before, (await ListAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Create_NameOver200Characters_Returns400()
    {
        await (await _api.PostJsonAsync("/v1/admin/keys", new { name = new string('n', 201), scopes = new[] { "read" } })).AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task CreatedKey_WithReadScope_CannotWrite()
    {
        var secret = await desk.CreateKeyAsync(["read"]);
        var agent = DeskApi.NewAgent("key-ro");

        await (await desk.WithKey(secret).PostJsonAsync("/v1/memory/store", new { agent_id = agent, content = "x" })).AssertErrorAsync(403, "INSUFFICIENT_SCOPE");

        Assert.Empty(await _api.MemoriesOfAsync(agent));
    }

    [Fact]
    public async Task Create_ByAgentRestrictedAdmin_MayOnlyNarrowItsOwnAgents()
    {
        var agent = DeskApi.NewAgent("key-narrow");
        var restrictedAdmin = desk.WithKey(await desk.CreateKeyAsync(["admin"], [agent]));
        var before = (await ListAsync()).GetArrayLength();

        await (await restrictedAdmin.PostJsonAsync("/v1/admin/keys", new { name = "wide", scopes = new[] { "read" } }))
            .AssertErrorAsync(403, "INSUFFICIENT_SCOPE");
        await (await restrictedAdmin.PostJsonAsync("/v1/admin/keys", new { name = "other", scopes = new[] { "read" }, agent_ids = new[] { agent, "someone-else" } }))
            .AssertErrorAsync(403, "INSUFFICIENT_SCOPE");
        Assert.Equal(before, (await ListAsync()).GetArrayLength());

        await (await restrictedAdmin.PostJsonAsync("/v1/admin/keys", new { name = "narrow", scopes = new[] { "read" }, agent_ids = new[] { agent } }))
            .OkAsync(HttpStatusCode.Created);
    }
}
