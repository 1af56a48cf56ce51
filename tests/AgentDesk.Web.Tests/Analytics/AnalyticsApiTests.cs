using System.Net;
using System.Text.Json;
using AgentDesk.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDesk.Web.Tests.Analytics;

/// <summary>A clock the test sets: every recorded time of the scripted cases is exact.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// The real host on a manual clock with a scripted set of cases driven through the real API, seeded once. Times are
/// seconds after T0 (2026-03-02 09:00 UTC); the window under test is [T0, T0 + 1 h).
/// <code>
///   t      case  what                                                                    queue        reason
///   -60    H     escalated before the window (not counted)
///   0      A     escalated (extractive)                                                  billing      refund
///   60     B     escalated with a caller-written summary                                 billing      refund
///   120    C     escalated (extractive)                                                  tech         outage
///   150    E     escalated, left queued                                                  tech         outage
///   180    C     claimed (pick-up 60 s); 184 context (recall 4 s); 185 connected
///   240    F     caller summary refused: MISSING_USER_GOAL
///   300    G     a bot session that never escalates
///   420    A     claimed (420 s); 423 context (3 s); 425 connected; 1025 resolved, did not repeat (handle 600 s)
///   540    B     claimed (480 s); 541 context (1 s); 542 connected; 1742 resolved, repeated (handle 1200 s)
///   600    C→D   escalated further (extractive, chain depth 1)                           tech-tier2   needs tier 2
///   660    D     claimed (60 s); 662 context (2 s); 663 connected; 1863 resolved, not asked (handle 1200 s)
///   3600   I     escalated at the window's end (not counted)
/// </code>
/// </summary>
public sealed class AnalyticsScenario : DeskFactory, IAsyncLifetime
{
    public static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-03-02T09:00:00Z");

    public ManualClock Clock { get; } = new(T0);
    public Dictionary<string, string> Ids { get; } = [];
    public Dictionary<string, int> Words { get; } = [];
    public string RefusedSession { get; private set; } = "";
    public string Window => $"from={T0.ToUnixTimeMilliseconds()}&to={Uri.EscapeDataString(T0.AddHours(1).ToString("O"))}";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    private void At(double seconds) => Clock.Now = T0.AddSeconds(seconds);

    public async Task InitializeAsync()
    {
        var api = Root();
        async Task Escalate(string name, double at, string queue, string reason, object? summary = null)
        {
            At(at);
            var bot = DeskApi.NewAgent($"bot-{name}");
            var session = await api.BotSessionAsync(bot, customer: $"cust-{name}", commitment: summary is null ? "I will escalate this to billing within 5 minutes" : null);
            var answer = await (await api.EscalateAsync(new
            {
                source_session_id = session,
                agent_id = bot,
                target_queue = queue,
                reason,
                urgency = "high",
                generate = summary is null,
                summary,
            })).OkAsync(HttpStatusCode.Created);
            Ids[name] = answer.GetProperty("handoff_id").GetString()!;
            Words[name] = answer.GetProperty("word_count").GetInt32();
        }
        async Task Act(string name, double at, string action, object body)
        {
            At(at);
            await (await api.ActAsync(Ids[name], action, body)).OkAsync(action == "escalate" ? HttpStatusCode.Created : HttpStatusCode.OK);
        }
        async Task PickUp(string name, double claim, double context, double connect)
        {
            await Act(name, claim, "claim", new { agent_id = "agent-1" });
            At(context);
            await api.ContextAsync(Ids[name], "agent-1");
            await Act(name, connect, "connect", new { agent_id = "agent-1" });
        }
        object Caller(string goal) => new
        {
            user_goal = goal,
            situation = "Charged twice for the March invoice",
            sentiment = new { label = "annoyed", evidence = "said it happened before" },
            recommended_action = "Refund the second charge",
        };

        await Escalate("H", -60, "billing", "refund");
        await Escalate("A", 0, "billing", "refund");
        await Escalate("B", 60, "billing", "refund", Caller("Refund the duplicate charge"));
        await Escalate("C", 120, "tech", "outage");
        await Escalate("E", 150, "tech", "outage");
        await PickUp("C", 180, 184, 185);

        At(240);
        var bot = DeskApi.NewAgent("bot-F");
        RefusedSession = await api.BotSessionAsync(bot, customer: "cust-F", commitment: null);
        var refused = await (await api.EscalateAsync(new
        {
            source_session_id = RefusedSession,
            agent_id = bot,
            target_queue = "billing",
            reason = "refund",
            summary = Caller(""),
        })).AssertErrorAsync(400, "INVALID_REQUEST");
        Assert.Equal(["MISSING_USER_GOAL"], HandoffApi.Codes(refused));

        At(300);
        await api.BotSessionAsync(DeskApi.NewAgent("bot-G"));
        await PickUp("A", 420, 423, 425);
        await PickUp("B", 540, 541, 542);
        At(600);
        var further = await (await api.ActAsync(Ids["C"], "escalate", new { agent_id = "agent-1", target_queue = "tech-tier2", reason = "needs tier 2", generate = true }))
            .OkAsync(HttpStatusCode.Created);
        Ids["D"] = further.GetProperty("handoff_id").GetString()!;
        Words["D"] = further.GetProperty("word_count").GetInt32();
        await PickUp("D", 660, 662, 663);
        await Act("A", 1025, "resolve", new { agent_id = "agent-1", resolution_note = "refunded", customer_repeated_themselves = false });
        await Act("B", 1742, "resolve", new { agent_id = "agent-1", resolution_note = "refunded", customer_repeated_themselves = true });
        await Act("D", 1863, "resolve", new { agent_id = "agent-1", resolution_note = "fixed" });
        await Escalate("I", 3600, "billing", "refund");
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

/// <summary>GET /v1/analytics/handoffs and its drill-down over <see cref="AnalyticsScenario"/>, every figure against the hand-computed value.</summary>
public sealed class AnalyticsApiTests(AnalyticsScenario desk) : IClassFixture<AnalyticsScenario>
{
    private readonly HttpClient _api = desk.Root();

    private async Task<JsonElement> ReportAsync(string extra = "") =>
        await (await _api.GetAsync($"/v1/analytics/handoffs?{desk.Window}{extra}")).OkAsync();

    private async Task<JsonElement> CasesAsync(string metric, string key) =>
        await (await _api.GetAsync($"/v1/analytics/handoffs/cases?{desk.Window}&metric={metric}&key={Uri.EscapeDataString(key)}")).OkAsync();

    private static IEnumerable<(string, int)> Counts(JsonElement items) =>
        items.EnumerateArray().Select(i => (i.GetProperty("key").GetString()!, i.GetProperty("count").GetInt32()));

    private static (int Count, double P50, double P95, double Mean, double Max) Spread(JsonElement d) =>
        (d.GetProperty("count").GetInt32(), d.GetProperty("p50").GetDouble(), d.GetProperty("p95").GetDouble(), d.GetProperty("mean").GetDouble(), d.GetProperty("max").GetDouble());

    private static (int Count, int Of, double Rate) Rate(JsonElement r) =>
        (r.GetProperty("count").GetInt32(), r.GetProperty("of").GetInt32(), r.GetProperty("rate").GetDouble());

    private string[] IdsOf(params string[] names) => names.Select(n => desk.Ids[n]).ToArray();

    [Fact]
    public async Task Report_HandoffCounts_AreTheFiveCreatedInTheWindow()
    {
        var handoffs = (await ReportAsync()).GetProperty("handoffs");

        Assert.Equal(5, handoffs.GetProperty("total").GetInt32());
        Assert.Equal([("day:2026-03-02", 5)], Counts(handoffs.GetProperty("per_day")));
        Assert.Equal([("queue:billing", 2), ("queue:tech", 2), ("queue:tech-tier2", 1)], Counts(handoffs.GetProperty("per_queue")));
        Assert.Equal([("reason:outage", 2), ("reason:refund", 2), ("reason:needs tier 2", 1)], Counts(handoffs.GetProperty("per_reason")));
    }

    [Fact]
    public async Task Report_EscalationRate_IsFourOfTheSixBotSessions_ClaimSessionsLeftOut()
    {
        // Bot sessions started in the window: A, B, C, E, F, G (the four sessions claims opened are not bot sessions).
        Assert.Equal((4, 6, 4 / 6.0), Rate((await ReportAsync()).GetProperty("escalation")));
    }

    [Fact]
    public async Task Report_PickupAndRecallLatency_AreExactFromTheRecordedTimes()
    {
        var report = await ReportAsync();

        var pickup = report.GetProperty("pickup");
        Assert.Equal((4, 60_000, 480_000, 255_000, 480_000), Spread(pickup.GetProperty("overall")));
        var perQueue = pickup.GetProperty("per_queue").EnumerateArray().ToList();
        Assert.Equal(["queue:billing", "queue:tech", "queue:tech-tier2"], perQueue.Select(q => q.GetProperty("key").GetString()));
        Assert.Equal((2, 420_000, 480_000, 450_000, 480_000), Spread(perQueue[0]));
        Assert.Equal((1, 60_000, 60_000, 60_000, 60_000), Spread(perQueue[1]));
        Assert.Equal((1, 60_000, 60_000, 60_000, 60_000), Spread(perQueue[2]));

        var recall = report.GetProperty("recall_latency");
        Assert.Equal((4, 2_000, 4_000, 2_500, 4_000), Spread(recall.GetProperty("overall")));
        Assert.Equal((2, 1_000, 3_000, 2_000, 3_000), Spread(recall.GetProperty("per_queue")[0]));
    }

    [Fact]
    public async Task Report_RecallAndReExplanationRates_MatchTheRecordedAnswers()
    {
        var report = await ReportAsync();
        foreach (var name in new[] { "A", "B", "C", "D" })
            Assert.True((await _api.HandoffAsync(desk.Ids[name])).GetProperty("summary_recalled").GetBoolean(), $"{name}'s summary was recalled first");

        Assert.Equal((4, 4, 1.0), Rate(report.GetProperty("recall_rate")));
        // Resolved and answered: A (no) and B (yes); D was resolved without the question answered.
        Assert.Equal((1, 2, 0.5), Rate(report.GetProperty("re_explanation")));
    }

    [Fact]
    public async Task Report_HandleTime_ByReasonAndChainDepth()
    {
        var handle = (await ReportAsync()).GetProperty("handle_time");

        Assert.Equal((3, 1_200_000, 1_200_000, 1_000_000, 1_200_000), Spread(handle.GetProperty("overall")));
        var byReason = handle.GetProperty("by_reason");
        Assert.Equal(["reason:needs tier 2", "reason:refund"], byReason.EnumerateArray().Select(r => r.GetProperty("key").GetString()));
        Assert.Equal((1, 1_200_000, 1_200_000, 1_200_000, 1_200_000), Spread(byReason[0]));
        Assert.Equal((2, 600_000, 1_200_000, 900_000, 1_200_000), Spread(byReason[1]));
        var byDepth = handle.GetProperty("by_chain_depth");
        Assert.Equal(["depth:0", "depth:1"], byDepth.EnumerateArray().Select(r => r.GetProperty("key").GetString()));
        Assert.Equal((2, 600_000, 1_200_000, 900_000, 1_200_000), Spread(byDepth[0]));
        Assert.Equal((1, 1_200_000, 1_200_000, 1_200_000, 1_200_000), Spread(byDepth[1]));
    }

    [Fact]
    public async Task Report_WordCountsFailuresAndGenerators_MatchTheEscalations()
    {
        var report = await ReportAsync();
        var words = new[] { "A", "B", "C", "D", "E" }.Select(n => (double)desk.Words[n]).Order().ToList();

        // Nearest rank over five: p50 is the 3rd, p95 the 5th.
        Assert.Equal((5, words[2], words[4], words.Average(), words[4]), Spread(report.GetProperty("word_counts").GetProperty("overall")));
        var histogram = report.GetProperty("word_counts").GetProperty("histogram").EnumerateArray().ToList();
        Assert.Equal(6, histogram.Count);
        Assert.Equal(words.Count(w => w is >= 50 and < 100), histogram[1].GetProperty("count").GetInt32());
        Assert.Equal(5, histogram.Sum(b => b.GetProperty("count").GetInt32()));

        var failures = report.GetProperty("validation_failures");
        Assert.Equal(1, failures.GetProperty("count").GetInt32());
        Assert.Equal([("code:MISSING_USER_GOAL", 1)], Counts(failures.GetProperty("by_code")));

        var shares = report.GetProperty("generators").GetProperty("shares").EnumerateArray()
            .Select(s => (s.GetProperty("key").GetString(), s.GetProperty("count").GetInt32(), s.GetProperty("share").GetDouble()));
        Assert.Equal([("generator:llm", 0, 0.0), ("generator:llm_fallback", 0, 0.0), ("generator:extractive", 4, 0.8), ("generator:caller", 1, 0.2)], shares);
    }

    [Fact]
    public async Task Report_QueueFilter_CountsOnlyThatQueue()
    {
        var report = await ReportAsync("&queue=billing");

        Assert.Equal(2, report.GetProperty("handoffs").GetProperty("total").GetInt32());
        Assert.Equal((2, 6, 2 / 6.0), Rate(report.GetProperty("escalation")));
        Assert.Equal((2, 420_000, 480_000, 450_000, 480_000), Spread(report.GetProperty("pickup").GetProperty("overall")));
    }

    [Fact]
    public async Task Cases_PickupOfBilling_AreBThenAWithTheirWaits()
    {
        var list = await CasesAsync("pickup", "queue:billing");

        Assert.Equal(2, list.GetProperty("total").GetInt32());
        Assert.Equal([(desk.Ids["B"], 480_000.0), (desk.Ids["A"], 420_000.0)],
            list.GetProperty("cases").EnumerateArray().Select(c => (c.GetProperty("handoff_id").GetString()!, c.GetProperty("value").GetDouble())));
        Assert.Equal("cust-B", list.GetProperty("cases")[0].GetProperty("customer_id").GetString());
    }

    [Theory]
    [InlineData("handoffs", "all", "A,B,C,D,E")]
    [InlineData("handoffs", "reason:outage", "C,E")]
    [InlineData("escalation", "all", "A,B,C,E")]
    [InlineData("recall_rate", "all", "A,B,C,D")]
    [InlineData("re_explanation", "all", "A,B")]
    [InlineData("handle_time", "depth:1", "D")]
    [InlineData("handle_time", "reason:refund", "A,B")]
    [InlineData("generator", "generator:caller", "B")]
    public async Task Cases_ListExactlyTheHandoffsBehindTheNumber(string metric, string key, string names)
    {
        var list = await CasesAsync(metric, key);

        Assert.Equal(IdsOf(names.Split(',')).Order(), list.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("handoff_id").GetString()!).Order());
    }

    [Fact]
    public async Task Cases_ValidationFailures_ListTheRefusedSession()
    {
        var only = Assert.Single((await CasesAsync("validation_failures", "code:MISSING_USER_GOAL")).GetProperty("cases").EnumerateArray());

        Assert.Equal(desk.RefusedSession, only.GetProperty("session_id").GetString());
        Assert.Equal("MISSING_USER_GOAL", only.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ReportCsv_HasOneRowPerNumber()
    {
        var response = await _api.GetAsync($"/v1/analytics/handoffs?{desk.Window}&format=csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n");
        Assert.Equal("metric,key,label,statistic,value", lines[0]);
        Assert.Contains("handoffs,all,all,count,5", lines);
        Assert.Contains("pickup,queue:billing,billing,p50,420000", lines);
        Assert.Contains("handle_time,depth:1,1 earlier,mean,1200000", lines);
        Assert.Contains("escalation,all,all,of,6", lines);
        Assert.Contains("validation_failures,code:MISSING_USER_GOAL,MISSING_USER_GOAL,count,1", lines);
    }

    [Fact]
    public async Task CasesCsv_HasAHeaderAndOneRowPerCase()
    {
        var text = await (await _api.GetAsync($"/v1/analytics/handoffs/cases?{desk.Window}&metric=pickup&key=queue:billing&format=csv")).Content.ReadAsStringAsync();

        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("handoff_id,session_id,customer_id,queue,reason,at,value,detail", lines[0]);
        Assert.Equal([$"{desk.Ids["B"]},,cust-B,billing,refund,2026-03-02T09:01:00.000Z,480000,", $"{desk.Ids["A"]},,cust-A,billing,refund,2026-03-02T09:00:00.000Z,420000,"], lines[1..]);
    }

    [Theory]
    [InlineData("/v1/analytics/handoffs?from=2026-03-03&to=2026-03-02")]
    [InlineData("/v1/analytics/handoffs?from=2026-01-01&to=2026-06-01")]
    [InlineData("/v1/analytics/handoffs?from=last%20week")]
    [InlineData("/v1/analytics/handoffs?format=xml")]
    [InlineData("/v1/analytics/handoffs/cases")]
    [InlineData("/v1/analytics/handoffs/cases?metric=latency")]
    [InlineData("/v1/analytics/handoffs/cases?metric=pickup&key=reason:refund")]
    [InlineData("/v1/analytics/handoffs/cases?metric=pickup&limit=0")]
    public async Task BadInput_Returns400(string url) =>
        await (await _api.GetAsync(url)).AssertErrorAsync(400, "INVALID_REQUEST");

    [Fact]
    public async Task KeyRestrictedToAgents_Returns403()
    {
        var key = await desk.CreateKeyAsync(["read"], ["agent-1"]);

        await (await desk.WithKey(key).GetAsync("/v1/analytics/handoffs")).AssertErrorAsync(403, "INSUFFICIENT_SCOPE");
    }

    [Fact]
    public async Task Export_SignedInSupervisorGetsTheCsv_AgentIsRefused()
    {
        var supervisor = desk.Browser();
        await supervisor.SignInAsync(await desk.CreateUserAsync("sup", ["supervisor"]), DeskLogin.Password);
        var agent = desk.Browser();
        await agent.SignInAsync(await desk.CreateUserAsync("agent", ["agent"]), DeskLogin.Password);
        var manager = desk.Browser();
        await manager.SignInAsync(await desk.CreateUserAsync("mgr", ["manager"]), DeskLogin.Password);

        var csv = await supervisor.GetAsync($"/analytics/export.csv?{desk.Window}");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Contains("handoffs,all,all,count,5", (await csv.Content.ReadAsStringAsync()).Split("\r\n"));
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync($"/analytics/export.csv?{desk.Window}&metric=pickup&key=all")).StatusCode);
        var refused = await agent.GetAsync($"/analytics/export.csv?{desk.Window}");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Contains("/denied", refused.Headers.Location?.ToString());
    }
}
