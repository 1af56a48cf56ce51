using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentDesk.Core.Recall.Temporal;

// The phrases: one pattern and one resolver each. A resolver returns null to refuse a match the pattern
// alone cannot rule out ("may" with no day, year or preposition; 1/2/2024; 30 February).
public static partial class TemporalPhrases
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    // Whole words only: "today's" matches, "weekday" does not contain "week".
    private const string Begin = @"(?<![\p{L}\p{N}])";
    private const string End = @"(?![\p{L}\p{N}])";
    private const string OptionalPreposition = @"(?:(?<prep>on|in|during|since|from|over|within|for|throughout)\s+)?";
    private const string PartOfDay = @"(?<part>morning|afternoon|evening|night)";
    private const string Count = @"(?<n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few|several)";
    private const string Unit = @"(?<unit>minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)";
    private const string Weekday = @"(?<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)";
    private const string MonthName = @"(?<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";
    private const string DayOfMonth = @"(?<day>\d{1,2})(?:st|nd|rd|th)?";
    private const string Year = @"(?<year>(?:19|20)\d{2})";

    [GeneratedRegex(Begin + OptionalPreposition + @"(?:the\s+)?day\s+before\s+yesterday" + End, Options)]
    private static partial Regex DayBeforeYesterdayPattern();

    [GeneratedRegex(Begin + OptionalPreposition + @"yesterday(?:\s+" + PartOfDay + ")?" + End, Options)]
    private static partial Regex YesterdayPattern();

    [GeneratedRegex(Begin + OptionalPreposition + @"(?<earlier>earlier\s+)?today" + End, Options)]
    private static partial Regex TodayPattern();

    [GeneratedRegex(Begin + OptionalPreposition + @"(?:this\s+(?<part>morning|afternoon|evening)|(?<tonight>tonight)|last\s+(?<lastNight>night))" + End, Options)]
    private static partial Regex PartOfTodayPattern();

    [GeneratedRegex(Begin + OptionalPreposition + @"(?:(?<earlier>earlier\s+)?this|(?<last>last|previous))\s+(?<period>weekend|week|month|year)" + End, Options)]
    private static partial Regex CalendarPeriodPattern();

    [GeneratedRegex(Begin + OptionalPreposition + Count + @"\s+" + Unit + @"\s+ago" + End, Options)]
    private static partial Regex AgoPattern();

    [GeneratedRegex(Begin + OptionalPreposition + @"(?<the>the\s+)?(?<which>last|past)\s+(?:" + Count + @"\s+)?" + Unit + End, Options)]
    private static partial Regex RollingPattern();

    [GeneratedRegex(Begin + OptionalPreposition + @"(?:recently|lately|of\s+late)" + End, Options)]
    private static partial Regex RecentlyPattern();

    [GeneratedRegex(Begin + OptionalPreposition + @"(?:(?<modifier>last|past|this\s+past|previous)\s+)?" + Weekday + @"(?:\s+" + PartOfDay + ")?" + End, Options)]
    private static partial Regex WeekdayPattern();

    [GeneratedRegex(Begin + OptionalPreposition + MonthName + @"\s+" + DayOfMonth + @"(?:,?\s+" + Year + ")?" + End, Options)]
    private static partial Regex MonthDayPattern();

    [GeneratedRegex(Begin + OptionalPreposition + @"(?:the\s+)?" + DayOfMonth + @"\s+(?:of\s+)?" + MonthName + @"(?:,?\s+" + Year + ")?" + End, Options)]
    private static partial Regex DayMonthPattern();

    // A month followed by a number that is not a year is a date (or no date: "Feb 30"), never the whole month.
    [GeneratedRegex(Begin + OptionalPreposition + MonthName + @"(?:,?\s+" + Year + @"|(?!\s*\d))" + End, Options)]
    private static partial Regex MonthPattern();

    [GeneratedRegex(Begin + OptionalPreposition + Year + End, Options)]
    private static partial Regex YearPattern();

    [GeneratedRegex(Begin + OptionalPreposition + Year + @"-(?<monthNumber>\d{2})-(?<day>\d{2})" + End, Options)]
    private static partial Regex IsoDatePattern();

    [GeneratedRegex(Begin + OptionalPreposition + @"(?<first>\d{1,2})/(?<second>\d{1,2})/" + Year + End, Options)]
    private static partial Regex SlashDatePattern();

    [GeneratedRegex(Begin + @"(?:(?<prep>in|on|during|from)\s+)?(?:(?:our|the|my|your|their|his|her)\s+)?"
        + @"(?:(?:last|previous|latest|most\s+recent)\s+(?:phone\s+)?(?:meeting|session|call|chat|conversation|interaction|contact)"
        + @"|last\s+time\s+(?:we|i|you|they|she|he)\s+(?:spoke|talked|chatted|met|called))" + End, Options)]
    private static partial Regex LastSessionPattern();

    private static readonly Rule[] Rules =
    [
        new(DayBeforeYesterdayPattern(), (_, c) => Window.Between(c.Days(c.Today.AddDays(-2), c.Today.AddDays(-1)))),
        new(YesterdayPattern(), (m, c) => DayOrPart(c, c.Today.AddDays(-1), m)),
        new(TodayPattern(), (m, c) => m.Groups["earlier"].Success
            ? Window.Between(c.At(c.Today), null)
            : Window.Between(c.Days(c.Today, c.Today.AddDays(1)))),
        new(PartOfTodayPattern(), ResolvePartOfToday),
        new(CalendarPeriodPattern(), ResolveCalendarPeriod),
        new(AgoPattern(), ResolveAgo),
        new(RollingPattern(), ResolveRolling),
        new(RecentlyPattern(), (_, c) => Window.Between(c.ToUtc(c.LocalNow.AddDays(-7)), null)),
        new(WeekdayPattern(), ResolveWeekday),
        new(MonthDayPattern(), ResolveNamedDate),
        new(DayMonthPattern(), ResolveNamedDate),
        new(MonthPattern(), ResolveMonth),
        new(YearPattern(), ResolveYear),
        new(IsoDatePattern(), (m, c) => DateWindow(c, Number(m, "year"), Number(m, "monthNumber"), Number(m, "day"))),
        new(SlashDatePattern(), ResolveSlashDate),
        new(LastSessionPattern(), (_, _) => new Window(TemporalKind.LastSession, null, null)),
    ];

    private static Window? ResolvePartOfToday(Match m, LocalCalendar c) =>
        m.Groups["lastNight"].Success ? PartOf(c, c.Today.AddDays(-1), "night")
        : m.Groups["tonight"].Success ? PartOf(c, c.Today, "evening")
        : PartOf(c, c.Today, m.Groups["part"].Value);

    private static Window? ResolveCalendarPeriod(Match m, LocalCalendar c)
    {
        var last = m.Groups["last"].Success;
        var monday = LocalCalendar.MondayOf(c.Today);
        var month = LocalCalendar.FirstOfMonth(c.Today);
        var year = new DateOnly(c.Today.Year, 1, 1);
        var (from, until) = m.Groups["period"].Value.ToLowerInvariant() switch
        {
            "week" => last ? c.Days(monday.AddDays(-7), monday) : c.Days(monday, monday.AddDays(7)),
            // The latest weekend that is over; this week's is never over before Monday.
            "weekend" => last ? c.Days(monday.AddDays(-2), monday) : c.Days(monday.AddDays(5), monday.AddDays(7)),
            "month" => last ? c.Days(month.AddMonths(-1), month) : c.Days(month, month.AddMonths(1)),
            _ => last ? c.Days(year.AddYears(-1), year) : c.Days(year, year.AddYears(1)),
        };
        return Window.Between(from, m.Groups["earlier"].Success ? null : until);
    }

    private static Window? ResolveAgo(Match m, LocalCalendar c)
    {
        var (fewest, most) = CountOf(m.Groups["n"].Value);
        var today = c.Today;
        return UnitOf(m.Groups["unit"].Value) switch
        {
            // No calendar for these: one unit of slack on each side.
            TimeUnit.Minute => Window.Between(c.Now.AddMinutes(-(most + 1)), c.Now.AddMinutes(-(fewest - 1))),
            TimeUnit.Hour => Window.Between(c.Now.AddHours(-(most + 1)), c.Now.AddHours(-(fewest - 1))),
            TimeUnit.Day => Window.Between(c.Days(today.AddDays(-most), today.AddDays(-fewest + 1))),
            TimeUnit.Week => Window.Between(c.Days(
                LocalCalendar.MondayOf(today.AddDays(-7 * most)), LocalCalendar.MondayOf(today.AddDays(-7 * fewest)).AddDays(7))),
            TimeUnit.Month => Window.Between(c.Days(
                LocalCalendar.FirstOfMonth(today.AddMonths(-most)), LocalCalendar.FirstOfMonth(today.AddMonths(-fewest)).AddMonths(1))),
            _ => Window.Between(c.Days(new DateOnly(today.Year - most, 1, 1), new DateOnly(today.Year - fewest + 1, 1, 1))),
        };
    }

    private static Window? ResolveRolling(Match m, LocalCalendar c)
    {
        var unitText = m.Groups["unit"].Value;
        int units;
        if (m.Groups["n"].Success)
        {
            units = CountOf(m.Groups["n"].Value).Most;
        }
        else
        {
            // "past week", "in the last hour" are rolling; "last week" alone is the calendar week (another
            // rule), and "the last day of the trial" is no time phrase at all.
            var past = m.Groups["which"].Value.Equals("past", StringComparison.OrdinalIgnoreCase);
            var singular = !unitText.EndsWith('s') && !unitText.EndsWith('S');
            if (!singular || !(past || Preposition(m) is "in" or "over" or "during" or "within" or "for")) return null;
            units = 1;
        }
        var local = c.LocalNow;
        return Window.Between(UnitOf(unitText) switch
        {
            TimeUnit.Minute => c.Now.AddMinutes(-units),
            TimeUnit.Hour => c.Now.AddHours(-units),
            TimeUnit.Day => c.ToUtc(local.AddDays(-units)),
            TimeUnit.Week => c.ToUtc(local.AddDays(-7 * units)),
            TimeUnit.Month => c.ToUtc(local.AddMonths(-units)),
            _ => c.ToUtc(local.AddYears(-units)),
        }, null);
    }

    private static Window? ResolveWeekday(Match m, LocalCalendar c)
    {
        // A bare weekday is too often something else ("Black Friday"); it needs a modifier, a preposition or a part of day.
        if (!m.Groups["modifier"].Success && !m.Groups["part"].Success && Preposition(m) is not ("on" or "since" or "from"))
            return null;
        var weekday = Enum.Parse<DayOfWeek>(m.Groups["weekday"].Value, ignoreCase: true);
        var back = ((int)c.Today.DayOfWeek - (int)weekday + 7) % 7;
        return DayOrPart(c, c.Today.AddDays(back == 0 ? -7 : -back), m);
    }

    private static Window? ResolveNamedDate(Match m, LocalCalendar c)
    {
        var month = MonthOf(m.Groups["month"].Value);
        var day = Number(m, "day");
        if (m.Groups["year"].Success) return DateWindow(c, Number(m, "year"), month, day);
        // The latest such date that is not in the future (29 February may lie a few years back).
        for (var year = c.Today.Year; year > c.Today.Year - 8; year--)
        {
            if (day < 1 || day > DateTime.DaysInMonth(year, month)) continue;
            var date = new DateOnly(year, month, day);
            if (date <= c.Today) return Window.Between(c.Days(date, date.AddDays(1)));
        }
        return null;
    }

    private static Window? ResolveMonth(Match m, LocalCalendar c)
    {
        var month = MonthOf(m.Groups["month"].Value);
        int year;
        if (m.Groups["year"].Success) year = Number(m, "year");
        else if (Preposition(m) is null) return null; // "may I", "march on": a month name alone is no date
        else year = month <= c.Today.Month ? c.Today.Year : c.Today.Year - 1;
        var first = new DateOnly(year, month, 1);
        return Window.Between(c.Days(first, first.AddMonths(1)));
    }

    private static Window? ResolveYear(Match m, LocalCalendar c)
    {
        // "in 2023", never "for 2000 customers".
        if (Preposition(m) is not ("in" or "during" or "since" or "throughout")) return null;
        var first = new DateOnly(Number(m, "year"), 1, 1);
        return Window.Between(c.Days(first, first.AddYears(1)));
    }

    private static Window? ResolveSlashDate(Match m, LocalCalendar c)
    {
        var (first, second) = (Number(m, "first"), Number(m, "second"));
        // Only where day/month and month/day cannot be confused: 15/1/2024 and 1/15/2024 yes, 1/2/2024 no.
        var (month, day) = first > 12 && second <= 12 ? (second, first)
            : second > 12 && first <= 12 ? (first, second)
            : first == second ? (first, second)
            : (0, 0);
        return month == 0 ? null : DateWindow(c, Number(m, "year"), month, day);
    }

    private static Window? DateWindow(LocalCalendar c, int year, int month, int day)
    {
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return null;
        var date = new DateOnly(year, month, day);
        return Window.Between(c.Days(date, date.AddDays(1)));
    }

    private static Window DayOrPart(LocalCalendar c, DateOnly day, Match m) =>
        m.Groups["part"].Success ? PartOf(c, day, m.Groups["part"].Value) : Window.Between(c.Days(day, day.AddDays(1)));

    private static Window PartOf(LocalCalendar c, DateOnly day, string part)
    {
        var (from, until) = part.ToLowerInvariant() switch
        {
            "morning" => (5, 12),
            "afternoon" => (12, 18),
            "evening" => (18, 24),
            _ => (18, 30), // night: 18:00 to 06:00 the next morning
        };
        return Window.Between(c.At(day, from), c.At(day, until));
    }

    private enum TimeUnit { Minute, Hour, Day, Week, Month, Year }

    private static TimeUnit UnitOf(string unit) => unit.ToLowerInvariant() switch
    {
        var u when u.StartsWith("mi", StringComparison.Ordinal) => TimeUnit.Minute,
        var u when u.StartsWith('h') => TimeUnit.Hour,
        var u when u.StartsWith('d') => TimeUnit.Day,
        var u when u.StartsWith('w') => TimeUnit.Week,
        var u when u.StartsWith("mo", StringComparison.Ordinal) => TimeUnit.Month,
        _ => TimeUnit.Year,
    };

    /// <summary>How many units back, as a range: exact counts give one number, fuzzy words several.</summary>
    private static (int Fewest, int Most) CountOf(string count)
    {
        var words = count.ToLowerInvariant();
        if (int.TryParse(words, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return (number, number);
        if (words.Contains("couple", StringComparison.Ordinal)) return (2, 3);
        if (words.Contains("few", StringComparison.Ordinal)) return (2, 4);
        if (words == "several") return (3, 7);
        var exact = Array.IndexOf(NumberWords, words);
        return exact >= 0 ? (exact, exact) : (1, 1); // "a", "an"
    }

    private static readonly string[] NumberWords =
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
    ];

    private static int MonthOf(string name) =>
        Array.IndexOf(MonthPrefixes, name[..3].ToLowerInvariant()) + 1;

    private static readonly string[] MonthPrefixes = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    private static int Number(Match m, string group) =>
        int.Parse(m.Groups[group].Value, NumberStyles.None, CultureInfo.InvariantCulture);
}
