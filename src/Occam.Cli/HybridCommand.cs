using System.CommandLine;
using System.Globalization;
using Occam.Demos;
using Occam.Inference;
using Occam.Inference.Systems;

namespace Occam.Cli;

/// <summary>
/// <c>occam demo hybrid</c>: the three estimators of Garcia Satorras et al. 2019 (graphical model only, GNN only,
/// hybrid) over a sweep of training-set sizes, on the linear tracking or the Lorenz system; with
/// <c>--observations</c>, smooths a CSV of timestamped positions instead.
/// </summary>
internal static class HybridCommand
{
    public static Command Create(Option<int> seed, Option<int> threads, Option<bool> quick, Option<string> output, Action<int> setThreads)
    {
        var system = new Option<string>("--system") { Description = "linear (2D tracking with drag, constant-velocity model given) or lorenz (Lorenz attractor, Taylor-expanded model given).", DefaultValueFactory = _ => "lorenz" };
        var sizes = new Option<string?>("--train-samples") { Description = "Comma-separated training-set sizes in samples (time steps; half train, half validate). Default 100,300,1000,3000,10000; 100,1000 with --quick." };
        var test = new Option<int?>("--test-samples") { Description = "Test steps (default 4000; 2000 with --quick)." };
        var iterations = new Option<int?>("--iterations") { Description = "Message-passing iterations K (default 100, the paper's; 50 with --quick)." };
        var hidden = new Option<int>("--hidden") { Description = "Width of the node states and hidden layers (the paper: 48).", DefaultValueFactory = _ => 48 };
        var steps = new Option<int?>("--steps") { Description = "Adam steps per network (default 300; 150 with --quick)." };
        var batch = new Option<int>("--batch-chunks") { Description = "Training chunks per Adam step.", DefaultValueFactory = _ => 8 };
        var chunk = new Option<int>("--chunk-length") { Description = "Length of the chunks the training trajectory is cut into.", DefaultValueFactory = _ => 50 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var every = new Option<int>("--evaluate-every") { Description = "Validate every this many steps; the best validation state is kept.", DefaultValueFactory = _ => 20 };
        var gamma = new Option<double?>("--gamma") { Description = "Step size γ of the hybrid iteration (default: 1/L, L a bound on the model's Hessian, so that ε ≡ 0 converges)." };
        var order = new Option<int>("--taylor-order") { Description = "Lorenz: order of the Taylor expansion given to the estimators (1 or 2).", DefaultValueFactory = _ => 2 };
        var noAugment = new Option<bool>("--no-augment") { Description = "Train on the chunks as simulated, without the system's random symmetries (rotations and mirror images for linear, (x, y, z) → (−x, −y, z) for Lorenz)." };
        var observations = new Option<string?>("--observations") { Description = "CSV of timestamped observations (columns t and 2 or 3 coordinates): smooth it with a constant-velocity Kalman smoother instead of running the demo; writes smoothed.csv to --out." };
        var command = new Command("hybrid", "Hybrid inference (Garcia Satorras et al. 2019): Kalman smoother, GNN alone and the hybrid of both against training-set size; report and summary.json.")
        {
            system, sizes, test, iterations, hidden, steps, batch, chunk, lr, every, gamma, order, noAugment, observations, quick, seed, threads, output,
        };
        command.SetAction((parse, cancellation) =>
        {
            setThreads(parse.GetValue(threads));
            var writer = parse.InvocationConfiguration.Output;
            var outDirectory = parse.GetValue(output)!;
            OutputGuard.CheckFolder(outDirectory, "--out");
            if (parse.GetValue(observations) is { } csv)
            {
                OutputGuard.CheckFile(Path.Combine(outDirectory, "smoothed.csv"), "--out", csv);
                var smoothed = TrajectorySmoothing.SmoothCsv(csv, outDirectory, line => writer.WriteLine(line));
                writer.WriteLine($"smoothed trajectory: {smoothed}");
                return Task.FromResult(0);
            }
            bool isQuick = parse.GetValue(quick);
            int taylor = parse.GetValue(order);
            if (taylor is < 1 or > 2) throw new ArgumentException($"--taylor-order must be 1 or 2; got {taylor}.");
            IEstimationSystem chosen = parse.GetValue(system)!.Trim().ToLowerInvariant() switch
            {
                "linear" => new LinearTrackingSystem(),
                "lorenz" => new LorenzSystem { TaylorOrder = taylor },
                var other => throw new ArgumentException($"--system must be linear or lorenz; got '{other}'."),
            };
            var options = new HybridDemoOptions
            {
                System = chosen,
                Sizes = ParseSizes(parse.GetValue(sizes)) ?? (isQuick ? [100, 1000] : [100, 300, 1000, 3000, 10000]),
                TestSamples = parse.GetValue(test) ?? (isQuick ? 2000 : 4000),
                Seed = parse.GetValue(seed),
                StepSize = parse.GetValue(gamma),
                Augment = !parse.GetValue(noAugment),
                Network = new HybridNetworkOptions(parse.GetValue(hidden), parse.GetValue(iterations) ?? (isQuick ? 50 : 100), parse.GetValue(seed)),
                Training = new HybridTrainingOptions(parse.GetValue(steps) ?? (isQuick ? 150 : 300), parse.GetValue(batch), parse.GetValue(chunk),
                    parse.GetValue(lr), parse.GetValue(every), parse.GetValue(seed)),
            };
            var result = HybridDemo.Run(options, line => writer.WriteLine(line), cancellation);
            var report = HybridDemo.WriteReport(result, outDirectory);
            foreach (var p in result.Points)
                writer.WriteLine($"N = {p.Size}: test MSE model only {p.ModelOnly:F4}, GNN only {p.GnnOnly:F4}, hybrid {p.Hybrid:F4}");
            writer.WriteLine($"report: {report}");
            return Task.FromResult(0);
        });
        return command;
    }

    static IReadOnlyList<int>? ParseSizes(string? text)
    {
        if (text is null) return null;
        var sizes = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
                throw new ArgumentException($"--train-samples: '{part}' is not a whole number.");
            sizes.Add(n);
        }
        if (sizes.Count == 0) throw new ArgumentException("--train-samples: no size given.");
        return sizes;
    }
}
