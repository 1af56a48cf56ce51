using System.Net;
using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Summaries;
using AgentDesk.Web.Components.Pages.Shift;

namespace AgentDesk.Web.Tests.Components;

/// <summary>A shift change's progress rendered to HTML: every case with its state, failures with their reason, retry only when it can run.</summary>
public sealed class ShiftComponentsTests
{
    private static ShiftChangeRun Run(bool running, params ShiftCase[] cases) => new("shift_1", "sofia", "late", null, 1_800_000_000_000, cases, running);

    private static Task<string> RenderAsync(ShiftChangeRun run) =>
        ComponentRenderer.RenderAsync<ShiftChangeProgress>(new() { [nameof(ShiftChangeProgress.Run)] = run });

    [Fact]
    public async Task Progress_ShowsHowManyAreDone_AndEachCasesState_InTheRunsOrder()
    {
        var html = await RenderAsync(Run(true,
            new ShiftCase(0, "hof_a", "cust-1", Urgency.Urgent, ShiftCaseState.Done, BatchOutcome.Escalated, "hof_a2"),
            new ShiftCase(1, "hof_b", "cust-2", Urgency.High, ShiftCaseState.Working),
            new ShiftCase(2, "hof_c", "cust-3", Urgency.Low, ShiftCaseState.Waiting)));

        Assert.Contains("1 / 3 handed over…", WebUtility.HtmlDecode(html));
        Assert.Contains("handed over with a new summary as hof_a2", html);
        Assert.Contains("drafting the summary…", WebUtility.HtmlDecode(html));
        Assert.True(html.IndexOf("data-handoff=\"hof_a\"") < html.IndexOf("data-handoff=\"hof_b\"") && html.IndexOf("data-handoff=\"hof_b\"") < html.IndexOf("data-handoff=\"hof_c\""));
        Assert.DoesNotContain("data-testid=\"run-retry\"", html);
    }

    [Fact]
    public async Task Progress_AFinishedRunWithAFailure_ShowsTheReasonAsText_AndOffersARetry()
    {
        var html = await RenderAsync(Run(false,
            new ShiftCase(0, "hof_a", "<b>cust</b>", Urgency.Normal, ShiftCaseState.Failed, ErrorCode: "CONFLICT", Error: "handoff 'hof_a' is <resolved>"),
            new ShiftCase(1, "hof_b", "cust-2", Urgency.Normal, ShiftCaseState.Done, BatchOutcome.Requeued, "hof_b")));

        Assert.Contains("2 / 2 handed over · 1 failed", WebUtility.HtmlDecode(html));
        Assert.Contains("CONFLICT: handoff &#x27;hof_a&#x27; is &lt;resolved&gt;", html);
        Assert.Contains("&lt;b&gt;cust&lt;/b&gt;", html);
        Assert.Contains("re-queued as hof_b", html);
        Assert.Contains("data-testid=\"run-retry\"", html);
        Assert.DoesNotContain("<b>cust</b>", html);
    }
}
