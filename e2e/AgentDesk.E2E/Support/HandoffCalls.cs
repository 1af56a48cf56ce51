using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentDesk.E2E.Support;

/// <summary>The API calls end-to-end tests make to put a case on the desk and move it along, over the app's root-key client.</summary>
public static class HandoffCalls
{
    /// <summary>A fresh name (queue, customer, bot), so tests sharing one app never see each other's cases.</summary>
    public static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>A bot session with a short tagged conversation (channel chat), escalated to <paramref name="queue"/>; returns the handoff id.</summary>
    public static async Task<string> EscalateAsync(HttpClient api, string queue, string urgency = "normal", string? customer = null)
    {
        var bot = NewName("bot");
        var session = (await Ok(await api.PostAsJsonAsync("/v1/sessions/start", new { agent_id = bot }), HttpStatusCode.Created))
            .GetProperty("session").GetProperty("id").GetString();
        var memories = new[]
        {
            new { content = "Customer wants the broadband outage fixed before a work call tomorrow", importance = 0.9, tags = new[] { "customer-goal", "channel:chat" } },
            new { content = "Router restarted twice, line test shows a fault at the cabinet", importance = 0.8, tags = new[] { "attempted-resolution", "channel:chat" } },
            new { content = "Customer is frustrated after three days without service", importance = 0.8, tags = new[] { "sentiment", "channel:chat" } },
        };
        await Ok(await api.PostAsJsonAsync("/v1/memories/store/batch", new
        {
            agent_id = bot,
            memories = memories.Select(m => new { m.content, m.importance, m.tags, session_id = session }),
        }), HttpStatusCode.Created);
        var answer = await Ok(await api.PostAsJsonAsync("/v1/handoffs", new
        {
            source_session_id = session,
            agent_id = bot,
            target_queue = queue,
            reason = "line fault needs an engineer",
            urgency,
            customer_id = customer,
            generate = true,
        }), HttpStatusCode.Created);
        return answer.GetProperty("handoff_id").GetString()!;
    }

    /// <summary>Asserts the status (the body is in the failure message) and returns the JSON body.</summary>
    public static async Task<JsonElement> Ok(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
