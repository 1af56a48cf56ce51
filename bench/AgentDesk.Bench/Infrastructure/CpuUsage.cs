using System.Globalization;

namespace AgentDesk.Bench.Infrastructure;

/// <summary>CPU used during one measurement, in cores (1.0 = one core busy for the whole interval).</summary>
public sealed record CpuShare(double Server, double Client, double Other)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Server:F2}/{Client:F2}/{Other:F2}");
}

/// <summary>
/// Splits the machine's CPU time over an interval (from /proc) into the server process, this
/// process (the load client), and everything else — so a row measured while other work was running
/// on the machine says so instead of silently looking slow.
/// </summary>
public sealed class CpuUsage
{
    private readonly int? _serverPid;
    private readonly (long Busy, long Total) _machine;
    private readonly long _server;
    private readonly long _client;

    private CpuUsage(int? serverPid)
    {
        _serverPid = serverPid;
        _machine = Machine();
        _server = serverPid is { } pid ? ProcessTicks(pid) : 0;
        _client = ProcessTicks(Environment.ProcessId);
    }

    public static bool Supported => File.Exists("/proc/stat");

    public static CpuUsage Start(int? serverPid) => new(serverPid);

    public CpuShare? Stop()
    {
        if (!Supported) return null;
        var machine = Machine();
        var total = machine.Total - _machine.Total;
        if (total <= 0) return null;
        var cores = Environment.ProcessorCount;
        var busy = machine.Busy - _machine.Busy;
        var server = (_serverPid is { } pid ? ProcessTicks(pid) : 0) - _server;
        var client = ProcessTicks(Environment.ProcessId) - _client;
        // /proc/stat sums all CPUs; per-process ticks are in the same unit (USER_HZ).
        double Cores(long ticks) => Math.Max(0, ticks) * (double)cores / total;
        return new CpuShare(Cores(server), Cores(client), Cores(busy - server - client));
    }

    private static (long Busy, long Total) Machine()
    {
        if (!Supported) return (0, 0);
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal [guest guest_nice — already in user/nice]
        var total = fields.Take(8).Sum();
        var idle = fields[3] + fields[4];
        return (total - idle, total);
    }

    private static long ProcessTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may contain spaces) start after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
