namespace AgentDesk.Core;

/// <summary>
/// A request the product refuses, with the wire error code and HTTP status it maps to.
/// Core stays free of ASP.NET; the host turns this into <c>{error, code, status}</c>.
/// </summary>
public sealed class DeskException(string code, int status, string message) : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;

    public static DeskException Invalid(string message) => new("INVALID_REQUEST", 400, message);
    public static DeskException NotFound(string message) => new("NOT_FOUND", 404, message);
    public static DeskException Conflict(string message) => new("CONFLICT", 409, message);
    public static DeskException TooLarge(string message) => new("PAYLOAD_TOO_LARGE", 413, message);
    public static DeskException AgentDenied(string agentId) =>
        new("NAMESPACE_ACCESS_DENIED", 403, $"this API key may not access agent '{agentId}'");
}
