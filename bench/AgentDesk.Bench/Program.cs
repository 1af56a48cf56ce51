using AgentDesk.Bench.Infrastructure;
using AgentDesk.Bench.Scenarios;

// AgentDesk benchmark harness.
//   dotnet run -c Release --project bench/AgentDesk.Bench -- micro [--memories 10000] [--out bench/RESULTS.md]
//   dotnet run -c Release --project bench/AgentDesk.Bench -- locomo [--routing bm25,hybrid] [--data PATH] [--out bench/RESULTS.md]
//   dotnet run -c Release --project bench/AgentDesk.Bench -- scale [--sizes 10000,100000,1000000] [--routing auto] [--data-cache DIR] [--out bench/RESULTS.md]
//   dotnet run -c Release --project bench/AgentDesk.Bench -- handoffs [--handoffs 300] [--bots 1,20] [--background 10000] [--out bench/RESULTS.md]
//   dotnet run -c Release --project bench/AgentDesk.Bench -- desk-pickup [--pickups 50] [--background 10000] [--out bench/RESULTS.md]
//   dotnet run -c Release --project bench/AgentDesk.Bench -- desk-screenshots [--dir docs]
//   dotnet run -c Release --project bench/AgentDesk.Bench -- analytics [--handoffs 100000] [--requests 100] [--out bench/RESULTS.md]
//   dotnet run -c Release --project bench/AgentDesk.Bench -- mixed-load [--clients 32] [--duration 60] [--agents 200] [--seed-memories 50] [--out bench/RESULTS.md]
//   dotnet run -c Release --project bench/AgentDesk.Bench -- hub-fanout [--subscribers 1000] [--events 100] [--senders 4] [--out bench/RESULTS.md]
// Common options: --out FILE (write/replace this scenario's Markdown block), --no-build (reuse the
// Release build of the server), --keep-data (keep the temporary database folder), --server-repo DIR
// (measure another checkout's server), --wait-idle S, --strict (exit 3 when a target is missed). Exit codes: 0 done, 1 failed, 2 bad usage, 3 target missed with --strict.

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    PrintUsage(Console.Out);
    return args.Length == 0 ? 2 : 0;
}

BenchArgs bench;
try
{
    bench = new BenchArgs(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
var scenario = bench.Scenario is { } name ? ScenarioCatalog.Find(name) : null;
if (scenario is null)
{
    Console.Error.WriteLine($"unknown scenario '{bench.Scenario}'");
    PrintUsage(Console.Error);
    return 2;
}

var repoRoot = FindRepoRoot();
if (repoRoot is null)
{
    Console.Error.WriteLine("run from inside the AgentDesk checkout (no AgentDesk.sln above the working directory)");
    return 2;
}

using var cancel = new CancellationTokenSource();
var context = new BenchContext(repoRoot, bench, Console.Out);
// Ctrl+C and SIGTERM cancel the run, so the scenario unwinds and disposes its server; ProcessExit is the backstop.
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
{
    signal.Cancel = true;
    cancel.Cancel();
});
AppDomain.CurrentDomain.ProcessExit += (_, _) => context.KillServers();

try
{
    var outPath = bench.String("out");
    var strict = bench.Flag("strict");
    var report = await scenario.RunAsync(context, cancel.Token);
    var unknown = bench.Unread().ToList();
    report.WriteConsole(Console.Out);
    if (outPath is not null)
    {
        var full = Path.GetFullPath(outPath);
        report.WriteMarkdownFile(full);
        Console.WriteLine($"wrote {full}");
    }
    if (unknown.Count > 0) Console.Error.WriteLine($"warning: ignored unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
    return strict && !report.AllTargetsMet ? 3 : 0;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled");
    return 1;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
catch (Exception e)
{
    Console.Error.WriteLine($"benchmark failed: {e}");
    return 1;
}
finally
{
    context.KillServers();
}

static string? FindRepoRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AgentDesk.sln"))) return dir.FullName;
    return null;
}

static void PrintUsage(TextWriter o)
{
    o.WriteLine("usage: dotnet run -c Release --project bench/AgentDesk.Bench -- SCENARIO [options]");
    o.WriteLine();
    o.WriteLine("common options:");
    o.WriteLine("  --out FILE      write the results as Markdown (replaces this scenario's block in FILE)");
    o.WriteLine("  --no-build      do not run 'dotnet build -c Release src/AgentDesk.Web' first");
    o.WriteLine("  --keep-data     keep the server's temporary database folder (path is printed)");
    o.WriteLine("  --server-repo DIR  build and measure the server of another checkout (A/B of a proposed change)");
    o.WriteLine("  --server-env K=V[,K=V]  extra server environment, e.g. AgentDesk__Storage__FullSync=true");
    o.WriteLine("  --wait-idle S   wait up to S seconds for other processes to go quiet before measuring (180; 0 = don't)");
    o.WriteLine("  --strict        exit with 3 when a target is missed");
    foreach (var s in ScenarioCatalog.All)
    {
        o.WriteLine();
        o.WriteLine($"{s.Name}: {s.Description}");
        foreach (var (option, help) in s.Options) o.WriteLine($"  {option,-22} {help}");
    }
}
