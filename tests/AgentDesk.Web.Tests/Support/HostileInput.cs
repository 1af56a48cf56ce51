using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentDesk.Web.Tests.Support;

/// <summary>
/// One generated hostile request. <see cref="Body"/> may hold the marker <see cref="HostileInput.BadUtf8"/>, sent as
/// invalid UTF-8 bytes; a null <see cref="ContentType"/> sends the body with no Content-Type header.
/// </summary>
public sealed record FuzzCase(string Label, string Method, string Path, string? Body, string? ContentType = "application/json")
{
    public HttpRequestMessage Request(IReadOnlyDictionary<string, string> tokens)
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), ApiRoutes.Fill(Path, tokens));
        if (Body is null) return request;
        request.Content = new ByteArrayContent(HostileInput.Bytes(ApiRoutes.Fill(Body, tokens)));
        if (ContentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        return request;
    }

    /// <summary>The request as a failure message shows it: long bodies and paths are cut.</summary>
    public string Describe(IReadOnlyDictionary<string, string> tokens) =>
        $"[{Label}] {Method} {Cut(ApiRoutes.Fill(Path, tokens))} ({ContentType ?? "no content type"}) body: {(Body is null ? "none" : Cut(ApiRoutes.Fill(Body, tokens)))}";

    private static string Cut(string text) => text.Length <= 240 ? text : $"{text[..200]}…({text.Length:N0} chars)…{text[^30..]}";
}

/// <summary>
/// Deterministic hostile variants of a valid <see cref="ApiRoute"/> request: every field of its body swapped to every
/// other JSON type and to hostile values, broken bodies, odd content types, hostile ids in the path, odd query strings.
/// The same seed gives the same cases, so a failure reproduces.
/// </summary>
public static class HostileInput
{
    /// <summary>Stands for invalid UTF-8 bytes in a body (see <see cref="Bytes"/>).</summary>
    public const string BadUtf8 = "{bad-utf8}";

    private static readonly string[] TypeSwaps = ["\"text\"", "42", "true", "[1,\"a\",null]", "{\"a\":1}", "null"];

    private static readonly string DeepArray = new string('[', 10_000) + new string(']', 10_000);
    private static readonly string DeepObject = string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000);

    private static readonly string[] Texts =
    [
        "'; DROP TABLE memories;--", "\" OR 1=1 --", "\"a\" NEAR(b)", "NEAR(a b, 2)", "*", "a*", "OR AND NOT", "\"unbalanced",
        "'unbalanced", "^", ":", "content:secret", "a AND (b", "(((", "{agent}-bot", "%", "_", "\\", "../../etc/passwd",
        "\0", "a\0b", "\u0001\u001f\u007f", "\r\n\t", "\u202egnp.exe", "a\u200bb\u200d", "\ufeff", "🤖👩‍👩‍👧", "ｆｕｌｌｗｉｄｔｈ",
        "e\u0301\u0301\u0301", new string('x', 300), new string('y', 100_001),
    ];

    /// <summary>Optional fields some route reads (API.md) that the valid templates leave out; added to every body.</summary>
    private static readonly string[] OptionalFields =
    [
        "ttl_seconds", "expires_at", "since", "until", "top_k", "limit", "offset", "min_importance", "importance", "embedding",
        "metadata", "urgency", "at", "customer_id", "target_agent", "memory_type", "id", "session_id", "turns", "tags", "dimension",
    ];

    /// <summary>Every seeded id: an id field given the wrong kind of id, or the case it is on (a merge into itself).</summary>
    private static readonly string[] Tokens = ["{agent}", "{sess}", "{mem}", "{key}", "{hof}", "{claimed}"];

    private static readonly string[] HugeNumbers = ["1e308", "-1e308", "1e400", "9223372036854775808"];

    /// <summary>Fields that reach the full-text index (as a query or as indexed text) or name things: every hostile text goes there.</summary>
    private static readonly HashSet<string> SearchedFields = ["query", "content", "text", "name", "reason"];

    private static readonly string[] Values =
    [
        "1e308", "-1e308", "1e400", "-1e400", "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
        "-1", "-0", "0", "2.5", "4.9e-324", "\"NaN\"", "\"Infinity\"", "\"-1\"", "\"1e308\"", "\"\\ud800\"", "\"x\\udc00\"",
        "\"{sess}\"", "\"{hof}\"", "\"{mem}\"", "[]", "{}", "[[[\"a\"]]]", "[{\"a\":{}}]", DeepArray, "\"" + new string('z', 1_500_000) + "\"",
        .. Texts.Select(t => JsonSerializer.Serialize(t)),
    ];

    // No %00: Kestrel refuses a path with an encoded NUL before the app runs, and the test host throws on one client-side.
    private static readonly string[] Ids =
    [
        "..%2F..", "..%2F..%2Fhealth", "%2e%2e", "%2e%2e%2f%2e%2e", "%C0%80", "a%2Fb", "a%252Fb", "%FF%FE", "%E2%80%AE",
        "%F0%9F%A4%96", "%20", "'%3B%20DROP%20TABLE%20memories--", "*", "a%22b", "%25", "{sess}%2F..", new string('i', 5_000), "x/y", "-", "%0d%0a",
    ];

    private static readonly string[] Queries =
    [
        "limit=1e308", "limit=-1", "limit=0", "limit=99999999999999999999", "limit=NaN", "limit=", "limit=1&limit=abc&limit=2",
        "offset=-5", "offset=1e308", "top_k=-1", "top_k=100000000000", "top_n=-3", "top_n=1e308", "agent_id=a&agent_id=b",
        "agent_id=%00", "agent_id=..%2F..", "query=%27%3B%20DROP%20TABLE%20memories%3B--", "query=%22a%22%20NEAR(b)", "query=*",
        "turns=maybe", "turns=1&turns=0", "since=-1e308", "until=1e308", "since=yesterday", "metric=%00", "key=%27--",
        "format=xml", "status=%FF", "min_importance=NaN", "%ZZ=1", "a=%", "=&&=", "limit[]=1", "queue=" + new string('q', 5_000),
        "from=-1e308", "to=99999999999999", "from=2024-02-30", "to=%00", "from=9999-12-31T23:59:59Z&to=0001-01-01", "status=%27--",
        "urgency=%F0%9F%A4%96", "target_agent=..%2F..", "customer_id=" + new string('c', 5_000), "metric=*", "key=%22a%22%20NEAR(b)",
        "format=csv&format=json", "queue=%00", "queue=%E2%80%AE", "memory_type=%00", "tags=,,,&tags=", "agent_id=" + new string('a', 5_000),
    ];

    /// <summary>Every case for one route, in a fixed order for a given seed.</summary>
    public static IReadOnlyList<FuzzCase> For(ApiRoute route, int seed)
    {
        var random = new Random(seed ^ StableHash(route.Name));
        var cases = new List<FuzzCase>();
        if (route.Body is not null) cases.AddRange(BodyCases(route, random));
        cases.AddRange(PathCases(route));
        cases.AddRange(QueryCases(route, random));
        return cases;
    }

    private static IEnumerable<FuzzCase> BodyCases(ApiRoute route, Random random)
    {
        var template = route.Body!;
        FuzzCase Case(string label, string? body, string? contentType = "application/json") => new(label, route.Method, route.Path, body, contentType);

        var root = JsonNode.Parse(template)!;
        foreach (var field in Fields(root, ""))
        {
            if (At(root, Steps(field)) is JsonArray { Count: > 0 } array)
            {
                // Past SQLite's 32,766 bound parameters, in case a list becomes one IN (...) or one insert.
                yield return Case($"{field} = 40,000 copies of its item", Replace(template, field, $"[{string.Join(',', Enumerable.Repeat(array[0]!.ToJsonString(), 40_000))}]"));
                yield return Case($"{field} = 40,000 distinct strings", Replace(template, field, $"[{string.Join(',', Enumerable.Range(0, 40_000).Select(i => $"\"x{i}\""))}]"));
            }
            foreach (var value in TypeSwaps.Concat(HugeNumbers)) yield return Case($"{field} = {value}", Replace(template, field, value));
            foreach (var value in Pick(random, Values, 3)) yield return Case($"{field} = hostile", Replace(template, field, value));
            if (field.Split('.')[^1] is "into" or "id" || field.EndsWith("_id", StringComparison.Ordinal))
                foreach (var token in Tokens) yield return Case($"{field} = the id {token}", Replace(template, field, $"\"{token}\""));
            if (SearchedFields.Contains(field.Split('.')[^1]))
                foreach (var text in Texts) yield return Case($"{field} = text {Cut(text)}", Replace(template, field, JsonSerializer.Serialize(text)));
            yield return Case($"{field} removed", Replace(template, field, null));
        }
        foreach (var owner in Fields(root, "").Where(f => At(root, Steps(f)) is JsonObject).Prepend(""))
            foreach (var extra in OptionalFields)
            {
                var field = owner.Length == 0 ? extra : $"{owner}.{extra}";
                foreach (var value in HugeNumbers) yield return Case($"optional {field} = {value}", Replace(template, field, value));
                foreach (var value in Pick(random, Values, 2)) yield return Case($"optional {field} = hostile", Replace(template, field, value));
            }
        yield return Case("empty body", "");
        yield return Case("whitespace body", " \r\n\t ");
        yield return Case("truncated body", template[..random.Next(1, template.Length)]);
        yield return Case("body cut before its last brace", template[..^1]);
        yield return Case("invalid UTF-8 inside a string", InFirstString(template, $"a{BadUtf8}b"));
        yield return Case("invalid UTF-8 before the body", BadUtf8 + template);
        yield return Case("raw control characters inside a string", InFirstString(template, "a\u0001\0b"));
        yield return Case("10,000 nested arrays", DeepArray);
        yield return Case("10,000 nested objects", DeepObject);
        yield return Case("duplicate keys", "{\"a\":1," + template[1..^1] + "," + template[1..^1] + "}");
        yield return Case("NaN literal", template[..^1] + ",\"n\":NaN}");
        yield return Case("comments and trailing comma", template[..^1] + ", /* c */ }");
        yield return Case("UTF-8 byte order mark", "\ufeff" + template);
        yield return Case("XML content type", template, "application/xml");
        yield return Case("form content type", "agent_id=x&content=y", "application/x-www-form-urlencoded");
        yield return Case("multipart content type", template, "multipart/form-data; boundary=zz");
        yield return Case("no content type", template, null);
        yield return Case("UTF-16 charset", template, "application/json; charset=utf-16");
    }

    private static IEnumerable<FuzzCase> PathCases(ApiRoute route)
    {
        var path = route.Path;
        var token = Tokens.FirstOrDefault(t => path.Split('?')[0].Contains(t, StringComparison.Ordinal));
        foreach (var id in Ids)
        {
            var hostile = token is null ? path.Split('?')[0] + "/" + id + (path.Contains('?') ? "?" + path.Split('?')[1] : "") : path.Replace(token, id);
            yield return new FuzzCase($"path id {Cut(id)}", route.Method, hostile, route.Body);
        }
        if (route.Body is null) yield return new FuzzCase("bodiless route with a garbage body", route.Method, path, "{\"a\":", "application/json");
    }

    private static IEnumerable<FuzzCase> QueryCases(ApiRoute route, Random random)
    {
        foreach (var query in Pick(random, Queries, 7))
            yield return new FuzzCase($"query {Cut(query)}", route.Method, route.Path + (route.Path.Contains('?') ? "&" : "?") + query, route.Body);
        if (route.Path.Contains('?'))
            yield return new FuzzCase("query repeated", route.Method, route.Path + "&" + route.Path.Split('?')[1], route.Body);
        if (route.Path.Contains("query=", StringComparison.Ordinal))
            // A URI holds at most 65,519 characters, so the longest text goes only in bodies.
            foreach (var text in Texts.Where(t => t.Length < 10_000))
                yield return new FuzzCase($"query text {Cut(text)}", route.Method, route.Path + "&query=" + Uri.EscapeDataString(text), route.Body);
    }

    /// <summary>The body text as bytes, each <see cref="BadUtf8"/> as a lone continuation byte, an overlong NUL and an encoded surrogate.</summary>
    public static byte[] Bytes(string body)
    {
        var bad = new byte[] { 0x80, 0xC0, 0x80, 0xED, 0xA0, 0x80, 0xFF };
        var parts = body.Split(BadUtf8);
        var bytes = new List<byte>();
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0) bytes.AddRange(bad);
            bytes.AddRange(Encoding.UTF8.GetBytes(parts[i]));
        }
        return [.. bytes];
    }

    /// <summary>Dotted paths of every property (array items by index), outermost first.</summary>
    private static IEnumerable<string> Fields(JsonNode node, string prefix)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
                    yield return path;
                    if (value is not null) foreach (var inner in Fields(value, path)) yield return inner;
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    if (array[i] is JsonObject item)
                    {
                        yield return $"{prefix}[{i}]";
                        foreach (var inner in Fields(item, $"{prefix}[{i}]")) yield return inner;
                    }
                break;
        }
    }

    /// <summary>The template with the field or item at <paramref name="path"/> set to raw JSON text, or removed when it is null.</summary>
    private static string Replace(string template, string path, string? raw)
    {
        const string Hole = "__fuzz_hole__";
        var root = JsonNode.Parse(template)!;
        var steps = Steps(path);
        var parent = At(root, steps[..^1])!;
        switch (parent, Index(steps[^1]))
        {
            case (JsonArray array, int i) when raw is null: array.RemoveAt(i); break;
            case (JsonArray array, int i): array[i] = Hole; break;
            case (JsonObject obj, _) when raw is null: obj.Remove(steps[^1]); break;
            case (JsonObject obj, _): obj[steps[^1]] = Hole; break;
        }
        var text = root.ToJsonString();
        return raw is null ? text : text.Replace($"\"{Hole}\"", raw, StringComparison.Ordinal);
    }

    /// <summary>The node at a path of <see cref="Fields"/>, e.g. <c>memories[0].content</c>.</summary>
    private static JsonNode? At(JsonNode root, IEnumerable<string> steps) =>
        steps.Aggregate<string, JsonNode?>(root, (node, step) => Index(step) is { } i ? node![i] : node![step]);

    private static string[] Steps(string path) =>
        path.Length == 0 ? [] : path.Replace("[", ".[", StringComparison.Ordinal).Split('.', StringSplitOptions.RemoveEmptyEntries);

    private static int? Index(string step) =>
        step.StartsWith('[') ? int.Parse(step[1..^1], System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The template with its first string value replaced by raw text (no escaping), or with a field of it added.</summary>
    private static string InFirstString(string template, string raw)
    {
        var start = template.IndexOf(":\"", StringComparison.Ordinal) + 2;
        if (start < 2) return template[..^1] + $",\"x\":\"{raw}\"}}";
        var end = template.IndexOf('"', start);
        return template[..start] + raw + template[end..];
    }

    private static IEnumerable<string> Pick(Random random, string[] from, int count) =>
        from.OrderBy(_ => random.Next()).Take(count).ToList();

    private static string Cut(string text) => text.Length <= 40 ? text : $"{text[..20]}…({text.Length:N0} chars)";

    /// <summary>FNV-1a: string.GetHashCode differs between runs, which would make the cases unrepeatable.</summary>
    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text) hash = (hash ^ c) * 16777619u;
        return (int)hash;
    }
}
