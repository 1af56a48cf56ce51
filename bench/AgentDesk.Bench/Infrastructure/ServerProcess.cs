using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace AgentDesk.Bench.Infrastructure;

/// <summary>
/// The real AgentDesk.Web, built in Release and started as its own process (the apphost, no
/// <c>dotnet run</c> in between) on a free 127.0.0.1 port, with a fresh database in a temporary
/// folder and a random root API key. Disposing kills the process tree and deletes the folder.
/// Started on a caller's data folder instead, it opens the database found there (a restart, timed
/// by <see cref="StartupTime"/>) and leaves the folder alone.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const string WebProject = "src/AgentDesk.Web";
    private static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly OutputTail _output;
    private readonly bool _keepData;
    private readonly long _startedAt;
    private int _disposed;

    private ServerProcess(Process process, OutputTail output, Uri baseAddress, string apiKey, string dataDirectory, bool keepData, long startedAt)
    {
        _process = process;
        _output = output;
        BaseAddress = baseAddress;
        ApiKey = apiKey;
        DataDirectory = dataDirectory;
        _keepData = keepData;
        _startedAt = startedAt;
    }

    public Uri BaseAddress { get; }
    public string ApiKey { get; }
    public string DataDirectory { get; }
    public string DatabasePath => Path.Combine(DataDirectory, "bench.db");
    public int ProcessId => _process.Id;

    /// <summary>From just before the process was started to the first 200 of <c>GET /health/ready</c>.</summary>
    public TimeSpan StartupTime { get; private set; }

    public static string AppHostPath(string repoRoot) =>
        Path.Combine(repoRoot, WebProject, "bin", "Release", "net9.0", "linux-x64", "AgentDesk.Web");

    /// <summary><c>dotnet build -c Release src/AgentDesk.Web</c>; throws with the build's output when it fails.</summary>
    public static async Task BuildAsync(string repoRoot, TextWriter log, CancellationToken ct)
    {
        log.WriteLine($"building {WebProject} (Release)…");
        var start = Stopwatch.StartNew();
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "build", "-c", "Release", WebProject, "-nologo", "-v", "q" }) psi.ArgumentList.Add(arg);
        using var build = Process.Start(psi) ?? throw new InvalidOperationException("could not start 'dotnet build'");
        var stdout = build.StandardOutput.ReadToEndAsync(ct);
        var stderr = build.StandardError.ReadToEndAsync(ct);
        try
        {
            await build.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            build.Kill(entireProcessTree: true);
            throw;
        }
        if (build.ExitCode != 0)
            throw new InvalidOperationException($"'dotnet build -c Release {WebProject}' failed ({build.ExitCode}):\n{await stdout}\n{await stderr}");
        log.WriteLine($"built in {start.Elapsed.TotalSeconds:F1} s");
    }

    /// <param name="extraEnvironment">Set last, so it can override the defaults (e.g. AgentDesk__Storage__FullSync=true).</param>
    /// <param name="dataDirectory">Open the database (bench.db) in this folder, which the caller owns; null = a fresh temporary one.</param>
    /// <param name="readyTimeout">How long start-up may take (60 s); opening a large database may need more.</param>
    public static async Task<ServerProcess> StartAsync(string repoRoot, TextWriter log, bool keepData, IReadOnlyDictionary<string, string> extraEnvironment,
        CancellationToken ct, string? dataDirectory = null, TimeSpan? readyTimeout = null)
    {
        var appHost = AppHostPath(repoRoot);
        if (!File.Exists(appHost)) throw new FileNotFoundException($"no Release build of the server at {appHost}; run without --no-build", appHost);

        // The port is free when probed; a race with another process is retried with a new port.
        for (var attempt = 1; ; attempt++)
        {
            var folder = dataDirectory ?? Directory.CreateTempSubdirectory("agentdesk-bench-").FullName;
            var port = FreeLoopbackPort();
            var apiKey = "bench_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
            var baseAddress = new Uri($"http://127.0.0.1:{port}");
            var psi = new ProcessStartInfo(appHost)
            {
                // The apphost's folder holds appsettings.json; the content root is the working directory.
                WorkingDirectory = Path.GetDirectoryName(appHost)!,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("--urls");
            psi.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
            foreach (var name in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "DOTNET_URLS", "AgentDesk__RootApiKey" })
                psi.Environment.Remove(name);
            psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
            psi.Environment["AgentDesk__Storage__Path"] = Path.Combine(folder, "bench.db");
            psi.Environment["AGENTDESK_ROOT_API_KEY"] = apiKey;
            psi.Environment["AgentDesk__DemoData"] = "false";
            psi.Environment["Logging__LogLevel__Default"] = "Warning";
            foreach (var (name, value) in extraEnvironment) psi.Environment[name] = value;

            var startedAt = Stopwatch.GetTimestamp();
            var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {appHost}");
            var output = new OutputTail(process);
            var server = new ServerProcess(process, output, baseAddress, apiKey, folder, keepData || dataDirectory is not null, startedAt);
            log.WriteLine($"server pid {process.Id} on {baseAddress}, data in {folder}");
            try
            {
                await server.WaitUntilReadyAsync(readyTimeout ?? DefaultReadyTimeout, ct);
                return server;
            }
            catch (ServerExitedException) when (attempt < 3 && output.Text.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await server.DisposeAsync();
                log.WriteLine($"port {port} was taken meanwhile; retrying");
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Peak resident memory of the server (VmHWM), read from /proc; null once it has exited.</summary>
    public long? PeakWorkingSetBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) * 1024;
        }
        catch (IOException) { }
        return null;
    }

    public string RecentOutput => _output.Text;

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (_process.HasExited)
                throw new ServerExitedException($"the server exited with code {_process.ExitCode} before it was ready:\n{_output.Text}");
            try
            {
                using var response = await http.GetAsync("/health/ready", ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    StartupTime = Stopwatch.GetElapsedTime(_startedAt);
                    return;
                }
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            if (Stopwatch.GetElapsedTime(_startedAt) > timeout)
                throw new TimeoutException($"GET /health/ready did not answer 200 within {timeout.TotalSeconds:N0} s:\n{_output.Text}");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>
    /// Stops the server the way a supervisor does (SIGTERM: the host shuts down gracefully and flushes
    /// what it buffers), so its database can be copied or opened again; kills it after
    /// <paramref name="timeout"/>. Returns false when it had to be killed.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return true;
        try
        {
            using var term = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
            if (term is not null) await term.WaitForExitAsync();
        }
        catch (System.ComponentModel.Win32Exception) { } // no kill(1) here: the wait below ends in a hard kill
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try { await _process.WaitForExitAsync(wait.Token); }
                catch (OperationCanceledException) { }
            }
        }
        catch (InvalidOperationException) { } // never started or already reaped
        _process.Dispose();
        if (!_keepData)
        {
            try { Directory.Delete(DataDirectory, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>Synchronous last resort on process exit (SIGTERM, or an exception nobody awaited): kill and clean up.</summary>
    public void KillNow()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { }
        if (!_keepData)
        {
            try { Directory.Delete(DataDirectory, recursive: true); }
            catch (IOException) { }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class ServerExitedException(string message) : Exception(message);

    /// <summary>Drains the server's stdout/stderr (so it never blocks on a full pipe) and keeps the last lines.</summary>
    private sealed class OutputTail
    {
        private const int MaxLines = 200;
        private readonly Queue<string> _lines = new();

        public OutputTail(Process process)
        {
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Text
        {
            get
            {
                lock (_lines) return string.Join('\n', _lines);
            }
        }

        private void Add(string? line)
        {
            if (line is null) return;
            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > MaxLines) _lines.Dequeue();
            }
        }
    }
}
