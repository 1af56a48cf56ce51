using System.Text.RegularExpressions;

namespace AgentDesk.Core.Recall.Temporal;

/// <summary>
/// Finds the time phrases of a recall query ("yesterday", "last week", "on Jan 15", "3 days ago", "our last
/// call") and turns them into windows on the server clock, so recall can filter by time and search the rest
/// of the query by meaning and words. Pure: the clock and the desk's time zone are arguments.
/// <para>What each phrase means (days, weeks, months are calendar ones in the desk's zone; weeks start on Monday):</para>
/// <list type="bullet">
/// <item>today, yesterday, the day before yesterday: that day. This morning 05–12, this afternoon 12–18, this
/// evening / tonight 18–24, last night yesterday 18:00 – today 06:00; yesterday (or a weekday) morning,
/// afternoon, evening, night likewise. Earlier today: from midnight on.</item>
/// <item>this / last week, month, year, weekend: the whole calendar period (a period is never cut at now:
/// memories are never in the future). "Last weekend" is the latest Saturday–Sunday that is over.
/// Earlier this week / month / year: from its start on.</item>
/// <item>N minutes / hours / days / weeks / months / years ago: the calendar unit holding the day N units back
/// (3 days ago = that day; 2 weeks ago = that Monday–Sunday week; a month ago = that month); minutes and hours,
/// which have no calendar, get one unit of slack on each side. Fuzzy counts span a range: a couple = 2–3,
/// a few = 2–4, several = 3–7 units back.</item>
/// <item>in the last / past N units, the past week, over the last month, recently (= 7 days): rolling, from
/// now minus N units on. "Last week" alone is the previous calendar week.</item>
/// <item>since X: from the start of X on (since Monday, since yesterday, since March, since last week).</item>
/// <item>on / last / past Monday, Monday morning: the latest Monday before today (so on a Monday, "last
/// Monday" is a week ago; it never means the Monday before that).</item>
/// <item>Dates: Jan 15, January 15th, 15 January, the 15th of January, Jan 15 2024, 2024-01-15, and numeric
/// dates with slashes only where day and month cannot be confused (15/1/2024, 1/15/2024; 1/2/2024 is left
/// alone). A month needs a day, a year or a preposition (in March, March 2023, in May — never "may" alone);
/// a year needs a preposition (in 2023). Without a year, the latest such date or month that is not in the
/// future.</item>
/// <item>last / previous / latest / most recent meeting, session, call, chat, conversation; the last time we
/// spoke / talked: <see cref="TemporalKind.LastSession"/>.</item>
/// </list>
/// Phrases are matched case-insensitively on whole words; where phrases overlap the one starting first wins,
/// then the longest ("the day before yesterday" over "yesterday").
/// </summary>
public static partial class TemporalPhrases
{
    /// <summary>The first time phrase of the query in reading order, or null when it has none.</summary>
    public static TemporalIntent? Parse(string query, DateTimeOffset now, TimeZoneInfo zone) =>
        ParseAll(query, now, zone) is [var first, ..] ? first : null;

    /// <summary>Every time phrase of the query, in reading order, none overlapping.</summary>
    public static IReadOnlyList<TemporalIntent> ParseAll(string query, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(zone);
        var calendar = new LocalCalendar(now, zone);
        var candidates = new List<(TemporalIntent Intent, int Rule)>();
        for (var r = 0; r < Rules.Length; r++)
        {
            foreach (Match match in Rules[r].Pattern.Matches(query))
            {
                if (Rules[r].Resolve(match, calendar) is not { } window) continue;
                if (window.Kind == TemporalKind.Window && Preposition(match) == "since") window = window with { Until = null };
                candidates.Add((new TemporalIntent(window.Kind, window.From, window.Until, match.Value, match.Index, match.Length), r));
            }
        }

        candidates.Sort((a, b) =>
            a.Intent.Start != b.Intent.Start ? a.Intent.Start.CompareTo(b.Intent.Start)
            : a.Intent.Length != b.Intent.Length ? b.Intent.Length.CompareTo(a.Intent.Length)
            : a.Rule.CompareTo(b.Rule));
        var chosen = new List<TemporalIntent>();
        var end = 0;
        foreach (var (intent, _) in candidates)
        {
            if (intent.Start < end) continue;
            chosen.Add(intent);
            end = intent.Start + intent.Length;
        }
        return chosen;
    }

    /// <summary>The query with the phrase cut out and the gap closed, for the lexical and semantic search.</summary>
    public static string WithoutPhrase(string query, TemporalIntent intent)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(intent);
        if (intent.Start < 0 || intent.Length < 0 || intent.Start + intent.Length > query.Length
            || !query.AsSpan(intent.Start, intent.Length).SequenceEqual(intent.Phrase))
            throw new ArgumentException("The intent was not parsed from this query.", nameof(intent));

        var before = query[..intent.Start].TrimEnd();
        var after = query[(intent.Start + intent.Length)..].TrimStart();
        // "Yesterday, what did she say" leaves "what did she say", not ", what did she say".
        if (before.Length == 0) return after.TrimStart(',', ';', ':', ' ');
        if (after.Length == 0) return before;
        return char.IsPunctuation(after[0]) ? before + after : before + " " + after;
    }

    private static string? Preposition(Match match) =>
        match.Groups["prep"].Success ? match.Groups["prep"].Value.ToLowerInvariant() : null;

    private readonly record struct Window(TemporalKind Kind, DateTimeOffset? From, DateTimeOffset? Until)
    {
        public static Window Between(DateTimeOffset from, DateTimeOffset? until) => new(TemporalKind.Window, from, until);

        public static Window Between((DateTimeOffset From, DateTimeOffset Until) span) => new(TemporalKind.Window, span.From, span.Until);
    }

    private sealed record Rule(Regex Pattern, Func<Match, LocalCalendar, Window?> Resolve);
}
