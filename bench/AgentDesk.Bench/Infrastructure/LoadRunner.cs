using System.Diagnostics;

namespace AgentDesk.Bench.Infrastructure;

/// <summary>
/// Runs an operation N times — one client after the other, or several clients sharing the N — and
/// times each call with <see cref="Stopwatch.GetTimestamp"/>. An operation signals failure by
/// throwing; the first failure aborts the run (a benchmark of error responses measures nothing).
/// CPU use of the server (<c>serverPid</c>), this client and the rest of the machine is recorded too.
/// </summary>
public static class LoadRunner
{
    /// <param name="operation">Called with the operation's index 0…n-1.</param>
    public static async Task<LatencyStats> SequentialAsync(
        string name, int n, Func<int, CancellationToken, Task> operation, CancellationToken ct,
        long? items = null, string unit = "req/s", int? serverPid = null)
    {
        var samples = new double[n];
        var cpu = CpuUsage.Start(serverPid);
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            ct.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            await operation(i, ct);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        wall.Stop();
        return new LatencyStats(name, samples, wall.Elapsed, items, unit) { Cpu = cpu.Stop() };
    }

    /// <summary><paramref name="clients"/> workers take the next index until n operations have started.</summary>
    public static async Task<LatencyStats> ConcurrentAsync(
        string name, int n, int clients, Func<int, CancellationToken, Task> operation, CancellationToken ct,
        long? items = null, string unit = "req/s", int? serverPid = null)
    {
        var samples = new double[n];
        var next = -1;
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < n)
            {
                failed.Token.ThrowIfCancellationRequested();
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await operation(i, failed.Token);
                }
                catch
                {
                    await failed.CancelAsync();
                    throw;
                }
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        var cpu = CpuUsage.Start(serverPid);
        var wall = Stopwatch.StartNew();
        // Task.Run: each client starts on the thread pool, so the first awaits do not serialise them.
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(Worker, CancellationToken.None)).ToArray();
        // A faulted worker outranks the ones it cancelled, so this rethrows the real failure.
        await Task.WhenAll(workers);
        wall.Stop();
        return new LatencyStats(name, samples, wall.Elapsed, items, unit, clients) { Cpu = cpu.Stop() };
    }
}
