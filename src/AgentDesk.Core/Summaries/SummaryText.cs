namespace AgentDesk.Core.Summaries;

/// <summary>Word-level text helpers shared by the renderer, the validator and the composer.</summary>
internal static class SummaryText
{
    private const string Ellipsis = "…";

    public static string[] Words(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The text on one line with single spaces: a memory's line breaks must not break the bullet layout.</summary>
    public static string Clean(string? text) => string.Join(' ', Words(text));

    /// <summary>
    /// At most <paramref name="maxWords"/> words. A cut text ends with "…" glued to its last word (so the mark
    /// costs no word); it ends at the last sentence end inside the limit when that keeps at least half of it.
    /// </summary>
    public static string Truncate(string? text, int maxWords)
    {
        var words = Words(text);
        if (maxWords <= 0) return "";
        if (words.Length <= maxWords) return string.Join(' ', words);

        var keep = maxWords;
        for (var i = maxWords - 1; i >= (maxWords - 1) / 2 && i > 0; i--)
        {
            if (words[i][^1] is '.' or '!' or '?')
            {
                keep = i + 1;
                break;
            }
        }
        var kept = words[..keep];
        kept[^1] = kept[^1].TrimEnd('.', ',', ';', ':', '!', '?', '-', '—') + Ellipsis;
        return string.Join(' ', kept);
    }

    /// <summary>Lower case, letters and digits only, single spaces: "I'll call back!" → "i ll call back".</summary>
    public static string Normalise(string? text)
    {
        var chars = (text ?? "").Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : ' ').ToArray();
        return Clean(new string(chars));
    }

    /// <summary>True when <paramref name="part"/>'s words occur, in order and whole, inside <paramref name="text"/>.</summary>
    public static bool ContainsPhrase(string? text, string? part) => ContainsNormalised(Normalise(text), Normalise(part));

    /// <summary><see cref="ContainsPhrase"/> for texts already through <see cref="Normalise"/>.</summary>
    public static bool ContainsNormalised(string text, string phrase) =>
        phrase.Length == 0 || $" {text} ".Contains($" {phrase} ", StringComparison.Ordinal);
}
