namespace AgentDesk.Core.Summaries;

/// <summary>What the case's records say a summary must carry: its earlier handoffs (oldest first, as stored) and
/// the commitments made earlier and not yet fulfilled.</summary>
public sealed record SummaryExpectations(IReadOnlyList<ChainEntry> EarlierHandoffs, IReadOnlyList<Commitment> OpenCommitments)
{
    public static readonly SummaryExpectations None = new([], []);
}

/// <summary>One problem (or, from the composer, one notice) with a code for analytics and a message written as
/// an instruction that can be handed back to whoever drafted the summary, an LLM included.</summary>
public sealed record SummaryFinding(string Code, string Message);

/// <summary>Every failed check of one summary, never only the first, and the rendered word count.</summary>
public sealed record ValidationReport(IReadOnlyList<SummaryFinding> Failures, int WordCount)
{
    public bool IsValid => Failures.Count == 0;
}

/// <summary>
/// The rules of API.md §2, applied to every summary whatever produced it (LLM, composer or caller): at most
/// <see cref="MaxWords"/> words of rendered text; user_goal, situation, sentiment label and recommended_action not
/// blank; the chain holds the case's earlier handoffs in order (matched on from → to, ignoring case and spacing)
/// and the text states which escalation this is (<see cref="SummaryRenderer.EscalationPhrase"/>); each open
/// commitment's words occur, whole and in order, in some commitment's <c>what</c> (ignoring case and punctuation).
/// Null fields or entries, as a model's JSON may leave them, are reported, never thrown on.
/// </summary>
public static class SummaryValidator
{
    public const int MaxWords = 300;

    public static class Codes
    {
        public const string WordLimit = "WORD_LIMIT";
        public const string MissingUserGoal = "MISSING_USER_GOAL";
        public const string MissingSituation = "MISSING_SITUATION";
        public const string MissingSentiment = "MISSING_SENTIMENT";
        public const string MissingRecommendedAction = "MISSING_RECOMMENDED_ACTION";
        public const string ChainEntryMissing = "CHAIN_ENTRY_MISSING";
        public const string ChainEntryOutOfOrder = "CHAIN_ENTRY_OUT_OF_ORDER";
        public const string ChainEntryUnknown = "CHAIN_ENTRY_UNKNOWN";
        public const string ChainEntryDuplicate = "CHAIN_ENTRY_DUPLICATE";
        public const string EscalationNumberMissing = "ESCALATION_NUMBER_MISSING";
        public const string CommitmentMissing = "COMMITMENT_MISSING";
    }

    public static ValidationReport Validate(StructuredSummary summary, SummaryExpectations expectations) =>
        Validate(summary, SummaryRenderer.Render(summary), expectations);

    /// <summary>Validates a summary against the text it was rendered to (for a text rendered and stored earlier).</summary>
    public static ValidationReport Validate(StructuredSummary summary, string renderedText, SummaryExpectations expectations)
    {
        var failures = new List<SummaryFinding>();
        var words = SummaryRenderer.WordCount(renderedText);
        if (words > MaxWords)
            failures.Add(new(Codes.WordLimit, $"compress to ≤ {MaxWords} words: the draft has {words}"));

        RequireText(failures, summary.UserGoal, Codes.MissingUserGoal, "user_goal", "what the customer wants to achieve");
        RequireText(failures, summary.Situation, Codes.MissingSituation, "situation", "where the case stands now");
        RequireText(failures, summary.Sentiment?.Label, Codes.MissingSentiment, "sentiment.label", "the customer's emotional state, e.g. frustrated");
        RequireText(failures, summary.RecommendedAction, Codes.MissingRecommendedAction, "recommended_action", "what the receiving agent should do first");

        var earlier = expectations.EarlierHandoffs;
        CheckChain(failures, earlier, summary.HandoffChain ?? []);
        var phrase = SummaryRenderer.EscalationPhrase(earlier.Count);
        if (!renderedText.Contains(phrase, StringComparison.OrdinalIgnoreCase))
            failures.Add(new(Codes.EscalationNumberMissing,
                $"state that this is {phrase}: the case has {earlier.Count} earlier handoff(s), so handoff_chain needs exactly {earlier.Count} entries"));

        foreach (var open in expectations.OpenCommitments)
        {
            if (!(summary.Commitments ?? []).Any(c => SummaryText.ContainsPhrase(c?.What, open.What)))
                failures.Add(new(Codes.CommitmentMissing,
                    $"keep the open commitment \"{SummaryRenderer.Promise(open)}\" in commitments: it has not been fulfilled yet"));
        }
        return new(failures, words);
    }

    private static void RequireText(List<SummaryFinding> failures, string? value, string code, string field, string meaning)
    {
        if (string.IsNullOrWhiteSpace(value)) failures.Add(new(code, $"fill in {field}: {meaning}; it is empty"));
    }

    /// <summary>
    /// Aligns the summary's chain with the recorded handoffs (longest common subsequence on from → to) and names
    /// each recorded handoff that is absent or misplaced and each entry that is invented or repeated.
    /// </summary>
    private static void CheckChain(List<SummaryFinding> failures, IReadOnlyList<ChainEntry> expected, IReadOnlyList<ChainEntry> actual)
    {
        var expectedKeys = expected.Select(Key).ToArray();
        var actualKeys = actual.Select(Key).ToArray();
        var (matchedExpected, matchedActual) = Align(expectedKeys, actualKeys);
        var n = expected.Count;

        for (var i = 0; i < n; i++)
        {
            if (matchedExpected[i]) continue;
            var leg = Describe(expected[i]);
            failures.Add(actualKeys.Contains(expectedKeys[i])
                ? new(Codes.ChainEntryOutOfOrder, $"move handoff {i + 1} of {n} ({leg}) to position {i + 1} of handoff_chain: list the earlier handoffs oldest first")
                : new(Codes.ChainEntryMissing, $"you dropped handoff {i + 1} of {n} ({leg}): add it to handoff_chain at position {i + 1}"));
        }
        for (var j = 0; j < actual.Count; j++)
        {
            if (matchedActual[j]) continue;
            var key = actualKeys[j];
            var leg = Describe(actual[j]);
            if (!expectedKeys.Contains(key))
                failures.Add(new(Codes.ChainEntryUnknown, $"remove handoff_chain entry {j + 1} ({leg}): it is not one of the case's {n} recorded handoffs"));
            else if (Enumerable.Range(0, n).All(i => expectedKeys[i] != key || matchedExpected[i]))
                failures.Add(new(Codes.ChainEntryDuplicate, $"remove handoff_chain entry {j + 1} ({leg}): it repeats a handoff already listed"));
        }
    }

    private static (bool[] Expected, bool[] Actual) Align(string[] expected, string[] actual)
    {
        var lcs = new int[expected.Length + 1, actual.Length + 1];
        for (var i = expected.Length - 1; i >= 0; i--)
            for (var j = actual.Length - 1; j >= 0; j--)
                lcs[i, j] = expected[i] == actual[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        var matchedExpected = new bool[expected.Length];
        var matchedActual = new bool[actual.Length];
        for (int i = 0, j = 0; i < expected.Length && j < actual.Length;)
        {
            if (expected[i] == actual[j])
            {
                matchedExpected[i++] = true;
                matchedActual[j++] = true;
            }
            else if (lcs[i + 1, j] >= lcs[i, j + 1]) i++;
            else j++;
        }
        return (matchedExpected, matchedActual);
    }

    private static string Key(ChainEntry? leg) =>
        $"{SummaryText.Clean(leg?.From).ToLowerInvariant()}\n{SummaryText.Clean(leg?.To).ToLowerInvariant()}";

    private static string Describe(ChainEntry? leg) => $"{SummaryText.Clean(leg?.From)} → {SummaryText.Clean(leg?.To)}";
}
