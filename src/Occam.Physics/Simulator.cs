using System.Globalization;
using static Occam.Physics.DormandPrince;

namespace Occam.Physics;

/// <summary>
/// What to simulate. <see cref="Steps"/> is the number of recorded frames (the first is the initial
/// state at t = 0) and <see cref="Dt"/> the time between two recorded frames; between frames the
/// integrator takes as many adaptive sub-steps as <see cref="Tolerance"/> needs.
/// </summary>
public sealed record SimulationOptions
{
    /// <summary>The particle system (default spring).</summary>
    public ParticleSystem System { get; init; } = ParticleSystem.Spring;

    /// <summary>Spatial dimension, 1 to 3 (default 2).</summary>
    public int Dim { get; init; } = 2;

    /// <summary>Bodies per simulation (default 4).</summary>
    public int Bodies { get; init; } = 4;

    /// <summary>Independent simulations (default 100).</summary>
    public int Sims { get; init; } = 100;

    /// <summary>Recorded frames per simulation, including the initial state (default 500).</summary>
    public int Steps { get; init; } = 500;

    /// <summary>Time between recorded frames; null means the system's paper step size.</summary>
    public double? Dt { get; init; }

    /// <summary>The seed; simulation k draws from its own stream (seed, k), so results never depend on threading.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Relative and absolute error tolerance per adaptive Dormand–Prince 5(4) sub-step (default 1e-10).
    /// At the default, conservative systems drift in energy by less than 1e-4 relative over a default run.
    /// </summary>
    public double Tolerance { get; init; } = 1e-10;

    /// <summary>
    /// Whether built-in systems advance four simulations at once in SIMD lanes with a shared adaptive step (the
    /// largest lane error decides), default true. Custom potentials always run one simulation at a time.
    /// </summary>
    public bool Vectorized { get; init; } = true;

    /// <summary>Threads to use; null means all cores.</summary>
    public int? MaxDegreeOfParallelism { get; init; }

    /// <summary>Standard deviation of the initial positions (default 1). Distillation tests extrapolation on data at twice
    /// the spread the network was trained on.</summary>
    public double PositionSpread { get; init; } = 1;

    /// <summary>The time between frames actually used.</summary>
    public double EffectiveDt => Dt ?? System.DefaultDt;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(System, nameof(System));
        if (Dim is < 1 or > 3) throw new ArgumentOutOfRangeException(nameof(Dim), Dim, "The dimension must be 1, 2 or 3.");
        if (Dim < System.MinimumDimension)
            throw new ArgumentException($"The potential uses dy or dz and needs at least {System.MinimumDimension} dimensions, not {Dim}.");
        if (Bodies < 1) throw new ArgumentOutOfRangeException(nameof(Bodies), Bodies, "The number of bodies must be at least 1.");
        if (Sims < 1) throw new ArgumentOutOfRangeException(nameof(Sims), Sims, "The number of simulations must be at least 1.");
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "The number of steps must be at least 1.");
        double dt = EffectiveDt;
        if (!(dt > 0) || double.IsInfinity(dt)) throw new ArgumentOutOfRangeException(nameof(Dt), dt, "The time step must be positive and finite.");
        if (!(Tolerance > 0 && Tolerance < 1)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "The tolerance must be in (0, 1).");
        if (!(PositionSpread > 0) || double.IsInfinity(PositionSpread))
            throw new ArgumentOutOfRangeException(nameof(PositionSpread), PositionSpread, "The position spread must be positive and finite.");
        if (MaxDegreeOfParallelism is < 1) throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Must be at least 1.");
        long values = (long)Sims * Steps * Bodies * Dim;
        if (values > Array.MaxLength)
            throw new ArgumentException($"{Sims} simulations × {Steps} steps × {Bodies} bodies × {Dim} dimensions is too large for one dataset.");
    }
}

/// <summary>Runs particle simulations: the façade for generating a <see cref="ParticleDataset"/>.</summary>
public static class Simulator
{
    /// <summary>Maximum adaptive sub-steps between two recorded frames before giving up.</summary>
    public const int MaxSubStepsPerFrame = 1_000_000;

    /// <summary>
    /// Simulates <see cref="SimulationOptions.Sims"/> independent systems in parallel. Initial positions
    /// ~ N(0, spread²) (<see cref="SimulationOptions.PositionSpread"/>), velocities ~ N(0, 1), masses = exp(N(0, 1)), charges ±1 with equal probability (drawn for every
    /// system, used only where the potential uses them), in that order from simulation k's own stream.
    /// </summary>
    /// <param name="options">What to simulate.</param>
    /// <param name="progress">Receives the number of finished simulations (from worker threads).</param>
    /// <param name="cancellationToken">Stops the run between sub-steps.</param>
    public static ParticleDataset Run(SimulationOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int sims = options.Sims, steps = options.Steps, n = options.Bodies, dim = options.Dim;
        int frame = n * dim;
        var positions = new double[(long)sims * steps * frame];
        var velocities = new double[positions.Length];
        var accelerations = new double[positions.Length];
        var masses = new double[sims * n];
        var charges = new double[sims * n];
        int done = 0;
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism ?? Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        var radial = options.System.Radial;
        try
        {
            if (options.Vectorized && radial is { } kind) RunBatches(kind);
            else RunSingly();
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Surface the first failure itself (a cancellation, or a clear integrator error), not the wrapper.
            var first = e.InnerExceptions.FirstOrDefault(x => x is not OperationCanceledException) ?? e.InnerExceptions[0];
            global::System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
        return new ParticleDataset(options.System, sims, steps, n, dim, options.EffectiveDt, options.Seed, options.Tolerance,
            positions, velocities, accelerations, masses, charges);

        void RunSingly() => Parallel.For(0, sims, parallel, () => new Integrator(options.System, n, dim, options.Tolerance), (s, _, integrator) =>
        {
            var (x0, v0, m, q) = InitialState(options.Seed, s, n, dim, options.PositionSpread);
            m.CopyTo(masses, s * n);
            q.CopyTo(charges, s * n);
            int offset = s * steps * frame;
            try
            {
                integrator.Run(x0, v0, m, q, options.EffectiveDt, steps,
                    positions.AsSpan(offset, steps * frame), velocities.AsSpan(offset, steps * frame),
                    accelerations.AsSpan(offset, steps * frame), cancellationToken);
            }
            catch (SimulationException e)
            {
                throw Failed(options.System, $"simulation {s}", e);
            }
            progress?.Report(Interlocked.Increment(ref done));
            return integrator;
        }, _ => { });

        void RunBatches(RadialKind kind)
        {
            const int lanes = IBatchIntegrator.Lanes;
            int batches = (sims + lanes - 1) / lanes;
            Parallel.For(0, batches, parallel,
                () => IBatchIntegrator.Create(options.System, kind, n, dim, options.Tolerance), (b, _, integrator) =>
            {
                var x0 = new double[lanes][];
                var v0 = new double[lanes][];
                var m = new double[lanes][];
                var q = new double[lanes][];
                var outputs = new (Memory<double>, Memory<double>, Memory<double>)?[lanes];
                int real = 0;
                for (int l = 0; l < lanes; l++)
                {
                    // Lanes past the last simulation still run their own simulation (index 4b + l), so a
                    // simulation's batch, and therefore its result, never depends on the total count.
                    int s = b * lanes + l;
                    (x0[l], v0[l], m[l], q[l]) = InitialState(options.Seed, s, n, dim, options.PositionSpread);
                    if (s >= sims) continue;
                    real++;
                    m[l].CopyTo(masses, s * n);
                    q[l].CopyTo(charges, s * n);
                    int offset = s * steps * frame;
                    outputs[l] = (positions.AsMemory(offset, steps * frame), velocities.AsMemory(offset, steps * frame),
                        accelerations.AsMemory(offset, steps * frame));
                }
                try
                {
                    integrator.Run(x0, v0, m, q, options.EffectiveDt, steps, outputs, cancellationToken);
                }
                catch (SimulationException e)
                {
                    throw Failed(options.System, $"simulations {b * lanes} to {b * lanes + lanes - 1}", e);
                }
                progress?.Report(Interlocked.Add(ref done, real));
                return integrator;
            }, _ => { });
        }
    }

    /// <summary>The integrator's failure with the system and the simulations named: one line that says what and where.</summary>
    static SimulationException Failed(ParticleSystem system, string which, SimulationException e)
    {
        string what = system.Expression is { } potential
            ? $"potential '{Occam.Symbolic.IO.MessageText.Excerpt(potential)}'" : $"system '{system.Name}'";
        return new SimulationException($"The {what} cannot be simulated ({which}): {e.Message}", e.Time, e);
    }

    /// <summary>Simulation k's initial state, from its own stream (seed, k): positions, velocities, masses, charges.</summary>
    static (double[] X, double[] V, double[] M, double[] Q) InitialState(long seed, int k, int n, int dim, double spread)
    {
        var rng = new SimulationRandom(seed, k);
        var x = new double[n * dim];
        var v = new double[n * dim];
        var m = new double[n];
        var q = new double[n];
        for (int i = 0; i < x.Length; i++) x[i] = spread * rng.NextNormal();
        for (int i = 0; i < v.Length; i++) v[i] = rng.NextNormal();
        for (int i = 0; i < n; i++) m[i] = Math.Exp(rng.NextNormal());
        for (int i = 0; i < n; i++) q[i] = rng.NextSign();
        return (x, v, m, q);
    }

    /// <summary>Integrates one simulation from a given initial state (body-major <c>n × dim</c> arrays).</summary>
    /// <returns>Positions, velocities and accelerations, each <c>steps × n × dim</c>.</returns>
    public static (double[] Positions, double[] Velocities, double[] Accelerations) Integrate(
        ParticleSystem system, double[] positions, double[] velocities, double[] masses, double[] charges,
        int dim, double dt, int steps, double tolerance = 1e-10)
    {
        ArgumentNullException.ThrowIfNull(system);
        int n = masses.Length;
        new SimulationOptions { System = system, Dim = dim, Bodies = Math.Max(1, n), Sims = 1, Steps = steps, Dt = dt, Tolerance = tolerance }.Validate();
        var a0 = new double[n * dim];
        system.Accelerations(positions, velocities, masses, charges, dim, a0); // validates lengths
        var x = new double[steps * n * dim];
        var v = new double[x.Length];
        var a = new double[x.Length];
        new Integrator(system, n, dim, tolerance).Run((double[])positions.Clone(), (double[])velocities.Clone(),
            masses, charges, dt, steps, x, v, a, CancellationToken.None);
        return (x, v, a);
    }
}

/// <summary>
/// Adaptive Dormand–Prince 5(4) with FSAL and the standard step-size controller (Hairer, Nørsett &amp;
/// Wanner, "Solving ODEs I", II.4), on y = (x, v), y' = (v, a(x, v)). Error norm: RMS over components of
/// err / (tol + tol·max(|y₀|, |y₁|)). Sub-steps end exactly on every recorded frame.
/// </summary>
internal sealed class Integrator
{
    readonly ParticleSystem _system;
    readonly int _n, _dim, _size;
    readonly double _tol;
    readonly double[] _y, _yNew, _yTmp, _k1, _k2, _k3, _k4, _k5, _k6, _k7;
    double[] _m = [], _q = [];

    public Integrator(ParticleSystem system, int n, int dim, double tolerance)
    {
        _system = system;
        _n = n;
        _dim = dim;
        _size = 2 * n * dim;
        _tol = tolerance;
        _y = new double[_size];
        _yNew = new double[_size];
        _yTmp = new double[_size];
        _k1 = new double[_size];
        _k2 = new double[_size];
        _k3 = new double[_size];
        _k4 = new double[_size];
        _k5 = new double[_size];
        _k6 = new double[_size];
        _k7 = new double[_size];
    }

    void Derivative(double[] y, double[] dy)
    {
        int half = _n * _dim;
        Array.Copy(y, half, dy, 0, half);
        _system.AccelerationsUnchecked(y.AsSpan(0, half), y.AsSpan(half, half), _m, _q, _dim, dy.AsSpan(half, half));
    }

    public void Run(double[] x0, double[] v0, double[] m, double[] q, double dt, int steps,
        Span<double> xs, Span<double> vs, Span<double> accs, CancellationToken cancellationToken)
    {
        _m = m;
        _q = q;
        int half = _n * _dim;
        x0.CopyTo(_y, 0);
        v0.CopyTo(_y, half);
        Derivative(_y, _k1);
        foreach (double a in _k1.AsSpan(half))
            if (!double.IsFinite(a)) throw new SimulationException("the forces are infinite or NaN at t = 0", 0);
        Record(0, xs, vs, accs);
        double h = dt;
        for (int frame = 1; frame < steps; frame++)
        {
            AdaptiveStep.AdvanceFrame(dt, ref h, frame, Attempt, Accept, cancellationToken);
            Record(frame, xs, vs, accs);
        }
    }

    void Accept()
    {
        Array.Copy(_yNew, _y, _size);
        Array.Copy(_k7, _k1, _size); // FSAL
    }

    void Record(int frame, Span<double> xs, Span<double> vs, Span<double> accs)
    {
        int half = _n * _dim;
        _y.AsSpan(0, half).CopyTo(xs.Slice(frame * half, half));
        _y.AsSpan(half, half).CopyTo(vs.Slice(frame * half, half));
        // k1 holds f(y) at the current state (FSAL): its second half is the exact acceleration there.
        _k1.AsSpan(half, half).CopyTo(accs.Slice(frame * half, half));
    }

    /// <summary>One trial step of size h from _y (with _k1 = f(_y)); leaves the result in _yNew, f(_yNew) in _k7; returns the error norm.</summary>
    double Attempt(double h)
    {
        int s = _size;
        ReadOnlySpan<double> y = _y, k1 = _k1, k2 = _k2, k3 = _k3, k4 = _k4, k5 = _k5, k6 = _k6, k7 = _k7;
        Span<double> t = _yTmp, yNew = _yNew;
        y = y[..s];
        t = t[..s];
        yNew = yNew[..s];
        k1 = k1[..s];
        for (int i = 0; i < t.Length; i++) t[i] = y[i] + h * A21 * k1[i];
        Derivative(_yTmp, _k2);
        k2 = k2[..s];
        for (int i = 0; i < t.Length; i++) t[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i]);
        Derivative(_yTmp, _k3);
        k3 = k3[..s];
        for (int i = 0; i < t.Length; i++) t[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
        Derivative(_yTmp, _k4);
        k4 = k4[..s];
        for (int i = 0; i < t.Length; i++) t[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
        Derivative(_yTmp, _k5);
        k5 = k5[..s];
        for (int i = 0; i < t.Length; i++) t[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
        Derivative(_yTmp, _k6);
        k6 = k6[..s];
        for (int i = 0; i < yNew.Length; i++) yNew[i] = y[i] + h * (A71 * k1[i] + A73 * k3[i] + A74 * k4[i] + A75 * k5[i] + A76 * k6[i]);
        Derivative(_yNew, _k7);
        k7 = k7[..s];
        double sum = 0;
        for (int i = 0; i < yNew.Length; i++)
        {
            double e = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
            double scale = _tol + _tol * Math.Max(Math.Abs(y[i]), Math.Abs(yNew[i]));
            double ratio = e / scale;
            sum += ratio * ratio;
        }
        return Math.Sqrt(sum / s);
    }
}

/// <summary>
/// The adaptive step-size control shared by the scalar and the SIMD Dormand–Prince integrators: advances exactly one
/// frame of length dt in sub-steps (the last one shortened to land on the frame), retries a non-finite attempt with a
/// tenth of the step, and gives up with a <see cref="SimulationException"/> after
/// <see cref="Simulator.MaxSubStepsPerFrame"/> sub-steps or when the step underflows.
/// </summary>
internal static class AdaptiveStep
{
    /// <param name="dt">Time between frames.</param>
    /// <param name="h">The proposed step; updated for the next frame.</param>
    /// <param name="frame">The frame being reached (for messages).</param>
    /// <param name="attempt">Tries a step of the given size and returns its scaled error (≤ 1 accepts it).</param>
    /// <param name="accept">Makes the last attempt the current state.</param>
    /// <param name="cancellationToken">Checked on entry and every 1,024 sub-steps; cancellation throws <see cref="OperationCanceledException"/>.</param>
    public static void AdvanceFrame(double dt, ref double h, int frame, Func<double, double> attempt, Action accept, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        double remaining = dt;
        int substeps = 0;
        double Time() => (frame - 1) * dt + (dt - remaining);
        string At() => string.Create(CultureInfo.InvariantCulture, $"t = {Time():G6}, between frames {frame - 1} and {frame}");
        while (remaining > 0)
        {
            if ((++substeps & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (substeps > Simulator.MaxSubStepsPerFrame)
                throw new SimulationException(
                    $"the integrator needed more than {Simulator.MaxSubStepsPerFrame} sub-steps at {At()}; the tolerance may be too strict", Time());
            bool last = h >= remaining * (1 - 1e-12);
            double step = last ? remaining : h;
            double err = attempt(step);
            if (!double.IsFinite(err))
            {
                h = step * 0.1;
                if (h < 1e-14 * dt) throw new SimulationException($"the state became infinite or NaN at {At()}", Time());
                continue;
            }
            double factor = err == 0 ? 5 : Math.Clamp(0.9 * Math.Pow(err, -0.2), 0.2, 5);
            if (err <= 1)
            {
                accept();
                remaining = last ? 0 : remaining - step;
                // After a step shortened to land on the frame keep the larger earlier proposal unless the error says shrink.
                h = last && factor >= 1 ? Math.Max(h, step * factor) : step * factor;
            }
            else
            {
                h = step * Math.Max(factor, 0.1);
                if (h < 1e-14 * dt)
                    throw new SimulationException($"the step size underflowed at {At()}", Time());
            }
        }
    }
}
