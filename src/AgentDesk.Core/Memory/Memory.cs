using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AgentDesk.Core.Memory;

/// <summary>A stored memory in its wire shape (flat, snake_case, Unix seconds).</summary>
public sealed record Memory
{
    public required string Id { get; init; }
    public required string AgentId { get; init; }
    public required string Content { get; init; }
    public required string MemoryType { get; init; }
    public required double Importance { get; init; }
    public required IReadOnlyList<string> Tags { get; init; }
    public string? SessionId { get; init; }
    public JsonObject? Metadata { get; init; }
    public long CreatedAt => CreatedAtMs / 1000;
    public long LastAccessedAt => LastAccessedAtMs / 1000;
    public required long AccessCount { get; init; }
    public long? ExpiresAt => ExpiresAtMs / 1000;

    [JsonIgnore] public long Seq { get; init; }
    [JsonIgnore] public long CreatedAtMs { get; init; }
    [JsonIgnore] public long LastAccessedAtMs { get; init; }
    [JsonIgnore] public long? ExpiresAtMs { get; init; }

    public bool HasTag(string tag) => Tags.Contains(tag, StringComparer.Ordinal);
}

/// <summary>A memory as a client asks to store it, already validated by <see cref="MemoryRules"/>.</summary>
public sealed record NewMemory
{
    public string? Id { get; init; }
    public required string AgentId { get; init; }
    public required string Content { get; init; }
    public string MemoryType { get; init; } = MemoryTypes.Episodic;
    public double Importance { get; init; } = 0.5;
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? SessionId { get; init; }
    public JsonObject? Metadata { get; init; }
    public long? ExpiresAtMs { get; init; }
    public long? CreatedAtMs { get; init; }
    public float[]? Embedding { get; init; }
    /// <summary>Which model made <see cref="Embedding"/>: set by the semantic index, <c>client</c> for a client's own vector.</summary>
    public string? EmbeddingModel { get; init; }
}

/// <summary>The fields an update may change; null leaves a field as it is.</summary>
public sealed record MemoryPatch
{
    public string? Content { get; init; }
    public JsonObject? Metadata { get; init; }
    public string? MemoryType { get; init; }
    public double? Importance { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
}

public static class MemoryTypes
{
    public const string Episodic = "episodic";
    public const string Semantic = "semantic";
    public const string Procedural = "procedural";
    public const string Working = "working";

    public static readonly IReadOnlyList<string> All = [Episodic, Semantic, Procedural, Working];

    /// <summary>Canonical type for a wire value; <c>strategic</c> is Dakera's alias of <c>working</c>.</summary>
    public static string? Normalise(string value) => value.ToLowerInvariant() switch
    {
        "strategic" => Working,
        var v when All.Contains(v) => v,
        _ => null,
    };
}
