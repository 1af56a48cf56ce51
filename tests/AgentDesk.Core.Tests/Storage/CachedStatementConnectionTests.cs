using AgentDesk.Core.Storage;
using Dapper;
using Microsoft.Data.Sqlite;

namespace AgentDesk.Core.Tests.Storage;

public sealed class CachedStatementConnectionTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "agentdesk-core-tests", Guid.NewGuid().ToString("N"));
    private readonly CachedStatementConnection _connection;

    public CachedStatementConnectionTests()
    {
        Directory.CreateDirectory(_directory);
        // Through the dialect, as the server opens them: it chooses the native SQLite before the first connection.
        var inner = (SqliteConnection)SqliteDialect.ForFile(Path.Combine(_directory, "cached.db")).CreateConnection();
        inner.Open();
        _connection = new CachedStatementConnection(inner);
        _connection.Execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
        _connection.Execute("INSERT INTO items (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    }

    public void Dispose()
    {
        _connection.Dispose();
        SqliteConnection.ClearPool(_connection.Inner);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private string? Name(long id) => _connection.QuerySingleOrDefault<string>("SELECT name FROM items WHERE id = @id", new { id });

    [Fact]
    public void Query_SameSqlAgain_ReusesTheCompiledStatement_WithTheNewParameters()
    {
        var before = _connection.Compiled;

        Assert.Equal("one", Name(1));
        Assert.Equal("two", Name(2));
        Assert.Null(Name(9));

        Assert.Equal(before + 1, _connection.Compiled);
    }

    [Fact]
    public void RowReader_SameSqlAgain_ReusesTheStatement_FromTheFirstRow_WithTheNewParameters()
    {
        const string sql = "SELECT id FROM items WHERE id >= @from ORDER BY id";
        List<long> Ids(long from, int take)
        {
            var ids = new List<long>();
            using var reader = IRowReader.Open(_connection, sql, ("@from", from));
            while (ids.Count < take && reader.Read()) ids.Add(reader.GetInt64(0));
            return ids;
        }
        var before = _connection.Compiled;

        Assert.Equal([1L], Ids(1, take: 1)); // left after one row: given back reset
        Assert.Equal([2L, 3], Ids(2, take: 9));
        Assert.Equal([1L, 2, 3], Ids(1, take: 9));

        Assert.Equal(before + 1, _connection.Compiled);
    }

    [Fact]
    public async Task Query_SameSqlWhileItsReaderIsOpen_GetsAStatementOfItsOwn_AndBothReadWhole()
    {
        const string sql = "SELECT id FROM items WHERE id >= @from ORDER BY id";
        var outer = new List<long>();
        var inner = new List<long>();
        await using (var command = _connection.CreateCommand())
        {
            command.CommandText = sql;
            var from = command.CreateParameter();
            from.ParameterName = "@from";
            from.Value = 1;
            command.Parameters.Add(from);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                outer.Add(reader.GetInt64(0));
                if (outer.Count == 1) inner.AddRange(await _connection.QueryAsync<long>(sql, new { from = 2 }));
            }
        }
        var compiled = _connection.Compiled;

        Assert.Equal([1L, 2, 3], outer);
        Assert.Equal([2L, 3], inner);
        // Both statements were given back: two more uses at once compile nothing new.
        await _connection.QueryAsync<long>(sql, new { from = 3 });
        Assert.Equal(compiled, _connection.Compiled);
    }

    [Fact]
    public void Execute_InATransaction_RunsInIt_AndARollbackUndoesIt()
    {
        using (var transaction = _connection.BeginTransaction())
        {
            _connection.Execute("UPDATE items SET name = @name WHERE id = 1", new { name = "uno" }, transaction);
            Assert.Equal("uno", _connection.QuerySingle<string>("SELECT name FROM items WHERE id = 1", transaction: transaction));
            transaction.Rollback();
        }

        Assert.Equal("one", Name(1));
    }

    [Fact]
    public void Query_MoreSqlTextsThanItKeeps_DropsTheOneUsedLongestAgo()
    {
        Assert.Equal("one", Name(1));
        for (var i = 0; i < CachedStatementConnection.Capacity; i++)
        {
            // The first text is used again half-way: when the cache is full, the oldest is the first of the others.
            if (i == CachedStatementConnection.Capacity / 2) Assert.Equal("two", Name(2));
            _connection.ExecuteScalar<long>($"SELECT {i} + COUNT(*) FROM items");
        }
        var compiled = _connection.Compiled;

        Assert.Equal("three", Name(3));
        Assert.Equal(compiled, _connection.Compiled);
        _connection.ExecuteScalar<long>("SELECT 0 + COUNT(*) FROM items");
        Assert.Equal(compiled + 1, _connection.Compiled);
    }

    [Fact]
    public void Query_AfterAFailedExecution_TheStatementRunsAgain()
    {
        Assert.Throws<SqliteException>(() => _connection.Execute("INSERT INTO items (id, name) VALUES (@id, @name)", new { id = 1, name = "dup" }));
        _connection.Execute("INSERT INTO items (id, name) VALUES (@id, @name)", new { id = 4, name = "four" });

        Assert.Equal("four", Name(4));
    }
}
