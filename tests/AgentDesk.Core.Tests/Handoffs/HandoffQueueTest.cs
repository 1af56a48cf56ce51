using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Summaries;
using AgentDesk.Core.Tests.Support;

namespace AgentDesk.Core.Tests.Handoffs;

/// <summary>A handoff engine over a real SQLite file, with bots' sessions to escalate from.</summary>
public abstract class HandoffQueueTest : DatabaseTest
{
    protected HandoffNotifier Notifier { get; } = new();

    protected HandoffQueue Queue(ISummaryGenerator? generator = null) =>
        new(Db.Database, Db.Memories, Db.Recall, generator ?? new ExtractiveSummaryGenerator(), Notifier, Db.Events, Db.Clock);

    /// <summary>A bot's session with a goal and a mood (and any further memories given), ready to escalate.</summary>
    protected async Task<string> BotSessionAsync(string agent = "bot", params (string Content, string Tag)[] more)
    {
        var (session, _) = await Db.Sessions.StartAsync(agent, null, null);
        await Db.Memories.StoreBatchAsync([
            new NewMemory { AgentId = agent, SessionId = session.Id, Content = "Customer wants a refund for a double charge", Importance = 0.9, Tags = ["customer-goal", "channel:chat"] },
            new NewMemory { AgentId = agent, SessionId = session.Id, Content = "Customer is angry about the wait", Importance = 0.8, Tags = ["sentiment"] },
            .. more.Select(m => new NewMemory { AgentId = agent, SessionId = session.Id, Content = m.Content, Importance = 0.85, Tags = [m.Tag] }),
        ]);
        return session.Id;
    }

    protected static EscalationRequest Request(string session, string agent = "bot") =>
        new() { SourceSessionId = session, AgentId = agent, TargetQueue = "billing", Reason = "refund", Urgency = Urgency.High };

    /// <summary>Claims, recalls and connects, as a desk's pick-up does.</summary>
    protected static async Task<Handoff> PickUpAsync(HandoffQueue queue, string id, string agent)
    {
        await queue.ClaimAsync(id, agent);
        await queue.RecallContextAsync(id, agent);
        return await queue.ConnectAsync(id, agent);
    }

    /// <summary>A generator that is down: every draft throws.</summary>
    protected sealed class FailingGenerator : ISummaryGenerator
    {
        public Task<SummaryDraft> DraftAsync(CompositionInput input, CancellationToken ct) => throw new InvalidOperationException("generator down");
    }
}
