using Occam.Physics;
using Occam.Symbolic;

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
    /// <summary>The most bodies a simulation for training may have: the network sees every pair, and a batch of 64 graphs of
    /// 100 bodies already holds 633,600 edges.</summary>
    public const int MaxBodies = 100;
    /// <summary>Bodies per simulation, i.e. nodes per graph (default 4; at most <see cref="MaxBodies"/>).</summary>
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
    /// <summary>Fraction of the training steps over which the regulariser's weight rises from 0 to <see cref="Alpha"/>
    /// (<see cref="TrainingOptions.RegulariserWarmup"/>; 0: none, as in the paper).</summary>
    public double AlphaWarmup { get; init; }
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
    /// <summary>What the training's matrix products run in (default <see cref="TrainingPrecision.Auto"/>: bfloat16 where the
    /// CPU has fast bfloat16 products, docs/performance.md). The trained weights and everything after training are float32.</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Auto;
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
    /// deterministic whatever the machine's load. On the magnitude, 10 rounds recovered r1 2D bottleneck, spring 3D L1 and
    /// r2 3D L1 from networks on which 30 rounds per component did not (docs/discover.md). 30 rounds (the default since
    /// the receiver-scaled search made a round cheap): re-distilling the 16 seed-0 networks of bfloat16 training, 10 rounds
    /// recovered 15 (discontinuous 2D L1 stopped at cond(r − 1.99, r), the true cond(r − 1.99, r − 0.99) one node
    /// deeper), 30 rounds all 16, at 6–11 s per analysis instead of 4–7 s (docs/performance.md).</summary>
    public int? SymbolicRounds { get; init; } = 30;
    /// <summary>Wall-clock cap of each component's symbolic regression (the budget itself when
    /// <see cref="SymbolicRounds"/> is null).</summary>
    public TimeSpan SymbolicTimeLimit { get; init; } = TimeSpan.FromSeconds(300);
    /// <summary>
    /// The searches' operators (names or definitions, as <see cref="SymbolicRegressionOptions.WithOperators"/> takes them;
    /// sin, cos, exp and log kept out of one another by <see cref="SymbolicRegressionOptions.TranscendentalNesting"/>);
    /// null: the system's own, + − × ÷ and cond where the force jumps (<see cref="DiscoverySystem.BinaryOperators"/>), and
    /// for the force frame's law one more search with those and each of <see cref="DiscoverySystem.UnaryFamilies"/>, the
    /// judge choosing among all their fronts.
    /// </summary>
    public IReadOnlyList<string>? SymbolicOperators { get; init; }
    /// <summary>
    /// Rounds of the refinement on the accelerations (0: none). When no law on the force frame's front reaches the
    /// <see cref="AccelerationJudge"/>'s floor, up to three more searches run whose loss is the judge's, with the message
    /// searches' operators, <see cref="DiscoverySystem.UnaryFamilies"/> and <see cref="DistilStage.RefineUnary"/> (or
    /// <see cref="SymbolicOperators"/> when set): the force law warm-started from that front with its constants fitted to
    /// the accelerations; the pair potential U, judged by its force −dU/dr, warm-started from searches on the best law
    /// integrated along r (half these rounds each); the force law with constants fitted to the messages. Each runs only
    /// when those before it found no law at 1 % of the floor, and stops at the round where one does. The messages carry
    /// the network's flaws, so forms that copy them rank above the law on the messages, while the accelerations are exact:
    /// potential matrix, seed 0, the six laws the message searches missed all lie at 0.003–0.03 of the floor on the
    /// accelerations against 46× and more for the front's best (docs/discover.md).
    /// </summary>
    public int RefineRounds { get; init; } = 20;
    /// <summary>The most <see cref="RefineRounds"/> allowed.</summary>
    public const int MaxRefineRounds = 100_000;
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
    public double SearchMinDistance { get; init; } = JudgeStage.RecoveryMinDistance;
    /// <summary>Threads for the network (libtorch; null: <see cref="Occam.Graphs.TorchThreads.Default"/>), the symbolic regression
    /// and the simulator (null: all cores).</summary>
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
        SymbolicRounds = null, SymbolicTimeLimit = TimeSpan.FromMinutes(10), SymbolicMaxSize = 30, RefineRounds = 100,
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

    /// <summary>The preset with this name ("quick" or "paper") for the system (<paramref name="potential"/> for custom) and
    /// <paramref name="variant"/>, with the system's adjustments (<see cref="DiscoverySystem.Tune"/>).</summary>
    /// <exception cref="ArgumentException">An unknown preset or system.</exception>
    public static DiscoveryOptions FromPreset(string name, string system = "spring", MessageVariant variant = MessageVariant.L1,
        string? potential = null)
    {
        var preset = name.Trim().ToLowerInvariant() switch
        {
            "quick" => Quick,
            "paper" => Paper,
            _ => throw new ArgumentException($"unknown preset '{name}': expected quick or paper"),
        };
        preset = preset with { System = system, Variant = variant, Potential = potential };
        return DiscoverySystem.Of(preset).Tune(preset);
    }

    /// <summary>The simulation these options describe (as they stand: see <see cref="WithDataShape"/>), with the seed offset by
    /// <paramref name="seedOffset"/> and initial positions of standard deviation <paramref name="positionSpread"/>.</summary>
    /// <exception cref="ArgumentException">An unknown system, or a custom one without a potential.</exception>
    public SimulationOptions Simulation(long seedOffset = 0, double positionSpread = 1) => new()
    {
        System = ParticleSystem.FromName(System, Potential), Dim = Dim, Bodies = Bodies, Sims = Sims, Steps = Frames,
        Seed = Seed + seedOffset, Tolerance = SimulationTolerance, MaxDegreeOfParallelism = Threads, PositionSpread = positionSpread,
    };

    /// <summary>Checks the settings: the network's, the training's, the bodies (2 to <see cref="MaxBodies"/>), the
    /// simulation's and the searches' operators.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        Network.Validate();
        Training.Validate();
        if (Bodies is < 2 or > MaxBodies) throw new ArgumentException($"Bodies must be between 2 and {MaxBodies}, got {Bodies}");
        Simulation().Validate();
        if (RefineRounds is < 0 or > MaxRefineRounds) throw new ArgumentException($"RefineRounds must be between 0 and {MaxRefineRounds}, got {RefineRounds}");
        // before any training: an operator the search cannot use should not cost a training run
        if (SymbolicOperators is not null)
        {
            try { new SymbolicRegressionOptions().WithOperators(SymbolicOperators); }
            catch (ArgumentException e) { throw new ArgumentException($"SymbolicOperators: {e.Message}", e); }
        }
    }

    /// <summary>The network settings in effect.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public NetworkOptions Network => new(Dim, Variant, Hidden, HiddenLayers, MessageSize, Alpha, DifferenceInit);

    /// <summary>The training settings in effect.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TrainingOptions Training => new(Steps, BatchSize, LearningRate, WeightDecay, TranslationStd, Seed,
        CheckpointDirectory is null ? 0 : CheckpointEvery, CheckpointDirectory, Math.Max(1, Steps / 200), Precision, AlphaWarmup);
}
