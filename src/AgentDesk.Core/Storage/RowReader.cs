using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace AgentDesk.Core.Storage;

/// <summary>
/// A forward-only reader for the queries that read many rows (the analytics report, recall of a small scope): over SQLite,
/// <see cref="SqliteRowReader"/> reads the statement API directly (ADO.NET's checks cost several times SQLite's own
/// work); over another engine, <see cref="DataRowReader"/> reads its ADO.NET data reader. Parameters are bound by name.
/// </summary>
public interface IRowReader : IDisposable
{
    bool Read();
    long GetInt64(int column);
    double GetDouble(int column);
    bool IsNull(int column);
    string GetString(int column);
    byte[] GetBytes(int column);

    /// <summary>
    /// A text value that repeats across rows (a queue, a reason), looked up in <paramref name="names"/> (an ordinal
    /// dictionary), so each distinct value is one string however many rows hold it.
    /// </summary>
    string GetName(int column, Dictionary<string, string> names);

    /// <summary>The fastest reader for <paramref name="connection"/>'s engine, positioned before the first row.</summary>
    static IRowReader Open(DbConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        connection is SqliteConnection or CachedStatementConnection
            ? new SqliteRowReader(connection, sql, parameters)
            : new DataRowReader(connection, sql, parameters);
}

/// <summary>An <see cref="IRowReader"/> over any ADO.NET provider's data reader.</summary>
public sealed class DataRowReader : IRowReader
{
    private readonly DbCommand _command;
    private readonly DbDataReader _reader;

    public DataRowReader(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        _command = connection.CreateCommand();
        _command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = _command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            _command.Parameters.Add(parameter);
        }
        _reader = _command.ExecuteReader();
    }

    public bool Read() => _reader.Read();
    public long GetInt64(int column) => _reader.GetInt64(column);
    public double GetDouble(int column) => _reader.GetDouble(column);
    public bool IsNull(int column) => _reader.IsDBNull(column);
    public string GetString(int column) => _reader.GetString(column);
    public byte[] GetBytes(int column) => _reader.GetFieldValue<byte[]>(column);

    public string GetName(int column, Dictionary<string, string> names)
    {
        var text = _reader.GetString(column);
        if (names.TryGetValue(text, out var known)) return known;
        names[text] = text;
        return text;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _command.Dispose();
    }
}
