using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AgentDesk.E2E.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentDesk.E2E.Admin;

/// <summary>Admins make, scope and revoke API keys in the browser; the API honours each step at once.</summary>
public sealed class KeysPageTests(BrowserFixture fixture, ITestOutputHelper output) : PageTest(output), IClassFixture<BrowserFixture>
{
    protected override AppProcess SharedApp => fixture.App;
    protected override IBrowser Browser => fixture.Browser;

    private HttpClient ApiWith(string secret)
    {
        var client = new HttpClient { BaseAddress = App.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    [Fact]
    public async Task Admin_CreatesAReadOnlyKey_ShownOnce_ThatTheApiHonours_ThenRevokesIt()
    {
        var page = await NewPageAsync();
        await page.SignInAsync(App, await App.CreateUserAsync("admin", ["admin"]), "/admin/keys");
        await Expect(page.GetByTestId("keys-page")).ToHaveAttributeAsync("data-interactive", "true");
        var name = CaseApi.NewName("reporting");

        await page.GetByTestId("key-name").FillAsync(name);
        await Expect(page.GetByTestId("key-scope-read")).ToBeCheckedAsync();
        await page.GetByTestId("key-create").ClickAsync();

        var secret = (await page.GetByTestId("key-secret").TextContentAsync())!.Trim();
        Assert.StartsWith("adk_", secret);
        using var api = ApiWith(secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("v1/agents")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.PostAsJsonAsync("v1/memory/store", new { agent_id = "x", content = "no write scope" })).StatusCode);
        var row = page.GetByTestId("key-row").Filter(new() { HasText = name });
        await Expect(row).ToContainTextAsync(secret[..10]);
        Assert.DoesNotContain(secret, await page.GetByTestId("keys-table").InnerTextAsync());

        await row.GetByTestId("key-revoke").ClickAsync();
        await row.GetByTestId("key-revoke-confirm").ClickAsync();

        await Expect(row).ToHaveAttributeAsync("data-revoked", "true");
        // This instance drops a revoked key from its cache at once.
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("v1/agents")).StatusCode);
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task Supervisor_IsTurnedAwayFromTheKeysPage()
    {
        var page = await NewPageAsync();
        await page.SignInAsync(App, await App.CreateUserAsync("supervisor", ["supervisor"]), "/desk");

        await page.GotoAsync(new Uri(App.BaseAddress, "admin/keys").ToString());

        await Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("keys-page")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "API keys" })).ToHaveCountAsync(0);
    }
}
