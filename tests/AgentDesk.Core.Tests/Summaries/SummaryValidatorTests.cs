using System.Text.Json;
using AgentDesk.Core.Summaries;
using static AgentDesk.Core.Summaries.SummaryValidator.Codes;
using static AgentDesk.Core.Tests.Summaries.SummaryExamples;

namespace AgentDesk.Core.Tests.Summaries;

public sealed class SummaryValidatorTests
{
    private static string[] Codes(ValidationReport report) => report.Failures.Select(f => f.Code).ToArray();

    [Fact]
    public void Validate_CompleteSummary_IsValidAndCountsTheRenderedWords()
    {
        var summary = Valid(BotToTier1, Tier1ToTier2);

        var report = SummaryValidator.Validate(summary, Expect(BotToTier1, Tier1ToTier2));

        Assert.True(report.IsValid, string.Join("; ", report.Failures));
        Assert.Equal(SummaryRenderer.WordCount(SummaryRenderer.Render(summary)), report.WordCount);
    }

    [Fact]
    public void Validate_ExactlyAtTheLimit_IsValid_OneWordMore_Fails()
    {
        var atLimit = Padded(SummaryValidator.MaxWords);
        var over = Padded(SummaryValidator.MaxWords + 1);

        Assert.True(SummaryValidator.Validate(atLimit, Expect()).IsValid);
        var report = SummaryValidator.Validate(over, Expect());
        Assert.Equal([WordLimit], Codes(report));
        Assert.Equal("compress to ≤ 300 words: the draft has 301", report.Failures[0].Message);
    }

    /// <summary>A valid summary whose situation is padded until the rendered text has exactly <paramref name="words"/> words.</summary>
    private static StructuredSummary Padded(int words)
    {
        var summary = Valid();
        var missing = words - SummaryRenderer.WordCount(SummaryRenderer.Render(summary));
        return summary with { Situation = summary.Situation + string.Concat(Enumerable.Repeat(" more", missing)) };
    }

    public static TheoryData<string, Func<StructuredSummary, StructuredSummary>, string> MissingFields => new()
    {
        { MissingUserGoal, s => s with { UserGoal = "" }, "fill in user_goal" },
        { MissingSituation, s => s with { Situation = "  \n " }, "fill in situation" },
        { MissingSentiment, s => s with { Sentiment = new(" ", "some evidence") }, "fill in sentiment.label" },
        { MissingRecommendedAction, s => s with { RecommendedAction = "\t" }, "fill in recommended_action" },
    };

    [Theory]
    [MemberData(nameof(MissingFields))]
    public void Validate_RequiredFieldBlank_FailsWithThatCodeOnly(string code, Func<StructuredSummary, StructuredSummary> blank, string message)
    {
        var report = SummaryValidator.Validate(blank(Valid()), Expect());

        Assert.Equal([code], Codes(report));
        Assert.StartsWith(message, report.Failures[0].Message);
    }

    [Fact]
    public void Validate_DroppedMiddleHandoff_NamesItForAReAsk()
    {
        var report = SummaryValidator.Validate(Valid(BotToTier1, Tier2ToManager), Expect(BotToTier1, Tier1ToTier2, Tier2ToManager));

        Assert.Equal([ChainEntryMissing, EscalationNumberMissing], Codes(report));
        Assert.Equal("you dropped handoff 2 of 3 (tier1 → tier2): add it to handoff_chain at position 2", report.Failures[0].Message);
        Assert.Equal(
            "state that this is escalation 4 of the case (3 earlier handoffs): the case has 3 earlier handoff(s), so handoff_chain needs exactly 3 entries",
            report.Failures[1].Message);
    }

    [Fact]
    public void Validate_ChainMatchesIgnoringCaseAndSpaces_ButNotReasonOrEstablished()
    {
        var restated = new ChainEntry(" BOT ", "Tier1  ", "a different reason", "");

        Assert.True(SummaryValidator.Validate(Valid(restated), Expect(BotToTier1)).IsValid);
    }

    [Fact]
    public void Validate_SwappedHandoffs_ReportsOutOfOrder()
    {
        var report = SummaryValidator.Validate(Valid(Tier1ToTier2, BotToTier1), Expect(BotToTier1, Tier1ToTier2));

        var failure = Assert.Single(report.Failures);
        Assert.Equal(ChainEntryOutOfOrder, failure.Code);
        Assert.Matches("^move handoff [12] of 2 \\((bot → tier1|tier1 → tier2)\\) to position [12] of handoff_chain", failure.Message);
    }

    [Fact]
    public void Validate_InventedHandoff_AsksToRemoveIt()
    {
        var invented = new ChainEntry("tier2", "legal", "", "");

        var report = SummaryValidator.Validate(Valid(BotToTier1, invented), Expect(BotToTier1));

        Assert.Equal([ChainEntryUnknown, EscalationNumberMissing], Codes(report));
        Assert.Equal("remove handoff_chain entry 2 (tier2 → legal): it is not one of the case's 1 recorded handoffs", report.Failures[0].Message);
    }

    [Fact]
    public void Validate_RepeatedHandoff_ReportsTheDuplicate()
    {
        var report = SummaryValidator.Validate(Valid(BotToTier1, BotToTier1), Expect(BotToTier1));

        Assert.Equal([ChainEntryDuplicate, EscalationNumberMissing], Codes(report));
    }

    [Fact]
    public void Validate_ChainOnAFirstEscalation_IsUnknown()
    {
        var report = SummaryValidator.Validate(Valid(BotToTier1), Expect());

        Assert.Equal([ChainEntryUnknown, EscalationNumberMissing], Codes(report));
    }

    [Fact]
    public void Validate_StoredTextWithoutTheEscalationNumber_FailsOnThatAlone()
    {
        var summary = Valid(BotToTier1);
        var text = SummaryRenderer.Render(summary).Replace("escalation 2 of the case", "a handoff", StringComparison.Ordinal);

        var report = SummaryValidator.Validate(summary, text, Expect(BotToTier1));

        Assert.Equal([EscalationNumberMissing], Codes(report));
    }

    [Theory]
    [InlineData("Call the customer back by 5pm")]
    [InlineData("We promised: call the CUSTOMER back, by 5pm!")]
    [InlineData("  call   the customer back by 5pm today ")]
    public void Validate_OpenCommitmentRestated_Matches(string what)
    {
        var summary = Valid() with { Commitments = [new("Refund in 3 days", "bot"), new(what, "someone else")] };

        var report = SummaryValidator.Validate(summary, Expect());

        Assert.True(report.IsValid, string.Join("; ", report.Failures));
    }

    [Fact]
    public void Validate_OpenCommitmentDropped_QuotesItWithWhoAndWhen()
    {
        var report = SummaryValidator.Validate(Valid() with { Commitments = [new("Call back later", "bot")] }, Expect());

        var failure = Assert.Single(report.Failures);
        Assert.Equal(CommitmentMissing, failure.Code);
        Assert.Equal("keep the open commitment \"Call the customer back by 5pm (by tier1, due 17:00 today)\" in commitments: it has not been fulfilled yet", failure.Message);
    }

    [Fact]
    public void Validate_PartOfAWordIsNotTheCommitment()
    {
        var expectations = new SummaryExpectations([], [new("call", "bot")]);

        var report = SummaryValidator.Validate(Valid() with { Commitments = [new("recall the order", "bot")] }, expectations);

        Assert.Equal([CommitmentMissing], Codes(report));
    }

    [Fact]
    public void Validate_EverythingWrong_ListsEveryFailure()
    {
        var summary = Padded(400) with
        {
            UserGoal = "",
            Sentiment = new("", ""),
            RecommendedAction = " ",
            Commitments = [],
            HandoffChain = [Tier2ToManager, new("x", "y", "", ""), BotToTier1],
        };
        var expectations = new SummaryExpectations([BotToTier1, Tier1ToTier2, Tier2ToManager], [CallBack, new("Send a new card", "tier2")]);

        var report = SummaryValidator.Validate(summary, expectations);

        Assert.Equal(
            [WordLimit, MissingUserGoal, MissingSentiment, MissingRecommendedAction,
             ChainEntryOutOfOrder, ChainEntryMissing, ChainEntryUnknown, CommitmentMissing, CommitmentMissing],
            Codes(report));
        Assert.False(report.IsValid);
    }

    [Fact]
    public void Validate_DraftReadFromJsonWithFieldsAbsent_ReportsThemInsteadOfThrowing()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var draft = JsonSerializer.Deserialize<StructuredSummary>("""{"situation":"Charged twice","urgency":"normal"}""", options)!;

        var report = SummaryValidator.Validate(draft, Expect(BotToTier1));

        Assert.Equal([MissingUserGoal, MissingSentiment, MissingRecommendedAction, ChainEntryMissing, EscalationNumberMissing, CommitmentMissing], Codes(report));
    }
}
