namespace AgentDesk.Core.Recall.Temporal;

/// <summary>
/// The desk's calendar at one instant: "today", "Monday", "last month" are days in the desk's time zone,
/// and every boundary is handed back as a UTC instant. A local midnight that a daylight-saving change
/// skips maps to the first instant after the gap.
/// </summary>
internal sealed class LocalCalendar
{
    public LocalCalendar(DateTimeOffset now, TimeZoneInfo zone)
    {
        Now = now.ToUniversalTime();
        Zone = zone;
        LocalNow = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        Today = DateOnly.FromDateTime(LocalNow);
    }

    public DateTimeOffset Now { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>Wall-clock time in the desk's zone (kind unspecified).</summary>
    public DateTime LocalNow { get; }

    public DateOnly Today { get; }

    /// <summary>Monday of the ISO week holding <paramref name="day"/>.</summary>
    public static DateOnly MondayOf(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    public static DateOnly FirstOfMonth(DateOnly day) => new(day.Year, day.Month, 1);

    /// <summary>The instant <paramref name="day"/> reaches <paramref name="hour"/> o'clock; hours past 24 run into the next days.</summary>
    public DateTimeOffset At(DateOnly day, int hour = 0) =>
        ToUtc(day.AddDays(hour / 24).ToDateTime(new TimeOnly(hour % 24, 0)));

    /// <summary>The UTC instant of a wall-clock time in the desk's zone.</summary>
    public DateTimeOffset ToUtc(DateTime wall)
    {
        wall = DateTime.SpecifyKind(wall, DateTimeKind.Unspecified);
        // Inside a spring-forward gap the offset in force before the change gives the instant the gap ends.
        var offset = Zone.IsInvalidTime(wall) ? Zone.GetUtcOffset(wall.AddHours(-3)) : Zone.GetUtcOffset(wall);
        return new DateTimeOffset(wall, offset).ToUniversalTime();
    }

    /// <summary>Whole days [<paramref name="first"/>, <paramref name="end"/>) as UTC instants.</summary>
    public (DateTimeOffset From, DateTimeOffset Until) Days(DateOnly first, DateOnly end) => (At(first), At(end));
}
