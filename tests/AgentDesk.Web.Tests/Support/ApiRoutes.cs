using System.Net;
using System.Text;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Tests.Support;

/// <summary>One /v1 route with a valid request for seeded data; tokens {agent}, {sess}, {mem}, {key} are filled in.</summary>
/// <param name="Grants">The scopes of which a key needs any one.</param>
/// <param name="AgentScoped">The call names one agent (in the path, the body, or by the id of its data).</param>
/// <param name="Success">The status a permitted call answers on seeded data.</param>
public sealed record ApiRoute(string Method, string Path, string? Body, string[] Grants, bool AgentScoped, int Success = 200)
{
    public string Name => $"{Method} {Path}";

    public HttpRequestMessage Request(IReadOnlyDictionary<string, string> tokens, string? body = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), ApiRoutes.Fill(Path, tokens));
        if ((body ?? Body) is { } raw) request.Content = new StringContent(ApiRoutes.Fill(raw, tokens), Encoding.UTF8, "application/json");
        return request;
    }
}

/// <summary>Every /v1 route of API.md (section 1, and the handoffs and threads of section 2) plus key administration, and the data they act on.</summary>
public static class ApiRoutes
{
    private static readonly string[] SessionWrite = [Scopes.Sessions, Scopes.Write];
    private static readonly string[] SessionRead = [Scopes.Sessions, Scopes.Read];
    private static readonly string[] Write = [Scopes.Write];
    private static readonly string[] Read = [Scopes.Read];
    private static readonly string[] Admin = [Scopes.Admin];
    private static readonly string[] HandoffWrite = [Scopes.Handoffs, Scopes.Write];
    private static readonly string[] HandoffRead = [Scopes.Handoffs, Scopes.Read];
    private static readonly string[] Handoffs = [Scopes.Handoffs];

    public static readonly IReadOnlyDictionary<string, ApiRoute> All = new ApiRoute[]
    {
        new("POST", "/v1/sessions/start", """{"agent_id":"{agent}"}""", SessionWrite, true, 201),
        new("POST", "/v1/sessions/{sess}/end", """{"summary":"done"}""", SessionWrite, true),
        new("GET", "/v1/sessions/{sess}", null, SessionRead, true),
        new("GET", "/v1/sessions?agent_id={agent}", null, SessionRead, true),
        new("GET", "/v1/sessions", null, SessionRead, false),
        new("GET", "/v1/sessions/{sess}/memories", null, SessionRead, true),
        new("GET", "/v1/agents/{agent}/sessions", null, SessionRead, true),
        new("POST", "/v1/memory/store", """{"agent_id":"{agent}","content":"new fact"}""", Write, true, 201),
        new("POST", "/v1/memory/recall", """{"agent_id":"{agent}","query":"seed"}""", Read, true),
        new("GET", "/v1/memory/recall?agent_id={agent}&query=seed", null, Read, true),
        new("POST", "/v1/memory/search", """{"agent_id":"{agent}"}""", Read, true),
        new("GET", "/v1/memory/get/{mem}", null, Read, true),
        new("PUT", "/v1/memory/update/{mem}", """{"content":"rewritten","importance":0.1}""", Write, true),
        new("POST", "/v1/memory/forget", """{"agent_id":"{agent}","memory_ids":["{mem}"]}""", Write, true),
        new("POST", "/v1/memory/importance", """{"agent_id":"{agent}","memory_id":"{mem}","importance":0.1}""", Write, true),
        new("POST", "/v1/memories/store/batch", """{"agent_id":"{agent}","memories":[{"content":"batched"}]}""", Write, true, 201),
        new("POST", "/v1/memories/recall/batch", """{"agent_id":"{agent}","filter":{"tags":["seed"]}}""", Read, true),
        new("DELETE", "/v1/memories/forget/batch", """{"agent_id":"{agent}","filter":{"tags":["seed"]}}""", Write, true),
        new("GET", "/v1/agents", null, Read, false),
        new("GET", "/v1/agents/{agent}/memories", null, Read, true),
        new("GET", "/v1/agents/{agent}/stats", null, Read, true),
        new("GET", "/v1/agents/{agent}/wake-up", null, Read, true),
        new("PUT", "/v1/namespaces/{agent}", """{"dimension":8}""", Write, true),
        new("POST", "/v1/namespaces", """{"name":"{agent}","dimension":8}""", Write, true),
        new("GET", "/v1/namespaces", null, Read, false),
        new("GET", "/v1/namespaces/{agent}", null, Read, true),
        new("DELETE", "/v1/namespaces/{agent}", null, Write, true),
        new("POST", "/v1/admin/keys", """{"name":"minted","scopes":["read"]}""", Admin, false, 201),
        new("GET", "/v1/admin/keys", null, Admin, false),
        new("DELETE", "/v1/admin/keys/{key}", null, Admin, false),
        new("POST", "/v1/admin/users", """{"id":"user-{agent}","password":"a-long-password","roles":["agent"],"queues":["billing"]}""", Admin, false, 201),
        new("GET", "/v1/admin/users", null, Admin, false),
        new("GET", "/v1/admin/audit?action=key.&limit=5", null, Admin, false),
        new("POST", "/v1/handoffs", """{"source_session_id":"{sess}","agent_id":"{agent}","target_queue":"billing","reason":"refund","generate":true}""", HandoffWrite, true, 201),
        new("GET", "/v1/handoffs", null, HandoffRead, false),
        // A queued case is open to every desk (restricted keys included), so reading one is not agent-scoped.
        new("GET", "/v1/handoffs/{hof}", null, HandoffRead, false),
        new("GET", "/v1/handoffs/{hof}/context", null, HandoffRead, false),
        new("POST", "/v1/handoffs/{hof}/claim", """{"agent_id":"{agent}"}""", Handoffs, true),
        new("POST", "/v1/handoffs/{claimed}/connect", """{"agent_id":"{agent}"}""", Handoffs, true),
        new("POST", "/v1/handoffs/{claimed}/resolve", """{"agent_id":"{agent}","resolution_note":"done","customer_repeated_themselves":false}""", Handoffs, true),
        new("POST", "/v1/handoffs/{claimed}/escalate", """{"agent_id":"{agent}","target_queue":"tier2","reason":"needs tier 2","generate":true}""", Handoffs, true, 201),
        new("POST", "/v1/handoffs/{hof}/merge", """{"into":"{claimed}"}""", Handoffs, false),
        new("POST", "/v1/handoffs/batch", """{"cases":[{"handoff_id":"{hof}","target_queue":"night"}]}""", Handoffs, false),
        // The seeded thread is named after its owning agent.
        new("PUT", "/v1/threads/{agent}/turns", """{"turns":[{"id":"t2","text":"customer writes again","channel":"email"}]}""", Write, true),
        new("GET", "/v1/threads/{agent}?turns=true", null, Read, true),
        new("POST", "/v1/threads/{agent}/query", """{"query":"refund","top_k":3}""", Read, true),
        new("POST", "/v1/threads/{agent}/handoffs", """{"agent_id":"{agent}","target_queue":"billing","reason":"refund","generate":true}""", Handoffs, true, 201),
        new("GET", "/v1/analytics/handoffs", null, Read, false),
        new("GET", "/v1/analytics/handoffs/cases?metric=handoffs&key=all", null, Read, false),
        new("POST", "/v1/summaries/draft", """{"session_id":"{sess}","target_queue":"billing"}""", HandoffRead, true),
    }.ToDictionary(r => r.Name);

    public static string Fill(string text, IReadOnlyDictionary<string, string> tokens) =>
        tokens.Aggregate(text, (t, token) => t.Replace(token.Key, token.Value));

    public static TheoryData<string> Names(Func<ApiRoute, bool> where)
    {
        var data = new TheoryData<string>();
        foreach (var route in All.Values.Where(where)) data.Add(route.Name);
        return data;
    }

    /// <summary>
    /// Gives the agent a session, a memory in it, a namespace, a thread of its own name, a queued handoff and one it has
    /// claimed (context recalled), both of one customer (so either may be merged into the other), and creates an API
    /// key to revoke; returns the tokens.
    /// </summary>
    public static async Task<Dictionary<string, string>> SeedAsync(HttpClient root, string agent)
    {
        var session = await root.StartSessionIdAsync(agent);
        var memory = await root.StoreIdAsync(new { agent_id = agent, content = "seed memory", tags = new[] { "seed" }, session_id = session, importance = 0.6 });
        await (await root.PutJsonAsync($"/v1/namespaces/{agent}", new { dimension = 8 })).OkAsync(HttpStatusCode.Created);
        await (await root.PutJsonAsync($"/v1/threads/{agent}/turns", new { agent_id = agent, turns = new[] { new { id = "t1", text = "customer wants a refund", channel = "voice" } } })).OkAsync();
        var key = await (await root.PostJsonAsync("/v1/admin/keys", new { name = $"seeded for {agent}", scopes = new[] { "read" } })).OkAsync(HttpStatusCode.Created);
        // The seeded cases come from the agent's bot, so the context recall's background access statistics never touch
        // the memories a snapshot compares; the agent itself is the claimant of the second case.
        var bot = $"{agent}-bot";
        async Task<string> Handoff()
        {
            var source = await root.StartSessionIdAsync(bot);
            await root.StoreIdAsync(new { agent_id = bot, content = "customer wants a refund", tags = new[] { "customer-goal" }, session_id = source, importance = 0.9 });
            var answer = await (await root.PostJsonAsync("/v1/handoffs", new { source_session_id = source, agent_id = bot, target_queue = "seeded", reason = "refund", customer_id = $"cust-{agent}", generate = true }))
                .OkAsync(HttpStatusCode.Created);
            return answer.GetProperty("handoff_id").GetString()!;
        }
        var queued = await Handoff();
        var claimed = await Handoff();
        await (await root.PostJsonAsync($"/v1/handoffs/{claimed}/claim", new { agent_id = agent })).OkAsync();
        await (await root.GetAsync($"/v1/handoffs/{claimed}/context?agent_id={agent}")).OkAsync();
        return new()
        {
            ["{hof}"] = queued,
            ["{claimed}"] = claimed,
            ["{agent}"] = agent,
            ["{sess}"] = session,
            ["{mem}"] = memory,
            ["{key}"] = key.GetProperty("key").GetProperty("id").GetString()!,
        };
    }

    /// <summary>
    /// Everything a route could change: every agent's counts, this agent's memories (content, importance, access
    /// stats), sessions (end, metadata), namespace and thread, and the key list. Equal before and after: nothing was written.
    /// </summary>
    public static async Task<string> SnapshotAsync(HttpClient root, string agent)
    {
        var parts = new List<string>();
        foreach (var url in new[]
        {
            "/v1/agents", $"/v1/agents/{agent}/memories?limit=1000", $"/v1/sessions?agent_id={agent}", "/v1/namespaces",
            $"/v1/namespaces/{agent}", $"/v1/threads/{agent}?turns=true", "/v1/admin/keys",
        })
        {
            var response = await root.GetAsync(url);
            parts.Add($"{url} {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return string.Join('\n', parts);
    }
}
