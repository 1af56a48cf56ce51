using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentDesk.Core;

namespace AgentDesk.Web.Api;

/// <summary>
/// Typed access to a request's arguments with clear 400s: a JSON body (<see cref="JsonArgs"/>) or a
/// query string (<see cref="QueryArgs"/>), so GET and POST forms of a call parse through one code
/// path. <c>null</c> is read exactly like an absent field.
/// </summary>
public abstract class Args
{
    public abstract string? String(string name);
    public abstract double? Number(string name);
    public abstract bool? Bool(string name);
    public abstract IReadOnlyList<string>? StringList(string name);

    public string RequiredString(string name) =>
        String(name) is { Length: > 0 } value ? value : throw DeskException.Invalid($"'{Path(name)}' is required");

    public int? Int(string name, int min, int max)
    {
        var value = Number(name);
        if (value is null) return null;
        if (value != Math.Floor(value.Value)) throw DeskException.Invalid($"'{Path(name)}' must be an integer");
        if (value < min || value > max) throw DeskException.Invalid($"'{Path(name)}' must be between {min} and {max}, not {value}");
        return (int)value.Value;
    }

    /// <summary>A point in time: integer Unix seconds, or an ISO-8601 string. Returns Unix milliseconds.</summary>
    public long? TimeMs(string name)
    {
        var text = TimeText(name, out var seconds);
        if (seconds is not null)
        {
            if (seconds < 0 || seconds > 253_402_300_799) throw DeskException.Invalid($"'{Path(name)}' is out of range");
            return (long)(seconds.Value * 1000);
        }
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return at.ToUnixTimeMilliseconds();
        throw DeskException.Invalid($"'{Path(name)}' must be an ISO-8601 date-time or Unix seconds, not '{text}'");
    }

    protected abstract string? TimeText(string name, out double? seconds);
    protected abstract string Path(string name);
}

public sealed class JsonArgs : Args
{
    private readonly JsonElement _root;
    private readonly string _path;

    private JsonArgs(JsonElement root, string path)
    {
        _root = root;
        _path = path;
    }

    public static JsonArgs Of(JsonElement root, string path = "")
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw DeskException.Invalid(path.Length == 0 ? "the request body must be a JSON object" : $"'{path}' must be an object");
        return new JsonArgs(root, path);
    }

    /// <summary>Reads the whole body as one JSON object, refusing bodies over <paramref name="maxBytes"/> with 413.</summary>
    public static async Task<JsonArgs> ReadAsync(HttpRequest request, long maxBytes)
    {
        if (request.ContentLength > maxBytes) throw BodyTooLarge(maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw BodyTooLarge(maxBytes);
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw DeskException.Invalid("the request body must be a JSON object, and it is empty");
        // RFC 8259 lets a parser ignore a UTF-8 byte order mark, which some clients write; System.Text.Json refuses it.
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (body.Span.StartsWith(Encoding.UTF8.Preamble)) body = body[Encoding.UTF8.Preamble.Length..];
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            RequireReadableText(document.RootElement);
            return Of(document.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw DeskException.Invalid($"the request body is not valid JSON: {e.Message.Split(" Path:")[0]}");
        }
    }

    /// <summary>
    /// Valid JSON may escape an unpaired UTF-16 surrogate (<c>"\ud800"</c>), and the parser does not check the UTF-8
    /// inside strings; System.Text.Json then throws wherever that string or name is read or re-written, so such a
    /// body is refused here, once.
    /// </summary>
    private static void RequireReadableText(JsonElement element)
    {
        try
        {
            Walk(element);
        }
        catch (InvalidOperationException)
        {
            throw DeskException.Invalid("the request body contains a string that is not valid text: invalid UTF-8 bytes or an unpaired UTF-16 surrogate escape");
        }

        static void Walk(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String:
                    e.GetString();
                    break;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray()) Walk(item);
                    break;
                case JsonValueKind.Object:
                    foreach (var property in e.EnumerateObject())
                    {
                        _ = property.Name;
                        Walk(property.Value);
                    }
                    break;
            }
        }
    }

    private static DeskException BodyTooLarge(long maxBytes) =>
        DeskException.TooLarge($"the request body is larger than {maxBytes:N0} bytes");

    public bool Has(string name) => Get(name) is not null;

    /// <summary>The body as sent (after parsing), e.g. to tell a replayed request from a different one.</summary>
    public string RawText => _root.GetRawText();

    /// <summary>A field read as <typeparamref name="T"/> (null when absent); a shape that does not fit is a 400.</summary>
    public T? Read<T>(string name, JsonSerializerOptions options) where T : class
    {
        if (Get(name) is not { } value) return null;
        try
        {
            return value.Deserialize<T>(options) ?? throw DeskException.Invalid($"'{Path(name)}' must not be null");
        }
        catch (JsonException e)
        {
            throw DeskException.Invalid($"'{Path(name)}' does not have the expected shape: {e.Message.Split(" Path:")[0]}");
        }
    }

    private JsonElement? Get(string name) =>
        _root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    protected override string Path(string name) => _path.Length == 0 ? name : $"{_path}.{name}";

    public override string? String(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        _ => throw DeskException.Invalid($"'{Path(name)}' must be a string"),
    };

    public override double? Number(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } v when v.TryGetDouble(out var d) && double.IsFinite(d) => d,
        { ValueKind: JsonValueKind.Number } => throw DeskException.Invalid($"'{Path(name)}' is out of range"),
        _ => throw DeskException.Invalid($"'{Path(name)}' must be a number"),
    };

    public override bool? Bool(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw DeskException.Invalid($"'{Path(name)}' must be true or false"),
    };

    public override IReadOnlyList<string>? StringList(string name) => Array(name)?.Select((e, i) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw DeskException.Invalid($"'{Path(name)}[{i}]' must be a string")).ToList();

    public IReadOnlyList<double>? NumberList(string name) => Array(name)?.Select((e, i) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) ? d : throw DeskException.Invalid($"'{Path(name)}[{i}]' must be a number")).ToList();

    public JsonObject? Object(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } v => JsonObject.Create(v),
        _ => throw DeskException.Invalid($"'{Path(name)}' must be an object"),
    };

    public JsonArgs? Child(string name) => Get(name) is { } v ? Of(v, Path(name)) : null;

    public IReadOnlyList<JsonArgs>? ObjectList(string name) =>
        Array(name)?.Select((e, i) => Of(e, $"{Path(name)}[{i}]")).ToList();

    protected override string? TimeText(string name, out double? seconds)
    {
        seconds = null;
        switch (Get(name))
        {
            case null: return null;
            case { ValueKind: JsonValueKind.String } v: return v.GetString();
            case { ValueKind: JsonValueKind.Number }: seconds = Number(name); return null;
            default: throw DeskException.Invalid($"'{Path(name)}' must be an ISO-8601 string or Unix seconds");
        }
    }

    private IReadOnlyList<JsonElement>? Array(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Array } v => v.EnumerateArray().ToList(),
        _ => throw DeskException.Invalid($"'{Path(name)}' must be an array"),
    };
}

public sealed class QueryArgs(IQueryCollection query) : Args
{
    protected override string Path(string name) => name;

    public override string? String(string name) =>
        query.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[^1]) ? values[^1] : null;

    public override double? Number(string name) => String(name) switch
    {
        null => null,
        var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => d,
        _ => throw DeskException.Invalid($"'{name}' must be a number"),
    };

    public override bool? Bool(string name) => String(name)?.ToLowerInvariant() switch
    {
        null => null,
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw DeskException.Invalid($"'{name}' must be true or false"),
    };

    /// <summary>Repeated (<c>tags=a&amp;tags=b</c>) or comma-separated (<c>tags=a,b</c>).</summary>
    public override IReadOnlyList<string>? StringList(string name) =>
        query.TryGetValue(name, out var values) && values.Count > 0
            ? values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList()
            : null;

    protected override string? TimeText(string name, out double? seconds)
    {
        seconds = null;
        var text = String(name);
        if (text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s)) seconds = s;
        return seconds is null ? text : null;
    }
}
