using AgentDesk.Core;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Summaries;
using AgentDesk.Core.Threads;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Api;

/// <summary>
/// The thread rows of API.md §2: upsert turns by id, resume a thread (<c>?turns=true</c> adds every turn, oldest
/// first), query it, and raise a handoff from it. A key restricted to agents reaches a thread only if it may reach
/// the thread's owning agent (<c>agent_id</c> in the state).
/// </summary>
public static class ThreadsApi
{
    public static void MapThreadsApi(this IEndpointRouteBuilder v1)
    {
        var threads = v1.MapGroup("/threads");
        threads.MapPut("/{name}/turns", UpsertAsync).RequireScope(Scopes.Write);
        threads.MapGet("/{name}", GetAsync).RequireScope(Scopes.Read);
        threads.MapPost("/{name}/query", QueryAsync).RequireScope(Scopes.Read);
        threads.MapPost("/{name}/handoffs", RaiseHandoffAsync).RequireScope(Scopes.Handoffs);
    }

    /// <summary>
    /// <c>{turns:[{id, text, channel, role?, at?}], agent_id?}</c> → <c>{thread, results:[{id, outcome}], created, updated, unchanged}</c>.
    /// Every turn is checked first: one bad turn refuses the whole batch (400 listing each problem), storing nothing.
    /// </summary>
    private static async Task<IResult> UpsertAsync(string name, HttpContext http, ThreadStore threads, ApiLimits limits)
    {
        ThreadRules.Name(name);
        var body = await limits.ReadAsync(http);
        var agentId = body.String("agent_id") is { } a ? MemoryRules.AgentId(a) : null;
        var turns = ReadTurns(body);
        var caller = http.Caller();
        var result = await threads.UpsertAsync(name, agentId, turns, owner => caller.EnsureAgent(owner), http.RequestAborted);
        int Count(string outcome) => result.Outcomes.Count(o => o.Outcome == outcome);
        return ApiJson.Ok(new
        {
            thread = result.Thread,
            results = result.Outcomes,
            created = Count(TurnOutcomes.Created),
            updated = Count(TurnOutcomes.Updated),
            unchanged = Count(TurnOutcomes.Unchanged),
        });
    }

    private static async Task<IResult> GetAsync(string name, HttpContext http, ThreadStore threads)
    {
        ThreadRules.Name(name);
        var withTurns = new QueryArgs(http.Request.Query).Bool("turns") ?? false;
        var thread = await threads.GetAsync(name, withTurns, http.RequestAborted) ?? throw DeskException.NotFound($"thread '{name}' not found");
        http.Caller().EnsureAgent(thread.AgentId);
        return ApiJson.Ok(thread);
    }

    /// <summary><c>{query, top_k?}</c> → <c>{turns:[{id, score, text, channel, role, at, memory_id}]}</c>, best first; <c>score</c> is recall's rank key.</summary>
    private static async Task<IResult> QueryAsync(string name, HttpContext http, ThreadStore threads, ApiLimits limits)
    {
        ThreadRules.Name(name);
        var body = await limits.ReadAsync(http);
        var query = body.String("query");
        if (string.IsNullOrWhiteSpace(query)) throw DeskException.Invalid("'query' is required");
        if (query.Length > MemoryRules.MaxContentChars) throw DeskException.Invalid($"'query' must be at most {MemoryRules.MaxContentChars:N0} characters");
        var topK = body.Int("top_k", 1, ThreadRules.MaxTopK) ?? 5;
        var caller = http.Caller();
        var hits = await threads.QueryAsync(name, query, topK, owner => caller.EnsureAgent(owner), http.RequestAborted);
        return ApiJson.Ok(new
        {
            turns = hits.Select(h => new { h.Turn.Id, score = Math.Round(h.Score, 6), h.Turn.Text, h.Turn.Channel, h.Turn.Role, h.Turn.At, h.Turn.MemoryId }),
        });
    }

    /// <summary>The escalation fields of <c>POST /v1/handoffs</c> without <c>source_session_id</c>: the thread's current leg is the source.</summary>
    private static async Task<IResult> RaiseHandoffAsync(string name, HttpContext http, ThreadStore threads, ApiLimits limits)
    {
        ThreadRules.Name(name);
        var body = await limits.ReadAsync(http);
        var request = HandoffsApi.ReadEscalation(body, http, sourceSessionId: "");
        var caller = http.Caller();
        caller.EnsureAgent(request.AgentId);
        return HandoffsApi.Escalated(await threads.RaiseHandoffAsync(name, request, owner => caller.EnsureAgent(owner), http.RequestAborted));
    }

    /// <summary>Reads every turn, listing each problem (a client fixing its batch should not discover them one by one).</summary>
    private static IReadOnlyList<TurnInput> ReadTurns(JsonArgs body)
    {
        var items = body.ObjectList("turns") ?? throw DeskException.Invalid($"'turns' is required: an array of 1–{ThreadRules.MaxTurnsPerUpsert} turns");
        if (items.Count is 0 or > ThreadRules.MaxTurnsPerUpsert)
            throw DeskException.Invalid($"'turns' must hold 1–{ThreadRules.MaxTurnsPerUpsert} turns, not {items.Count}");
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
        var turns = new List<TurnInput>(items.Count);
        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var id = Field(() => MemoryRules.ClientId(item.String("id") ?? "", $"turns[{i}].id"));
            var text = Field(() => MemoryRules.Content(item.String("text"), $"turns[{i}].text"));
            var channel = Field(() => ThreadRules.Channel(item.String("channel") ?? "", $"turns[{i}].channel"));
            var role = Field(() => item.String("role") is { } r ? ThreadRules.Role(r, $"turns[{i}].role") : null);
            var at = Field(() => item.TimeMs("at"));
            if (id is not null && !firstIndex.TryAdd(id, i))
                failures.Add(new SummaryFinding("INVALID_FIELD", $"'turns[{i}].id' repeats turns[{firstIndex[id]}].id '{id}': send each turn once"));
            if (id is not null && text is not null && channel is not null) turns.Add(new TurnInput(id, text, channel, role, at));
        }
        if (failures.Count > 0) throw DeskException.Invalid("the turns are invalid", failures);
        return turns;
    }
}
