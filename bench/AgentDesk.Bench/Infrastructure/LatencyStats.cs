namespace AgentDesk.Bench.Infrastructure;

/// <summary>
/// The summary of one measured run: per-operation latencies (milliseconds) and the wall time of the
/// whole run. Percentiles use the nearest-rank method on the sorted samples, so p99 of 3,000 samples
/// is the 2,970th fastest and <c>max</c> is a real observation, never an interpolation.
/// </summary>
public sealed class LatencyStats
{
    private readonly double[] _sorted;

    public LatencyStats(string name, IReadOnlyList<double> samplesMs, TimeSpan wall, long? items = null, string unit = "req/s", int clients = 1)
    {
        if (samplesMs.Count == 0) throw new ArgumentException("no samples", nameof(samplesMs));
        Name = name;
        _sorted = [.. samplesMs];
        Array.Sort(_sorted);
        Wall = wall;
        Items = items ?? samplesMs.Count;
        Unit = unit;
        Clients = clients;
    }

    public string Name { get; }
    /// <summary>The latencies, sorted ascending.</summary>
    public IReadOnlyList<double> Samples => _sorted;
    public int Count => _sorted.Length;
    public TimeSpan Wall { get; }
    /// <summary>What the run processed in total: operations, or e.g. memories for batch stores.</summary>
    public long Items { get; }
    public int Clients { get; }
    /// <summary>What <see cref="Throughput"/> counts per second, e.g. <c>req/s</c> or <c>memories/s</c>.</summary>
    public string Unit { get; }
    /// <summary>CPU used while this ran: server, client, other processes (cores); null when not measured.</summary>
    public CpuShare? Cpu { get; set; }

    public double Throughput => Items / Wall.TotalSeconds;
    public double Mean => _sorted.Average();
    public double Min => _sorted[0];
    public double Max => _sorted[^1];
    public double P50 => Percentile(50);
    public double P95 => Percentile(95);
    public double P99 => Percentile(99);

    /// <param name="p">0 &lt; p ≤ 100.</param>
    public double Percentile(double p)
    {
        if (p is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(p));
        var rank = (int)Math.Ceiling(p / 100.0 * _sorted.Length);
        return _sorted[Math.Clamp(rank, 1, _sorted.Length) - 1];
    }
}
