using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Summaries;

public sealed class SessionMemoryTests
{
    [Fact]
    public void From_StoredMemory_KeepsWhatTheComposerReads()
    {
        var stored = new Core.Memory.Memory
        {
            Id = "mem_1",
            AgentId = "bot",
            Content = "Charged twice.",
            MemoryType = "episodic",
            Importance = 0.8,
            Tags = [SummaryTags.IssueReport, "channel:chat"],
            AccessCount = 0,
            CreatedAtMs = 1_763_700_000_123,
        };

        var memory = SessionMemory.From(stored);

        Assert.Equal(("Charged twice.", 0.8, "episodic"), (memory.Content, memory.Importance, memory.MemoryType));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_763_700_000_123), memory.CreatedAt);
        Assert.True(memory.HasTag("Issue-Report"));
    }

    [Theory]
    [InlineData(new[] { "channel:voice", "channel:chat" }, "voice")]
    [InlineData(new[] { "Channel: email " }, "email")]
    [InlineData(new[] { "channel:", "channel:  " }, null)]
    [InlineData(new[] { "sentiment" }, null)]
    public void TagValue_FirstNonEmptyValueOfThePrefix(string[] tags, string? expected)
    {
        var memory = new SessionMemory("x", 0.5, tags, "episodic", DateTimeOffset.UnixEpoch);

        Assert.Equal(expected, memory.TagValue(SummaryTags.ChannelPrefix));
    }
}
