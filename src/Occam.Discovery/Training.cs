using System.Runtime.InteropServices;
using System.Text.Json;
using Occam.Symbolic.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Discovery;

/// <summary>Training settings: Adam with a one-cycle learning-rate schedule, weight decay, one random
/// translation of all positions per batch.</summary>
/// <param name="Steps">Total optimizer steps (the one-cycle schedule spans them).</param>
/// <param name="BatchSize">Graphs per step.</param>
/// <param name="LearningRate">Peak learning rate of the one-cycle schedule.</param>
/// <param name="WeightDecay">Adam weight decay (paper: 1e-8).</param>
/// <param name="TranslationStd">Standard deviation of the per-batch random translation (paper: 3).</param>
/// <param name="Seed">Seeds the initial weights, the batches, the translations and the KL noise.</param>
/// <param name="CheckpointEvery">Write a checkpoint every this many steps (0: never).</param>
/// <param name="CheckpointDirectory">Where checkpoints go (required when <paramref name="CheckpointEvery"/> &gt; 0).</param>
/// <param name="LogEvery">Loss-curve resolution: the loss is averaged over this many steps per point.</param>
/// <param name="Precision">The type the training steps multiply in (see <see cref="TrainingPrecision"/>).</param>
/// <param name="RegulariserWarmup">Fraction of the steps over which the regulariser's weight α rises linearly from 0 to its
/// value (0: α from the first step, as in the paper).</param>
public sealed record TrainingOptions(
    int Steps = 2000,
    int BatchSize = 64,
    double LearningRate = 1e-3,
    double WeightDecay = 1e-8,
    double TranslationStd = 3.0,
    int Seed = 0,
    int CheckpointEvery = 0,
    string? CheckpointDirectory = null,
    int LogEvery = 50,
    TrainingPrecision Precision = TrainingPrecision.Auto,
    double RegulariserWarmup = 0)
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless Steps, BatchSize, LearningRate and LogEvery are positive, WeightDecay,
    /// TranslationStd and CheckpointEvery non-negative, and a CheckpointDirectory is given when CheckpointEvery &gt; 0.
    /// </summary>
    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"steps must be positive, got {Steps}");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be positive, got {BatchSize}");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning rate must be positive, got {LearningRate}");
        if (WeightDecay < 0) throw new ArgumentException($"weight decay must be non-negative, got {WeightDecay}");
        if (TranslationStd < 0) throw new ArgumentException($"translation std must be non-negative, got {TranslationStd}");
        if (CheckpointEvery < 0) throw new ArgumentException("checkpoint interval must be non-negative");
        if (CheckpointEvery > 0 && string.IsNullOrWhiteSpace(CheckpointDirectory))
            throw new ArgumentException("a checkpoint interval needs a checkpoint directory");
        if (LogEvery < 1) throw new ArgumentException("log interval must be positive");
        if (!(RegulariserWarmup is >= 0 and <= 1)) throw new ArgumentException($"regulariser warm-up must be a fraction of the steps in [0, 1], got {RegulariserWarmup}");
    }

    /// <summary>The regulariser's weight at <paramref name="step"/> (0-based): <paramref name="alpha"/> scaled by the warm-up's
    /// ramp, (step + 1) / (<see cref="RegulariserWarmup"/> · <see cref="Steps"/>) up to 1.</summary>
    public double AlphaAt(int step, double alpha)
    {
        double ramp = RegulariserWarmup * Steps;
        return ramp < 1 ? alpha : alpha * Math.Min(1.0, (step + 1) / ramp);
    }
}

/// <summary>Training stopped because a step's loss was not finite (NaN or ±∞); the network keeps the weights of the step
/// before, which <see cref="Step"/> counts.</summary>
/// <param name="message">What diverged, at which step, and what to try.</param>
/// <param name="step">The steps completed before the diverging one.</param>
public sealed class TrainingDivergedException(string message, int step) : Exception(message)
{
    /// <summary>The steps completed before the diverging one.</summary>
    public int Step { get; } = step;
}

/// <summary>The type a training step's matrix products run in. The weights, their gradients, Adam's state, the loss and
/// every evaluation after training stay in float32 whatever is chosen.</summary>
public enum TrainingPrecision
{
    /// <summary><see cref="BFloat16"/> where it is fast (<see cref="Occam.Graphs.BFloat16Support.Fast"/>) and the variant is
    /// not Hamiltonian (whose accelerations are gradients of the network, which bfloat16 would round), else
    /// <see cref="Float32"/>.</summary>
    Auto,
    /// <summary>Everything in float32.</summary>
    Float32,
    /// <summary>Mixed precision: the MLPs' layers multiply in bfloat16 (<see cref="Occam.Graphs.Mlp.MatmulType"/>), the
    /// messages, their sum, the loss and the optimiser in float32.</summary>
    BFloat16,
}

/// <summary>The names of <see cref="TrainingPrecision"/> on the command line and in reports.</summary>
public static class TrainingPrecisions
{
    /// <summary>Parses "auto", "fp32" or "bf16" (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static TrainingPrecision Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "auto" => TrainingPrecision.Auto,
        "fp32" => TrainingPrecision.Float32,
        "bf16" => TrainingPrecision.BFloat16,
        _ => throw new ArgumentException($"unknown precision '{name}': expected auto, fp32 or bf16", nameof(name)),
    };

    /// <summary>"auto", "fp32" or "bf16".</summary>
    public static string Name(this TrainingPrecision precision) => precision switch
    {
        TrainingPrecision.Auto => "auto",
        TrainingPrecision.Float32 => "fp32",
        TrainingPrecision.BFloat16 => "bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };
}

/// <summary>Progress of a training run.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="TotalSteps">Steps of the whole run (<see cref="TrainingOptions.Steps"/>).</param>
/// <param name="Loss">Loss of the step just taken.</param>
/// <param name="LearningRate">Learning rate of that step.</param>
public readonly record struct TrainingProgress(int Step, int TotalSteps, double Loss, double LearningRate);

/// <summary>One point of the loss curve: the mean loss over the steps up to <see cref="Step"/>.</summary>
/// <param name="Step">Steps completed at the end of the averaging window.</param>
/// <param name="Loss">Mean loss over the window's steps.</param>
public readonly record struct LossPoint(int Step, double Loss);

/// <summary>The one-cycle learning-rate schedule (Smith 2018; PyTorch's OneCycleLR defaults: 30 % warm-up,
/// cosine annealing, start at max/25, end at max/25/1e4).</summary>
public static class OneCycle
{
    /// <summary>
    /// Learning rate at 0-based <paramref name="step"/>: cosine rise from maxLr/divFactor to <paramref name="maxLr"/> until step
    /// pctStart·totalSteps − 1, then cosine decay to maxLr/divFactor/finalDivFactor at step totalSteps − 1 (held there after).
    /// </summary>
    /// <param name="step">The 0-based optimizer step.</param>
    /// <param name="totalSteps">Length of the schedule in steps.</param>
    /// <param name="maxLr">Peak learning rate.</param>
    /// <param name="pctStart">Fraction of the steps spent warming up.</param>
    /// <param name="divFactor">The schedule starts at maxLr / divFactor.</param>
    /// <param name="finalDivFactor">The schedule ends at maxLr / divFactor / finalDivFactor.</param>
    public static double LearningRate(int step, int totalSteps, double maxLr, double pctStart = 0.3,
        double divFactor = 25, double finalDivFactor = 1e4)
    {
        double initial = maxLr / divFactor, final = initial / finalDivFactor;
        double upEnd = pctStart * totalSteps - 1;
        double downEnd = totalSteps - 1;
        if (step <= upEnd) return Anneal(initial, maxLr, upEnd <= 0 ? 1 : step / upEnd);
        return Anneal(maxLr, final, downEnd - upEnd <= 0 ? 1 : Math.Min(1, (step - upEnd) / (downEnd - upEnd)));
    }

    static double Anneal(double start, double end, double pct) => end + (start - end) / 2 * (Math.Cos(Math.PI * pct) + 1);
}

/// <summary>
/// Trains a <see cref="ParticleNetwork"/> on <see cref="ParticleData"/> with the loss
/// L = (1/N_v) Σ_nodes ‖a_pred − a_true‖₁ + α · (1/N_e) Σ_edges ‖m‖₁ (KL: α · mean KL per edge).
/// Every step's randomness is derived from (seed, step), so a run resumed from a checkpoint continues exactly
/// like an uninterrupted one.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly ParticleNetwork network;
    readonly ParticleData data;
    readonly TrainingOptions options;
    readonly Occam.Graphs.FusedAdam optimizer;
    readonly Tensor batchNodes;          // (B, n, F): the step's batch, refilled in place every step
    readonly Tensor batchAccelerations;  // (B, n, dim)
    readonly Generator noise;
    readonly List<LossPoint> curve = new();
    double windowSum;
    int windowCount;

    /// <summary>Steps completed so far.</summary>
    public int Step { get; private set; }

    /// <summary>The loss curve (mean loss per <see cref="TrainingOptions.LogEvery"/> steps).</summary>
    public IReadOnlyList<LossPoint> LossCurve => curve;

    /// <summary>The loss of the last step.</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>The network being trained (updated in place; not disposed with the trainer).</summary>
    public ParticleNetwork Network => network;
    /// <summary>The training settings.</summary>
    public TrainingOptions Options => options;

    /// <summary>
    /// A trainer at step 0 with a fresh Adam optimizer; the data are copied into tensors. Throws <see cref="ArgumentException"/>
    /// when the options are invalid (<see cref="TrainingOptions.Validate"/>) or the data's dimension differs from the network's.
    /// </summary>
    /// <param name="network">The network to train.</param>
    /// <param name="data">The training set.</param>
    /// <param name="options">Steps, batch size, learning rate, seed, checkpoints.</param>
    public Trainer(ParticleNetwork network, ParticleData data, TrainingOptions options)
    {
        options.Validate();
        if (data.Dim != network.Options.Dim)
            throw new ArgumentException($"data is {data.Dim}D but the network is {network.Options.Dim}D");
        this.network = network;
        this.data = data;
        this.options = options;
        Occam.Graphs.NativeHeap.RetainFreedMemory();
        batchNodes = zeros(options.BatchSize, data.Bodies, data.Features);
        batchAccelerations = zeros(options.BatchSize, data.Bodies, data.Dim);
        optimizer = new Occam.Graphs.FusedAdam(network.parameters(), options.LearningRate, weightDecay: options.WeightDecay);
        noise = new Generator((ulong)options.Seed);
        Precision = Resolve(options.Precision, network.Options.Variant);
    }

    /// <summary>The precision the steps run in (<see cref="TrainingOptions.Precision"/> with Auto resolved).</summary>
    public TrainingPrecision Precision { get; }

    /// <summary><paramref name="precision"/> with <see cref="TrainingPrecision.Auto"/> resolved for this machine and
    /// <paramref name="variant"/>.</summary>
    public static TrainingPrecision Resolve(TrainingPrecision precision, MessageVariant variant) =>
        precision != TrainingPrecision.Auto ? precision
        : Occam.Graphs.BFloat16Support.Fast && variant != MessageVariant.Hamiltonian ? TrainingPrecision.BFloat16
        : TrainingPrecision.Float32;

    /// <summary>
    /// Loss of the network on a batch: mean over nodes of the L1 norm of the acceleration error plus
    /// α times the regulariser (mean over all edges of the message L1 norm, or of the KL).
    /// </summary>
    public static Tensor Loss(NetworkOutput output, Tensor targetAccelerations, double alpha)
    {
        using var diff = output.Accelerations - targetAccelerations;
        using var perNode = diff.abs().sum(-1);
        var loss = perNode.mean();
        if (alpha != 0)
        {
            using var reg = output.Regulariser * alpha;
            loss.add_(reg);
        }
        return loss;
    }

    static ulong Mix(long seed, long step)
    {
        ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)step * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Runs one optimizer step and returns its loss.</summary>
    public double TrainStep()
    {
        using var scope = NewDisposeScope();
        var rng = new Random((int)(Mix(options.Seed, Step) & 0x7FFFFFFF));
        var index = new long[options.BatchSize];
        for (int i = 0; i < index.Length; i++) index[i] = rng.Next(data.Samples);
        var shift = new float[data.Features];
        for (int d = 0; d < data.Dim; d++) shift[d] = (float)(options.TranslationStd * Gaussian(rng));
        noise.manual_seed((long)(Mix(options.Seed + 1, Step) & 0x7FFFFFFFFFFFFFFF));

        FillBatch(index, shift);
        double lr = OneCycle.LearningRate(Step, options.Steps, options.LearningRate);
        optimizer.LearningRate = lr;
        double value;

        network.MatmulType = Precision == TrainingPrecision.BFloat16 ? ScalarType.BFloat16 : null;
        try
        {
            value = LossAndGradients(batchNodes, batchAccelerations, options.AlphaAt(Step, network.Options.RegulariserWeight));
            // a non-finite loss would turn Adam's state and then every weight into NaN for good: stop before the update
            if (!double.IsFinite(value))
                throw new TrainingDivergedException(
                    $"training diverged at step {Step + 1} of {options.Steps}: the loss is {value} (learning rate {lr:G3}); try a lower learning rate", Step);
            optimizer.Step();
        }
        finally
        {
            network.MatmulType = null;
        }
        Step++;
        LastLoss = value;
        windowSum += value;
        windowCount++;
        if (windowCount == options.LogEvery || Step == options.Steps)
        {
            curve.Add(new LossPoint(Step, windowSum / windowCount));
            windowSum = 0;
            windowCount = 0;
        }
        if (options.CheckpointEvery > 0 && Step % options.CheckpointEvery == 0)
            SaveCheckpoint(options.CheckpointDirectory!);
        return value;
    }

    /// <summary>Copies the samples <paramref name="index"/> into the batch tensors, every node's features shifted by
    /// <paramref name="shift"/> (the batch's random translation), on the CPU without a tensor operation.</summary>
    void FillBatch(long[] index, float[] shift)
    {
        int nodeRow = data.Bodies * data.Features, targetRow = data.Bodies * data.Dim;
        var nodes = MemoryMarshal.Cast<byte, float>(batchNodes.bytes);
        var targets = MemoryMarshal.Cast<byte, float>(batchAccelerations.bytes);
        for (int k = 0; k < index.Length; k++)
        {
            var sample = data.Nodes.AsSpan((int)index[k] * nodeRow, nodeRow);
            var batch = nodes.Slice(k * nodeRow, nodeRow);
            for (int i = 0; i < nodeRow; i++) batch[i] = sample[i] + shift[i % data.Features];
            data.Accelerations.AsSpan((int)index[k] * targetRow, targetRow).CopyTo(targets.Slice(k * targetRow, targetRow));
        }
    }

    /// <summary>The batch's loss, with its gradients left in the parameters: written out by hand where the variant allows
    /// (<see cref="ParticleNetwork.LossAndGradients"/>), else through autograd (KL samples its messages with
    /// <see cref="noise"/>).</summary>
    double LossAndGradients(Tensor nodes, Tensor target, double alpha)
    {
        if (network.HasHandwrittenGradients) return network.LossAndGradients(nodes, target, alpha);
        optimizer.ZeroGrad();
        using var output = network.Forward(nodes, sample: true, generator: noise);
        using var loss = Loss(output, target, alpha);
        double value = loss.item<float>();
        if (double.IsFinite(value)) loss.backward();
        return value;
    }

    /// <summary>Trains until <see cref="TrainingOptions.Steps"/> steps are done (from the current step).</summary>
    public void Run(IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default, int? stopAfter = null)
    {
        network.train();
        int stop = Math.Min(options.Steps, stopAfter ?? options.Steps);
        while (Step < stop)
        {
            cancel.ThrowIfCancellationRequested();
            double loss = TrainStep();
            progress?.Report(new TrainingProgress(Step, options.Steps, loss, OneCycle.LearningRate(Step - 1, options.Steps, options.LearningRate)));
        }
    }

    /// <summary>Mean over nodes of ‖a_pred − a_true‖₁ on <paramref name="evalData"/> (no regulariser, KL uses μ).</summary>
    public static double Evaluate(ParticleNetwork network, ParticleData evalData, int batchSize = 1024)
    {
        double sum = 0;
        long count = 0;
        for (int start = 0; start < evalData.Samples; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int b = Math.Min(batchSize, evalData.Samples - start);
            var nodes = tensor(evalData.Nodes.AsSpan(start * evalData.Bodies * evalData.Features, b * evalData.Bodies * evalData.Features).ToArray(),
                new long[] { b, evalData.Bodies, evalData.Features });
            var target = tensor(evalData.Accelerations.AsSpan(start * evalData.Bodies * evalData.Dim, b * evalData.Bodies * evalData.Dim).ToArray(),
                new long[] { b, evalData.Bodies, evalData.Dim });
            using var noGrad = network.Options.Variant == MessageVariant.Hamiltonian ? null : no_grad();
            using var output = network.Forward(nodes);
            sum += (output.Accelerations - target).abs().sum(-1).sum().item<float>();
            count += (long)b * evalData.Bodies;
        }
        return sum / count;
    }

    static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    // ModelHash and OptimizerHash: SHA-256 of the files the state belongs to (null in checkpoints written before they were kept).
    sealed record CheckpointState(int Step, int TotalSteps, int Seed, double LastLoss, double WindowSum, int WindowCount,
        List<LossPoint> Curve, string Variant, int Dim, int Hidden, int HiddenLayers, int Messages,
        string? ModelHash = null, string? OptimizerHash = null);

    const string ModelFile = "model.bin", OptimizerFile = "optimizer.bin", StateFile = "state.json", Pending = ".next";

    /// <summary>
    /// Writes model, optimizer state, step and loss curve to <paramref name="directory"/>. Three files cannot be replaced
    /// at once, so the write is journalled: the new model and optimizer go beside the old ones (<c>model.bin.next</c>,
    /// <c>optimizer.bin.next</c>), then the state, which holds their hashes, commits the checkpoint, and then they replace
    /// the old files. A run killed at any point leaves the previous checkpoint or this one, which
    /// <see cref="LoadCheckpoint"/> completes; never new weights under an old step.
    /// </summary>
    public void SaveCheckpoint(string directory)
    {
        Directory.CreateDirectory(directory);
        string model = Path.Combine(directory, ModelFile), opt = Path.Combine(directory, OptimizerFile), state = Path.Combine(directory, StateFile);
        AtomicFile.WriteThroughPath(model + Pending, temp => network.save(temp));
        AtomicFile.WriteThroughPath(opt + Pending, optimizer.Save);
        var o = network.Options;
        var s = new CheckpointState(Step, options.Steps, options.Seed, LastLoss, windowSum, windowCount, curve.ToList(),
            o.Variant.Name(), o.Dim, o.Hidden, o.HiddenLayers, o.Messages, Hash(model + Pending), Hash(opt + Pending));
        AtomicFile.WriteText(state, JsonSerializer.Serialize(s));
        File.Move(model + Pending, model, overwrite: true);
        File.Move(opt + Pending, opt, overwrite: true);
    }

    static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream));
    }

    /// <summary>
    /// Makes <paramref name="path"/> the file the state names by <paramref name="hash"/>: the pending file of a checkpoint
    /// whose write was cut off after its state was committed takes its place; a pending file of an uncommitted write is
    /// removed. A file that matches neither is an error naming it. States without hashes (older checkpoints) are trusted.
    /// </summary>
    static void Complete(string path, string what, string? hash)
    {
        string pending = path + Pending;
        if (File.Exists(pending))
        {
            if (hash is not null && Hash(pending) == hash) File.Move(pending, path, overwrite: true);
            else File.Delete(pending);
        }
        if (hash is not null && File.Exists(path) && Hash(path) != hash)
            throw new InvalidDataException($"cannot read the {what} from '{path}' (it is not the file {StateFile} was written with): the file is truncated or was not written by this version of occam");
    }

    /// <summary>Reads one file of a checkpoint; a missing, truncated or foreign file is an error that names it.</summary>
    static void ReadPart(string path, string what, Action<string> read)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint file '{path}' is missing", path);
        try
        {
            read(path);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or FormatException or NotSupportedException)
        {
            throw new InvalidDataException($"cannot read the {what} from '{path}' ({Occam.Symbolic.IO.MessageText.OneLine(e.Message)}): the file is truncated or was not written by this version of occam");
        }
    }

    /// <summary>The step a checkpoint in <paramref name="directory"/> was written at (0 when there is none).</summary>
    public static int CheckpointStep(string directory)
    {
        string state = Path.Combine(directory, StateFile);
        return File.Exists(state) ? ReadState(state).Step : 0;
    }

    static CheckpointState ReadState(string state)
    {
        try
        {
            return JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(state))
                ?? throw new InvalidDataException($"checkpoint state '{state}' is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"checkpoint state '{state}' is not valid JSON: {e.Message}");
        }
    }

    /// <summary>True when <paramref name="directory"/> holds a checkpoint.</summary>
    public static bool HasCheckpoint(string directory) => File.Exists(Path.Combine(directory, StateFile));

    /// <summary>Restores model, optimizer, step and loss curve from a checkpoint written by <see cref="SaveCheckpoint"/>.</summary>
    public void LoadCheckpoint(string directory)
    {
        string state = Path.Combine(directory, StateFile);
        if (!File.Exists(state)) throw new FileNotFoundException($"no checkpoint in '{directory}' (missing {StateFile})", state);
        var s = ReadState(state);
        var o = network.Options;
        if (s.Variant != o.Variant.Name() || s.Dim != o.Dim || s.Hidden != o.Hidden || s.HiddenLayers != o.HiddenLayers || s.Messages != o.Messages)
            throw new InvalidDataException($"checkpoint '{directory}' is for a {s.Variant} {s.Dim}D network with hidden {s.Hidden}×{s.HiddenLayers}, message {s.Messages}; this run uses {o.Variant.Name()} {o.Dim}D, hidden {o.Hidden}×{o.HiddenLayers}, message {o.Messages}");
        if (s.Seed != options.Seed || s.TotalSteps != options.Steps)
            throw new InvalidDataException($"checkpoint '{directory}' was written with seed {s.Seed} and {s.TotalSteps} steps; this run uses seed {options.Seed} and {options.Steps} steps");
        Complete(Path.Combine(directory, ModelFile), "model", s.ModelHash);
        Complete(Path.Combine(directory, OptimizerFile), "optimizer state", s.OptimizerHash);
        ReadPart(Path.Combine(directory, ModelFile), "model", path => network.load(path));
        ReadPart(Path.Combine(directory, OptimizerFile), "optimizer state", optimizer.Load);
        Step = s.Step;
        LastLoss = s.LastLoss;
        windowSum = s.WindowSum;
        windowCount = s.WindowCount;
        curve.Clear();
        curve.AddRange(s.Curve);
    }

    /// <summary>Releases the batch tensors and the noise generator (the network is left to its owner).</summary>
    public void Dispose()
    {
        batchNodes.Dispose();
        batchAccelerations.Dispose();
        noise.Dispose();
    }
}
