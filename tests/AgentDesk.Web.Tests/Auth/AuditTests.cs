using System.Net;
using System.Text.Json;
using AgentDesk.Web.Auth;
using AgentDesk.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDesk.Web.Tests.Auth;

/// <summary>The audit log: who claimed and resolved each case, keys made and revoked, key use and refused calls, sign-ins.</summary>
public sealed class AuditTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    private async Task<(string Id, HttpClient Client)> KeyAsync(string[] scopes, string[]? agentIds = null)
    {
        var created = await (await desk.Root().PostJsonAsync("/v1/admin/keys", new { name = "audited", scopes, agent_ids = agentIds })).OkAsync(HttpStatusCode.Created);
        return (created.GetProperty("key").GetProperty("id").GetString()!, desk.WithKey(created.GetProperty("secret").GetString()!));
    }

    private async Task<List<JsonElement>> AuditAsync(string query) =>
        [.. (await (await desk.Root().GetAsync("/v1/admin/audit?" + query)).OkAsync()).GetProperty("entries").EnumerateArray()];

    private Task FlushKeyUseAsync() => desk.Services.GetRequiredService<ApiKeyUsage>().FlushAsync();

    [Fact]
    public async Task ClaimConnectResolve_WithAKey_AreAuditedWithThatKeyAndTheDeskAgent_InOrder()
    {
        var bot = DeskApi.NewAgent("bot");
        var handoffId = (await desk.Root().EscalateSessionAsync(bot, await desk.Root().BotSessionAsync(bot))).GetProperty("handoff_id").GetString()!;
        var (keyId, agentDesk) = await KeyAsync([Scopes.Handoffs, Scopes.Read]);

        await agentDesk.PickUpAsync(handoffId, "ann");
        await (await agentDesk.ActAsync(handoffId, "resolve", new { agent_id = "ann", resolution = "refunded" })).OkAsync();

        var entries = await AuditAsync($"subject={handoffId}");
        Assert.Equal(["handoff.resolved", "handoff.connected", "handoff.claimed", "handoff.queued", "handoff.created"], entries.Select(e => e.GetProperty("action").GetString()));
        foreach (var desked in entries.Take(3))
        {
            Assert.Equal($"key:{keyId}", desked.GetProperty("actor").GetString());
            Assert.Equal("ann", desked.GetProperty("detail").GetProperty("agent").GetString());
        }
        Assert.Equal($"key:{ApiKeyStore.RootKeyId}", entries[^1].GetProperty("actor").GetString());
        Assert.Equal(bot, entries[^1].GetProperty("detail").GetProperty("agent").GetString());
    }

    [Fact]
    public async Task RefusedClaim_LeavesNoAuditEntry()
    {
        var bot = DeskApi.NewAgent("bot");
        var handoffId = (await desk.Root().EscalateSessionAsync(bot, await desk.Root().BotSessionAsync(bot))).GetProperty("handoff_id").GetString()!;
        await (await desk.Root().ActAsync(handoffId, "claim", new { agent_id = "ann" })).OkAsync();

        await (await desk.Root().ActAsync(handoffId, "claim", new { agent_id = "ben" })).AssertErrorAsync(409, "CONFLICT");

        var claims = await AuditAsync($"subject={handoffId}&action=handoff.claimed");
        Assert.Equal("ann", Assert.Single(claims).GetProperty("detail").GetProperty("agent").GetString());
    }

    [Fact]
    public async Task KeyCreatedAndRevoked_AreAuditedWithTheAdminKeyThatDidIt()
    {
        var (adminId, admin) = await KeyAsync([Scopes.Admin]);
        var minted = await (await admin.PostJsonAsync("/v1/admin/keys", new { name = "billing bot", scopes = new[] { "read" }, agent_ids = new[] { "billing-bot" } })).OkAsync(HttpStatusCode.Created);
        var mintedId = minted.GetProperty("key").GetProperty("id").GetString()!;

        await (await admin.DeleteAsync($"/v1/admin/keys/{mintedId}")).OkAsync();

        var entries = await AuditAsync($"subject={mintedId}&action=key.");
        Assert.Equal(["key.revoked", "key.created"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal($"key:{adminId}", e.GetProperty("actor").GetString()));
        var detail = entries[1].GetProperty("detail");
        Assert.Equal("billing bot", detail.GetProperty("name").GetString());
        Assert.Equal(["billing-bot"], detail.GetProperty("agent_ids").Strings());
        Assert.DoesNotContain(minted.GetProperty("secret").GetString()!, entries[1].GetRawText());
    }

    [Fact]
    public async Task KeyUse_IsCountedPerKeyWithHowEachCallEnded_AndShownAsLastUsed()
    {
        var (keyId, reader) = await KeyAsync([Scopes.Read]);
        for (var i = 0; i < 3; i++) await (await reader.GetAsync("/v1/agents")).OkAsync();
        await (await reader.PostJsonAsync("/v1/memory/store", new { agent_id = "x", content = "no write scope" })).AssertErrorAsync(403, "INSUFFICIENT_SCOPE");
        await (await reader.GetAsync("/v1/memory/get/mem_missing")).AssertErrorAsync(404, "NOT_FOUND");
        await (await reader.PostJsonAsync("/v1/memory/recall", new { agent_id = "x" })).AssertErrorAsync(400, "INVALID_REQUEST");

        await FlushKeyUseAsync();

        var used = Assert.Single(await AuditAsync($"subject={keyId}&action=key.used"));
        Assert.Equal($"key:{keyId}", used.GetProperty("actor").GetString());
        var detail = used.GetProperty("detail");
        Assert.Equal(6, detail.GetProperty("requests").GetInt32());
        Assert.Equal(1, detail.GetProperty("refused").GetInt32());
        Assert.Equal(2, detail.GetProperty("client_errors").GetInt32());
        Assert.Equal(0, detail.GetProperty("server_errors").GetInt32());
        var keys = (await (await desk.Root().GetAsync("/v1/admin/keys")).OkAsync()).GetProperty("keys").EnumerateArray();
        var listed = keys.Single(k => k.GetProperty("id").GetString() == keyId);
        Assert.InRange(listed.GetProperty("last_used_at").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task UnknownAndMissingKeys_AreCountedAsRefusedCalls()
    {
        await FlushKeyUseAsync();
        await (await desk.WithKey("adk_not-a-key").GetAsync("/v1/agents")).AssertErrorAsync(401, "INVALID_API_KEY");
        await (await desk.WithKey(null).GetAsync("/v1/agents")).AssertErrorAsync(401, "AUTHENTICATION_REQUIRED");

        await FlushKeyUseAsync();

        var failed = (await AuditAsync("action=auth.failed&limit=1"))[0];
        Assert.Equal("system", failed.GetProperty("actor").GetString());
        Assert.Equal(2, failed.GetProperty("detail").GetProperty("requests").GetInt32());
        Assert.Equal(2, failed.GetProperty("detail").GetProperty("refused").GetInt32());
    }

    [Fact]
    public async Task SignIns_RightWrongAndUnknown_AreAudited()
    {
        var user = await desk.CreateUserAsync("agent", [DeskRoles.Agent], ["billing"]);

        await desk.Browser().SignInAsync(user, "wrong password");
        await desk.Browser().SignInAsync(user, DeskLogin.Password);
        await desk.Browser().SignInAsync("nobody-" + user, DeskLogin.Password);

        var mine = await AuditAsync($"subject={user}&action=user.");
        Assert.Equal(["user.signed_in", "user.sign_in_refused"], mine.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal("wrong password", mine[1].GetProperty("detail").GetProperty("reason").GetString());
        var unknown = Assert.Single(await AuditAsync($"subject=nobody-{user}"));
        Assert.Equal("unknown user", unknown.GetProperty("detail").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Paging_NextBeforeGivesTheOlderEntries_WithoutOverlap()
    {
        for (var i = 0; i < 3; i++) await KeyAsync([Scopes.Read]);
        var first = (await (await desk.Root().GetAsync("/v1/admin/audit?action=key.created&limit=2")).OkAsync());
        var before = first.GetProperty("next_before").GetInt64();

        var older = await AuditAsync($"action=key.created&limit=2&before={before}");

        var firstSeqs = first.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(2, firstSeqs.Count);
        Assert.True(firstSeqs[0] > firstSeqs[1]);
        Assert.All(older, e => Assert.True(e.GetProperty("seq").GetInt64() < firstSeqs[1]));
        Assert.NotEmpty(older);
    }

    [Theory]
    [InlineData("before=0")]
    [InlineData("before=1.5")]
    [InlineData("before=soon")]
    [InlineData("limit=0")]
    [InlineData("limit=501")]
    public async Task BadPaging_Returns400(string query) =>
        await (await desk.Root().GetAsync("/v1/admin/audit?" + query)).AssertErrorAsync(400, "INVALID_REQUEST");

    [Fact]
    public async Task AuditLog_WithAnAdminKeyRestrictedToAgents_Returns403()
    {
        var (_, restricted) = await KeyAsync([Scopes.Admin], ["billing-bot"]);

        await (await restricted.GetAsync("/v1/admin/audit")).AssertErrorAsync(403, "INSUFFICIENT_SCOPE");
    }
}
