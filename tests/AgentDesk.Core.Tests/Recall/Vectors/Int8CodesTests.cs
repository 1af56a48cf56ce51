using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using AgentDesk.Core.Recall.Vectors;

namespace AgentDesk.Core.Tests.Recall.Vectors;

public sealed class Int8CodesTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(100)]
    [InlineData(384)]
    [InlineData(1536)]
    public void Dot_MatchesTheScalarReferenceAndTheFloatCosine(int dims)
    {
        var random = new Random(dims);
        var stride = Int8Codes.Stride(dims);
        var a = Enumerable.Range(0, dims).Select(_ => (float)random.NextDouble() - 0.3f).ToArray();
        var b = Enumerable.Range(0, dims).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var codes = new sbyte[stride + Int8Codes.SpareBytes];
        var query = new short[Int8Codes.QueryLength(stride)];
        Assert.True(Int8Codes.TryEncode(a, sbyte.MaxValue, codes.AsSpan(0, stride), out var scaleA));
        Assert.True(Int8Codes.TryEncode(b, Int8Codes.QueryLimit(stride), query, out var scaleB));

        var dot = Int8Codes.Dot(ref MemoryMarshal.GetArrayDataReference(codes), query, stride);
        Assert.Equal(Int8Codes.DotScalar(ref MemoryMarshal.GetArrayDataReference(codes), query, stride), dot);
        Assert.Equal(TensorPrimitives.CosineSimilarity(a, b), dot * scaleA * scaleB, 0.01f);
    }

    [Fact]
    public void QueryLimit_LargestDotProductFitsAnInt()
    {
        foreach (var dims in new[] { 1, 100, 516, 1536, 16_384 })
        {
            var stride = Int8Codes.Stride(dims);
            Assert.InRange((long)sbyte.MaxValue * Int8Codes.QueryLimit(stride) * stride, 0, int.MaxValue);
            Assert.True(Int8Codes.QueryLimit(stride) >= 1_000);
        }
    }
}
