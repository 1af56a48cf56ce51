using System.Text.Json.Nodes;
using AgentDesk.Core.Memory;

namespace AgentDesk.Web.Demo;

/// <summary>
/// A small, living data set for a newcomer's first look (<c>AgentDesk:DemoData</c> = true): a billing
/// bot that escalated a dispute to a human, a tech-support bot mid-conversation. Seeds only an empty
/// database, so restarts never duplicate it and real data is never touched.
/// </summary>
public sealed class DemoData(IConfiguration config, MemoryStore memories, SessionStore sessions, ILogger<DemoData> logger)
{
    public async Task SeedIfEnabledAsync(CancellationToken ct = default)
    {
        if (!config.GetValue("AgentDesk:DemoData", false)) return;
        if ((await sessions.ListAsync(null, false, 1, 0, null, ct)).Total > 0) return;

        var (bot, _) = await sessions.StartAsync("support-bot", null, new JsonObject { ["channel"] = "chat", ["customer_id"] = "cust-1042" }, ct);
        await memories.StoreBatchAsync(
        [
            Memory(bot.Id, "Customer Dana Ortiz reports a duplicate charge of $49.99 on the Jan 15 invoice; she wants a refund.", 0.85, "issue-report", "billing", "channel:chat"),
            Memory(bot.Id, "Verified identity via email code; account is on the Pro plan since 2023.", 0.75, "verification", "channel:chat"),
            Memory(bot.Id, "Tried re-syncing the payment processor: the duplicate charge is still pending, not reversed.", 0.8, "attempted-resolution", "billing", "channel:chat"),
            Memory(bot.Id, "Customer is frustrated: 'this is the second time this happened'. Promised escalation to a human within 5 minutes.", 0.8, "sentiment", "commitment", "channel:chat"),
        ], ct);
        var summary = """
            HANDOFF SUMMARY [HIGH]: Billing dispute — duplicate $49.99 charge on the Jan 15 invoice.
            - Goal: refund of the duplicate charge.
            - Situation: identity verified; Pro plan customer; charge still pending after a processor re-sync.
            - Tried: payment processor re-sync (no change).
            - Commitments: bot promised a human within 5 minutes.
            - Sentiment: frustrated, second occurrence — acknowledge it and apologise first.
            - Action: issue the refund and confirm by email.
            """;
        var (stored, _, _) = await memories.StoreAsync(Memory(bot.Id, summary, 1.0, "handoff", "session-summary", "priority:high", "target:billing-tier1", "channel:chat"), ct);
        await sessions.EndAsync(bot.Id, "Escalated to billing tier 1", new JsonObject
        {
            ["handoff_to"] = "billing-tier1",
            ["escalation_reason"] = "refund requires human approval",
            ["handoff_memory_id"] = stored.Id,
            ["urgency"] = "high",
        }, ct);
        var (human, _) = await sessions.StartAsync("support-bot", null, new JsonObject { ["handoff_from"] = bot.Id, ["agent"] = "maria" }, ct);
        await memories.StoreAsync(Memory(human.Id, "Maria (tier 1) picked up the case and confirmed the duplicate charge with the processor.", 0.7, "note", "channel:chat"), ct);

        var (tech, _) = await sessions.StartAsync("tech-bot", "tech-demo-1", new JsonObject { ["channel"] = "voice", ["customer_id"] = "cust-2210" }, ct);
        await memories.StoreBatchAsync(
        [
            Memory(tech.Id, "Router keeps dropping Wi-Fi every evening around 8pm since the firmware update.", 0.85, "issue-report", "channel:voice"),
            Memory(tech.Id, "Walked the customer through a factory reset; drops continued.", 0.8, "attempted-resolution", "channel:voice"),
            Memory(tech.Id, "Customer calm but running out of patience; works from home.", 0.7, "sentiment", "channel:voice"),
        ], ct);
        logger.LogInformation("Seeded demo data: agents support-bot and tech-bot, 3 sessions, 9 memories");

        NewMemory Memory(string sessionId, string content, double importance, params string[] tags) => new()
        {
            AgentId = sessionId.StartsWith("tech", StringComparison.Ordinal) ? "tech-bot" : "support-bot",
            SessionId = sessionId,
            Content = content,
            Importance = importance,
            Tags = tags,
        };
    }
}

public static class DemoDataSetup
{
    public static IServiceCollection AddDemoData(this IServiceCollection services) =>
        services.AddSingleton<DemoData>();
}
