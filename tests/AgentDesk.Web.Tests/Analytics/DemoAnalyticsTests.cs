using AgentDesk.Web.Tests.Demo;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Analytics;

/// <summary>A newcomer's first look at /analytics: the demo desk has finished cases, not only open ones.</summary>
public sealed class DemoAnalyticsTests(DemoDeskFactory desk) : IClassFixture<DemoDeskFactory>
{
    [Fact]
    public async Task DemoData_HasResolvedHistory_SoEveryHeadlineHasCases()
    {
        var report = await (await desk.Root().GetAsync("/v1/analytics/handoffs")).OkAsync();

        Assert.Equal(7, report.GetProperty("handoffs").GetProperty("total").GetInt32());
        Assert.Equal(4, report.GetProperty("pickup").GetProperty("overall").GetProperty("count").GetInt32());
        Assert.Equal(3, report.GetProperty("handle_time").GetProperty("overall").GetProperty("count").GetInt32());
        Assert.Equal((1, 3), (report.GetProperty("re_explanation").GetProperty("count").GetInt32(), report.GetProperty("re_explanation").GetProperty("of").GetInt32()));
    }
}
