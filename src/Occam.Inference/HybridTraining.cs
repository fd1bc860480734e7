using System.Diagnostics;
using Occam.Inference.Systems;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Inference;

/// <summary>Settings of <see cref="HybridTraining"/>.</summary>
/// <param name="Steps">Adam steps.</param>
/// <param name="BatchChains">Training chunks per step.</param>
/// <param name="ChunkLength">Length of the chunks the training sequences are cut into.</param>
/// <param name="LearningRate">Adam's learning rate.</param>
/// <param name="EvaluateEvery">Validate every this many steps (and before the first); the best validation state is kept.</param>
/// <param name="Seed">Seed of the batch order.</param>
public sealed record HybridTrainingOptions(int Steps = 300, int BatchChains = 8, int ChunkLength = 50, double LearningRate = 1e-3, int EvaluateEvery = 20, long Seed = 1)
{
    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first impossible setting.</summary>
    public void Validate()
    {
        if (Steps < 0) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Training steps must not be negative.");
        if (BatchChains < 1) throw new ArgumentOutOfRangeException(nameof(BatchChains), BatchChains, "At least one chunk per batch is needed.");
        if (ChunkLength < 2) throw new ArgumentOutOfRangeException(nameof(ChunkLength), ChunkLength, "Chunks need at least 2 steps.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be positive.");
        if (EvaluateEvery < 1) throw new ArgumentOutOfRangeException(nameof(EvaluateEvery), EvaluateEvery, "EvaluateEvery must be at least 1.");
    }
}

/// <summary>One validation point of a training run.</summary>
public sealed record HybridTrainingPoint(int Step, double Loss, double ValidationMse);

/// <summary>A trained network (restored to its best validation state) and its history.</summary>
public sealed record HybridTrainingResult(int BestStep, double BestValidationMse, IReadOnlyList<HybridTrainingPoint> History, TimeSpan Elapsed);

/// <summary>Trains a <see cref="HybridNetwork"/> with Adam on the loss of <see cref="HybridNetwork.Loss"/>, keeping the best validation state.</summary>
public static class HybridTraining
{
    /// <summary>Trains <paramref name="network"/> in place and leaves it at its best validation state (step 0 included).</summary>
    /// <param name="augment">Applied to every training chunk when it is drawn (e.g. <see cref="Systems.IEstimationSystem.RandomSymmetry"/>), with the batch order's generator; null: none.</param>
    public static HybridTrainingResult Train(HybridNetwork network, IReadOnlyList<StateSequence> training, IReadOnlyList<StateSequence> validation,
        HybridTrainingOptions? options = null, Action<string>? log = null, CancellationToken cancellation = default,
        Func<StateSequence, Random, StateSequence>? augment = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(validation);
        options ??= new HybridTrainingOptions();
        options.Validate();
        if (training.Count == 0) throw new ArgumentException("No training sequences.");
        if (validation.Count == 0) throw new ArgumentException("No validation sequences.");
        var clock = Stopwatch.StartNew();
        var chunks = training.SelectMany(s => s.Chunks(options.ChunkLength)).ToArray();
        var random = new Random(unchecked((int)options.Seed));
        var order = new List<int>();
        var optimizer = optim.Adam(network.parameters(), options.LearningRate);
        var history = new List<HybridTrainingPoint>();
        double best = MeanSquaredError(network, validation);
        int bestStep = 0;
        var bestState = Snapshot(network);
        history.Add(new HybridTrainingPoint(0, double.NaN, best));
        double lastLoss = double.NaN;
        for (int step = 1; step <= options.Steps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            var batch = new List<StateSequence>(options.BatchChains);
            while (batch.Count < Math.Min(options.BatchChains, chunks.Length))
            {
                if (order.Count == 0) order.AddRange(Enumerable.Range(0, chunks.Length).OrderBy(_ => random.Next()));
                var chunk = chunks[order[^1]];
                batch.Add(augment is null ? chunk : augment(chunk, random));
                order.RemoveAt(order.Count - 1);
            }
            using (var scope = NewDisposeScope())
            {
                network.train();
                using var graph = new ChainGraph(batch.Select(c => c.Length).ToArray());
                var y = Stack(batch.Select(c => c.Observations));
                var truth = Stack(batch.Select(c => c.Truth));
                optimizer.zero_grad();
                var loss = HybridNetwork.Loss(network.Estimates(graph, y), truth);
                loss.backward();
                optimizer.step();
                lastLoss = loss.item<float>();
            }
            if (step % options.EvaluateEvery == 0 || step == options.Steps)
            {
                double mse = MeanSquaredError(network, validation);
                history.Add(new HybridTrainingPoint(step, lastLoss, mse));
                if (mse < best)
                {
                    best = mse;
                    bestStep = step;
                    Dispose(bestState);
                    bestState = Snapshot(network);
                }
                log?.Invoke($"  step {step}/{options.Steps}: loss {lastLoss:G4}, validation MSE {mse:G4} (best {best:G4} at step {bestStep}), {clock.Elapsed.TotalSeconds:F0} s");
            }
        }
        Restore(network, bestState);
        Dispose(bestState);
        return new HybridTrainingResult(bestStep, best, history, clock.Elapsed);
    }

    /// <summary>The network's final estimate of each sequence's observed quantities (with ε ≡ 0 when <paramref name="zeroCorrection"/> is set).</summary>
    public static double[][] Estimate(HybridNetwork network, StateSequence sequence, bool zeroCorrection = false) =>
        EstimateAll(network, [sequence], zeroCorrection)[0];

    /// <summary>The network's final estimates of several sequences, run as one batch of chains.</summary>
    public static double[][][] EstimateAll(HybridNetwork network, IReadOnlyList<StateSequence> sequences, bool zeroCorrection = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(sequences);
        network.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var graph = new ChainGraph(sequences.Select(s => s.Length).ToArray());
        var estimates = network.Estimates(graph, Stack(sequences.Select(s => s.Observations)), zeroCorrection);
        var values = estimates[^1].to_type(ScalarType.Float64).data<double>().ToArray();
        int m = sequences[0].Observations[0].Length;
        var result = new double[sequences.Count][][];
        for (int c = 0; c < sequences.Count; c++)
        {
            result[c] = new double[sequences[c].Length][];
            for (int t = 0; t < sequences[c].Length; t++)
                result[c][t] = values.AsSpan((graph.Offsets[c] + t) * m, m).ToArray();
        }
        return result;
    }

    /// <summary>Mean squared error per coordinate of the network's final estimates over all steps of <paramref name="sequences"/>.</summary>
    public static double MeanSquaredError(HybridNetwork network, IReadOnlyList<StateSequence> sequences)
    {
        var estimates = EstimateAll(network, sequences);
        double sum = 0;
        long count = 0;
        for (int c = 0; c < sequences.Count; c++)
        {
            sum += sequences[c].MeanSquaredError(estimates[c]) * sequences[c].Length;
            count += sequences[c].Length;
        }
        return sum / count;
    }

    static Tensor Stack(IEnumerable<double[][]> rows)
    {
        var all = rows.SelectMany(r => r).ToArray();
        int m = all[0].Length;
        var flat = new float[all.Length * m];
        for (int i = 0; i < all.Length; i++)
            for (int j = 0; j < m; j++) flat[i * m + j] = (float)all[i][j];
        return tensor(flat).reshape(all.Length, m);
    }

    static Tensor[] Snapshot(nn.Module module)
    {
        using var _ = no_grad();
        return module.parameters().Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
    }

    static void Restore(nn.Module module, Tensor[] state)
    {
        using var _ = no_grad();
        var parameters = module.parameters().ToArray();
        for (int i = 0; i < parameters.Length; i++) parameters[i].copy_(state[i]);
    }

    static void Dispose(Tensor[] state)
    {
        foreach (var t in state) t.Dispose();
    }
}
