namespace Occam.Physics.NBody;

/// <summary>
/// Settings of the charged-particle system of Kipf et al. (2018) in the 3-D form used by
/// Satorras, Hoogeboom &amp; Welling (2021) to benchmark EGNN. Defaults are the published ones:
/// 5 particles, charges ±1 with equal probability, Coulomb-like forces q_i q_j (x_i − x_j)/r³
/// clipped component-wise to ±<see cref="MaxForce"/>, leapfrog with dt 0.001 for 5,000 steps
/// sampled every 100, initial positions N(0, 1), initial velocities of random direction and norm 0.5.
/// </summary>
public sealed record ChargedNBodyOptions
{
    public int Particles { get; init; } = 5;
    public int Dimensions { get; init; } = 3;
    public double PositionStd { get; init; } = 1.0;
    public double VelocityNorm { get; init; } = 0.5;
    public double InteractionStrength { get; init; } = 1.0;
    public double TimeStep { get; init; } = 0.001;
    public int Steps { get; init; } = 5000;
    public int SampleEvery { get; init; } = 100;
    public double MaxForce { get; init; } = 100.0;
    /// <summary>Saved frame used as input (frame k is the state after step (k + 1)·SampleEvery).</summary>
    public int InputFrame { get; init; } = 30;
    /// <summary>Saved frame used as target.</summary>
    public int TargetFrame { get; init; } = 40;

    /// <summary>Number of saved frames: Steps / SampleEvery − 1, as in the reference generator.</summary>
    public int SavedFrames => Steps / SampleEvery - 1;

    internal void Validate()
    {
        if (Particles < 2) throw new ArgumentOutOfRangeException(nameof(Particles), Particles, "ChargedNBodyOptions.Particles must be at least 2.");
        if (Dimensions < 1) throw new ArgumentOutOfRangeException(nameof(Dimensions), Dimensions, "ChargedNBodyOptions.Dimensions must be positive.");
        if (!(TimeStep > 0) || double.IsInfinity(TimeStep)) throw new ArgumentOutOfRangeException(nameof(TimeStep), TimeStep, "ChargedNBodyOptions.TimeStep must be a positive finite number.");
        if (SampleEvery < 1) throw new ArgumentOutOfRangeException(nameof(SampleEvery), SampleEvery, "ChargedNBodyOptions.SampleEvery must be positive.");
        if (Steps % SampleEvery != 0) throw new ArgumentException($"ChargedNBodyOptions.Steps ({Steps}) must be a multiple of SampleEvery ({SampleEvery}).", nameof(Steps));
        if (SavedFrames < 1) throw new ArgumentException($"ChargedNBodyOptions: Steps ({Steps}) / SampleEvery ({SampleEvery}) leaves no saved frame.", nameof(Steps));
        if (!(MaxForce > 0)) throw new ArgumentOutOfRangeException(nameof(MaxForce), MaxForce, "ChargedNBodyOptions.MaxForce must be positive.");
    }

    internal void ValidateFrames()
    {
        Validate();
        if (InputFrame < 0 || InputFrame >= SavedFrames) throw new ArgumentOutOfRangeException(nameof(InputFrame), InputFrame, $"ChargedNBodyOptions.InputFrame must lie in [0, {SavedFrames}).");
        if (TargetFrame < 0 || TargetFrame >= SavedFrames) throw new ArgumentOutOfRangeException(nameof(TargetFrame), TargetFrame, $"ChargedNBodyOptions.TargetFrame must lie in [0, {SavedFrames}).");
        if (!(MaxForce > 0)) throw new ArgumentOutOfRangeException(nameof(MaxForce), MaxForce, "ChargedNBodyOptions.MaxForce must be positive.");
    }
}

/// <summary>One simulated trajectory: saved frames of positions and velocities, row-major [frame, particle, dim].</summary>
public sealed class ChargedNBodyTrajectory
{
    internal ChargedNBodyTrajectory(int frames, int particles, int dimensions, double[] positions, double[] velocities, double[] charges)
    {
        Frames = frames; Particles = particles; Dimensions = dimensions;
        Positions = positions; Velocities = velocities; Charges = charges;
    }

    public int Frames { get; }
    public int Particles { get; }
    public int Dimensions { get; }
    /// <summary>Positions, row-major [frame, particle, dim].</summary>
    public double[] Positions { get; }
    /// <summary>Velocities, row-major [frame, particle, dim].</summary>
    public double[] Velocities { get; }
    /// <summary>Charge of each particle (±1).</summary>
    public double[] Charges { get; }

    public double Position(int frame, int particle, int dim) => Positions[(frame * Particles + particle) * Dimensions + dim];
    public double Velocity(int frame, int particle, int dim) => Velocities[(frame * Particles + particle) * Dimensions + dim];
}

/// <summary>
/// A set of (input frame → target frame) samples, stored flat: X0, V0, XT, VT are [sample, particle, dim]
/// and Charges is [sample, particle].
/// </summary>
public sealed class ChargedNBodySet
{
    internal ChargedNBodySet(int count, int particles, int dimensions, double[] x0, double[] v0, double[] charges, double[] xt, double[] vt)
    {
        Count = count; Particles = particles; Dimensions = dimensions;
        X0 = x0; V0 = v0; Charges = charges; XT = xt; VT = vt;
    }

    public int Count { get; }
    public int Particles { get; }
    public int Dimensions { get; }
    public double[] X0 { get; }
    public double[] V0 { get; }
    public double[] Charges { get; }
    public double[] XT { get; }
    public double[] VT { get; }

    /// <summary>Mean squared error of predicting "no motion" (XT ≈ X0): a floor any model must beat.</summary>
    public double StaticBaselineMse()
    {
        double s = 0;
        for (int i = 0; i < X0.Length; i++) { var d = XT[i] - X0[i]; s += d * d; }
        return s / X0.Length;
    }

    /// <summary>
    /// The least-squares time τ of the "Linear" baseline of Satorras et al. (XT ≈ X0 + τ V0 with one learned
    /// scalar τ): τ = Σ (XT − X0)·V0 / Σ V0·V0.
    /// </summary>
    public double LinearBaselineTime()
    {
        double num = 0, den = 0;
        for (int i = 0; i < X0.Length; i++) { num += (XT[i] - X0[i]) * V0[i]; den += V0[i] * V0[i]; }
        return den > 0 ? num / den : 0;
    }

    /// <summary>Mean squared error of the constant-velocity extrapolation XT ≈ X0 + V0·Δt.</summary>
    public double LinearBaselineMse(double elapsed)
    {
        double s = 0;
        for (int i = 0; i < X0.Length; i++) { var d = XT[i] - X0[i] - V0[i] * elapsed; s += d * d; }
        return s / X0.Length;
    }
}

/// <summary>The three splits of the EGNN charged N-body benchmark.</summary>
public sealed record ChargedNBodyDataset(ChargedNBodySet Train, ChargedNBodySet Validation, ChargedNBodySet Test, ChargedNBodyOptions Options)
{
    /// <summary>Simulated time between the input and target frames.</summary>
    public double ElapsedTime => (Options.TargetFrame - Options.InputFrame) * Options.SampleEvery * Options.TimeStep;
}

/// <summary>
/// Generator of the EGNN charged N-body data set (Satorras et al. 2021, after Kipf et al. 2018).
/// Deterministic: sample <c>i</c> of split <c>s</c> uses its own generator seeded from (seed, s, i),
/// so splits never share trajectories and the result does not depend on thread scheduling.
/// </summary>
public static class ChargedNBody
{
    /// <summary>Simulates one trajectory with the reference leapfrog scheme.</summary>
    public static ChargedNBodyTrajectory Simulate(Random random, ChargedNBodyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        options ??= new ChargedNBodyOptions();
        options.Validate();
        int n = options.Particles, d = options.Dimensions, frames = options.SavedFrames;
        var charges = new double[n];
        for (int i = 0; i < n; i++) charges[i] = random.NextDouble() < 0.5 ? -1.0 : 1.0;
        var x = new double[n * d];
        var v = new double[n * d];
        for (int i = 0; i < n * d; i++) x[i] = Gaussian(random) * options.PositionStd;
        for (int i = 0; i < n * d; i++) v[i] = Gaussian(random);
        for (int i = 0; i < n; i++)
        {
            double norm = 0;
            for (int k = 0; k < d; k++) norm += v[i * d + k] * v[i * d + k];
            norm = Math.Sqrt(norm);
            for (int k = 0; k < d; k++) v[i * d + k] *= options.VelocityNorm / norm;
        }

        var positions = new double[frames * n * d];
        var velocities = new double[frames * n * d];
        var force = new double[n * d];
        double dt = options.TimeStep;
        // Half-step leapfrog start, as in the reference: v += dt F(x0).
        Forces(x, charges, n, d, options, force);
        for (int i = 0; i < n * d; i++) v[i] += dt * force[i];
        int saved = 0;
        for (int step = 1; step < options.Steps; step++)
        {
            for (int i = 0; i < n * d; i++) x[i] += dt * v[i];
            if (step % options.SampleEvery == 0)
            {
                Array.Copy(x, 0, positions, saved * n * d, n * d);
                Array.Copy(v, 0, velocities, saved * n * d, n * d);
                saved++;
            }
            Forces(x, charges, n, d, options, force);
            for (int i = 0; i < n * d; i++) v[i] += dt * force[i];
        }
        return new ChargedNBodyTrajectory(frames, n, d, positions, velocities, charges);
    }

    /// <summary>
    /// Force on each particle: F_i = s Σ_j q_i q_j (x_i − x_j)/‖x_i − x_j‖³, each component clipped to ±MaxForce.
    /// </summary>
    public static void Forces(ReadOnlySpan<double> x, ReadOnlySpan<double> charges, int n, int d, ChargedNBodyOptions options, Span<double> force)
    {
        force[..(n * d)].Clear();
        Span<double> diff = stackalloc double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double r2 = 0;
                for (int k = 0; k < d; k++) { diff[k] = x[i * d + k] - x[j * d + k]; r2 += diff[k] * diff[k]; }
                double size = options.InteractionStrength * charges[i] * charges[j] / (r2 * Math.Sqrt(r2));
                for (int k = 0; k < d; k++) force[i * d + k] += size * diff[k];
            }
        }
        double max = options.MaxForce;
        for (int i = 0; i < n * d; i++) force[i] = Math.Clamp(force[i], -max, max);
    }

    /// <summary>
    /// Generates the benchmark splits (defaults 3,000 / 2,000 / 2,000) from <paramref name="seed"/>.
    /// Trajectories are simulated in parallel; the result is the same for any degree of parallelism.
    /// </summary>
    public static ChargedNBodyDataset Generate(int seed, int train = 3000, int validation = 2000, int test = 2000,
        ChargedNBodyOptions? options = null, int maxDegreeOfParallelism = -1)
    {
        options ??= new ChargedNBodyOptions();
        options.ValidateFrames();
        if (train < 1) throw new ArgumentOutOfRangeException(nameof(train), train, "ChargedNBody.Generate: the training split needs at least one sample.");
        if (validation < 1) throw new ArgumentOutOfRangeException(nameof(validation), validation, "ChargedNBody.Generate: the validation split needs at least one sample.");
        if (test < 1) throw new ArgumentOutOfRangeException(nameof(test), test, "ChargedNBody.Generate: the test split needs at least one sample.");
        return new ChargedNBodyDataset(
            GenerateSet(seed, 0, train, options, maxDegreeOfParallelism),
            GenerateSet(seed, 1, validation, options, maxDegreeOfParallelism),
            GenerateSet(seed, 2, test, options, maxDegreeOfParallelism),
            options);
    }

    static ChargedNBodySet GenerateSet(int seed, int split, int count, ChargedNBodyOptions options, int parallelism)
    {
        int n = options.Particles, d = options.Dimensions, size = n * d;
        var x0 = new double[count * size];
        var v0 = new double[count * size];
        var xt = new double[count * size];
        var vt = new double[count * size];
        var q = new double[count * n];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            var random = new Random(SampleSeed(seed, split, i));
            var trajectory = Simulate(random, options);
            Array.Copy(trajectory.Positions, options.InputFrame * size, x0, i * size, size);
            Array.Copy(trajectory.Velocities, options.InputFrame * size, v0, i * size, size);
            Array.Copy(trajectory.Positions, options.TargetFrame * size, xt, i * size, size);
            Array.Copy(trajectory.Velocities, options.TargetFrame * size, vt, i * size, size);
            Array.Copy(trajectory.Charges, 0, q, i * n, n);
        });
        return new ChargedNBodySet(count, n, d, x0, v0, q, xt, vt);
    }

    internal static int SampleSeed(int seed, int split, int index)
    {
        unchecked
        {
            ulong h = 0x9E3779B97F4A7C15UL;
            h = (h ^ (uint)seed) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (uint)split) * 0x94D049BB133111EBUL;
            h = (h ^ (uint)index) * 0xBF58476D1CE4E5B9UL;
            h ^= h >> 31;
            return (int)(h & 0x7FFFFFFF);
        }
    }

    /// <summary>Standard normal deviate by the Box–Muller transform.</summary>
    internal static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
