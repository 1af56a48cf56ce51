using AgentDesk.E2E.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentDesk.E2E.Admin;

/// <summary>What people do on the desk is audited as them: the signed-in user is the actor of every click.</summary>
public sealed class AuditPageTests(BrowserFixture fixture, ITestOutputHelper output) : PageTest(output), IClassFixture<BrowserFixture>
{
    protected override AppProcess SharedApp => fixture.App;
    protected override IBrowser Browser => fixture.Browser;

    [Fact]
    public async Task PickUpOnTheDesk_IsAuditedAsTheSignedInAgent_AndTheAdminSeesIt()
    {
        var queue = CaseApi.NewName("audit");
        var agent = await App.CreateUserAsync("agent", ["agent"], [queue]);
        var desk = await NewPageAsync();
        await desk.SignInAsync(App, agent);
        await Expect(desk.GetByTestId("desk")).ToHaveAttributeAsync("data-interactive", "true");
        var handoffId = await App.EscalateIdAsync(queue, "high", CaseApi.NewName("cust"));

        await desk.Locator($"[data-testid=queue-card][data-handoff='{handoffId}']").GetByTestId("card-pickup").ClickAsync();
        await Expect(desk.GetByTestId("pickup-status")).ToContainTextAsync("Connected", new() { Timeout = 15_000 });

        var admin = await NewPageAsync();
        await admin.SignInAsync(App, await App.CreateUserAsync("admin", ["admin"]), $"/admin/audit?subject={handoffId}");
        var rows = admin.GetByTestId("audit-row");
        await Expect(rows).ToHaveCountAsync(4);
        await Expect(admin.Locator($"[data-testid=audit-row][data-action='handoff.claimed'][data-actor='user:{agent}']")).ToHaveCountAsync(1);
        await Expect(admin.Locator($"[data-testid=audit-row][data-action='handoff.connected'][data-actor='user:{agent}']")).ToHaveCountAsync(1);
        await Expect(admin.Locator("[data-testid=audit-row][data-action='handoff.created'][data-actor='key:root']")).ToHaveCountAsync(1);
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task KeyMadeOnTheKeysPage_IsAuditedAsTheAdmin_AndFilteredByKind()
    {
        var adminId = await App.CreateUserAsync("admin", ["admin"]);
        var page = await NewPageAsync();
        await page.SignInAsync(App, adminId, "/admin/keys");
        await Expect(page.GetByTestId("keys-page")).ToHaveAttributeAsync("data-interactive", "true");
        await page.GetByTestId("key-name").FillAsync(CaseApi.NewName("audited"));
        await page.GetByTestId("key-create").ClickAsync();
        await Expect(page.GetByTestId("key-secret")).ToBeVisibleAsync();

        await page.GotoAsync(new Uri(App.BaseAddress, "admin/audit").ToString());
        await Expect(page.GetByTestId("audit-page")).ToHaveAttributeAsync("data-interactive", "true");
        await page.GetByTestId("audit-action").SelectOptionAsync("key.created");
        await page.GetByTestId("audit-actor").FillAsync($"user:{adminId}");
        await page.GetByTestId("audit-show").ClickAsync();

        var row = page.GetByTestId("audit-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToHaveAttributeAsync("data-action", "key.created");
        await Expect(row).ToContainTextAsync("audited-");
        Assert.Empty(ConsoleErrors);
    }
}
