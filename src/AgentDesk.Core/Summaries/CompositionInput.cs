namespace AgentDesk.Core.Summaries;

/// <summary>The memory tags the composer reads; bots and agents store memories with them while they work.</summary>
public static class SummaryTags
{
    public const string CustomerGoal = "customer-goal";
    public const string IssueReport = "issue-report";
    public const string AttemptedResolution = "attempted-resolution";
    public const string Outcome = "outcome";
    public const string Commitment = "commitment";
    public const string Sentiment = "sentiment";
    public const string Verification = "verification";

    /// <summary><c>channel:chat</c>, <c>channel:voice</c>…: where the memory was made.</summary>
    public const string ChannelPrefix = "channel:";

    /// <summary><c>sentiment:angry</c>: a label the source chose itself, taken over the lexicon's reading.</summary>
    public const string SentimentPrefix = "sentiment:";
}

/// <summary>One memory of the source session, as much of it as a summary needs.</summary>
public sealed record SessionMemory(string Content, double Importance, IReadOnlyList<string> Tags, string MemoryType, DateTimeOffset CreatedAt)
{
    public static SessionMemory From(Memory.Memory memory) =>
        new(memory.Content, memory.Importance, memory.Tags, memory.MemoryType, DateTimeOffset.FromUnixTimeMilliseconds(memory.CreatedAtMs));

    public bool HasTag(string tag) => Tags.Contains(tag, StringComparer.OrdinalIgnoreCase);

    /// <summary>The value of the first <c>prefix:value</c> tag, e.g. <c>chat</c> for <c>channel:chat</c>.</summary>
    public string? TagValue(string prefix) =>
        Tags.Where(t => t.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(t => t[prefix.Length..].Trim())
            .FirstOrDefault(value => value.Length > 0);
}

/// <summary>Everything the extractive composer builds a summary from: no database, no clock.</summary>
public sealed record CompositionInput
{
    public required IReadOnlyList<SessionMemory> Memories { get; init; }

    /// <summary>The case's earlier handoffs, oldest first, as stored: carried into the chain, never invented or dropped.</summary>
    public IReadOnlyList<ChainEntry> EarlierHandoffs { get; init; } = [];

    /// <summary>Commitments made earlier in the case and not yet fulfilled: carried whole.</summary>
    public IReadOnlyList<Commitment> OpenCommitments { get; init; } = [];

    public Urgency Urgency { get; init; } = Urgency.Normal;
    public required string Reason { get; init; }

    /// <summary>Who hands off (the source session's agent), and to which queue or agent.</summary>
    public required string From { get; init; }
    public required string To { get; init; }

    /// <summary>The customer's channel; when absent, the newest <c>channel:</c> tag among the memories.</summary>
    public string? Channel { get; init; }

    /// <summary>The source session ended (or crashed) before any summary was stored (PRODUCT.md edge case 4).</summary>
    public bool SessionEndedWithoutSummary { get; init; }

    /// <summary>What the validator must hold the composed summary to.</summary>
    public SummaryExpectations Expectations => new(EarlierHandoffs, OpenCommitments);
}

/// <summary>The composed summary and what the composer wants the caller to know (the handoff's warnings).</summary>
public sealed record ComposedSummary(StructuredSummary Summary, IReadOnlyList<SummaryFinding> Notes);
