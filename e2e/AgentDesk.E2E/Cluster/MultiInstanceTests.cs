using System.Net;
using System.Net.Http.Json;
using AgentDesk.E2E.Support;
using AgentDesk.Tests.Shared;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentDesk.E2E.Cluster;

/// <summary>Two app processes on one PostgreSQL database (a fresh one of their own), as a load balancer would put them.</summary>
public sealed class ClusterFixture : BrowserFixture
{
    private string? _database;
    private IReadOnlyDictionary<string, string>? _settings;
    private AppProcess? _second;

    /// <summary>The settings both instances run with: PostgreSQL, the same database.</summary>
    public static IReadOnlyDictionary<string, string> PostgresSettings(string connectionString) => new Dictionary<string, string>
    {
        ["AgentDesk__Storage__Provider"] = "postgres",
        ["AgentDesk__Storage__ConnectionString"] = connectionString,
    };

    protected override Task<IReadOnlyDictionary<string, string>?> SettingsAsync()
    {
        _database = TestEngine.CreateDatabase();
        _settings = PostgresSettings(_database);
        return Task.FromResult<IReadOnlyDictionary<string, string>?>(_settings);
    }

    /// <summary>The second instance, started once the first has migrated the database.</summary>
    public async Task<AppProcess> SecondAsync() => _second ??= await AppProcess.LaunchAsync(_settings);

    public override async Task DisposeAsync()
    {
        if (_second is not null) await _second.DisposeAsync();
        await base.DisposeAsync();
        if (_database is not null) TestEngine.DropDatabase(_database);
    }
}

/// <summary>
/// Several instances: a case escalated through one reaches hub clients and desks connected to the other (PostgreSQL
/// LISTEN/NOTIFY), and claims raced through both have exactly one winner.
/// </summary>
public sealed class MultiInstanceTests(ClusterFixture fixture, ITestOutputHelper output) : PageTest(output), IClassFixture<ClusterFixture>
{
    protected override AppProcess SharedApp => fixture.App;
    protected override IBrowser Browser => fixture.Browser;

    [Fact]
    public async Task EscalationThroughA_ReachesHubClientsConnectedToB()
    {
        var b = await fixture.SecondAsync();
        var queue = CaseApi.NewName("fanout");
        await using var desk = await HubSocket.ConnectAsync(b.BaseAddress, b.RootKey);
        await desk.InvokeAsync("JoinQueue", queue);
        await desk.WaitForAsync("QueueSnapshot");

        var handoffId = await App.EscalateIdAsync(queue, "urgent", CaseApi.NewName("cust"));

        var queued = await desk.WaitForAsync("HandoffQueued", c => c.GetProperty("handoff_id").GetString() == handoffId);
        Assert.Equal("urgent", queued.Argument.GetProperty("urgency").GetString());
    }

    [Fact]
    public async Task EscalationThroughA_AppearsOnADeskSignedInToB_WithoutReload_AndLeavesWhenClaimedThroughA()
    {
        var b = await fixture.SecondAsync();
        var queue = CaseApi.NewName("fanout-desk");
        var page = await NewPageAsync();
        await page.SignInAsync(b, await App.CreateUserAsync("agent", ["agent"], [queue]));
        await Expect(page.GetByTestId("desk")).ToHaveAttributeAsync("data-interactive", "true");

        var handoffId = await App.EscalateIdAsync(queue, "high", CaseApi.NewName("cust"));

        var card = page.Locator($"[data-testid=queue-card][data-handoff='{handoffId}']");
        await Expect(card).ToBeVisibleAsync();
        await CaseApi.OkAsync(await App.Client.PostAsJsonAsync($"v1/handoffs/{handoffId}/claim", new { agent_id = "someone-on-a" }));
        await Expect(card).ToHaveCountAsync(0);
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task KeyRevokedThroughA_IsRefusedByBWithinSeconds_NotAfterBsKeyCacheExpires()
    {
        var b = await fixture.SecondAsync();
        var created = await CaseApi.OkAsync(await App.Client.PostAsJsonAsync("v1/admin/keys", new { name = CaseApi.NewName("key"), scopes = new[] { "read" } }), HttpStatusCode.Created);
        var id = created.GetProperty("key").GetProperty("id").GetString()!;
        using var bot = new HttpClient { BaseAddress = b.BaseAddress };
        bot.DefaultRequestHeaders.Authorization = new("Bearer", created.GetProperty("secret").GetString());
        using (var first = await bot.GetAsync("v1/agents")) Assert.Equal(HttpStatusCode.OK, first.StatusCode); // B caches the key (30 s)

        using (var revoked = await App.Client.DeleteAsync($"v1/admin/keys/{id}")) Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        // B hears the revocation through LISTEN/NOTIFY; its key cache alone would accept the key for up to 30 s more.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        HttpStatusCode status;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        do
        {
            using var response = await bot.GetAsync("v1/agents");
            status = response.StatusCode;
        }
        while (status == HttpStatusCode.OK && DateTime.UtcNow < deadline && await poll.WaitForNextTickAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task ClaimsRacedThroughBothInstances_HaveExactlyOneWinner()
    {
        var b = await fixture.SecondAsync();
        for (var round = 0; round < 5; round++)
        {
            var handoffId = await App.EscalateIdAsync(CaseApi.NewName("race"), "high");
            var claims = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                var client = i % 2 == 0 ? App.Client : b.Client;
                using var response = await client.PostAsJsonAsync($"v1/handoffs/{handoffId}/claim", new { agent_id = $"agent-{i}" });
                return (Agent: $"agent-{i}", response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            })).ToArray();

            var results = await Task.WhenAll(claims);

            var winner = Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
            Assert.All(results.Where(r => r != winner), r => Assert.True(r.StatusCode == HttpStatusCode.Conflict, $"{r.Agent}: {(int)r.StatusCode} {r.Body}"));
            var handoff = (await CaseApi.OkAsync(await b.Client.GetAsync($"v1/handoffs/{handoffId}"))).GetProperty("handoff");
            Assert.Equal(winner.Agent, handoff.GetProperty("claimed_by").GetString());
            var audited = (await CaseApi.OkAsync(await App.Client.GetAsync($"v1/admin/audit?subject={handoffId}&action=handoff.claimed"))).GetProperty("entries");
            Assert.Equal(1, audited.GetArrayLength());
        }
    }
}
