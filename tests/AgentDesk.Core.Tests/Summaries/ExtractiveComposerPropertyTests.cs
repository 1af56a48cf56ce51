using AgentDesk.Core.Summaries;

namespace AgentDesk.Core.Tests.Summaries;

/// <summary>The composer's promise — always valid against the expectations it was given — over generated sessions.</summary>
public sealed class ExtractiveComposerPropertyTests
{
    [Fact]
    public void Compose_ThreeHundredGeneratedSessions_AreAllValidAndKeepTheChainAsGiven()
    {
        var random = new Random(20261121);
        var trimmed = 0;
        for (var i = 0; i < 300; i++)
        {
            var input = ComposerInputs.Random(random, maxMemories: 80, maxWordsPerMemory: 120, maxLegs: 12, maxOpen: 12);

            trimmed += AssertComposesValidly(input, $"case {i}") ? 1 : 0;
        }

        // The generator must exercise both paths, or the property proves little.
        Assert.InRange(trimmed, 1, 299);
    }

    [Fact]
    public void Compose_HugeGeneratedSessions_AreAllValid()
    {
        var random = new Random(500);
        for (var i = 0; i < 4; i++)
        {
            var input = ComposerInputs.Huge(random, memories: 500, wordsPerMemory: 300, earlierHandoffs: 10, openCommitments: 30);

            Assert.True(AssertComposesValidly(input, $"huge case {i}"));
        }
    }

    /// <summary>Asserts the composer's promises for one input; returns whether it had to trim.</summary>
    private static bool AssertComposesValidly(CompositionInput input, string name)
    {
        var composed = ExtractiveComposer.Compose(input);
        var report = SummaryValidator.Validate(composed.Summary, input.Expectations);

        Assert.True(report.IsValid, $"{name}: {string.Join("; ", report.Failures)}");
        Assert.Equal(input.EarlierHandoffs.Select(l => (l.From, l.To)), composed.Summary.HandoffChain.Select(l => (l.From, l.To)));
        Assert.Equal(input.SessionEndedWithoutSummary, composed.Notes.Any(n => n.Code == ExtractiveComposer.NoteCodes.SessionEndedWithoutSummary));
        Assert.Equal(SummaryRenderer.Render(composed.Summary), SummaryRenderer.Render(ExtractiveComposer.Compose(input).Summary));
        return composed.Notes.Any(n => n.Code == ExtractiveComposer.NoteCodes.Trimmed);
    }
}
