using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Storage;
using Dapper;

namespace AgentDesk.Core.Tests.Handoffs;

/// <summary>Concurrent claims on either engine: SQLite queues its writers, PostgreSQL retries the ones it aborts.</summary>
public sealed class ClaimRaceTests : HandoffQueueTest
{
    [Fact]
    public async Task Claim_EightAgentsAtOnce_ExactlyOneWins_OthersGetConflict()
    {
        var queue = Queue();
        var id = (await queue.EscalateAsync(Request(await BotSessionAsync()))).Handoff.Id;
        var agents = Enumerable.Range(1, 8).Select(i => $"agent-{i}").ToList();

        var outcomes = await Task.WhenAll(agents.Select(agent => Task.Run(async () =>
        {
            try
            {
                return (Agent: agent, Won: (await queue.ClaimAsync(id, agent)).ClaimedBy == agent, Status: 200);
            }
            catch (DeskException e)
            {
                return (Agent: agent, Won: false, e.Status);
            }
        })));

        var winner = Assert.Single(outcomes, o => o.Won);
        Assert.All(outcomes.Where(o => !o.Won), o => Assert.Equal(409, o.Status));
        var stored = await Db.Database.ReadAsync(c => HandoffRecords.GetAsync(c, null, id, default));
        Assert.Equal((HandoffStatus.Claimed, winner.Agent), (stored!.Status, stored.ClaimedBy));
        // Only the winner's session was opened: a losing claim's session insert rolled back with it.
        var p = new DynamicParameters();
        var opened = $"SELECT COUNT(*) FROM sessions WHERE {SqlList.In("agent_id", "agents", agents, p)}";
        Assert.Equal(1, await Db.Database.ReadAsync(c => c.ExecuteScalarAsync<long>(opened, p)));
    }
}
