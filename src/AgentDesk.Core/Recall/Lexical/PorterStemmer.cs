using System.Text;

namespace AgentDesk.Core.Recall.Lexical;

/// <summary>
/// The Porter (1980) stemmer exactly as SQLite's FTS5 <c>porter</c> tokenizer applies it, so that a
/// score computed in process stems words the way the full-text index did. FTS5's variant matters in
/// the details: it works on the UTF-8 bytes of an already case-folded token, leaves tokens shorter than
/// 3 or longer than 64 bytes alone, uses the later Porter revisions (<c>bli→ble</c>, <c>logi→log</c>),
/// and counts <c>y</c> as a vowel in the "stem contains a vowel" test whenever it is not the first letter.
/// Every non-ASCII byte is a consonant, so accented words that survived diacritic removal stem as FTS5
/// stems them.
/// </summary>
public static class PorterStemmer
{
    /// <summary>FTS5 passes longer tokens (in UTF-8 bytes) through unstemmed.</summary>
    public const int MaxTokenBytes = 64;

    private const int MinTokenBytes = 3;

    /// <summary>Stems one lower-case word; a word FTS5 would leave alone comes back as the same instance.</summary>
    public static string Stem(string lowerCaseWord)
    {
        ArgumentNullException.ThrowIfNull(lowerCaseWord);
        return Stem(lowerCaseWord, lowerCaseWord);
    }

    /// <summary>Stems a word still in the tokenizer's buffer, allocating only the resulting string.</summary>
    internal static string Stem(ReadOnlySpan<char> lowerCaseWord) => Stem(lowerCaseWord, null);

    private static string Stem(ReadOnlySpan<char> word, string? wordString)
    {
        if (word.Length <= MaxTokenBytes)
        {
            // Steps never grow a word by more than a byte ('e' appended in step 1b).
            Span<byte> original = stackalloc byte[MaxTokenBytes];
            var byteCount = -1;
            if (Ascii.IsValid(word)) Ascii.FromUtf16(word, original, out byteCount);
            else if (Encoding.UTF8.GetByteCount(word) <= MaxTokenBytes) byteCount = Encoding.UTF8.GetBytes(word, original);

            if (byteCount >= MinTokenBytes)
            {
                Span<byte> stemmed = stackalloc byte[MaxTokenBytes + 1];
                original[..byteCount].CopyTo(stemmed);
                var length = Stem(stemmed, byteCount);
                if (!stemmed[..length].SequenceEqual(original[..byteCount])) return Encoding.UTF8.GetString(stemmed[..length]);
            }
        }
        return wordString ?? new string(word);
    }

    /// <summary>Stems <paramref name="length"/> bytes of <paramref name="word"/> in place; returns the new length.</summary>
    private static int Stem(Span<byte> word, int length)
    {
        var n = length;
        n = Step1A(word, n);
        n = Step1B(word, n);
        if (word[n - 1] == 'y' && ContainsVowel(word[..(n - 1)])) word[n - 1] = (byte)'i';
        n = Step2(word, n);
        n = Step3(word, n);
        n = Step4(word, n);
        n = Step5(word, n);
        return n;
    }

    private static int Step1A(Span<byte> w, int n)
    {
        if (w[n - 1] != 's') return n;
        if (At(w, n - 2) == 'e')
            return (n > 4 && w[n - 4] == 's' && w[n - 3] == 's') || (n > 3 && w[n - 3] == 'i') ? n - 2 : n - 1;
        return At(w, n - 2) == 's' ? n : n - 1;
    }

    private static int Step1B(Span<byte> w, int n)
    {
        int stem;
        if (EndsWith(w, n, "eed"u8))
            return MeasureAbove(w[..(n - 3)], 0) ? n - 1 : n;
        if (EndsWith(w, n, "ed"u8) && ContainsVowel(w[..(n - 2)])) stem = n - 2;
        else if (EndsWith(w, n, "ing"u8) && ContainsVowel(w[..(n - 3)])) stem = n - 3;
        else return n;

        if (EndsWith(w, stem, "at"u8) || EndsWith(w, stem, "bl"u8) || EndsWith(w, stem, "iz"u8))
        {
            w[stem] = (byte)'e';
            return stem + 1;
        }
        var last = w[stem - 1];
        if (!IsVowel(last, false) && last != 'l' && last != 's' && last != 'z' && last == At(w, stem - 2)) return stem - 1;
        if (MeasureIsOne(w[..stem]) && EndsConsonantVowelConsonant(w[..stem]))
        {
            w[stem] = (byte)'e';
            return stem + 1;
        }
        return stem;
    }

    // Steps 2 to 4: the longest suffix listed for the word's penultimate letter is the only candidate;
    // when its condition fails the step changes nothing (Porter's rule, and FTS5's generated code).
    private static readonly Rule[][] Step2Rules = ByPenultimateLetter(
    [
        new("ational", "ate"), new("tional", "tion"), new("enci", "ence"), new("anci", "ance"), new("izer", "ize"),
        new("logi", "log"), new("bli", "ble"), new("alli", "al"), new("entli", "ent"), new("eli", "e"),
        new("ousli", "ous"), new("ization", "ize"), new("ation", "ate"), new("ator", "ate"), new("alism", "al"),
        new("iveness", "ive"), new("fulness", "ful"), new("ousness", "ous"), new("aliti", "al"), new("iviti", "ive"),
        new("biliti", "ble"),
    ]);

    private static readonly Rule[][] Step3Rules = ByPenultimateLetter(
    [
        new("icate", "ic"), new("ative", ""), new("alize", "al"), new("iciti", "ic"), new("ical", "ic"),
        new("ful", ""), new("ness", ""),
    ]);

    private static readonly Rule[][] Step4Rules = ByPenultimateLetter(
    [
        new("al", ""), new("ance", ""), new("ence", ""), new("er", ""), new("ic", ""), new("able", ""),
        new("ible", ""), new("ant", ""), new("ement", ""), new("ment", ""), new("ent", ""), new("ion", "", afterSOrT: true),
        new("ou", ""), new("ism", ""), new("ate", ""), new("iti", ""), new("ous", ""), new("ive", ""), new("ize", ""),
    ]);

    private static int Step2(Span<byte> w, int n) => ApplyFirstMatch(w, n, Step2Rules, minMeasure: 0);

    private static int Step3(Span<byte> w, int n) => ApplyFirstMatch(w, n, Step3Rules, minMeasure: 0);

    private static int Step4(Span<byte> w, int n) => ApplyFirstMatch(w, n, Step4Rules, minMeasure: 1);

    /// <summary>Rules grouped by the next-to-last letter of their suffix, in order: a word is tried against one group.</summary>
    private static Rule[][] ByPenultimateLetter(Rule[] rules) =>
        [.. Enumerable.Range(0, 128).Select(letter => rules.Where(r => r.Suffix[^2] == letter).ToArray())];

    private static int ApplyFirstMatch(Span<byte> w, int n, Rule[][] rulesByLetter, int minMeasure)
    {
        if (n < 2 || w[n - 2] >= rulesByLetter.Length) return n;
        foreach (var rule in rulesByLetter[w[n - 2]])
        {
            if (!EndsWith(w, n, rule.Suffix)) continue;
            var stem = n - rule.Suffix.Length;
            var applies = MeasureAbove(w[..stem], minMeasure) && (!rule.AfterSOrT || w[stem - 1] is (byte)'s' or (byte)'t');
            if (!applies) return n;
            rule.Replacement.CopyTo(w[stem..]);
            return stem + rule.Replacement.Length;
        }
        return n;
    }

    private static int Step5(Span<byte> w, int n)
    {
        if (w[n - 1] == 'e')
        {
            var stem = w[..(n - 1)];
            if (MeasureAbove(stem, 1) || (MeasureIsOne(stem) && !EndsConsonantVowelConsonant(stem))) n--;
        }
        if (n > 1 && w[n - 1] == 'l' && w[n - 2] == 'l' && MeasureAbove(w[..(n - 1)], 1)) n--;
        return n;
    }

    private static bool EndsWith(Span<byte> w, int n, ReadOnlySpan<byte> suffix) =>
        n > suffix.Length && w[..n].EndsWith(suffix);

    private static byte At(Span<byte> w, int index) => index >= 0 ? w[index] : (byte)0;

    private static bool IsVowel(byte c, bool yIsVowel) =>
        c is (byte)'a' or (byte)'e' or (byte)'i' or (byte)'o' or (byte)'u' || (yIsVowel && c == 'y');

    /// <summary>The stem's measure m (its count of vowel-consonant sequences) is greater than <paramref name="m"/>.</summary>
    private static bool MeasureAbove(ReadOnlySpan<byte> stem, int m) => Measure(stem, m + 1) > m;

    private static bool MeasureIsOne(ReadOnlySpan<byte> stem) => Measure(stem, 2) == 1;

    /// <summary>Counts vowel-consonant sequences, stopping once <paramref name="cap"/> is reached.</summary>
    private static int Measure(ReadOnlySpan<byte> stem, int cap)
    {
        var m = 0;
        var previousIsConsonant = false;
        var seenVowel = false;
        foreach (var c in stem)
        {
            var consonant = !IsVowel(c, previousIsConsonant);
            if (!consonant) seenVowel = true;
            else if (seenVowel && !previousIsConsonant && ++m == cap) return m;
            previousIsConsonant = consonant;
        }
        return m;
    }

    /// <summary>FTS5's "contains a vowel": <c>y</c> counts as one anywhere but the first letter.</summary>
    private static bool ContainsVowel(ReadOnlySpan<byte> stem)
    {
        for (var i = 0; i < stem.Length; i++)
            if (IsVowel(stem[i], i > 0)) return true;
        return false;
    }

    /// <summary>Porter's *o: the stem ends consonant-vowel-consonant and the last consonant is not w, x or y.</summary>
    private static bool EndsConsonantVowelConsonant(ReadOnlySpan<byte> stem)
    {
        if (stem.Length < 3 || stem[^1] is (byte)'w' or (byte)'x' or (byte)'y') return false;
        var previousIsConsonant = false;
        var pattern = 0;
        foreach (var c in stem)
        {
            previousIsConsonant = !IsVowel(c, previousIsConsonant);
            pattern = (pattern << 1 | (previousIsConsonant ? 1 : 0)) & 0b111;
        }
        return pattern == 0b101;
    }

    /// <summary>Replace <c>suffix</c> by <c>replacement</c>; <c>AfterSOrT</c> is step 4's extra condition on -ion.</summary>
    private sealed class Rule(string suffix, string replacement, bool afterSOrT = false)
    {
        public byte[] Suffix { get; } = Encoding.ASCII.GetBytes(suffix);

        public byte[] Replacement { get; } = Encoding.ASCII.GetBytes(replacement);

        public bool AfterSOrT { get; } = afterSOrT;
    }
}
