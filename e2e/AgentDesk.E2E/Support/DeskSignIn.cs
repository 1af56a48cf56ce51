using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;

namespace AgentDesk.E2E.Support;

/// <summary>Desk users for browser tests: created through the admin API, signed in through the real sign-in form.</summary>
public static class DeskSignIn
{
    public const string Password = "e2e-desk-password";

    /// <summary>Creates a desk user (display name "Test &lt;prefix&gt;") and returns its id.</summary>
    public static async Task<string> CreateUserAsync(this AppProcess app, string prefix, string[] roles, string[]? queues = null, string? shift = null)
    {
        var id = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        using var response = await app.Client.PostAsJsonAsync("v1/admin/users", new { id, display_name = $"Test {prefix}", password = Password, roles, queues = queues ?? [], shift });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return id;
    }

    /// <summary>Fills in the sign-in form; <paramref name="submit"/> runs the click (so a caller can wait on what it loads).</summary>
    public static async Task SignInAsync(this IPage page, AppProcess app, string user, string returnPath = "/desk", Func<Func<Task>, Task>? submit = null)
    {
        await page.GotoAsync(new Uri(app.BaseAddress, $"login?ReturnUrl={Uri.EscapeDataString(returnPath)}").ToString());
        await page.GetByTestId("login-user").FillAsync(user);
        await page.GetByTestId("login-password").FillAsync(Password);
        Task Click() => page.GetByTestId("login-submit").ClickAsync();
        await (submit is null ? Click() : submit(Click));
        await page.WaitForURLAsync(new Uri(app.BaseAddress, returnPath.TrimStart('/')).ToString());
    }
}
