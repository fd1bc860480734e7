using System.Diagnostics;
using System.Text;
using Occam.Graphs;
using Occam.Physics.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Demos;

/// <summary>
/// Settings of the graph_nets mass-spring demo: EncodeProcessDecode (latent 16, two-layer MLPs with LayerNorm,
/// one processing step) trained with Adam 1e-3 on batches of 256 noisy chains of 5–8 masses (spacing 0.2–1.0)
/// to predict the next velocity from the state at a random time of a 50-step trajectory; tested by 50-step
/// rollouts on chains of 4 and 9 masses (spacing 0.5).
/// </summary>
public sealed record MassSpringDemoOptions
{
    public int Seed { get; init; } = 1;
    public int Iterations { get; init; } = 3000;
    public int BatchSize { get; init; } = 256;
    public double LearningRate { get; init; } = 1e-3;
    public int Latent { get; init; } = 16;
    public int ProcessingSteps { get; init; } = 1;
    public int TimeSteps { get; init; } = 50;
    public int MinMasses { get; init; } = 5;
    public int MaxMasses { get; init; } = 8;
    public double MinSpacing { get; init; } = 0.2;
    public double MaxSpacing { get; init; } = 1.0;
    public int EvaluateEvery { get; init; } = 100;
    public IReadOnlyList<int> TestMasses { get; init; } = [4, 9];
    public double TestSpacing { get; init; } = 0.5;
    /// <summary>Rollouts (independently noised chains) per test size; the errors are averaged over them.</summary>
    public int RolloutsPerSize { get; init; } = 10;
    /// <summary>Held-out one-step samples (training distribution, other seed) whose velocity MSE picks the reported iteration.</summary>
    public int ValidationSamples { get; init; } = 256;
    public MassSpringOptions Physics { get; init; } = new();

    internal void Validate()
    {
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "MassSpringDemoOptions.Iterations must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "MassSpringDemoOptions.BatchSize must be at least 1.");
        if (TimeSteps < 2) throw new ArgumentOutOfRangeException(nameof(TimeSteps), TimeSteps, "MassSpringDemoOptions.TimeSteps must be at least 2.");
        if (MinMasses < 2 || MaxMasses < MinMasses) throw new ArgumentOutOfRangeException(nameof(MinMasses), "MassSpringDemoOptions: need 2 ≤ MinMasses ≤ MaxMasses.");
        if (!(MinSpacing > 0) || MaxSpacing < MinSpacing) throw new ArgumentOutOfRangeException(nameof(MinSpacing), "MassSpringDemoOptions: need 0 < MinSpacing ≤ MaxSpacing.");
        if (EvaluateEvery < 1) throw new ArgumentOutOfRangeException(nameof(EvaluateEvery), EvaluateEvery, "MassSpringDemoOptions.EvaluateEvery must be at least 1.");
        if (RolloutsPerSize < 1) throw new ArgumentOutOfRangeException(nameof(RolloutsPerSize), RolloutsPerSize, "MassSpringDemoOptions.RolloutsPerSize must be at least 1.");
        if (ValidationSamples < 1) throw new ArgumentOutOfRangeException(nameof(ValidationSamples), ValidationSamples, "MassSpringDemoOptions.ValidationSamples must be at least 1.");
        if (TestMasses is null || TestMasses.Count == 0 || TestMasses.Any(m => m < 2))
            throw new ArgumentException("MassSpringDemoOptions.TestMasses needs chain sizes of at least 2.", nameof(TestMasses));
    }
}

/// <summary>A rollout on one test chain: true and predicted states ([step][mass·5]) and their errors.</summary>
public sealed record MassSpringRollout(int Masses, double[][] True, double[][] Predicted, double PositionMse, double VelocityMse);

/// <summary>Rollout errors for one chain size, averaged over the test chains, with the first rollout as an example.</summary>
public sealed record MassSpringRolloutSummary(int Masses, int Chains, double PositionMse, double VelocityMse, MassSpringRollout Example);

/// <summary>One evaluation point: training loss, validation one-step velocity MSE and the rollout errors per test chain size.</summary>
public sealed record MassSpringEpoch(int Iteration, double Loss, double ValidationMse, IReadOnlyList<MassSpringRolloutSummary> Rollouts);

/// <summary>
/// Result of the mass-spring demo: <see cref="Rollouts"/> at <see cref="BestIteration"/> (lowest validation one-step MSE),
/// <see cref="FinalRollouts"/> after the last iteration.
/// </summary>
public sealed record MassSpringDemoResult(MassSpringDemoOptions Options, int BestIteration, IReadOnlyList<MassSpringRolloutSummary> Rollouts,
    IReadOnlyList<MassSpringRolloutSummary> FinalRollouts, IReadOnlyList<MassSpringEpoch> History, TimeSpan Elapsed);

/// <summary>The graph_nets mass-spring demo (<c>occam demo mass-spring</c>).</summary>
public static class MassSpringDemo
{
    public static MassSpringDemoResult Run(MassSpringDemoOptions? options = null, Action<string>? log = null, CancellationToken cancellation = default)
    {
        options ??= new MassSpringDemoOptions();
        options.Validate();
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        var random = new Random(options.Seed);
        var testRandom = new Random(options.Seed + 1_000_003);
        var testChains = options.TestMasses
            .Select(m => Enumerable.Range(0, options.RolloutsPerSize).Select(_ => MassSpringTask.CreateNoisy(testRandom, m, options.TestSpacing, options.Physics)).ToArray())
            .ToArray();
        double dt = options.Physics.StepSize;
        var (validationInputs, validationTargets) = Samples(new Random(options.Seed + 2_000_003), options.ValidationSamples, options);
        using var scope = NewDisposeScope();
        var model = EncodeProcessDecode.Create(
            new FeatureWidths(MassSpringChain.NodeStateSize, MassSpringChain.EdgeFeatureSize, 2), options.Latent,
            new FeatureWidths(2, 0, 0), [options.Latent], options.ProcessingSteps, Activation.ReLU, new Generator((ulong)options.Seed));
        // FusedAdam, not TorchSharp's Adam, whose step now and then lost a scalar to the garbage collector mid-call
        // ("Expected false to be true" from c10::Scalar::toFloat; docs/performance.md).
        var optimizer = new FusedAdam(model.parameters(), options.LearningRate);
        log($"mass-spring: {model.parameters().Sum(p => p.numel()):N0} parameters; train on {options.MinMasses}–{options.MaxMasses} masses, " +
            $"rollouts of {options.TimeSteps} steps on {string.Join(" and ", options.TestMasses)} masses");
        var history = new List<MassSpringEpoch>();
        List<MassSpringRolloutSummary> rollouts = [];
        var best = (Iteration: 0, Validation: double.PositiveInfinity, Rollouts: rollouts);
        for (int iteration = 1; iteration <= options.Iterations; iteration++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var step = NewDisposeScope();
            var (inputs, targets) = Samples(random, options.BatchSize, options);
            var batch = GraphTensors.Batch(inputs, MassSpringChain.NodeStateSize, MassSpringChain.EdgeFeatureSize, 2);
            var target = tensor(targets).reshape(-1, 2);
            model.train();
            optimizer.ZeroGrad();
            var outputs = model.ForwardSteps(batch);
            Tensor loss = zeros(1);
            foreach (var o in outputs) loss = loss + nn.functional.mse_loss(o.Nodes!, target);
            loss = loss / outputs.Count;
            loss.backward();
            optimizer.Step();
            if (iteration % options.EvaluateEvery == 0 || iteration == options.Iterations)
            {
                double validation = ValidationMse(model, validationInputs, validationTargets);
                rollouts = testChains.Select(chains => Summarise(chains.Select(c => Rollout(model, c, options.TimeSteps, dt)).ToList())).ToList();
                history.Add(new MassSpringEpoch(iteration, loss.item<float>(), validation, rollouts));
                if (validation < best.Validation) best = (iteration, validation, rollouts);
                log($"mass-spring iteration {iteration}/{options.Iterations}: loss {loss.item<float>():F5}  val {validation:F5}  rollout " +
                    string.Join("  ", rollouts.Select(r => $"{r.Masses} masses: position MSE {r.PositionMse:F4}, velocity MSE {r.VelocityMse:F4}")) +
                    $"  {clock.Elapsed.TotalSeconds:F0} s");
            }
        }
        return new MassSpringDemoResult(options, best.Iteration, best.Rollouts, rollouts, history, clock.Elapsed);
    }

    /// <summary>Random (state at t, velocity at t + 1) pairs from noisy training chains.</summary>
    static (List<GraphTensors.Plain> Inputs, float[] Targets) Samples(Random random, int count, MassSpringDemoOptions options)
    {
        var inputs = new List<GraphTensors.Plain>(count);
        var targets = new List<float>();
        for (int b = 0; b < count; b++)
        {
            int masses = random.Next(options.MinMasses, options.MaxMasses + 1);
            double spacing = options.MinSpacing + (options.MaxSpacing - options.MinSpacing) * random.NextDouble();
            var chain = MassSpringTask.CreateNoisy(random, masses, spacing, options.Physics);
            int t = random.Next(options.TimeSteps - 1);
            var states = MassSpringTask.Simulate(chain, t + 1, options.Physics.StepSize);
            inputs.Add(Plain(chain, states[t]));
            for (int i = 0; i < masses; i++) { targets.Add((float)states[t + 1][i * 5 + 2]); targets.Add((float)states[t + 1][i * 5 + 3]); }
        }
        return (inputs, targets.ToArray());
    }

    static double ValidationMse(EncodeProcessDecode model, List<GraphTensors.Plain> inputs, float[] targets)
    {
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var batch = GraphTensors.Batch(inputs, MassSpringChain.NodeStateSize, MassSpringChain.EdgeFeatureSize, 2);
        return nn.functional.mse_loss(model.forward(batch).Nodes!, tensor(targets).reshape(-1, 2)).item<float>();
    }

    static MassSpringRolloutSummary Summarise(List<MassSpringRollout> rollouts) =>
        new(rollouts[0].Masses, rollouts.Count, rollouts.Average(r => r.PositionMse), rollouts.Average(r => r.VelocityMse), rollouts[0]);

    static GraphTensors.Plain Plain(MassSpringChain chain, double[] state) =>
        new(chain.Masses, state, chain.Senders, chain.Receivers, chain.Edges, chain.Globals);

    /// <summary>
    /// Rolls the model out: from the chain's initial state, predicts the next velocity, integrates x' = x + dt v'
    /// and feeds the result back; compares with the exact trajectory (MSE over masses, coordinates and steps 1..T).
    /// </summary>
    public static MassSpringRollout Rollout(EncodeProcessDecode model, MassSpringChain chain, int steps, double stepSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(chain);
        var truth = MassSpringTask.Simulate(chain, steps, stepSize);
        var predicted = new double[steps + 1][];
        predicted[0] = (double[])chain.InitialState.Clone();
        model.eval();
        using (no_grad())
        {
            for (int t = 0; t < steps; t++)
            {
                using var scope = NewDisposeScope();
                var graph = GraphTensors.Batch([Plain(chain, predicted[t])], MassSpringChain.NodeStateSize, MassSpringChain.EdgeFeatureSize, 2);
                var velocity = model.forward(graph).Nodes!.to_type(ScalarType.Float64).data<double>().ToArray();
                predicted[t + 1] = MassSpringTask.Advance(predicted[t], velocity, stepSize);
            }
        }
        double position = 0, velocityError = 0;
        for (int t = 1; t <= steps; t++)
        {
            for (int i = 0; i < chain.Masses; i++)
            {
                for (int k = 0; k < 2; k++)
                {
                    position += Math.Pow(predicted[t][i * 5 + k] - truth[t][i * 5 + k], 2);
                    velocityError += Math.Pow(predicted[t][i * 5 + 2 + k] - truth[t][i * 5 + 2 + k], 2);
                }
            }
        }
        double count = steps * chain.Masses * 2.0;
        return new MassSpringRollout(chain.Masses, truth, predicted, position / count, velocityError / count);
    }

    /// <summary>Writes <c>mass-spring.md</c> and one rollout PNG per test chain to <paramref name="directory"/>.</summary>
    public static string WriteReport(MassSpringDemoResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var o = result.Options;
        var md = new StringBuilder();
        md.AppendLine("# graph_nets demo: mass-spring chain");
        md.AppendLine();
        md.AppendLine($"EncodeProcessDecode, latent {o.Latent}, two-layer MLPs with LayerNorm, {o.ProcessingSteps} processing step(s), Adam {DemoReport.F(o.LearningRate)}, " +
                      $"{o.Iterations} iterations of {o.BatchSize} noisy chains with {o.MinMasses}–{o.MaxMasses} masses (spacing {DemoReport.F(o.MinSpacing)}–{DemoReport.F(o.MaxSpacing)}), " +
                      $"target: the next velocity; seed {o.Seed}.");
        md.AppendLine($"Test: {o.TimeSteps}-step rollouts (dt {DemoReport.F(o.Physics.StepSize)}) from {o.RolloutsPerSize} noisy chains per size with spacing {DemoReport.F(o.TestSpacing)}, " +
                      "the model's velocity integrated and fed back; errors are mean squared errors over masses, coordinates, steps and chains. " +
                      $"Reported iteration: {result.BestIteration}, the lowest one-step velocity MSE on {o.ValidationSamples} held-out training-size samples.");
        md.AppendLine();
        md.AppendLine($"| masses | rollout position MSE | rollout velocity MSE | after the last iteration (position / velocity) | plot |");
        md.AppendLine("|---|---|---|---|---|");
        for (int k = 0; k < result.Rollouts.Count; k++)
        {
            var summary = result.Rollouts[k];
            var final = result.FinalRollouts[k];
            var r = summary.Example;
            var png = $"mass-spring-{r.Masses}.png";
            md.AppendLine($"| {r.Masses} | {summary.PositionMse:F5} | {summary.VelocityMse:F5} | {final.PositionMse:F5} / {final.VelocityMse:F5} | [{png}]({png}) |");
            var series = new List<PlotSeries>();
            for (int i = 0; i < r.Masses; i++)
            {
                series.Add(new PlotSeries(i == 0 ? "true" : "", r.True.Select(s => s[i * 5]).ToArray(), r.True.Select(s => s[i * 5 + 1]).ToArray(), "#1f77b4"));
                series.Add(new PlotSeries(i == 0 ? "predicted" : "", r.Predicted.Select(s => s[i * 5]).ToArray(), r.Predicted.Select(s => s[i * 5 + 1]).ToArray(), "#ff7f0e"));
            }
            DemoReport.LinePlot(Path.Combine(directory, png), $"{r.Masses}-mass chain: {o.TimeSteps}-step rollout", "x", "y", series, markers: true);
        }
        md.AppendLine();
        md.AppendLine($"Wall-clock time {result.Elapsed.TotalMinutes:F1} min.");
        md.AppendLine();
        foreach (var r in result.Rollouts) md.AppendLine($"![rollout {r.Masses}](mass-spring-{r.Masses}.png)");
        md.AppendLine();
        md.AppendLine("The plots show the first test chain of each size: true (blue) and predicted (orange) positions of every mass over the rollout.");
        var path = Path.Combine(directory, "mass-spring.md");
        DemoReport.WriteText(path, md.ToString());
        return path;
    }
}
