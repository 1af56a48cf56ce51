using System.Net;
using AgentDesk.Web.Auth;
using AgentDesk.Web.Tests.Support;

namespace AgentDesk.Web.Tests.Auth;

public sealed class LoginTests(DeskFactory desk) : IClassFixture<DeskFactory>
{
    [Theory]
    [InlineData("/desk")]
    [InlineData("/")]
    [InlineData("/shift")]
    public async Task DeskPage_WithoutSignIn_RedirectsToTheSignInPage(string page)
    {
        var response = await desk.Browser().GetAsync(page);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login", response.Headers.Location!.AbsolutePath);
        Assert.Contains(Uri.EscapeDataString(page), response.Headers.Location!.Query);
    }

    [Fact]
    public async Task SignIn_RightPassword_SetsAnHttpOnlyCookieAndOpensTheDesk()
    {
        var user = await desk.CreateUserAsync("agent", [DeskRoles.Agent], ["billing"]);
        var browser = desk.Browser();

        var signedIn = await browser.SignInAsync(user, DeskLogin.Password, "/desk");

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/desk", signedIn.Headers.Location!.AbsolutePath);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("agentdesk.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        var page = await browser.GetAsync("/desk");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Your queue", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignIn_WrongPasswordOrUnknownUser_SaysTheSameAndSetsNoCookie()
    {
        var user = await desk.CreateUserAsync("agent", [DeskRoles.Agent]);

        var wrong = await desk.Browser().SignInAsync(user, "not-the-password");
        var unknown = await desk.Browser().SignInAsync("nobody-here", "not-the-password");

        foreach (var response in new[] { wrong, unknown })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("Wrong user name or password.", await response.Content.ReadAsStringAsync());
            Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("agentdesk.auth=", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task SignIn_FiveFailures_LockTheAccount_EvenAgainstTheRightPassword()
    {
        var user = await desk.CreateUserAsync("agent", [DeskRoles.Agent]);
        for (var i = 0; i < DeskUsers.MaxFailedLogins - 1; i++)
            Assert.Contains("Wrong user name", await (await desk.Browser().SignInAsync(user, $"wrong-{i}")).Content.ReadAsStringAsync());

        var fifth = await desk.Browser().SignInAsync(user, "wrong-again");
        var right = await desk.Browser().SignInAsync(user, DeskLogin.Password);

        Assert.Contains("locked until", await fifth.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("locked until", await right.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignIn_WithoutTheAntiforgeryToken_IsRefused()
    {
        var user = await desk.CreateUserAsync("agent", [DeskRoles.Agent]);

        var response = await desk.Browser().PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.UserName"] = user,
            ["Input.Password"] = DeskLogin.Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task SignIn_ReturnUrlToAnotherSite_GoesToTheDeskInstead()
    {
        var user = await desk.CreateUserAsync("agent", [DeskRoles.Agent]);

        var response = await desk.Browser().SignInAsync(user, DeskLogin.Password, "//evil.example/steal");

        Assert.Equal("http://localhost/desk", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task ShiftBoard_AsAnAgent_IsForbidden_AsASupervisor_Opens()
    {
        var agent = desk.Browser();
        await agent.SignInAsync(await desk.CreateUserAsync("agent", [DeskRoles.Agent]), DeskLogin.Password);
        var supervisor = desk.Browser();
        await supervisor.SignInAsync(await desk.CreateUserAsync("super", [DeskRoles.Supervisor]), DeskLogin.Password);

        var refused = await agent.GetAsync("/shift");
        var opened = await supervisor.GetAsync("/shift");

        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Equal("/denied", refused.Headers.Location!.AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Contains("Shift board", await opened.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CreateUser_ShortPasswordOrUnknownRole_Returns400()
    {
        await (await desk.Root().PostJsonAsync("/v1/admin/users", new { id = "short-pw", password = "short", roles = new[] { "agent" } }))
            .AssertErrorAsync(400, "INVALID_REQUEST");
        await (await desk.Root().PostJsonAsync("/v1/admin/users", new { id = "bad-role", password = DeskLogin.Password, roles = new[] { "wizard" } }))
            .AssertErrorAsync(400, "INVALID_REQUEST");
    }

    [Fact]
    public async Task CreateUser_WithAShift_ListsIt_AndABadShiftNameIs400()
    {
        var id = DeskApi.NewAgent("shifted");
        var created = await (await desk.Root().PostJsonAsync("/v1/admin/users", new { id, password = DeskLogin.Password, roles = new[] { "agent" }, shift = "night" }))
            .OkAsync(System.Net.HttpStatusCode.Created);

        Assert.Equal("night", created.GetProperty("user").GetProperty("shift").GetString());
        var users = (await (await desk.Root().GetAsync("/v1/admin/users")).OkAsync()).GetProperty("users").EnumerateArray();
        Assert.Equal("night", users.Single(u => u.GetProperty("id").GetString() == id).GetProperty("shift").GetString());
        await (await desk.Root().PostJsonAsync("/v1/admin/users", new { id = id + "-2", password = DeskLogin.Password, roles = new[] { "agent" }, shift = "<night>" }))
            .AssertErrorAsync(400, "INVALID_REQUEST");
    }
}
