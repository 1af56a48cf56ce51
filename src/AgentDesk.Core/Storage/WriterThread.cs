using System.Data;
using System.Data.Common;

namespace AgentDesk.Core.Storage;

/// <summary>
/// Runs an engine's write units on a thread of their own, back to back, and commits the units that queued up
/// meanwhile as one transaction (group commit).
/// <list type="bullet">
/// <item>Queued on a semaphore instead, each waiter's turn began only when the thread pool got round to its
/// continuation, and the single writer stood idle meanwhile.</item>
/// <item>One transaction per unit wrote every page a unit touched to the write-ahead log once per unit: the table's
/// last leaf, the full-text index's structure, the audit log's last leaf, each a full page per commit. A group writes
/// each such page once, and commits once.</item>
/// </list>
/// A group runs its units in queue order inside one transaction, exactly as if each had committed before the next
/// began. When any unit throws (or the commit fails), the whole group is rolled back and every unit runs again alone,
/// in its own transaction as before: a unit's failure reaches only its own caller. Units must therefore touch only
/// the database, which <see cref="DeskDatabase"/> already requires of them. A unit that is not groupable (two
/// transactions in one turn) always runs alone. The thread leaves after <see cref="IdleExit"/> without work and is
/// started again on demand. A unit runs in the execution context of the caller that queued it (so the audit actor goes
/// with it) and completes its task asynchronously, so the caller's continuation never runs on this thread.
/// </summary>
/// <param name="beforeCommit">Runs in a group's transaction after its last unit, before the commit (the dialect's deferred work).</param>
internal sealed class WriterThread(
    string name, Func<CancellationToken, Task<DbConnection>> open, WalCheckpointer? checkpointer = null, Action<DbConnection, DbTransaction>? beforeCommit = null)
{
    /// <summary>At most this many units share a transaction, so one commit never waits on an unbounded group.</summary>
    public const int MaxGroup = 32;

    private static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(10);
    private readonly Queue<Unit> _queue = new();
    private bool _running;

    /// <summary>Units waiting for their turn (tests wait on it to know a group has formed).</summary>
    public int Queued
    {
        get
        {
            lock (_queue) return _queue.Count;
        }
    }

    /// <summary>Runs <paramref name="work"/> in a transaction, maybe shared with other units; <paramref name="alone"/> runs it in one of its own.</summary>
    public Task<T> RunAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, Func<DbConnection, Task<T>> alone, CancellationToken ct) =>
        Post(new Unit<T>(work, alone, ct));

    /// <summary>Runs <paramref name="turn"/> alone: it opens and commits its own transactions.</summary>
    public Task<T> RunAloneAsync<T>(Func<DbConnection, Task<T>> turn, CancellationToken ct) =>
        Post(new Unit<T>(null, turn, ct));

    private Task<T> Post<T>(Unit<T> unit)
    {
        unit.Ct.ThrowIfCancellationRequested();
        lock (_queue)
        {
            _queue.Enqueue(unit);
            if (_running)
            {
                Monitor.Pulse(_queue);
                return unit.Task;
            }
            _running = true;
        }
        new Thread(Loop) { IsBackground = true, Name = name }.Start();
        return unit.Task;
    }

    private void Loop()
    {
        checkpointer?.WriterStarted();
        var batch = new List<Unit>(MaxGroup);
        while (true)
        {
            batch.Clear();
            lock (_queue)
            {
                while (_queue.Count == 0)
                {
                    if (!Monitor.Wait(_queue, IdleExit) && _queue.Count == 0)
                    {
                        _running = false;
                        checkpointer?.WriterStopped();
                        return;
                    }
                }
                batch.Add(_queue.Dequeue());
                while (batch[0].Groupable && batch.Count < MaxGroup && _queue.TryPeek(out var next) && next.Groupable)
                    batch.Add(_queue.Dequeue());
            }
            Run(batch);
        }
    }

    private void Run(List<Unit> batch)
    {
        // One look at each token: a unit cancelled between two looks would be dropped without its task completing.
        batch.RemoveAll(unit =>
        {
            if (!unit.Ct.IsCancellationRequested) return false;
            unit.Cancel();
            return true;
        });
        if (batch.Count == 0) return;
        DbConnection connection;
        try
        {
            connection = open(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            foreach (var unit in batch) unit.Fail(e);
            return;
        }
        using (connection)
        {
            if (batch.Count == 1 || !RunGroup(connection, batch, beforeCommit))
                foreach (var unit in batch) unit.RunAlone(connection);
            checkpointer?.FinishIfDue(connection);
        }
    }

    /// <returns>False when the group was rolled back and its units must run alone.</returns>
    private static bool RunGroup(DbConnection connection, List<Unit> batch, Action<DbConnection, DbTransaction>? beforeCommit)
    {
        try
        {
            using var transaction = connection.BeginTransaction(IsolationLevel.Serializable);
            foreach (var unit in batch) unit.RunInGroup(connection, transaction);
            beforeCommit?.Invoke(connection, transaction);
            transaction.Commit();
        }
        catch (Exception)
        {
            // Disposing the transaction rolled it back; each unit now meets its own outcome alone.
            return false;
        }
        foreach (var unit in batch) unit.Succeed();
        return true;
    }

    private abstract class Unit(CancellationToken ct)
    {
        private readonly ExecutionContext? _context = ExecutionContext.Capture();

        public CancellationToken Ct { get; } = ct;
        public abstract bool Groupable { get; }
        public abstract void RunInGroup(DbConnection connection, DbTransaction transaction);
        public abstract void Succeed();
        public abstract void RunAlone(DbConnection connection);
        public abstract void Cancel();
        public abstract void Fail(Exception e);

        protected void InCallerContext(Action action)
        {
            if (_context is null) action();
            else ExecutionContext.Run(_context, static state => ((Action)state!)(), action);
        }
    }

    private sealed class Unit<T>(Func<DbConnection, DbTransaction, Task<T>>? work, Func<DbConnection, Task<T>> alone, CancellationToken ct) : Unit(ct)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _done.Task;
        public override bool Groupable => work is not null;

        // SQLite's calls complete synchronously, so these wait only if a unit awaits something else.
        public override void RunInGroup(DbConnection connection, DbTransaction transaction) =>
            InCallerContext(() => _result = work!(connection, transaction).GetAwaiter().GetResult());

        public override void Succeed() => _done.TrySetResult(_result!);

        public override void RunAlone(DbConnection connection)
        {
            if (Ct.IsCancellationRequested)
            {
                Cancel();
                return;
            }
            InCallerContext(() =>
            {
                try
                {
                    _done.TrySetResult(alone(connection).GetAwaiter().GetResult());
                }
                catch (OperationCanceledException) when (Ct.IsCancellationRequested)
                {
                    Cancel();
                }
                catch (Exception e)
                {
                    Fail(e);
                }
            });
        }

        public override void Cancel() => _done.TrySetCanceled(Ct);
        public override void Fail(Exception e) => _done.TrySetException(e);
    }
}
