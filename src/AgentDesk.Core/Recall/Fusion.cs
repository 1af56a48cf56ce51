namespace AgentDesk.Core.Recall;

/// <summary>How the lexical and the semantic relevance of the candidates are fused into one score.</summary>
public enum FusionMethod
{
    /// <summary>Each signal divided by its best candidate's value: the weakest real match stays above zero.</summary>
    Max,

    /// <summary>Each signal mapped to [0, 1] between its worst and best candidate (the textbook min-max).</summary>
    MinMax,

    /// <summary>Reciprocal rank fusion: per signal (k + 1) / (k + rank), so rank 1 scores 1; weighted like the others.</summary>
    Rrf,
}

/// <summary>One candidate's relevance signals after normalisation, and their fusion.</summary>
public readonly record struct FusedRelevance(double Text, double Vector, double Fused);

/// <summary>
/// Pure fusion of per-candidate relevance signals. A null signal means that retriever did not score
/// the candidate; it contributes 0. A signal no candidate has is left out of the weighting, so
/// lexical-only and vector-only recall use the full range.
/// </summary>
public static class Fusion
{
    public const int DefaultRrfK = 60;

    /// <param name="vectorWeight">Share of the semantic signal in [0, 1]; the lexical signal gets the rest.</param>
    public static FusedRelevance[] Fuse(
        IReadOnlyList<double?> text, IReadOnlyList<double?> vector, FusionMethod method, double vectorWeight, int rrfK = DefaultRrfK)
    {
        if (text.Count != vector.Count) throw new ArgumentException("one text and one vector signal per candidate");
        var textNorm = Normalise(text, method, rrfK);
        var vectorNorm = Normalise(vector, method, rrfK);
        var hasText = Any(text);
        var hasVector = Any(vector);
        var (wText, wVector) = (hasText, hasVector) switch
        {
            (true, true) => (1 - vectorWeight, vectorWeight),
            (true, false) => (1.0, 0.0),
            (false, true) => (0.0, 1.0),
            _ => (0.0, 0.0),
        };
        var fused = new FusedRelevance[text.Count];
        for (var i = 0; i < fused.Length; i++)
            fused[i] = new FusedRelevance(textNorm[i], vectorNorm[i], wText * textNorm[i] + wVector * vectorNorm[i]);
        return fused;
    }

    private static bool Any(IReadOnlyList<double?> signal)
    {
        for (var i = 0; i < signal.Count; i++)
            if (signal[i] is not null) return true;
        return false;
    }

    /// <summary>One signal normalised to [0, 1]; candidates without it get 0.</summary>
    public static double[] Normalise(IReadOnlyList<double?> signal, FusionMethod method, int rrfK = DefaultRrfK)
    {
        var result = new double[signal.Count];
        var present = new List<int>(signal.Count);
        double max = double.MinValue, min = double.MaxValue;
        for (var i = 0; i < signal.Count; i++)
        {
            if (signal[i] is not { } value) continue;
            present.Add(i);
            max = Math.Max(max, value);
            min = Math.Min(min, value);
        }
        if (present.Count == 0) return result;
        switch (method)
        {
            case FusionMethod.Max:
                foreach (var i in present) result[i] = max > 0 ? Math.Max(0, signal[i]!.Value) / max : 0;
                break;
            case FusionMethod.MinMax:
                foreach (var i in present) result[i] = max > min ? (signal[i]!.Value - min) / (max - min) : 1;
                break;
            case FusionMethod.Rrf:
                // Ties share the better rank, so equal scores fuse equally; rank 1 maps to 1.
                var ordered = present.OrderByDescending(i => signal[i]!.Value).ToList();
                var rank = 0;
                for (var r = 0; r < ordered.Count; r++)
                {
                    if (r == 0 || signal[ordered[r]]!.Value < signal[ordered[r - 1]]!.Value) rank = r + 1;
                    result[ordered[r]] = (rrfK + 1.0) / (rrfK + rank);
                }
                break;
        }
        return result;
    }
}
