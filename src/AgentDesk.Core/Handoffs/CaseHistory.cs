using AgentDesk.Core.Recall;
using AgentDesk.Core.Recall.Lexical;
using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Handoffs;

/// <summary>
/// What a new handoff inherits from the earlier ones of its case, read from the stored records only (a model
/// or a caller never decides it): one chain entry per earlier handoff, oldest first, and the commitments
/// still open.
/// </summary>
public static class CaseHistory
{
    /// <summary>How many words of an earlier leg's situation its chain entry keeps; the composer trims further to fit.</summary>
    public const int EstablishedWords = 30;

    /// <summary>Memories tagged so mark a promise kept: every open commitment whose words they contain is no longer carried.</summary>
    public const string FulfilledTag = "commitment-fulfilled";

    /// <param name="earlier">The case's handoffs before the new one, oldest first.</param>
    public static IReadOnlyList<ChainEntry> Chain(IReadOnlyList<Handoff> earlier) =>
        earlier.Select(h => new ChainEntry(h.SourceAgentId, h.Target, h.Reason, Established(h.Summary))).ToList();

    /// <summary>Share of a commitment's content words a <see cref="FulfilledTag"/> memory must hold to mark it kept.</summary>
    public const double FulfilledOverlap = 0.8;

    /// <summary>
    /// The commitments a new summary must carry: the previous handoff's (which carried every earlier open one) and
    /// those of any case merged into this one, less those a <see cref="FulfilledTag"/> memory of the case has since
    /// marked kept — one holding at least <see cref="FulfilledOverlap"/> of the commitment's content words, stemmed
    /// ("I will email a case number" is kept by "Emailed the case number").
    /// </summary>
    /// <param name="previous">The handoff the new one continues, then the cases merged into it (none for a first handoff).</param>
    public static IReadOnlyList<Commitment> OpenCommitments(IReadOnlyList<Handoff> previous, IEnumerable<SessionMemory> caseMemories)
    {
        var kept = caseMemories.Where(m => m.HasTag(FulfilledTag)).Select(m => ContentTerms(m.Content)).ToList();
        return previous.SelectMany(h => h.Summary.Commitments).DistinctBy(c => c.What.Trim(), StringComparer.OrdinalIgnoreCase).Where(c =>
        {
            var promised = ContentTerms(c.What);
            return promised.Count == 0 || !kept.Any(done => promised.Count(done.Contains) >= FulfilledOverlap * promised.Count);
        }).ToList();
    }

    private static HashSet<string> ContentTerms(string? text) =>
        LexicalTokenizer.Tokens(text ?? "").Where(t => !LexicalQuery.IsStopWord(t)).ToHashSet(StringComparer.Ordinal);

    /// <summary>What a leg established: the situation its summary handed over, and its last attempt.</summary>
    private static string Established(StructuredSummary summary)
    {
        var situation = SummaryText.Truncate(summary.Situation, EstablishedWords);
        if (summary.Tried.LastOrDefault() is not { } last) return situation;
        var step = string.IsNullOrWhiteSpace(last.Outcome) ? last.Action : $"{last.Action.TrimEnd('.')} → {last.Outcome}";
        return $"{situation.TrimEnd('.', '…')}; last tried: {SummaryText.Truncate(step, 12)}";
    }
}
