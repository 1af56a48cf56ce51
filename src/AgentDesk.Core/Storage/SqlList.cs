using Dapper;

namespace AgentDesk.Core.Storage;

/// <summary>
/// "Is one of these values" in SQL that both engines read alike. Given a list parameter, Dapper expands <c>IN @p</c>
/// into <c>IN (@p1, @p2, …)</c> for SQLite but sends it to Npgsql as one array parameter (which would need
/// <c>= ANY(@p)</c>); naming each value here keeps one SQL text for every engine.
/// </summary>
public static class SqlList
{
    /// <returns><c>expression IN (@name_0, @name_1, …)</c> with the values added to <paramref name="parameters"/>; false (<c>1 = 0</c>) for no values.</returns>
    public static string In<T>(string expression, string name, IEnumerable<T> values, DynamicParameters parameters)
    {
        var names = new List<string>();
        foreach (var value in values)
        {
            var parameter = $"{name}_{names.Count}";
            parameters.Add(parameter, value);
            names.Add("@" + parameter);
        }
        return names.Count == 0 ? "1 = 0" : $"{expression} IN ({string.Join(", ", names)})";
    }
}
