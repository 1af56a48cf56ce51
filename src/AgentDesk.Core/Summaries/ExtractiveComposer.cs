namespace AgentDesk.Core.Summaries;

/// <summary>
/// The default summary generator: builds every field from the session's tagged memories and the case's stored
/// handoff records, deterministically, so that the result passes <see cref="SummaryValidator"/> against
/// <see cref="CompositionInput.Expectations"/>.
/// <para>
/// Where each field comes from: the goal from the most important <c>customer-goal</c> memory (else
/// <c>issue-report</c>); the situation from the channel, the next issue report, the newest <c>verification</c> and
/// the newest <c>outcome</c> (or untagged note); tried steps from <c>attempted-resolution</c> memories, each paired
/// with the first <c>outcome</c> memory before the next attempt; commitments from the open ones given (whole) and
/// then <c>commitment</c> memories not already among them; sentiment from the newest <c>sentiment</c> memory that
/// shows a mood (<see cref="SentimentLexicon"/>, or its <c>sentiment:&lt;label&gt;</c> tag), else "neutral — no
/// sentiment recorded"; the action from tone guidance for that mood, the commitments, the reason and the last
/// attempt; the chain from the earlier handoffs exactly as given.
/// </para>
/// <para>
/// Fitting to 300 words: the summary is built at the first of a fixed ladder of word budgets whose
/// rendering fits; the first rung keeps everything, and any later one adds a <see cref="NoteCodes.Trimmed"/> note.
/// The ladder gives up the lowest-priority material first — older tried steps, evidence, what chain legs
/// established, session commitments — and the goal, situation and action last. Chain legs and open
/// commitments are never removed. The last rung is the shortest form: every leg as "n. from → to", every open
/// commitment as its <c>What</c> alone, a few words of goal, situation and action, no tried steps. The rule when
/// even that does not fit (it costs about 48 words, plus 2 + the from and to words per leg, plus the open
/// commitments' words: 63 one-word legs fit, 64 do not): the shortest form is returned
/// anyway with an <see cref="NoteCodes.OverWordLimit"/> note, because losing a leg or a promise is worse than a
/// long summary (PRODUCT.md edge case 2); the validator then reports <c>WORD_LIMIT</c>, so nobody is misled.
/// </para>
/// </summary>
public static class ExtractiveComposer
{
    public static class NoteCodes
    {
        public const string SessionEndedWithoutSummary = "SESSION_ENDED_WITHOUT_SUMMARY";
        public const string NoMemories = "NO_MEMORIES";
        public const string Trimmed = "TRIMMED_TO_FIT";
        public const string OverWordLimit = "OVER_WORD_LIMIT";
    }

    /// <summary>Word caps of one rung of the ladder: caps on texts, counts of tried steps and session commitments.</summary>
    private sealed record Budget(
        int Goal, int Situation, int Action, int Steps, int StepWords, int Evidence,
        int ChainReason, int ChainEstablished, int SessionCommitments, int SessionCommitmentWords, bool CommitmentDetail);

    private const int All = int.MaxValue;

    private static readonly Budget[] Ladder =
    [
        new(Goal: All, Situation: All, Action: All, Steps: All, StepWords: All, Evidence: All, ChainReason: All, ChainEstablished: All, SessionCommitments: All, SessionCommitmentWords: All, CommitmentDetail: true),
        new(Goal: 40, Situation: 60, Action: 50, Steps: 6, StepWords: 25, Evidence: 25, ChainReason: 15, ChainEstablished: 25, SessionCommitments: 8, SessionCommitmentWords: 25, CommitmentDetail: true),
        new(Goal: 40, Situation: 60, Action: 50, Steps: 4, StepWords: 15, Evidence: 15, ChainReason: 12, ChainEstablished: 15, SessionCommitments: 6, SessionCommitmentWords: 15, CommitmentDetail: true),
        new(Goal: 35, Situation: 50, Action: 40, Steps: 3, StepWords: 10, Evidence: 10, ChainReason: 10, ChainEstablished: 10, SessionCommitments: 5, SessionCommitmentWords: 12, CommitmentDetail: true),
        new(Goal: 30, Situation: 40, Action: 30, Steps: 2, StepWords: 8, Evidence: 8, ChainReason: 6, ChainEstablished: 6, SessionCommitments: 4, SessionCommitmentWords: 10, CommitmentDetail: true),
        new(Goal: 24, Situation: 30, Action: 24, Steps: 1, StepWords: 6, Evidence: 6, ChainReason: 4, ChainEstablished: 4, SessionCommitments: 3, SessionCommitmentWords: 8, CommitmentDetail: true),
        new(Goal: 18, Situation: 22, Action: 18, Steps: 1, StepWords: 5, Evidence: 4, ChainReason: 3, ChainEstablished: 2, SessionCommitments: 2, SessionCommitmentWords: 6, CommitmentDetail: true),
        new(Goal: 12, Situation: 15, Action: 14, Steps: 0, StepWords: 0, Evidence: 3, ChainReason: 2, ChainEstablished: 0, SessionCommitments: 1, SessionCommitmentWords: 5, CommitmentDetail: true),
        new(Goal: 12, Situation: 15, Action: 12, Steps: 0, StepWords: 0, Evidence: 0, ChainReason: 0, ChainEstablished: 0, SessionCommitments: 0, SessionCommitmentWords: 0, CommitmentDetail: false),
        new(Goal: 8, Situation: 10, Action: 8, Steps: 0, StepWords: 0, Evidence: 0, ChainReason: 0, ChainEstablished: 0, SessionCommitments: 0, SessionCommitmentWords: 0, CommitmentDetail: false),
        new(Goal: 6, Situation: 6, Action: 6, Steps: 0, StepWords: 0, Evidence: 0, ChainReason: 0, ChainEstablished: 0, SessionCommitments: 0, SessionCommitmentWords: 0, CommitmentDetail: false),
    ];

    private static readonly Dictionary<string, string> ToneGuidance = new(StringComparer.OrdinalIgnoreCase)
    {
        ["angry"] = "Apologise first and own the problem.",
        ["frustrated"] = "Acknowledge the wait; do not make them repeat themselves.",
        ["anxious"] = "Reassure them and give a clear timeline.",
        ["confused"] = "Explain each step plainly.",
        ["satisfied"] = "Keep it brief and confirm the fix.",
    };

    private const string DefaultTone = "Greet them with what is already known.";

    public static ComposedSummary Compose(CompositionInput input)
    {
        var facts = Facts.From(input);
        var notes = new List<SummaryFinding>();
        if (input.SessionEndedWithoutSummary)
            notes.Add(new(NoteCodes.SessionEndedWithoutSummary,
                "composed from the session's memories: the source session ended without a summary (session_memories fallback)"));
        if (facts.MemoryCount == 0)
            notes.Add(new(NoteCodes.NoMemories, "the source session has no memories: goal and situation are placeholders to confirm with the customer"));

        for (var rung = 0; rung < Ladder.Length; rung++)
        {
            var summary = Build(input, facts, Ladder[rung]);
            var words = SummaryRenderer.WordCount(SummaryRenderer.Render(summary));
            if (words > SummaryValidator.MaxWords && rung < Ladder.Length - 1) continue;

            if (words > SummaryValidator.MaxWords)
                notes.Add(new(NoteCodes.OverWordLimit,
                    $"even the shortest form needs {words} words (> {SummaryValidator.MaxWords}): kept all {input.EarlierHandoffs.Count} chain legs and {input.OpenCommitments.Count} open commitments in their shortest form"));
            else if (rung > 0)
                notes.Add(new(NoteCodes.Trimmed,
                    $"trimmed to fit {SummaryValidator.MaxWords} words (rung {rung} of {Ladder.Length - 1}): kept {summary.Tried.Count} of {facts.Steps.Count} tried steps and {summary.Commitments.Count - input.OpenCommitments.Count} of {facts.SessionCommitments.Count} session commitments; long texts cut at a sentence or word end"));
            return new(summary, notes);
        }
        throw new InvalidOperationException("the ladder always ends in a returned rung");
    }

    private static StructuredSummary Build(CompositionInput input, Facts facts, Budget budget)
    {
        var sentiment = facts.Sentiment ?? new(SentimentLexicon.Neutral, "no sentiment recorded");
        var commitments = input.OpenCommitments
            .Select(c => budget.CommitmentDetail ? c : new Commitment(c.What, "", null))
            .Concat(facts.SessionCommitments.Take(budget.SessionCommitments)
                .Select(text => new Commitment(SummaryText.Truncate(text, budget.SessionCommitmentWords), input.From)))
            .ToList();

        return new(
            UserGoal: SummaryText.Truncate(facts.Goal ?? "Not recorded: confirm the customer's goal.", budget.Goal),
            Situation: Within(budget.Situation,
                facts.Channel is null ? null : $"Via {facts.Channel}.",
                facts.Issue,
                facts.Verified is null ? null : $"Verified: {facts.Verified}",
                facts.Latest is null ? null : $"Latest: {facts.Latest}",
                facts.HasSituation ? null : $"Escalated by {input.From} to {input.To}: {input.Reason}"),
            Tried: facts.Steps.TakeLast(budget.Steps)
                .Select(s => new TriedStep(SummaryText.Truncate(s.Action, budget.StepWords), SummaryText.Truncate(s.Outcome, budget.StepWords)))
                .ToList(),
            Commitments: commitments,
            Sentiment: new(sentiment.Label, SummaryText.Truncate(sentiment.Evidence, budget.Evidence)),
            Urgency: input.Urgency,
            RecommendedAction: Within(budget.Action,
                ToneGuidance.GetValueOrDefault(sentiment.Label, DefaultTone),
                commitments.Count == 0 ? null : $"Honour the {commitments.Count} commitment(s) listed.",
                string.IsNullOrWhiteSpace(input.Reason) ? null : $"Address: {input.Reason}",
                facts.Steps.Count == 0 ? null : $"Do not repeat: {Step(facts.Steps[^1])}"),
            HandoffChain: input.EarlierHandoffs
                .Select(leg => leg with
                {
                    Reason = SummaryText.Truncate(leg.Reason, budget.ChainReason),
                    Established = SummaryText.Truncate(leg.Established, budget.ChainEstablished),
                })
                .ToList());
    }

    /// <summary>
    /// The present parts in priority order, each cut to an even share of <paramref name="maxWords"/> (at least
    /// <see cref="MinShare"/> words) and ended as a sentence; the parts that no longer get a useful share are left out.
    /// </summary>
    private static string Within(int maxWords, params string?[] parts)
    {
        var present = parts.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p!).ToList();
        var share = Math.Max(MinShare, maxWords / Math.Max(1, present.Count));
        var kept = new List<string>();
        var left = maxWords;
        foreach (var part in present)
        {
            var room = Math.Min(share, left);
            if (room < Math.Min(MinShare, SummaryText.Words(part).Length)) break;
            var piece = EndSentence(SummaryText.Truncate(part, room));
            kept.Add(piece);
            left -= SummaryText.Words(piece).Length;
        }
        return kept.Count > 0 ? string.Join(' ', kept) : SummaryText.Truncate(present.FirstOrDefault(), maxWords);
    }

    private const int MinShare = 3;

    private static string EndSentence(string text) => text.Length == 0 || text[^1] is '.' or '!' or '?' or '…' ? text : text + ".";

    private static string Step((string Action, string Outcome) step) =>
        step.Outcome.Length == 0 ? step.Action : $"{step.Action} ({step.Outcome})";

    /// <summary>What the memories say, extracted once; each rung of the ladder only cuts it.</summary>
    private sealed record Facts(
        int MemoryCount, string? Goal, string? Issue, string? Verified, string? Latest, string? Channel,
        IReadOnlyList<(string Action, string Outcome)> Steps, IReadOnlyList<string> SessionCommitments, SentimentReading? Sentiment)
    {
        public bool HasSituation => Issue is not null || Verified is not null || Latest is not null;

        public static Facts From(CompositionInput input)
        {
            // Oldest first; OrderBy is stable, so equal timestamps keep the caller's order.
            var memories = input.Memories.Where(m => !string.IsNullOrWhiteSpace(m.Content)).OrderBy(m => m.CreatedAt).ToList();
            IEnumerable<SessionMemory> Tagged(string tag) => memories.Where(m => m.HasTag(tag));
            IEnumerable<SessionMemory> MostImportant(string tag) => Tagged(tag).OrderByDescending(m => m.Importance);

            var goal = MostImportant(SummaryTags.CustomerGoal).FirstOrDefault() ?? MostImportant(SummaryTags.IssueReport).FirstOrDefault();
            var issue = MostImportant(SummaryTags.IssueReport).FirstOrDefault(m => m != goal);
            var verified = Tagged(SummaryTags.Verification).LastOrDefault();
            var latest = Tagged(SummaryTags.Outcome).LastOrDefault() ?? memories.LastOrDefault(m => !m.Tags.Any(IsKnownTag));
            var openPhrases = input.OpenCommitments.Select(c => SummaryText.Normalise(c.What)).Where(p => p.Length > 0).ToList();

            return new(
                memories.Count,
                goal?.Content,
                issue?.Content,
                verified?.Content,
                latest?.Content,
                input.Channel ?? memories.Select(m => m.TagValue(SummaryTags.ChannelPrefix)).LastOrDefault(c => c is not null),
                PairSteps(memories),
                MostImportant(SummaryTags.Commitment)
                    .Where(m => !Restates(SummaryText.Normalise(m.Content), openPhrases))
                    .Select(m => m.Content)
                    .ToList(),
                Mood(memories.Where(m => m.HasTag(SummaryTags.Sentiment) || m.TagValue(SummaryTags.SentimentPrefix) is not null).Reverse()));
        }

        private static readonly HashSet<string> KnownTags = new(StringComparer.OrdinalIgnoreCase)
        {
            SummaryTags.CustomerGoal, SummaryTags.IssueReport, SummaryTags.AttemptedResolution, SummaryTags.Outcome,
            SummaryTags.Commitment, SummaryTags.Sentiment, SummaryTags.Verification,
        };

        private static bool IsKnownTag(string tag) => KnownTags.Contains(tag);

        /// <summary>A session's commitment memory that restates an open commitment (either way round) is not listed twice.</summary>
        private static bool Restates(string memory, List<string> openPhrases) =>
            openPhrases.Any(open => SummaryText.ContainsNormalised(memory, open) || SummaryText.ContainsNormalised(open, memory));

        /// <summary>Each attempt with the first outcome recorded after it and before the next attempt.</summary>
        private static List<(string Action, string Outcome)> PairSteps(List<SessionMemory> memories)
        {
            var steps = new List<(string, string)>();
            for (var i = 0; i < memories.Count; i++)
            {
                if (!memories[i].HasTag(SummaryTags.AttemptedResolution)) continue;
                var outcome = memories[i].HasTag(SummaryTags.Outcome)
                    ? null
                    : memories.Skip(i + 1).TakeWhile(m => !m.HasTag(SummaryTags.AttemptedResolution)).FirstOrDefault(m => m.HasTag(SummaryTags.Outcome));
                steps.Add((SummaryText.Clean(memories[i].Content), SummaryText.Clean(outcome?.Content)));
            }
            return steps;
        }

        /// <summary>The newest sentiment memory that shows a mood; else the newest one, read as neutral.</summary>
        private static SentimentReading? Mood(IEnumerable<SessionMemory> newestFirst)
        {
            SentimentReading? fallback = null;
            foreach (var memory in newestFirst)
            {
                var chosen = memory.TagValue(SummaryTags.SentimentPrefix);
                var reading = SentimentLexicon.Read(memory.Content);
                if (chosen is not null) return new(chosen, reading?.Evidence ?? memory.Content);
                if (reading is not null) return reading;
                fallback ??= new(SentimentLexicon.Neutral, memory.Content);
            }
            return fallback;
        }
    }
}
