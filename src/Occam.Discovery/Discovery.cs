using System.Diagnostics;
using Occam.Physics;
using Occam.Symbolic;
using static TorchSharp.torch;

namespace Occam.Discovery;

/// <summary>
/// Everything one symbolic-distillation run needs. <see cref="Quick"/> and <see cref="Paper"/> give the two presets;
/// override single settings with <c>with</c>.
/// </summary>
public sealed record DiscoveryOptions
{
    /// <summary>Particle system: spring, r1, r2, charge, damped, discontinuous or custom (with <see cref="Potential"/>).</summary>
    public string System { get; init; } = "spring";
    /// <summary>Custom pair potential (system "custom").</summary>
    public string? Potential { get; init; }
    /// <summary>Spatial dimension, 2 or 3 (default 2).</summary>
    public int Dim { get; init; } = 2;
    /// <summary>Bodies per simulation, i.e. nodes per graph (default 4).</summary>
    public int Bodies { get; init; } = 4;
    /// <summary>How the messages are constrained (default <see cref="MessageVariant.L1"/>).</summary>
    public MessageVariant Variant { get; init; } = MessageVariant.L1;
    /// <summary>Name of the preset these settings came from (reported only).</summary>
    public string Preset { get; init; } = "quick";
    /// <summary>Seeds the simulations, the network's initial weights, the training batches and the symbolic searches (default 0).</summary>
    public int Seed { get; init; }

    /// <summary>Simulations to generate (see <see cref="ShortRunsForSmallSteps"/>).</summary>
    public int Sims { get; init; } = 500;
    /// <summary>Recorded frames per simulation.</summary>
    public int Frames { get; init; } = 100;
    /// <summary>
    /// For systems whose frames are less than 0.01 apart (r1, r2, charge, custom), simulate forty times more simulations
    /// of a tenth of the frames (500 × 100 → 20,000 × 10: four times the samples; simulating them takes about a second).
    /// Their bodies barely move between frames, so 500 simulations are only 500 configurations. Measured on r2 (seed 0,
    /// messages' R² against F / m): 5,000 × 10 frames lifted it from 0.30 / 0.84 to 0.96 / 0.78 (L1) and from
    /// 0.82 / 0.79 to 0.93 / 0.92 (bottleneck); 20,000 × 10 to 0.996 / 0.992 (bottleneck, recovered). For spring, by
    /// contrast, 500 × 100 frames recovered the law with both variants and 5,000 × 10 with neither (docs/discover.md).
    /// </summary>
    public bool ShortRunsForSmallSteps { get; init; } = true;
    /// <summary>Integrator tolerance of the simulator.</summary>
    public double SimulationTolerance { get; init; } = 1e-8;

    /// <summary>Hidden width of both MLPs.</summary>
    public int Hidden { get; init; } = 128;
    /// <summary>Hidden layers of both MLPs.</summary>
    public int HiddenLayers { get; init; } = 3;
    /// <summary>Message size; null: the variant's default.</summary>
    public int? MessageSize { get; init; }
    /// <summary>Regulariser weight; null: the variant's default.</summary>
    public double? Alpha { get; init; }
    /// <summary>Start the edge model translation invariant (see <see cref="NetworkOptions.DifferenceInit"/>).</summary>
    public bool DifferenceInit { get; init; } = true;
    /// <summary>Total optimizer steps; the one-cycle schedule spans them (default 30,000).</summary>
    public int Steps { get; init; } = 30000;
    /// <summary>Graphs (snapshots) per optimizer step (default 64).</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Peak learning rate of the one-cycle schedule (default 1e-2; the paper: 1e-3).</summary>
    public double LearningRate { get; init; } = 1e-2;
    /// <summary>Adam weight decay (default 1e-8, the paper's).</summary>
    public double WeightDecay { get; init; } = 1e-8;
    /// <summary>Standard deviation of the random translation of all positions, one per batch (default 3, the paper's).</summary>
    public double TranslationStd { get; init; } = 3.0;
    /// <summary>Checkpoint directory (null: no checkpoints).</summary>
    public string? CheckpointDirectory { get; init; }
    /// <summary>Write a checkpoint every this many steps (default 1,000); ignored when <see cref="CheckpointDirectory"/> is null.</summary>
    public int CheckpointEvery { get; init; } = 1000;
    /// <summary>Continue from the checkpoint in <see cref="CheckpointDirectory"/> when there is one.</summary>
    public bool Resume { get; init; }

    /// <summary>Edges recorded for the analysis and the symbolic regression.</summary>
    public int AnalysisEdges { get; init; } = 1200;
    /// <summary>Fresh edges for the recovery check.</summary>
    public int FreshEdges { get; init; } = 5000;
    /// <summary>Rounds of each search (one on the force frame's magnitude, or one per component; a round evolves every
    /// island once); null: run until <see cref="SymbolicTimeLimit"/>. A fixed number of rounds makes the run
    /// deterministic whatever the machine's load. On the magnitude, 10 rounds (≈ 40–70 s on the loaded 2-core machine)
    /// recovered r1 2D bottleneck, spring 3D L1 and r2 3D L1 from networks on which 30 rounds per component did not
    /// (docs/discover.md).</summary>
    public int? SymbolicRounds { get; init; } = 10;
    /// <summary>Wall-clock cap of each component's symbolic regression (the budget itself when
    /// <see cref="SymbolicRounds"/> is null).</summary>
    public TimeSpan SymbolicTimeLimit { get; init; } = TimeSpan.FromSeconds(300);
    /// <summary>Maximum expression size of the symbolic regression; per-component searches in 3D allow
    /// <see cref="SymbolicMaxSizeExtra3D"/> more.</summary>
    public int SymbolicMaxSize { get; init; } = 20;
    /// <summary>
    /// Extra expression size for 3D: a component there combines three coordinates, not two. Spring 3D bottleneck
    /// (seed 0): with size 20 every search settled on r·(a·dx + b·dy + c·dz)/m1 (size 15; fresh-edge R² 0.94–0.96), with
    /// 25 on (a + b/r)·(…)/m1 (size 19–23; R² ≥ 0.9998, recovered).
    /// </summary>
    public const int SymbolicMaxSizeExtra3D = 5;
    /// <summary>
    /// Take the receiver-mass factor out of the selected magnitude: when h = s(m1)·g(r, m2, q1, q2) at its top level, the
    /// recovered law is g. The node model sees the receiver's own features, so messages s(m1)·F predict the accelerations
    /// as well as F for any factor s of the receiver's mass (F and F / m1 are two cases), and the loss cannot choose it.
    /// Networks learn blends such as (0.020 + 0.026/m1)·F, which match neither F nor F / m1 (docs/discover.md).
    /// </summary>
    public bool SeparateReceiverFactor { get; init; } = true;
    /// <summary>
    /// Search the magnitude's law up to a smooth factor of the receiver's mass: the search's loss fits that factor itself
    /// (<see cref="ReceiverScale"/>), so the search need not find it as an expression. m1 stays among the inputs, for laws
    /// in which it is not a factor. Re-distilling the quick preset's 16 seed-0 networks (10 rounds): the same 13
    /// recovered as with the factor split alone, the fresh-edge R² of the three others up (charge 2D L1 0.68 → 0.90,
    /// discontinuous 2D 0.90–0.93 → 0.95), a fifth of the evaluations (each distillation 8–15 s instead of 42–63 s; with a
    /// custom loss the engine's constant fits skip their L1 reweighting rounds) (docs/discover.md).
    /// </summary>
    public bool ReceiverScaledSearch { get; init; } = true;
    /// <summary>The searches fit only recorded edges at least this far apart. Closer in, the simulated force is softened
    /// (r + 0.01) and the network has few, huge samples: with them, L1 fits of 1/r² messages favoured softened laws. When
    /// fewer than half the edges are that far apart (a user's data on another length scale), the searches fit all.</summary>
    public double SearchMinDistance { get; init; } = SymbolicDistillation.RecoveryMinDistance;
    /// <summary>Threads for the symbolic regression and the simulator (null: all cores).</summary>
    public int? Threads { get; init; }
    /// <summary>Where the component searches' islands evolve: null for threads here, or a cluster's runner
    /// (<c>Occam.Symbolic.Cluster.ClusterHead.Runner</c>); the fronts are the same either way.</summary>
    public IslandRunner? SymbolicIslandRunner { get; init; }

    /// <summary>The quick preset: a small network, a short high-learning-rate run; minutes on 2 cores.</summary>
    public static DiscoveryOptions Quick { get; } = new();

    /// <summary>The paper's settings: 10,000 simulations, hidden 300 × 3, batch 64, peak lr 1e-3, ≈10⁶ steps.</summary>
    public static DiscoveryOptions Paper { get; } = new()
    {
        Preset = "paper", DifferenceInit = false, ShortRunsForSmallSteps = false, Sims = 10000, Frames = 200, SimulationTolerance = 1e-10, Hidden = 300, HiddenLayers = 3,
        Steps = 1_000_000, BatchSize = 64, LearningRate = 1e-3, CheckpointEvery = 10000, AnalysisEdges = 5000,
        SymbolicRounds = null, SymbolicTimeLimit = TimeSpan.FromMinutes(10), SymbolicMaxSize = 30,
    };

    /// <summary>These options with <see cref="ShortRunsForSmallSteps"/> applied to <see cref="Sims"/> and <see cref="Frames"/>
    /// (and then switched off, so applying it again changes nothing).</summary>
    public DiscoveryOptions WithDataShape()
    {
        if (!ShortRunsForSmallSteps) return this;
        bool small = ParticleSystem.FromName(System, Potential).DefaultDt < 0.01;
        return small && Frames >= 10
            ? this with { Sims = Sims * 40, Frames = Frames / 10, ShortRunsForSmallSteps = false }
            : this with { ShortRunsForSmallSteps = false };
    }

    /// <summary>
    /// The preset with this name ("quick" or "paper") for <paramref name="system"/> and <paramref name="variant"/>. The
    /// quick preset trains charge at the paper's peak learning rate 1e-3 instead of 1e-2, 60,000 steps instead of 30,000:
    /// at 1e-2 its bottleneck messages reached R² 0.75 / 0.12 and every L1 message switched off; at 1e-3 with 60,000 steps
    /// both variants recover q1 q2/r² at seed 0 (docs/discover.md; L1 since the law is selected on the accelerations,
    /// <see cref="AccelerationJudge"/>, before which it needed 120,000 steps).
    /// </summary>
    public static DiscoveryOptions FromPreset(string name, string system = "spring", MessageVariant variant = MessageVariant.L1)
    {
        var preset = name.Trim().ToLowerInvariant() switch
        {
            "quick" => Quick,
            "paper" => Paper,
            _ => throw new ArgumentException($"unknown preset '{name}': expected quick or paper"),
        };
        preset = preset with { System = system, Variant = variant };
        if (preset.Preset != "quick" || system != "charge") return preset;
        return preset with { Steps = 60_000, LearningRate = 1e-3 };
    }

    /// <summary>The network settings in effect.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public NetworkOptions Network => new(Dim, Variant, Hidden, HiddenLayers, MessageSize, Alpha, DifferenceInit);

    /// <summary>The training settings in effect.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TrainingOptions Training => new(Steps, BatchSize, LearningRate, WeightDecay, TranslationStd, Seed,
        CheckpointDirectory is null ? 0 : CheckpointEvery, CheckpointDirectory, Math.Max(1, Steps / 200));
}

/// <summary>Stage and progress of a discovery run.</summary>
/// <param name="Stage">The stage: "simulate", "train", "symbolic regression", "out-of-distribution check", ….</param>
/// <param name="Fraction">Fraction of the stage done, 0 to 1.</param>
/// <param name="Detail">A human-readable detail (current loss, best expression, …).</param>
public sealed record DiscoveryProgress(string Stage, double Fraction, string Detail);

/// <summary>The symbolic distillation of one significant message component.</summary>
/// <param name="Fit">The component's linear fit to the force.</param>
/// <param name="Best">Its equation: the search's selection, or, when the search ran on the force frame's magnitude, the
/// component's linear map of the frame's axes' equations.</param>
/// <param name="Search">The search on this component; null when the search ran on the force frame's magnitude.</param>
public sealed record DistilledComponent(ComponentFit Fit, ParetoEntry Best, SymbolicRegressionResult? Search);

/// <summary>
/// The distillation in the force frame (see <see cref="ForceFrame"/>): its axes u are parallel to Δx, u = h·Δx / r, so
/// one search on the signed magnitude h = u·Δx / r (the force law itself, up to scale) gives every axis.
/// </summary>
/// <param name="Search">The search on h with the rotation invariants (r, m1, m2, q1, q2) as inputs; its expressions index
/// those. Every other expression here uses the record's pair features.</param>
/// <param name="R2VsForce">R² of a linear fit of h on the true force's signed magnitude F·Δx / r.</param>
/// <param name="R2VsForcePerMass">The same against F·Δx / (r·m_receiver).</param>
/// <param name="Best">The selected entry of the search's front: by PySR's "best" rule on <paramref name="AccelerationLoss"/>
/// when the record has accelerations, else by the paper's score on the search's loss (with each entry's complexity
/// counted without its receiver factor when that is separated).</param>
/// <param name="Magnitude">The selected h (with a receiver-scaled search, its constants refitted under that loss:
/// <see cref="ReceiverScale.RefitConstants"/>).</param>
/// <param name="ReceiverFactor">The factor of h that depends on the receiver's mass alone (see
/// <see cref="DiscoveryOptions.SeparateReceiverFactor"/>); null when there is none.</param>
/// <param name="Law">h without <paramref name="ReceiverFactor"/>: the force law's magnitude, up to scale.</param>
/// <param name="Axes">Each axis's law, <paramref name="Law"/>·Δx_a / r: the recovered force.</param>
/// <param name="Scale">With <see cref="DiscoveryOptions.ReceiverScaledSearch"/>, the whole receiver factor s(m1) of the
/// messages, fitted as the search's loss fits it: h ≈ s(m1)·<paramref name="Law"/>; null otherwise.</param>
/// <param name="AccelerationLoss">Per entry of the search's front, the <see cref="AccelerationJudge"/>'s loss of its law
/// (constants refitted to the accelerations, floored at the data's precision); null when the record has no accelerations.</param>
public sealed record RadialDistillation(SymbolicRegressionResult Search, double R2VsForce, double R2VsForcePerMass,
    ParetoEntry Best, Expression Magnitude, Expression? ReceiverFactor, Expression Law, Expression[] Axes, ReceiverScaleFit? Scale,
    double[]? AccelerationLoss = null);

/// <summary>The check of the recovered expressions against the known law on fresh edges.</summary>
/// <param name="Recovered">True when both checks pass.</param>
/// <param name="R2">Per target component (force axis, or the potential), R² of its best linear fit on the expressions.</param>
/// <param name="PerMass">True when the comparison was against F / m_receiver (U / m_receiver).</param>
/// <param name="StructureOk">True when the expressions use the variables the law needs.</param>
/// <param name="Missing">Variables the law needs that no expression uses.</param>
/// <param name="Reason">Why it failed, or "ok".</param>
/// <param name="MinDistance">Fresh edges closer than this were left out of <paramref name="R2"/> (the softening core).</param>
/// <param name="R2AllEdges">The same R² over every fresh edge, the softening core included (reported, not judged).</param>
/// <param name="R2Wide">The same R² on fresh edges at twice the position spread (linear map fitted there), judged like
/// <paramref name="R2"/>; null when the check had no such edges.</param>
public sealed record RecoveryCheck(bool Recovered, double[] R2, bool PerMass, bool StructureOk, string[] Missing, string Reason,
    double MinDistance = 0, double[]? R2AllEdges = null, double[]? R2Wide = null);

/// <summary>The outcome of <see cref="SymbolicDistillation.Distill"/>.</summary>
/// <param name="Frame">The force frame fitted to the components (null for the Hamiltonian variant or when the number
/// of significant components differs from the dimension).</param>
/// <param name="Radial">The search on the frame's signed magnitude, when the frame was usable; otherwise null and each
/// component was searched itself.</param>
/// <param name="Record">The recorded messages and pair features of the analysed edges (<see cref="DiscoveryOptions.AnalysisEdges"/>).</param>
/// <param name="Analysis">The analysis of those messages: components ranked by spread, the significant ones fitted to the force.</param>
/// <param name="Components">The distillation of each significant message component.</param>
/// <param name="Recovery">The check against the known law on fresh edges; not recovered, with reason "no known law to compare
/// with", when the system's law is unknown.</param>
public sealed record DistillationResult(MessageRecord Record, MessageAnalysisResult Analysis, DistilledComponent[] Components,
    RecoveryCheck Recovery, ForceFrame? Frame = null, RadialDistillation? Radial = null)
{
    /// <summary>The expressions the recovery check judged: the frame's axes, or else the components' equations.</summary>
    public Expression[] Expressions => Radial?.Axes ?? Components.Select(c => c.Best.Expression).ToArray();
}

/// <summary>Acceleration error (mean over nodes of ‖a_pred − a_true‖₁) of the network and of the recovered equations
/// (mapped linearly onto the force, summed over senders, divided by the receiver mass where needed), in distribution
/// and on data with twice the position spread.</summary>
/// <param name="Damping">The damping b of a force −b·v on each body, fitted to what the recovered pair forces leave of the
/// calibration's accelerations and added to the equations' predictions (≈ 0 where there is none).</param>
/// <param name="NetworkError">The network's error on fresh simulations like the training data.</param>
/// <param name="EquationError">The recovered equations' error on the same data.</param>
/// <param name="NetworkErrorOod">The network's error on fresh simulations at twice the position spread.</param>
/// <param name="EquationErrorOod">The recovered equations' error on those.</param>
public sealed record OutOfDistributionCheck(double NetworkError, double EquationError, double NetworkErrorOod, double EquationErrorOod,
    double Damping = 0);

/// <summary>The outcome of a whole discovery run.</summary>
/// <param name="Options">The settings the run used (dimension, bodies and system those of the data set).</param>
/// <param name="System">Name of the particle system.</param>
/// <param name="LossCurve">The training loss curve.</param>
/// <param name="TrainLoss">Loss of the last training step.</param>
/// <param name="Distillation">The symbolic distillation and its recovery check.</param>
/// <param name="TrainSeconds">Wall-clock seconds of the training (0 when a trained model was loaded).</param>
/// <param name="Seconds">Wall-clock seconds of the whole run.</param>
/// <param name="OutOfDistribution">The network and the equations compared in and out of distribution; null for the Hamiltonian variant.</param>
public sealed record DiscoveryResult(DiscoveryOptions Options, string System, IReadOnlyList<LossPoint> LossCurve,
    double TrainLoss, DistillationResult Distillation, double TrainSeconds, double Seconds, OutOfDistributionCheck? OutOfDistribution = null)
{
    /// <summary>True when the distillation's recovery check passed (<see cref="RecoveryCheck.Recovered"/>).</summary>
    public bool Recovered => Distillation.Recovery.Recovered;
}

/// <summary>
/// The symbolic distillation pipeline (Cranmer et al. 2020): simulate → train a sparse message-passing network →
/// record messages → pick significant components → linear fits to the true force (R²) → symbolic regression on each
/// → recovery check against the known law on fresh edges.
/// </summary>
public static class SymbolicDistillation
{
    /// <summary>Simulates the system the options name.</summary>
    public static ParticleDataset Simulate(DiscoveryOptions options, long seedOffset = 0, double positionScale = 1,
        IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        options = options.WithDataShape();
        var system = ParticleSystem.FromName(options.System, options.Potential);
        var sim = new SimulationOptions
        {
            System = system, Dim = options.Dim, Bodies = options.Bodies, Sims = options.Sims, Steps = options.Frames,
            Seed = options.Seed + seedOffset, Tolerance = options.SimulationTolerance, MaxDegreeOfParallelism = options.Threads,
        };
        var data = Simulator.Run(sim, progress, cancel);
        return positionScale == 1 ? data : Rescaled(data, sim with { Sims = Math.Max(1, options.Sims / 10) }, positionScale, cancel);
    }

    static ParticleDataset Rescaled(ParticleDataset template, SimulationOptions sim, double scale, CancellationToken cancel)
    {
        // Out-of-distribution data: initial positions with `scale` times the spread, integrated by the simulator.
        int n = sim.Bodies, dim = sim.Dim, sims = sim.Sims, steps = sim.Steps;
        var rng = new Random((int)(sim.Seed & 0x7FFFFFFF) ^ 0x5EED);
        var positions = new double[(long)sims * steps * n * dim];
        var velocities = new double[positions.Length];
        var accelerations = new double[positions.Length];
        var masses = new double[sims * n];
        var charges = new double[sims * n];
        for (int s = 0; s < sims; s++)
        {
            cancel.ThrowIfCancellationRequested();
            var x0 = new double[n * dim];
            var v0 = new double[n * dim];
            for (int i = 0; i < x0.Length; i++) x0[i] = scale * Normal(rng);
            for (int i = 0; i < v0.Length; i++) v0[i] = Normal(rng);
            for (int i = 0; i < n; i++) masses[s * n + i] = Math.Exp(Normal(rng));
            for (int i = 0; i < n; i++) charges[s * n + i] = rng.Next(2) == 0 ? -1 : 1;
            var (x, v, a) = Simulator.Integrate(sim.System, x0, v0, masses.AsSpan(s * n, n).ToArray(), charges.AsSpan(s * n, n).ToArray(),
                dim, sim.EffectiveDt, steps, sim.Tolerance);
            x.CopyTo(positions, (long)s * steps * n * dim);
            v.CopyTo(velocities, (long)s * steps * n * dim);
            a.CopyTo(accelerations, (long)s * steps * n * dim);
        }
        return new ParticleDataset(sim.System, sims, steps, n, dim, sim.EffectiveDt, sim.Seed, sim.Tolerance,
            positions, velocities, accelerations, masses, charges);
    }

    static double Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Node features [position, velocity, charge, mass] and accelerations of every frame of a data set.</summary>
    public static ParticleData ToParticleData(ParticleDataset data)
    {
        int n = data.Bodies, dim = data.Dim, f = 2 * dim + 2;
        int samples = data.Sims * data.Steps;
        var nodes = new float[(long)samples * n * f];
        var acc = new float[(long)samples * n * dim];
        for (int s = 0; s < data.Sims; s++)
        {
            for (int t = 0; t < data.Steps; t++)
            {
                int sample = s * data.Steps + t;
                for (int i = 0; i < n; i++)
                {
                    long o = ((long)sample * n + i) * f;
                    for (int d = 0; d < dim; d++)
                    {
                        int k = data.Index(s, t, i, d);
                        nodes[o + d] = (float)data.Positions[k];
                        nodes[o + dim + d] = (float)data.Velocities[k];
                        acc[((long)sample * n + i) * dim + d] = (float)data.Accelerations[k];
                    }
                    nodes[o + 2 * dim] = (float)data.Charges[s * n + i];
                    nodes[o + 2 * dim + 1] = (float)data.Masses[s * n + i];
                }
            }
        }
        return new ParticleData(nodes, acc, samples, n, dim);
    }

    /// <summary>The system's exact pair law as a <see cref="PairLaw"/>.</summary>
    public static PairLaw LawOf(ParticleSystem system) =>
        (delta, m1, m2, q1, q2, force) =>
        {
            system.PairForce(delta, m1, m2, q1, q2, force);
            return system.PairPotential(delta, m1, m2, q1, q2);
        };

    /// <summary>Builds and trains the network; resumes from the checkpoint when asked and present.</summary>
    public static (ParticleNetwork Network, IReadOnlyList<LossPoint> Curve, double LastLoss) Train(DiscoveryOptions options, ParticleData data,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        manual_seed(options.Seed);
        var network = new ParticleNetwork(options.Network);
        using var trainer = new Trainer(network, data, options.Training);
        if (options.Resume && options.CheckpointDirectory is not null && Trainer.HasCheckpoint(options.CheckpointDirectory))
            trainer.LoadCheckpoint(options.CheckpointDirectory);
        trainer.Run(progress, cancel);
        if (options.CheckpointDirectory is not null) trainer.SaveCheckpoint(options.CheckpointDirectory);
        return (network, trainer.LossCurve.ToList(), trainer.LastLoss);
    }

    /// <summary>The symbolic regression settings of one search (a message component, or the force frame's magnitude).</summary>
    /// <param name="options">The run's settings: maximum size, rounds, time limit, threads and seed.</param>
    /// <param name="system">Name of the particle system; "discontinuous" adds the <c>cond</c> operator to + − × ÷.</param>
    /// <param name="dim">Spatial dimension.</param>
    /// <param name="names">Names of the search's input variables.</param>
    /// <param name="component">Index of the search among the run's searches; the seed is Seed·31 + component.</param>
    /// <param name="aligned">True for the force frame's magnitude, a function of r, masses and charges; a raw component
    /// also mixes the coordinates, so in 3D it gets <see cref="DiscoveryOptions.SymbolicMaxSizeExtra3D"/> more nodes.</param>
    public static SymbolicRegressionOptions SearchOptions(DiscoveryOptions options, string system, int dim, string[] names, int component,
        bool aligned = false)
    {
        bool discontinuous = system == "discontinuous";
        return new SymbolicRegressionOptions
        {
            VariableNames = names,
            BinaryOperators = discontinuous ? ["+", "-", "*", "/", "cond"] : ["+", "-", "*", "/"],
            UnaryOperators = [],
            MaxSize = options.SymbolicMaxSize + (dim == 3 && !aligned ? DiscoveryOptions.SymbolicMaxSizeExtra3D : 0),
            Seed = options.Seed * 31 + component,
            TimeLimit = options.SymbolicTimeLimit,
            MaxRounds = options.SymbolicRounds,
            Threads = options.Threads,
            IslandRunner = options.SymbolicIslandRunner,
            PlateauRounds = null,
            Loss = LossKind.L1, // the paper fits by mean absolute error; robust to the network's outliers
            // The paper's selection: the largest −Δln(loss)/Δcomplexity. PySR's "best" also requires loss ≤ 1.5× the front's
            // minimum, which excludes the law whenever larger forms fit the network's own imperfections (softened 1/r²
            // near r = 0, receiver-mass blends) by more than that: then it selected them over m2/r² and q1·q2/r².
            ModelSelection = ModelSelection.Score,
        };
    }

    /// <summary>
    /// Records messages, analyses them, runs symbolic regression on each significant component, and checks the
    /// recovered expressions against the law on <paramref name="fresh"/> data (when the law is known).
    /// </summary>
    public static DistillationResult Distill(ParticleNetwork network, ParticleData data, ParticleSystem? system, ParticleData? fresh,
        DiscoveryOptions options, IProgress<DiscoveryProgress>? progress = null, CancellationToken cancel = default)
    {
        var law = system is null ? null : LawOf(system);
        bool hamiltonian = network.Options.Variant == MessageVariant.Hamiltonian;
        var record = MessageRecord.Record(network, data, law, options.AnalysisEdges, options.Seed + 17);
        var analysis = MessageAnalysis.Analyze(record, hamiltonian: hamiltonian);
        var result = DistillRecord(record, analysis, system?.Name ?? "", hamiltonian, options, progress, cancel);
        if (system is null || law is null) return result;
        var freshRecord = MessageRecord.Record(network, fresh ?? data, law, options.FreshEdges, options.Seed + 991);
        var wideRecord = MessageRecord.Record(network, WideData(options, cancel), law, options.FreshEdges, options.Seed + 997);
        return result with { Recovery = CheckRecovery(result.Expressions, freshRecord, system, hamiltonian, wide: wideRecord) };
    }

    /// <summary>Fresh simulations at twice the position spread: the recovery check's test of extrapolation and the
    /// out-of-distribution comparison's data.</summary>
    static ParticleData WideData(DiscoveryOptions options, CancellationToken cancel) =>
        ToParticleData(Simulate(options with { Sims = Math.Max(4, options.Sims / 20), Frames = Math.Min(options.Frames, 50) },
            seedOffset: 104729, positionScale: 2, cancel: cancel));

    /// <summary>
    /// The symbolic regression of a recorded, analysed set of messages: on the force frame's signed magnitude when the
    /// significant components behave like a central force, else on each component. The recovery check is left to the caller
    /// (the result's says "no known law").
    /// </summary>
    internal static DistillationResult DistillRecord(MessageRecord record, MessageAnalysisResult analysis, string system, bool hamiltonian,
        DiscoveryOptions options, IProgress<DiscoveryProgress>? progress = null, CancellationToken cancel = default)
    {
        var significant = analysis.Significant;
        var coordinates = record.FeatureNames.Take(record.Dim).ToArray();
        ForceFrame? frame = null;
        if (!hamiltonian && significant.Length == record.Dim)
        {
            // The significant components alone when they make a central force; else gather it from the next ones too.
            // (Extra components are not the first choice: any mixture of F and F/m1 is central too, so they can blend laws.)
            var delta = FeatureColumns(record, Enumerable.Range(0, record.Edges).ToArray(), coordinates.Contains).Features;
            ForceFrame FitOn(int[] components) => ForceFrame.Fit(Columns(record, components), delta) with { Components = components };
            frame = FitOn(significant.Select(c => c.Component).ToArray());
            if (!frame.Usable && FrameComponents(analysis, record.Dim) is { } extended && extended.Length > significant.Length)
                frame = FitOn(extended);
        }
        DistilledComponent[] components;
        RadialDistillation? radial = null;
        var rows = Enumerable.Range(0, record.Edges).Where(i => record.Features[i, record.Dim] >= options.SearchMinDistance).ToArray();
        if (rows.Length < record.Edges / 2) rows = Enumerable.Range(0, record.Edges).ToArray(); // data on another length scale
        if (frame is { Usable: true })
        {
            var values = frame.Apply(Columns(record, frame.Components));
            var magnitude = Magnitude(values, record);
            // A central force's magnitude is a function of the rotation invariants: the coordinates are left out.
            var (features, names) = FeatureColumns(record, rows, name => !coordinates.Contains(name));
            var scale = options.ReceiverScaledSearch ? new ReceiverScale(rows.Select(i => record.ReceiverMass[i]).ToArray()) : null;
            var search = Search(features, names, 1, _ => magnitude, _ => "signed magnitude h = u·Δx/r", aligned: true, scale?.Loss)[0];
            radial = Radial(record, magnitude, search, options.SeparateReceiverFactor, scale, rows,
                AccelerationJudge.Create(record, options.SearchMinDistance));
            // The messages keep the receiver factor: an expression in h, or the fitted s(m1) times the law.
            components = radial.Scale is { } fit
                ? Compose(record, significant, values, AxesOf(radial.Law, record), fit)
                : Compose(record, significant, values, AxesOf(radial.Magnitude, record));
        }
        else
        {
            var (features, names) = FeatureColumns(record, rows, _ => true);
            var searches = Search(features, names, significant.Length, i => MessageRecord.Column(record.Messages, significant[i].Component),
                i => $"component {significant[i].Component}", aligned: false, loss: null);
            components = significant.Select((fit, i) => new DistilledComponent(fit, searches[i].Best, searches[i])).ToArray();
        }
        return new DistillationResult(record, analysis, components,
            new RecoveryCheck(false, [], false, false, [], "no known law to compare with"), frame, radial);

        // One search per target, each seeded with the fronts found before it: every target is a linear map of the same force.
        SymbolicRegressionResult[] Search(double[,] features, string[] names, int count, Func<int, double[]> target, Func<int, string> label,
            bool aligned, CustomLoss? loss)
        {
            var results = new SymbolicRegressionResult[count];
            for (int i = 0; i < count; i++)
            {
                cancel.ThrowIfCancellationRequested();
                int index = i;
                var sr = SearchOptions(options, system, record.Dim, names, i, aligned) with
                {
                    WarmStart = results.Take(i).SelectMany(r => r.Pareto.Select(e => e.Expression)).ToArray(),
                    CustomLoss = loss,
                    Cancel = cancel, // ends the search at its round; the throw below then stops the pipeline
                    Progress = progress is null ? null : new Progress<SymbolicRegressionProgress>(p =>
                        progress.Report(new DiscoveryProgress("symbolic regression",
                            (index + Math.Min(1, options.SymbolicRounds is int rounds ? (double)p.Round / rounds
                                : p.Elapsed.TotalSeconds / options.SymbolicTimeLimit.TotalSeconds)) / count,
                            $"{label(index)}: {p.Best}"))),
                };
                var y = target(i);
                results[i] = SymbolicRegression.Fit(features, rows.Select(row => y[row]).ToArray(), sr);
                cancel.ThrowIfCancellationRequested();
            }
            return results;
        }
    }

    /// <summary>At most this many components per dimension feed the force frame.</summary>
    public const int FrameComponentsPerDim = 3;

    /// <summary>The components that feed the force frame when the significant ones alone are not central: those, then the
    /// next by rank (at most <see cref="FrameComponentsPerDim"/>·dim in all) whose standard deviation is at least 5 % of the
    /// largest. L1 messages that are not yet sparse spread the force over more components than the dimension; the frame
    /// gathers it back.</summary>
    static int[] FrameComponents(MessageAnalysisResult analysis, int dim)
    {
        var significant = analysis.Significant.Select(c => c.Component).ToArray();
        double top = significant.Max(j => analysis.Std[j]);
        var extra = analysis.Ranking.Where(j => !significant.Contains(j) && analysis.Std[j] >= 0.05 * top);
        return significant.Concat(extra).Take(FrameComponentsPerDim * dim).ToArray();
    }

    static double[,] Columns(MessageRecord record, int[] components)
    {
        var columns = new double[record.Edges, components.Length];
        for (int i = 0; i < record.Edges; i++)
            for (int j = 0; j < components.Length; j++) columns[i, j] = record.Messages[i, components[j]];
        return columns;
    }

    /// <summary>The record's pair features on <paramref name="rows"/>, the columns whose names <paramref name="use"/> accepts,
    /// and their names.</summary>
    static (double[,] Features, string[] Names) FeatureColumns(MessageRecord record, int[] rows, Func<string, bool> use)
    {
        var keep = Enumerable.Range(0, record.FeatureNames.Length).Where(j => use(record.FeatureNames[j])).ToArray();
        var features = new double[rows.Length, keep.Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < keep.Length; j++) features[i, j] = record.Features[rows[i], keep[j]];
        return (features, keep.Select(j => record.FeatureNames[j]).ToArray());
    }

    /// <summary>The signed magnitude v·Δx / r of a vector per edge, <paramref name="values"/> (edges × dim): the axes' h,
    /// or the true force's.</summary>
    static double[] Magnitude(double[,] values, MessageRecord record)
    {
        int dim = record.Dim;
        var h = new double[record.Edges];
        for (int i = 0; i < record.Edges; i++)
        {
            double dot = 0;
            for (int a = 0; a < dim; a++) dot += values[i, a] * record.Features[i, a];
            h[i] = dot / record.Features[i, dim];
        }
        return h;
    }

    /// <summary>R² of the magnitude against the true force's (F·Δx / r, and per receiver mass) and the axes' equations.</summary>
    /// <param name="record">The recorded messages and pair features.</param>
    /// <param name="magnitude">The messages' signed magnitude h along the force frame, one per recorded edge.</param>
    /// <param name="search">The search on h, whose front is selected from.</param>
    /// <param name="separate">Split each entry into a receiver-mass factor and the law (<see cref="DiscoveryOptions.SeparateReceiverFactor"/>).</param>
    /// <param name="rows">The recorded edges the search fitted.</param>
    /// <param name="scale">The receiver scale the search's loss fitted (null: none); fitted again here for the selection,
    /// on the search's <paramref name="rows"/>.</param>
    /// <param name="judge">Judges the front's laws on the accelerations, and then selects (null: the score on the search's
    /// loss selects).</param>
    static RadialDistillation Radial(MessageRecord record, double[] magnitude, SymbolicRegressionResult search, bool separate,
        ReceiverScale? scale, int[] rows, AccelerationJudge? judge)
    {
        var trueMagnitude = Magnitude(record.Force, record);
        var force = new double[record.Edges, 1];
        var perMass = new double[record.Edges, 1];
        for (int i = 0; i < record.Edges; i++)
        {
            force[i, 0] = trueMagnitude[i];
            perMass[i, 0] = trueMagnitude[i] / record.ReceiverMass[i];
        }
        // The search indexes the invariants only; each entry of its front, on the pair features, split into factor and law.
        var splits = search.Pareto.Select(e => e.Expression.OnVariables(record.FeatureNames))
            .Select(h => (H: h, Split: separate ? h.SplitFactor(j => record.FeatureNames[j] == "m1") : (Factor: null, Remainder: h))).ToArray();
        var lawComplexity = splits.Select(s => s.Split.Remainder.Complexity).ToArray();
        // The messages hold the network's flaws (a smoothed jump, a softened core), which forms that copy them fit better than
        // the law; the accelerations do not. So the judge's losses select, by PySR's rule: forms within 1.5× of the best.
        var refits = judge is null ? null : splits.Select(s => judge.Refit(s.Split.Remainder)).ToArray();
        var judged = refits?.Select(f => Math.Max(f.Loss, judge!.Floor)).ToArray();
        int best = judged is not null ? ParetoSelection.Select(lawComplexity, judged, ModelSelection.Best)
            : separate ? SelectByLaw(search.Pareto, lawComplexity) : IndexOf(search.Pareto, search.Best);
        var (selected, (factor, law)) = splits[best];
        if (refits is not null)
        {
            // The law keeps the constants it was judged with: fitted to the data, not to the network's flaws.
            law = refits[best].Law;
            selected = factor is null ? law : Expression.Parse($"({factor.ToInfix()}) * ({law.ToInfix()})", record.FeatureNames);
        }
        ReceiverScaleFit? scaleFit = null;
        if (scale is not null)
        {
            var x = FeatureColumns(record, rows, _ => true).Features;
            var h = rows.Select(i => magnitude[i]).ToArray();
            if (refits is null)
            {
                // The selection's constants polished under the search's own loss, then split again.
                selected = scale.RefitConstants(selected, x, h);
                (factor, law) = separate ? selected.SplitFactor(j => record.FeatureNames[j] == "m1") : (null, selected);
            }
            scale.MeanAbsoluteResidual(law.Evaluate(x), h, out var values);
            scaleFit = new ReceiverScaleFit(scale.KnotMasses, values);
        }
        return new RadialDistillation(search, LinearFit.Fit(force, magnitude).R2, LinearFit.Fit(perMass, magnitude).R2,
            search.Pareto[best], selected, factor, law, AxesOf(law, record), scaleFit, judged);

        static int IndexOf(IReadOnlyList<ParetoEntry> pareto, ParetoEntry entry) =>
            Enumerable.Range(0, pareto.Count).First(i => ReferenceEquals(pareto[i], entry));
    }

    /// <summary>
    /// The paper's score selection (the largest −Δln(loss)/Δcomplexity along the front) with each entry's complexity taken
    /// as <paramref name="lawComplexity"/>, the complexity of its law without the receiver factor: the node model undoes that
    /// factor, so it is no part of the law, and a law that needs one to fit the messages should not pay for it. Entries that
    /// do not lower the loss below every simpler law's leave the front. Discontinuous 2D bottleneck (seed 0, a 90,000-step
    /// network, 40 rounds of the unscaled search): h =
    /// cond(r − 1.99, r − 1.08)·(0.087 + 0.020/m1) (complexity 13, law 7) then beats the step cond(r − 1.99, 0.157)
    /// (complexity 5), which the plain score selects.
    /// </summary>
    internal static int SelectByLaw(IReadOnlyList<ParetoEntry> pareto, int[] lawComplexity) =>
        ParetoSelection.Select(lawComplexity, pareto.Select(e => e.Loss).ToArray(), ModelSelection.Score);

    /// <summary>The vector magnitude·Δx / r, one equation per axis.</summary>
    static Expression[] AxesOf(Expression magnitude, MessageRecord record) => record.FeatureNames.Take(record.Dim)
        .Select(coordinate => Expression.Parse($"({magnitude.ToInfix()}) * {coordinate} / r", record.FeatureNames)).ToArray();

    /// <summary>Each component's equation: its least-squares linear map of the axes (<paramref name="axisValues"/>, edges × dim)
    /// applied to the axes' equations, with its loss (mean absolute error, the searches' loss) on the recorded edges. With a
    /// fitted receiver factor <paramref name="scale"/>, the map's linear part is multiplied by s(m1) for the loss, as in
    /// the messages; the printed equation leaves s out (it is in the magnitude's <c>receiver_scale</c>).</summary>
    static DistilledComponent[] Compose(MessageRecord record, ComponentFit[] significant, double[,] axisValues, Expression[] axes,
        ReceiverScaleFit? scale = null)
    {
        int dim = axes.Length;
        var axesValues = axes.Select(a => a.Evaluate(record.Features)).ToArray();
        var factor = record.ReceiverMass.Select(m => scale?.At(m) ?? 1.0).ToArray();
        var components = new DistilledComponent[significant.Length];
        for (int j = 0; j < significant.Length; j++)
        {
            var map = LinearFit.Fit(axisValues, MessageRecord.Column(record.Messages, significant[j].Component)).Coefficients;
            var terms = Enumerable.Range(0, dim).Select(a => FormattableString.Invariant($"{map[a]:R} * ({axes[a].ToInfix()})"));
            var text = string.Join(" + ", terms) + FormattableString.Invariant($" + {map[dim]:R}");
            var expression = Expression.Parse(text, record.FeatureNames).Simplify();
            double loss = 0;
            for (int i = 0; i < record.Edges; i++)
            {
                double linear = 0;
                for (int a = 0; a < dim; a++) linear += map[a] * axesValues[a][i];
                loss += Math.Abs(factor[i] * linear + map[dim] - record.Messages[i, significant[j].Component]);
            }
            components[j] = new DistilledComponent(significant[j], new ParetoEntry(expression.Complexity, loss / record.Edges, 0, expression), null);
        }
        return components;
    }

    /// <summary>Variables the law's force (or F / m_receiver) must name.</summary>
    public static string[] RequiredVariables(ParticleSystem system, int dim, bool perMass, bool hamiltonian)
    {
        var names = new List<string>();
        if (!hamiltonian) names.AddRange(dim == 3 ? ["dx", "dy", "dz"] : ["dx", "dy"]);
        switch (system.Name)
        {
            case "spring" or "damped" or "discontinuous":
                names.Add("r");
                if (perMass) names.Add("m1");
                break;
            case "r1" or "r2":
                names.Add("r");
                names.Add("m2");
                if (!perMass) names.Add("m1");
                break;
            case "charge":
                names.Add("r");
                names.Add("q1");
                names.Add("q2");
                if (perMass) names.Add("m1");
                break;
        }
        return names.ToArray();
    }

    /// <summary>
    /// Fresh edges closer than this are left out of the recovery R²: ten softening lengths (r' = r + 0.01). Inside it the
    /// simulator's softened force departs from the law's unsoftened form by 10 % (1/r) to 20 % (1/r²) and more, and
    /// because the force diverges there, those few edges (≈ 0.5 %) would carry most of the variance: the exact r1 law
    /// m2·Δ/r² scored R² 0.988 / 0.977 on all fresh edges and 0.9994 / 0.9991 beyond 0.1 (docs/discover.md).
    /// </summary>
    public const double RecoveryMinDistance = 10 * ParticleSystem.DefaultSoftening;

    /// <summary>
    /// Recovery: the expressions, as a vector, match the true force (or force / receiver mass; for the Hamiltonian
    /// variant the pair potential) up to an invertible linear map plus constant on fresh edges at least
    /// <paramref name="minDistance"/> apart (every target component's R² ≥ 0.99), and they name the variables the law needs.
    /// With <paramref name="wide"/> (fresh edges at twice the position spread) the same fit must hold there too: a
    /// wrong power can match the law over the range the network saw (r² − 1 against the spring's r − 1 near r = 1, or
    /// c·r² against the discontinuous force's r − 1 just beyond its jump), but not over a range twice as wide.
    /// </summary>
    public static RecoveryCheck CheckRecovery(Expression[] expressions, MessageRecord fresh, ParticleSystem system, bool hamiltonian,
        double threshold = 0.99, double minDistance = RecoveryMinDistance, MessageRecord? wide = null)
    {
        var (r2, perMass, all) = RecoveryFits(expressions, fresh, hamiltonian, minDistance, perMass: null);
        double[]? r2Wide = wide is null ? null : RecoveryFits(expressions, wide, hamiltonian, minDistance, perMass).R2;
        int dim = fresh.Dim, targets = hamiltonian ? 1 : dim;
        var used = expressions.SelectMany(x => x.Nodes.ToArray()
            .Where(n => n.Op == OpCode.Variable).Select(n => x.VariableNames[n.Index])).ToHashSet();
        var missing = RequiredVariables(system, dim, perMass, hamiltonian).Where(v => !used.Contains(v)).ToArray();
        bool fitOk = r2.Min() >= threshold && expressions.Length >= targets;
        bool wideOk = r2Wide is null || r2Wide.Min() >= threshold;
        bool structureOk = missing.Length == 0;
        string reason = !fitOk ? $"fresh-edge R² {r2.Min():F4} < {threshold}"
            : !wideOk ? $"R² at twice the position spread {r2Wide!.Min():F4} < {threshold}: the form does not extrapolate"
            : !structureOk ? $"expressions do not use {string.Join(", ", missing)}"
            : "ok";
        return new RecoveryCheck(fitOk && wideOk && structureOk, r2, perMass, structureOk, missing, reason, minDistance, all, r2Wide);
    }

    /// <summary>R² per target of the expressions' linear fit on the edges at least <paramref name="minDistance"/> apart,
    /// against F or F / m_receiver (<paramref name="perMass"/>; null: whichever fits better), and on every edge.</summary>
    static (double[] R2, bool PerMass, double[] AllEdges) RecoveryFits(Expression[] expressions, MessageRecord fresh, bool hamiltonian,
        double minDistance, bool? perMass)
    {
        int k = expressions.Length, dim = fresh.Dim;
        var values = expressions.Select(x => x.Evaluate(fresh.Features)).ToArray();
        var outside = Enumerable.Range(0, fresh.Edges).Where(i => fresh.Features[i, dim] >= minDistance).ToArray();
        int targets = hamiltonian ? 1 : dim;
        double[,] Design(int[] rows)
        {
            var e = new double[rows.Length, k];
            for (int j = 0; j < k; j++)
                for (int i = 0; i < rows.Length; i++) e[i, j] = double.IsFinite(values[j][rows[i]]) ? values[j][rows[i]] : 0;
            return e;
        }
        double[] Fits(bool perMass, int[] rows, double[,] e)
        {
            var r2 = new double[targets];
            for (int d = 0; d < targets; d++)
            {
                var y = new double[rows.Length];
                for (int i = 0; i < rows.Length; i++)
                {
                    int row = rows[i];
                    double v = hamiltonian ? fresh.Potential[row] : fresh.Force[row, d];
                    y[i] = perMass ? v / fresh.ReceiverMass[row] : v;
                }
                r2[d] = rows.Length > k + 1 ? LinearFit.Fit(e, y).R2 : double.NaN;
            }
            return r2;
        }
        var design = Design(outside);
        bool usePerMass = perMass ?? Fits(true, outside, design).Min() > Fits(false, outside, design).Min();
        var best = Fits(usePerMass, outside, design);
        var everyEdge = Enumerable.Range(0, fresh.Edges).ToArray();
        return (best, usePerMass, Fits(usePerMass, everyEdge, Design(everyEdge)));
    }

    /// <summary>Reads a user's data set (.npz, .csv, .h5 or .npy folder as written by <c>occam simulate</c>; <c>data.h5:/group</c>
    /// for one stored in an HDF5 group) and checks that the
    /// network can use it. Every problem becomes one <see cref="InvalidDataException"/> line naming the file.</summary>
    public static ParticleDataset LoadDataset(string path)
    {
        var file = Occam.Physics.IO.Hdf5Location.TryParse(path, out var location) ? location.File : path;
        if (!File.Exists(file) && !Directory.Exists(file)) throw new FileNotFoundException($"data file '{file}' does not exist", file);
        ParticleDataset data;
        try
        {
            data = ParticleDataset.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or ArgumentException or IOException or KeyNotFoundException
            or IndexOutOfRangeException or InvalidOperationException or NotSupportedException)
        {
            throw new InvalidDataException($"cannot read data file '{path}': {OneLine(e.Message)}", e);
        }
        if (data.Dim is not (2 or 3)) throw new InvalidDataException($"data file '{path}' is {data.Dim}D; discovery needs 2D or 3D data");
        if (data.Bodies < 2) throw new InvalidDataException($"data file '{path}' has {data.Bodies} body per simulation; discovery needs at least 2");
        CheckFinite(path, "positions", data.Positions);
        CheckFinite(path, "velocities", data.Velocities);
        CheckFinite(path, "accelerations", data.Accelerations);
        CheckFinite(path, "masses", data.Masses);
        CheckFinite(path, "charges", data.Charges);
        return data;
    }

    static void CheckFinite(string path, string name, double[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i])) throw new InvalidDataException($"data file '{path}': {name}[{i}] (flat index) is {values[i]}");
    }

    static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    const string OptionsFile = "options.json";

    /// <summary>Settings that do not change what training computes: a resumed run may differ in them.</summary>
    static readonly HashSet<string> NotTrainingSettings =
    [
        nameof(DiscoveryOptions.CheckpointDirectory), nameof(DiscoveryOptions.Resume), nameof(DiscoveryOptions.Threads),
        nameof(DiscoveryOptions.CheckpointEvery), nameof(DiscoveryOptions.Preset), nameof(DiscoveryOptions.AnalysisEdges),
        nameof(DiscoveryOptions.FreshEdges), nameof(DiscoveryOptions.SymbolicRounds), nameof(DiscoveryOptions.SymbolicTimeLimit),
        nameof(DiscoveryOptions.SymbolicMaxSize), nameof(DiscoveryOptions.SeparateReceiverFactor),
        nameof(DiscoveryOptions.ReceiverScaledSearch), nameof(DiscoveryOptions.SearchMinDistance),
    ];

    /// <summary>
    /// Writes the run's options into its checkpoint directory. When resuming, first checks them against the options the
    /// checkpoint was written with and refuses any training setting that differs, naming it: resuming a spring
    /// checkpoint on r2 data would otherwise continue silently on the wrong data. A resumed run leaves the file as it is.
    /// </summary>
    static void WriteOptions(DiscoveryOptions options, string directory)
    {
        var path = Path.Combine(directory, OptionsFile);
        if (options.Resume && File.Exists(path))
        {
            System.Text.Json.Nodes.JsonObject? stored;
            try
            {
                stored = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path),
                    documentOptions: new System.Text.Json.JsonDocumentOptions { AllowDuplicateProperties = false }) as System.Text.Json.Nodes.JsonObject;
            }
            catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"'{path}' is not valid: {OneLine(e.Message)}"); }
            if (stored is null) throw new InvalidDataException($"'{path}' is not a JSON object");
            var current = System.Text.Json.JsonSerializer.SerializeToNode(options)!.AsObject();
            foreach (var (name, value) in current)
            {
                if (NotTrainingSettings.Contains(name)) continue;
                var before = stored[name];
                if (!System.Text.Json.Nodes.JsonNode.DeepEquals(value, before))
                    throw new InvalidDataException(
                        $"cannot resume: the checkpoint in '{directory}' was trained with {name} = {before?.ToJsonString() ?? "null"}, this run has {name} = {value?.ToJsonString() ?? "null"}; use the checkpoint's settings or train afresh");
            }
            return; // the same training settings: the file stays as the checkpoint's record
        }
        Directory.CreateDirectory(directory);
        Occam.Symbolic.IO.AtomicFile.WriteText(path, System.Text.Json.JsonSerializer.Serialize(options));
    }

    /// <summary>Simulates (or takes <paramref name="dataset"/>), trains with checkpoints in
    /// <see cref="DiscoveryOptions.CheckpointDirectory"/>, and writes the run's options there for <see cref="AnalyzeDirectory"/>.</summary>
    public static (ParticleNetwork Network, IReadOnlyList<LossPoint> Curve, double LastLoss) TrainToDirectory(DiscoveryOptions options,
        ParticleDataset? dataset, IProgress<DiscoveryProgress>? progress = null, CancellationToken cancel = default)
    {
        var dir = options.CheckpointDirectory ?? throw new ArgumentException("training to a directory needs a checkpoint directory");
        if (dataset is null) options = options.WithDataShape();
        progress?.Report(new DiscoveryProgress("simulate", 0, $"{options.System} {options.Dim}D, {options.Bodies} bodies"));
        dataset ??= Simulate(options, cancel: cancel);
        options = options with { Dim = dataset.Dim, Bodies = dataset.Bodies, System = dataset.System, Potential = dataset.Potential };
        WriteOptions(options, dir);
        var trainProgress = progress is null ? null : new SyncProgress<TrainingProgress>(p =>
            progress.Report(new DiscoveryProgress("train", (double)p.Step / p.TotalSteps, $"loss {p.Loss:G4}")));
        return Train(options, ToParticleData(dataset), trainProgress, cancel);
    }

    /// <summary>Loads a model written by <see cref="TrainToDirectory"/> and distils it on <paramref name="dataset"/>
    /// (default: the training data re-simulated from the stored options).</summary>
    public static DiscoveryResult AnalyzeDirectory(string directory, ParticleDataset? dataset, IProgress<DiscoveryProgress>? progress = null,
        CancellationToken cancel = default, Action<DiscoveryOptions>? configure = null)
    {
        var clock = Stopwatch.StartNew();
        var optionsPath = Path.Combine(directory, OptionsFile);
        if (!File.Exists(optionsPath)) throw new FileNotFoundException($"'{directory}' holds no trained model (missing {OptionsFile}); run 'occam train' first", optionsPath);
        DiscoveryOptions options;
        try
        {
            options = System.Text.Json.JsonSerializer.Deserialize<DiscoveryOptions>(File.ReadAllText(optionsPath))
                ?? throw new InvalidDataException($"'{optionsPath}' is empty");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"'{optionsPath}' is not valid: {OneLine(e.Message)}");
        }
        options = options with { CheckpointDirectory = directory };
        configure?.Invoke(options);
        progress?.Report(new DiscoveryProgress("simulate", 0, "training data"));
        dataset ??= Simulate(options, cancel: cancel);
        if (dataset.Dim != options.Dim || dataset.Bodies != options.Bodies)
            throw new InvalidDataException($"the data is {dataset.Dim}D with {dataset.Bodies} bodies but the model was trained on {options.Dim}D with {options.Bodies}");
        var data = ToParticleData(dataset);
        using var network = new ParticleNetwork(options.Network);
        IReadOnlyList<LossPoint> curve;
        double lastLoss;
        using (var trainer = new Trainer(network, data, options.Training))
        {
            trainer.LoadCheckpoint(directory);
            curve = trainer.LossCurve.ToList();
            lastLoss = trainer.LastLoss;
        }
        var fresh = Simulate(options with { Sims = Math.Max(4, options.Sims / 20), Frames = Math.Min(options.Frames, 50) }, seedOffset: 7919, cancel: cancel);
        var freshData = ToParticleData(fresh);
        var distillation = Distill(network, data, dataset.Law, freshData, options, progress, cancel);
        var ood = OutOfDistribution(network, distillation, dataset.Law, freshData, options, progress, cancel);
        return new DiscoveryResult(options, dataset.System, curve, lastLoss, distillation, 0, clock.Elapsed.TotalSeconds, ood);
    }

    /// <summary>
    /// Compares the network with the recovered equations as a force law: the expressions E are mapped onto the true
    /// force (or F / m_receiver) by the linear fit on <paramref name="calibration"/>, summed over senders and turned into
    /// accelerations, plus a damping force −b·v on each body with b fitted on the calibration's nodes
    /// (<see cref="BodyDamping"/>); errors are measured on <paramref name="inDistribution"/> and
    /// <paramref name="outOfDistribution"/>.
    /// </summary>
    public static OutOfDistributionCheck CompareOutOfDistribution(ParticleNetwork network, Expression[] expressions, MessageRecord calibration,
        bool perMass, ParticleData inDistribution, ParticleData outOfDistribution)
    {
        int dim = calibration.Dim, k = expressions.Length, rows = calibration.Edges;
        var e = new double[rows, k];
        for (int j = 0; j < k; j++)
        {
            var v = expressions[j].Evaluate(calibration.Features);
            for (int i = 0; i < rows; i++) e[i, j] = double.IsFinite(v[i]) ? v[i] : 0;
        }
        var maps = new double[dim][];
        for (int d = 0; d < dim; d++)
        {
            var y = new double[rows];
            for (int i = 0; i < rows; i++) y[i] = perMass ? calibration.Force[i, d] / calibration.ReceiverMass[i] : calibration.Force[i, d];
            maps[d] = LinearFit.Fit(e, y).Coefficients;
        }
        var pairAcceleration = new double[rows, dim];
        for (int i = 0; i < rows; i++)
            for (int d = 0; d < dim; d++)
            {
                double force = maps[d][k];
                for (int q = 0; q < k; q++) force += maps[d][q] * e[i, q];
                pairAcceleration[i, d] = perMass ? force : force / calibration.ReceiverMass[i];
            }
        double damping = BodyDamping(calibration, pairAcceleration);
        double EquationError(ParticleData data)
        {
            int n = data.Bodies, f = data.Features;
            var names = MessageRecord.PairFeatureNames(dim);
            var row = new double[names.Length];
            var values = new double[k];
            double sum = 0;
            for (int s = 0; s < data.Samples; s++)
                for (int i = 0; i < n; i++)
                {
                    var acc = new double[dim];
                    for (int j = 0; j < n; j++)
                    {
                        if (i == j) continue;
                        double r2 = 0;
                        for (int d = 0; d < dim; d++)
                        {
                            row[d] = data.Position(s, i, d) - data.Position(s, j, d);
                            r2 += row[d] * row[d];
                        }
                        row[dim] = Math.Sqrt(r2);
                        row[dim + 1] = data.Mass(s, i);
                        row[dim + 2] = data.Mass(s, j);
                        row[dim + 3] = data.Charge(s, i);
                        row[dim + 4] = data.Charge(s, j);
                        for (int q = 0; q < k; q++)
                        {
                            double v = expressions[q].Evaluate(row);
                            values[q] = double.IsFinite(v) ? v : 0;
                        }
                        for (int d = 0; d < dim; d++)
                        {
                            double force = maps[d][k];
                            for (int q = 0; q < k; q++) force += maps[d][q] * values[q];
                            acc[d] += perMass ? force : force / data.Mass(s, i);
                        }
                    }
                    for (int d = 0; d < dim; d++)
                        sum += Math.Abs(acc[d] - damping * data.Velocity(s, i, d) / data.Mass(s, i) - data.Accelerations[(s * n + i) * dim + d]);
                }
            return sum / ((long)data.Samples * n);
        }
        return new OutOfDistributionCheck(Trainer.Evaluate(network, inDistribution), EquationError(inDistribution),
            Trainer.Evaluate(network, outOfDistribution), EquationError(outOfDistribution), damping);
    }

    /// <summary>
    /// The damping b of a force −b·v on each body that the pair forces leave in <paramref name="record"/>'s accelerations:
    /// least squares of a_i − Σ_e p_e ≈ −b·v_i / m_i over the record's nodes and axes, where p_e
    /// (<paramref name="pairAcceleration"/>, edges × dim) is each edge's share of its receiver's acceleration. 0 when the
    /// record has no nodes or no velocities.
    /// </summary>
    internal static double BodyDamping(MessageRecord record, double[,] pairAcceleration)
    {
        if (record.Accelerations is not { } acc || record.Velocities is not { } vel || record.Receiver is not { } receiver) return 0;
        int nodes = acc.GetLength(0), dim = record.Dim;
        var residual = (double[,])acc.Clone();
        var mass = new double[nodes];
        for (int e = 0; e < record.Edges; e++)
        {
            mass[receiver[e]] = record.ReceiverMass[e];
            for (int d = 0; d < dim; d++) residual[receiver[e], d] -= pairAcceleration[e, d];
        }
        double num = 0, den = 0;
        for (int i = 0; i < nodes; i++)
        {
            if (!(mass[i] > 0)) continue; // a node without incoming edges
            for (int d = 0; d < dim; d++)
            {
                double x = -vel[i, d] / mass[i];
                num += x * residual[i, d];
                den += x * x;
            }
        }
        return den > 0 ? num / den : 0;
    }

    static OutOfDistributionCheck? OutOfDistribution(ParticleNetwork network, DistillationResult distillation, ParticleSystem system,
        ParticleData fresh, DiscoveryOptions opts, IProgress<DiscoveryProgress>? progress, CancellationToken cancel)
    {
        if (opts.Variant == MessageVariant.Hamiltonian) return null;
        progress?.Report(new DiscoveryProgress("out-of-distribution check", 0, "twice the position spread"));
        var wide = WideData(opts, cancel);
        var calibration = MessageRecord.Record(network, fresh, LawOf(system), opts.FreshEdges, opts.Seed + 3);
        return CompareOutOfDistribution(network, distillation.Expressions, calibration,
            distillation.Recovery.PerMass, fresh, wide);
    }

    /// <summary>Runs the whole pipeline. <paramref name="dataset"/> replaces the simulation (e.g. a user's .npz).</summary>
    public static DiscoveryResult Discover(DiscoveryOptions options, ParticleDataset? dataset = null,
        IProgress<DiscoveryProgress>? progress = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        if (dataset is null) options = options.WithDataShape();
        progress?.Report(new DiscoveryProgress("simulate", 0, $"{options.System} {options.Dim}D, {options.Bodies} bodies"));
        dataset ??= Simulate(options, cancel: cancel);
        var system = dataset.Law;
        var data = ToParticleData(dataset);
        var opts = options with { Dim = dataset.Dim, Bodies = dataset.Bodies, System = dataset.System, Potential = dataset.Potential };
        if (opts.CheckpointDirectory is not null) WriteOptions(opts, opts.CheckpointDirectory);
        var trainClock = Stopwatch.StartNew();
        var trainProgress = progress is null ? null : new SyncProgress<TrainingProgress>(p =>
            progress.Report(new DiscoveryProgress("train", (double)p.Step / p.TotalSteps, $"loss {p.Loss:G4}")));
        var (network, curve, lastLoss) = Train(opts, data, trainProgress, cancel);
        double trainSeconds = trainClock.Elapsed.TotalSeconds;
        using (network)
        {
            progress?.Report(new DiscoveryProgress("symbolic regression", 0, "recording messages"));
            var freshSet = Simulate(opts with { Sims = Math.Max(4, opts.Sims / 20), Frames = Math.Min(opts.Frames, 50) }, seedOffset: 7919, cancel: cancel);
            var fresh = ToParticleData(freshSet);
            var distillation = Distill(network, data, system, fresh, opts, progress, cancel);
            var ood = OutOfDistribution(network, distillation, system, fresh, opts, progress, cancel);
            return new DiscoveryResult(opts, system.Name, curve, lastLoss, distillation, trainSeconds, clock.Elapsed.TotalSeconds, ood);
        }
    }
}

/// <summary>An <see cref="IProgress{T}"/> that calls its handler synchronously on the reporting thread.</summary>
public sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => handler(value);
}
