using Xunit.Sdk;

namespace AgentDesk.Web.Tests.Support;

/// <summary>Waits for a condition, never for a fixed time: probes until it holds or the timeout passes.</summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new XunitException($"timed out waiting for {what}; last observed: {value}");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Waits until the wall clock is past <paramref name="unixSeconds"/>, so a timestamp written next
    /// is distinguishable (API timestamps have one-second resolution).
    /// </summary>
    public static Task UntilClockPassesAsync(long unixSeconds) =>
        UntilAsync(() => Task.FromResult(DateTimeOffset.UtcNow.ToUnixTimeSeconds()), now => now > unixSeconds, $"the clock to pass {unixSeconds}");
}
