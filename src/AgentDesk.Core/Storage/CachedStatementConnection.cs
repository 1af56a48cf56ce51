using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentDesk.Core.Storage;

/// <summary>
/// A long-lived SQLite connection (the writer thread's, or an idle read connection kept by <see cref="DeskDatabase"/>)
/// as its users see it: a command whose SQL this connection has run before reuses that compiled statement instead of
/// compiling it again.
/// <para>
/// Dapper makes (and disposes) a command per call, and Microsoft.Data.Sqlite compiles a command's SQL afresh for each
/// new command: under the mixed load, <c>sqlite3_prepare_v2</c> was a third of the writer's time, a write unit's
/// INSERT into <c>memories</c> being compiled with its triggers and foreign-key checks every time. Here each command
/// is a thin front whose <see cref="DbCommand.CommandText"/> picks, at execution, a prepared
/// <see cref="SqliteCommand"/> kept per SQL text; the front's parameters are bound to it then (SQLite binds every
/// parameter at each execution anyway). A kept command is lent to one front at a time, from its execution until the
/// front is disposed, so a statement is never stepped by two readers at once; a front that finds none free makes one.
/// <see cref="SqliteRowReader"/> borrows its statements the same way (<see cref="KeptStatement"/>).
/// </para>
/// At most <see cref="Capacity"/> SQL texts are kept; past that the one used longest ago is dropped. Disposing this
/// disposes the kept commands (their statements) and the connection.
/// </summary>
internal sealed class CachedStatementConnection(SqliteConnection inner) : DbConnection
{
    public const int Capacity = 256;

    private readonly Shelf<SqliteCommand> _commands = new(command => command.Dispose());
    private readonly Shelf<sqlite3_stmt> _statements = new(statement => raw.sqlite3_finalize(statement));

    /// <summary>Statements compiled through this connection: a kept one reused does not count (tests read it).</summary>
    public int Compiled { get; private set; }

    public SqliteConnection Inner => inner;

    private SqliteCommand Lend(string sql)
    {
        if (_commands.Take(sql) is { } command) return command;
        Compiled++;
        command = inner.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private void Return(SqliteCommand command)
    {
        command.Parameters.Clear();
        command.Transaction = null;
        _commands.Put(command.CommandText, command);
    }

    /// <summary>
    /// A kept compiled statement of <paramref name="sql"/> for <see cref="SqliteRowReader"/>, reset and unbound, or null:
    /// the reader then compiles one (counted here). Either way it comes back through <see cref="GiveBack"/>.
    /// </summary>
    public sqlite3_stmt? KeptStatement(string sql)
    {
        if (_statements.Take(sql) is { } statement) return statement;
        Compiled++;
        return null;
    }

    public void GiveBack(string sql, sqlite3_stmt statement)
    {
        // Reset ends the read the statement may still hold open; its error, if any, was the last step's.
        raw.sqlite3_reset(statement);
        raw.sqlite3_clear_bindings(statement);
        _statements.Put(sql, statement);
    }

    /// <summary>Idle items by SQL text: at most <see cref="Capacity"/> texts, dropping the one used longest ago.</summary>
    private sealed class Shelf<T>(Action<T> discard) where T : class
    {
        private readonly Dictionary<string, (Stack<T> Free, long LastUsed)> _kept = new(StringComparer.Ordinal);
        private long _clock;

        public T? Take(string sql)
        {
            if (!_kept.TryGetValue(sql, out var kept) || !kept.Free.TryPop(out var item)) return null;
            _kept[sql] = (kept.Free, ++_clock);
            return item;
        }

        public void Put(string sql, T item)
        {
            if (!_kept.TryGetValue(sql, out var kept))
            {
                if (_kept.Count >= Capacity) DropLeastRecentlyUsed();
                kept = (new Stack<T>(), 0);
            }
            kept.Free.Push(item);
            _kept[sql] = (kept.Free, ++_clock);
        }

        private void DropLeastRecentlyUsed()
        {
            var oldest = _kept.MinBy(pair => pair.Value.LastUsed);
            foreach (var item in oldest.Value.Free) discard(item);
            _kept.Remove(oldest.Key);
        }

        public void Clear()
        {
            foreach (var item in _kept.Values.SelectMany(kept => kept.Free)) discard(item);
            _kept.Clear();
        }
    }

    [AllowNull]
    public override string ConnectionString
    {
        get => inner.ConnectionString;
        set => throw new NotSupportedException("a kept connection is opened once, with the dialect's connection string");
    }

    public override string Database => inner.Database;
    public override string DataSource => inner.DataSource;
    public override string ServerVersion => inner.ServerVersion;
    public override ConnectionState State => inner.State;
    public override void ChangeDatabase(string databaseName) => inner.ChangeDatabase(databaseName);
    public override void Open() => inner.Open();
    public override void Close() => inner.Close();
    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => inner.BeginTransaction(isolationLevel);
    protected override DbCommand CreateDbCommand() => new Front(this);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _commands.Clear();
            _statements.Clear();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>What Dapper and the other callers hold: SQL and parameters, run on a kept command.</summary>
    private sealed class Front(CachedStatementConnection owner) : DbCommand
    {
        // Only its parameter collection is used: a command is the one way to make a SqliteParameterCollection.
        private readonly SqliteCommand _parameters = new();
        private SqliteCommand? _lent;

        [AllowNull]
        public override string CommandText { get; set; } = "";
        public override int CommandTimeout { get; set; } = 30;

        public override CommandType CommandType
        {
            get => CommandType.Text;
            set
            {
                if (value != CommandType.Text) throw new NotSupportedException("SQLite runs text commands only");
            }
        }

        public override bool DesignTimeVisible { get; set; }
        public override UpdateRowSource UpdatedRowSource { get; set; }

        protected override DbConnection? DbConnection
        {
            get => owner;
            set => throw new NotSupportedException("a command stays on the connection that made it");
        }

        protected override DbParameterCollection DbParameterCollection => _parameters.Parameters;
        protected override DbTransaction? DbTransaction { get; set; }

        public override void Cancel()
        {
        }

        public override void Prepare()
        {
        }

        protected override DbParameter CreateDbParameter() => new SqliteParameter();
        public override int ExecuteNonQuery() => Bound().ExecuteNonQuery();
        public override object? ExecuteScalar() => Bound().ExecuteScalar();
        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Bound().ExecuteReader(behavior);

        /// <summary>The kept command for this SQL, with this front's transaction and parameters (a front executed again reuses its own).</summary>
        private SqliteCommand Bound()
        {
            if (_lent is not null && _lent.CommandText != CommandText) ReturnLent();
            var command = _lent ??= owner.Lend(CommandText);
            command.Transaction = (SqliteTransaction?)Transaction;
            command.CommandTimeout = CommandTimeout;
            command.Parameters.Clear();
            foreach (SqliteParameter parameter in _parameters.Parameters) command.Parameters.Add(parameter);
            return command;
        }

        private void ReturnLent()
        {
            if (_lent is null) return;
            owner.Return(_lent);
            _lent = null;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                ReturnLent();
                _parameters.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
