using System.Security.Cryptography;
using System.Text;
using AgentDesk.Core;
using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Summaries;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Api;

/// <summary>The desk API of API.md §2: escalate, list, read, claim, context, connect, resolve, escalate further, merge, batch, draft.</summary>
public static class HandoffsApi
{
    public static void MapHandoffsApi(this IEndpointRouteBuilder v1)
    {
        var handoffs = v1.MapGroup("/handoffs");
        handoffs.MapPost("/", EscalateAsync).RequireScope(Scopes.Handoffs, Scopes.Write);
        handoffs.MapGet("/", ListAsync).RequireScope(Scopes.Handoffs, Scopes.Read);
        handoffs.MapPost("/batch", BatchAsync).RequireScope(Scopes.Handoffs);
        handoffs.MapGet("/{id}", async (string id, HttpContext http, HandoffQueue queue) =>
        {
            var handoff = await VisibleAsync(id, http, queue);
            return ApiJson.Ok(new { handoff, events = await queue.EventsAsync(id, http.RequestAborted) });
        }).RequireScope(Scopes.Handoffs, Scopes.Read);
        handoffs.MapGet("/{id}/context", ContextAsync).RequireScope(Scopes.Handoffs, Scopes.Read);
        handoffs.MapPost("/{id}/claim", (string id, HttpContext http, HandoffQueue queue, ApiLimits limits) =>
            ActAsync(id, http, limits, (agentId, _) => queue.ClaimAsync(id, agentId, http.RequestAborted))).RequireScope(Scopes.Handoffs);
        handoffs.MapPost("/{id}/connect", (string id, HttpContext http, HandoffQueue queue, ApiLimits limits) =>
            ActAsync(id, http, limits, (agentId, _) => queue.ConnectAsync(id, agentId, http.RequestAborted))).RequireScope(Scopes.Handoffs);
        handoffs.MapPost("/{id}/resolve", (string id, HttpContext http, HandoffQueue queue, ApiLimits limits) =>
            ActAsync(id, http, limits, (agentId, body) => queue.ResolveAsync(id, agentId,
                body.String("resolution_note") is { } note ? HandoffRules.Text(note, "resolution_note", HandoffRules.MaxNoteChars) : null,
                body.Bool("customer_repeated_themselves"), http.RequestAborted))).RequireScope(Scopes.Handoffs);
        handoffs.MapPost("/{id}/escalate", EscalateFurtherAsync).RequireScope(Scopes.Handoffs);
        handoffs.MapPost("/{id}/merge", MergeAsync).RequireScope(Scopes.Handoffs);

        v1.MapPost("/summaries/draft", DraftAsync).RequireScope(Scopes.Handoffs, Scopes.Read);
    }

    private static async Task<IResult> EscalateAsync(HttpContext http, HandoffQueue queue, ApiLimits limits)
    {
        var body = await limits.ReadAsync(http);
        var request = ReadEscalation(body, http, sourceSessionId: null);
        http.Caller().EnsureAgent(request.AgentId);
        return Escalated(await queue.EscalateAsync(request, ct: http.RequestAborted));
    }

    private static async Task<IResult> EscalateFurtherAsync(string id, HttpContext http, HandoffQueue queue, ApiLimits limits)
    {
        var body = await limits.ReadAsync(http);
        // The source is the session the claim opened for the agent; the queue fills it in.
        var request = ReadEscalation(body, http, sourceSessionId: "");
        http.Caller().EnsureAgent(request.AgentId);
        return Escalated(await queue.EscalateFurtherAsync(id, request, http.RequestAborted));
    }

    /// <summary>The answer to an escalation: 201 with the new handoff, 200 when an idempotency key replayed an earlier one.</summary>
    internal static IResult Escalated(EscalationResult result)
    {
        var h = result.Handoff;
        var answer = new
        {
            handoff_id = h.Id,
            summary_memory_id = h.SummaryMemoryId,
            source_session_id = h.SourceSessionId,
            chain_depth = h.ChainDepth,
            word_count = h.WordCount,
            warnings = h.Warnings,
            status = h.Status,
            summary_source = h.SummarySource,
            generator = h.Generator,
            fallback_reason = h.FallbackReason,
            replayed = result.Replayed,
            handoff = h,
        };
        return result.Replayed ? ApiJson.Ok(answer) : ApiJson.Created(answer);
    }

    private static async Task<IResult> ListAsync(HttpContext http, HandoffQueue queue)
    {
        var query = new QueryArgs(http.Request.Query);
        var status = query.String("status");
        if (status is not null && !HandoffStatus.Listable.Contains(status))
            throw DeskException.Invalid($"'status' must be one of {string.Join(", ", HandoffStatus.Listable)}, not '{status}'");
        var handoffs = await queue.ListAsync(new HandoffQuery
        {
            Status = status,
            Queue = query.String("queue") is { } q ? HandoffRules.Name(q, "queue", HandoffRules.MaxQueueChars) : null,
            TargetAgent = query.String("target_agent") is { } a ? MemoryRules.AgentId(a, "target_agent") : null,
            Urgency = query.String("urgency") is { } u ? ReadUrgency(u) : null,
            CustomerId = query.String("customer_id") is { } c ? HandoffRules.Name(c, "customer_id", HandoffRules.MaxCustomerIdChars) : null,
            VisibleTo = http.Caller().AgentIds,
            Limit = query.Int("limit", 1, 1000) ?? 100,
        }, http.RequestAborted);
        return ApiJson.Ok(new { handoffs, count = handoffs.Count });
    }

    private static async Task<IResult> ContextAsync(string id, HttpContext http, HandoffQueue queue)
    {
        var agentId = new QueryArgs(http.Request.Query).String("agent_id") is { } a ? http.Caller().EnsureAgent(MemoryRules.AgentId(a)) : null;
        var context = await queue.RecallContextAsync(id, agentId, h => EnsureVisible(http.Caller(), h), http.RequestAborted);
        return ApiJson.Ok(new
        {
            handoff = context.Handoff,
            summary = context.SummaryMemory,
            memories = context.Memories.Select(h => new { memory = h.Memory, score = h.Score, smart_score = h.SmartScore }),
            chain = context.Handoff.Chain,
            open_commitments = context.Handoff.Summary.Commitments,
            parallel_cases = context.Handoff.ParallelCases,
            earlier_handoffs = context.EarlierHandoffs.Select(h => new { h.Id, h.SourceSessionId, h.SourceAgentId, target = h.Target, h.Reason, h.Status }),
            merged_cases = context.MergedCases.Select(h => new { h.Id, h.SourceSessionId, h.SourceAgentId, h.Channel, h.Reason, h.SummaryText, h.MergedAt }),
            recall_ms = context.RecallMs,
            summary_recalled = context.SummaryRecalled,
            recall_recorded = context.Handoff.RecallDoneAt is not null,
        });
    }

    /// <summary>A lifecycle step taken by the agent named in the body (<c>agent_id</c>), answering the handoff as it now is.</summary>
    private static async Task<IResult> ActAsync(string id, HttpContext http, ApiLimits limits, Func<string, JsonArgs, Task<Handoff>> act)
    {
        var body = await limits.ReadAsync(http);
        var agentId = http.Caller().EnsureAgent(MemoryRules.AgentId(body.String("agent_id")));
        return ApiJson.Ok(new { handoff = await act(agentId, body) });
    }

    private static async Task<IResult> BatchAsync(HttpContext http, HandoffQueue queue, ApiLimits limits, ILogger<HandoffQueue> logger)
    {
        var body = await limits.ReadAsync(http);
        var cases = body.ObjectList("cases") ?? body.ObjectList("handoffs")
            ?? throw DeskException.Invalid($"'cases' is required: an array of 1–{HandoffRules.MaxBatchCases} cases");
        if (cases.Count is 0 or > HandoffRules.MaxBatchCases)
            throw DeskException.Invalid($"'cases' must hold 1–{HandoffRules.MaxBatchCases} cases, not {cases.Count}");
        var caller = http.Caller();
        var items = new List<BatchItem>(cases.Count);
        foreach (var (item, index) in cases.Select((item, index) => (item, index)))
        {
            try
            {
                if (item.String("handoff_id") is not { } handoffId)
                {
                    var request = ReadEscalation(item, http, sourceSessionId: null);
                    caller.EnsureAgent(request.AgentId);
                    items.Add(new BatchItem(index, Escalation: request));
                    continue;
                }
                // A restricted key moves only what it may see, and acts for a case's agent only if it is one of its own.
                if (caller.AgentIds is not null && await queue.GetAsync(handoffId, http.RequestAborted) is { } handoff)
                {
                    EnsureVisible(caller, handoff);
                    if (handoff.ClaimedBy is { } claimant) caller.EnsureAgent(claimant);
                }
                var (targetQueue, targetAgent) = ReadTarget(item);
                items.Add(new BatchItem(index, Move: new ShiftMove(handoffId, targetQueue, targetAgent,
                    item.String("urgency") is { } u ? ReadUrgency(u) : null,
                    item.String("reason") is { } r ? HandoffRules.Text(r, "reason", HandoffRules.MaxReasonChars) : null)));
            }
            catch (DeskException e)
            {
                items.Add(new BatchItem(index, Invalid: e));
            }
        }
        var outcomes = await queue.BatchAsync(items, caller.Name, ct: http.RequestAborted);
        foreach (var failed in outcomes.Where(o => o.Error?.Status >= 500))
            logger.LogError("batch handoff case {Index} failed: {Message}", failed.Index, failed.Error!.Message);
        var results = outcomes.Select(o => new
        {
            index = o.Index,
            ok = o.Error is null,
            outcome = o.Outcome,
            handoff_id = o.Handoff?.Id,
            queue = o.Handoff?.QueueKey,
            urgency = o.Handoff?.Urgency,
            error = o.Error is { } e ? ApiJson.ErrorBody(e) : null,
        }).ToList();
        return ApiJson.Ok(new { results, succeeded = results.Count(r => r.ok), failed = results.Count(r => !r.ok) });
    }

    /// <summary>A supervisor's merge of a customer's parallel case into another of their open cases (<c>{into}</c>).</summary>
    private static async Task<IResult> MergeAsync(string id, HttpContext http, HandoffQueue queue, ApiLimits limits)
    {
        var caller = http.Caller();
        caller.EnsureUnrestricted("merging cases is a supervisor's action: it needs a key that is not restricted to agents");
        var body = await limits.ReadAsync(http);
        var into = body.RequiredString("into");
        return ApiJson.Ok(new { handoff = await queue.MergeAsync(id, into, caller.Name, http.RequestAborted) });
    }

    private static async Task<IResult> DraftAsync(HttpContext http, HandoffQueue queue, ApiLimits limits, SessionStore sessions)
    {
        var body = await limits.ReadAsync(http);
        var sessionId = body.RequiredString("session_id");
        var session = await sessions.GetAsync(sessionId, http.RequestAborted) ?? throw DeskException.NotFound($"session '{sessionId}' not found");
        http.Caller().EnsureAgent(session.AgentId);
        var (targetQueue, targetAgent) = body.Has("target_queue") || body.Has("target_agent") ? ReadTarget(body) : (null, null);
        var result = await queue.DraftAsync(sessionId, targetQueue ?? targetAgent,
            body.String("reason") is { } r ? HandoffRules.Text(r, "reason", HandoffRules.MaxReasonChars) : null,
            body.String("urgency") is { } u ? ReadUrgency(u) : Urgency.Normal,
            body.String("channel") is { } c ? HandoffRules.Name(c, "channel", HandoffRules.MaxChannelChars) : null, http.RequestAborted);
        var draft = result.Draft;
        return ApiJson.Ok(new
        {
            summary = draft.Summary,
            rendered = draft.Rendered,
            word_count = draft.Report.WordCount,
            validation = new { valid = draft.Report.IsValid, failures = draft.Report.Failures },
            generator = draft.Generator,
            fallback_reason = draft.FallbackReason,
            model_attempts = draft.ModelAttempts,
            notes = draft.Notes,
            chain_depth = result.ChainDepth,
            channel = result.Channel,
            customer_id = result.CustomerId,
        });
    }

    /// <summary>
    /// Reads an escalation, listing every problem at once (a bot fixing its request should not discover them one
    /// by one). <paramref name="sourceSessionId"/> is given when the route supplies it (<c>/escalate</c>, a thread's handoff).
    /// </summary>
    internal static EscalationRequest ReadEscalation(JsonArgs body, HttpContext http, string? sourceSessionId)
    {
        var failures = new List<SummaryFinding>();
        T? Field<T>(Func<T> read)
        {
            try { return read(); }
            catch (DeskException e)
            {
                failures.Add(new SummaryFinding("INVALID_FIELD", e.Message));
                return default;
            }
        }
        bool Present(params string[] names)
        {
            if (names.Any(body.Has)) return true;
            failures.Add(new SummaryFinding("MISSING_FIELD", $"'{string.Join("' or '", names)}' is required"));
            return false;
        }
        var session = sourceSessionId ?? (Present("source_session_id") ? Field(() => body.RequiredString("source_session_id")) : null);
        var agentId = Present("agent_id") ? Field(() => MemoryRules.AgentId(body.String("agent_id"))) : null;
        var (targetQueue, targetAgent) = Present("target_queue", "target_agent") ? Field(() => ReadTarget(body)) : default;
        var reason = Present("reason") ? Field(() => HandoffRules.Text(body.String("reason"), "reason", HandoffRules.MaxReasonChars)) : null;
        var urgency = Field(() => body.String("urgency") is { } u ? ReadUrgency(u) : Urgency.Normal);
        var channel = Field(() => body.String("channel") is { } c ? HandoffRules.Name(c, "channel", HandoffRules.MaxChannelChars) : null);
        var customerId = Field(() => body.String("customer_id") is { } c ? HandoffRules.Name(c, "customer_id", HandoffRules.MaxCustomerIdChars) : null);
        var summary = Field(() => body.Read<StructuredSummary>("summary", SummaryJson.Options));
        var generate = Field(() => body.Bool("generate"));
        if (summary is not null && generate == true)
            failures.Add(new("INVALID_FIELD", "send either 'summary' or 'generate: true', not both"));
        var key = Field(() => IdempotencyKey(http));
        if (failures.Count > 0 && summary is not null)
        {
            // The case-dependent checks (chain, commitments) need a readable request; the summary's own ones do not.
            var own = SummaryValidator.Validate(summary with { Urgency = urgency, Tried = summary.Tried ?? [], Commitments = summary.Commitments ?? [], HandoffChain = [] },
                SummaryExpectations.None);
            failures.AddRange(own.Failures);
        }
        if (failures.Count > 0) throw DeskException.Invalid("the handoff request is invalid", failures);
        return new EscalationRequest
        {
            SourceSessionId = session!,
            AgentId = agentId!,
            TargetQueue = targetQueue,
            TargetAgent = targetAgent,
            Reason = reason!,
            Urgency = urgency,
            Channel = channel,
            CustomerId = customerId,
            Summary = summary,
            // Keys are per API key: two tenants choosing the same key never collide.
            IdempotencyKey = key is null ? null : $"{http.Caller().KeyId}:{key}",
            RequestHash = key is null ? null : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{http.Request.Path}\n{body.RawText}"))),
        };
    }

    private static (string? Queue, string? Agent) ReadTarget(JsonArgs body)
    {
        var queue = body.String("target_queue") is { } q ? HandoffRules.Name(q, "target_queue", HandoffRules.MaxQueueChars) : null;
        var agent = body.String("target_agent") is { } a ? MemoryRules.AgentId(a, "target_agent") : null;
        return (queue, agent) switch
        {
            (null, null) => throw DeskException.Invalid("'target_queue' or 'target_agent' is required"),
            (not null, not null) => throw DeskException.Invalid("send either 'target_queue' or 'target_agent', not both"),
            _ => (queue, agent),
        };
    }

    private static Urgency ReadUrgency(string value) =>
        Urgencies.TryParse(value, out var urgency) ? urgency
            : throw DeskException.Invalid($"'urgency' must be one of {string.Join(", ", Urgencies.All)}, not '{value}'");

    private static string? IdempotencyKey(HttpContext http)
    {
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length == 0) return null;
        return key.Length <= 200 && key.All(c => c is > ' ' and < '\u007f')
            ? key
            : throw DeskException.Invalid("the Idempotency-Key header must be 1–200 printable ASCII characters");
    }

    /// <summary>The handoff, if this key may see it (see <see cref="EnsureVisible"/>).</summary>
    private static async Task<Handoff> VisibleAsync(string id, HttpContext http, HandoffQueue queue)
    {
        var handoff = await queue.GetAsync(id, http.RequestAborted) ?? throw DeskException.NotFound($"handoff '{id}' not found");
        EnsureVisible(http.Caller(), handoff);
        return handoff;
    }

    /// <summary>Unrestricted keys see every handoff; a restricted one its agents' cases (as source, claimant or target) and the open queue.</summary>
    private static void EnsureVisible(ApiCaller caller, Handoff handoff)
    {
        if (caller.AgentIds is { } agents && handoff.Status != HandoffStatus.Queued
            && !agents.Contains(handoff.SourceAgentId) && !(handoff.ClaimedBy is { } c && agents.Contains(c))
            && !(handoff.TargetAgent is { } t && agents.Contains(t)))
            throw DeskException.AgentDenied(handoff.ClaimedBy ?? handoff.SourceAgentId);
    }
}
