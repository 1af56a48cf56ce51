namespace AgentDesk.Web.Components.Pages.Desk;

/// <summary>How long something has waited, as a desk shows it: "42 s", "3 min 05 s", "1 h 12 min".</summary>
public static class Wait
{
    public static string Format(TimeSpan waited)
    {
        if (waited < TimeSpan.Zero) waited = TimeSpan.Zero;
        return waited.TotalMinutes < 1 ? $"{(int)waited.TotalSeconds} s"
            : waited.TotalHours < 1 ? $"{(int)waited.TotalMinutes} min {waited.Seconds:00} s"
            : $"{(int)waited.TotalHours} h {waited.Minutes:00} min";
    }

    /// <summary>A memory's age: "just now", "12 min ago", "3 h ago", "2 d ago".</summary>
    public static string Age(TimeSpan age) =>
        age.TotalMinutes < 1 ? "just now"
        : age.TotalHours < 1 ? $"{(int)age.TotalMinutes} min ago"
        : age.TotalDays < 1 ? $"{(int)age.TotalHours} h ago"
        : $"{(int)age.TotalDays} d ago";
}
