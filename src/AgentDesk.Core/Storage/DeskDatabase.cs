using System.Data;
using System.Data.Common;

namespace AgentDesk.Core.Storage;

/// <summary>
/// Opens configured connections and runs write units in one Serializable transaction each. On SQLite, writers
/// queue in process for one writer thread (<see cref="WriterThread"/>; one writer is all the engine allows), so they
/// never spin on SQLITE_BUSY. On an engine that
/// runs writers side by side (PostgreSQL), a transaction the engine aborts to keep them serializable (SQLSTATE
/// 40001, or a deadlock, 40P01) is run again from the start after a short random pause, a bounded number of times:
/// concurrent writers then behave as if they had queued. A write unit must therefore only touch the database
/// before it returns; whatever else it causes (events, caches) belongs after <c>WriteAsync</c>.
/// </summary>
public sealed class DeskDatabase : IDisposable
{
    private readonly WriterThread? _writer;

    /// <summary>
    /// SQLite: read connections kept open between reads, each with the statements it compiled
    /// (<see cref="CachedStatementConnection"/>), the most recently used first; null on other engines. Compiling a
    /// recall's small lookups afresh on every pooled connection was a tenth of the server's time under load.
    /// </summary>
    private readonly Stack<CachedStatementConnection>? _idleReaders;
    private bool _disposed;

    /// <summary>At most this many idle read connections are kept; one more given back is closed.</summary>
    public const int MaxIdleReaders = 16;

    public DeskDatabase(ISqlDialect dialect)
    {
        Dialect = dialect;
        // SqliteDialect keeps SQLite's automatic checkpoint only as WalCheckpointer's backstop.
        if (!dialect.SerializeWrites) return;
        if (dialect is SqliteDialect)
        {
            _idleReaders = new Stack<CachedStatementConnection>();
            Checkpointer = new WalCheckpointer(OpenAsync);
        }
        _writer = new WriterThread($"AgentDesk {dialect.Name} writer", OpenWriterAsync, Checkpointer,
            (connection, transaction) => dialect.FlushIndexAsync(connection, transaction, CancellationToken.None).GetAwaiter().GetResult());
    }

    static DeskDatabase() => Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;

    public ISqlDialect Dialect { get; }

    /// <summary>Write units queued for the writer thread (0 on an engine that runs writers side by side).</summary>
    internal int QueuedWrites => _writer?.Queued ?? 0;

    /// <summary>Copies SQLite's write-ahead log into the database for the writer; null on other engines.</summary>
    internal WalCheckpointer? Checkpointer { get; }

    /// <summary>The writer thread's connection: over SQLite, one that keeps its compiled statements (<see cref="CachedStatementConnection"/>).</summary>
    private async Task<DbConnection> OpenWriterAsync(CancellationToken ct)
    {
        var connection = await OpenAsync(ct);
        return connection is Microsoft.Data.Sqlite.SqliteConnection sqlite ? new CachedStatementConnection(sqlite) : connection;
    }

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = Dialect.CreateConnection();
            try
            {
                await connection.OpenAsync(ct);
                await Dialect.ConfigureAsync(connection, ct);
                return connection;
            }
            catch (ObjectDisposedException) when (attempt == 1)
            {
                // Microsoft.Data.Sqlite 6 can hand out a pooled connection whose handle its pruning timer is
                // closing (dotnet/efcore#38854; seen once in an e2e run): drop the pool's idle connections, take a new one.
                Dialect.DiscardPool(connection);
                await connection.DisposeAsync();
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>See <see cref="ISqlDialect.RefreshStatisticsAsync"/>; outside any transaction.</summary>
    public async Task RefreshStatisticsAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await Dialect.RefreshStatisticsAsync(connection, ct);
    }

    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken ct = default)
    {
        if (_idleReaders is null) return await InConnectionAsync(work, ct);
        var connection = TakeIdleReader() ?? new CachedStatementConnection((Microsoft.Data.Sqlite.SqliteConnection)await OpenAsync(ct));
        T result;
        try
        {
            result = await work(connection);
        }
        catch
        {
            // Whatever the failure left behind (an open reader, a transaction) goes with the connection.
            await connection.DisposeAsync();
            throw;
        }
        GiveBack(connection);
        return result;
    }

    private CachedStatementConnection? TakeIdleReader()
    {
        lock (_idleReaders!) return _idleReaders.TryPop(out var idle) ? idle : null;
    }

    private void GiveBack(CachedStatementConnection connection)
    {
        lock (_idleReaders!)
        {
            if (!_disposed && _idleReaders.Count < MaxIdleReaders)
            {
                _idleReaders.Push(connection);
                return;
            }
        }
        connection.Dispose();
    }

    /// <summary>Closes the idle read connections (the host disposes this at shutdown; a test, when it is done with its database).</summary>
    public void Dispose()
    {
        if (_idleReaders is null) return;
        CachedStatementConnection[] idle;
        lock (_idleReaders)
        {
            _disposed = true;
            idle = [.. _idleReaders];
            _idleReaders.Clear();
        }
        foreach (var connection in idle) connection.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction; it is durable when this returns. On an engine with one writer the
    /// transaction may be shared with the units queued alongside (<see cref="WriterThread"/>), which changes nothing a
    /// unit can observe: if any of them fails, each runs again in a transaction of its own.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct = default)
    {
        Task<T> Alone(DbConnection connection) => InTransactionAsync(connection, work, ct);
        return _writer is null ? InConnectionAsync(Alone, ct) : _writer.RunAsync(work, Alone, ct);
    }

    /// <summary>
    /// Runs <paramref name="first"/> and then <paramref name="then"/> as two transactions, one after the other: the first
    /// is committed (durable) before the second begins, and stays committed if the second fails. On the writer thread the
    /// second leads the group that follows the first's, so a two-phase write queues once and shares both commits. Once the
    /// first has committed the second runs even if <paramref name="ct"/> is cancelled, so a caller who gives up never
    /// leaves the first phase's state waiting for the next start-up to be completed.
    /// </summary>
    public Task<T2> WriteInTwoPhasesAsync<T1, T2>(
        Func<DbConnection, DbTransaction, Task<T1>> first, Func<T1, DbConnection, DbTransaction, Task<T2>> then, CancellationToken ct = default)
    {
        if (_writer is not null)
            return _writer.RunInTwoPhasesAsync<T1, T2>(first, connection => InTransactionAsync(connection, first, ct), done =>
            {
                Task<T2> Second(DbConnection c, DbTransaction tx) => then(done, c, tx);
                return (Second, c => InTransactionAsync(c, Second, CancellationToken.None));
            }, ct);
        return InConnectionAsync(async connection =>
        {
            var done = await InTransactionAsync(connection, first, ct);
            return await InTransactionAsync(connection, (c, tx) => then(done, c, tx), CancellationToken.None);
        }, ct);
    }

    private async Task<T> InConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        return await work(connection);
    }

    /// <summary>How many times a write unit runs at most before its serialization failure reaches the caller.</summary>
    public const int MaxWriteAttempts = 12;

    private async Task<T> InTransactionAsync<T>(DbConnection connection, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.Serializable, ct);
                var result = await work(connection, transaction);
                await Dialect.FlushIndexAsync(connection, transaction, ct);
                await transaction.CommitAsync(ct);
                return result;
            }
            catch (DbException e) when (attempt < MaxWriteAttempts && IsSerializationFailure(e))
            {
                await Task.Delay(RetryPause(attempt), ct);
            }
        }
    }

    /// <summary>SQLSTATE 40001 (serialization failure) and 40P01 (deadlock detected): the transaction was rolled back and may simply run again.</summary>
    internal static bool IsSerializationFailure(DbException e) => e.SqlState is "40001" or "40P01";

    /// <summary>Up to 4 ms, doubling per attempt to at most 100 ms, with full jitter so that the writers that collided do not collide again.</summary>
    internal static TimeSpan RetryPause(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(100, 2 << Math.Min(attempt, 6)));
}
