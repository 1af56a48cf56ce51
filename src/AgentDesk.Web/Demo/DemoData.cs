using System.Text.Json.Nodes;
using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Summaries;
using AgentDesk.Core.Threads;
using AgentDesk.Web.Auth;

namespace AgentDesk.Web.Demo;

/// <summary>
/// A small, living data set for a newcomer's first look (<c>AgentDesk:DemoData</c> = true), made through the real
/// handoff engine: a billing dispute the chat bot escalated to tier 1, where Maria worked it and escalated it on to
/// tier 2 (a chain of two); the same customer's parallel email case; a voice bot's router case waiting in tech
/// support; and a late-fee dispute one customer carried from a call to chat to email, as a named thread. Seeds only an empty database, so restarts never duplicate it and real data is never touched.
/// </summary>
public sealed class DemoData(
    IConfiguration config, MemoryStore memories, SessionStore sessions, HandoffQueue handoffs, ThreadStore threads, DeskUsers users, TimeProvider time,
    ILogger<DemoData> logger)
{
    /// <summary>The password of every demo user (README): maria and sam (agents), sofia (supervisor), ada (admin).</summary>
    public const string DemoPassword = "desk-demo-2026";
    public async Task SeedIfEnabledAsync(CancellationToken ct = default)
    {
        if (!config.GetValue("AgentDesk:DemoData", false)) return;
        if ((await sessions.ListAsync(null, false, 1, 0, null, ct)).Total > 0) return;

        var billing = await BotSessionAsync("support-bot", "chat", "cust-1042",
        [
            ("Customer Dana Ortiz wants a refund of a duplicate $49.99 charge on the Jan 15 invoice.", 0.9, "customer-goal"),
            ("Duplicate charge of $49.99 appears twice on the Jan 15 invoice.", 0.85, "issue-report"),
            ("Verified identity via email code; account is on the Pro plan since 2023.", 0.75, "verification"),
            ("Tried re-syncing the payment processor.", 0.8, "attempted-resolution"),
            ("The duplicate charge is still pending, not reversed.", 0.8, "outcome"),
            ("I'll get a human to look at this within 5 minutes.", 0.85, "commitment"),
            ("Customer is frustrated: 'this is the second time this happened'.", 0.8, "sentiment"),
        ], ct);
        var tier1 = await handoffs.EscalateAsync(Escalation(billing, "support-bot", "billing-tier1", "refund requires human approval", Urgency.High), ct: ct);
        await handoffs.ClaimAsync(tier1.Handoff.Id, "maria", ct);
        await handoffs.RecallContextAsync(tier1.Handoff.Id, "maria", ct: ct);
        var working = await handoffs.ConnectAsync(tier1.Handoff.Id, "maria", ct);
        await memories.StoreBatchAsync(
        [
            Note(working.AgentSessionId!, "maria", "Confirmed the duplicate with the processor; the refund needs a ledger correction only tier 2 can make.", "outcome"),
            Note(working.AgentSessionId!, "maria", "I will email Dana the refund reference once tier 2 has posted it.", "commitment"),
        ], ct);
        await handoffs.EscalateFurtherAsync(working.Id,
            Escalation(working.AgentSessionId!, "maria", "billing-tier2", "ledger correction needs tier 2", Urgency.High), ct);

        var email = await BotSessionAsync("email-bot", "email", "cust-1042",
        [
            ("Dana asks by email whether her Pro plan renewal price will change next month.", 0.8, "customer-goal"),
            ("Customer sounds worried about being charged twice again at renewal.", 0.7, "sentiment"),
        ], ct);
        await handoffs.EscalateAsync(Escalation(email, "email-bot", "billing-tier1", "renewal question from a customer with an open dispute", Urgency.Low), ct: ct);

        var tech = await BotSessionAsync("tech-bot", "voice", "cust-2210",
        [
            ("Customer wants stable Wi-Fi in the evenings; they work from home.", 0.85, "customer-goal"),
            ("Router keeps dropping Wi-Fi every evening around 8pm since the firmware update.", 0.85, "issue-report"),
            ("Walked the customer through a factory reset.", 0.8, "attempted-resolution"),
            ("Drops continued after the reset.", 0.8, "outcome"),
            ("Customer calm but running out of patience.", 0.7, "sentiment"),
        ], ct);
        await handoffs.EscalateAsync(Escalation(tech, "tech-bot", "tech-support", "suspected firmware fault", Urgency.Normal), ct: ct);

        var now = time.GetUtcNow();
        long Ago(TimeSpan span) => (now - span).ToUnixTimeMilliseconds();
        await threads.UpsertAsync("cust-3307", "contact-bot",
        [
            new("call-1", "The March invoice shows a late fee, but I paid on time.", "voice", ThreadRules.Roles.Customer, Ago(TimeSpan.FromDays(2))),
            new("call-2", "Our records show the payment arrived two days after the due date; the fee stands unless your bank confirms the send date.", "voice", ThreadRules.Roles.Bot, Ago(TimeSpan.FromDays(2) - TimeSpan.FromMinutes(3))),
            new("chat-1", "Here is the bank confirmation: the transfer left my account on 28 February.", "chat", ThreadRules.Roles.Customer, Ago(TimeSpan.FromDays(1))),
            new("mail-1", "Now that you have the bank confirmation, will the late fee be removed from my account?", "email", ThreadRules.Roles.Customer, Ago(TimeSpan.FromHours(2))),
        ], ct: ct);

        // Finished cases, so the analytics page has history to show on a first visit.
        foreach (var (bot, channel, customer, goal, queue, reason, agent, repeated) in History)
        {
            var session = await BotSessionAsync(bot, channel, customer, [(goal, 0.9, "customer-goal"), ("Customer is polite but in a hurry.", 0.7, "sentiment")], ct);
            var done = await handoffs.EscalateAsync(Escalation(session, bot, queue, reason, Urgency.Normal), ct: ct);
            await handoffs.ClaimAsync(done.Handoff.Id, agent, ct);
            await handoffs.RecallContextAsync(done.Handoff.Id, agent, ct: ct);
            await handoffs.ConnectAsync(done.Handoff.Id, agent, ct);
            await handoffs.ResolveAsync(done.Handoff.Id, agent, "Resolved on this contact.", repeated, ct);
        }
        await users.CreateAsync("maria", "Maria Lopez", DemoPassword, [DeskRoles.Agent], ["billing-tier1", "billing-tier2"], "early", ct);
        await users.CreateAsync("sam", "Sam Okafor", DemoPassword, [DeskRoles.Agent], ["tech-support", "billing-tier1"], "late", ct);
        await users.CreateAsync("sofia", "Sofia Berg", DemoPassword, [DeskRoles.Supervisor, DeskRoles.Agent], ["billing-tier1", "billing-tier2", "tech-support"], "early", ct);
        await users.CreateAsync("ada", "Ada Quist", DemoPassword, [DeskRoles.Admin, DeskRoles.Supervisor, DeskRoles.Agent], [], null, ct);
        logger.LogInformation("Seeded demo data: 4 open handoffs over 3 customers (billing-tier2, billing-tier1, tech-support queues), {Resolved} resolved; thread cust-3307 (voice → chat → email); users maria, sam, sofia, ada", History.Length);
    }

    private static readonly (string Bot, string Channel, string Customer, string Goal, string Queue, string Reason, string Agent, bool Repeated)[] History =
    [
        ("support-bot", "chat", "cust-3107", "Customer wants the late fee on the February invoice waived.", "billing-tier1", "refund requires human approval", "maria", false),
        ("tech-bot", "voice", "cust-3188", "Customer wants the mesh extender paired with the new router.", "tech-support", "suspected firmware fault", "sam", true),
        ("support-bot", "chat", "cust-3230", "Customer wants to move the plan renewal date to the 1st.", "billing-tier1", "account change needs an agent", "sam", false),
    ];

    private async Task<string> BotSessionAsync(string agent, string channel, string customer, (string Content, double Importance, string Tag)[] turns, CancellationToken ct)
    {
        var (session, _) = await sessions.StartAsync(agent, null, new JsonObject { ["channel"] = channel, ["customer_id"] = customer }, ct);
        await memories.StoreBatchAsync(turns.Select(t => new NewMemory
        {
            AgentId = agent,
            SessionId = session.Id,
            Content = t.Content,
            Importance = t.Importance,
            Tags = [t.Tag, $"channel:{channel}"],
        }).ToList(), ct);
        return session.Id;
    }

    private static NewMemory Note(string session, string agent, string content, string tag) =>
        new() { AgentId = agent, SessionId = session, Content = content, Importance = 0.7, Tags = [tag, "note", "channel:chat"] };

    private static EscalationRequest Escalation(string session, string agent, string queue, string reason, Urgency urgency) =>
        new() { SourceSessionId = session, AgentId = agent, TargetQueue = queue, Reason = reason, Urgency = urgency };
}

public static class DemoDataSetup
{
    public static IServiceCollection AddDemoData(this IServiceCollection services) =>
        services.AddSingleton<DemoData>();
}
