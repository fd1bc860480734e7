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
    /// <summary>Number of particles (default 5; at least 2).</summary>
    public int Particles { get; init; } = 5;
    /// <summary>Spatial dimension (default 3).</summary>
    public int Dimensions { get; init; } = 3;
    /// <summary>Standard deviation of each initial coordinate, drawn from N(0, PositionStd²) (default 1).</summary>
    public double PositionStd { get; init; } = 1.0;
    /// <summary>Norm every particle's initial velocity is rescaled to; its direction is random (default 0.5).</summary>
    public double VelocityNorm { get; init; } = 0.5;
    /// <summary>Coupling s of the force F_i = s Σ_j q_i q_j (x_i − x_j)/r³ (default 1).</summary>
    public double InteractionStrength { get; init; } = 1.0;
    /// <summary>Leapfrog time step dt (default 0.001; positive and finite).</summary>
    public double TimeStep { get; init; } = 0.001;
    /// <summary>Number of integration steps (default 5,000; a multiple of <see cref="SampleEvery"/>).</summary>
    public int Steps { get; init; } = 5000;
    /// <summary>A frame is saved every this many steps (default 100).</summary>
    public int SampleEvery { get; init; } = 100;
    /// <summary>Bound each force component is clipped to, ±MaxForce (default 100; positive).</summary>
    public double MaxForce { get; init; } = 100.0;
    /// <summary>
    /// Half-width of the reference's box: an initial coordinate beyond ±BoxSize is reflected back inside (the
    /// trajectory itself is not confined, as in the reference). PositiveInfinity disables the reflection.
    /// </summary>
    public double BoxSize { get; init; } = 5.0;
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
        if (!(BoxSize > 0)) throw new ArgumentOutOfRangeException(nameof(BoxSize), BoxSize, "ChargedNBodyOptions.BoxSize must be positive (PositiveInfinity for no box).");
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

    /// <summary>Number of saved frames (<see cref="ChargedNBodyOptions.SavedFrames"/>).</summary>
    public int Frames { get; }
    /// <summary>Number of particles.</summary>
    public int Particles { get; }
    /// <summary>Spatial dimension.</summary>
    public int Dimensions { get; }
    /// <summary>Positions, row-major [frame, particle, dim].</summary>
    public double[] Positions { get; }
    /// <summary>Velocities, row-major [frame, particle, dim].</summary>
    public double[] Velocities { get; }
    /// <summary>Charge of each particle (±1).</summary>
    public double[] Charges { get; }

    /// <summary>Coordinate <paramref name="dim"/> of <paramref name="particle"/>'s position at saved frame <paramref name="frame"/> (0-based indices).</summary>
    public double Position(int frame, int particle, int dim) => Positions[(frame * Particles + particle) * Dimensions + dim];
    /// <summary>Component <paramref name="dim"/> of <paramref name="particle"/>'s velocity at saved frame <paramref name="frame"/> (0-based indices).</summary>
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

    /// <summary>Number of samples (one trajectory each).</summary>
    public int Count { get; }
    /// <summary>Number of particles per sample.</summary>
    public int Particles { get; }
    /// <summary>Spatial dimension.</summary>
    public int Dimensions { get; }
    /// <summary>Positions at the input frame, row-major [sample, particle, dim].</summary>
    public double[] X0 { get; }
    /// <summary>Velocities at the input frame, row-major [sample, particle, dim].</summary>
    public double[] V0 { get; }
    /// <summary>Particle charges (±1), row-major [sample, particle].</summary>
    public double[] Charges { get; }
    /// <summary>Positions at the target frame (the prediction target), row-major [sample, particle, dim].</summary>
    public double[] XT { get; }
    /// <summary>Velocities at the target frame, row-major [sample, particle, dim].</summary>
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
/// <param name="Train">The training split.</param>
/// <param name="Validation">The validation split.</param>
/// <param name="Test">The test split.</param>
/// <param name="Options">The simulation settings and the input/target frames of every split.</param>
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
        int n = options.Particles, d = options.Dimensions;
        var charges = new double[n];
        for (int i = 0; i < n; i++) charges[i] = random.NextDouble() < 0.5 ? -1.0 : 1.0;
        var x = new double[n * d];
        var v = new double[n * d];
        for (int i = 0; i < n * d; i++) x[i] = Gaussian(random) * options.PositionStd;
        for (int i = 0; i < n * d; i++) v[i] = Gaussian(random);
        ScaleVelocities(v, n, d, options.VelocityNorm);
        ReflectIntoBox(x, v, options.BoxSize);
        return Integrate(charges, x, v, options);
    }

    /// <summary>
    /// Integrates from the initial state (x, v are [particle, dim] and are overwritten): the reference kick-drift
    /// scheme, v ← v + dt F(x) once, then for steps 1 … Steps − 1: x ← x + dt v, save (x, v) every SampleEvery steps,
    /// v ← v + dt F(x).
    /// </summary>
    internal static ChargedNBodyTrajectory Integrate(double[] charges, double[] x, double[] v, ChargedNBodyOptions options)
    {
        int n = options.Particles, d = options.Dimensions, frames = options.SavedFrames;
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

    /// <summary>Rescales each particle's velocity to the given norm (v ← v · norm / ‖v‖).</summary>
    static void ScaleVelocities(double[] v, int n, int d, double norm)
    {
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int k = 0; k < d; k++) s += v[i * d + k] * v[i * d + k];
            s = Math.Sqrt(s);
            for (int k = 0; k < d; k++) v[i * d + k] = v[i * d + k] * norm / s;
        }
    }

    /// <summary>
    /// The reference's wall treatment of the initial state: a coordinate beyond ±box is reflected back inside and
    /// its velocity component turned inwards (with positions N(0, 1) and box 5 this almost never happens).
    /// </summary>
    static void ReflectIntoBox(double[] x, double[] v, double box)
    {
        if (double.IsPositiveInfinity(box)) return;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] > box) { x[i] = 2 * box - x[i]; v[i] = -Math.Abs(v[i]); }
            else if (x[i] < -box) { x[i] = -2 * box - x[i]; v[i] = Math.Abs(v[i]); }
        }
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

    /// <summary>NumPy seed of the published EGNN data set (<c>nbody_small</c>).</summary>
    public const int ReferenceSeed = 43;

    /// <summary>Training trajectories drawn by the published generator before the validation ones (the benchmark uses the first 3,000).</summary>
    public const int ReferenceTrainSimulations = 10000;

    /// <summary>Validation trajectories drawn by the published generator before the test ones.</summary>
    public const int ReferenceValidationSimulations = 2000;

    /// <summary>
    /// Regenerates the published EGNN data set (Satorras et al. 2021, <c>nbody_small</c>): the random stream is NumPy's
    /// legacy <c>np.random.seed(seed)</c> (<see cref="ReferenceSeed"/> = 43), drawn in the reference generator's order:
    /// per trajectory the charges (one uniform each, −1 below ½), positions and velocities as <c>randn(dim, particles)</c>,
    /// then the two observation-noise arrays <c>randn(frames, dim, particles)</c> that the reference draws even though
    /// their scale is 0; first <paramref name="generatedTrain"/> training trajectories (the benchmark keeps the first
    /// <paramref name="train"/>), then <paramref name="generatedValidation"/> validation ones (the first
    /// <paramref name="validation"/> are kept), then the test ones. The integration is the same as
    /// <see cref="Generate"/>'s; it is chaotic, so trajectories match the reference's to rounding at the input frame
    /// but may drift apart by the target frame after close encounters.
    /// </summary>
    public static ChargedNBodyDataset GenerateReference(int train = 3000, int validation = 2000, int test = 2000,
        ChargedNBodyOptions? options = null, int seed = ReferenceSeed, int generatedTrain = ReferenceTrainSimulations,
        int generatedValidation = ReferenceValidationSimulations, int maxDegreeOfParallelism = -1)
    {
        options ??= new ChargedNBodyOptions();
        options.ValidateFrames();
        if (train < 1 || train > generatedTrain)
            throw new ArgumentOutOfRangeException(nameof(train), train, $"ChargedNBody.GenerateReference: the training split must have 1 to {generatedTrain} samples.");
        if (validation < 1 || validation > generatedValidation)
            throw new ArgumentOutOfRangeException(nameof(validation), validation, $"ChargedNBody.GenerateReference: the validation split must have 1 to {generatedValidation} samples.");
        if (test < 1) throw new ArgumentOutOfRangeException(nameof(test), test, "ChargedNBody.GenerateReference: the test split needs at least one sample.");
        if (seed < 0) throw new ArgumentOutOfRangeException(nameof(seed), seed, "ChargedNBody.GenerateReference: NumPy seeds are non-negative.");
        var random = new NumpyLegacyRandom((uint)seed);
        var trainStates = Draw(generatedTrain, train);
        var validationStates = Draw(generatedValidation, validation);
        var testStates = Enumerable.Range(0, test).Select(_ => ReferenceInitialState(random, options)).ToList();
        return new ChargedNBodyDataset(
            SimulateSet(trainStates, options, maxDegreeOfParallelism),
            SimulateSet(validationStates, options, maxDegreeOfParallelism),
            SimulateSet(testStates, options, maxDegreeOfParallelism),
            options);

        List<InitialState> Draw(int drawn, int kept)
        {
            var states = new List<InitialState>(kept);
            for (int i = 0; i < drawn; i++)
            {
                var state = ReferenceInitialState(random, options);
                if (i < kept) states.Add(state);
            }
            return states;
        }
    }

    sealed record InitialState(double[] Charges, double[] X, double[] V);

    /// <summary>Draws one trajectory's initial state (and skips its noise draws) from the NumPy stream, in the reference's order.</summary>
    static InitialState ReferenceInitialState(NumpyLegacyRandom random, ChargedNBodyOptions options)
    {
        int n = options.Particles, d = options.Dimensions;
        var charges = new double[n];
        for (int i = 0; i < n; i++) charges[i] = random.NextDouble() < 0.5 ? -1.0 : 1.0;
        // randn(dim, particles) is filled dimension-major; our arrays are [particle, dim].
        var x = new double[n * d];
        var v = new double[n * d];
        for (int k = 0; k < d; k++)
            for (int i = 0; i < n; i++) x[i * d + k] = random.NextGaussian() * options.PositionStd;
        for (int k = 0; k < d; k++)
            for (int i = 0; i < n; i++) v[i * d + k] = random.NextGaussian();
        ScaleVelocities(v, n, d, options.VelocityNorm);
        ReflectIntoBox(x, v, options.BoxSize);
        for (long i = 2L * options.SavedFrames * d * n; i > 0; i--) random.NextGaussian();
        return new InitialState(charges, x, v);
    }

    static ChargedNBodySet SimulateSet(IReadOnlyList<InitialState> states, ChargedNBodyOptions options, int parallelism) =>
        BuildSet(states.Count, options, parallelism, i => Integrate(states[i].Charges, (double[])states[i].X.Clone(), (double[])states[i].V.Clone(), options));

    static ChargedNBodySet GenerateSet(int seed, int split, int count, ChargedNBodyOptions options, int parallelism) =>
        BuildSet(count, options, parallelism, i => Simulate(new Random(SampleSeed(seed, split, i)), options));

    /// <summary>Runs <paramref name="trajectory"/> for every sample (in parallel) and keeps its input and target frames.</summary>
    static ChargedNBodySet BuildSet(int count, ChargedNBodyOptions options, int parallelism, Func<int, ChargedNBodyTrajectory> trajectory)
    {
        int n = options.Particles, d = options.Dimensions, size = n * d;
        var x0 = new double[count * size];
        var v0 = new double[count * size];
        var xt = new double[count * size];
        var vt = new double[count * size];
        var q = new double[count * n];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i =>
        {
            var t = trajectory(i);
            Array.Copy(t.Positions, options.InputFrame * size, x0, i * size, size);
            Array.Copy(t.Velocities, options.InputFrame * size, v0, i * size, size);
            Array.Copy(t.Positions, options.TargetFrame * size, xt, i * size, size);
            Array.Copy(t.Velocities, options.TargetFrame * size, vt, i * size, size);
            Array.Copy(t.Charges, 0, q, i * n, n);
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
