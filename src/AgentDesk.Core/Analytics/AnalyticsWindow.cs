using System.Globalization;
using System.Text.Json.Serialization;

namespace AgentDesk.Core.Analytics;

/// <summary>
/// The half-open time window [from, to) analytics look at, in Unix milliseconds, and an optional queue. A handoff
/// belongs to the window when it was created in it; a validation failure when it was refused in it; a bot session
/// when it started in it. Days are UTC days.
/// </summary>
public sealed record AnalyticsWindow(long FromMs, long ToMs, string? Queue = null)
{
    /// <summary>The window when the caller gives none: the last 7 days up to now.</summary>
    public static readonly TimeSpan DefaultLength = TimeSpan.FromDays(7);

    /// <summary>The longest window one request may ask for (a quarter and a bit), so a report stays a bounded read.</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(92);

    public DateTimeOffset From => DateTimeOffset.FromUnixTimeMilliseconds(FromMs);
    public DateTimeOffset To => DateTimeOffset.FromUnixTimeMilliseconds(ToMs);

    [JsonIgnore] public TimeSpan Length => TimeSpan.FromMilliseconds(ToMs - FromMs);

    public bool Contains(long atMs) => atMs >= FromMs && atMs < ToMs;

    /// <summary>
    /// Reads a window from request text: each bound an ISO-8601 date-time (a date alone is its UTC midnight) or an
    /// integer of Unix milliseconds. A missing <paramref name="to"/> is now; a missing <paramref name="from"/> is
    /// <see cref="DefaultLength"/> before <c>to</c>. Throws a 400 for unreadable bounds, from ≥ to, or a window longer
    /// than <see cref="MaxLength"/>.
    /// </summary>
    public static AnalyticsWindow Parse(string? from, string? to, string? queue, DateTimeOffset now)
    {
        var toMs = Bound(to, "to") ?? now.ToUnixTimeMilliseconds();
        var fromMs = Bound(from, "from") ?? toMs - (long)DefaultLength.TotalMilliseconds;
        if (fromMs >= toMs) throw DeskException.Invalid("'from' must be before 'to'");
        if (toMs - fromMs > (long)MaxLength.TotalMilliseconds)
            throw DeskException.Invalid($"the window may span at most {MaxLength.TotalDays:0} days; narrow 'from' and 'to'");
        if (queue is not null && (queue.Length == 0 || queue.Length > 200 || queue.Any(char.IsControl)))
            throw DeskException.Invalid("'queue' must be a queue name of 1 to 200 printable characters");
        return new AnalyticsWindow(fromMs, toMs, queue);
    }

    private static long? Bound(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        // Unix milliseconds up to the end of year 9999; anything else numeric is refused rather than guessed at.
        if (text.All(char.IsAsciiDigit))
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= 253_402_300_799_999
                ? ms : throw DeskException.Invalid($"'{name}' is out of range");
        // A number that is not a whole count of milliseconds ("1.5", "-5") would otherwise parse as some date.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            throw DeskException.Invalid($"'{name}' must be whole, non-negative Unix milliseconds or an ISO-8601 date-time, not '{text}'");
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return at.ToUnixTimeMilliseconds();
        throw DeskException.Invalid($"'{name}' must be an ISO-8601 date-time or Unix milliseconds, not '{text}'");
    }
}
