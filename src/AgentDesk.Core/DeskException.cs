namespace AgentDesk.Core;

/// <summary>
/// A request the product refuses, with the wire error code and HTTP status it maps to.
/// Core stays free of ASP.NET; the host turns this into <c>{error, code, status}</c>.
/// </summary>
public sealed class DeskException(string code, int status, string message) : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;

    /// <summary>Every failed check behind a refusal, when there are several (a summary's validation, a request's missing fields).</summary>
    public IReadOnlyList<Summaries.SummaryFinding>? Failures { get; init; }

    public static DeskException Invalid(string message) => new("INVALID_REQUEST", 400, message);

    /// <summary>A 400 that lists every failed check, each also named in the message.</summary>
    public static DeskException Invalid(string what, IReadOnlyList<Summaries.SummaryFinding> failures) =>
        new("INVALID_REQUEST", 400, $"{what}: {string.Join("; ", failures.Select(f => f.Message))}") { Failures = failures };
    public static DeskException NotFound(string message) => new("NOT_FOUND", 404, message);
    public static DeskException Conflict(string message) => new("CONFLICT", 409, message);
    public static DeskException TooLarge(string message) => new("PAYLOAD_TOO_LARGE", 413, message);
    public static DeskException AgentDenied(string agentId) =>
        new("NAMESPACE_ACCESS_DENIED", 403, $"this API key may not access agent '{agentId}'");
}
