using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Handoffs;

/// <summary>Handoff records for pure tests: only what the lifecycle and the case history read.</summary>
internal static class HandoffExamples
{
    public static Handoff Record(string status = HandoffStatus.Queued, string? claimedBy = null, long? recallDoneAtMs = null,
        string from = "bot", string to = "tier1", string reason = "needs a human", string situation = "Card charged twice",
        IReadOnlyList<TriedStep>? tried = null, IReadOnlyList<Commitment>? commitments = null, int depth = 0) => new()
        {
            Id = $"hof_{from}_{to}",
            CaseId = "hof_case",
            ChainDepth = depth,
            Status = status,
            SourceSessionId = $"sess_{from}",
            SourceAgentId = from,
            TargetQueue = to,
            Reason = reason,
            Urgency = Urgency.High,
            SummaryMemoryId = "mem_summary",
            Summary = new StructuredSummary("Refund", situation, tried ?? [], commitments ?? [], new SentimentReading("frustrated", "said so"),
            Urgency.High, "Refund it", []),
            SummaryText = "",
            WordCount = 0,
            SummarySource = SummarySource.Generated,
            Generator = SummaryDraft.Extractive,
            Warnings = [],
            ClaimedBy = claimedBy,
            RecallDoneAtMs = recallDoneAtMs,
            NextId = status == HandoffStatus.Escalated ? "hof_next" : null,
        };
}
