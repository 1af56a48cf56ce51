using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentDesk.Core.Summaries;

/// <summary>A validated summary and how it came to be: which generator wrote it, and why the fallback was taken.</summary>
public sealed record SummaryDraft(
    StructuredSummary Summary, string Rendered, ValidationReport Report, string Generator, string? FallbackReason, IReadOnlyList<SummaryFinding> Notes, int ModelAttempts)
{
    public const string Extractive = "extractive";
    public const string Llm = "llm";
}

/// <summary>The seam the handoff engine drafts through: extractive by default, an LLM when one is configured.</summary>
public interface ISummaryGenerator
{
    Task<SummaryDraft> DraftAsync(CompositionInput input, CancellationToken ct);
}

/// <summary>The deterministic default: <see cref="ExtractiveComposer"/>, validated like every other summary.</summary>
public sealed class ExtractiveSummaryGenerator : ISummaryGenerator
{
    public Task<SummaryDraft> DraftAsync(CompositionInput input, CancellationToken ct) => Task.FromResult(Draft(input, fallbackReason: null, modelAttempts: 0));

    internal static SummaryDraft Draft(CompositionInput input, string? fallbackReason, int modelAttempts)
    {
        var composed = ExtractiveComposer.Compose(input);
        var rendered = SummaryRenderer.Render(composed.Summary);
        return new SummaryDraft(composed.Summary, rendered, SummaryValidator.Validate(composed.Summary, rendered, input.Expectations),
            SummaryDraft.Extractive, fallbackReason, composed.Notes, modelAttempts);
    }
}

/// <summary>
/// Drafts with a chat model: asks for the structured fields as JSON, validates the draft, re-asks once
/// with the validator's findings, and falls back to the extractive composer when the model fails,
/// times out, answers something unreadable or stays invalid — recording why. The chain in the result
/// is always the stored handoff records: a model may check it, never write it.
/// </summary>
public sealed class LlmSummaryDrafter(IChatClient chat) : ISummaryGenerator
{
    private const string Instructions = """
        You write the handoff summary a contact-centre agent reads before taking over a customer.
        Answer with one JSON object and nothing else, with these fields:
        user_goal (string), situation (string), tried (array of {action, outcome}),
        commitments (array of {what, by, due}), sentiment ({label, evidence}),
        urgency ("low" | "normal" | "high" | "urgent"), recommended_action (string),
        handoff_chain (array of {from, to, reason, established}: every earlier handoff given, in order).
        Rules: at most 300 words in total; never drop an earlier handoff; keep every open commitment;
        say how the customer feels and why; use only facts from the session.
        """;

    public async Task<SummaryDraft> DraftAsync(CompositionInput input, CancellationToken ct)
    {
        List<ChatMessage> messages = [new(ChatRole.System, Instructions), new(ChatRole.User, Describe(input))];
        string? reason = null;
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            string answer;
            try
            {
                answer = (await chat.GetResponseAsync(messages, new ChatOptions { ResponseFormat = ChatResponseFormat.Json, Temperature = 0.2f }, ct)).Text;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                return ExtractiveSummaryGenerator.Draft(input, $"the model failed: {e.Message}", attempt);
            }
            var (draft, problems) = Read(answer, input);
            if (draft is not null && problems.Count == 0)
            {
                var rendered = SummaryRenderer.Render(draft);
                return new SummaryDraft(draft, rendered, SummaryValidator.Validate(draft, rendered, input.Expectations), SummaryDraft.Llm, null, [], attempt);
            }
            reason = $"the model's draft {(attempt == 1 ? "was" : "was still")} invalid: {string.Join("; ", problems.Select(p => p.Message))}";
            messages.Add(new ChatMessage(ChatRole.Assistant, answer));
            messages.Add(new ChatMessage(ChatRole.User, "Fix these problems and answer with the whole corrected JSON object:\n- " + string.Join("\n- ", problems.Select(p => p.Message))));
        }
        return ExtractiveSummaryGenerator.Draft(input, reason, 2);
    }

    /// <summary>
    /// The model's draft, or why it cannot be used: unreadable JSON, or every failure the validator finds
    /// in it as written. An acceptable draft gets the stored chain (and the urgency the caller set).
    /// </summary>
    private static (StructuredSummary? Draft, IReadOnlyList<SummaryFinding> Problems) Read(string answer, CompositionInput input)
    {
        StructuredSummary? draft;
        try
        {
            draft = SummaryJson.Read(answer);
        }
        catch (JsonException e)
        {
            return (null, [new SummaryFinding("MALFORMED_JSON", $"answer with one valid JSON object: {e.Message}")]);
        }
        if (draft is null) return (null, [new SummaryFinding("MALFORMED_JSON", "answer with one JSON object, not null")]);
        var asWritten = SummaryValidator.Validate(draft, input.Expectations);
        if (!asWritten.IsValid) return (null, asWritten.Failures);
        var final = draft with { HandoffChain = input.EarlierHandoffs, Urgency = input.Urgency };
        var check = SummaryValidator.Validate(final, input.Expectations);
        return check.IsValid ? (final, []) : (null, check.Failures);
    }

    /// <summary>The case as the model sees it: the handoff, the earlier legs, the open commitments, the session's memories.</summary>
    private static string Describe(CompositionInput input)
    {
        var text = new StringBuilder();
        text.AppendLine($"This handoff: {input.From} → {input.To}, reason: {input.Reason}, urgency: {input.Urgency.ToWire()}, channel: {input.Channel ?? "unknown"}.");
        text.AppendLine($"Earlier handoffs in this case ({input.EarlierHandoffs.Count}), oldest first:");
        foreach (var leg in input.EarlierHandoffs) text.AppendLine($"- from {leg.From} to {leg.To}: {leg.Reason}; established: {leg.Established}");
        text.AppendLine($"Open commitments ({input.OpenCommitments.Count}):");
        foreach (var c in input.OpenCommitments) text.AppendLine($"- {c.What} (by {c.By}{(c.Due is null ? "" : $", due {c.Due}")})");
        text.AppendLine("Session memories, oldest first (importance, tags):");
        foreach (var m in input.Memories.OrderBy(m => m.CreatedAt))
            text.AppendLine($"- [{m.Importance:0.0}; {string.Join(", ", m.Tags)}] {m.Content}");
        return text.ToString();
    }
}
