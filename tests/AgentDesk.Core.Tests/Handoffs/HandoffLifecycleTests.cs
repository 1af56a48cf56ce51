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
}
