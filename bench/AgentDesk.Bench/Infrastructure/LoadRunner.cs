using System.Diagnostics;

namespace AgentDesk.Bench.Infrastructure;

/// <summary>
/// Runs an operation N times — one client after the other, or several clients sharing the N — and
/// times each call with <see cref="Stopwatch.GetTimestamp"/>. An operation signals failure by
/// throwing; the first failure aborts the run (a benchmark of error responses measures nothing).
/// CPU use of the server (<c>serverPid</c>), this client and the rest of the machine is recorded too.
/// A <c>timeLimit</c> stops starting operations once it has passed (the statistics then cover the
/// ones done), so a slow server cannot turn a bounded run into an endless one.
/// </summary>
public static class LoadRunner
{
    /// <param name="operation">Called with the operation's index 0…n-1.</param>
    public static async Task<LatencyStats> SequentialAsync(
        string name, int n, Func<int, CancellationToken, Task> operation, CancellationToken ct,
        long? items = null, string unit = "req/s", int? serverPid = null, TimeSpan? timeLimit = null)
    {
        var samples = new double[n];
        var done = 0;
        var cpu = CpuUsage.Start(serverPid);
        var wall = Stopwatch.StartNew();
        for (; done < n && (done == 0 || timeLimit is null || wall.Elapsed < timeLimit); done++)
        {
            ct.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            await operation(done, ct);
            samples[done] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        wall.Stop();
        return new LatencyStats(name, samples[..done], wall.Elapsed, Done(items, done, n), unit) { Cpu = cpu.Stop() };
    }

    /// <summary><paramref name="clients"/> workers take the next index until n operations have started.</summary>
    public static Task<LatencyStats> ConcurrentAsync(
        string name, int n, int clients, Func<int, CancellationToken, Task> operation, CancellationToken ct,
        long? items = null, string unit = "req/s", int? serverPid = null, TimeSpan? timeLimit = null) =>
        ConcurrentAsync<int>(name, n, clients, i => i, (i, _, token) => operation(i, token), ct, items, unit, serverPid, timeLimit);

    /// <summary>
    /// Like the other overload, but each worker first builds operation i's input with
    /// <paramref name="prepare"/>, outside the latency sample (e.g. generating a request body), so
    /// a long run needs no input held in memory ahead of time. The wall time, and so the
    /// throughput, includes the preparing; with several workers it overlaps the others' requests.
    /// </summary>
    public static async Task<LatencyStats> ConcurrentAsync<T>(
        string name, int n, int clients, Func<int, T> prepare, Func<int, T, CancellationToken, Task> operation, CancellationToken ct,
        long? items = null, string unit = "req/s", int? serverPid = null, TimeSpan? timeLimit = null)
    {
        var samples = new double[n];
        var ran = new bool[n];
        var next = -1;
        var wall = new Stopwatch();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < n && (i < clients || timeLimit is null || wall.Elapsed < timeLimit))
            {
                failed.Token.ThrowIfCancellationRequested();
                var input = prepare(i);
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await operation(i, input, failed.Token);
                }
                catch
                {
                    await failed.CancelAsync();
                    throw;
                }
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                ran[i] = true;
            }
        }

        var cpu = CpuUsage.Start(serverPid);
        wall.Start();
        // Task.Run: each client starts on the thread pool, so the first awaits do not serialise them.
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(Worker, CancellationToken.None)).ToArray();
        // A faulted worker outranks the ones it cancelled, so this rethrows the real failure.
        await Task.WhenAll(workers);
        wall.Stop();
        var done = samples.Where((_, i) => ran[i]).ToArray();
        return new LatencyStats(name, done, wall.Elapsed, Done(items, done.Length, n), unit, clients) { Cpu = cpu.Stop() };
    }

    /// <summary>The items of the operations done: all of them, or a proportional share when the time limit cut the run short.</summary>
    private static long? Done(long? items, int done, int n) => done == n || items is null ? items : items.Value * done / n;
}
