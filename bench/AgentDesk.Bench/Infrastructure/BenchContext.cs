namespace AgentDesk.Bench.Infrastructure;

/// <summary>What every scenario gets: the repository, the arguments, a log, and a way to start the server.</summary>
public sealed class BenchContext(string repoRoot, BenchArgs args, TextWriter log)
{
    private readonly List<ServerProcess> _servers = [];
    private bool _built;

    public string RepoRoot { get; } = repoRoot;

    /// <summary>
    /// The checkout whose server is built and measured: this one, or <c>--server-repo DIR</c> (e.g. a
    /// scratch copy with a proposed change applied, for an A/B comparison with the same harness).
    /// </summary>
    public string ServerRoot => Path.GetFullPath(Args.String("server-repo") ?? RepoRoot);
    public BenchArgs Args { get; } = args;
    public TextWriter Log { get; } = log;

    /// <summary><c>--server-env NAME=VALUE[,NAME=VALUE…]</c>: extra environment for the server (configuration overrides).</summary>
    public IReadOnlyDictionary<string, string> ServerEnvironment =>
        (Args.String("server-env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length == 2 ? kv[1] : throw new ArgumentException($"--server-env wants NAME=VALUE, not '{kv[0]}'"));

    /// <summary>The command as a user would type it, for the report.</summary>
    public string CommandLine => "dotnet run -c Release --project bench/AgentDesk.Bench -- " + string.Join(' ', Args.Raw);

    /// <summary>
    /// Builds (unless <c>--no-build</c>; once per run) and starts a server: on a fresh database, or
    /// on the one in <paramref name="dataDirectory"/> (see <see cref="ServerProcess.StartAsync"/>).
    /// The caller disposes it; the context also kills it on Ctrl+C or process exit.
    /// </summary>
    /// <param name="environment">Settings this scenario needs on this server (e.g. demo data); <c>--server-env</c> still overrides them.</param>
    public async Task<ServerProcess> StartServerAsync(CancellationToken ct, string? dataDirectory = null, TimeSpan? readyTimeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!_built && !Args.Flag("no-build")) await ServerProcess.BuildAsync(ServerRoot, Log, ct);
        _built = true;
        var merged = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        foreach (var (name, value) in ServerEnvironment) merged[name] = value;
        var server = await ServerProcess.StartAsync(ServerRoot, Log, Args.Flag("keep-data"), merged, ct, dataDirectory, readyTimeout);
        lock (_servers) _servers.Add(server);
        return server;
    }

    /// <summary>
    /// Waits (up to <c>--wait-idle</c> seconds, default 180; 0 = do not wait) until other processes
    /// use less than a quarter of a core, sampled over 2 s. Returns a warning for the report when the
    /// machine never got quiet.
    /// </summary>
    public async Task<string?> WaitForQuietMachineAsync(int? serverPid, CancellationToken ct)
    {
        const double quiet = 0.25;
        var maxWait = TimeSpan.FromSeconds(Args.Int("wait-idle", 180, min: 0));
        if (maxWait == TimeSpan.Zero || !CpuUsage.Supported) return null;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var said = false;
        while (true)
        {
            var sample = CpuUsage.Start(serverPid);
            await Task.Delay(2000, ct);
            var other = sample.Stop()?.Other ?? 0;
            if (other <= quiet) return null;
            if (waited.Elapsed >= maxWait)
            {
                var warning = $"other processes were using {other:F2} cores when measuring started (waited {waited.Elapsed.TotalSeconds:F0} s for < {quiet} cores); figures are pessimistic";
                Log.WriteLine("warning: " + warning);
                return warning;
            }
            if (!said) Log.WriteLine($"machine busy (other processes use {other:F2} cores); waiting up to {maxWait.TotalSeconds:F0} s for it to settle…");
            said = true;
        }
    }

    /// <summary>Last resort on process exit: kill whatever is still running.</summary>
    public void KillServers()
    {
        lock (_servers)
            foreach (var server in _servers) server.KillNow();
    }
}
