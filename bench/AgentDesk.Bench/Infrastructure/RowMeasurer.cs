namespace AgentDesk.Bench.Infrastructure;

/// <summary>
/// Measures a report row the way this shared machine needs: wait (up to <c>--wait-idle</c>) for
/// other processes to go quiet, run, and when others still took more than a quarter of a core, run
/// again — keeping the attempt with the least foreign load (best of <c>attempts</c>). A row whose
/// best attempt was still disturbed, or one that cannot be repeated (seeding), gets a note saying
/// its figures are pessimistic.
/// </summary>
public sealed class RowMeasurer(BenchContext context, Report report, int attempts)
{
    /// <summary>Other processes above this many cores make a row "measured on a busy machine".</summary>
    public const double BusyCores = 0.25;

    private int _busyNote = -1;
    private int _busyStarts;

    /// <summary>Waits for a quiet machine; keeps one note saying how often it never got quiet.</summary>
    public async Task WaitForQuietAsync(int serverPid, CancellationToken ct)
    {
        if (await context.WaitForQuietMachineAsync(serverPid, ct) is not { } warning) return;
        var note = ++_busyStarts == 1 ? warning : $"{warning} — the last of {_busyStarts} measurements that started on a busy machine";
        if (_busyNote < 0)
        {
            _busyNote = report.Notes.Count;
            report.Notes.Add(note);
        }
        else report.Notes[_busyNote] = note;
    }

    /// <summary>Best of <c>attempts</c> runs of <paramref name="run"/>, added to the report's rows.</summary>
    public async Task<LatencyStats> MeasureAsync(int serverPid, Func<Task<LatencyStats>> run, CancellationToken ct)
    {
        LatencyStats? best = null;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            await WaitForQuietAsync(serverPid, ct);
            var stats = await run();
            var other = stats.Cpu?.Other ?? 0;
            if (best is null || other < (best.Cpu?.Other ?? 0)) best = stats;
            if (other <= BusyCores) break;
            context.Log.WriteLine($"  other processes used {other:F2} cores during '{stats.Name}' (attempt {attempt}/{attempts})");
        }
        if (best!.Cpu is { Other: > BusyCores } cpu)
            report.Notes.Add($"'{best.Name}': other processes used {cpu.Other:F2} cores in the best of {attempts} attempts; its figures are pessimistic.");
        report.Results.Add(best);
        return best;
    }

    /// <summary>For a row measured once (it cannot be repeated on the same database): notes foreign load.</summary>
    public void NoteIfBusy(LatencyStats stats)
    {
        if (stats.Cpu is { Other: > BusyCores } cpu)
            report.Notes.Add($"'{stats.Name}': other processes used {cpu.Other:F2} cores meanwhile; its figures are pessimistic.");
    }
}
