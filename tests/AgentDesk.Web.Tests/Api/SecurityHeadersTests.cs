using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Api;

/// <summary>Every answer, page or API, forbids sniffing, framing and referrers, and pages carry a same-origin content security policy.</summary>
public sealed class SecurityHeadersTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    [Theory]
    [InlineData("/login")]
    [InlineData("/v1/agents")]
    [InlineData("/health")]
    [InlineData("/v1/no-such-route")]
    public async Task Answer_CarriesTheSecurityHeaders(string path)
    {
        var answer = await desk.Root().GetAsync(path);

        Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", answer.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", answer.Headers.GetValues("Referrer-Policy").Single());
        var policy = answer.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
    }
}
