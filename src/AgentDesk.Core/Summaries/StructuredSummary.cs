using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentDesk.Core.Summaries;

/// <summary>
/// The structured handoff summary of API.md §2. Every field is plain data so the API can serialise it
/// snake_case (<c>user_goal</c>, <c>tried: [{action, outcome}]</c>, <c>handoff_chain</c>…) and read a
/// caller's or a model's draft back; <see cref="SummaryValidator"/> judges it whoever wrote it.
/// </summary>
public sealed record StructuredSummary(
    string UserGoal,
    string Situation,
    IReadOnlyList<TriedStep> Tried,
    IReadOnlyList<Commitment> Commitments,
    SentimentReading Sentiment,
    Urgency Urgency,
    string RecommendedAction,
    IReadOnlyList<ChainEntry> HandoffChain);

/// <summary>Something already attempted and what came of it, so the next agent does not repeat it.</summary>
public sealed record TriedStep(string Action, string Outcome);

/// <summary>A promise made to the customer: what, by whom, and by when (free text such as "within 5 minutes").</summary>
public sealed record Commitment(string What, string By, string? Due = null);

/// <summary>The customer's emotional state (a short label such as <c>frustrated</c>) and the words that show it.</summary>
public sealed record SentimentReading(string Label, string Evidence);

/// <summary>The snake_case JSON form of a summary, shared by the API, the stored record and the LLM drafter.</summary>
public static class SummaryJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Reads a summary and gives absent lists an empty value (a model's or a caller's JSON may leave them out).</summary>
    public static StructuredSummary? Read(string json) =>
        JsonSerializer.Deserialize<StructuredSummary>(json, Options) is { } summary
            ? summary with { Tried = summary.Tried ?? [], Commitments = summary.Commitments ?? [], HandoffChain = summary.HandoffChain ?? [] }
            : null;
}

/// <summary>One earlier handoff of the case: who handed to whom, why, and what that leg established.</summary>
public sealed record ChainEntry(string From, string To, string Reason, string Established);

/// <summary>How urgent a handoff is; the wire strings are <c>low</c>, <c>normal</c>, <c>high</c>, <c>urgent</c>.</summary>
[JsonConverter(typeof(UrgencyJsonConverter))]
public enum Urgency
{
    Low,
    Normal,
    High,
    Urgent,
}

/// <summary>The wire strings of <see cref="Urgency"/>, in one place for parsing, formatting and error messages.</summary>
public static class Urgencies
{
    private static readonly string[] Wire = ["low", "normal", "high", "urgent"];

    public static IReadOnlyList<string> All => Wire;

    public static string ToWire(this Urgency urgency) => Wire[(int)urgency];

    /// <summary>Reads a wire string, ignoring case and surrounding whitespace.</summary>
    public static bool TryParse(string? value, out Urgency urgency)
    {
        var index = value is null ? -1 : Array.IndexOf(Wire, value.Trim().ToLowerInvariant());
        urgency = index < 0 ? default : (Urgency)index;
        return index >= 0;
    }
}

/// <summary>Writes and reads <see cref="Urgency"/> as its wire string whatever naming policy the caller uses.</summary>
public sealed class UrgencyJsonConverter : JsonConverter<Urgency>
{
    public override Urgency Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && Urgencies.TryParse(reader.GetString(), out var urgency)
            ? urgency
            : throw new JsonException($"urgency must be one of {string.Join(", ", Urgencies.All)}");

    public override void Write(Utf8JsonWriter writer, Urgency value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToWire());
}
