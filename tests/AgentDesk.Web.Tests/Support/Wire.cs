using System.Text.Json;

namespace AgentDesk.Web.Tests.Support;

/// <summary>Field-by-field checks of API.md's wire objects: exact snake_case names, optional fields absent, Unix seconds.</summary>
public static class Wire
{
    private static readonly string[] MemoryFields =
        ["id", "agent_id", "content", "memory_type", "importance", "tags", "created_at", "last_accessed_at", "access_count"];

    private static readonly string[] SessionFields = ["id", "agent_id", "started_at", "memory_count"];

    /// <summary>The object has exactly these properties, no more and no fewer.</summary>
    public static void AssertFields(JsonElement value, params IEnumerable<string> names)
    {
        Assert.Equal(JsonValueKind.Object, value.ValueKind);
        var expected = names.OrderBy(n => n, StringComparer.Ordinal).ToList();
        var actual = value.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
        Assert.True(expected.SequenceEqual(actual), $"expected fields [{string.Join(", ", expected)}] but got [{string.Join(", ", actual)}] in {value}");
    }

    /// <summary>A Memory: the required fields plus exactly the optional ones named (session_id, metadata, expires_at).</summary>
    public static void AssertMemory(JsonElement memory, params string[] optionalPresent)
    {
        AssertFields(memory, MemoryFields.Concat(optionalPresent));
        Assert.False(string.IsNullOrEmpty(memory.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.String, memory.GetProperty("content").ValueKind);
        Assert.Equal(JsonValueKind.Number, memory.GetProperty("importance").ValueKind);
        Assert.Equal(JsonValueKind.Array, memory.GetProperty("tags").ValueKind);
        AssertUnixSeconds(memory.GetProperty("created_at"));
        AssertUnixSeconds(memory.GetProperty("last_accessed_at"));
        Assert.True(memory.GetProperty("access_count").TryGetInt64(out var count) && count >= 0);
        if (memory.TryGetProperty("expires_at", out var expires)) AssertUnixSeconds(expires);
        if (memory.TryGetProperty("metadata", out var metadata)) Assert.Equal(JsonValueKind.Object, metadata.ValueKind);
    }

    /// <summary>A Session: the required fields plus exactly the optional ones named (ended_at, summary, metadata).</summary>
    public static void AssertSession(JsonElement session, params string[] optionalPresent)
    {
        AssertFields(session, SessionFields.Concat(optionalPresent));
        Assert.False(string.IsNullOrEmpty(session.GetProperty("id").GetString()));
        AssertUnixSeconds(session.GetProperty("started_at"));
        if (session.TryGetProperty("ended_at", out var ended)) AssertUnixSeconds(ended);
        Assert.True(session.GetProperty("memory_count").TryGetInt64(out var count) && count >= 0);
    }

    /// <summary>An integer JSON number in the range of Unix seconds (not milliseconds, not a string, no fraction).</summary>
    public static long AssertUnixSeconds(JsonElement value)
    {
        Assert.Equal(JsonValueKind.Number, value.ValueKind);
        Assert.DoesNotContain('.', value.GetRawText());
        Assert.DoesNotContain('e', value.GetRawText().ToLowerInvariant());
        var seconds = value.GetInt64();
        Assert.InRange(seconds, 946_684_800L, 4_102_444_800L); // 2000-01-01 .. 2100-01-01
        return seconds;
    }

    /// <summary>Unix seconds within a minute of the test's clock.</summary>
    public static long AssertNow(JsonElement value)
    {
        var seconds = AssertUnixSeconds(value);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(seconds, now - 60, now + 60);
        return seconds;
    }
}
