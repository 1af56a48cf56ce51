using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace AgentDesk.Core.Recall.Embeddings;

/// <summary>
/// The binary cache of <see cref="GloveVectors"/>: what the desk loads at start instead of the
/// 307 MB package JSON. It holds the in-memory arrays as they are, so loading is four bulk reads
/// with no per-word work. Layout (little-endian):
/// <code>
///  0  8 bytes  magic "AGDGLOVE"
///  8  int32    format version
/// 12  int32    word count N
/// 16  int32    dimensions D
/// 20  int64    byte length of the package JSON it was made from (a different length means a rebuild)
/// 28  int32    character count C of all words
/// 32  int32    lookup-table size S
/// 36  …        the words, UTF-16, concatenated, most frequent first   (C chars)
///     …        where each word starts, and the end                    (N + 1 int32)
///     …        the lookup table                                       (S int32)
///     …        the vectors, row by row                                (N × D float32)
/// </code>
/// A file whose header, length or structure does not add up is treated as absent and rebuilt.
/// It is written to a temporary file and renamed into place, under a lock file, so a reader never
/// sees half a cache and two processes starting together convert the JSON once.
/// </summary>
internal static class GloveCache
{
    private const int Version = 1;
    private const int HeaderBytes = 36;
    private static readonly byte[] Magic = "AGDGLOVE"u8.ToArray();
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(100);

    /// <summary>The cached vectors, or null when the cache is missing, damaged or stale.</summary>
    /// <param name="sourceLength">The package JSON's current length, or null when the package is absent (any valid cache is then accepted).</param>
    public static GloveVectors? TryRead(string path, long? sourceLength)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the GloVe cache is little-endian");
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            Span<byte> header = stackalloc byte[HeaderBytes];
            file.ReadExactly(header);
            var count = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
            var dimensions = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
            var madeFrom = BinaryPrimitives.ReadInt64LittleEndian(header[20..]);
            var charCount = BinaryPrimitives.ReadInt32LittleEndian(header[28..]);
            var slotCount = BinaryPrimitives.ReadInt32LittleEndian(header[32..]);
            var floats = (long)count * dimensions;
            if (!header[..8].SequenceEqual(Magic) || BinaryPrimitives.ReadInt32LittleEndian(header[8..]) != Version
                || count <= 0 || dimensions <= 0 || charCount <= 0 || slotCount <= 0 || floats > Array.MaxLength
                || file.Length != HeaderBytes + 2L * charCount + 4L * (count + 1L) + 4L * slotCount + 4L * floats
                || (sourceLength is { } length && length != madeFrom))
                return null;

            var chars = new char[charCount];
            var starts = new int[count + 1];
            var slots = new int[slotCount];
            var vectors = GC.AllocateUninitializedArray<float>((int)floats);
            file.ReadExactly(MemoryMarshal.AsBytes(chars.AsSpan()));
            file.ReadExactly(MemoryMarshal.AsBytes(starts.AsSpan()));
            file.ReadExactly(MemoryMarshal.AsBytes(slots.AsSpan()));
            file.ReadExactly(MemoryMarshal.AsBytes(vectors.AsSpan()));
            return new GloveVectors(chars, starts, slots, vectors, dimensions);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or EndOfStreamException or InvalidDataException)
        {
            return null;
        }
    }

    public static void Write(string path, GloveVectors vectors, long sourceLength)
    {
        var (chars, starts, slots, floats) = vectors.Storage;
        Span<byte> header = stackalloc byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], vectors.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], vectors.Dimensions);
        BinaryPrimitives.WriteInt64LittleEndian(header[20..], sourceLength);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], chars.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[32..], slots.Length);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                file.Write(header);
                file.Write(MemoryMarshal.AsBytes(chars.AsSpan()));
                file.Write(MemoryMarshal.AsBytes(starts.AsSpan()));
                file.Write(MemoryMarshal.AsBytes(slots.AsSpan()));
                file.Write(MemoryMarshal.AsBytes(floats.AsSpan()));
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Holds <c>&lt;path&gt;.lock</c> exclusively (an advisory lock the runtime takes for
    /// <see cref="FileShare.None"/>; it also excludes other threads of this process) until disposed.
    /// The lock file itself stays: deleting it would let a third process lock a fresh file while a
    /// second still holds the old one.
    /// </summary>
    public static IDisposable Lock(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream($"{path}.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e)
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"waited {LockTimeout.TotalMinutes} minutes for '{path}.lock', held by another process building the GloVe cache", e);
                Thread.Sleep(LockRetry);
            }
        }
    }
}
