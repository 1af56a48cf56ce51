using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AgentDesk.Web.Tests.Support;

/// <summary>Desk users and the sign-in form, as a browser would use them (cookies, antiforgery token, no redirects followed).</summary>
public static partial class DeskLogin
{
    public const string Password = "a-long-test-password";

    /// <summary>Creates a desk user through the admin API and returns its id.</summary>
    public static async Task<string> CreateUserAsync(this DeskFactory desk, string prefix, string[] roles, string[]? queues = null)
    {
        var id = DeskApi.NewAgent(prefix);
        await (await desk.Root().PostAsJsonAsync("/v1/admin/users", new { id, display_name = $"Test {prefix}", password = Password, roles, queues = queues ?? [] }))
            .OkAsync(HttpStatusCode.Created);
        return id;
    }

    /// <summary>A cookie-keeping client that does not follow redirects, so tests see each 302.</summary>
    public static HttpClient Browser(this DeskFactory desk) =>
        desk.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Fills in and posts the sign-in form; returns the answer (302 on success, the page again on failure).</summary>
    public static async Task<HttpResponseMessage> SignInAsync(this HttpClient browser, string user, string password, string returnUrl = "")
    {
        var form = await browser.GetStringAsync("/login" + (returnUrl.Length > 0 ? $"?ReturnUrl={Uri.EscapeDataString(returnUrl)}" : ""));
        var input = AntiforgeryInput().Match(form).Value;
        var token = InputValue().Match(input).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), "the sign-in form carries an antiforgery token");
        return await browser.PostAsync("/login" + (returnUrl.Length > 0 ? $"?ReturnUrl={Uri.EscapeDataString(returnUrl)}" : ""), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = user,
            ["Input.Password"] = password,
        }));
    }

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*>")]
    private static partial Regex AntiforgeryInput();

    [GeneratedRegex("value=\"([^\"]+)\"")]
    private static partial Regex InputValue();
}
