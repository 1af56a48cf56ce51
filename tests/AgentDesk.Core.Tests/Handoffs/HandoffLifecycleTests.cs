using AgentDesk.Core.Handoffs;

namespace AgentDesk.Core.Tests.Handoffs;

public sealed class HandoffLifecycleTests
{
    [Fact]
    public void Claim_Queued_IsAllowed() =>
        Assert.Null(HandoffLifecycle.Refusal(HandoffExamples.Record(), HandoffAction.Claim, "alice"));

    [Theory]
    [InlineData(HandoffStatus.Claimed, "already claimed by 'bob'")]
    [InlineData(HandoffStatus.Connected, "already claimed by 'bob'")]
    [InlineData(HandoffStatus.Resolved, "already resolved")]
    [InlineData(HandoffStatus.Escalated, "escalated further as 'hof_next'")]
    [InlineData(HandoffStatus.Pending, "still being queued")]
    public void Claim_NotQueued_IsRefusedSayingWhy(string status, string reason) =>
        Assert.Contains(reason, HandoffLifecycle.Refusal(HandoffExamples.Record(status, claimedBy: "bob"), HandoffAction.Claim, "alice"));

    [Fact]
    public void Connect_BeforeTheContextRecall_IsRefused() =>
        Assert.Contains("context recall", HandoffLifecycle.Refusal(HandoffExamples.Record(HandoffStatus.Claimed, "alice"), HandoffAction.Connect, "alice"));

    [Fact]
    public void Connect_AfterTheContextRecall_IsAllowed_AndRepeatingItToo()
    {
        Assert.Null(HandoffLifecycle.Refusal(HandoffExamples.Record(HandoffStatus.Claimed, "alice", recallDoneAtMs: 1), HandoffAction.Connect, "alice"));
        Assert.Null(HandoffLifecycle.Refusal(HandoffExamples.Record(HandoffStatus.Connected, "alice", recallDoneAtMs: 1), HandoffAction.Connect, "alice"));
    }

    [Theory]
    [InlineData(HandoffAction.Connect)]
    [InlineData(HandoffAction.Resolve)]
    [InlineData(HandoffAction.Escalate)]
    [InlineData(HandoffAction.RecordRecall)]
    public void Act_ByAnotherAgentThanTheClaimant_IsRefused(HandoffAction action) =>
        Assert.Contains("claimed by 'alice', not 'bob'",
            HandoffLifecycle.Refusal(HandoffExamples.Record(HandoffStatus.Connected, "alice", recallDoneAtMs: 1), action, "bob"));

    [Theory]
    [InlineData(HandoffAction.Connect)]
    [InlineData(HandoffAction.Resolve)]
    [InlineData(HandoffAction.Escalate)]
    public void Act_OnAQueuedCase_AsksForAClaimFirst(HandoffAction action) =>
        Assert.Contains("claim it first", HandoffLifecycle.Refusal(HandoffExamples.Record(), action, "alice"));

    [Theory]
    [InlineData(HandoffStatus.Claimed)]
    [InlineData(HandoffStatus.Connected)]
    public void ResolveAndEscalate_WhileWorked_AreAllowed(string status)
    {
        var handoff = HandoffExamples.Record(status, "alice", recallDoneAtMs: 1);
        Assert.Null(HandoffLifecycle.Refusal(handoff, HandoffAction.Resolve, "alice"));
        Assert.Null(HandoffLifecycle.Refusal(handoff, HandoffAction.Escalate, "alice"));
    }

    [Fact]
    public void Resolve_Again_IsAllowed_EscalatingAResolvedCaseIsNot()
    {
        var resolved = HandoffExamples.Record(HandoffStatus.Resolved, "alice", recallDoneAtMs: 1);
        Assert.Null(HandoffLifecycle.Refusal(resolved, HandoffAction.Resolve, "alice"));
        Assert.Contains("already resolved", HandoffLifecycle.Refusal(resolved, HandoffAction.Escalate, "alice"));
        Assert.Contains("already resolved", HandoffLifecycle.Refusal(resolved, HandoffAction.Connect, "alice"));
    }

    [Fact]
    public void Act_OnAnEscalatedCase_NamesTheNextHandoff() =>
        Assert.Contains("hof_next", HandoffLifecycle.Refusal(HandoffExamples.Record(HandoffStatus.Escalated, "alice"), HandoffAction.Resolve, "alice"));

    private static Handoff Case(string id, string status = HandoffStatus.Queued, string? customer = "cust-1", string? claimedBy = null) =>
        HandoffExamples.Record(status, claimedBy) with { Id = id, CaseId = id, CustomerId = customer, MergedInto = status == HandoffStatus.Merged ? "hof_x" : null };

    [Theory]
    [InlineData(HandoffStatus.Queued, HandoffStatus.Queued)]
    [InlineData(HandoffStatus.Claimed, HandoffStatus.Connected)]
    [InlineData(HandoffStatus.Queued, HandoffStatus.Claimed)]
    public void MergeRefusal_TwoOpenCasesOfOneCustomer_IsAllowed(string merged, string into) =>
        Assert.Null(HandoffLifecycle.MergeRefusal(Case("hof_a", merged, claimedBy: "bob"), Case("hof_b", into, claimedBy: "ann")));

    [Theory]
    [InlineData(HandoffStatus.Connected, HandoffStatus.Queued, "'bob' is talking to the customer")]
    [InlineData(HandoffStatus.Resolved, HandoffStatus.Queued, "already resolved")]
    [InlineData(HandoffStatus.Merged, HandoffStatus.Queued, "was merged into 'hof_x'")]
    [InlineData(HandoffStatus.Queued, HandoffStatus.Escalated, "merge into an open case")]
    [InlineData(HandoffStatus.Queued, HandoffStatus.Resolved, "merge into an open case")]
    public void MergeRefusal_ACaseThatIsNotMergeable_IsRefusedSayingWhy(string merged, string into, string reason) =>
        Assert.Contains(reason, HandoffLifecycle.MergeRefusal(Case("hof_a", merged, claimedBy: "bob"), Case("hof_b", into, claimedBy: "ann")));

    [Fact]
    public void MergeRefusal_CasesOfTwoCustomers_OrOfNoKnownCustomer_AreRefused()
    {
        Assert.Contains("only cases of one customer merge", HandoffLifecycle.MergeRefusal(Case("hof_a"), Case("hof_b", customer: "cust-2")));
        Assert.Contains("no known customer", HandoffLifecycle.MergeRefusal(Case("hof_a", customer: null), Case("hof_b", customer: null)));
    }

    [Fact]
    public void MergeRefusal_TwoLegsOfOneCase_AreRefused() =>
        Assert.Contains("already one case", HandoffLifecycle.MergeRefusal(Case("hof_a"), Case("hof_b") with { CaseId = "hof_a" }));
}
