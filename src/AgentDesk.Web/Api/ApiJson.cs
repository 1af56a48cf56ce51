using System.Text.Json;
using System.Text.Json.Serialization;
using AgentDesk.Core;

namespace AgentDesk.Web.Api;

/// <summary>The wire format: snake_case, absent instead of null, and the one error body.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static IResult Ok(object value) => Results.Json(value, Options);
    public static IResult Created(object value) => Results.Json(value, Options, statusCode: StatusCodes.Status201Created);

    public static object ErrorBody(DeskException error) =>
        new { error = error.Message, code = error.Code, status = error.Status, failures = error.Failures };

    public static Task WriteErrorAsync(HttpContext context, DeskException error)
    {
        context.Response.StatusCode = error.Status;
        return context.Response.WriteAsJsonAsync(ErrorBody(error), Options);
    }
}
