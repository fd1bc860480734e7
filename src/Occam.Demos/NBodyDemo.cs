using System.Diagnostics;
using System.Text;
using Occam.Graphs;
using Occam.Physics.NBody;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Occam.Demos;

/// <summary>Which models the N-body demo trains.</summary>
public enum NBodyModel
{
    /// <summary>E(n)-equivariant graph network, velocity variant (Satorras et al. 2021).</summary>
    Egnn,
    /// <summary>Plain message-passing network on [x, v] (the paper's GNN baseline).</summary>
    Gnn,
}

/// <summary>Which charged N-body data set the demo trains and tests on.</summary>
public enum NBodyDataSet
{
    /// <summary>
    /// The published data set (Satorras et al. 2021, <c>nbody_small</c>) regenerated from its NumPy seed 43 by
    /// <see cref="ChargedNBody.GenerateReference"/>: the same trajectories as the published numbers.
    /// </summary>
    Reference,
    /// <summary>Occam's own split: every trajectory seeded from (<see cref="NBodyDemoOptions.Seed"/>, split, index).</summary>
    Seeded,
}

/// <summary>
/// Settings of the charged N-body benchmark. Defaults follow Satorras et al. (2021): 3,000 / 2,000 / 2,000 samples,
/// 4 layers of width 64, SiLU, Adam with learning rate 5e-4, batch 100, test MSE at the best validation epoch
/// (validation every 5 epochs). The paper trains for up to 10,000 epochs; <see cref="Epochs"/> is the budget here.
/// </summary>
public sealed record NBodyDemoOptions
{
    public int Seed { get; init; } = 1;
    public int TrainSamples { get; init; } = 3000;
    public int ValidationSamples { get; init; } = 2000;
    public int TestSamples { get; init; } = 2000;
    public int Epochs { get; init; } = 1000;
    public int BatchSize { get; init; } = 100;
    public double LearningRate { get; init; } = 5e-4;
    public int Hidden { get; init; } = 64;
    public int Layers { get; init; } = 4;
    public int EvaluateEvery { get; init; } = 5;
    /// <summary>Wall-clock budget per model: training stops (after a final evaluation) at the first epoch past it.</summary>
    public TimeSpan? TimeLimit { get; init; }
    public IReadOnlyList<NBodyModel> Models { get; init; } = [NBodyModel.Egnn, NBodyModel.Gnn];
    /// <summary>Data generation options (defaults: the published simulation settings).</summary>
    public ChargedNBodyOptions Data { get; init; } = new();
    /// <summary>
    /// The published data set (default; <see cref="Seed"/> then only seeds the models and the batch order) or a
    /// split seeded from <see cref="Seed"/>.
    /// </summary>
    public NBodyDataSet DataSet { get; init; } = NBodyDataSet.Reference;

    internal void Validate()
    {
        if (TrainSamples < 1 || ValidationSamples < 1 || TestSamples < 1)
            throw new ArgumentOutOfRangeException(nameof(TrainSamples), "NBodyDemoOptions: every split needs at least one sample.");
        if (DataSet == NBodyDataSet.Reference && TrainSamples > ChargedNBody.ReferenceTrainSimulations)
            throw new ArgumentOutOfRangeException(nameof(TrainSamples), TrainSamples, $"NBodyDemoOptions: the published data set has {ChargedNBody.ReferenceTrainSimulations} training trajectories.");
        if (DataSet == NBodyDataSet.Reference && ValidationSamples > ChargedNBody.ReferenceValidationSimulations)
            throw new ArgumentOutOfRangeException(nameof(ValidationSamples), ValidationSamples, $"NBodyDemoOptions: the published data set has {ChargedNBody.ReferenceValidationSimulations} validation trajectories.");
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "NBodyDemoOptions.Epochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "NBodyDemoOptions.BatchSize must be at least 1.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "NBodyDemoOptions.LearningRate must be positive.");
        if (EvaluateEvery < 1) throw new ArgumentOutOfRangeException(nameof(EvaluateEvery), EvaluateEvery, "NBodyDemoOptions.EvaluateEvery must be at least 1.");
        if (Hidden < 1 || Layers < 1) throw new ArgumentOutOfRangeException(nameof(Hidden), "NBodyDemoOptions: Hidden and Layers must be positive.");
        if (Models is null || Models.Count == 0) throw new ArgumentException("NBodyDemoOptions.Models is empty.", nameof(Models));
    }
}

/// <summary>One evaluation point of a training run.</summary>
public sealed record NBodyEpoch(int Epoch, double TrainMse, double ValidationMse, double TestMse);

/// <summary>Result of training one model: test MSE at the best validation epoch, the curve and the wall-clock time.</summary>
public sealed record NBodyModelResult(NBodyModel Model, int Parameters, int EpochsRun, int BestEpoch, double BestValidationMse, double TestMse,
    IReadOnlyList<NBodyEpoch> History, TimeSpan Elapsed);

/// <summary>Result of the N-body demo.</summary>
public sealed record NBodyDemoResult(NBodyDemoOptions Options, double LinearBaselineTestMse, IReadOnlyList<NBodyModelResult> Models,
    TimeSpan DataTime, TimeSpan TotalTime, int Threads);

/// <summary>
/// The EGNN charged N-body benchmark (<c>occam demo nbody</c>): predict positions 1,000 steps ahead from positions,
/// velocities and charges. EGNN: h⁰ = ‖v‖, a_ij = [q_i q_j, ‖x_i − x_j‖²], velocity variant, prediction = x after the
/// last layer. GNN: h⁰ = Linear([x, v]), a_ij = q_i q_j, prediction = two-layer read-out of h.
/// </summary>
public static class NBodyDemo
{
    /// <summary>Published test MSE (Satorras et al. 2021, Table 2).</summary>
    public static readonly IReadOnlyDictionary<string, double> Published = new Dictionary<string, double>
    {
        ["Linear"] = 0.0819, ["SE(3) Transformer"] = 0.0244, ["Tensor Field Network"] = 0.0155,
        ["GNN"] = 0.0107, ["Radial Field"] = 0.0104, ["EGNN"] = 0.0071,
    };

    /// <summary>Generates the data, trains the requested models and returns their scores.</summary>
    public static NBodyDemoResult Run(NBodyDemoOptions? options = null, Action<string>? log = null, CancellationToken cancellation = default)
    {
        options ??= new NBodyDemoOptions();
        options.Validate();
        log ??= _ => { };
        var total = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        log($"generating charged N-body data: {options.TrainSamples} train / {options.ValidationSamples} validation / {options.TestSamples} test " +
            (options.DataSet == NBodyDataSet.Reference ? $"(the published set, NumPy seed {ChargedNBody.ReferenceSeed})" : $"(seeded split, seed {options.Seed})"));
        var data = options.DataSet == NBodyDataSet.Reference
            ? ChargedNBody.GenerateReference(options.TrainSamples, options.ValidationSamples, options.TestSamples, options.Data)
            : ChargedNBody.Generate(options.Seed, options.TrainSamples, options.ValidationSamples, options.TestSamples, options.Data);
        var dataTime = clock.Elapsed;
        double tau = data.Train.LinearBaselineTime();
        double linear = data.Test.LinearBaselineMse(tau);
        log($"data ready in {dataTime.TotalSeconds:F1} s; linear baseline (x + {tau:F3} v) test MSE {linear:F4} (published 0.0819)");

        var results = new List<NBodyModelResult>();
        foreach (var model in options.Models)
        {
            cancellation.ThrowIfCancellationRequested();
            results.Add(Train(model, data, options, log, cancellation));
        }
        return new NBodyDemoResult(options, linear, results, dataTime, total.Elapsed, get_num_threads());
    }

    static NBodyModelResult Train(NBodyModel kind, ChargedNBodyDataset data, NBodyDemoOptions options, Action<string> log, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var generator = new Generator((ulong)(options.Seed * 7919 + (int)kind));
        using var scope = NewDisposeScope();
        var train = NBodyTensors.From(data.Train);
        var validation = NBodyTensors.From(data.Validation);
        var test = NBodyTensors.From(data.Test);
        INBodyNet net = kind == NBodyModel.Egnn
            ? new EgnnNBodyNet(options.Hidden, options.Layers, generator)
            : new GnnNBodyNet(options.Hidden, options.Layers, generator);
        var module = (nn.Module)net;
        int parameters = (int)module.parameters().Sum(p => p.numel());
        log($"{kind}: {parameters:N0} parameters, {options.Epochs} epochs, batch {options.BatchSize}, Adam lr {options.LearningRate}");
        var optimizer = optim.Adam(module.parameters(), options.LearningRate, weight_decay: 1e-12);
        var random = new Random(options.Seed * 31 + (int)kind);
        var history = new List<NBodyEpoch>();
        var best = (Epoch: 0, Validation: double.PositiveInfinity, Test: double.NaN);
        int epochsRun = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            module.train();
            var order = Shuffle(random, train.Count);
            double sum = 0;
            int batches = 0;
            for (int start = 0; start < train.Count; start += options.BatchSize)
            {
                using var step = NewDisposeScope();
                int count = Math.Min(options.BatchSize, train.Count - start);
                var batch = train.Batch(order, start, count);
                optimizer.zero_grad();
                var loss = nn.functional.mse_loss(net.Predict(batch), batch.XT);
                loss.backward();
                optimizer.step();
                sum += loss.item<float>() * count;
                batches += count;
            }
            double trainMse = sum / batches;
            bool outOfTime = options.TimeLimit is { } limit && clock.Elapsed >= limit;
            if (epoch % options.EvaluateEvery == 0 || epoch == options.Epochs || outOfTime)
            {
                double val = Evaluate(net, module, validation, options.BatchSize);
                double tst = Evaluate(net, module, test, options.BatchSize);
                history.Add(new NBodyEpoch(epoch, trainMse, val, tst));
                if (val < best.Validation) best = (epoch, val, tst);
                log($"{kind} epoch {epoch}/{options.Epochs}: train {trainMse:F5}  val {val:F5}  test {tst:F5}  (best val {best.Validation:F5} at {best.Epoch}: test {best.Test:F5})  {clock.Elapsed.TotalSeconds:F0} s");
            }
            epochsRun = epoch;
            if (outOfTime)
            {
                log($"{kind}: time limit {options.TimeLimit!.Value.TotalMinutes:F0} min reached after {epoch} epochs");
                break;
            }
        }
        module.Dispose();
        return new NBodyModelResult(kind, parameters, epochsRun, best.Epoch, best.Validation, best.Test, history, clock.Elapsed);
    }

    static double Evaluate(INBodyNet net, nn.Module module, NBodyTensors set, int batchSize)
    {
        module.eval();
        using var _ = no_grad();
        double sum = 0;
        var order = Enumerable.Range(0, set.Count).ToArray();
        for (int start = 0; start < set.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, set.Count - start);
            var batch = set.Batch(order, start, count);
            sum += nn.functional.mse_loss(net.Predict(batch), batch.XT).item<float>() * count;
        }
        return sum / set.Count;
    }

    static int[] Shuffle(Random random, int n)
    {
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>Writes <c>nbody.md</c> and <c>nbody.png</c> (validation curves) to <paramref name="directory"/>.</summary>
    public static string WriteReport(NBodyDemoResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var png = Path.Combine(directory, "nbody.png");
        DemoReport.LinePlot(png, "Charged N-body: validation MSE", "epoch", "log10 validation MSE",
            result.Models.Select(m => new PlotSeries(m.Model.ToString(),
                m.History.Select(h => (double)h.Epoch).ToArray(), m.History.Select(h => Math.Log10(h.ValidationMse)).ToArray())), markers: true);
        var o = result.Options;
        var md = new StringBuilder();
        md.AppendLine("# Charged N-body (EGNN benchmark)");
        md.AppendLine();
        md.AppendLine($"Data: {o.TrainSamples} train / {o.ValidationSamples} validation / {o.TestSamples} test, 5 charged particles in 3-D, " +
                      $"positions {o.Data.TargetFrame - o.Data.InputFrame} frames ({(o.Data.TargetFrame - o.Data.InputFrame) * o.Data.SampleEvery} steps) ahead, " +
                      (o.DataSet == NBodyDataSet.Reference ? $"the published data set (NumPy seed {ChargedNBody.ReferenceSeed}); model seed {o.Seed}." : $"seeded split, seed {o.Seed}."));
        var budget = o.TimeLimit is { } limit ? $" (or {limit.TotalMinutes:F0} min per model, whichever comes first)" : "";
        md.AppendLine($"Training: up to {o.Epochs} epochs{budget}, batch {o.BatchSize}, Adam lr {DemoReport.F(o.LearningRate)}, {o.Layers} layers × {o.Hidden}, " +
                      $"validation every {o.EvaluateEvery} epochs, TorchSharp threads: {result.Threads}.");
        md.AppendLine();
        md.AppendLine("| model | parameters | epochs run | best epoch | validation MSE | test MSE | published | time |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        md.AppendLine($"| Linear (x + τv, fitted τ) | 1 | – | – | – | {result.LinearBaselineTestMse:F4} | 0.0819 | – |");
        foreach (var m in result.Models)
        {
            var published = Published[m.Model == NBodyModel.Egnn ? "EGNN" : "GNN"];
            md.AppendLine($"| {m.Model} | {m.Parameters:N0} | {m.EpochsRun} | {m.BestEpoch} | {m.BestValidationMse:F5} | {m.TestMse:F5} | {published} | {m.Elapsed.TotalMinutes:F1} min |");
        }
        md.AppendLine();
        md.AppendLine($"Data generation {result.DataTime.TotalSeconds:F1} s; total {result.TotalTime.TotalMinutes:F1} min.");
        md.AppendLine("The published numbers come from up to 10,000 epochs; a shorter run is expected to score higher (worse).");
        md.AppendLine();
        md.AppendLine("![validation curves](nbody.png)");
        var path = Path.Combine(directory, "nbody.md");
        DemoReport.WriteText(path, md.ToString());
        return path;
    }
}

/// <summary>The N-body split as tensors: X0, V0, XT [S, 5, 3] and charges Q [S, 5, 1], float32.</summary>
internal sealed class NBodyTensors
{
    public required int Count { get; init; }
    public required int Particles { get; init; }
    public required Tensor X0 { get; init; }
    public required Tensor V0 { get; init; }
    public required Tensor XT { get; init; }
    public required Tensor Q { get; init; }

    public static NBodyTensors From(ChargedNBodySet set)
    {
        long n = set.Particles, d = set.Dimensions;
        Tensor T(double[] data, long last) => tensor(data.Select(v => (float)v).ToArray()).reshape(set.Count, n, last);
        return new NBodyTensors
        {
            Count = set.Count, Particles = set.Particles,
            X0 = T(set.X0, d), V0 = T(set.V0, d), XT = T(set.XT, d), Q = T(set.Charges, 1),
        };
    }

    /// <summary>Samples order[start..start+count) as one batch of fully connected graphs.</summary>
    public NBodyBatch Batch(int[] order, int start, int count)
    {
        var index = tensor(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray());
        var (senders, receivers) = Edges(count, Particles);
        var x = X0.index_select(0, index).reshape(-1, X0.shape[2]);
        var v = V0.index_select(0, index).reshape(-1, V0.shape[2]);
        var q = Q.index_select(0, index).reshape(-1, 1);
        var xt = XT.index_select(0, index).reshape(-1, XT.shape[2]);
        var qq = q.index_select(0, receivers) * q.index_select(0, senders);
        var diff = x.index_select(0, receivers) - x.index_select(0, senders);
        var edges = cat([qq, diff.square().sum(1, keepdim: true)], 1);
        return new NBodyBatch(x, v, xt, edges, qq, senders, receivers);
    }

    static (Tensor, Tensor) Edges(int graphs, int n)
    {
        var (s, r) = GraphBuilders.FullyConnected(n);
        var senders = new long[graphs * s.Length];
        var receivers = new long[graphs * s.Length];
        for (int g = 0; g < graphs; g++)
            for (int e = 0; e < s.Length; e++)
            {
                senders[g * s.Length + e] = s[e] + g * n;
                receivers[g * s.Length + e] = r[e] + g * n;
            }
        return (tensor(senders), tensor(receivers));
    }
}

/// <summary>
/// One batch: nodes flattened over graphs ([B·5, 3]), EGNN's edge attributes [q_i q_j, ‖x_i − x_j‖²] and the GNN's
/// (the charge product q_i q_j alone, as in the reference).
/// </summary>
internal sealed record NBodyBatch(Tensor X, Tensor V, Tensor XT, Tensor EdgeAttributes, Tensor Charges, Tensor Senders, Tensor Receivers);

internal interface INBodyNet
{
    Tensor Predict(NBodyBatch batch);
}

/// <summary>EGNN (velocity variant) as in the paper's N-body experiment: h⁰ = ‖v‖, the prediction is the final x.</summary>
internal sealed class EgnnNBodyNet : nn.Module, INBodyNet
{
    private readonly Egnn egnn;

    public EgnnNBodyNet(int hidden, int layers, Generator generator) : base(nameof(EgnnNBodyNet))
    {
        egnn = new Egnn(new EgnnOptions { NodeFeatures = 1, EdgeFeatures = 2, Hidden = hidden, Layers = layers, UseVelocity = true }, generator);
        RegisterComponents();
    }

    public Tensor Predict(NBodyBatch b)
    {
        using var scope = NewDisposeScope();
        var speed = b.V.square().sum(1, keepdim: true).sqrt();
        var output = egnn.Forward(speed, b.X, b.V, b.Senders, b.Receivers, b.EdgeAttributes);
        return output.X.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The paper's GNN baseline: h⁰ = Linear([x, v]); per layer m_ij = φ_e(h_i, h_j, q_i q_j), h_i ← h_i + φ_h(h_i, Σ_j m_ij);
/// the prediction is a two-layer read-out of h (not equivariant).
/// </summary>
internal sealed class GnnNBodyNet : nn.Module, INBodyNet
{
    private readonly Mlp embedding;
    private readonly ModuleList<Mlp> edgeModels = new();
    private readonly ModuleList<Mlp> nodeModels = new();
    private readonly Mlp decoder;

    public GnnNBodyNet(int hidden, int layers, Generator generator) : base(nameof(GnnNBodyNet))
    {
        embedding = new Mlp(6, [hidden], Activation.SiLU, generator: generator);
        for (int l = 0; l < layers; l++)
        {
            edgeModels.Add(new Mlp(2 * hidden + 1, [hidden, hidden], Activation.SiLU, activateFinal: true, generator: generator));
            nodeModels.Add(new Mlp(2 * hidden, [hidden, hidden], Activation.SiLU, generator: generator));
        }
        decoder = new Mlp(hidden, [hidden, 3], Activation.SiLU, generator: generator);
        RegisterComponents();
    }

    public Tensor Predict(NBodyBatch b)
    {
        using var scope = NewDisposeScope();
        var h = embedding.forward(cat([b.X, b.V], 1));
        long n = h.shape[0];
        for (int l = 0; l < edgeModels.Count; l++)
        {
            var m = edgeModels[l].forward(cat([h.index_select(0, b.Receivers), h.index_select(0, b.Senders), b.Charges], 1));
            h = h + nodeModels[l].forward(cat([h, Aggregations.SegmentSum(m, b.Receivers, n)], 1));
        }
        return decoder.forward(h).MoveToOuterDisposeScope();
    }
}
