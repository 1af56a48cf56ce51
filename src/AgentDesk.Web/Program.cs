using AgentDesk.Web;
using AgentDesk.Web.Api;
using AgentDesk.Web.Auth;
using AgentDesk.Web.Components;
using AgentDesk.Web.Demo;
using AgentDesk.Web.Hubs;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Radzen;

var builder = WebApplication.CreateBuilder(args);

// The repository-root appsettings.Development.json, ranked just above the project's own JSON files
// so environment variables and the command line still override it.
if (builder.Environment.IsDevelopment() && RepoPaths.FindRoot(builder.Environment.ContentRootPath) is { } repoRoot)
{
    var sources = builder.Configuration.Sources;
    var afterJson = sources.Select((s, i) => (s, i)).LastOrDefault(x => x.s is JsonConfigurationSource).i + 1;
    var rootSettings = new JsonConfigurationSource
    {
        Path = "appsettings.Development.json",
        FileProvider = new PhysicalFileProvider(repoRoot),
        Optional = false,
    };
    sources.Insert(afterJson, rootSettings);
}

builder.Services.AddStorage(builder.Configuration, builder.Environment.ContentRootPath);
builder.Services.AddMemory();
builder.Services.AddRecall(builder.Configuration, builder.Environment.ContentRootPath);
builder.Services.AddHandoffs(builder.Configuration);
builder.Services.AddThreads();
builder.Services.AddApi(builder.Configuration);
builder.Services.AddDesk();
builder.Services.AddAnalytics();
builder.Services.AddDemoData();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddRadzenComponents();
builder.WebHost.ConfigureKestrel(kestrel =>
    kestrel.Limits.MaxRequestBodySize = ApiLimits.From(builder.Configuration).MaxBodyBytes);

var app = builder.Build();

app.UseSecurityHeaders();
app.UseWhen(ApiErrorMiddleware.IsApiPath, api => api.UseMiddleware<ApiErrorMiddleware>());
app.UseStatusCodePages(ApiErrorMiddleware.WriteStatusBodyAsync);
app.UseStaticFiles(new StaticFileOptions
{
    FileProvider = new PhysicalFileProvider(RepoPaths.AssetsFolder(app.Environment.ContentRootPath)),
    RequestPath = "/assets",
});
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseWhen(http => http.Request.Path.StartsWithSegments("/v1"), v1 => v1
    .UseMiddleware<StartupGateMiddleware>()
    .UseMiddleware<ApiKeyMiddleware>()
    .UseMiddleware<ApiRateLimitMiddleware>());
app.UseAntiforgery();

app.MapHealthApi();
var v1 = app.MapGroup("/v1");
v1.MapSessionsApi();
v1.MapMemoryApi();
v1.MapAgentsApi();
v1.MapNamespacesApi();
v1.MapKeysApi();
v1.MapUsersApi();
v1.MapHandoffsApi();
v1.MapThreadsApi();
v1.MapAnalyticsApi();
v1.MapAuditApi();
app.MapAnalyticsExport();
app.MapHub<HandoffHub>(HandoffHub.Path);

app.MapStaticAssets();
// SecurityHeaders' policy already says frame-ancestors 'none'; Blazor's own 'self' would be a second, weaker header.
app.MapRazorComponents<App>().AddInteractiveServerRenderMode(server => server.ContentSecurityFrameAncestorsPolicy = null);

app.Run();

public partial class Program { }
