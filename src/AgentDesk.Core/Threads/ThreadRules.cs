using AgentDesk.Core.Handoffs;
using AgentDesk.Core.Memory;

namespace AgentDesk.Core.Threads;

/// <summary>The limits of a thread and its turns, checked before anything is written.</summary>
public static class ThreadRules
{
    /// <summary>Names fit a 128-character <c>thread:</c> tag, and the hub's conversation names.</summary>
    public const int MaxNameChars = 100;

    /// <summary>Turns one <c>PUT</c> may carry: a whole call transcript, not a bulk import.</summary>
    public const int MaxTurnsPerUpsert = 500;

    public const int MaxTopK = MemoryRules.MaxTopK;

    /// <summary>The agent whose memories hold a thread's turns when its first upsert names none.</summary>
    public const string DefaultAgent = "threads";

    public const string ThreadTagPrefix = "thread:";
    public const string RoleTagPrefix = "role:";

    /// <summary>Who said a turn; <see cref="Customer"/> when the client does not say.</summary>
    public static class Roles
    {
        public const string Customer = "customer";
        public const string Agent = "agent";
        public const string Bot = "bot";
        public const string System = "system";
        public static readonly IReadOnlyList<string> All = [Customer, Agent, Bot, System];
    }

    /// <summary>A thread name: a conversation id, customer id or ticket number, shaped like a queue or customer id.</summary>
    public static string Name(string value, string field = "name") => HandoffRules.Name(value, field, MaxNameChars);

    /// <summary>Whether <see cref="Name"/> accepts the value (for pages that answer a bad name without an exception).</summary>
    public static bool IsName(string value) => HandoffRules.IsName(value, MaxNameChars);

    /// <summary>A turn's channel (voice, chat, email, sms…), shaped like a handoff's channel.</summary>
    public static string Channel(string value, string field = "channel") => HandoffRules.Name(value, field, HandoffRules.MaxChannelChars);

    public static string Role(string value, string field = "role") =>
        Roles.All.Contains(value) ? value : throw DeskException.Invalid($"'{field}' must be one of {string.Join(", ", Roles.All)}, not '{value}'");

    /// <summary>The tags every turn memory carries: its thread, its channel and who said it.</summary>
    public static IReadOnlyList<string> Tags(string thread, string channel, string role) =>
        [$"{ThreadTagPrefix}{thread}", $"{Summaries.SummaryTags.ChannelPrefix}{channel}", $"{RoleTagPrefix}{role}"];
}
