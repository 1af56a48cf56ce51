using System.Diagnostics;
using AgentDesk.Core;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Api;

/// <summary>Dakera's memory surface: store, recall, search, get, update, forget, importance, batches.</summary>
public static class MemoryApi
{
    public static void MapMemoryApi(this IEndpointRouteBuilder v1)
    {
        var memory = v1.MapGroup("/memory");
        memory.MapPost("/store", StoreAsync).RequireScope(Scopes.Write);
        memory.MapPost("/recall", async (HttpContext http, RecallService recall, ApiLimits limits) =>
            await RecallAsync(http, recall, await limits.ReadAsync(http), queryRequired: true)).RequireScope(Scopes.Read);
        memory.MapGet("/recall", (HttpContext http, RecallService recall) =>
            RecallAsync(http, recall, new QueryArgs(http.Request.Query), queryRequired: true)).RequireScope(Scopes.Read);
        memory.MapPost("/search", async (HttpContext http, RecallService recall, ApiLimits limits) =>
            await RecallAsync(http, recall, await limits.ReadAsync(http), queryRequired: false)).RequireScope(Scopes.Read);
        memory.MapGet("/get/{id}", GetAsync).RequireScope(Scopes.Read);
        memory.MapPut("/update/{id}", UpdateAsync).RequireScope(Scopes.Write);
        memory.MapPost("/forget", ForgetAsync).RequireScope(Scopes.Write);
        memory.MapPost("/importance", ImportanceAsync).RequireScope(Scopes.Write);

        var batch = v1.MapGroup("/memories");
        batch.MapPost("/store/batch", StoreBatchAsync).RequireScope(Scopes.Write);
        batch.MapPost("/recall/batch", RecallBatchAsync).RequireScope(Scopes.Read);
        batch.MapDelete("/forget/batch", ForgetBatchAsync).RequireScope(Scopes.Write);
    }

    private static async Task<IResult> StoreAsync(HttpContext http, MemoryStore store, ApiLimits limits, TimeProvider time)
    {
        var body = await limits.ReadAsync(http);
        var agentId = http.Caller().EnsureAgent(MemoryRules.AgentId(body.String("agent_id")));
        var input = ParseNewMemory(body, agentId, time);
        var (stored, created, embeddingTime) = await store.StoreAsync(input, http.RequestAborted);
        var result = new { memory = stored, embedding_time_ms = (long)embeddingTime.TotalMilliseconds };
        return created ? ApiJson.Created(result) : ApiJson.Ok(result);
    }

    private static async Task<IResult> StoreBatchAsync(HttpContext http, MemoryStore store, ApiLimits limits, TimeProvider time)
    {
        var body = await limits.ReadAsync(http);
        var agentId = http.Caller().EnsureAgent(MemoryRules.AgentId(body.String("agent_id")));
        var items = body.ObjectList("memories") ?? throw DeskException.Invalid("'memories' is required: an array of 1–1000 memories");
        if (items.Count is 0 or > MemoryRules.MaxBatchItems)
            throw DeskException.Invalid($"'memories' must hold 1–{MemoryRules.MaxBatchItems} items, not {items.Count}");
        var inputs = items.Select(item => ParseNewMemory(item, agentId, time)).ToList();
        var stopwatch = Stopwatch.StartNew();
        var (stored, embeddingTime) = await store.StoreBatchAsync(inputs, http.RequestAborted);
        return ApiJson.Created(new
        {
            stored = stored.Select(m => new { m.Id, m.Content, m.AgentId, m.Tags, m.Importance, m.CreatedAt }),
            stored_count = stored.Count,
            total_embedding_time_ms = (long)embeddingTime.TotalMilliseconds,
            total_time_ms = stopwatch.ElapsedMilliseconds,
        });
    }

    private static async Task<IResult> RecallAsync(HttpContext http, RecallService recall, Args args, bool queryRequired)
    {
        var agentId = http.Caller().EnsureAgent(MemoryRules.AgentId(args.String("agent_id")));
        var query = args.String("query");
        if (queryRequired && string.IsNullOrWhiteSpace(query)) throw DeskException.Invalid("'query' is required");
        var routing = args.String("routing")?.ToLowerInvariant() ?? Routing.Auto;
        if (!Routing.All.Contains(routing))
            throw DeskException.Invalid($"'routing' must be one of {string.Join(", ", Routing.All)}, not '{routing}'");
        if (query is { Length: > MemoryRules.MaxContentChars }) throw DeskException.Invalid($"'query' must be at most {MemoryRules.MaxContentChars:N0} characters");

        var request = new RecallRequest
        {
            Filter = new MemoryFilter
            {
                AgentId = agentId,
                MemoryType = args.String("memory_type") is { } type ? MemoryRules.MemoryType(type) : null,
                MinImportance = args.Number("min_importance") is { } min ? MemoryRules.Importance(min, "min_importance") : null,
                SessionId = args.String("session_id"),
                Tags = MemoryRules.Tags(args.StringList("tags") ?? []),
                SinceMs = args.TimeMs("since"),
                UntilMs = args.TimeMs("until"),
            },
            Query = query ?? "",
            TopK = MemoryRules.TopK(args.Int("top_k", 1, MemoryRules.MaxTopK) ?? 5),
            Routing = routing,
            Explain = args.Bool("explain") ?? false,
        };
        var result = await recall.RecallAsync(request, http.RequestAborted);
        var items = result.Hits.Select(h => new
        {
            memory = h.Memory,
            score = Math.Round(h.Score, 6),
            smart_score = Math.Round(h.SmartScore, 6),
            text_score = h.TextScore is { } t ? Math.Round(t, 6) : (double?)null,
            vector_score = h.VectorScore is { } v ? Math.Round(v, 6) : (double?)null,
            explain = h.Explanation,
        }).ToList();
        return ApiJson.Ok(new { memories = items, results = items, total_found = items.Count, explain = result.Explanation });
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, MemoryStore store)
    {
        var agentId = new QueryArgs(http.Request.Query).String("agent_id");
        var memory = await store.GetAsync(id, http.RequestAborted);
        if (memory is null || (agentId is not null && memory.AgentId != agentId))
            throw DeskException.NotFound($"memory '{id}' not found");
        http.Caller().EnsureAgent(memory.AgentId);
        return ApiJson.Ok(memory);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext http, MemoryStore store, ApiLimits limits)
    {
        var body = await limits.ReadAsync(http);
        var agentId = body.String("agent_id") ?? new QueryArgs(http.Request.Query).String("agent_id");
        var patch = new MemoryPatch
        {
            Content = body.String("content") is { } content ? MemoryRules.Content(content) : null,
            Metadata = body.Object("metadata"),
            MemoryType = body.String("memory_type") is { } type ? MemoryRules.MemoryType(type) : null,
            Importance = body.Number("importance") is { } importance ? MemoryRules.Importance(importance) : null,
            Tags = body.StringList("tags") is { } tags ? MemoryRules.Tags(tags) : null,
        };
        // The owner is checked before the write: SDKs that send no agent_id are authorised by the memory's agent.
        var current = await store.GetAsync(id, http.RequestAborted);
        if (current is null || (agentId is not null && current.AgentId != agentId)) throw DeskException.NotFound($"memory '{id}' not found");
        http.Caller().EnsureAgent(current.AgentId);
        return ApiJson.Ok(new { memory = await store.UpdateAsync(id, current.AgentId, patch, http.RequestAborted) });
    }

    private static async Task<IResult> ForgetAsync(HttpContext http, MemoryStore store, ApiLimits limits)
    {
        var body = await limits.ReadAsync(http);
        var agentId = http.Caller().EnsureAgent(MemoryRules.AgentId(body.String("agent_id")));
        // Empty arrays count as absent (one SDK always sends both lists); given predicates must all match.
        var ids = body.StringList("memory_ids") is { Count: > 0 } list ? list : null;
        var tags = MemoryRules.Tags(body.StringList("tags") ?? []);
        var sessionId = body.String("session_id");
        if (ids is null && tags.Count == 0 && sessionId is null)
            throw DeskException.Invalid("say what to forget: 'memory_ids', 'tags' or 'session_id'");
        if (ids is { Count: > MemoryRules.MaxBatchItems }) throw DeskException.Invalid($"'memory_ids' may hold at most {MemoryRules.MaxBatchItems} ids");
        var deleted = await store.DeleteAsync(new MemoryFilter { AgentId = agentId, Ids = ids, Tags = tags, SessionId = sessionId }, http.RequestAborted);
        return ApiJson.Ok(new { status = "ok", deleted_count = deleted });
    }

    private static async Task<IResult> ImportanceAsync(HttpContext http, MemoryStore store, ApiLimits limits)
    {
        var body = await limits.ReadAsync(http);
        var agentId = http.Caller().EnsureAgent(MemoryRules.AgentId(body.String("agent_id")));
        var memoryId = body.RequiredString("memory_id");
        var importance = MemoryRules.Importance(body.Number("importance") ?? throw DeskException.Invalid("'importance' is required"));
        if (!await store.SetImportanceAsync(agentId, memoryId, importance, http.RequestAborted))
            throw DeskException.NotFound($"memory '{memoryId}' not found for agent '{agentId}'");
        return ApiJson.Ok(new { status = "ok", memory_id = memoryId, importance });
    }

    private static async Task<IResult> RecallBatchAsync(HttpContext http, MemoryStore store, ApiLimits limits)
    {
        var body = await limits.ReadAsync(http);
        var agentId = http.Caller().EnsureAgent(MemoryRules.AgentId(body.String("agent_id")));
        var filter = ParseFilter(body.Child("filter"), agentId);
        var limit = body.Int("limit", 1, 10_000) ?? 100;
        var memories = await store.ListAsync(filter, limit, 0, MemoryStore.Order.Newest, http.RequestAborted);
        var filtered = await store.CountAsync(filter, http.RequestAborted);
        var total = await store.CountAsync(new MemoryFilter { AgentId = agentId }, http.RequestAborted);
        return ApiJson.Ok(new { memories, total, filtered, truncated = filtered > memories.Count });
    }

    private static async Task<IResult> ForgetBatchAsync(HttpContext http, MemoryStore store, ApiLimits limits)
    {
        var body = await limits.ReadAsync(http);
        var agentId = http.Caller().EnsureAgent(MemoryRules.AgentId(body.String("agent_id")));
        var filter = ParseFilter(body.Child("filter"), agentId);
        if (!filter.HasPredicateBeyondAgent)
            throw DeskException.Invalid("'filter' needs at least one predicate; forgetting a whole agent by accident is not allowed");
        return ApiJson.Ok(new { deleted_count = await store.DeleteAsync(filter, http.RequestAborted) });
    }

    private static MemoryFilter ParseFilter(JsonArgs? filter, string agentId) => filter is null
        ? new MemoryFilter { AgentId = agentId }
        : new MemoryFilter
        {
            AgentId = agentId,
            Tags = MemoryRules.Tags(filter.StringList("tags") ?? [], "filter.tags"),
            MinImportance = filter.Number("min_importance") is { } min ? MemoryRules.Importance(min, "filter.min_importance") : null,
            MaxImportance = filter.Number("max_importance") is { } max ? MemoryRules.Importance(max, "filter.max_importance") : null,
            SinceMs = filter.TimeMs("created_after"),
            UntilMs = filter.TimeMs("created_before"),
            MemoryType = filter.String("memory_type") is { } type ? MemoryRules.MemoryType(type, "filter.memory_type") : null,
            SessionId = filter.String("session_id"),
        };

    private static NewMemory ParseNewMemory(JsonArgs item, string agentId, TimeProvider time)
    {
        if (item.String("agent_id") is { } own && own != agentId)
            throw DeskException.Invalid($"an item's 'agent_id' ('{own}') differs from the request's ('{agentId}')");
        var ttl = item.Number("ttl_seconds");
        if (ttl is <= 0 or > 315_360_000) throw DeskException.Invalid("'ttl_seconds' must be a positive number of seconds (at most ten years)");
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var expiresAt = item.TimeMs("expires_at") ?? (ttl is { } seconds ? nowMs + (long)(seconds * 1000) : null);
        if (expiresAt <= nowMs) throw DeskException.Invalid("'expires_at' is in the past: the memory would never be visible");
        return new NewMemory
        {
            Id = item.String("id") is { } id ? MemoryRules.ClientId(id, "id") : null,
            AgentId = agentId,
            Content = MemoryRules.Content(item.String("content")),
            MemoryType = item.String("memory_type") is { } type ? MemoryRules.MemoryType(type) : MemoryTypes.Episodic,
            Importance = item.Number("importance") is { } importance ? MemoryRules.Importance(importance) : 0.5,
            Tags = MemoryRules.Tags(item.StringList("tags") ?? []),
            SessionId = item.String("session_id"),
            Metadata = item.Object("metadata"),
            ExpiresAtMs = expiresAt,
            // Not in Dakera's contract: lets imports and benchmarks keep the original time of a memory.
            CreatedAtMs = item.TimeMs("created_at"),
            Embedding = item.NumberList("embedding") is { } embedding ? MemoryRules.Embedding(embedding) : null,
        };
    }
}
