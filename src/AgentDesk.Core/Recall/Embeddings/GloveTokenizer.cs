namespace AgentDesk.Core.Recall.Embeddings;

/// <summary>
/// Splits text into lower-case words spelled as the GloVe vocabulary spells them, without
/// allocating: runs of letters and digits, with inner hyphens kept ("e-mail", "well-known" are
/// GloVe words; the caller splits a hyphenated word GloVe lacks). The package has no clitics
/// ("n't", "'s"), so contractions are expanded into words it has: "don't" → "do" "not",
/// "can't" → "can" "not", "we'll" → "we" "will", "it's" → "it"; any other apostrophe separates two
/// words ("o'clock" → "o" "clock"). Accented Latin-1 letters fold to ASCII ("café" → "cafe"): the
/// vocabulary is ASCII apart from a few symbols, and normalisation is unavailable under invariant
/// globalisation. A word longer than the buffer is skipped (no GloVe word is).
/// </summary>
internal ref struct GloveTokenizer
{
    /// <summary>Longer than the longest GloVe word (42 characters).</summary>
    public const int MaxWordChars = 64;

    /// <summary>U+00E0–U+00FF folded to ASCII; a character that does not fold maps to itself.</summary>
    private const string Latin1Folded = "aaaaaaæceeeeiiiiðnooooo÷ouuuuyþy";

    private readonly ReadOnlySpan<char> _text;
    private readonly Span<char> _buffer;
    private int _position;
    private ReadOnlySpan<char> _pending;

    /// <param name="buffer">Scratch space for the current word, at least <see cref="MaxWordChars"/> long.</param>
    public GloveTokenizer(ReadOnlySpan<char> text, Span<char> buffer)
    {
        _text = text;
        _buffer = buffer;
    }

    /// <summary>The current word; valid until the next <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<char> Current { get; private set; }

    public readonly GloveTokenizer GetEnumerator() => this;

    public bool MoveNext()
    {
        if (!_pending.IsEmpty)
        {
            Current = _pending;
            _pending = default;
            return true;
        }
        while (true)
        {
            while (_position < _text.Length && !char.IsLetterOrDigit(_text[_position])) _position++;
            if (_position == _text.Length) return false;

            var length = 0;
            var apostrophe = -1;
            for (; _position < _text.Length; _position++)
            {
                var c = _text[_position];
                if (!char.IsLetterOrDigit(c))
                {
                    var joins = c is '-' or '\'' or '\u2019' && _position + 1 < _text.Length && char.IsLetterOrDigit(_text[_position + 1]);
                    if (!joins) break;
                    if (c != '-' && apostrophe < 0) apostrophe = length;
                    c = c == '-' ? '-' : '\'';
                }
                if (length < _buffer.Length) _buffer[length] = Fold(char.ToLowerInvariant(c));
                length++;
            }
            if (length > _buffer.Length) continue;

            var word = _buffer[..length];
            if (apostrophe < 0)
            {
                Current = word;
                return true;
            }
            Expand(word[..apostrophe], word[(apostrophe + 1)..], out var first, out _pending);
            Current = first;
            return true;
        }
    }

    private static char Fold(char c) => c is >= '\u00e0' and <= '\u00ff' ? Latin1Folded[c - '\u00e0'] : c;

    /// <summary>The words of "head'tail" (head and tail are never empty); <paramref name="second"/> may be empty.</summary>
    private static void Expand(ReadOnlySpan<char> head, ReadOnlySpan<char> tail, out ReadOnlySpan<char> first, out ReadOnlySpan<char> second)
    {
        first = head;
        if (tail is "t" && head.Length > 1 && head[^1] == 'n')
        {
            first = head[..^1] switch { "ca" => "can", "wo" => "will", "sha" => "shall", var stem => stem };
            second = "not";
            return;
        }
        second = tail switch
        {
            "s" => default,
            "ll" => "will",
            "ve" => "have",
            "re" => "are",
            "m" => "am",
            "d" => "would",
            _ => tail,
        };
    }
}
