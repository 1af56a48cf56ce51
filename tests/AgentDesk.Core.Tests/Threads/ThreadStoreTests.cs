using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Summaries;
using AgentDesk.Core.Tests.Support;
using AgentDesk.Core.Threads;
using Dapper;

namespace AgentDesk.Core.Tests.Threads;

/// <summary>Turns upserted by id into one memory each (indexed once), the timeline, channels and legs, against a real SQLite file.</summary>
public sealed class ThreadStoreTests : IAsyncLifetime
{
    private readonly ConceptEmbeddings _model = new();
    private readonly TempDatabase _db;
    private readonly ThreadNotifier _notifier = new();
    private readonly List<string> _published = [];

    public ThreadStoreTests()
    {
        _db = new TempDatabase(_model);
        _notifier.Changed += change => _published.Add(change.Name);
    }

    public Task InitializeAsync() => _db.InitializeAsync();
    public Task DisposeAsync() => _db.DisposeAsync();

    private HandoffQueue Handoffs => new(_db.Database, _db.Memories, _db.Recall, new ExtractiveSummaryGenerator(), new HandoffNotifier(), _db.Events, _db.Clock);

    private ThreadStore Store => new(_db.Database, _db.Memories, _db.Semantic, _db.Recall, Handoffs, _notifier, _db.Events, _db.Clock);

    private long At(int minutes) => _db.Clock.Now.AddMinutes(minutes).ToUnixTimeMilliseconds();

    private Task<UpsertResult> Upsert(string thread, params TurnInput[] turns) => Store.UpsertAsync(thread, "contact-bot", turns);

    private Task<long> Scalar(string sql, object? args = null) => _db.Database.ReadAsync(c => c.ExecuteScalarAsync<long>(sql, args));

    /// <summary>How many memories the full-text index finds for one word.</summary>
    private Task<long> LexicalMatches(string word) =>
        Scalar(_db.Database.Dialect.CappedTermCountSql, new { term = _db.Database.Dialect.LexicalMatchExpression([word]), cap = long.MaxValue });

    [Fact]
    public async Task Upsert_SameTurnTwice_KeepsOneMemoryAndOneTurn_AndComputesNoSecondVector()
    {
        var turn = new TurnInput("t1", "Customer asks for a refund of the double charge", "chat", AtMs: At(0));

        var first = await Upsert("T-1", turn);
        var embedded = _model.EmbeddedTexts;
        var second = await Upsert("T-1", turn);

        Assert.Equal([TurnOutcomes.Created], first.Outcomes.Select(o => o.Outcome));
        Assert.Equal([TurnOutcomes.Unchanged], second.Outcomes.Select(o => o.Outcome));
        Assert.Equal(1, second.Thread.TurnCount);
        Assert.Equal(1, await _db.Memories.CountAsync(new MemoryFilter { AgentId = "contact-bot" }));
        Assert.Equal(1, await LexicalMatches("refund"));
        Assert.Equal(embedded, _model.EmbeddedTexts);
        Assert.Equal(["T-1"], _published);
    }

    [Fact]
    public async Task Upsert_ChangedText_RewritesTheSameMemory_AndTheOldTextNoLongerMatches()
    {
        await Upsert("T-2", new TurnInput("t1", "My router drops the connection every evening", "voice", AtMs: At(0)));
        var memoryId = (await Store.GetAsync("T-2"))!.Turns![0].MemoryId;

        var updated = await Upsert("T-2", new TurnInput("t1", "I want a refund for the invoice", "voice"));

        Assert.Equal([TurnOutcomes.Updated], updated.Outcomes.Select(o => o.Outcome));
        var turn = Assert.Single((await Store.GetAsync("T-2"))!.Turns!);
        Assert.Equal(memoryId, turn.MemoryId);
        Assert.Equal("I want a refund for the invoice", turn.Text);
        Assert.Equal(At(0), turn.AtMs);
        Assert.Equal(0, await LexicalMatches("router"));
        Assert.Equal(1, await LexicalMatches("refund"));
        Assert.Equal(1, await _db.Memories.CountAsync(new MemoryFilter { AgentId = "contact-bot" }));
        var hits = await Store.QueryAsync("T-2", "money back", 5);
        Assert.Equal("t1", Assert.Single(hits).Turn.Id);
    }

    [Fact]
    public async Task Get_TurnsSentOutOfOrder_AreInTimeOrder_WithChannelsInOrderOfFirstUse()
    {
        await Upsert("T-3", new TurnInput("email-1", "Following up by email about the refund", "email", AtMs: At(30)));
        await Upsert("T-3", new TurnInput("voice-1", "Called about a double charge", "voice", AtMs: At(0)),
            new TurnInput("chat-1", "Chatting to check the refund status", "chat", "bot", At(10)));

        var thread = (await Store.GetAsync("T-3"))!;

        Assert.Equal(["voice-1", "chat-1", "email-1"], thread.Turns!.Select(t => t.Id));
        Assert.Equal(["voice", "chat", "email"], thread.Channels);
        Assert.Equal([ThreadRules.Roles.Customer, ThreadRules.Roles.Bot, ThreadRules.Roles.Customer], thread.Turns!.Select(t => t.Role));
        Assert.Equal(3, thread.TurnCount);
        Assert.Equal(At(30) / 1000, thread.LastActivityAt);
    }

    [Fact]
    public async Task Upsert_ChannelRoleOrTimeChanged_UpdatesTagsAndTimeline_KeepingTheVector()
    {
        await Upsert("T-4", new TurnInput("t1", "Customer wants the parcel redelivered", "chat", AtMs: At(5)),
            new TurnInput("t2", "Agent promised a courier slot", "chat", "agent", At(6)));
        var embedded = _model.EmbeddedTexts;

        var moved = await Upsert("T-4", new TurnInput("t1", "Customer wants the parcel redelivered", "sms", "customer", At(7)));

        Assert.Equal([TurnOutcomes.Updated], moved.Outcomes.Select(o => o.Outcome));
        var thread = (await Store.GetAsync("T-4"))!;
        Assert.Equal(["t2", "t1"], thread.Turns!.Select(t => t.Id));
        Assert.Equal(["chat", "sms"], thread.Channels);
        var memory = (await _db.Memories.GetAsync(thread.Turns![1].MemoryId))!;
        Assert.Contains("channel:sms", memory.Tags);
        Assert.DoesNotContain("channel:chat", memory.Tags);
        Assert.Contains("thread:T-4", memory.Tags);
        Assert.Equal(embedded, _model.EmbeddedTexts);
        Assert.NotNull(await _db.Database.ReadAsync(c => c.ExecuteScalarAsync<byte[]?>("SELECT embedding FROM memories WHERE id = @id", new { id = memory.Id })));
    }

    [Fact]
    public async Task GetAndQuery_WriteNothing_AndIndexNothing()
    {
        await Upsert("T-5", new TurnInput("t1", "Router keeps rebooting", "voice", AtMs: At(0)),
            new TurnInput("t2", "Asked for a refund of the repair fee", "email", AtMs: At(1)));
        var indexSize = TestEngine.IsPostgres
            ? "SELECT COUNT(*) + COALESCE(SUM(length(fts_lexemes) + fts_length), 0) FROM memories"
            : "SELECT COUNT(*) + COALESCE(SUM(LENGTH(block)), 0) FROM memories_fts_data";
        var index = await Scalar(indexSize);
        var embedded = _model.EmbeddedTexts;

        await Store.GetAsync("T-5");
        var hits = await Store.QueryAsync("T-5", "refund", 5);

        Assert.Equal("t2", hits[0].Turn.Id);
        Assert.Equal("email", hits[0].Turn.Channel);
        Assert.Equal(index, await Scalar(indexSize));
        Assert.Equal(embedded + 1, _model.EmbeddedTexts); // the query's own vector, nothing stored
        Assert.Equal(2, await _db.Memories.CountAsync(new MemoryFilter { AgentId = "contact-bot" }));
    }

    [Fact]
    public async Task Query_OnlyRanksTheThreadsOwnTurns()
    {
        await Upsert("T-6", new TurnInput("t1", "Router keeps rebooting", "voice", AtMs: At(0)));
        await Upsert("T-7", new TurnInput("t1", "Router keeps rebooting too", "chat", AtMs: At(0)));

        var hits = await Store.QueryAsync("T-6", "router", 10);

        Assert.Equal("voice", Assert.Single(hits).Turn.Channel);
    }

    [Fact]
    public async Task Upsert_AnotherAgentForAnExistingThread_IsRefusedWithConflict()
    {
        await Upsert("T-8", new TurnInput("t1", "hello", "chat"));

        var refused = await Assert.ThrowsAsync<DeskException>(() => Store.UpsertAsync("T-8", "someone-else", [new TurnInput("t2", "hi", "chat")]));

        Assert.Equal(409, refused.Status);
        Assert.Equal(1, (await Store.GetAsync("T-8"))!.TurnCount);
    }

    [Fact]
    public async Task RaiseHandoff_EndsTheLeg_AndTheNextNewTurnOpensAnother()
    {
        await Upsert("T-9", new TurnInput("t1", "Customer wants a refund for a double charge", "voice", AtMs: At(0)));
        var firstLeg = (await Store.GetAsync("T-9"))!.SessionId!;

        var raised = await Store.RaiseHandoffAsync("T-9", new EscalationRequest
        {
            SourceSessionId = "",
            AgentId = "contact-bot",
            TargetQueue = "billing",
            Reason = "refund",
            Urgency = Urgency.High,
        });
        var afterHandoff = (await Store.GetAsync("T-9"))!;
        await Upsert("T-9", new TurnInput("t2", "Still waiting on that refund", "email", AtMs: At(60)));
        var secondLeg = (await Store.GetAsync("T-9"))!;

        Assert.Equal("T-9", raised.Handoff.Thread);
        Assert.Equal(firstLeg, raised.Handoff.SourceSessionId);
        Assert.Equal("voice", raised.Handoff.Channel);
        Assert.Null(afterHandoff.SessionId);
        Assert.Equal(raised.Handoff.Id, afterHandoff.OpenHandoff!.HandoffId);
        Assert.NotNull(secondLeg.SessionId);
        Assert.NotEqual(firstLeg, secondLeg.SessionId);
        Assert.Equal(2, secondLeg.TurnCount);
        var refused = await Assert.ThrowsAsync<DeskException>(() => Store.RaiseHandoffAsync("T-404", new EscalationRequest
        {
            SourceSessionId = "",
            AgentId = "contact-bot",
            TargetQueue = "billing",
            Reason = "refund",
        }));
        Assert.Equal(404, refused.Status);
    }
}
