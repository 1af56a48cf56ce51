using System.Buffers;
using System.Globalization;
using System.Text;

namespace AgentDesk.Core.Recall.Lexical;

/// <summary>
/// Splits text into the terms SQLite FTS5 indexes with <c>tokenize = 'porter unicode61 remove_diacritics 2'</c>,
/// so a score computed in process (<see cref="LocalBm25"/>) sees the same terms as the full-text index.
/// As unicode61 does: a token starts at a letter, number or private-use character; it continues through
/// those and through the combining accents FTS5 treats as diacritics (which are dropped); everything else
/// separates. Each character is lower-cased and, where it is a Latin letter with diacritics, reduced to its
/// ASCII letter (é→e, ǖ→u); each token is then stemmed by <see cref="PorterStemmer"/>.
/// Character classes come from .NET's Unicode tables, which are newer than the ones compiled into SQLite.
/// Compared with SQLite 3.35 over the whole Basic Multilingual Plane, they differ on 592 code points, all
/// assigned in Unicode 7.0 or later (SQLite reads them as unassigned, which it keeps in tokens) or given a
/// lower case since (Cherokee); the tests hold them to agree on Latin, Greek, Cyrillic and punctuation.
/// </summary>
public static class LexicalTokenizer
{
    /// <summary>Stemmed tokens of <paramref name="text"/> in order, duplicates kept (their count is the term frequency).</summary>
    public static List<string> Tokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        var current = new TokenBuffer(stackalloc char[128]);
        try
        {
            var index = 0;
            while (index < text.Length)
            {
                var c = text[index];
                if (char.IsAscii(c))
                {
                    // The common case, without decoding: ASCII letters and digits are the only ASCII token characters.
                    index++;
                    if (char.IsAsciiLetterOrDigit(c)) current.Append(char.ToLowerInvariant(c));
                    else current.FlushTo(tokens);
                    continue;
                }
                Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out var consumed);
                index += consumed;
                if (IsTokenCharacter(rune) || (current.Length > 0 && IsDiacritic(rune.Value))) AppendFolded(ref current, rune);
                else current.FlushTo(tokens);
            }
            current.FlushTo(tokens);
        }
        finally
        {
            current.Dispose();
        }
        return tokens;
    }

    // For non-ASCII characters: unicode61's default token categories "L* N* Co", and FTS5 always adds unassigned
    // code points. A lone surrogate decodes to U+FFFD, a symbol; FTS5 reads U+FFFE and U+FFFF as U+FFFD too.
    private static bool IsTokenCharacter(Rune rune)
    {
        if (rune.Value is 0xFFFE or 0xFFFF) return false;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => true,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
            UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => true,
            _ => false,
        };
    }

    /// <summary>The combining accents FTS5 lets continue a token and removes (grave, acute, circumflex, cedilla…).</summary>
    private static bool IsDiacritic(int codePoint) => codePoint switch
    {
        >= 0x300 and <= 0x304 or >= 0x306 and <= 0x30C or 0x30F or 0x311 or 0x31B => true,
        >= 0x323 and <= 0x328 or 0x32D or 0x32E or 0x330 or 0x331 => true,
        _ => false,
    };

    // Called for non-ASCII characters only.
    private static void AppendFolded(ref TokenBuffer current, Rune rune)
    {
        var value = rune.Value;
        if (IsDiacritic(value)) return;
        // FTS5 folds case only in the Basic Multilingual Plane (and Deseret, which .NET lowers too).
        var folded = value < 0x10000 || value is >= 0x10400 and < 0x10428 ? CaseFold(rune) : rune;
        if (folded.Value < AsciiBase.Length && AsciiBase[folded.Value] != '\0')
            current.Append(AsciiBase[folded.Value]);
        else
            current.Append(folded);
    }

    /// <summary>Lower case, plus the case-folding entries that are not lower-case mappings (ſ→s, ς→σ, µ→μ…).</summary>
    private static Rune CaseFold(Rune rune) => rune.Value switch
    {
        0xB5 => new Rune(0x3BC),
        0x17F => new Rune('s'),
        0x345 => new Rune(0x3B9),
        0x3C2 => new Rune(0x3C3),
        0x3D0 => new Rune(0x3B2),
        0x3D1 => new Rune(0x3B8),
        0x3D5 => new Rune(0x3C6),
        0x3D6 => new Rune(0x3C0),
        0x3F0 => new Rune(0x3BA),
        0x3F1 => new Rune(0x3C1),
        0x3F5 => new Rune(0x3B5),
        0x1E9B => new Rune(0x1E61),
        0x1FBE => new Rune(0x3B9),
        _ => Rune.ToLowerInvariant(rune),
    };

    /// <summary>
    /// remove_diacritics 2: each lower-case Latin letter with diacritics (one or several) → its ASCII letter.
    /// İ is listed because FTS5 does not lower-case it.
    /// </summary>
    private static readonly char[] AsciiBase = BuildAsciiBase(
        "àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęě" +
        "ĝğġģĥĩīĭįİĵķĺļľńņňōŏőŕŗřśŝşšţťũūŭůűųŵŷźż" +
        "žơưǎǐǒǔǖǘǚǜǟǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯ" +
        "ȱȳḁḃḅḇḉḋḍḏḑḓḕḗḙḛḝḟḡḣḥḧḩḫḭḯḱḳḵḷḹḻḽḿṁṃṅṇṉṋ" +
        "ṍṏṑṓṕṗṙṛṝṟṡṣṥṧṩṫṭṯṱṳṵṷṹṻṽṿẁẃẅẇẉẋẍẏẑẓẕẖẗẘ" +
        "ẙạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừử" +
        "ữựỳỵỷỹ",
        "aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeee" +
        "gggghiiiiijklllnnnooorrrssssttuuuuuuwyzz" +
        "zouaiouuuuuagkoojgnaaaeeiioorruusthaeooo" +
        "oyabbbcdddddeeeeefghhhhhiikkkllllmmmnnnn" +
        "oooopprrrrsssssttttuuuuuvvwwwwwxxyzzzhtw" +
        "yaaaaaaaaaaaaeeeeeeeeiioooooooooooouuuuu" +
        "uuyyyy");

    private static char[] BuildAsciiBase(string accented, string plain)
    {
        var table = new char[accented.Max() + 1];
        for (var i = 0; i < accented.Length; i++) table[accented[i]] = plain[i];
        return table;
    }

    /// <summary>The token being read: on the stack while short, pooled when a token grows long.</summary>
    private ref struct TokenBuffer(Span<char> initial)
    {
        private Span<char> _chars = initial;
        private char[]? _rented;

        public int Length { get; private set; }

        public void Append(char c)
        {
            if (Length == _chars.Length) Grow();
            _chars[Length++] = c;
        }

        public void Append(Rune rune)
        {
            if (Length + 2 > _chars.Length) Grow();
            Length += rune.EncodeToUtf16(_chars[Length..]);
        }

        public void FlushTo(List<string> tokens)
        {
            if (Length == 0) return;
            tokens.Add(PorterStemmer.Stem(_chars[..Length]));
            Length = 0;
        }

        public void Dispose()
        {
            if (_rented is not null) ArrayPool<char>.Shared.Return(_rented);
        }

        private void Grow()
        {
            var larger = ArrayPool<char>.Shared.Rent(_chars.Length * 2);
            _chars[..Length].CopyTo(larger);
            if (_rented is not null) ArrayPool<char>.Shared.Return(_rented);
            _rented = larger;
            _chars = larger;
        }
    }
}
