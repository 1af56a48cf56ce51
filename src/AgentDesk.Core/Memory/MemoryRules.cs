using System.Text;
using System.Text.RegularExpressions;

namespace AgentDesk.Core.Memory;

/// <summary>The limits of API.md, checked before anything is written.</summary>
public static partial class MemoryRules
{
    public const int MaxContentChars = 100_000;
    public const int MaxTags = 50;
    public const int MaxTagChars = 128;
    public const int MaxBatchItems = 1_000;
    public const int MaxTopK = 100;
    public const int MaxAgentIdBytes = 241;
    public const int MaxClientIdChars = 128;
    public const int MaxEmbeddingDimensions = 4_096;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.\\-]*$")]
    private static partial Regex AgentIdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:\\-]*$")]
    private static partial Regex ClientIdPattern();

    public static string AgentId(string? value, string field = "agent_id")
    {
        if (string.IsNullOrEmpty(value)) throw DeskException.Invalid($"'{field}' is required");
        if (Encoding.UTF8.GetByteCount(value) > MaxAgentIdBytes)
            throw DeskException.Invalid($"'{field}' must be at most {MaxAgentIdBytes} bytes");
        if (!AgentIdPattern().IsMatch(value))
            throw DeskException.Invalid($"'{field}' may contain only letters, digits, '_', '.' and '-', and must start with a letter or digit");
        return value;
    }

    /// <summary>A client-chosen id (memory or session): opaque, but printable and bounded.</summary>
    public static string ClientId(string value, string field)
    {
        if (value.Length == 0 || value.Length > MaxClientIdChars || !ClientIdPattern().IsMatch(value))
            throw DeskException.Invalid($"'{field}' must be 1–{MaxClientIdChars} characters of letters, digits, '_', '.', ':' or '-'");
        return value;
    }

    public static string Content(string? value, string field = "content")
    {
        if (string.IsNullOrWhiteSpace(value)) throw DeskException.Invalid($"'{field}' is required and must not be blank");
        if (value.Length > MaxContentChars)
            throw DeskException.Invalid($"'{field}' is {value.Length:N0} characters; the limit is {MaxContentChars:N0}");
        return NoNul(value, field);
    }

    /// <summary>Refuses U+0000 in stored text: PostgreSQL's text type cannot hold it, so no engine accepts it.</summary>
    public static string NoNul(string value, string field) =>
        value.Contains('\0') ? throw DeskException.Invalid($"'{field}' must not contain the NUL character (U+0000)") : value;

    public static string MemoryType(string value, string field = "memory_type") =>
        MemoryTypes.Normalise(value)
        ?? throw DeskException.Invalid($"'{field}' must be one of {string.Join(", ", MemoryTypes.All)} (or 'strategic'), not '{value}'");

    public static double Importance(double value, string field = "importance")
    {
        if (!double.IsFinite(value) || value < 0 || value > 1)
            throw DeskException.Invalid($"'{field}' must be between 0 and 1, not {value}");
        return value;
    }

    public static IReadOnlyList<string> Tags(IReadOnlyList<string> tags, string field = "tags")
    {
        if (tags.Count > MaxTags) throw DeskException.Invalid($"'{field}' has {tags.Count} tags; the limit is {MaxTags}");
        foreach (var tag in tags)
        {
            if (string.IsNullOrWhiteSpace(tag)) throw DeskException.Invalid($"'{field}' must not contain blank tags");
            if (tag.Length > MaxTagChars) throw DeskException.Invalid($"a tag in '{field}' is longer than {MaxTagChars} characters");
        }
        return tags.Distinct(StringComparer.Ordinal).ToList();
    }

    public static int TopK(int value, string field = "top_k")
    {
        if (value < 1 || value > MaxTopK) throw DeskException.Invalid($"'{field}' must be between 1 and {MaxTopK}, not {value}");
        return value;
    }

    public static float[] Embedding(IReadOnlyList<double> values, string field = "embedding")
    {
        if (values.Count == 0 || values.Count > MaxEmbeddingDimensions)
            throw DeskException.Invalid($"'{field}' must have 1–{MaxEmbeddingDimensions} dimensions");
        var vector = new float[values.Count];
        for (var i = 0; i < vector.Length; i++)
        {
            var v = (float)values[i];
            if (!float.IsFinite(v)) throw DeskException.Invalid($"'{field}' must contain only finite numbers");
            vector[i] = v;
        }
        return vector;
    }
}
