using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Occam.Inference;
using Occam.Inference.Systems;

namespace Occam.Demos;

/// <summary>
/// Settings of the hybrid-inference demo (Garcia Satorras, Akata &amp; Welling 2019) at CPU scale. For each training-set
/// size N, the first N/2 samples (time steps) of one training trajectory train the networks and N/2 steps of another
/// validate them (the paper's split); the graphical model's process-noise scale σ is tuned on those N samples. Test:
/// <see cref="TestSamples"/> steps of a third trajectory.
/// </summary>
public sealed record HybridDemoOptions
{
    public required IEstimationSystem System { get; init; }
    public IReadOnlyList<int> Sizes { get; init; } = [100, 300, 1000, 3000, 10000];
    public int TestSamples { get; init; } = 4000;
    public long Seed { get; init; } = 1;
    public HybridNetworkOptions Network { get; init; } = new();
    public HybridTrainingOptions Training { get; init; } = new();
    /// <summary>Train on a random symmetry of each chunk (<see cref="IEstimationSystem.RandomSymmetry"/>): rotations and mirror images for linear, (x, y, z) → (−x, −y, z) for Lorenz.</summary>
    public bool Augment { get; init; } = true;
    /// <summary>Step size γ of the hybrid iteration; null: <see cref="ModelMessages.StableStepSize"/> at the training observations.</summary>
    public double? StepSize { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(System);
        if (Sizes is null || Sizes.Count == 0) throw new ArgumentException("--train-samples: give at least one training-set size.");
        foreach (var n in Sizes)
            if (n < 4 || n > 1_000_000) throw new ArgumentOutOfRangeException(nameof(Sizes), n, $"--train-samples: {n} is outside 4 … 1,000,000.");
        if (TestSamples < 2 || TestSamples > 1_000_000) throw new ArgumentOutOfRangeException(nameof(TestSamples), TestSamples, $"--test-samples: {TestSamples} is outside 2 … 1,000,000.");
        if (StepSize is { } g && !(g > 0 && double.IsFinite(g))) throw new ArgumentOutOfRangeException(nameof(StepSize), g, "--gamma must be positive.");
        Network.Validate();
        Training.Validate();
    }
}

/// <summary>The test MSE of the three estimators (and of the observations themselves) at one training-set size.</summary>
public sealed record HybridDemoPoint(int Size, double Sigma, double StepSize, double ModelOnly, double GnnOnly, double Hybrid,
    double ModelIteration, HybridTrainingResult GnnTraining, HybridTrainingResult HybridTraining);

/// <summary>Result of the hybrid demo: one point per size, the observations' own MSE and an example window of the test trajectory.</summary>
public sealed record HybridDemoResult(HybridDemoOptions Options, IReadOnlyList<HybridDemoPoint> Points, double ObservationMse,
    HybridExample Example, TimeSpan Elapsed);

/// <summary>A window of the test trajectory with every estimate (from the largest training set), for the plot.</summary>
public sealed record HybridExample(double[][] Truth, double[][] Observations, double[][] ModelOnly, double[][] GnnOnly, double[][] Hybrid);

/// <summary>The hybrid-inference demo (<c>occam demo hybrid</c>).</summary>
public static class HybridDemo
{
    public static HybridDemoResult Run(HybridDemoOptions options, Action<string>? log = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        var system = options.System;
        int largest = options.Sizes.Max();
        var test = system.Simulate(options.Seed, 0, options.TestSamples);
        // Nested training sets: every size takes the first N/2 steps of the same two trajectories.
        var trainAll = system.Simulate(options.Seed, 1, Math.Max(2, largest / 2));
        var validationAll = system.Simulate(options.Seed, 2, Math.Max(2, largest - largest / 2));
        double observationMse = test.MeanSquaredError(test.Observations);
        log($"hybrid {system.Name}: {system.Description}");
        log($"test: {test.Length} steps (observations' own MSE {observationMse:G4}); sizes {string.Join(", ", options.Sizes)}; K = {options.Network.Iterations}, hidden {options.Network.Hidden}, {options.Training.Steps} Adam steps per network");
        var points = new List<HybridDemoPoint>();
        HybridExample? example = null;
        foreach (int size in options.Sizes.Order())
        {
            cancellation.ThrowIfCancellationRequested();
            var train = trainAll.Slice(0, Math.Max(2, size / 2));
            var validation = validationAll.Slice(0, Math.Max(2, size - size / 2));
            var (sigma, model) = TuneSigma(system, [train, validation]);
            var modelOnly = Smooth(model, test);
            double modelMse = test.MeanSquaredError(modelOnly);
            var messages = new ModelMessages(model);
            double gamma = options.StepSize ?? messages.StableStepSize(InitialStates(model, train));
            log($"N = {size}: σ = {sigma:G3} (tuned on the {size} samples), model only: test MSE {modelMse:G4}; γ = {gamma:G3}");

            using var gnn = new HybridNetwork(HybridMode.GnnOnly, messages, gamma, options.Network);
            log($"N = {size}: training GNN only");
            var gnnTraining = HybridTraining.Train(gnn, [train], [validation], options.Training, log, cancellation, Augmentation(options));
            var gnnEstimate = HybridTraining.Estimate(gnn, test);
            double gnnMse = test.MeanSquaredError(gnnEstimate);

            using var hybrid = new HybridNetwork(HybridMode.Hybrid, messages, gamma, options.Network);
            double iterationMse = test.MeanSquaredError(HybridTraining.Estimate(hybrid, test, zeroCorrection: true)); // the model's own K-step iteration
            log($"N = {size}: training hybrid (the model's own {options.Network.Iterations}-step iteration: test MSE {iterationMse:G4})");
            var hybridTraining = HybridTraining.Train(hybrid, [train], [validation], options.Training, log, cancellation, Augmentation(options));
            var hybridEstimate = HybridTraining.Estimate(hybrid, test);
            double hybridMse = test.MeanSquaredError(hybridEstimate);
            log($"N = {size}: test MSE  model only {modelMse:G4}   GNN only {gnnMse:G4}   hybrid {hybridMse:G4}   ({clock.Elapsed.TotalMinutes:F1} min)");
            points.Add(new HybridDemoPoint(size, sigma, gamma, modelMse, gnnMse, hybridMse, iterationMse, gnnTraining, hybridTraining));
            if (size == largest)
            {
                int window = Math.Min(80, test.Length);
                example = new HybridExample(test.Truth[..window], test.Observations[..window], modelOnly[..window], gnnEstimate[..window], hybridEstimate[..window]);
            }
        }
        return new HybridDemoResult(options, points, observationMse, example!, clock.Elapsed);
    }

    static Func<StateSequence, Random, StateSequence>? Augmentation(HybridDemoOptions options) =>
        options.Augment ? options.System.RandomSymmetry : null;

    /// <summary>The σ of <see cref="IEstimationSystem.SigmaGrid"/> whose smoother has the lowest MSE on <paramref name="data"/>.</summary>
    public static (double Sigma, StateSpaceModel Model) TuneSigma(IEstimationSystem system, IReadOnlyList<StateSequence> data)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(data);
        (double Sigma, StateSpaceModel Model, double Mse) best = (double.NaN, null!, double.PositiveInfinity);
        foreach (var sigma in system.SigmaGrid)
        {
            var model = system.ApproximateModel(sigma);
            double sum = 0;
            long count = 0;
            foreach (var s in data)
            {
                sum += s.MeanSquaredError(Smooth(model, s)) * s.Length;
                count += s.Length;
            }
            if (sum / count < best.Mse) best = (sigma, model, sum / count);
        }
        return (best.Sigma, best.Model);
    }

    /// <summary>The smoother's estimate of the observed quantities, H·E[x_t | y].</summary>
    public static double[][] Smooth(StateSpaceModel model, StateSequence sequence)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequence);
        return KalmanSmoother.Smooth(model, sequence.Observations).Means.Select(m => (model.H * m).ToArray()).ToArray();
    }

    static double[] InitialStates(StateSpaceModel model, StateSequence sequence) =>
        sequence.Observations.SelectMany(y => model.H.TransposeThisAndMultiply(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(y)).ToArray()).ToArray();

    /// <summary>Writes <c>hybrid.md</c>, <c>summary.json</c>, <c>hybrid-mse.png</c> and <c>hybrid-trajectory.png</c> to <paramref name="directory"/>.</summary>
    public static string WriteReport(HybridDemoResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var o = result.Options;
        var points = result.Points;
        double[] sizes = points.Select(p => (double)p.Size).ToArray();
        DemoReport.LinePlot(Path.Combine(directory, "hybrid-mse.png"), $"{o.System.Name}: test MSE against training-set size", "training samples", "test MSE",
        [
            new PlotSeries("graphical model only", sizes, points.Select(p => p.ModelOnly).ToArray(), "#1f77b4"),
            new PlotSeries("GNN only", sizes, points.Select(p => p.GnnOnly).ToArray(), "#2ca02c"),
            new PlotSeries("hybrid", sizes, points.Select(p => p.Hybrid).ToArray(), "#d62728"),
            new PlotSeries("observations", [sizes[0], sizes[^1]], [result.ObservationMse, result.ObservationMse], "#7f7f7f"),
        ], width: 900, markers: true, logLog: true);
        var e = result.Example;
        double[] time = Enumerable.Range(0, e.Truth.Length).Select(t => (double)t).ToArray();
        double[] Coordinate(double[][] rows) => rows.Select(r => r[0]).ToArray();
        DemoReport.LinePlot(Path.Combine(directory, "hybrid-trajectory.png"), $"{o.System.Name}: first coordinate of the test trajectory (N = {points[^1].Size})", "time step", "x₀",
        [
            new PlotSeries("truth", time, Coordinate(e.Truth), "#000000"),
            new PlotSeries("observations", time, Coordinate(e.Observations), "#bbbbbb"),
            new PlotSeries("graphical model only", time, Coordinate(e.ModelOnly), "#1f77b4"),
            new PlotSeries("GNN only", time, Coordinate(e.GnnOnly), "#2ca02c"),
            new PlotSeries("hybrid", time, Coordinate(e.Hybrid), "#d62728"),
        ], width: 1000, markers: false);

        var md = new StringBuilder();
        md.AppendLine($"# Hybrid inference: {o.System.Name}");
        md.AppendLine();
        md.AppendLine($"{o.System.Description}. Test: {o.TestSamples} steps of a separate trajectory; the observations alone have MSE {result.ObservationMse:G4}.");
        md.AppendLine($"Networks: hidden {o.Network.Hidden}, K = {o.Network.Iterations} iterations, {o.Training.Steps} Adam steps (learning rate {DemoReport.F(o.Training.LearningRate)}, {o.Training.BatchChains} chunks of {o.Training.ChunkLength} steps per batch), " +
                      $"the state with the best validation MSE kept (checked every {o.Training.EvaluateEvery} steps, and before training); " +
                      $"{(o.Augment ? "each training chunk under a random symmetry of the system" : "no augmentation")}; seed {o.Seed}.");
        md.AppendLine("For a size N, N/2 samples train and N/2 validate; σ of the graphical model is tuned on all N. MSE is per coordinate, over all test steps.");
        md.AppendLine();
        md.AppendLine("| training samples | σ | graphical model only | GNN only | hybrid | model's own K-step iteration | hybrid ≤ both |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var p in points)
            md.AppendLine($"| {p.Size} | {p.Sigma:G3} | {p.ModelOnly:F4} | {p.GnnOnly:F4} | {p.Hybrid:F4} | {p.ModelIteration:F4} | {(p.Hybrid <= Math.Min(p.ModelOnly, p.GnnOnly) ? "yes" : "no")} |");
        md.AppendLine();
        md.AppendLine($"Wall-clock time {result.Elapsed.TotalMinutes:F1} min.");
        md.AppendLine();
        md.AppendLine("![MSE against training-set size](hybrid-mse.png)");
        md.AppendLine();
        md.AppendLine("![test trajectory](hybrid-trajectory.png)");
        var path = Path.Combine(directory, "hybrid.md");
        DemoReport.WriteText(path, md.ToString());

        var summary = new JsonObject
        {
            ["system"] = o.System.Name,
            ["description"] = o.System.Description,
            ["seed"] = o.Seed,
            ["test_samples"] = o.TestSamples,
            ["iterations"] = o.Network.Iterations,
            ["hidden"] = o.Network.Hidden,
            ["training_steps"] = o.Training.Steps,
            ["augment"] = o.Augment,
            ["observation_mse"] = result.ObservationMse,
            ["sizes"] = new JsonArray(points.Select(p => (JsonNode)p.Size).ToArray()),
            ["sigma"] = new JsonArray(points.Select(p => (JsonNode)p.Sigma).ToArray()),
            ["gamma"] = new JsonArray(points.Select(p => (JsonNode)p.StepSize).ToArray()),
            ["mse"] = new JsonObject
            {
                ["model_only"] = new JsonArray(points.Select(p => (JsonNode)p.ModelOnly).ToArray()),
                ["gnn_only"] = new JsonArray(points.Select(p => (JsonNode)p.GnnOnly).ToArray()),
                ["hybrid"] = new JsonArray(points.Select(p => (JsonNode)p.Hybrid).ToArray()),
                ["model_iteration"] = new JsonArray(points.Select(p => (JsonNode)p.ModelIteration).ToArray()),
            },
            ["elapsed_seconds"] = Math.Round(result.Elapsed.TotalSeconds, 1),
        };
        DemoReport.WriteText(Path.Combine(directory, "summary.json"), summary.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return path;
    }
}
