using AgentDesk.Core.Recall;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentDesk.Web.Tests.Support;

/// <summary>
/// The host without its maintenance timer: recall access statistics are written only when a test calls
/// <see cref="FlushAccessAsync"/>, so a snapshot taken after a flush stays put until the next request writes.
/// </summary>
public sealed class QuietDeskFactory : DeskFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.Remove(
            services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(MemoryMaintenanceService))));
    }

    /// <summary>Writes the access statistics of every recall answered so far.</summary>
    public Task FlushAccessAsync() => Services.GetRequiredService<AccessRecorder>().FlushAsync();
}
