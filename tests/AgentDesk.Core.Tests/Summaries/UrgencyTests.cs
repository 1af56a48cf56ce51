using System.Text.Json;
using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Summaries;

public sealed class UrgencyTests
{
    [Theory]
    [InlineData(Urgency.Low, "low")]
    [InlineData(Urgency.Normal, "normal")]
    [InlineData(Urgency.High, "high")]
    [InlineData(Urgency.Urgent, "urgent")]
    public void ToWireAndTryParse_RoundTripEveryValue(Urgency urgency, string wire)
    {
        Assert.Equal(wire, urgency.ToWire());
        Assert.True(Urgencies.TryParse(wire, out var parsed));
        Assert.Equal(urgency, parsed);
    }

    [Theory]
    [InlineData(" URGENT ", Urgency.Urgent)]
    [InlineData("High", Urgency.High)]
    public void TryParse_IgnoresCaseAndSurroundingSpace(string value, Urgency expected)
    {
        Assert.True(Urgencies.TryParse(value, out var parsed));
        Assert.Equal(expected, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("critical")]
    [InlineData("2")]
    public void TryParse_UnknownValue_ReturnsFalse(string? value)
    {
        Assert.False(Urgencies.TryParse(value, out _));
    }

    [Fact]
    public void Json_WritesAndReadsTheWireString()
    {
        Assert.Equal("\"urgent\"", JsonSerializer.Serialize(Urgency.Urgent));
        Assert.Equal(Urgency.Low, JsonSerializer.Deserialize<Urgency>("\"LOW\""));
    }

    [Fact]
    public void Json_UnknownValue_FailsWithTheAllowedValues()
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Urgency>("\"critical\""));
        Assert.Contains("low, normal, high, urgent", error.Message);
    }
}
