using System.Globalization;

namespace AgentDesk.Bench.Infrastructure;

/// <summary>
/// <c>SCENARIO [--name value | --flag]…</c>. Values are read by the scenario that knows them; an
/// option nobody read is reported as a typo.
/// </summary>
public sealed class BenchArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);

    public BenchArgs(IReadOnlyList<string> args)
    {
        Raw = args;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var name = arg[2..];
                var eq = name.IndexOf('=');
                if (eq >= 0) _options[name[..eq]] = name[(eq + 1)..];
                else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) _options[name] = args[++i];
                else _options[name] = null;
            }
            else if (Scenario is null) Scenario = arg;
            else throw new ArgumentException($"unexpected argument '{arg}'");
        }
    }

    public IReadOnlyList<string> Raw { get; }
    public string? Scenario { get; }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var value) && value is null or "true" or "1";
    }

    public string? String(string name, string? fallback = null)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var value) ? value ?? throw new ArgumentException($"--{name} needs a value") : fallback;
    }

    public int Int(string name, int fallback, int min = 1, int max = int.MaxValue)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!int.TryParse(text.Replace("_", "").Replace(",", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new ArgumentException($"--{name} must be a whole number from {min} to {max}, not '{text}'");
        return value;
    }

    public IEnumerable<string> Unread() => _options.Keys.Where(k => !_read.Contains(k));
}
