using System.Text.RegularExpressions;

namespace AgentDesk.Core.Handoffs;

/// <summary>The limits of a handoff request, checked before anything is drafted or written.</summary>
public static partial class HandoffRules
{
    /// <summary>Queue names fit in a 128-character <c>target:</c> tag.</summary>
    public const int MaxQueueChars = 100;
    public const int MaxChannelChars = 32;
    public const int MaxCustomerIdChars = 100;
    public const int MaxReasonChars = 500;
    public const int MaxNoteChars = 10_000;
    public const int MaxBatchCases = 500;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:\\-]*$")]
    private static partial Regex NamePattern();

    /// <summary>A queue, channel or customer id: printable, bounded, usable inside a tag.</summary>
    public static string Name(string value, string field, int maxChars)
    {
        if (!IsName(value, maxChars))
            throw DeskException.Invalid($"'{field}' must be 1–{maxChars} characters of letters, digits, '_', '.', ':' or '-', starting with a letter or digit");
        return value;
    }

    /// <summary>Whether <see cref="Name"/> accepts the value (for callers that answer a bad name without an exception).</summary>
    public static bool IsName(string value, int maxChars) => value.Length > 0 && value.Length <= maxChars && NamePattern().IsMatch(value);

    public static string Text(string? value, string field, int maxChars)
    {
        if (string.IsNullOrWhiteSpace(value)) throw DeskException.Invalid($"'{field}' is required and must not be blank");
        if (value.Length > maxChars) throw DeskException.Invalid($"'{field}' must be at most {maxChars:N0} characters, not {value.Length:N0}");
        return value.Trim();
    }
}
