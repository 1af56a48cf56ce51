using System.Net;
using System.Text.Json;

namespace AgentDesk.Web.Tests.Support;

/// <summary>The calls handoff tests make: a bot's session with the memories a summary is composed from, escalate, claim, recall, connect.</summary>
public static class HandoffApi
{
    /// <summary>Starts a session for <paramref name="agent"/> and stores a short, tagged conversation in it; returns the session id.</summary>
    public static async Task<string> BotSessionAsync(this HttpClient client, string agent, string channel = "chat", string? customer = null,
        string? commitment = "I will escalate this to billing within 5 minutes")
    {
        var session = (await client.StartSessionAsync(agent, customer is null ? null : new { customer_id = customer })).GetProperty("id").GetString()!;
        async Task Store(string content, double importance, params string[] tags) =>
            await client.StoreAsync(new { agent_id = agent, session_id = session, content, importance, tags = tags.Append($"channel:{channel}").ToArray() });
        await Store("Customer wants a refund for a double charge of 49.99 on the March invoice", 0.9, "customer-goal");
        await Store("Card was charged twice on 3 March for invoice INV-3301", 0.8, "issue-report");
        await Store("Identity verified with date of birth and the last four card digits", 0.7, "verification");
        await Store("Bot tried to void the second charge through the payments API", 0.8, "attempted-resolution");
        await Store("Void failed: the charge has already settled", 0.8, "outcome");
        if (commitment is not null) await Store(commitment, 0.9, "commitment");
        await Store("Customer says they are very frustrated about being passed around", 0.8, "sentiment");
        return session;
    }

    public static Task<HttpResponseMessage> EscalateAsync(this HttpClient client, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/handoffs") { Content = System.Net.Http.Json.JsonContent.Create(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return client.SendAsync(request);
    }

    /// <summary>Escalates a bot session to a queue with a generated summary and returns the 201 answer.</summary>
    public static async Task<JsonElement> EscalateSessionAsync(this HttpClient client, string agent, string session, string queue = "billing",
        string urgency = "high", string? customer = null, string? channel = null) =>
        await (await client.EscalateAsync(new
        {
            source_session_id = session,
            agent_id = agent,
            target_queue = queue,
            reason = "refund needs a billing specialist",
            urgency,
            customer_id = customer,
            channel,
            generate = true,
        })).OkAsync(HttpStatusCode.Created);

    public static async Task<JsonElement> HandoffAsync(this HttpClient client, string id) =>
        (await (await client.GetAsync($"/v1/handoffs/{id}")).OkAsync()).GetProperty("handoff");

    public static Task<HttpResponseMessage> ActAsync(this HttpClient client, string id, string action, object body) =>
        client.PostJsonAsync($"/v1/handoffs/{id}/{action}", body);

    public static async Task<JsonElement> ContextAsync(this HttpClient client, string id, string agent) =>
        await (await client.GetAsync($"/v1/handoffs/{id}/context?agent_id={agent}")).OkAsync();

    /// <summary>Claim, context recall and connect, as a desk picks a case up; returns the connected handoff.</summary>
    public static async Task<JsonElement> PickUpAsync(this HttpClient client, string id, string agent)
    {
        await (await client.ActAsync(id, "claim", new { agent_id = agent })).OkAsync();
        await client.ContextAsync(id, agent);
        return (await (await client.ActAsync(id, "connect", new { agent_id = agent })).OkAsync()).GetProperty("handoff");
    }

    public static IReadOnlyList<string> Codes(JsonElement error) =>
        error.TryGetProperty("failures", out var failures) ? failures.EnumerateArray().Select(f => f.GetProperty("code").GetString()!).ToList() : [];
}
