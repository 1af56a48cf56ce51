using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AgentDesk.Core.Recall.Vectors;

/// <summary>
/// The index's number format. A stored vector becomes int8 codes (symmetric, one scale per vector:
/// the largest component maps to ±127) and the query becomes int16 codes, so a similarity is one
/// integer dot product — 16 dimensions per AVX2 <c>vpmaddwd</c> — times two scales. Each scale is
/// 1/‖codes‖, which makes the result the exact cosine of the two quantised directions; the direction
/// error of int8 codes is what separates it from the float cosine.
/// </summary>
internal static class Int8Codes
{
    /// <summary>Bytes a vector's codes take in a chunk: the dimensions rounded up to 8, zero-padded.</summary>
    public static int Stride(int dimensions) => (dimensions + 7) & ~7;

    /// <summary>
    /// The dot product reads 16 codes at a time, so with a stride of 8 mod 16 its last read runs 8
    /// bytes into the next vector (multiplied by the query's zero padding) — or past the last one,
    /// which these spare bytes at the end of every code array cover.
    /// </summary>
    public const int SpareBytes = 8;

    /// <summary>Length of a query's code array: the stride rounded up to 16, zero-padded.</summary>
    public static int QueryLength(int stride) => (stride + 15) & ~15;

    /// <summary>
    /// Largest query code: keeps the dot product's worst case, 127 × limit × stride, inside an int.
    /// 32,767 up to 516 dimensions, then a little less (still ≥ 1,000 levels at 16,384 dimensions).
    /// </summary>
    public static int QueryLimit(int stride) => Math.Min(short.MaxValue, int.MaxValue / (sbyte.MaxValue * stride));

    /// <summary>
    /// Quantises <paramref name="vector"/> into <paramref name="codes"/> (its rest zeroed) and returns
    /// 1/‖codes‖; false for a vector with no direction (zero, NaN or infinite components).
    /// </summary>
    public static bool TryEncode<T>(ReadOnlySpan<float> vector, int limit, Span<T> codes, out float scale)
        where T : struct, IBinaryInteger<T>
    {
        scale = 0;
        var max = MathF.Abs(TensorPrimitives.MaxMagnitude(vector)); // the component, sign kept; NaN when any is NaN
        var factor = limit / max;
        if (!float.IsFinite(max) || max <= 0 || !float.IsFinite(factor)) return false;
        long sumOfSquares = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            var code = (int)Math.Clamp(MathF.Round(vector[i] * factor), -limit, limit);
            codes[i] = T.CreateTruncating(code);
            sumOfSquares += (long)code * code;
        }
        codes[vector.Length..].Clear();
        scale = (float)(1 / Math.Sqrt(sumOfSquares));
        return true;
    }

    /// <summary>Σ codes·query over <paramref name="stride"/> dimensions (see <see cref="SpareBytes"/> for what it may read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Dot(ref sbyte codes, short[] query, int stride) =>
        Avx2.IsSupported ? DotAvx2(ref codes, ref MemoryMarshal.GetArrayDataReference(query), stride) : DotScalar(ref codes, query, stride);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int DotAvx2(ref sbyte codes, ref short query, int stride)
    {
        var sum = Vector256<int>.Zero;
        for (nuint i = 0; i < (nuint)stride; i += 16)
        {
            var widened = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref codes, i));
            sum += Avx2.MultiplyAddAdjacent(widened, Vector256.LoadUnsafe(ref query, i));
        }
        return Vector256.Sum(sum);
    }

    /// <summary>The portable path (no AVX2), and the reference the AVX2 path is tested against.</summary>
    internal static int DotScalar(ref sbyte codes, short[] query, int stride)
    {
        var sum = 0;
        for (var i = 0; i < stride; i++) sum += Unsafe.Add(ref codes, i) * query[i];
        return sum;
    }
}
