using AgentDesk.Core;
using AgentDesk.Core.Memory;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Api;

/// <summary>The minimal namespace surface Dakera SDK test suites call before they start.</summary>
public static class NamespacesApi
{
    public static void MapNamespacesApi(this IEndpointRouteBuilder v1)
    {
        var namespaces = v1.MapGroup("/namespaces");
        namespaces.MapPut("/{ns}", async (string ns, HttpContext http, NamespaceStore store, ApiLimits limits) =>
            await CreateAsync(ns, await limits.ReadAsync(http), http, store)).RequireScope(Scopes.Write);
        namespaces.MapPost("/", async (HttpContext http, NamespaceStore store, ApiLimits limits) =>
        {
            var body = await limits.ReadAsync(http);
            return await CreateAsync(body.RequiredString("name"), body, http, store);
        }).RequireScope(Scopes.Write);
        namespaces.MapGet("/", async (HttpContext http, NamespaceStore store) => ApiJson.Ok(new
        {
            namespaces = (await store.ListAsync(http.RequestAborted)).Select(n => n.Name).Where(http.Caller().MaySee).ToList(),
        })).RequireScope(Scopes.Read);
        namespaces.MapGet("/{ns}", async (string ns, HttpContext http, NamespaceStore store) =>
        {
            http.Caller().EnsureAgent(ns);
            var found = await store.GetAsync(ns, http.RequestAborted) ?? throw NotFound(ns);
            return ApiJson.Ok(Shape(found));
        }).RequireScope(Scopes.Read);
        namespaces.MapDelete("/{ns}", async (string ns, HttpContext http, NamespaceStore store) =>
        {
            http.Caller().EnsureAgent(ns);
            if (!await store.DeleteAsync(ns, http.RequestAborted)) throw NotFound(ns);
            return ApiJson.Ok(new { status = "ok", @namespace = ns, deleted = true });
        }).RequireScope(Scopes.Write);
    }

    private static async Task<IResult> CreateAsync(string ns, JsonArgs body, HttpContext http, NamespaceStore store)
    {
        http.Caller().EnsureAgent(MemoryRules.AgentId(ns, "namespace"));
        var dimension = body.Int("dimension", 1, MemoryRules.MaxEmbeddingDimensions) ?? body.Int("dimensions", 1, MemoryRules.MaxEmbeddingDimensions) ?? 384;
        var distance = body.String("distance")?.ToLowerInvariant() ?? "cosine";
        if (!NamespaceStore.Distances.Contains(distance))
            throw DeskException.Invalid($"'distance' must be one of {string.Join(", ", NamespaceStore.Distances)}");
        var (created, isNew) = await store.CreateAsync(ns, dimension, distance, http.RequestAborted);
        var result = new { @namespace = created.Name, created.Dimension, created.Distance, created = isNew, created.VectorCount };
        return isNew ? ApiJson.Created(result) : ApiJson.Ok(result);
    }

    private static object Shape(NamespaceStore.Namespace ns) =>
        new { @namespace = ns.Name, ns.VectorCount, ns.Dimension, ns.Distance };

    private static DeskException NotFound(string ns) => new("NAMESPACE_NOT_FOUND", 404, $"namespace '{ns}' not found");
}
