using System.Diagnostics;

namespace AgentDesk.Bench.Infrastructure;

/// <summary>
/// A line every <c>interval</c> (10 s) while a long step runs — "seeding → 100k: 41,500 / 90,000
/// memories (4,150/s, 10 s)" — so a run of many minutes shows it is alive and how fast it goes.
/// Thread-safe: workers call <see cref="Add"/>; disposing stops the lines.
/// </summary>
public sealed class ProgressLog : IDisposable
{
    private readonly TextWriter _log;
    private readonly string _label;
    private readonly long _total;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer _timer;
    private long _done;

    public ProgressLog(TextWriter log, string label, long total, string unit, TimeSpan? interval = null)
    {
        _log = log;
        _label = label;
        _total = total;
        _unit = unit;
        var every = interval ?? TimeSpan.FromSeconds(10);
        _timer = new Timer(_ => Print(), null, every, every);
    }

    public void Add(long count) => Interlocked.Add(ref _done, count);

    private void Print()
    {
        var done = Interlocked.Read(ref _done);
        var seconds = _clock.Elapsed.TotalSeconds;
        _log.WriteLine($"  {_label}: {done:N0} / {_total:N0} {_unit} ({done / seconds:N0}/s, {seconds:F0} s)");
    }

    public void Dispose() => _timer.Dispose();
}
