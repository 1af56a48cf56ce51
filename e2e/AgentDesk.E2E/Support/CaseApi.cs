using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentDesk.E2E.Support;

/// <summary>Cases made over the real HTTP API, as bots and other desks make them.</summary>
public static class CaseApi
{
    /// <summary>A bot conversation the composer can summarise: the goal, an attempt, a promise and the mood.</summary>
    public static readonly (string Content, string Tag)[] BrokenRouter =
    [
        ("Customer wants the broadband outage fixed before a work call tomorrow", "customer-goal"),
        ("Router restarted twice, line test shows a fault at the cabinet", "attempted-resolution"),
        ("I will have an engineer call you back today", "commitment"),
        ("Customer is frustrated after three days without service", "sentiment"),
    ];

    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>A bot session with <paramref name="memories"/> (tagged, on chat), escalated to <paramref name="queue"/>; returns the 201 answer.</summary>
    public static async Task<JsonElement> EscalateAsync(this AppProcess app, string queue, string urgency = "normal", string? customer = null,
        IEnumerable<(string Content, string Tag)>? memories = null, string reason = "line fault needs an engineer")
    {
        var bot = NewName("bot");
        var session = (await OkAsync(await app.Client.PostAsJsonAsync("/v1/sessions/start", new { agent_id = bot }), HttpStatusCode.Created))
            .GetProperty("session").GetProperty("id").GetString();
        await OkAsync(await app.Client.PostAsJsonAsync("/v1/memories/store/batch", new
        {
            agent_id = bot,
            memories = (memories ?? BrokenRouter).Select(m => new { content = m.Content, importance = 0.85, tags = new[] { m.Tag, "channel:chat" }, session_id = session }),
        }), HttpStatusCode.Created);
        return await OkAsync(await app.Client.PostAsJsonAsync("/v1/handoffs", new
        {
            source_session_id = session,
            agent_id = bot,
            target_queue = queue,
            reason,
            urgency,
            customer_id = customer,
            generate = true,
        }), HttpStatusCode.Created);
    }

    public static async Task<string> EscalateIdAsync(this AppProcess app, string queue, string urgency = "normal", string? customer = null) =>
        (await app.EscalateAsync(queue, urgency, customer)).GetProperty("handoff_id").GetString()!;

    /// <summary>Claim, context recall and connect over the API, as another desk would.</summary>
    public static async Task<JsonElement> PickUpAsync(this AppProcess app, string handoffId, string agent)
    {
        await OkAsync(await app.Client.PostAsJsonAsync($"/v1/handoffs/{handoffId}/claim", new { agent_id = agent }));
        await OkAsync(await app.Client.GetAsync($"/v1/handoffs/{handoffId}/context?agent_id={agent}"));
        return (await OkAsync(await app.Client.PostAsJsonAsync($"/v1/handoffs/{handoffId}/connect", new { agent_id = agent }))).GetProperty("handoff");
    }

    public static async Task<JsonElement> OkAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
