using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Summaries;

/// <summary>Generated composer inputs from a seeded <see cref="Random"/>: every run builds the same cases.</summary>
internal static class ComposerInputs
{
    private static readonly string[] Vocabulary =
    [
        "refund", "card", "charged", "twice", "router", "reset", "the", "customer", "bank", "order", "said", "again",
        "angry", "worried", "thanks", "fed up", "not", "happy", "delivery", "address", "£20", "O'Brien", "e-mail", "—",
        "(see", "ticket)", "naïve", "über", "10:30", "5pm", "won't", "can't", "line\nbreak", "tab\there", "!!!", "...",
    ];

    private static readonly string[] Tags =
    [
        SummaryTags.CustomerGoal, SummaryTags.IssueReport, SummaryTags.AttemptedResolution, SummaryTags.Outcome,
        SummaryTags.Commitment, SummaryTags.Sentiment, SummaryTags.Verification, "channel:chat", "channel:voice",
        "sentiment:anxious", "note", "ISSUE-REPORT",
    ];

    private static readonly string[] Agents = ["bot", "tier1", "tier 2", "Manager", "billing-desk", "ana.lopez"];

    public static string Words(Random random, int count)
    {
        var words = Enumerable.Range(0, count).Select(i => Vocabulary[random.Next(Vocabulary.Length)] + (random.Next(8) == 0 ? "." : ""));
        return string.Join(' ', words);
    }

    public static CompositionInput Random(Random random, int maxMemories, int maxWordsPerMemory, int maxLegs, int maxOpen) =>
        Huge(random, random.Next(maxMemories + 1), random.Next(1, maxWordsPerMemory + 1), random.Next(maxLegs + 1), random.Next(maxOpen + 1));

    public static CompositionInput Huge(Random random, int memories, int wordsPerMemory, int earlierHandoffs, int openCommitments)
    {
        var start = new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
        return new CompositionInput
        {
            Memories = Enumerable.Range(0, memories).Select(_ => new SessionMemory(
                random.Next(20) == 0 ? " \n " : Words(random, random.Next(1, wordsPerMemory + 1)),
                Math.Round(random.NextDouble(), 2),
                Enumerable.Range(0, random.Next(4)).Select(_ => Tags[random.Next(Tags.Length)]).ToList(),
                "episodic",
                start.AddSeconds(random.Next(3_600)))).ToList(),
            EarlierHandoffs = Enumerable.Range(0, earlierHandoffs).Select(_ => new ChainEntry(
                Agents[random.Next(Agents.Length)], Agents[random.Next(Agents.Length)],
                Words(random, random.Next(40)), Words(random, random.Next(60)))).ToList(),
            OpenCommitments = Enumerable.Range(0, openCommitments).Select(_ => new Commitment(
                Words(random, random.Next(2, 7)), Agents[random.Next(Agents.Length)], random.Next(2) == 0 ? null : Words(random, 3))).ToList(),
            Urgency = (Urgency)random.Next(4),
            Reason = Words(random, random.Next(30)),
            From = Agents[random.Next(Agents.Length)],
            To = Agents[random.Next(Agents.Length)],
            Channel = random.Next(3) == 0 ? null : "chat",
            SessionEndedWithoutSummary = random.Next(4) == 0,
        };
    }

    /// <summary>A short session with <paramref name="legs"/> one-word legs (agent1 → agent2 …) and long reasons.</summary>
    public static CompositionInput WithLegs(int legs, int reasonWords)
    {
        var random = new Random(legs);
        var input = new SessionBuilder()
            .Add(Words(random, 50), SummaryTags.CustomerGoal)
            .Add(Words(random, 50), SummaryTags.IssueReport)
            .Add(Words(random, 50), SummaryTags.AttemptedResolution)
            .Input();
        return input with
        {
            EarlierHandoffs = Enumerable.Range(0, legs)
                .Select(i => new ChainEntry($"agent{i}", $"agent{i + 1}", Words(random, reasonWords), Words(random, reasonWords)))
                .ToList(),
        };
    }
}
