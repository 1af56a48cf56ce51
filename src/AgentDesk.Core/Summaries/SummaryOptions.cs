using AgentDesk.Core.OpenAiCompatible;

namespace AgentDesk.Core.Summaries;

/// <summary>Which generator drafts handoff summaries; bound from <see cref="SectionName"/>.</summary>
public sealed record SummaryOptions
{
    public const string SectionName = "AgentDesk:Summaries";
    public const string Extractive = "extractive";
    public const string Llm = "llm";

    /// <summary><see cref="Extractive"/> (default) or <see cref="Llm"/>, which needs <see cref="OpenAI"/>.</summary>
    public string Generator { get; init; } = Extractive;

    /// <summary>The OpenAI-compatible chat model for <see cref="Llm"/>.</summary>
    public OpenAiChatOptions OpenAI { get; init; } = new();

    /// <exception cref="InvalidOperationException">An unknown generator, or an LLM without a usable endpoint.</exception>
    public ISummaryGenerator Create() => Generator.ToLowerInvariant() switch
    {
        Extractive => new ExtractiveSummaryGenerator(),
        Llm => new LlmSummaryDrafter(new OpenAiChatClient(OpenAI, $"{SectionName}:OpenAI")),
        _ => throw new InvalidOperationException($"{SectionName}:Generator '{Generator}' is not supported; use '{Extractive}' or '{Llm}'"),
    };
}
