using System.Net;
using AgentDesk.Web.Hubs;
using AgentDesk.Web.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AgentDesk.Web.Tests.Pages.Demo;

/// <summary>
/// The customer demo chat as the server renders it: anonymous, static (no Blazor circuit), loading the SignalR
/// client from our own assets; a thread the hub would refuse gets a 400 page that shows it as text. What the
/// browser does with it is in the e2e suite.
/// </summary>
public sealed class CustomerChatPageTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    // The marker Blazor writes for a component that starts a circuit.
    private const string InteractiveMarker = "<!--Blazor:{\"type\":\"server\"";

    [Fact]
    public async Task ChatPage_Anonymous_RendersStatusAndLoadsTheHubClientWithoutACircuit()
    {
        // No redirect followed: the page answers a visitor without a desk sign-in itself.
        var response = await desk.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).GetAsync("/demo/chat/cust-1042");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-thread=\"cust-1042\"", html);
        Assert.Contains("data-testid=\"chat-status\"", html);
        Assert.Contains("data-testid=\"chat-agent\"", html);
        Assert.Contains("<script src=\"assets/lib/signalr/signalr.min.js\"", html);
        Assert.Contains("<script src=\"assets/js/customer-chat.js\"", html);
        Assert.DoesNotContain(InteractiveMarker, html);
    }

    [Fact]
    public async Task ChatPage_ThreadWithMarkup_Returns400ShowingItAsTextWithoutTheHubScript()
    {
        var response = await desk.CreateClient().GetAsync("/demo/chat/" + Uri.EscapeDataString("<img src=x onerror=alert(1)>"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html);
        Assert.DoesNotContain("<img src=x", html);
        Assert.DoesNotContain("customer-chat.js", html);
        Assert.DoesNotContain("data-thread", html);
    }

    [Fact]
    public async Task ChatPage_ThreadLongerThanTheHubAccepts_Returns400()
    {
        var response = await desk.CreateClient().GetAsync("/demo/chat/" + new string('c', HandoffHub.MaxNameChars + 1));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/assets/lib/signalr/signalr.min.js", "HubConnectionBuilder")]
    [InlineData("/assets/js/customer-chat.js", "WatchConversation")]
    public async Task ChatScripts_AreServedFromOurAssets(string path, string expected)
    {
        var response = await desk.CreateClient().GetAsync(path);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}; run scripts/setup.sh before building");
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
    }
}
