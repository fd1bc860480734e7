namespace Occam.Inference.Systems;

/// <summary>
/// One observed trajectory: the noisy observations and what they observe without noise (the estimation target: the
/// positions of the tracking system, the whole state of the Lorenz system), one row per time step.
/// </summary>
/// <param name="Truth">Noise-free observed quantities, <c>[T][ObservationSize]</c>.</param>
/// <param name="Observations">The noisy observations, <c>[T][ObservationSize]</c>.</param>
public sealed record StateSequence(double[][] Truth, double[][] Observations)
{
    /// <summary>Number of time steps.</summary>
    public int Length => Observations.Length;

    /// <summary>The steps <c>start … start + length − 1</c>.</summary>
    public StateSequence Slice(int start, int length) => new(Truth[start..(start + length)], Observations[start..(start + length)]);

    /// <summary>Cuts the sequence into consecutive chunks of <paramref name="length"/> steps (the last one may be shorter, but not under 2).</summary>
    public IReadOnlyList<StateSequence> Chunks(int length)
    {
        if (length < 2) throw new ArgumentOutOfRangeException(nameof(length), length, "Chunks need at least 2 steps.");
        var chunks = new List<StateSequence>();
        for (int start = 0; start < Length; start += length)
        {
            int size = Math.Min(length, Length - start);
            if (size < 2 && chunks.Count > 0) break;
            chunks.Add(Slice(start, size));
        }
        return chunks;
    }

    /// <summary>Mean squared error per coordinate of <paramref name="estimate"/> against <see cref="Truth"/>.</summary>
    public double MeanSquaredError(IReadOnlyList<double[]> estimate)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        if (estimate.Count != Length) throw new ArgumentException($"The estimate has {estimate.Count} steps; the sequence has {Length}.");
        double sum = 0;
        long count = 0;
        for (int t = 0; t < Length; t++)
            for (int i = 0; i < Truth[t].Length; i++)
            {
                double d = estimate[t][i] - Truth[t][i];
                sum += d * d;
                count++;
            }
        return sum / count;
    }
}

/// <summary>A system the hybrid demo estimates: it simulates data and builds the approximate model the estimators are given.</summary>
public interface IEstimationSystem
{
    /// <summary>Short name (linear, lorenz).</summary>
    string Name { get; }

    /// <summary>One line saying what the true system is and what the estimators are told.</summary>
    string Description { get; }

    /// <summary>Simulates <paramref name="steps"/> time steps from random stream <paramref name="stream"/> of <paramref name="seed"/>.</summary>
    StateSequence Simulate(long seed, long stream, int steps);

    /// <summary>The approximate model the estimators are given, for a process-noise scale <paramref name="sigma"/>.</summary>
    StateSpaceModel ApproximateModel(double sigma);

    /// <summary>The values of the process-noise scale tried when tuning it on the validation data.</summary>
    IReadOnlyList<double> SigmaGrid { get; }

    /// <summary>
    /// A random symmetry of the system applied to a sequence (truth and observations alike): a transformed sequence is
    /// as likely as the original under the true system, so training on it is data augmentation.
    /// </summary>
    StateSequence RandomSymmetry(StateSequence sequence, Random random);
}

/// <summary>Applies a linear map to every row of a sequence's truth and observations.</summary>
internal static class SequenceMaps
{
    public static StateSequence Map(StateSequence sequence, Func<double[], double[]> map) =>
        new(sequence.Truth.Select(map).ToArray(), sequence.Observations.Select(map).ToArray());
}
