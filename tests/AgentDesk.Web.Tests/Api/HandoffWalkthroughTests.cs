using System.Net;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>The session-handoff walkthrough of the product brief, replayed over HTTP.</summary>
public sealed class HandoffWalkthroughTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    [Fact]
    public async Task Recall_AfterBotHandoff_ReturnsSummaryFirstThenContext()
    {
        var api = desk.Root();
        var start = await api.PostJsonAsync("/v1/sessions/start", new { agent_id = "support-bot", metadata = new { channel = "chat" } });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var botSession = (await start.JsonAsync()).GetProperty("session").GetProperty("id").GetString()!;

        string[] context =
        [
            "User reports a billing dispute: charged twice for the Pro plan on Jan 15.",
            "User already tried requesting a refund through the billing page; it failed with an error.",
            "User is frustrated and has been a customer for three years.",
        ];
        double[] importance = [0.85, 0.8, 0.75];
        var contextIds = new List<string>();
        for (var i = 0; i < context.Length; i++)
        {
            var stored = await api.PostJsonAsync("/v1/memory/store", new
            {
                agent_id = "support-bot",
                content = context[i],
                importance = importance[i],
                session_id = botSession,
                tags = new[] { "billing" },
            });
            Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
            contextIds.Add((await stored.JsonAsync()).GetProperty("memory").GetProperty("id").GetString()!);
        }

        var summary = await api.PostJsonAsync("/v1/memory/store", new
        {
            agent_id = "support-bot",
            session_id = botSession,
            importance = 1.0,
            tags = new[] { "handoff", "session-summary" },
            content = "HANDOFF SUMMARY: billing dispute, double charge on Jan 15, refund attempt failed, user frustrated; escalate to billing specialist.",
        });
        var summaryId = (await summary.JsonAsync()).GetProperty("memory").GetProperty("id").GetString()!;

        var end = await api.PostJsonAsync($"/v1/sessions/{botSession}/end", new
        {
            summary = "Escalated to a human",
            metadata = new { handoff_to = "billing-specialist", escalation_reason = "refund needs approval" },
        });
        Assert.Equal(HttpStatusCode.OK, end.StatusCode);
        var ended = (await end.JsonAsync()).GetProperty("session");
        Assert.Equal("billing-specialist", ended.GetProperty("metadata").GetProperty("handoff_to").GetString());
        Assert.Equal("refund needs approval", ended.GetProperty("metadata").GetProperty("escalation_reason").GetString());
        Assert.Equal("chat", ended.GetProperty("metadata").GetProperty("channel").GetString());
        Assert.True(ended.TryGetProperty("ended_at", out _));

        var second = await api.PostJsonAsync("/v1/sessions/start", new { agent_id = "support-bot", metadata = new { handoff_from = botSession } });
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);

        var recall = await api.GetAsync("/v1/memory/recall?agent_id=support-bot&query=billing+dispute+user+Jan+15&top_k=8");
        Assert.Equal(HttpStatusCode.OK, recall.StatusCode);
        var items = (await recall.JsonAsync()).GetProperty("memories").EnumerateArray().ToList();
        Assert.Equal(4, items.Count);
        Assert.Equal(summaryId, items[0].GetProperty("memory").GetProperty("id").GetString());
        Assert.Equal(contextIds.ToHashSet(), items.Skip(1).Select(i => i.GetProperty("memory").GetProperty("id").GetString()!).ToHashSet());
        var scores = items.Select(i => i.GetProperty("smart_score").GetDouble()).ToList();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
    }
}
