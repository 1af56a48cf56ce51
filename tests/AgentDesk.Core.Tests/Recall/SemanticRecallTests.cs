using System.Runtime.InteropServices;
using AgentDesk.Core;
using AgentDesk.Core.Memory;
using AgentDesk.Core.Recall;
using AgentDesk.Core.Tests.Support;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentDesk.Core.Tests.Recall;

/// <summary>Vectors at store time, the vector index, hybrid routing, scoped recall, temporal phrases and explain.</summary>
public sealed class SemanticRecallTests : IAsyncLifetime
{
    private readonly ConceptEmbeddings _model = new();
    private readonly TempDatabase _db;

    public SemanticRecallTests() => _db = new TempDatabase(_model);

    public Task InitializeAsync() => _db.InitializeAsync();
    public Task DisposeAsync() => _db.DisposeAsync();

    private async Task<RecallResult> Recall(string query, string routing = Routing.Auto, MemoryFilter? filter = null, int topK = 5, bool explain = false) =>
        await _db.Recall.RecallAsync(new RecallRequest
        {
            Filter = filter ?? new MemoryFilter { AgentId = "bot" },
            Query = query,
            TopK = topK,
            Routing = routing,
            Explain = explain,
        });

    private Task<(AgentDesk.Core.Memory.Memory Memory, bool Created, TimeSpan EmbeddingTime)> Store(string content, string agent = "bot", string? session = null) =>
        _db.Memories.StoreAsync(new NewMemory { AgentId = agent, Content = content, SessionId = session });

    private Task<T> Scalar<T>(string sql, object? args = null) =>
        _db.Database.ReadAsync(c => c.ExecuteScalarAsync<T>(sql, args))!;

    [Fact]
    public async Task Recall_Vector_FindsAMemorySharingNoWordWithTheQuery()
    {
        await Store("customer asked for a refund");
        await Store("router reboots every night");
        var vector = await Recall("I want my money back", Routing.Vector);
        Assert.Equal("customer asked for a refund", vector.Hits[0].Memory.Content);
        Assert.NotNull(vector.Hits[0].VectorScore);
        Assert.Null(vector.Hits[0].TextScore);

        var lexical = await Recall("I want my money back", Routing.Bm25);
        Assert.All(lexical.Hits, h => Assert.Null(h.TextScore));
    }

    [Fact]
    public async Task Recall_Hybrid_ReportsBothSignalsAndPrefersAMemoryBothRetrieversFound()
    {
        await Store("refund issued for the invoice");
        await Store("refund policy page viewed");
        await Store("invoice charged twice, wants money back");
        var result = await Recall("refund for the invoice", Routing.Hybrid);
        Assert.Equal("refund issued for the invoice", result.Hits[0].Memory.Content);
        Assert.NotNull(result.Hits[0].TextScore);
        Assert.NotNull(result.Hits[0].VectorScore);
    }

    [Fact]
    public async Task Store_ComputesAndPersistsVectors_AndARestartLoadsThemWithoutReembedding()
    {
        for (var i = 0; i < 5; i++) await Store($"router note {i}");
        Assert.Equal(5, await Scalar<long>("SELECT COUNT(*) FROM memories WHERE embedding IS NOT NULL AND embedding_model = 'concepts-v1'"));
        var embeddedBefore = _model.EmbeddedTexts;

        using var restarted = new SemanticIndex(_db.Database, new DeskEvents(), NullLogger<SemanticIndex>.Instance, _model);
        await restarted.CatchUpAsync(default);
        Assert.Equal(5, restarted.IndexedCount);
        Assert.Equal(embeddedBefore, _model.EmbeddedTexts);
    }

    [Fact]
    public async Task Store_WithTheClientsOwnVector_KeepsItAsSent()
    {
        var own = new float[] { 0, 0, 0, 0, 1, 0, 0 };
        await _db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "refund refund refund", Embedding = own });
        Assert.Equal("client", await Scalar<string>("SELECT embedding_model FROM memories"));
        var hit = (await Recall("password reset", Routing.Vector)).Hits[0];
        Assert.Equal(1.0, hit.VectorScore!.Value, 2); // compared with the client's vector (a password concept), not with "refund"
    }

    [Fact]
    public async Task Store_WhileTheModelIsDown_StoresWithoutVector_AndTheBackfillEmbedsItLater()
    {
        _model.Fail = true;
        var (stored, _, _) = await Store("customer is furious about the bill");
        Assert.Equal(1, await Scalar<long>("SELECT COUNT(*) FROM memories WHERE embedding IS NULL"));
        await Assert.ThrowsAsync<HttpRequestException>(() => _db.Semantic.BackfillAsync(10, default));

        _model.Fail = false;
        Assert.Equal(1, await _db.Semantic.BackfillAsync(10, default));
        Assert.Equal(0, await Scalar<long>("SELECT COUNT(*) FROM memories WHERE embedding IS NULL"));
        Assert.Equal(stored.Id, (await Recall("upset customer", Routing.Vector)).Hits[0].Memory.Id);
    }

    [Fact]
    public async Task Update_NewContent_IsReembedded_ButAClientVectorIsKept()
    {
        var (ours, _, _) = await Store("router broken");
        await _db.Memories.UpdateAsync(ours.Id, "bot", new MemoryPatch { Content = "refund requested" });
        Assert.Equal(ours.Id, (await Recall("money back", Routing.Vector)).Hits[0].Memory.Id);

        var own = new float[] { 0, 1, 0, 0, 0, 0, 0 };
        var (theirs, _, _) = await _db.Memories.StoreAsync(new NewMemory { AgentId = "c", Content = "router", Embedding = own });
        await _db.Memories.UpdateAsync(theirs.Id, "c", new MemoryPatch { Content = "refund" });
        Assert.Equal("client", await Scalar<string>("SELECT embedding_model FROM memories WHERE id = @id", new { id = theirs.Id }));
        var hit = (await Recall("wifi", Routing.Vector, new MemoryFilter { AgentId = "c" })).Hits[0];
        Assert.Equal(1.0, hit.VectorScore!.Value, 2);
    }

    [Fact]
    public async Task Forget_RemovesTheVectorFromTheIndex()
    {
        // Agent-wide recall of a small agent is scored in process; with that off it searches the vector index.
        await new TempDatabase(_model) { RecallOptions = new RecallOptions { AgentScopedLimit = 0 } }.UseAsync(async db =>
        {
            var kept = (await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "router down" })).Memory;
            var gone = (await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "wifi down" })).Memory;
            var ask = new RecallRequest { Filter = new MemoryFilter { AgentId = "bot" }, Query = "internet", Routing = Routing.Vector };
            await db.Recall.RecallAsync(ask); // loads the index
            Assert.Equal(2, db.Semantic.IndexedCount);
            await db.Memories.DeleteAsync(new MemoryFilter { AgentId = "bot", Ids = [gone.Id] });
            Assert.Equal(1, db.Semantic.IndexedCount);
            Assert.Equal(kept.Id, Assert.Single((await db.Recall.RecallAsync(ask)).Hits).Memory.Id);
        });
    }

    [PostgresFact]
    public async Task VectorIndex_RowCommittedBelowItsTail_IsLoadedOnTheNextCatchUp()
    {
        // What another instance's slower transaction looks like from here: its memory took a seq before ours and
        // commits after this index has passed ours.
        var late = await _db.Database.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT nextval(pg_get_serial_sequence('memories', 'seq'))"));
        await Store("router keeps dropping");
        var query = (await _db.Semantic.EmbedQueryAsync("refund", default))!;
        Assert.Single(await _db.Semantic.SearchAsync("bot", query, 10, long.MinValue, long.MaxValue, default));

        var prepared = (await _db.Memories.PrepareAsync([new NewMemory { AgentId = "bot", Content = "I want my money back" }]))[0];
        await _db.Database.WriteAsync((c, tx) => c.ExecuteAsync("""
            INSERT INTO memories (seq, id, agent_id, content, memory_type, importance, tags, created_at, last_accessed_at, embedding, embedding_model)
            VALUES (@late, 'mem_late', 'bot', @Content, 'episodic', 0.5, '[]', 0, 0, @embedding, @EmbeddingModel)
            """, new { late, prepared.Content, embedding = MemoryMarshal.AsBytes(prepared.Embedding.AsSpan()).ToArray(), prepared.EmbeddingModel }, tx));
        _db.Events.Deliver(new DeskChange("memory", "bot"));

        var matches = await _db.Semantic.SearchAsync("bot", query, 10, long.MinValue, long.MaxValue, default);
        Assert.Equal(2, matches.Count);
        Assert.Contains(matches, m => m.Seq == late);
    }

    [Fact]
    public async Task Recall_ScopedToASession_IsScoredInProcessAndRanksLikeTheIndex()
    {
        var (session, _) = await _db.Sessions.StartAsync("bot", "s1", null);
        await Store("invoice charged twice", session: session.Id);
        await Store("router fixed after reboot", session: session.Id);
        await Store("invoice disputed elsewhere");
        var scoped = await Recall("invoice charge", filter: new MemoryFilter { AgentId = "bot", SessionId = session.Id }, explain: true);
        Assert.Equal("scoped", scoped.Explanation!.Path);
        Assert.Equal("invoice charged twice", scoped.Hits[0].Memory.Content);
        Assert.NotNull(scoped.Hits[0].TextScore);
        Assert.All(scoped.Hits, h => Assert.Equal(session.Id, h.Memory.SessionId));
    }

    [Fact]
    public async Task Recall_AgentWide_SmallAgentIsScoredInProcess_LargerOneUsesTheIndexes()
    {
        await new TempDatabase(_model) { RecallOptions = new RecallOptions { AgentScopedLimit = 2 } }.UseAsync(async db =>
        {
            await db.Memories.StoreAsync(new NewMemory { AgentId = "small", Content = "invoice charged twice" });
            await db.Memories.StoreAsync(new NewMemory { AgentId = "small", Content = "router fixed after reboot" });
            for (var i = 0; i < 3; i++) await db.Memories.StoreAsync(new NewMemory { AgentId = "large", Content = $"invoice {i}" });
            RecallRequest Ask(string agent) => new() { Filter = new MemoryFilter { AgentId = agent }, Query = "invoice charge", Explain = true };

            var small = await db.Recall.RecallAsync(Ask("small"));
            Assert.Equal("scoped", small.Explanation!.Path);
            Assert.Equal("invoice charged twice", small.Hits[0].Memory.Content);
            Assert.NotNull(small.Hits[0].TextScore);
            var large = await db.Recall.RecallAsync(Ask("large"));
            Assert.Equal("index", large.Explanation!.Path);
            Assert.Equal(3, large.Hits.Count);
        });
    }

    [Fact]
    public async Task Recall_SmallAgentGrowingPastTheLimit_MovesToTheIndexes()
    {
        await new TempDatabase(_model) { RecallOptions = new RecallOptions { AgentScopedLimit = 2 } }.UseAsync(async db =>
        {
            RecallRequest Ask() => new() { Filter = new MemoryFilter { AgentId = "bot" }, Query = "invoice", Explain = true };
            for (var i = 0; i < 2; i++) await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = $"invoice {i}" });
            Assert.Equal("scoped", (await db.Recall.RecallAsync(Ask())).Explanation!.Path);
            Assert.Equal("scoped", (await db.Recall.RecallAsync(Ask())).Explanation!.Path);

            await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "invoice 2" });
            var grown = await db.Recall.RecallAsync(Ask());
            Assert.Equal("index", grown.Explanation!.Path);
            Assert.Equal(3, grown.Hits.Count);
        });
    }

    [Fact]
    public async Task Recall_AgentFoundLarge_UsesTheIndexesUntilRecheckedAMinuteLater()
    {
        await new TempDatabase(_model) { RecallOptions = new RecallOptions { AgentScopedLimit = 2 } }.UseAsync(async db =>
        {
            var ids = new List<string>();
            for (var i = 0; i < 3; i++)
                ids.Add((await db.Memories.StoreAsync(new NewMemory
                {
                    AgentId = "bot",
                    Content = $"invoice {i}",
                    MemoryType = i == 0 ? MemoryTypes.Semantic : MemoryTypes.Episodic,
                })).Memory.Id);
            RecallRequest Ask(MemoryFilter filter) => new() { Filter = filter, Query = "invoice", Explain = true };
            var plain = new MemoryFilter { AgentId = "bot" };

            Assert.Equal("index", (await db.Recall.RecallAsync(Ask(plain))).Explanation!.Path);
            // A narrower filter is counted, not judged by the agent's size.
            Assert.Equal("scoped", (await db.Recall.RecallAsync(Ask(plain with { MemoryType = MemoryTypes.Semantic }))).Explanation!.Path);

            await db.Memories.DeleteAsync(new MemoryFilter { AgentId = "bot", Ids = [ids[2]] });
            Assert.Equal("index", (await db.Recall.RecallAsync(Ask(plain))).Explanation!.Path);
            db.Clock.Advance(TimeSpan.FromSeconds(61));
            var rechecked = await db.Recall.RecallAsync(Ask(plain));
            Assert.Equal("scoped", rechecked.Explanation!.Path);
            Assert.Equal(2, rechecked.Hits.Count);
        });
    }

    [Fact]
    public async Task Recall_ScopeLargerThanTheLimit_UsesTheIndexes()
    {
        await new TempDatabase(_model) { RecallOptions = new RecallOptions { ScopedLimit = 2 } }.UseAsync(async db =>
        {
            var (session, _) = await db.Sessions.StartAsync("bot", "s1", null);
            for (var i = 0; i < 3; i++) await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = $"invoice {i}", SessionId = session.Id });
            var result = await db.Recall.RecallAsync(new RecallRequest { Filter = new MemoryFilter { AgentId = "bot", SessionId = session.Id }, Query = "invoice", Explain = true });
            Assert.Equal("index", result.Explanation!.Path);
            Assert.Equal(3, result.Hits.Count);
        });
    }

    [Fact]
    public async Task Recall_Yesterday_KeepsOnlyYesterdaysMemories()
    {
        await Store("router replaced");
        _db.Clock.Advance(TimeSpan.FromDays(1));
        await Store("router still flaky");
        _db.Clock.Advance(TimeSpan.FromDays(1));
        var result = await Recall("what happened with the router yesterday", explain: true);
        Assert.Equal("router still flaky", Assert.Single(result.Hits).Memory.Content);
        Assert.True(result.Explanation!.Temporal!.Applied);
        Assert.DoesNotContain("yesterday", result.Explanation.Terms);
    }

    [Fact]
    public async Task Recall_TemporalWindowExcludingTheHandoffSummary_StillRanksItFirst()
    {
        await Store("router replaced");
        _db.Clock.Advance(TimeSpan.FromDays(1));
        await _db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "HANDOFF SUMMARY: router case", Importance = 1.0, Tags = ["handoff"] });
        var result = await Recall("router yesterday", explain: true);
        Assert.True(result.Explanation!.Temporal!.Applied);
        Assert.Equal(["HANDOFF SUMMARY: router case", "router replaced"], result.Hits.Select(h => h.Memory.Content));
    }

    [Fact]
    public async Task Recall_WindowWithNothingInIt_IsNotApplied()
    {
        await Store("router replaced");
        var result = await Recall("router last year", explain: true);
        Assert.Single(result.Hits);
        Assert.False(result.Explanation!.Temporal!.Applied);
    }

    [Fact]
    public async Task Recall_LastCall_ScopesToTheMostRecentEndedSession()
    {
        var (first, _) = await _db.Sessions.StartAsync("bot", "call-1", null);
        await Store("router replaced on the first call", session: first.Id);
        await _db.Sessions.EndAsync("call-1", null, null);
        _db.Clock.Advance(TimeSpan.FromHours(1));
        var (second, _) = await _db.Sessions.StartAsync("bot", "call-2", null);
        await Store("router checked on the second call", session: second.Id);
        await _db.Sessions.EndAsync("call-2", null, null);
        _db.Clock.Advance(TimeSpan.FromHours(1));
        var (open, _) = await _db.Sessions.StartAsync("bot", "call-3", null);
        await Store("router still open", session: open.Id);

        var result = await Recall("what did we do on our last call", explain: true);
        Assert.Equal("call-2", result.Explanation!.Temporal!.SessionId);
        Assert.All(result.Hits, h => Assert.Equal("call-2", h.Memory.SessionId));
    }

    [Fact]
    public async Task Recall_Explain_ReturnsEveryComponentOfTheRankKey()
    {
        await Store("refund issued for the invoice");
        var result = await Recall("refund invoice", Routing.Hybrid, explain: true);
        var hit = result.Hits[0];
        var e = hit.Explanation!;
        Assert.Contains("lexical", e.Sources);
        Assert.Contains("vector", e.Sources);
        Assert.Equal(hit.TextScore, e.TextRaw);
        Assert.Equal(hit.Score, e.Relevance);
        var w = result.Explanation!.Weights;
        var expected = (w.Relevance * e.Relevance + w.Importance * e.Importance + w.Recency * e.Recency) / (w.Relevance + w.Importance + w.Recency);
        Assert.Equal(expected, hit.SmartScore, 9);
        Assert.Equal("hybrid", result.Explanation.Routing);
        Assert.Equal(["refund", "invoice"], result.Explanation.Terms);
    }

    [Fact]
    public async Task Recall_HandoffSummary_RanksFirstOnEveryRouting()
    {
        await Store("refund refund refund invoice");
        await _db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "HANDOFF SUMMARY: customer locked out", Importance = 1.0, Tags = ["handoff"] });
        foreach (var routing in new[] { Routing.Bm25, Routing.Vector, Routing.Hybrid })
            Assert.StartsWith("HANDOFF SUMMARY", (await Recall("refund invoice", routing)).Hits[0].Memory.Content);
    }

    [Fact]
    public async Task Recall_NeighbourWeight_BringsTheReplyToAMatchingQuestion()
    {
        await new TempDatabase(_model) { Ranking = new RankingOptions { NeighbourWeight = 0.8 } }.UseAsync(async db =>
        {
            var (call, _) = await db.Sessions.StartAsync("bot", "call", null);
            await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", SessionId = call.Id, Content = "agent: which courier delivered the parcel?" });
            db.Clock.Advance(TimeSpan.FromSeconds(5));
            await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", SessionId = call.Id, Content = "customer: it was DHL, on Tuesday" });
            await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = "outside any session: printer toner low" });
            db.Clock.Advance(TimeSpan.FromHours(2)); // a pause: too far to be context
            await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", SessionId = call.Id, Content = "customer: thanks, bye" });
            for (var i = 0; i < 20; i++) await db.Memories.StoreAsync(new NewMemory { AgentId = "bot", Content = $"unrelated note {i}" });

            var result = await db.Recall.RecallAsync(new RecallRequest
            {
                Filter = new MemoryFilter { AgentId = "bot" },
                Query = "courier parcel",
                TopK = 3,
                Routing = Routing.Bm25,
                Explain = true,
            });
            Assert.Equal(["agent: which courier delivered the parcel?", "customer: it was DHL, on Tuesday"], result.Hits.Take(2).Select(h => h.Memory.Content));
            Assert.Contains("context", result.Hits[1].Explanation!.Sources);
            Assert.DoesNotContain(result.Hits, h => h.Memory.Content is "customer: thanks, bye" or "outside any session: printer toner low" && h.Score > 0);
        });
    }

    [Fact]
    public async Task StartUp_UnderAnotherModel_ClearsOldVectorsAndTheBackfillRecomputesThem()
    {
        await Store("router down");
        var next = new ConceptEmbeddings("concepts-v2");
        using var restarted = new SemanticIndex(_db.Database, new DeskEvents(), NullLogger<SemanticIndex>.Instance, next);
        Assert.Equal(1, await restarted.ForgetOtherModelsAsync(default));
        Assert.Equal(1, await restarted.BackfillAsync(10, default));
        Assert.Equal("concepts-v2", await Scalar<string>("SELECT embedding_model FROM memories"));
        // The next start under the same model finds the model recorded and scans nothing.
        await _db.Database.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE memories SET embedding_model = 'concepts-v1'", transaction: tx));
        Assert.Equal(0, await restarted.ForgetOtherModelsAsync(default));
    }
}
