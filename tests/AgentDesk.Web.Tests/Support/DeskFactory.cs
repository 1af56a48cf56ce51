using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentDesk.Web.Tests.Support;

/// <summary>
/// The real host over a fresh database of its own (a SQLite file, or a PostgreSQL database under
/// AGENTDESK_TEST_ENGINE=postgres, see <see cref="TestEngine"/>; deleted on dispose), with a known root key.
/// One instance per test class (IClassFixture) keeps classes independent and parallel. Not sealed:
/// a derived fixture sets <see cref="Settings"/> in its constructor (the host is built lazily).
/// </summary>
public class DeskFactory : WebApplicationFactory<Program>
{
    public string RootKey { get; } = Environment.GetEnvironmentVariable("AGENTDESK_ROOT_API_KEY") is { Length: > 0 } k ? k : "test-root-key";
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "agentdesk-tests", Guid.NewGuid().ToString("N"));
    public string DatabasePath => Path.Combine(DataDirectory, "agentdesk.db");
    /// <summary>The PostgreSQL database's connection string, when the suite runs on PostgreSQL.</summary>
    public string? PostgresConnectionString { get; private set; }

    /// <summary>Extra settings for a derived fixture (e.g. a tiny body limit).</summary>
    public Dictionary<string, string?> Settings { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("AgentDesk:Storage:Path", DatabasePath);
        if (TestEngine.IsPostgres)
        {
            PostgresConnectionString ??= TestEngine.CreateDatabase();
            builder.UseSetting("AgentDesk:Storage:Provider", "postgres");
            builder.UseSetting("AgentDesk:Storage:ConnectionString", PostgresConnectionString);
        }
        builder.UseSetting("AgentDesk:RootApiKey", RootKey);
        builder.UseSetting("AgentDesk:DemoData", "false");
        // Tests observe expired memories through the API; the sweeper would make that a race.
        builder.UseSetting("AgentDesk:Maintenance:PurgeIntervalSeconds", "0");
        // Key use reaches the audit log when a test flushes it, not at a moment that would race a before/after snapshot.
        builder.UseSetting("AgentDesk:Audit:UsageIntervalSeconds", "86400");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    /// <summary>
    /// The server answers while it migrates (API calls get 503); tests start once it is ready, as a
    /// client polling /health/ready would. A derived fixture that studies start-up turns this off.
    /// </summary>
    protected virtual bool WaitUntilReady => true;

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        if (WaitUntilReady)
            host.Services.GetRequiredService<StartupState>().WhenReady.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        return host;
    }

    /// <summary>A client that sends the root key.</summary>
    public HttpClient Root() => WithKey(RootKey);

    public HttpClient WithKey(string? key)
    {
        var client = CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Creates a scoped API key through the admin API and returns its secret.</summary>
    public async Task<string> CreateKeyAsync(string[] scopes, string[]? agentIds = null)
    {
        var response = await Root().PostAsJsonAsync("/v1/admin/keys", new { name = "test key", scopes, agent_ids = agentIds });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("secret").GetString()!;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (PostgresConnectionString is { } connectionString)
        {
            TestEngine.DropDatabase(connectionString);
            PostgresConnectionString = null;
        }
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public static class HttpTestExtensions
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body);

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string raw) =>
        client.PostAsync(url, new StringContent(raw, Encoding.UTF8, "application/json"));

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts the status and the API.md error body, and returns the body.</summary>
    public static async Task<JsonElement> AssertErrorAsync(this HttpResponseMessage response, int status, string code)
    {
        var body = await response.JsonAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal(status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("error").GetString()));
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType);
        return body;
    }
}
