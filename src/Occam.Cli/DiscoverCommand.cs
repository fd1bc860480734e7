using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Occam.Discovery;
using Occam.Physics;
using Spectre.Console;

namespace Occam.Cli;

/// <summary>
/// <c>occam discover</c>: simulate a particle system (or read <c>--data</c>), train a message-passing network with a
/// sparsity prior, and turn its significant messages into equations (Cranmer et al. 2020).
/// </summary>
internal static class DiscoverCommand
{
    /// <summary>The options shared by discover, train and analyze.</summary>
    internal sealed class CommonOptions
    {
        public readonly Option<string> System = new("--system") { Description = "spring, r1, r2, charge, damped, discontinuous (or custom with --potential).", DefaultValueFactory = _ => "spring" };
        public readonly Option<string?> Potential = new("--potential") { Description = "Custom pair potential in r, dx, dy, dz, m1, m2, q1, q2 (implies the custom system)." };
        public readonly Option<int> Dim = new("--dim") { Description = "Spatial dimension: 2 or 3.", DefaultValueFactory = _ => 2 };
        public readonly Option<int> Bodies = new("--bodies") { Description = "Bodies per simulation.", DefaultValueFactory = _ => 4 };
        public readonly Option<string> Variant = new("--variant") { Description = "l1, bottleneck, kl, standard or hamiltonian.", DefaultValueFactory = _ => "l1" };
        public readonly Option<string> Preset = new("--preset") { Description = "quick (minutes on 2 cores) or paper (the paper's settings).", DefaultValueFactory = _ => "quick" };
        public readonly Option<int> Seed = new("--seed") { Description = "Random seed; the same seed gives the same run.", DefaultValueFactory = _ => 0 };
        public readonly Option<string?> Data = new("--data") { Description = "Train on your own simulation (.npz/.csv/.h5/.npy folder as written by 'occam simulate'; file.h5:/group for one in an HDF5 group) instead of simulating." };
        public readonly Option<int?> Steps = new("--steps") { Description = "Training steps (overrides the preset)." };
        public readonly Option<int?> Threads = new("--threads") { Description = "CPU threads (default: 1 for the network when the machine has 2 cores or fewer, else 2)." };
        public readonly Option<string> Precision = new("--precision")
        {
            Description = "What the training's matrix products run in: auto (bf16 where the CPU has AVX512-BF16 or AMX, else fp32), fp32 or bf16 (mixed precision: weights, loss and analysis stay float32).",
            DefaultValueFactory = _ => "auto",
        };
        public readonly Option<double?> Alpha = new("--alpha") { Description = "Weight α of the L1/KL regulariser (default: the variant's, L1 1e-2, KL 1)." };
        public readonly Option<double?> LearningRate = new("--lr") { Description = "Peak learning rate of the one-cycle schedule (default: the preset's, quick 1e-2, paper 1e-3)." };
        public readonly Option<double?> AlphaWarmup = new("--alpha-warmup")
        {
            Description = "Fraction of the training steps over which the L1/KL regulariser's weight rises linearly from 0 to its value (default: the preset's).",
        };
        public readonly Option<int?> SymbolicRounds = OptionValues.SearchRounds("quick preset 30, paper preset none");
        public readonly Option<double?> SymbolicSeconds = OptionValues.SearchSeconds("quick preset 300 s, paper preset 600 s; the whole budget when no rounds are set");
        public readonly Option<int?> RefineRounds = OptionValues.RefineRounds("quick preset 20, paper preset 100");
        public readonly Option<string?> SymbolicOperators = OptionValues.SearchOperators("default: four searches, +,-,*,/ (and cond for the discontinuous system) alone and with each of exp, sqrt and log, the acceleration judge choosing among their laws");

        /// <param name="symbolic">Also the symbolic-regression options (not for <c>train</c>).</param>
        public void AddTo(Command command, bool symbolic = true)
        {
            foreach (var o in new Option[] { System, Potential, Dim, Bodies, Variant, Preset, Seed, Data, Steps, Threads, Precision, Alpha, AlphaWarmup, LearningRate }) command.Options.Add(o);
            if (!symbolic) return;
            command.Options.Add(SymbolicRounds);
            command.Options.Add(SymbolicSeconds);
            command.Options.Add(SymbolicOperators);
            command.Options.Add(RefineRounds);
        }

        public DiscoveryOptions Resolve(ParseResult parse)
        {
            var potential = OptionValues.NotBlank(parse, Potential);
            var system = potential is not null ? "custom" : parse.GetValue(System)!.Trim().ToLowerInvariant();
            var variant = MessageVariants.Parse(parse.GetValue(Variant)!);
            var preset = DiscoveryOptions.FromPreset(parse.GetValue(Preset)!, system, variant, potential); // validates the system
            int dim = parse.GetValue(Dim), bodies = parse.GetValue(Bodies);
            if (dim is not (2 or 3)) throw new UserInputException($"--dim must be 2 or 3 (got {dim}).");
            if (bodies is < 2 or > DiscoveryOptions.MaxBodies) throw new UserInputException($"--bodies must be between 2 and {DiscoveryOptions.MaxBodies} (got {bodies}).");
            var threads = parse.GetValue(Threads);
            if (threads is < 1) throw new UserInputException($"--threads must be at least 1 (got {threads}).");
            var steps = parse.GetValue(Steps);
            if (steps is < 1) throw new UserInputException($"--steps must be at least 1 (got {steps}).");
            TrainingPrecision precision;
            try { precision = TrainingPrecisions.Parse(parse.GetValue(Precision)!); }
            catch (ArgumentException) { throw new UserInputException($"--precision must be auto, fp32 or bf16 (got '{parse.GetValue(Precision)}')."); }
            var options = preset with
            {
                Dim = dim, Bodies = bodies,
                Seed = parse.GetValue(Seed),
                Threads = threads,
                Precision = precision,
            };
            if (steps is int s) options = options with { Steps = s };
            if (parse.GetValue(Alpha) is double alpha)
            {
                if (!(alpha >= 0 && alpha <= 1e6)) throw new UserInputException($"--alpha must be a weight between 0 and 1e6 (got {alpha.ToString(CultureInfo.InvariantCulture)}).");
                options = options with { Alpha = alpha };
            }
            if (parse.GetValue(LearningRate) is double lr)
            {
                if (!(lr > 0 && lr <= 10)) throw new UserInputException($"--lr must be a positive learning rate, at most 10 (got {lr.ToString(CultureInfo.InvariantCulture)}).");
                options = options with { LearningRate = lr };
            }
            if (parse.GetValue(AlphaWarmup) is double warmup)
            {
                if (!(warmup is >= 0 and <= 1)) throw new UserInputException($"--alpha-warmup must be a fraction of the steps between 0 and 1 (got {warmup.ToString(CultureInfo.InvariantCulture)}).");
                options = options with { AlphaWarmup = warmup };
            }
            var (rounds, limit) = OptionValues.SearchBudget(parse, SymbolicRounds, SymbolicSeconds);
            if (rounds is int r) options = options with { SymbolicRounds = r };
            if (limit is TimeSpan t) options = options with { SymbolicTimeLimit = t };
            if (OptionValues.Operators(parse, SymbolicOperators) is { } ops) options = options with { SymbolicOperators = ops };
            if (OptionValues.Refine(parse, RefineRounds) is int refine) options = options with { RefineRounds = refine };
            return options;
        }

        /// <summary>The user's data set (when --data is given), checked for shape and content.</summary>
        public ParticleDataset? LoadData(ParseResult parse) =>
            parse.GetValue(Data) is string path ? DatasetFile.Load(path) : null;
    }

    public static Command Create()
    {
        var common = new CommonOptions();
        var output = new Option<string>("--out") { Description = "Report directory (report.md, PNG plots, summary.json).", DefaultValueFactory = _ => "discover-out" };
        var json = new Option<string?>("--json") { Description = "Also write the summary JSON to this path." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint directory (default: <out>/checkpoint)." };
        var resume = new Option<bool>("--resume") { Description = "Continue a killed run from its last checkpoint." };
        var command = new Command("discover",
            "Symbolic distillation end to end: simulate particles, train a graph network with sparse messages, "
            + "fit its significant message components with symbolic regression, and check them against the true force law.");
        common.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(json);
        command.Options.Add(checkpoint);
        command.Options.Add(resume);
        command.SetAction((parse, cancel) =>
        {
            OutputGuard.CheckFile(parse.GetValue(json), "--json", parse.GetValue(common.Data), parse.GetValue(checkpoint));
            OutputGuard.CheckFolder(parse.GetValue(output)!, "--out");
            if (parse.GetValue(checkpoint) is string given && File.Exists(given))
                throw new UserInputException($"--checkpoint {given} is a file; give a folder.");
            var options = common.Resolve(parse);
            var dataset = common.LoadData(parse);
            var outDir = parse.GetValue(output)!;
            options = options with
            {
                CheckpointDirectory = parse.GetValue(checkpoint) ?? Path.Combine(outDir, "checkpoint"),
                Resume = parse.GetValue(resume),
            };
            var result = RunWithProgress(parse, "discover", p => SymbolicDistillation.Discover(options, dataset, p, cancel));
            DiscoveryReport.Write(result, outDir);
            if (parse.GetValue(json) is string jsonPath) DiscoveryReport.WriteSummary(result, jsonPath);
            Print(parse.InvocationConfiguration.Output, result, outDir);
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>How often progress is logged when standard error is not a terminal.</summary>
    static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(30);

    internal static T RunWithProgress<T>(ParseResult parse, string title, Func<IProgress<DiscoveryProgress>, T> work)
    {
        var error = parse.InvocationConfiguration.Error;
        bool interactive = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        if (!interactive)
        {
            // Logs and pipes: one line when a stage begins, then one at most every LogInterval.
            string lastStage = "";
            var sinceLine = Stopwatch.StartNew();
            return work(new SyncProgress<DiscoveryProgress>(p =>
            {
                if (p.Stage == lastStage && sinceLine.Elapsed < LogInterval) return;
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{title}: {p.Stage} {Math.Clamp(p.Fraction, 0, 1):P0} ({p.Detail})"));
                lastStage = p.Stage;
                sinceLine.Restart();
            }));
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                result = work(new SyncProgress<DiscoveryProgress>(p =>
                {
                    lock (tasks)
                    {
                        if (!tasks.TryGetValue(p.Stage, out var task))
                        {
                            foreach (var t in tasks.Values) t.Value = t.MaxValue;
                            tasks[p.Stage] = task = context.AddTask(p.Stage, maxValue: 1000);
                        }
                        task.Value = Math.Max(task.Value, Math.Clamp(p.Fraction, 0, 1) * 1000);
                        task.Description = Markup.Escape($"{p.Stage}: {Truncate(p.Detail, 60)}");
                    }
                }));
            });
        return result;
    }

    static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";

    internal static void Print(TextWriter output, DiscoveryResult result, string outDir)
    {
        var d = result.Distillation;
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"{result.System} {result.Options.Dim}D, {result.Options.Variant.Name()}: trained {result.Options.Steps} steps in {result.TrainSeconds.ToString("F0", inv)} s, final loss {result.TrainLoss.ToString("G4", inv)}");
        bool aligned = d.Radial is not null;
        // the Hamiltonian's message is the pair energy, compared with the potential U (as U(r) − U(r_ref))
        string target = result.Options.Variant == MessageVariant.Hamiltonian ? "U" : "F";
        foreach (var c in d.Components)
            output.WriteLine($"  message {c.Fit.Component}: std {c.Fit.Std.ToString("G3", inv)}, R² vs {target} {c.Fit.R2VsForce.ToString("F3", inv)}, vs {target}/m {c.Fit.R2VsForcePerMass.ToString("F3", inv)}{(aligned ? "" : "; " + c.Best.Infix)}");
        if (d.Frame is { } frame)
            output.WriteLine($"  force frame from messages {string.Join(", ", frame.Components)}: {(100 * frame.Misalignment).ToString("F2", inv)} % off-axis{(aligned ? "" : "; not used, searched each component")}");
        if (d.Radial is { } radial)
        {
            output.WriteLine($"  signed magnitude h = u·Δx/r = {radial.Magnitude.ToInfix()}   (R² vs F·Δx/r {radial.R2VsForce.ToString("F3", inv)}, per mass {radial.R2VsForcePerMass.ToString("F3", inv)})");
            if (radial.ReceiverFactor is { } factor)
                output.WriteLine($"  receiver-mass factor {factor.ToInfix()}; law {radial.Law.ToInfix()}");
            if (radial.Scale is { } scale)
                output.WriteLine("  fitted receiver factor s(m1): " + string.Join(", ",
                    scale.Masses.Zip(scale.Factor, (m, v) => $"{v.ToString("G3", inv)} at {m.ToString("G3", inv)}")));
        }
        output.WriteLine($"recovered: {(d.Recovery.Recovered ? "true" : "false")} ({d.Recovery.Reason}); {result.Seconds.ToString("F0", inv)} s; report in {outDir}");
    }
}
