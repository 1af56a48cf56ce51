using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using AgentDesk.Core.Recall.Lexical;
using Dapper;
using Npgsql;

namespace AgentDesk.Core.Storage;

/// <summary>
/// PostgreSQL (15+, through Npgsql): the engine several app instances share. Writers do not queue in process; the
/// database serialises them (Serializable transactions, retried by <see cref="DeskDatabase"/> on a serialization
/// failure). Full text ranks exactly as SQLite's FTS5 index does: each memory's <c>tsvector</c> is built from the
/// tokens of <see cref="LexicalTokenizer"/> (FTS5's porter + unicode61 terms, not PostgreSQL's own parser and
/// stemmer), and the candidate query computes FTS5's bm25 over the whole table in SQL.
/// </summary>
public sealed class PostgresDialect : ISqlDialect
{
    /// <summary>The session-level advisory lock key that serialises migrations across instances ("AgntDesk").</summary>
    private const long MigrationLockKey = 0x4167_6E74_4465_736B;

    /// <summary>PostgreSQL refuses a lexeme of 2 KB or more; a token that long never matches a query term (at most 64 characters).</summary>
    private const int MaxLexemeBytes = 2046;

    /// <summary>PostgreSQL keeps word positions up to 16,383 (later ones are stored as 16,383).</summary>
    private const int MaxPosition = 16_383;

    public PostgresDialect(string connectionString)
    {
        ConnectionString = new NpgsqlConnectionStringBuilder(connectionString).ConnectionString;
    }

    /// <summary>The normalised connection string: also what a LISTEN/NOTIFY fan-out opens its own connection with.</summary>
    public string ConnectionString { get; }

    public string Name => "postgres";
    public string MigrationsFolder => "Postgres";
    // Within one instance writers queue as on SQLite: with 4 writers storing 50-memory batches side by side, SSI's
    // predicate locks (escalated to the whole relation) failed one in a few commits with 40001, and a batch could fail
    // 12 attempts in a row (measured in the crash test). Across instances the retry in DeskDatabase settles the rest.
    public bool SerializeWrites => true;

    // Each instance queues its own writers, but two instances commit side by side: seq order is not commit order.
    public bool LateCommits => true;

    // See migration 0013: a version row per agent would make concurrent stores of one agent contend.
    public string? MemoryVersionSql => null;

    public DbConnection CreateConnection() => new NpgsqlConnection(ConnectionString);

    public void DiscardPool(DbConnection connection) => NpgsqlConnection.ClearPool((NpgsqlConnection)connection);

    public Task ConfigureAsync(DbConnection connection, CancellationToken ct) => Task.CompletedTask;

    public Task PrepareDatabaseAsync(DbConnection connection, CancellationToken ct) => Task.CompletedTask;

    // CommandType.Text: Dapper takes a command without whitespace for the name of a stored procedure.
    public Task RefreshStatisticsAsync(DbConnection connection, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("ANALYZE", commandType: CommandType.Text, cancellationToken: ct));

    // A transaction-level lock would not do: a Serializable transaction's snapshot is taken by its first statement,
    // the one that waits for the lock, so it would not see the migration the other instance committed meanwhile.
    public string? MigrationLockSql => $"SELECT pg_advisory_lock({MigrationLockKey})";

    public string? MigrationUnlockSql => $"SELECT pg_advisory_unlock({MigrationLockKey})";

    public string JsonText(string jsonColumn, string property) => $"({jsonColumn}::jsonb ->> '{property}')";

    /// <summary>
    /// FTS5's bm25 (see <see cref="LocalBm25"/>): over the whole table, N is the row count and avgdl the mean token
    /// count; each phrase of the match expression (a query term) adds idf · f·(k1 + 1) / (f + k1·(1 − b + b·|D| / avgdl)),
    /// its document frequency counted through the GIN index. The frequency of a one-lexeme phrase is its position
    /// count; of a phrase of several lexemes (a query term the tokenizer splits, which letter/digit terms rarely are)
    /// the smallest of its lexemes' counts. Ties go to the older row, as FTS5's sort over its rowid-ordered scan does.
    /// N and the total token count come from <c>fts_totals</c> (migration 0001), kept by trigger as FTS5 keeps its own.
    /// Frequencies are those a tsvector holds: at most 256 positions per lexeme, positions up to 16,383.
    /// The phrase and totals CTEs are MATERIALIZED so each is computed once, not once per candidate.
    /// </summary>
    public string LexicalCandidatesSql(string filterSql, bool fromSeq = false) => $"""
        WITH phrase AS MATERIALIZED (
            SELECT p.query, string_to_array(btrim(p.text, ''''), ''' <-> ''') AS lexemes,
                   (SELECT COUNT(*) FROM memories d WHERE d.fts_lexemes @@ p.query)::float8 AS hits
            FROM (SELECT t AS text, CAST(t AS tsquery) AS query FROM unnest(string_to_array(@match, ' | ')) AS t) p
        ), corpus AS MATERIALIZED (
            SELECT SUM(rows)::float8 AS rows, SUM(tokens)::float8 AS tokens FROM fts_totals
        ), candidate AS (
            SELECT m.seq, m.fts_lexemes, m.fts_length FROM memories m
            WHERE m.fts_lexemes @@ CAST(@match AS tsquery){(fromSeq ? " AND m.seq >= @from_seq" : "")} AND {filterSql}
        )
        SELECT c.seq AS Seq,
               SUM(CASE WHEN ln((s.rows - p.hits + 0.5) / (p.hits + 0.5)) <= 0 THEN 1e-6 ELSE ln((s.rows - p.hits + 0.5) / (p.hits + 0.5)) END
                   * (f.tf * {LocalBm25.K1.ToString(CultureInfo.InvariantCulture)} + f.tf)
                   / (f.tf + {LocalBm25.K1.ToString(CultureInfo.InvariantCulture)} * (1 - {LocalBm25.B.ToString(CultureInfo.InvariantCulture)}
                      + {LocalBm25.B.ToString(CultureInfo.InvariantCulture)} * c.fts_length / (s.tokens / s.rows))))::float8 AS TextScore
        FROM candidate c
        CROSS JOIN corpus s
        JOIN phrase p ON c.fts_lexemes @@ p.query
        CROSS JOIN LATERAL (
            SELECT MIN(cardinality(u.positions))::float8 AS tf FROM unnest(c.fts_lexemes) u WHERE u.lexeme = ANY (p.lexemes)
        ) f
        GROUP BY c.seq
        ORDER BY TextScore DESC, c.seq
        LIMIT @limit
        """;

    /// <summary>Writes the full-text columns of the memories (new or with new content) in one statement.</summary>
    public Task IndexMemoriesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<IndexedMemory> memories, CancellationToken ct)
    {
        if (memories.Count == 0) return Task.CompletedTask;
        var seqs = new long[memories.Count];
        var lexemes = new string[memories.Count];
        var lengths = new long[memories.Count];
        for (var i = 0; i < memories.Count; i++)
        {
            var tokens = LexicalTokenizer.Tokens(memories[i].Content);
            seqs[i] = memories[i].Seq;
            lexemes[i] = Document(tokens);
            lengths[i] = tokens.Count;
        }
        return connection.ExecuteAsync(new CommandDefinition("""
            UPDATE memories SET fts_lexemes = CAST(v.lexemes AS tsvector), fts_length = v.length
            FROM unnest(@seqs, @lexemes, @lengths) AS v(seq, lexemes, length)
            WHERE memories.seq = v.seq
            """, new { seqs, lexemes, lengths }, transaction, cancellationToken: ct));
    }

    /// <summary>Nothing waits: <see cref="IndexMemoriesAsync"/> writes at once.</summary>
    public Task FlushIndexAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct) => Task.CompletedTask;

    public string CappedTermCountSql =>
        "SELECT COUNT(*) FROM (SELECT 1 FROM memories WHERE fts_lexemes @@ CAST(@term AS tsquery) LIMIT @cap) c";

    /// <summary>
    /// Each term becomes the phrase of its tokens (<c>'a' &lt;-&gt; 'b'</c>, usually one lexeme), phrases joined by
    /// <c>|</c>: FTS5's OR of quoted terms. Tokens hold only letters, digits and private-use characters, never a
    /// quote, a backslash or a space, so they need no escaping and <see cref="LexicalCandidatesSql"/> can split the
    /// expression back into phrases and lexemes. A term with no token (all diacritics) matches nothing, as in FTS5.
    /// </summary>
    public string LexicalMatchExpression(IReadOnlyList<string> terms) =>
        string.Join(" | ", terms
            .Select(t => LexicalTokenizer.Tokens(t))
            .Where(tokens => tokens.Count > 0)
            .Select(tokens => string.Join(" <-> ", tokens.Select(token => $"'{token}'"))));

    /// <summary>The tsvector text of a document: each distinct token with its positions (1-based, as FTS5 counts them).</summary>
    internal static string Document(IReadOnlyList<string> tokens)
    {
        var positions = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (Encoding.UTF8.GetByteCount(tokens[i]) > MaxLexemeBytes) continue;
            if (!positions.TryGetValue(tokens[i], out var list)) positions[tokens[i]] = list = [];
            list.Add(Math.Min(i + 1, MaxPosition));
        }
        var text = new StringBuilder();
        foreach (var (token, list) in positions)
        {
            if (text.Length > 0) text.Append(' ');
            text.Append('\'').Append(token.Replace("\\", "\\\\").Replace("'", "''")).Append("':");
            text.AppendJoin(',', list.Distinct());
        }
        return text.ToString();
    }
}
