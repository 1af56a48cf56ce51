using System.Text.RegularExpressions;

namespace AgentDesk.Core.Summaries;

/// <summary>
/// A small keyword lexicon that names the customer's mood from a sentiment memory, with the sentence that shows
/// it. Deliberately simple and predictable: the extractive composer must work without a model. Labels are tried
/// from the most to the least pressing (angry, frustrated, anxious, confused, satisfied), so one angry sentence
/// outweighs a polite "thanks"; a negated cue ("not worried") does not count, and a negated positive ("not
/// happy") reads as frustrated.
/// </summary>
public static partial class SentimentLexicon
{
    public const string Neutral = "neutral";
    private const string Frustrated = "frustrated";
    private const string Satisfied = "satisfied";

    private static readonly (string Label, string[][] Cues)[] Lexicon =
    [
        ("angry", Phrases("angry", "furious", "livid", "outraged", "unacceptable", "ridiculous", "fuming", "shouting", "yelling", "disgusted")),
        (Frustrated, Phrases("frustrated", "frustrating", "annoyed", "irritated", "fed up", "third time", "waste of time", "still not", "still broken", "tired of")),
        ("anxious", Phrases("anxious", "worried", "nervous", "scared", "afraid", "stressed", "panicking", "concerned")),
        ("confused", Phrases("confused", "confusing", "unsure", "don t understand", "doesn t understand", "not sure")),
        (Satisfied, Phrases("happy", "satisfied", "pleased", "relieved", "grateful", "thank you", "thanks", "great")),
    ];

    private static readonly HashSet<string> Negations = ["not", "never", "no", "t"];

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceBreak();

    /// <summary>The most pressing mood any sentence of <paramref name="text"/> shows, or null when none does.</summary>
    public static SentimentReading? Read(string text)
    {
        var sentences = SentenceBreak().Split(SummaryText.Clean(text));
        foreach (var (label, cues) in Lexicon)
        {
            foreach (var sentence in sentences)
            {
                var words = SummaryText.Normalise(sentence).Split(' ');
                foreach (var cue in cues)
                {
                    if (Find(words, cue) is not { } at) continue;
                    var negated = at > 0 && Negations.Contains(words[at - 1]);
                    if (!negated) return new(label, sentence);
                    if (label == Satisfied) return new(Frustrated, sentence);
                }
            }
        }
        return null;
    }

    private static int? Find(string[] words, string[] cue)
    {
        for (var i = 0; i + cue.Length <= words.Length; i++)
        {
            if (cue.Select((w, k) => words[i + k] == w).All(match => match)) return i;
        }
        return null;
    }

    private static string[][] Phrases(params string[] phrases) => phrases.Select(p => p.Split(' ')).ToArray();
}
