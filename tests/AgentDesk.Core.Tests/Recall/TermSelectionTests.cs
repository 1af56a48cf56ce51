using AgentDesk.Core.Recall;

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
}
