using System.Globalization;

namespace AgentDesk.Web.Tests.Support;

/// <summary>
/// The host with a tiny request body limit. <see cref="DeskFactory.Settings"/> become host settings,
/// which the factory hands to Program as configuration before <c>AddApi</c> reads <c>AgentDesk:Limits</c>.
/// </summary>
public sealed class SmallBodyDeskFactory : DeskFactory
{
    public const int MaxBodyBytes = 4096;

    public SmallBodyDeskFactory() => Settings["AgentDesk:Limits:MaxBodyBytes"] = MaxBodyBytes.ToString(CultureInfo.InvariantCulture);
}
