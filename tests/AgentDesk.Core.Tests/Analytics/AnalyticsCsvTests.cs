using AgentDesk.Core.Analytics;

namespace AgentDesk.Core.Tests.Analytics;

public sealed class AnalyticsCsvTests
{
    [Theory]
    [InlineData("billing", "billing")]
    [InlineData("refund, partial", "\"refund, partial\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("@cmd", "'@cmd")]
    [InlineData("-12.5", "-12.5")]
    public void Field_QuotesWhatNeedsItAndNeutralisesFormulas(string text, string expected) =>
        Assert.Equal(expected, AnalyticsCsv.Field(text));

    [Fact]
    public void Report_HasOneRowPerNumberWithItsDrillDownKey()
    {
        var window = new AnalyticsWindow(0, 86_400_000);
        var fact = new HandoffFact
        {
            Id = "h1",
            Queue = "billing",
            Reason = "refund",
            Status = "claimed",
            Generator = "extractive",
            WordCount = 80,
            CreatedAtMs = 1_000,
            QueuedAtMs = 1_000,
            ClaimedAtMs = 4_000,
        };

        var lines = AnalyticsCsv.Report(HandoffAnalytics.Compute(window, [fact], [], new BotSessionCounts(2, 1))).Split("\r\n");

        Assert.Equal(AnalyticsCsv.ReportHeader, lines[0]);
        Assert.Contains("handoffs,all,all,count,1", lines);
        Assert.Contains("escalation,all,all,rate,0.5", lines);
        Assert.Contains("pickup,queue:billing,billing,p95,3000", lines);
        Assert.Contains("recall_latency,all,all,p50,", lines);
        Assert.Contains("word_count,bucket:50,50–99,count,1", lines);
        Assert.Contains("generator,generator:extractive,Extractive,share,1", lines);
        Assert.Equal("", lines[^1]);
    }
}
