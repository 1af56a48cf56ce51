using AgentDesk.Core.Storage;

namespace AgentDesk.Core.Tests.Support;

public static class WriterHold
{
    /// <summary>
    /// Queues a write unit that holds the writer until <paramref name="release"/> completes, and returns once it runs:
    /// the units queued meanwhile then run together (one group, on SQLite). Returns the held unit's task.
    /// </summary>
    public static async Task<Task> HoldWriterAsync(this DeskDatabase database, Task release)
    {
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = database.WriteAsync(async (c, tx) =>
        {
            holding.SetResult();
            await release;
            return 0;
        });
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return held;
    }
}
