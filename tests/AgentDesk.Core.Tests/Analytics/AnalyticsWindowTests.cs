using AgentDesk.Core.Analytics;

namespace AgentDesk.Core.Tests.Analytics;

public sealed class AnalyticsWindowTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-03-10T12:00:00Z");

    [Fact]
    public void Parse_NoBounds_IsTheLastSevenDaysUpToNow()
    {
        var window = AnalyticsWindow.Parse(null, null, null, Now);

        Assert.Equal((Now.AddDays(-7), Now), (window.From, window.To));
    }

    [Fact]
    public void Parse_IsoAndUnixMilliseconds_ReadTheSameInstant()
    {
        var iso = AnalyticsWindow.Parse("2026-03-01T00:00:00Z", "2026-03-02", "billing", Now);
        var ms = AnalyticsWindow.Parse("1772323200000", "1772409600000", "billing", Now);

        Assert.Equal(iso, ms);
        Assert.Equal(DateTimeOffset.Parse("2026-03-01T00:00:00Z"), iso.From);
    }

    [Fact]
    public void Contains_IsHalfOpen()
    {
        var window = new AnalyticsWindow(1_000, 2_000);

        Assert.Equal([true, true, false, false], new long[] { 1_000, 1_999, 2_000, 999 }.Select(window.Contains));
    }

    [Theory]
    [InlineData("2026-03-02", "2026-03-01")]
    [InlineData("2026-03-02", "2026-03-02")]
    [InlineData("2025-01-01", "2026-03-01")]
    [InlineData("yesterday", null)]
    [InlineData("-5", null)]
    [InlineData("99999999999999999999", null)]
    [InlineData("1.5", null)]
    public void Parse_BadRange_Is400(string? from, string? to)
    {
        var error = Assert.Throws<DeskException>(() => AnalyticsWindow.Parse(from, to, null, Now));
        Assert.Equal(400, error.Status);
    }
}
