using AgentDesk.Core.Memory;

namespace AgentDesk.Core.Tests.Memory;

public sealed class MemoryRulesTests
{
    [Theory]
    [InlineData("support-bot")]
    [InlineData("a")]
    [InlineData("Agent_1.v2")]
    public void AgentId_Valid_IsReturned(string id) => Assert.Equal(id, MemoryRules.AgentId(id));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-starts-with-dash")]
    [InlineData("has space")]
    [InlineData("../etc/passwd")]
    [InlineData("semi;colon")]
    public void AgentId_Invalid_Throws400(string? id) => AssertInvalid(() => MemoryRules.AgentId(id));

    [Fact]
    public void AgentId_Over241Bytes_Throws400() => AssertInvalid(() => MemoryRules.AgentId(new string('a', 242)));

    [Fact]
    public void Content_AtLimit_IsAccepted() => Assert.Equal(MemoryRules.MaxContentChars, MemoryRules.Content(new string('x', MemoryRules.MaxContentChars)).Length);

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public void Content_Blank_Throws400(string? content) => AssertInvalid(() => MemoryRules.Content(content));

    [Fact]
    public void Content_OverLimit_Throws400() => AssertInvalid(() => MemoryRules.Content(new string('x', MemoryRules.MaxContentChars + 1)));

    [Theory]
    [InlineData("\0")]
    [InlineData("router\0modem")]
    public void Content_WithNulCharacter_Throws400(string content) => AssertInvalid(() => MemoryRules.Content(content));

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Importance_OutOfRange_Throws400(double value) => AssertInvalid(() => MemoryRules.Importance(value));

    [Theory]
    [InlineData("strategic", "working")]
    [InlineData("EPISODIC", "episodic")]
    [InlineData("semantic", "semantic")]
    public void MemoryType_KnownOrAlias_IsCanonical(string input, string expected) => Assert.Equal(expected, MemoryRules.MemoryType(input));

    [Fact]
    public void MemoryType_Unknown_Throws400() => AssertInvalid(() => MemoryRules.MemoryType("dream"));

    [Fact]
    public void Tags_Duplicates_AreRemovedInOrder() => Assert.Equal(["a", "b"], MemoryRules.Tags(["a", "b", "a"]));

    [Fact]
    public void Tags_TooMany_Throws400() => AssertInvalid(() => MemoryRules.Tags(Enumerable.Range(0, 51).Select(i => $"t{i}").ToList()));

    [Fact]
    public void Tags_TooLongOrBlank_Throws400()
    {
        AssertInvalid(() => MemoryRules.Tags([new string('t', 129)]));
        AssertInvalid(() => MemoryRules.Tags([" "]));
    }

    [Fact]
    public void Embedding_NonFinite_Throws400() => AssertInvalid(() => MemoryRules.Embedding([0.1, double.MaxValue]));

    private static void AssertInvalid(Action act)
    {
        var error = Assert.Throws<DeskException>(act);
        Assert.Equal(400, error.Status);
        Assert.Equal("INVALID_REQUEST", error.Code);
    }
}
