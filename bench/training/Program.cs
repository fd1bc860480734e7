// Training speed of the Cranmer et al. (2020) particle network (docs/performance.md).
//
//   dotnet run --project bench/training -c Release -- [--hidden 128] [--layers 3] [--batch 64] [--bodies 4] [--dim 2]
//       [--threads 1] [--mode step|loop|parts|peak] [--precision auto|fp32|bf16] [--gradients handwritten|autograd]
//       [--steps 400] [--window 20] [--warmup 30]
//
// step: the bare step, as the PyTorch reference (bench/training/compare.sh) times it: one fixed batch of random graphs,
//       forward, L1 loss (α = 1e-2), backward, Adam (lr 1e-3; Occam's FusedAdam, as training uses); the gradients written
//       out by hand (ParticleNetwork.LossAndGradients, as training uses), or with --gradients autograd recorded by autograd.
// loop: Occam's whole training loop (Trainer.TrainStep): a random batch drawn from a data set of random graphs, one random
//       translation, the one-cycle schedule, the loss curve, a checkpoint every --checkpoint-every steps (default 1,000).
// parts: the bare step's forward, backward and optimiser times (medians over steps), with TorchSharp's Adam alternating
//       with FusedAdam on the same gradients.
// peak: the float32 multiply-add rate one core reaches in a loop of independent 512-bit (else 256-bit) FMAs, the
//       ceiling the step's FLOP rate is compared with.
// Prints one line: graphs/s and ms/step as the median over windows of --window steps, after --warmup steps.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Occam.Discovery;
using Occam.Graphs;
using TorchSharp;
using static TorchSharp.torch;

var settings = Settings.Parse(args);
if (settings.Mode == "peak")
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"float32 FMA peak of one core: {Peak.GigaFlops():F1} GFLOP/s (median of 5)"));
    return;
}
TorchThreads.Use(settings.Threads);
int dim = settings.Dim, n = settings.Bodies, b = settings.Batch, features = 2 * dim + 2;

var random = new Random(1);
int samples = Math.Max(4096, 4 * b);
var nodes = new float[samples * n * features];
var accelerations = new float[samples * n * dim];
for (int i = 0; i < nodes.Length; i++) nodes[i] = (float)(random.NextDouble() * 2 - 1);
for (int i = 0; i < accelerations.Length; i++) accelerations[i] = (float)(random.NextDouble() * 2 - 1);
var data = new ParticleData(nodes, accelerations, samples, n, dim);

manual_seed(0);
using var network = new ParticleNetwork(new NetworkOptions(dim, MessageVariant.L1, settings.Hidden, settings.Layers));
var checkpoints = Path.Combine(Path.GetTempPath(), $"occam-training-bench-{Environment.ProcessId}");
var options = new TrainingOptions(Steps: 1_000_000, BatchSize: b, LearningRate: 1e-3, Seed: 0,
    CheckpointEvery: settings.Mode == "loop" ? settings.CheckpointEvery : 0, CheckpointDirectory: checkpoints, Precision: settings.Precision);
using var trainer = new Trainer(network, data, options);
network.train();

using var batch = tensor(nodes.AsSpan(0, b * n * features).ToArray(), [b, n, features]);
using var target = tensor(accelerations.AsSpan(0, b * n * dim).ToArray(), [b, n, dim]);
var adam = new FusedAdam(network.parameters(), 1e-3);
var matmul = trainer.Precision == TrainingPrecision.BFloat16 ? ScalarType.BFloat16 : (ScalarType?)null;

void BareStep()
{
    using var scope = NewDisposeScope();
    network.MatmulType = matmul;
    if (settings.Gradients == "handwritten")
    {
        network.LossAndGradients(batch, target, 1e-2);
    }
    else
    {
        adam.ZeroGrad();
        using var output = network.Forward(batch);
        var loss = Trainer.Loss(output, target, 1e-2);
        loss.backward();
    }
    adam.Step();
    network.MatmulType = null;
}

if (settings.Mode == "parts")
{
    // The bare step's parts, each a median over steps; then TorchSharp's own Adam on the same gradients, alternating.
    using var torchAdam = optim.Adam(network.parameters(), lr: 1e-3);
    var parts = new[] { "forward", "backward", "FusedAdam.Step", "TorchSharp Adam.step" }.ToDictionary(k => k, _ => new List<double>());
    var watch = new Stopwatch();
    for (int i = 0; i < settings.Warmup + settings.Steps; i++)
    {
        using var scope = NewDisposeScope();
        adam.ZeroGrad();
        network.MatmulType = matmul;
        watch.Restart();
        using var output = network.Forward(batch);
        var loss = Trainer.Loss(output, target, 1e-2);
        var forward = watch.Elapsed.TotalMilliseconds;
        watch.Restart();
        loss.backward();
        var backward = watch.Elapsed.TotalMilliseconds;
        network.MatmulType = null;
        watch.Restart();
        if (i % 2 == 0) adam.Step(); else torchAdam.step();
        var update = watch.Elapsed.TotalMilliseconds;
        if (i < settings.Warmup) continue;
        parts["forward"].Add(forward);
        parts["backward"].Add(backward);
        parts[i % 2 == 0 ? "FusedAdam.Step" : "TorchSharp Adam.step"].Add(update);
    }
    Console.WriteLine(string.Join(", ", parts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {Median(p.Value):F3} ms"))) +
        $" (threads={settings.Threads} batch={b} hidden={settings.Hidden} precision={trainer.Precision.Name()})");
    return;
}

Action step = settings.Mode == "loop" ? () => trainer.TrainStep() : BareStep;
for (int i = 0; i < settings.Warmup; i++) step();
var times = new List<double>();
var clock = new Stopwatch();
for (int w = 0; w < Math.Max(1, settings.Steps / settings.Window); w++)
{
    clock.Restart();
    for (int i = 0; i < settings.Window; i++) step();
    times.Add(clock.Elapsed.TotalSeconds / settings.Window);
}
if (Directory.Exists(checkpoints)) Directory.Delete(checkpoints, recursive: true);
double ms = Median(times) * 1e3;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"occam {settings.Mode}{(settings.Mode == "step" && settings.Gradients == "autograd" ? " (autograd)" : "")} threads={settings.Threads} batch={b} hidden={settings.Hidden} n={n} dim={dim} precision={trainer.Precision.Name()}: " +
    $"{b / (ms / 1e3):N0} graphs/s, {ms:F2} ms/step (median of {times.Count} windows of {settings.Window})"));

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}


sealed record Settings(int Hidden, int Layers, int Batch, int Bodies, int Dim, int Threads, string Mode,
    TrainingPrecision Precision, string Gradients, int Steps, int Window, int Warmup, int CheckpointEvery)
{
    public static Settings Parse(string[] args)
    {
        var values = new Dictionary<string, string>
        {
            ["hidden"] = "128", ["layers"] = "3", ["batch"] = "64", ["bodies"] = "4", ["dim"] = "2", ["threads"] = "1",
            ["mode"] = "step", ["precision"] = "auto", ["steps"] = "400", ["window"] = "20", ["warmup"] = "30",
            ["checkpoint-every"] = "1000", ["gradients"] = "handwritten",
        };
        for (int i = 0; i < args.Length; i++)
        {
            var key = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : "";
            if (!values.ContainsKey(key) || i + 1 >= args.Length)
                Fail($"unknown option or missing value: '{args[i]}' (options: {string.Join(", ", values.Keys.Select(k => "--" + k))})");
            values[key] = args[++i];
        }
        int Int(string key, int min, int max)
        {
            if (!int.TryParse(values[key], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
                Fail($"--{key} must be an integer from {min} to {max}, got '{values[key]}'");
            return v;
        }
        var mode = values["mode"];
        if (mode is not ("step" or "loop" or "parts" or "peak")) Fail($"--mode must be step, loop, parts or peak, got '{mode}'");
        var gradients = values["gradients"];
        if (gradients is not ("handwritten" or "autograd")) Fail($"--gradients must be handwritten or autograd, got '{gradients}'");
        TrainingPrecision precision = default;
        try { precision = TrainingPrecisions.Parse(values["precision"]); }
        catch (ArgumentException) { Fail($"--precision must be auto, fp32 or bf16, got '{values["precision"]}'"); }
        return new Settings(Int("hidden", 1, 4096), Int("layers", 1, 16), Int("batch", 1, 65536), Int("bodies", 2, 100),
            Int("dim", 2, 3), Int("threads", 1, 256), mode, precision, gradients, Int("steps", 1, 10_000_000), Int("window", 1, 100_000),
            Int("warmup", 0, 100_000), Int("checkpoint-every", 0, 10_000_000));
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    static void Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Environment.Exit(2);
    }
}

/// <summary>The float32 FMA throughput of one core: 12 independent accumulator chains of the widest vector FMA, enough to
/// cover the FMA latency on both pipes.</summary>
static class Peak
{
    public static double GigaFlops()
    {
        var rates = new List<double>();
        for (int trial = 0; trial < 5; trial++)
        {
            const long iterations = 20_000_000;
            var clock = Stopwatch.StartNew();
            int lanes = Avx512F.IsSupported ? Run512(iterations) : Run256(iterations);
            rates.Add(2.0 * 12 * lanes * iterations / clock.Elapsed.TotalSeconds / 1e9);
        }
        return Median(rates);
    }

    static int Run512(long iterations)
    {
        Vector512<float> a = Vector512.Create(1.0000001f), b = Vector512.Create(1e-7f);
        Vector512<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, a, b); c1 = Avx512F.FusedMultiplyAdd(c1, a, b); c2 = Avx512F.FusedMultiplyAdd(c2, a, b);
            c3 = Avx512F.FusedMultiplyAdd(c3, a, b); c4 = Avx512F.FusedMultiplyAdd(c4, a, b); c5 = Avx512F.FusedMultiplyAdd(c5, a, b);
            c6 = Avx512F.FusedMultiplyAdd(c6, a, b); c7 = Avx512F.FusedMultiplyAdd(c7, a, b); c8 = Avx512F.FusedMultiplyAdd(c8, a, b);
            c9 = Avx512F.FusedMultiplyAdd(c9, a, b); c10 = Avx512F.FusedMultiplyAdd(c10, a, b); c11 = Avx512F.FusedMultiplyAdd(c11, a, b);
        }
        Sink = Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        return Vector512<float>.Count;
    }

    static int Run256(long iterations)
    {
        Vector256<float> a = Vector256.Create(1.0000001f), b = Vector256.Create(1e-7f);
        Vector256<float> c0 = a, c1 = a, c2 = a, c3 = a, c4 = a, c5 = a, c6 = a, c7 = a, c8 = a, c9 = a, c10 = a, c11 = a;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Fma.MultiplyAdd(c0, a, b); c1 = Fma.MultiplyAdd(c1, a, b); c2 = Fma.MultiplyAdd(c2, a, b);
            c3 = Fma.MultiplyAdd(c3, a, b); c4 = Fma.MultiplyAdd(c4, a, b); c5 = Fma.MultiplyAdd(c5, a, b);
            c6 = Fma.MultiplyAdd(c6, a, b); c7 = Fma.MultiplyAdd(c7, a, b); c8 = Fma.MultiplyAdd(c8, a, b);
            c9 = Fma.MultiplyAdd(c9, a, b); c10 = Fma.MultiplyAdd(c10, a, b); c11 = Fma.MultiplyAdd(c11, a, b);
        }
        Sink = Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        return Vector256<float>.Count;
    }

    /// <summary>Where the accumulators go, so the loops are not removed.</summary>
    public static float Sink;

    static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
