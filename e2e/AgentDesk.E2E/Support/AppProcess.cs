using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace AgentDesk.E2E.Support;

/// <summary>
/// The real AgentDesk host as a separate OS process on a free loopback port, over a fresh SQLite
/// file of its own. It runs the apphost the build produced, so what is tested is what ships: the
/// Kestrel, configuration and start-up path, not an in-memory test server. <see cref="KillAsync"/>
/// (SIGKILL) and <see cref="StartAsync"/> again reopen the same database file, which is what a
/// crash-durability test needs.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(100);
    private const int MaxOutputLines = 2_000;

    private readonly List<string> _output = [];
    private Process? _process;
    private HttpClient? _client;

    private readonly IReadOnlyDictionary<string, string> _settings;

    private AppProcess(string repoRoot, IReadOnlyDictionary<string, string>? settings)
    {
        _settings = settings ?? new Dictionary<string, string>();
        RepoRoot = repoRoot;
        ProjectDirectory = Path.Combine(repoRoot, "src", "AgentDesk.Web");
        AppHostPath = Path.Combine(ProjectDirectory, BuildOutputFolder(repoRoot), "AgentDesk.Web");
        DataDirectory = Path.Combine(Path.GetTempPath(), "agentdesk-e2e", Guid.NewGuid().ToString("N"));
        Port = FreeLoopbackPort();
        BaseAddress = new Uri($"http://127.0.0.1:{Port}/");
    }

    public string RepoRoot { get; }
    public string ProjectDirectory { get; }
    public string AppHostPath { get; }
    public string DataDirectory { get; }
    public string DatabasePath => Path.Combine(DataDirectory, "e2e.db");
    public string RootKey { get; } = "e2e-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
    public int Port { get; }
    public Uri BaseAddress { get; }
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>A client for the running instance that sends the root key; replaced on every start.</summary>
    public HttpClient Client => _client ?? throw new InvalidOperationException("the app is not running; call StartAsync first");

    /// <summary>Starts a new instance over a fresh database and waits until it is ready.</summary>
    /// <param name="settings">Extra configuration, as environment variables (e.g. <c>AgentDesk__Handoffs__ContextRecallDelayMs</c>).</param>
    public static async Task<AppProcess> LaunchAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var root = FindRepoRoot();
        var app = new AppProcess(root, settings);
        try
        {
            await app.StartAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the app (again) on the same port and database file and waits for /health/ready.</summary>
    public async Task StartAsync()
    {
        if (IsRunning) throw new InvalidOperationException("the app is already running");
        if (!File.Exists(AppHostPath))
            throw new InvalidOperationException($"no apphost at {AppHostPath}; build the solution first (dotnet build AgentDesk.sln)");

        Directory.CreateDirectory(DataDirectory);
        var start = new ProcessStartInfo(AppHostPath)
        {
            WorkingDirectory = ProjectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseAddress.GetLeftPart(UriPartial.Authority));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["AgentDesk__Storage__Path"] = DatabasePath;
        start.Environment["AGENTDESK_ROOT_API_KEY"] = RootKey;
        start.Environment["AgentDesk__DemoData"] = "false";
        foreach (var (key, value) in _settings) start.Environment[key] = value;

        Log($"--- starting {AppHostPath} on {BaseAddress} over {DatabasePath}");
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Log(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Log("[stderr] " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        await WaitUntilReadyAsync(process);
        _client?.Dispose();
        _client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RootKey);
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush, no checkpoint. Returns once the process is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process) return;
        Log("--- SIGKILL");
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        Log($"--- exited with {process.ExitCode}");
        process.Dispose();
        _process = null;
    }

    /// <summary>SIGKILL followed by a start over the same database file.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        await StartAsync();
    }

    /// <summary>The app's stdout and stderr (most recent lines), for diagnostics.</summary>
    public string Output(int lastLines = 200)
    {
        lock (_output) return string.Join('\n', _output.Skip(Math.Max(0, _output.Count - lastLines)));
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _client?.Dispose();
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private async Task WaitUntilReadyAsync(Process process)
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        var last = "no answer yet";
        while (deadline.Elapsed < ReadyTimeout)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"the app exited with code {process.ExitCode} before it was ready\n{Output()}");
            try
            {
                using var response = await probe.GetAsync("health/ready");
                if (response.StatusCode == HttpStatusCode.OK) return;
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }
            // The probe interval, cut short if the process exits in the meantime.
            await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(ProbeInterval));
        }
        throw new TimeoutException($"the app was not ready within {ReadyTimeout.TotalSeconds:0} s (last probe: {last})\n{Output()}");
    }

    private void Log(string line)
    {
        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > MaxOutputLines) _output.RemoveRange(0, _output.Count - MaxOutputLines);
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AgentDesk.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no AgentDesk.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>
    /// bin/&lt;Configuration&gt;/&lt;tfm&gt;/&lt;rid&gt; as this test assembly was built: the test project
    /// references the web project, so the same build produced the apphost with the same settings.
    /// </summary>
    private static string BuildOutputFolder(string repoRoot)
    {
        var testProject = Path.Combine(repoRoot, "e2e", "AgentDesk.E2E");
        var relative = Path.GetRelativePath(testProject, AppContext.BaseDirectory);
        if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
            throw new InvalidOperationException($"the test assembly runs from {AppContext.BaseDirectory}, outside {testProject}; cannot tell where the apphost was built");
        return relative;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
