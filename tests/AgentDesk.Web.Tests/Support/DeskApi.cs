using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AgentDesk.Web.Tests.Support;

/// <summary>The calls most tests make to set up data, and raw sends for bodies a serializer would not produce.</summary>
public static class DeskApi
{
    /// <summary>A fresh agent id, so tests sharing one host never see each other's data.</summary>
    public static string NewAgent(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    public static Task<HttpResponseMessage> SendRawAsync(this HttpClient client, HttpMethod method, string url, string? raw)
    {
        var request = new HttpRequestMessage(method, url);
        if (raw is not null) request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string url, object body) =>
        client.SendAsync(new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) });

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string url, object body) =>
        client.PutAsJsonAsync(url, body);

    /// <summary>Asserts the exact success status (the body is in the failure message) and returns the body.</summary>
    public static async Task<JsonElement> OkAsync(this HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Stores one memory (the body is sent as given) and returns the stored memory object.</summary>
    public static async Task<JsonElement> StoreAsync(this HttpClient client, object body) =>
        (await (await client.PostJsonAsync("/v1/memory/store", body)).OkAsync(HttpStatusCode.Created)).GetProperty("memory");

    public static async Task<string> StoreIdAsync(this HttpClient client, object body) =>
        (await client.StoreAsync(body)).GetProperty("id").GetString()!;

    public static async Task<JsonElement> StartSessionAsync(this HttpClient client, string agentId, object? metadata = null) =>
        (await (await client.PostJsonAsync("/v1/sessions/start", new { agent_id = agentId, metadata })).OkAsync(HttpStatusCode.Created))
        .GetProperty("session");

    public static async Task<string> StartSessionIdAsync(this HttpClient client, string agentId) =>
        (await client.StartSessionAsync(agentId)).GetProperty("id").GetString()!;

    /// <summary>An agent's live memories, newest first (an unknown agent has none).</summary>
    public static async Task<IReadOnlyList<JsonElement>> MemoriesOfAsync(this HttpClient client, string agentId) =>
        (await (await client.GetAsync($"/v1/agents/{agentId}/memories?limit=1000")).OkAsync()).EnumerateArray().ToList();

    public static async Task<JsonElement?> GetMemoryAsync(this HttpClient client, string id)
    {
        var response = await client.GetAsync($"/v1/memory/get/{id}");
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        return await response.OkAsync();
    }

    /// <summary>Every agent with its memory and session counts: equal before and after means nothing was written.</summary>
    public static async Task<string> AgentCountsAsync(this HttpClient client) =>
        (await (await client.GetAsync("/v1/agents")).OkAsync()).GetRawText();

    public static async Task<IReadOnlyList<JsonElement>> RecallAsync(this HttpClient client, object body) =>
        (await (await client.PostJsonAsync("/v1/memory/recall", body)).OkAsync()).GetProperty("memories").EnumerateArray().ToList();

    public static IReadOnlyList<string> Ids(this IEnumerable<JsonElement> items) => items.Select(IdOf).ToList();

    /// <summary>The id of a memory, or of the memory in a recall item.</summary>
    public static string IdOf(JsonElement item) => (item.TryGetProperty("memory", out var m) ? m : item).GetProperty("id").GetString()!;

    public static IReadOnlyList<string> Strings(this JsonElement array) =>
        array.EnumerateArray().Select(e => e.GetString()!).ToList();
}
