using AgentDesk.Core;
using AgentDesk.Core.Audit;
using AgentDesk.Web.Api;

namespace AgentDesk.Web.Auth;

/// <summary>
/// Authenticates every <c>/v1</c> request (Bearer or X-API-Key) and enforces the scopes the matched
/// endpoint requires. Runs after routing so it can read the endpoint's <see cref="RequiredScopes"/>.
/// Every call is counted for the audit log (<see cref="ApiKeyUsage"/>), and the key is the audit actor of what it does.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyStore keys, ApiKeyUsage usage)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress?.ToString();
        var secret = ReadKey(context.Request);
        if (secret is null)
        {
            usage.RecordFailure(address, 401);
            await ApiJson.WriteErrorAsync(context, new DeskException("AUTHENTICATION_REQUIRED", 401,
                "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"));
            return;
        }
        var caller = await keys.AuthenticateAsync(secret, context.RequestAborted);
        if (caller is null)
        {
            usage.RecordFailure(address, 401);
            await ApiJson.WriteErrorAsync(context, new DeskException("INVALID_API_KEY", 401, "the API key is not valid or has been revoked"));
            return;
        }
        var required = context.GetEndpoint()?.Metadata.GetMetadata<RequiredScopes>();
        if (required is not null && !caller.HasAnyScope(required.AnyOf))
        {
            usage.RecordUse(caller.KeyId, 403, address);
            await ApiJson.WriteErrorAsync(context, new DeskException("INSUFFICIENT_SCOPE", 403,
                $"this API key lacks the scope this call needs ({string.Join(" or ", required.AnyOf)})"));
            return;
        }
        context.SetCaller(caller);
        AuditActor.Set(AuditActor.ForKey(caller.KeyId));
        var status = 500;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        catch (DeskException e)
        {
            status = e.Status;
            throw;
        }
        catch (BadHttpRequestException e)
        {
            status = e.StatusCode;
            throw;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            status = StatusCodes.Status499ClientClosedRequest;
            throw;
        }
        finally
        {
            usage.RecordUse(caller.KeyId, status, address);
        }
    }

    public static string? ReadKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return authorization["Bearer ".Length..].Trim() is { Length: > 0 } bearer ? bearer : null;
        return request.Headers["X-API-Key"].ToString() is { Length: > 0 } header ? header.Trim() : null;
    }
}
