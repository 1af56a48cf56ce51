using System.Globalization;
using AgentDesk.Core.Recall.Temporal;

namespace AgentDesk.Core.Tests.Recall.Temporal;

public sealed class TemporalPhrasesTests
{
    // Saturday 21 November 2026, 15:30 UTC; its ISO week runs Monday 16 – Sunday 22.
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-21T15:30:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public void Now_IsASaturday() => Assert.Equal(DayOfWeek.Saturday, Now.DayOfWeek);

    [Theory]
    // Days and parts of days
    [InlineData("what did the customer say yesterday about the refund", "yesterday", "2026-11-20T00:00", "2026-11-21T00:00")]
    [InlineData("anything new today?", "today", "2026-11-21T00:00", "2026-11-22T00:00")]
    [InlineData("TODAY's notes", "TODAY", "2026-11-21T00:00", "2026-11-22T00:00")]
    [InlineData("what came up this morning", "this morning", "2026-11-21T05:00", "2026-11-21T12:00")]
    [InlineData("this afternoon", "this afternoon", "2026-11-21T12:00", "2026-11-21T18:00")]
    [InlineData("this evening", "this evening", "2026-11-21T18:00", "2026-11-22T00:00")]
    [InlineData("tonight", "tonight", "2026-11-21T18:00", "2026-11-22T00:00")]
    [InlineData("the address she gave earlier today", "earlier today", "2026-11-21T00:00", null)]
    [InlineData("what happened last night?", "last night", "2026-11-20T18:00", "2026-11-21T06:00")]
    [InlineData("Yesterday morning's call", "Yesterday morning", "2026-11-20T05:00", "2026-11-20T12:00")]
    [InlineData("yesterday afternoon", "yesterday afternoon", "2026-11-20T12:00", "2026-11-20T18:00")]
    [InlineData("yesterday evening", "yesterday evening", "2026-11-20T18:00", "2026-11-21T00:00")]
    [InlineData("what did he promise the day before yesterday", "the day before yesterday", "2026-11-19T00:00", "2026-11-20T00:00")]
    // Calendar periods (whole periods; weeks start on Monday)
    [InlineData("tickets this week", "this week", "2026-11-16T00:00", "2026-11-23T00:00")]
    [InlineData("Last Week, the refund", "Last Week", "2026-11-09T00:00", "2026-11-16T00:00")]
    [InlineData("previous week", "previous week", "2026-11-09T00:00", "2026-11-16T00:00")]
    [InlineData("this month", "this month", "2026-11-01T00:00", "2026-12-01T00:00")]
    [InlineData("last month", "last month", "2026-10-01T00:00", "2026-11-01T00:00")]
    [InlineData("this year", "this year", "2026-01-01T00:00", "2027-01-01T00:00")]
    [InlineData("last year", "last year", "2025-01-01T00:00", "2026-01-01T00:00")]
    [InlineData("over the weekend? no, last weekend", "last weekend", "2026-11-14T00:00", "2026-11-16T00:00")]
    [InlineData("this weekend", "this weekend", "2026-11-21T00:00", "2026-11-23T00:00")]
    [InlineData("earlier this week", "earlier this week", "2026-11-16T00:00", null)]
    // N units ago: the calendar unit holding that day
    [InlineData("3 days ago", "3 days ago", "2026-11-18T00:00", "2026-11-19T00:00")]
    [InlineData("a day ago", "a day ago", "2026-11-20T00:00", "2026-11-21T00:00")]
    [InlineData("two weeks ago", "two weeks ago", "2026-11-02T00:00", "2026-11-09T00:00")]
    [InlineData("a week ago", "a week ago", "2026-11-09T00:00", "2026-11-16T00:00")]
    [InlineData("a couple of days ago", "a couple of days ago", "2026-11-18T00:00", "2026-11-20T00:00")]
    [InlineData("a few days ago", "a few days ago", "2026-11-17T00:00", "2026-11-20T00:00")]
    [InlineData("2 months ago", "2 months ago", "2026-09-01T00:00", "2026-10-01T00:00")]
    [InlineData("a year ago", "a year ago", "2025-01-01T00:00", "2026-01-01T00:00")]
    [InlineData("three hours ago", "three hours ago", "2026-11-21T11:30", "2026-11-21T13:30")]
    [InlineData("an hour ago", "an hour ago", "2026-11-21T13:30", "2026-11-21T15:30")]
    // Rolling windows, up to now
    [InlineData("complaints in the last 3 days", "in the last 3 days", "2026-11-18T15:30", null)]
    [InlineData("in the past 24 hours", "in the past 24 hours", "2026-11-20T15:30", null)]
    [InlineData("last 2 weeks", "last 2 weeks", "2026-11-07T15:30", null)]
    [InlineData("over the past week", "over the past week", "2026-11-14T15:30", null)]
    [InlineData("in the last week", "in the last week", "2026-11-14T15:30", null)]
    [InlineData("the past month", "the past month", "2026-10-21T15:30", null)]
    [InlineData("within the last hour", "within the last hour", "2026-11-21T14:30", null)]
    [InlineData("the last few days", "the last few days", "2026-11-17T15:30", null)]
    [InlineData("what did she ask recently", "recently", "2026-11-14T15:30", null)]
    [InlineData("since Monday", "since Monday", "2026-11-16T00:00", null)]
    [InlineData("since yesterday", "since yesterday", "2026-11-20T00:00", null)]
    [InlineData("since last week", "since last week", "2026-11-09T00:00", null)]
    [InlineData("since March", "since March", "2026-03-01T00:00", null)]
    // Weekdays: the latest one before today
    [InlineData("what did she say on Monday", "on Monday", "2026-11-16T00:00", "2026-11-17T00:00")]
    [InlineData("last Tuesday", "last Tuesday", "2026-11-17T00:00", "2026-11-18T00:00")]
    [InlineData("this past Thursday", "this past Thursday", "2026-11-19T00:00", "2026-11-20T00:00")]
    [InlineData("on Saturday", "on Saturday", "2026-11-14T00:00", "2026-11-15T00:00")]
    [InlineData("Friday morning", "Friday morning", "2026-11-20T05:00", "2026-11-20T12:00")]
    // Dates
    [InlineData("did she mention the invoice on Jan 15", "on Jan 15", "2026-01-15T00:00", "2026-01-16T00:00")]
    [InlineData("January 15th", "January 15th", "2026-01-15T00:00", "2026-01-16T00:00")]
    [InlineData("15 January", "15 January", "2026-01-15T00:00", "2026-01-16T00:00")]
    [InlineData("on the 15th of January", "on the 15th of January", "2026-01-15T00:00", "2026-01-16T00:00")]
    [InlineData("Jan. 15, 2024", "Jan. 15, 2024", "2024-01-15T00:00", "2024-01-16T00:00")]
    [InlineData("on 2024-01-15", "on 2024-01-15", "2024-01-15T00:00", "2024-01-16T00:00")]
    [InlineData("1/15/2024", "1/15/2024", "2024-01-15T00:00", "2024-01-16T00:00")]
    [InlineData("15/1/2024", "15/1/2024", "2024-01-15T00:00", "2024-01-16T00:00")]
    [InlineData("on Dec 3", "on Dec 3", "2025-12-03T00:00", "2025-12-04T00:00")]
    [InlineData("on Nov 21", "on Nov 21", "2026-11-21T00:00", "2026-11-22T00:00")]
    [InlineData("on Feb 29", "on Feb 29", "2024-02-29T00:00", "2024-03-01T00:00")]
    [InlineData("in March", "in March", "2026-03-01T00:00", "2026-04-01T00:00")]
    [InlineData("in December", "in December", "2025-12-01T00:00", "2026-01-01T00:00")]
    [InlineData("in May", "in May", "2026-05-01T00:00", "2026-06-01T00:00")]
    [InlineData("in March 2023", "in March 2023", "2023-03-01T00:00", "2023-04-01T00:00")]
    [InlineData("March 2023", "March 2023", "2023-03-01T00:00", "2023-04-01T00:00")]
    [InlineData("refunds in 2023", "in 2023", "2023-01-01T00:00", "2024-01-01T00:00")]
    public void Parse_TimePhrase_IsItsDocumentedWindow(string query, string phrase, string from, string? until)
    {
        var intent = TemporalPhrases.Parse(query, Now, TimeZoneInfo.Utc);

        Assert.NotNull(intent);
        Assert.Equal(TemporalKind.Window, intent.Kind);
        Assert.Equal(phrase, intent.Phrase);
        Assert.Equal(query.IndexOf(phrase, StringComparison.Ordinal), intent.Start);
        Assert.Equal(phrase.Length, intent.Length);
        Assert.Equal(Utc(from), intent.From);
        Assert.Equal(until is null ? null : Utc(until), intent.Until);
    }

    [Theory]
    [InlineData("summary of our last call", "our last call")]
    [InlineData("what was agreed in the last meeting", "in the last meeting")]
    [InlineData("last session", "last session")]
    [InlineData("recap our last chat", "our last chat")]
    [InlineData("the last conversation", "the last conversation")]
    [InlineData("what did she want the last time we spoke", "the last time we spoke")]
    [InlineData("last time we talked", "last time we talked")]
    [InlineData("previous call", "previous call")]
    [InlineData("her previous session", "her previous session")]
    [InlineData("the most recent call", "the most recent call")]
    public void Parse_LastSessionPhrase_AsksForTheLastSession(string query, string phrase)
    {
        var intent = TemporalPhrases.Parse(query, Now, TimeZoneInfo.Utc);

        Assert.NotNull(intent);
        Assert.Equal(TemporalKind.LastSession, intent.Kind);
        Assert.Equal(phrase, intent.Phrase);
        Assert.Null(intent.From);
        Assert.Null(intent.Until);
    }

    [Theory]
    [InlineData("what is the customer's last name")]
    [InlineData("the last step of the refund")]
    [InlineData("since the refund failed")]
    [InlineData("may I see the invoice")]
    [InlineData("March of the penguins")]
    [InlineData("the second time she called")]
    [InlineData("she has 3 refunds and 2 open tickets")]
    [InlineData("the week")]
    [InlineData("refund for 2000 customers")]
    [InlineData("invoice dated 1/2/2024")]
    [InlineData("on Feb 30")]
    [InlineData("a Black Friday deal")]
    [InlineData("on the last day of the trial")]
    [InlineData("the last 4 digits of the card")]
    [InlineData("changed at the last minute")]
    [InlineData("the weekday rota")]
    [InlineData("next week and tomorrow")]
    [InlineData("")]
    public void Parse_NoTimePhrase_ReturnsNull(string query) =>
        Assert.Null(TemporalPhrases.Parse(query, Now, TimeZoneInfo.Utc));

    [Theory]
    [InlineData("on 9999-12-31 and 0001-01-01")]
    [InlineData("999 years ago, 999 months ago, 999 weeks ago")]
    [InlineData("in the last 999 years")]
    [InlineData("0 days ago, 0 hours ago")]
    [InlineData("\0\u0007yesterday\ud800 today\udc00")]
    [InlineData("31/31/2024 and 00/00/2024 and 2024-13-45")]
    public void Parse_ExtremeInput_DoesNotThrow(string query)
    {
        var intents = TemporalPhrases.ParseAll(query, Now, TimeZoneInfo.Utc);
        Assert.All(intents, i => Assert.True(i.From is null || i.Until is null || i.From < i.Until, i.Phrase));
    }

    [Fact]
    public void Parse_LongQuery_FindsThePhraseAtTheEnd()
    {
        var query = string.Concat(Enumerable.Repeat("the refund was charged twice, ", 400)) + "yesterday";
        Assert.Equal(query.Length - "yesterday".Length, TemporalPhrases.Parse(query, Now, TimeZoneInfo.Utc)!.Start);
    }

    [Fact]
    public void Parse_NewYork_UsesLocalCalendarDays()
    {
        // 03:30 UTC on Saturday is still Friday 22:30 in New York (UTC−5 in November).
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var now = DateTimeOffset.Parse("2026-11-21T03:30:00Z", CultureInfo.InvariantCulture);

        var today = TemporalPhrases.Parse("today", now, newYork);
        var yesterday = TemporalPhrases.Parse("yesterday", now, newYork);

        Assert.Equal((Utc("2026-11-20T05:00"), Utc("2026-11-21T05:00")), (today!.From, today.Until));
        Assert.Equal((Utc("2026-11-19T05:00"), Utc("2026-11-20T05:00")), (yesterday!.From, yesterday.Until));
        Assert.Equal(TimeSpan.Zero, today.From!.Value.Offset);
    }

    [Fact]
    public void Parse_LastWeekAcrossDaylightSavingEnd_EachBoundaryAtLocalMidnight()
    {
        // New York left daylight saving on Sunday 1 November 2026: Monday 26 October starts at 04:00 UTC,
        // Monday 2 November at 05:00 UTC.
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var now = DateTimeOffset.Parse("2026-11-04T15:00:00Z", CultureInfo.InvariantCulture);

        var intent = TemporalPhrases.Parse("last week", now, newYork);

        Assert.Equal((Utc("2026-10-26T04:00"), Utc("2026-11-02T05:00")), (intent!.From, intent.Until));
    }

    [Fact]
    public void Parse_DayWhoseMidnightIsSkipped_StartsWhenTheDayBegins()
    {
        // Chile moves its clocks from 00:00 to 01:00 on Sunday 6 September 2026: that day begins at 01:00 (UTC−3).
        var santiago = TimeZoneInfo.FindSystemTimeZoneById("America/Santiago");
        Assert.True(santiago.IsInvalidTime(new DateTime(2026, 9, 6, 0, 0, 0)), "premise: midnight is skipped");

        var intent = TemporalPhrases.Parse("on Sep 6, 2026", Now, santiago);

        Assert.Equal((Utc("2026-09-06T04:00"), Utc("2026-09-07T03:00")), (intent!.From, intent.Until));
    }

    [Fact]
    public void ParseAll_SeveralPhrases_InReadingOrder()
    {
        var intents = TemporalPhrases.ParseAll("what did she say yesterday about last week's outage in our last call", Now, TimeZoneInfo.Utc);

        Assert.Equal(["yesterday", "last week", "in our last call"], intents.Select(i => i.Phrase));
        Assert.Equal("yesterday", TemporalPhrases.Parse("what did she say yesterday about last week's outage", Now, TimeZoneInfo.Utc)!.Phrase);
    }

    [Theory]
    [InlineData("what did the customer say yesterday about the refund", "what did the customer say about the refund")]
    [InlineData("did she mention the invoice on Jan 15?", "did she mention the invoice?")]
    [InlineData("summary of our last call", "summary of")]
    [InlineData("Yesterday, what did he say", "what did he say")]
    [InlineData("in the last 3 days", "")]
    public void WithoutPhrase_CutsThePhraseAndClosesTheGap(string query, string expected)
    {
        var intent = TemporalPhrases.Parse(query, Now, TimeZoneInfo.Utc);
        Assert.Equal(expected, TemporalPhrases.WithoutPhrase(query, intent!));
    }

    [Fact]
    public void WithoutPhrase_IntentOfAnotherQuery_Throws()
    {
        var intent = TemporalPhrases.Parse("refund yesterday", Now, TimeZoneInfo.Utc)!;
        Assert.Throws<ArgumentException>(() => TemporalPhrases.WithoutPhrase("refund today", intent));
        Assert.Throws<ArgumentException>(() => TemporalPhrases.WithoutPhrase("short", intent));
    }

    private static DateTimeOffset Utc(string local) =>
        DateTimeOffset.ParseExact(local, "yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
