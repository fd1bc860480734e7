namespace Occam.Discovery;

/// <summary>
/// Training data for the particle network: snapshots of n bodies with node features
/// [position (dim), velocity (dim), charge, mass] and their accelerations. Plain arrays, row-major.
/// </summary>
public sealed class ParticleData
{
    /// <summary>(Samples, Bodies, 2·Dim+2) node features.</summary>
    public float[] Nodes { get; }

    /// <summary>(Samples, Bodies, Dim) accelerations.</summary>
    public float[] Accelerations { get; }

    /// <summary>Number of snapshots.</summary>
    public int Samples { get; }
    /// <summary>Number of bodies per snapshot (at least 2).</summary>
    public int Bodies { get; }
    /// <summary>Spatial dimension, 2 or 3.</summary>
    public int Dim { get; }

    /// <summary>The softening ε of the simulator that made the data: its pair potential is a function of the distance
    /// |Δx| + ε (0.01 for Occam's simulations, 0 for data with no softening).</summary>
    public double Softening { get; init; }

    /// <summary>2·Dim + 2.</summary>
    public int Features => 2 * Dim + 2;

    /// <summary>
    /// Wraps the arrays (kept, not copied). Throws <see cref="ArgumentException"/> when dim is not 2 or 3, there are fewer
    /// than 2 bodies or no samples, or a length does not match; <see cref="InvalidDataException"/> when a value is not finite.
    /// </summary>
    /// <param name="nodes">(samples, bodies, 2·dim+2) node features: position, velocity, charge, mass.</param>
    /// <param name="accelerations">(samples, bodies, dim) accelerations.</param>
    /// <param name="samples">Number of snapshots.</param>
    /// <param name="bodies">Bodies per snapshot.</param>
    /// <param name="dim">Spatial dimension, 2 or 3.</param>
    public ParticleData(float[] nodes, float[] accelerations, int samples, int bodies, int dim)
    {
        if (dim is not (2 or 3)) throw new ArgumentException($"dim must be 2 or 3, got {dim}");
        if (bodies < 2) throw new ArgumentException($"need at least 2 bodies, got {bodies}");
        if (samples < 1) throw new ArgumentException("the data set has no samples");
        if (nodes.Length != (long)samples * bodies * (2 * dim + 2))
            throw new ArgumentException($"nodes has {nodes.Length} values, expected {samples}×{bodies}×{2 * dim + 2}");
        if (accelerations.Length != (long)samples * bodies * dim)
            throw new ArgumentException($"accelerations has {accelerations.Length} values, expected {samples}×{bodies}×{dim}");
        for (int i = 0; i < nodes.Length; i++)
            if (!float.IsFinite(nodes[i]))
                throw new InvalidDataException($"node feature {i % (2 * dim + 2)} of sample {i / (bodies * (2 * dim + 2))} is not finite");
        for (int i = 0; i < accelerations.Length; i++)
            if (!float.IsFinite(accelerations[i]))
                throw new InvalidDataException($"acceleration of sample {i / (bodies * dim)} is not finite");
        Nodes = nodes;
        Accelerations = accelerations;
        Samples = samples;
        Bodies = bodies;
        Dim = dim;
    }

    /// <summary>Samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) as a new data set (copies).</summary>
    public ParticleData Slice(int start, int count)
    {
        if (start < 0 || count < 1 || start + count > Samples)
            throw new ArgumentOutOfRangeException(nameof(count), $"slice [{start}, {start + count}) outside [0, {Samples})");
        int nf = Bodies * Features, na = Bodies * Dim;
        return new ParticleData(
            Nodes.AsSpan(start * nf, count * nf).ToArray(),
            Accelerations.AsSpan(start * na, count * na).ToArray(),
            count, Bodies, Dim) { Softening = Softening };
    }

    /// <summary>Coordinate <paramref name="axis"/> of the position of <paramref name="body"/> in <paramref name="sample"/>.</summary>
    public float Position(int sample, int body, int axis) => Nodes[(sample * Bodies + body) * Features + axis];
    /// <summary>Component <paramref name="axis"/> of the velocity of <paramref name="body"/> in <paramref name="sample"/>.</summary>
    public float Velocity(int sample, int body, int axis) => Nodes[(sample * Bodies + body) * Features + Dim + axis];
    /// <summary>Charge of <paramref name="body"/> in <paramref name="sample"/>.</summary>
    public float Charge(int sample, int body) => Nodes[(sample * Bodies + body) * Features + 2 * Dim];
    /// <summary>Mass of <paramref name="body"/> in <paramref name="sample"/>.</summary>
    public float Mass(int sample, int body) => Nodes[(sample * Bodies + body) * Features + 2 * Dim + 1];
}
