using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AgentDesk.Core.Memory;

/// <summary>One conversation leg of an agent, in its wire shape. No <c>ended_at</c> means active.</summary>
public sealed record Session
{
    public required string Id { get; init; }
    public required string AgentId { get; init; }
    public long StartedAt => StartedAtMs / 1000;
    public long? EndedAt => EndedAtMs / 1000;
    public string? Summary { get; init; }
    public JsonObject? Metadata { get; init; }
    public required long MemoryCount { get; init; }

    [JsonIgnore] public long StartedAtMs { get; init; }
    [JsonIgnore] public long? EndedAtMs { get; init; }
    [JsonIgnore] public bool IsActive => EndedAtMs is null;
}
