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
/// the database, which <see cref="DeskDatabase"/> already requires of them. A two-phase write's second phase is a unit
/// of its own that leads the group after the one that committed its first phase, so neither phase waits for the
/// queue twice nor commits alone. The thread leaves after <see cref="IdleExit"/> without work and is
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
    public Task<T> RunAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, Func<DbConnection, Task<T>> alone, CancellationToken ct)
    {
        var outcome = new Outcome<T>();
        Post(new Unit<T>(work, alone, ct, outcome, null));
        return outcome.Task;
    }

    /// <summary>
    /// Runs <paramref name="first"/> like <see cref="RunAsync{T}"/> and, once its transaction has committed, the second
    /// phase <paramref name="then"/> makes at the head of the next group. The second phase runs whatever becomes of
    /// <paramref name="ct"/> meanwhile: the first is durable by then, and a caller who gave up must not leave it half done.
    /// </summary>
    public Task<T2> RunInTwoPhasesAsync<T1, T2>(
        Func<DbConnection, DbTransaction, Task<T1>> first, Func<DbConnection, Task<T1>> firstAlone,
        Func<T1, (Func<DbConnection, DbTransaction, Task<T2>> Work, Func<DbConnection, Task<T2>> Alone)> then, CancellationToken ct)
    {
        var outcome = new Outcome<T2>();
        Post(new Unit<T1>(first, firstAlone, ct, outcome, done =>
        {
            var (work, alone) = then(done);
            return new Unit<T2>(work, alone, CancellationToken.None, outcome, null);
        }));
        return outcome.Task;
    }

    private void Post(Unit unit)
    {
        unit.Ct.ThrowIfCancellationRequested();
        lock (_queue)
        {
            _queue.Enqueue(unit);
            if (_running)
            {
                Monitor.Pulse(_queue);
                return;
            }
            _running = true;
        }
        new Thread(Loop) { IsBackground = true, Name = name }.Start();
    }

    private void Loop()
    {
        checkpointer?.WriterStarted();
        var batch = new List<Unit>(MaxGroup);
        var carried = new List<Unit>();
        DbConnection? connection = null;
        while (true)
        {
            batch.Clear();
            batch.AddRange(carried);
            carried.Clear();
            lock (_queue)
            {
                while (batch.Count == 0 && _queue.Count == 0)
                {
                    if (!Monitor.Wait(_queue, IdleExit) && _queue.Count == 0)
                    {
                        _running = false;
                        checkpointer?.WriterStopped();
                        connection?.Dispose();
                        return;
                    }
                }
                while (batch.Count < MaxGroup && _queue.TryDequeue(out var next)) batch.Add(next);
            }
            connection = Run(batch, connection);
            foreach (var unit in batch)
                if (unit.Then is { } then) carried.Add(then);
        }
    }

    /// <param name="connection">The thread's connection, opened by the first batch and kept while the thread runs (so its compiled statements are too).</param>
    /// <returns>The connection, or null when it could not be opened (the next batch tries again).</returns>
    private DbConnection? Run(List<Unit> batch, DbConnection? connection)
    {
        // One look at each token: a unit cancelled between two looks would be dropped without its task completing.
        batch.RemoveAll(unit =>
        {
            if (!unit.Ct.IsCancellationRequested) return false;
            unit.Cancel();
            return true;
        });
        if (batch.Count == 0) return connection;
        try
        {
            connection ??= open(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            foreach (var unit in batch) unit.Fail(e);
            return null;
        }
        if (batch.Count == 1 || !RunGroup(connection, batch, beforeCommit))
            foreach (var unit in batch) unit.RunAlone(connection);
        checkpointer?.FinishIfDue(connection);
        return connection;
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

    /// <summary>Where a write's result goes: its caller's task, which the last phase completes.</summary>
    private abstract class Outcome
    {
        public abstract void Cancel(CancellationToken ct);
        public abstract void Fail(Exception e);
    }

    private sealed class Outcome<T> : Outcome
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _done.Task;
        public void Succeed(T result) => _done.TrySetResult(result);
        public override void Cancel(CancellationToken ct) => _done.TrySetCanceled(ct);
        public override void Fail(Exception e) => _done.TrySetException(e);
    }

    private abstract class Unit(CancellationToken ct, Outcome outcome)
    {
        private readonly ExecutionContext? _context = ExecutionContext.Capture();

        public CancellationToken Ct { get; } = ct;
        protected Outcome Outcome { get; } = outcome;

        /// <summary>The second phase, once this first phase has committed; it runs at the head of the next group.</summary>
        public Unit? Then { get; protected set; }

        public abstract void RunInGroup(DbConnection connection, DbTransaction transaction);
        public abstract void Succeed();
        public abstract void RunAlone(DbConnection connection);
        public void Cancel() => Outcome.Cancel(Ct);
        public void Fail(Exception e) => Outcome.Fail(e);

        protected void InCallerContext(Action action)
        {
            if (_context is null) action();
            else ExecutionContext.Run(_context, static state => ((Action)state!)(), action);
        }
    }

    /// <param name="then">Makes the second phase from this one's result; null completes <paramref name="outcome"/> (an <see cref="Outcome{T}"/>) with it.</param>
    private sealed class Unit<T>(
        Func<DbConnection, DbTransaction, Task<T>> work, Func<DbConnection, Task<T>> alone, CancellationToken ct, Outcome outcome, Func<T, Unit>? then)
        : Unit(ct, outcome)
    {
        private T? _result;

        // SQLite's calls complete synchronously, so these wait only if a unit awaits something else.
        public override void RunInGroup(DbConnection connection, DbTransaction transaction) =>
            InCallerContext(() => _result = work(connection, transaction).GetAwaiter().GetResult());

        public override void Succeed() => Done(_result!);

        private void Done(T result)
        {
            if (then is null) ((Outcome<T>)Outcome).Succeed(result);
            else InCallerContext(() => Then = then(result));
        }

        public override void RunAlone(DbConnection connection)
        {
            if (Ct.IsCancellationRequested)
            {
                Cancel();
                return;
            }
            InCallerContext(() =>
            {
                T result;
                try
                {
                    result = alone(connection).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException) when (Ct.IsCancellationRequested)
                {
                    Cancel();
                    return;
                }
                catch (Exception e)
                {
                    Fail(e);
                    return;
                }
                Done(result);
            });
        }
    }
}
