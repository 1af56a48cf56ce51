using AgentDesk.Core.Memory;
using AgentDesk.Core.Tests.Support;

namespace AgentDesk.Core.Tests.Memory;

/// <summary>Recall re-checks candidates fetched by key in process: <see cref="MemoryFilter.Matches"/> must agree with <see cref="MemoryFilter.ToSql"/>.</summary>
public sealed class MemoryFilterTests : DatabaseTest
{
    public static TheoryData<string> Filters => new() { "agent", "type", "min", "max", "session", "since", "until", "tags", "ids", "expired", "all" };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Matches_AgreesWithTheSqlPredicate(string name)
    {
        var (session, _) = await Db.Sessions.StartAsync("bot", "s1", null);
        var start = Db.Clock.Now;
        var types = MemoryTypes.All;
        var stored = new List<AgentDesk.Core.Memory.Memory>();
        for (var i = 0; i < 40; i++)
        {
            Db.Clock.Advance(TimeSpan.FromMinutes(1));
            var (memory, _, _) = await Db.Memories.StoreAsync(new NewMemory
            {
                AgentId = i % 5 == 0 ? "other" : "bot",
                Content = $"memory {i}",
                MemoryType = types[i % types.Count],
                Importance = i % 10 / 10.0,
                Tags = i % 3 == 0 ? ["a", "b"] : i % 3 == 1 ? ["a"] : [],
                SessionId = i % 4 == 0 && i % 5 != 0 ? session.Id : null,
                ExpiresAtMs = i % 7 == 0 ? Db.Clock.Now.AddMinutes(10).ToUnixTimeMilliseconds() : null,
            });
            stored.Add(memory);
        }
        Db.Clock.Advance(TimeSpan.FromMinutes(15)); // some have expired now
        var mid = start.AddMinutes(20).ToUnixTimeMilliseconds();
        var filter = name switch
        {
            "agent" => new MemoryFilter { AgentId = "bot" },
            "type" => new MemoryFilter { AgentId = "bot", MemoryType = MemoryTypes.Semantic },
            "min" => new MemoryFilter { AgentId = "bot", MinImportance = 0.5 },
            "max" => new MemoryFilter { AgentId = "bot", MaxImportance = 0.3 },
            "session" => new MemoryFilter { AgentId = "bot", SessionId = session.Id },
            "since" => new MemoryFilter { AgentId = "bot", SinceMs = mid },
            "until" => new MemoryFilter { AgentId = "bot", UntilMs = mid },
            "tags" => new MemoryFilter { AgentId = "bot", Tags = ["a", "b"] },
            "ids" => new MemoryFilter { AgentId = "bot", Ids = stored.Take(12).Select(m => m.Id).ToList() },
            "expired" => new MemoryFilter { AgentId = "bot", IncludeExpired = true },
            _ => new MemoryFilter { AgentId = "bot", MinImportance = 0.2, Tags = ["a"], SinceMs = mid, UntilMs = mid + 600_000, MemoryType = MemoryTypes.Episodic },
        };
        var now = Db.Clock.Now.ToUnixTimeMilliseconds();
        var bySql = (await Db.Memories.ListAsync(filter, 1000)).Select(m => m.Id).Order().ToList();
        var inProcess = stored.Where(m => filter.Matches(m, now)).Select(m => m.Id).Order().ToList();
        Assert.Equal(bySql, inProcess);
        Assert.NotEmpty(bySql);
    }
}
