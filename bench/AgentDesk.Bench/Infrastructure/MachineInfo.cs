using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AgentDesk.Bench.Infrastructure;

/// <summary>What the figures were measured on; read from /proc and the tools, never guessed.</summary>
public sealed record MachineInfo(
    int LogicalCpus, string CpuModel, string Memory, string Os, string Kernel,
    string DotnetSdk, string Runtime, string TempFileSystem, string GitRevision)
{
    public static MachineInfo Collect(string repoRoot)
    {
        var cpuModel = ReadFirst("/proc/cpuinfo", "model name") ?? "unknown";
        var memKb = ReadFirst("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var memory = long.TryParse(memKb, out var kb) ? $"{kb / 1024.0 / 1024.0:F1} GiB" : "unknown";
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"')
            : null;
        var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription;
        var sdk = Run("dotnet", repoRoot, "--version") ?? "unknown";
        var revision = Run("git", repoRoot, "rev-parse", "--short", "HEAD") ?? "unknown";
        var dirty = Run("git", repoRoot, "status", "--porcelain", "--untracked-files=no", "--", "src") is { Length: > 0 };
        return new MachineInfo(
            Environment.ProcessorCount, cpuModel, memory, os ?? RuntimeInformation.OSDescription, kernel,
            sdk, RuntimeInformation.FrameworkDescription, FileSystemOf(Path.GetTempPath()),
            dirty ? $"{revision} (src/ has uncommitted changes)" : revision);
    }

    /// <summary>The 1, 5 and 15 minute load averages (/proc/loadavg), for a report that says how busy the shared machine was.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string? ReadFirst(string file, string key)
    {
        if (!File.Exists(file)) return null;
        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        var colon = line?.IndexOf(':') ?? -1;
        return colon < 0 ? null : line![(colon + 1)..].Trim();
    }

    /// <summary>The mount holding <paramref name="path"/> (longest matching mount point in /proc/mounts).</summary>
    private static string FileSystemOf(string path)
    {
        if (!File.Exists("/proc/mounts")) return "unknown";
        var full = Path.GetFullPath(path);
        var best = File.ReadLines("/proc/mounts")
            .Select(l => l.Split(' '))
            .Where(f => f.Length >= 4 && (full.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal) || full == f[1]))
            .MaxBy(f => f[1].Length);
        return best is null ? "unknown" : $"{best[2]} on {best[1]} ({best[0]}; {best[3]})";
    }

    /// <summary>Runs a read-only tool and returns its trimmed stdout, or null if it fails.</summary>
    private static string? Run(string file, string workingDirectory, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args) psi.ArgumentList.Add(arg);
            using var process = Process.Start(psi);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
