namespace AgentDesk.Web.Components.Pages.Threads;

/// <summary>How desk pages show and link threads: a Material icon per known channel (a generic one for the rest), a thread's address.</summary>
public static class ThreadPresentation
{
    public static string ChannelIcon(string channel) => channel.ToLowerInvariant() switch
    {
        "voice" or "phone" or "call" => "call",
        "chat" or "webchat" => "chat",
        "email" or "mail" => "mail",
        "sms" or "text" => "sms",
        "whatsapp" or "social" => "forum",
        _ => "support_agent",
    };

    /// <summary>The thread page's relative address (names may hold ':', which a relative link must not read as a scheme).</summary>
    public static string PathOf(string name) => $"threads/{Uri.EscapeDataString(name)}";
}
