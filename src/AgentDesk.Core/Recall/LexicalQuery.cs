using System.Globalization;
using System.Text;

namespace AgentDesk.Core.Recall;

/// <summary>
/// Turns free text into the terms of a lexical query: lower-cased letter/digit runs, stop words
/// dropped (they only add noise to an OR query), duplicates removed, bounded in number. Whatever
/// the user typed — quotes, FTS operators, SQL — only these terms reach the engine.
/// </summary>
public static class LexicalQuery
{
    public const int MaxTerms = 32;
    private const int MaxTermChars = 64;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "after", "again", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before",
        "being", "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have",
        "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
        "me", "my", "of", "on", "or", "our", "ours", "she", "should", "so", "than", "that", "the", "their",
        "them", "then", "there", "these", "they", "this", "those", "to", "too", "us", "was", "we", "were",
        "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you",
        "your", "yours",
    };

    public static bool IsStopWord(string term) => StopWords.Contains(term);

    public static IReadOnlyList<string> Terms(string text)
    {
        var terms = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = new StringBuilder();
        void Flush()
        {
            if (current.Length == 0) return;
            var term = current.Length > MaxTermChars ? current.ToString(0, MaxTermChars) : current.ToString();
            current.Clear();
            if (terms.Count < MaxTerms && !StopWords.Contains(term) && seen.Add(term)) terms.Add(term);
        }
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsLetterOrDigit(rune) || category is UnicodeCategory.NonSpacingMark)
                current.Append(Rune.ToLowerInvariant(rune).ToString());
            else
                Flush();
        }
        Flush();
        return terms;
    }
}
