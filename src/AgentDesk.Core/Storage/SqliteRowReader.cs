using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentDesk.Core.Storage;

/// <summary>
/// A forward-only reader straight over SQLite's statement API, for the few queries that read a hundred thousand
/// rows (the analytics report): ADO.NET's reader checks each column's type before it reads it and allocates every
/// text value, which over a wide scan costs several times SQLite's own work. Parameters are bound by name.
/// </summary>
public sealed class SqliteRowReader : IRowReader
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly CachedStatementConnection? _cache;
    private readonly string _sql;

    /// <param name="connection">A SQLite connection, or a <see cref="CachedStatementConnection"/>, whose compiled statement of <paramref name="sql"/> is borrowed and given back.</param>
    public SqliteRowReader(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        _sql = sql;
        _cache = connection as CachedStatementConnection;
        _db = (_cache?.Inner ?? connection as SqliteConnection
            ?? throw new NotSupportedException($"{nameof(SqliteRowReader)} reads SQLite connections only")).Handle!;
        if (_cache?.KeptStatement(sql) is { } kept) _statement = kept;
        else Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
        foreach (var (name, value) in parameters)
        {
            var index = raw.sqlite3_bind_parameter_index(_statement, name);
            if (index == 0) throw new ArgumentException($"the statement has no parameter {name}", nameof(parameters));
            Check(value switch
            {
                null => raw.sqlite3_bind_null(_statement, index),
                long l => raw.sqlite3_bind_int64(_statement, index, l),
                int i => raw.sqlite3_bind_int64(_statement, index, i),
                double d => raw.sqlite3_bind_double(_statement, index, d),
                string s => raw.sqlite3_bind_text(_statement, index, s),
                _ => throw new ArgumentException($"cannot bind a {value.GetType().Name} to {name}", nameof(parameters)),
            });
        }
    }

    public bool Read() => raw.sqlite3_step(_statement) switch
    {
        raw.SQLITE_ROW => true,
        raw.SQLITE_DONE => false,
        var code => throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), code),
    };

    public long GetInt64(int column) => raw.sqlite3_column_int64(_statement, column);

    public double GetDouble(int column) => raw.sqlite3_column_double(_statement, column);

    public byte[] GetBytes(int column) => raw.sqlite3_column_blob(_statement, column).ToArray();

    public bool IsNull(int column) => raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL;

    public string GetString(int column) => raw.sqlite3_column_text(_statement, column).utf8_to_string();

    /// <summary>Decodes the text without allocating before it looks it up (see <see cref="IRowReader.GetName"/>).</summary>
    public string GetName(int column, Dictionary<string, string> names)
    {
        var bytes = raw.sqlite3_column_blob(_statement, column);
        if (bytes.Length > 512) return GetString(column);
        Span<char> chars = stackalloc char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        var text = chars[..Encoding.UTF8.GetChars(bytes, chars)];
        var lookup = names.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out var known)) return known;
        var name = text.ToString();
        names[name] = name;
        return name;
    }

    public void Dispose()
    {
        if (_cache is null) raw.sqlite3_finalize(_statement);
        else _cache.GiveBack(_sql, _statement);
    }

    private void Check(int code)
    {
        if (code != raw.SQLITE_OK) throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), code);
    }
}
