using AgentDesk.Core;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;

namespace AgentDesk.Web.Api;

/// <summary>
/// Every API failure leaves as <c>{error, code, status}</c>: refusals as their 4xx, a body over the
/// server's limit as 413, and anything unexpected as a 500 that names no internals.
/// </summary>
public sealed class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (DeskException e) when (!context.Response.HasStarted)
        {
            await ApiJson.WriteErrorAsync(context, e);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await ApiJson.WriteErrorAsync(context, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? DeskException.TooLarge("the request body is larger than this server accepts")
                : DeskException.Invalid($"the request could not be read: {e.Message}"));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            logger.LogError(e, "unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            await ApiJson.WriteErrorAsync(context, new DeskException("INTERNAL_ERROR", 500, "the server failed to handle this request; it has been logged"));
        }
    }

    public static bool IsApiPath(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/v1") || http.Request.Path.StartsWithSegments("/health");

    /// <summary>Gives bodiless API status codes (unknown route 404, wrong method 405) the error body.</summary>
    public static async Task WriteStatusBodyAsync(StatusCodeContext status)
    {
        var http = status.HttpContext;
        if (!IsApiPath(http)) return;
        var code = http.Response.StatusCode switch
        {
            404 => "NOT_FOUND",
            413 => "PAYLOAD_TOO_LARGE",
            >= 500 => "INTERNAL_ERROR",
            _ => "INVALID_REQUEST",
        };
        var message = http.Response.StatusCode switch
        {
            404 => $"no API route {http.Request.Method} {http.Request.Path}",
            405 => $"{http.Request.Method} is not allowed on {http.Request.Path}",
            var s => ReasonPhrases.GetReasonPhrase(s),
        };
        await ApiJson.WriteErrorAsync(http, new DeskException(code, http.Response.StatusCode, message));
    }
}
