using AgentDesk.Core.Memory;
using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Handoffs;

/// <summary>Reading a case before a summary is drafted for it: the handoff it continues, its earlier legs, its memories.</summary>
public sealed partial class HandoffQueue
{
    /// <summary>The generator name recorded for a summary the caller wrote itself.</summary>
    public const string CallerGenerator = "caller";

    public static class WarningCodes
    {
        public const string LlmFallback = "LLM_FALLBACK";
        public const string ParallelCase = "PARALLEL_CASE";
    }

    private sealed record CaseRead(Handoff? Parent, IReadOnlyList<Handoff> Earlier, CompositionInput Input, string? CustomerId, IReadOnlyList<ParallelCase> Parallel);

    /// <summary>
    /// The case a session's escalation continues: the given parent, else the handoff whose claim opened this session,
    /// else the handoff its metadata names (<c>handoff_id</c>, as a bot's SDK may set when it starts the receiving
    /// session itself). Channel and customer come from the request, else the session's metadata, else the case.
    /// </summary>
    private async Task<CaseRead> ReadCaseAsync(
        Session session, string? parentId, string from, string to, string reason, Urgency urgency, string? channel, string? customerId, CancellationToken ct)
    {
        var (parent, earlier, merged) = await database.ReadAsync(async connection =>
        {
            var p = parentId is not null ? await HandoffRecords.GetAsync(connection, null, parentId, ct)
                : await HandoffRecords.FindByAgentSessionAsync(connection, null, session.Id, ct)
                  ?? (Meta(session, "handoff_id") is { } linked ? await HandoffRecords.GetAsync(connection, null, linked, ct) : null);
            if (p is null) return ((Handoff?)null, (IReadOnlyList<Handoff>)[], (IReadOnlyList<Handoff>)[]);
            var all = await HandoffRecords.CaseAsync(connection, null, p.CaseId, ct);
            var legs = all.Where(h => h.ChainDepth <= p.ChainDepth).ToList();
            return (p, legs, await HandoffRecords.MergedIntoAsync(connection, null, legs.Select(h => h.Id).ToList(), ct));
        }, ct);

        var own = (await memories.ListAsync(new MemoryFilter { AgentId = session.AgentId, SessionId = session.Id }, MaxSessionMemories, ct: ct))
            .Where(m => !m.HasTag(SummaryTag))
            .Select(SessionMemory.From).ToList();
        var composeFrom = parent is null ? own : [.. CarriedForward(parent), .. own];
        var fulfilled = new List<SessionMemory>(own);
        foreach (var leg in earlier.Concat(merged))
            fulfilled.AddRange((await memories.ListAsync(new MemoryFilter
            {
                AgentId = leg.SourceAgentId,
                SessionId = leg.SourceSessionId,
                Tags = [CaseHistory.FulfilledTag],
            }, 100, ct: ct)).Select(SessionMemory.From));

        channel ??= Meta(session, "channel") ?? parent?.Channel
            ?? own.OrderByDescending(m => m.CreatedAt).Select(m => m.TagValue(Summaries.SummaryTags.ChannelPrefix)).FirstOrDefault(c => c is not null);
        customerId ??= Meta(session, "customer_id") ?? parent?.CustomerId;
        var parallel = customerId is null ? []
            : await database.ReadAsync(c => HandoffRecords.ParallelAsync(c, null, customerId, parent?.CaseId ?? "", ct), ct);
        var input = new CompositionInput
        {
            Memories = composeFrom,
            EarlierHandoffs = CaseHistory.Chain(earlier),
            OpenCommitments = CaseHistory.OpenCommitments(parent is null ? [] : [parent, .. merged], fulfilled),
            Urgency = urgency,
            Reason = reason,
            From = from,
            To = to,
            Channel = channel,
            SessionEndedWithoutSummary = !session.IsActive,
        };
        return new CaseRead(parent, earlier, input, customerId, parallel);
    }

    /// <summary>Tag of the memories a new summary inherits from the previous one (see <see cref="CarriedForward"/>).</summary>
    public const string CarriedTag = "carried-forward";

    /// <summary>
    /// What the previous handoff's summary knew, as memories older than this leg's: the goal, what was tried and the
    /// mood (its situation travels in the chain entry, as what that leg established). A receiving agent's session
    /// holds only what they added, so without these the next summary would lose the customer's goal (PRODUCT.md:
    /// nothing from earlier legs lost); anything the agent stored since is newer or more important and wins where the
    /// composer picks one.
    /// </summary>
    private static IEnumerable<SessionMemory> CarriedForward(Handoff previous)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(previous.CreatedAtMs);
        var summary = previous.Summary;
        SessionMemory Carried(string text, double importance, string tag, int order, params string[] more) =>
            new(text, importance, [tag, CarriedTag, .. more], "semantic", at.AddMilliseconds(order));
        var order = 0;
        yield return Carried(summary.UserGoal, 0.85, Summaries.SummaryTags.CustomerGoal, order++);
        foreach (var step in summary.Tried)
        {
            yield return Carried(step.Action, 0.8, Summaries.SummaryTags.AttemptedResolution, order++);
            if (step.Outcome.Length > 0) yield return Carried(step.Outcome, 0.8, Summaries.SummaryTags.Outcome, order++);
        }
        if (summary.Sentiment is { Label.Length: > 0 } mood && !mood.Label.StartsWith("neutral", StringComparison.OrdinalIgnoreCase))
            yield return Carried(mood.Evidence.Length > 0 ? mood.Evidence : mood.Label, 0.8, Summaries.SummaryTags.Sentiment, order, $"{Summaries.SummaryTags.SentimentPrefix}{mood.Label}");
    }

    /// <summary>A caller's summary, held to the same rules: urgency is the request's, lists may be left out.</summary>
    private static SummaryDraft CallerDraft(StructuredSummary given, CompositionInput input)
    {
        var summary = given with
        {
            Urgency = input.Urgency,
            Tried = given.Tried ?? [],
            Commitments = given.Commitments ?? [],
            HandoffChain = given.HandoffChain ?? [],
        };
        var rendered = SummaryRenderer.Render(summary);
        return new SummaryDraft(summary, rendered, SummaryValidator.Validate(summary, rendered, input.Expectations), CallerGenerator, null, [], 0);
    }

    /// <summary>The summary memory's tags (API.md §2), plus the customer so recall can scope to them.</summary>
    private static IReadOnlyList<string> SummaryTags(EscalationRequest request, CaseRead @case)
    {
        List<string> tags = [SummaryTag, SessionSummaryTag, $"priority:{request.Urgency.ToWire()}", $"target:{request.Target}"];
        if (@case.Input.Channel is { } channel) tags.Add($"{Summaries.SummaryTags.ChannelPrefix}{channel}");
        if (@case.CustomerId is { } customer) tags.Add($"customer:{customer}");
        return tags;
    }

    /// <summary>What the caller should know: the composer's notes, why the model's draft was not used, parallel cases.</summary>
    private static IReadOnlyList<SummaryFinding> Warnings(SummaryDraft draft, IReadOnlyList<ParallelCase> parallel)
    {
        var warnings = new List<SummaryFinding>(draft.Notes);
        if (draft.FallbackReason is { } why)
            warnings.Add(new(WarningCodes.LlmFallback, $"the extractive composer wrote this summary because {why}"));
        warnings.AddRange(parallel.Select(p => new SummaryFinding(WarningCodes.ParallelCase,
            $"the customer has another open case: {p.HandoffId} on {p.Channel ?? "an unknown channel"} ({p.Status}, {p.Target})")));
        return warnings;
    }

    /// <summary>A refused summary leaves no handoff, but analytics count validation failures, so the refusal is recorded.</summary>
    private Task RecordRejectionAsync(EscalationRequest request, SummaryDraft draft, CancellationToken ct) =>
        database.WriteAsync(async (connection, tx) =>
        {
            await HandoffRecords.AddEventAsync(connection, tx, HandoffEventKind.NoHandoff, HandoffEventKind.Rejected, NowMs, request.AgentId,
                new { source_session_id = request.SourceSessionId, generator = draft.Generator, codes = draft.Report.Failures.Select(f => f.Code) }, ct);
            return 0;
        }, ct);

    private static string? Meta(Session session, string key) =>
        session.Metadata?[key] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
}
