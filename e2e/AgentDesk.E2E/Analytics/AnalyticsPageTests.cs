using System.Net.Http.Json;
using AgentDesk.E2E.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentDesk.E2E.Analytics;

/// <summary>The analytics page in chromium against the real app, over cases made through the API: charts, drill-down, roles.</summary>
public sealed class AnalyticsPageTests(BrowserFixture fixture, ITestOutputHelper output) : PageTest(output), IClassFixture<BrowserFixture>
{
    protected override AppProcess SharedApp => fixture.App;
    protected override IBrowser Browser => fixture.Browser;

    /// <summary>Three cases in a fresh queue: one resolved, one picked up, one waiting.</summary>
    private async Task<string[]> SeedAsync()
    {
        var queue = CaseApi.NewName("analytics");
        var ids = new[] { await App.EscalateIdAsync(queue, "high", "cust-a1"), await App.EscalateIdAsync(queue, "normal", "cust-a2"), await App.EscalateIdAsync(queue) };
        await App.PickUpAsync(ids[0], "agent-a");
        await CaseApi.OkAsync(await App.Client.PostAsJsonAsync($"/v1/handoffs/{ids[0]}/resolve",
            new { agent_id = "agent-a", resolution_note = "fixed", customer_repeated_themselves = false }));
        await App.PickUpAsync(ids[1], "agent-a");
        return ids;
    }

    [Fact]
    public async Task Supervisor_SeesChartsAndDrillsFromAHeadlineToItsCases()
    {
        var ids = await SeedAsync();
        var supervisor = await App.CreateUserAsync("sup", ["supervisor"]);
        var page = await NewPageAsync();
        await page.SignInAsync(App, supervisor, "/analytics");

        await Expect(page.GetByTestId("analytics-cards")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=chart-per-day] svg .rz-column-series path").First).ToBeAttachedAsync();
        await Expect(page.Locator("[data-testid=chart-generators] svg .rz-donut-series path").First).ToBeAttachedAsync();
        await Expect(page.Locator("[data-testid=chart-pickup] svg .rz-column-series path").First).ToBeAttachedAsync();

        // The class's app holds only these three cases (the other test makes none).
        await Expect(page.GetByTestId("card-handoffs").GetByTestId("card-value")).ToHaveTextAsync("3");
        await page.GetByTestId("card-pickup").ClickAsync();

        await Expect(page.GetByTestId("drill-title")).ToContainTextAsync("Time to pick-up: 2 cases");
        var rows = page.GetByTestId("drill-case");
        await Expect(rows).ToHaveCountAsync(2);
        var shown = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.handoff)");
        Assert.Equal(ids[..2].Order(), shown.Order());
        Assert.Empty(ConsoleErrors);
    }

    [Fact]
    public async Task Agent_IsRefusedTheAnalyticsPage()
    {
        var agent = await App.CreateUserAsync("agent", ["agent"]);
        var page = await NewPageAsync();
        await page.SignInAsync(App, agent, "/desk");

        await page.GotoAsync(new Uri(App.BaseAddress, "analytics").ToString());

        await Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("analytics")).Not.ToBeAttachedAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Analytics" })).Not.ToBeAttachedAsync();
    }
}
