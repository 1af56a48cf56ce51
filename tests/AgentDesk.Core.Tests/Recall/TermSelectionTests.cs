using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Tests.Support;

namespace AgentDesk.Core.Tests.Recall;

public sealed class TermSelectionTests
{
    [Fact]
    public void Select_CommonTermWithRarerOnes_IsDropped()
    {
        var (scored, dropped) = TermSelection.Select([("customer", 4_000), ("refund", 300), ("invoice", 120)], common: 2_000, budget: 40_000);
        Assert.Equal(["refund", "invoice"], scored);
        Assert.Equal(["customer"], dropped);
    }

    [Fact]
    public void Select_OnlyCommonTerms_KeepsThemWithinTheBudget()
    {
        var (scored, dropped) = TermSelection.Select([("customer", 30_000), ("order", 25_000)], common: 20_000, budget: 40_000);
        Assert.Equal(["order"], scored);
        Assert.Equal(["customer"], dropped);
    }

    [Fact]
    public void Select_BudgetReached_TakesRarestFirstAndAlwaysOne()
    {
        var (scored, _) = TermSelection.Select([("a", 30_000), ("b", 15_000), ("c", 20_000), ("d", 50)], common: 200_000, budget: 40_000);
        Assert.Equal(["b", "c", "d"], scored); // 50 + 15k + 20k fit; 30k would pass the budget

        var (single, _) = TermSelection.Select([("x", 90_000), ("y", 80_000)], common: 200_000, budget: 40_000);
        Assert.Equal(["y"], single);
    }

    [Fact]
    public void Select_EverythingFits_KeepsTheQueryOrder()
    {
        var (scored, dropped) = TermSelection.Select([("wifi", 10), ("router", 5), ("night", 7)], common: 1_000, budget: 40_000);
        Assert.Equal(["wifi", "router", "night"], scored);
        Assert.Empty(dropped);
    }

    [Fact]
    public async Task Recall_RarestTermOverTheBudget_ScoresOnlyTheNewestRows()
    {
        await new TempDatabase { RecallOptions = new RecallOptions { PostingBudget = 100, AgentScopedLimit = 0 } }.UseAsync(async db =>
        {
            await db.Memories.StoreBatchAsync(Enumerable.Range(0, 1000).Select(i => new NewMemory { AgentId = "bot", Content = $"router note {i}" }).ToList());
            var result = await db.Recall.RecallAsync(new RecallRequest
            {
                Filter = new MemoryFilter { AgentId = "bot" },
                Query = "router",
                TopK = 100,
                Routing = Routing.Bm25,
                Explain = true,
            });
            Assert.NotNull(result.Explanation!.LexicalFromSeq);
            var lexical = result.Hits.Where(h => h.TextScore is not null).ToList();
            Assert.NotEmpty(lexical);
            Assert.All(lexical, h => Assert.True(h.Memory.Seq >= result.Explanation.LexicalFromSeq));
            Assert.True(result.Explanation.LexicalFromSeq >= 1000 - 100, "a term in every row narrows the scan to the budget");
        });
    }
}
