// Training speed of the Cranmer et al. (2020) particle network (docs/performance.md).
//
//   dotnet run --project bench/training -c Release -- [--hidden 128] [--layers 3] [--batch 64] [--bodies 4] [--dim 2]
//       [--threads 1] [--mode step|loop|parts] [--precision auto|fp32|bf16] [--steps 400] [--window 20] [--warmup 30]
//
// step: the bare step, as the PyTorch reference (bench/training/compare.sh) times it: one fixed batch of random graphs,
//       forward, L1 loss (α = 1e-2), backward, Adam (lr 1e-3; Occam's FusedAdam, as training uses).
// loop: Occam's whole training loop (Trainer.TrainStep): a random batch drawn from a data set of random graphs, one random
//       translation, the one-cycle schedule, the loss curve, a checkpoint every --checkpoint-every steps (default 1,000).
// parts: the bare step's forward, backward and optimiser times (medians over steps), with TorchSharp's Adam alternating
//       with FusedAdam on the same gradients.
// Prints one line: graphs/s and ms/step as the median over windows of --window steps, after --warmup steps.
using System.Diagnostics;
using System.Globalization;
using Occam.Discovery;
using Occam.Graphs;
using TorchSharp;
using static TorchSharp.torch;

var settings = Settings.Parse(args);
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
    adam.ZeroGrad();
    network.MatmulType = matmul;
    using var output = network.Forward(batch);
    var loss = Trainer.Loss(output, target, 1e-2);
    loss.backward();
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
        $" (threads={settings.Threads} batch={b} hidden={settings.Hidden} precision={Name(trainer.Precision)})");
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
    $"occam {settings.Mode} threads={settings.Threads} batch={b} hidden={settings.Hidden} n={n} dim={dim} precision={Name(trainer.Precision)}: " +
    $"{b / (ms / 1e3):N0} graphs/s, {ms:F2} ms/step (median of {times.Count} windows of {settings.Window})"));

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

static string Name(TrainingPrecision p) => p == TrainingPrecision.BFloat16 ? "bf16" : "fp32";

sealed record Settings(int Hidden, int Layers, int Batch, int Bodies, int Dim, int Threads, string Mode,
    TrainingPrecision Precision, int Steps, int Window, int Warmup, int CheckpointEvery)
{
    public static Settings Parse(string[] args)
    {
        var values = new Dictionary<string, string>
        {
            ["hidden"] = "128", ["layers"] = "3", ["batch"] = "64", ["bodies"] = "4", ["dim"] = "2", ["threads"] = "1",
            ["mode"] = "step", ["precision"] = "auto", ["steps"] = "400", ["window"] = "20", ["warmup"] = "30",
            ["checkpoint-every"] = "1000",
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
        if (mode is not ("step" or "loop" or "parts")) Fail($"--mode must be step, loop or parts, got '{mode}'");
        var precision = values["precision"] switch
        {
            "auto" => TrainingPrecision.Auto,
            "fp32" => TrainingPrecision.Float32,
            "bf16" => TrainingPrecision.BFloat16,
            var other => Fail<TrainingPrecision>($"--precision must be auto, fp32 or bf16, got '{other}'"),
        };
        return new Settings(Int("hidden", 1, 4096), Int("layers", 1, 16), Int("batch", 1, 65536), Int("bodies", 2, 100),
            Int("dim", 2, 3), Int("threads", 1, 256), mode, precision, Int("steps", 1, 10_000_000), Int("window", 1, 100_000),
            Int("warmup", 0, 100_000), Int("checkpoint-every", 0, 10_000_000));
    }

    static void Fail(string message) => Fail<int>(message);

    static T Fail<T>(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Environment.Exit(2);
        return default!;
    }
}
