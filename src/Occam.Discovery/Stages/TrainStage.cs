using System.Text.Json;
using System.Text.Json.Nodes;
using Occam.Graphs;
using Occam.Physics;
using Occam.Symbolic.IO;
using static TorchSharp.torch;

namespace Occam.Discovery;

/// <summary>A trained network and its training record.</summary>
/// <param name="Network">The network; disposing the record disposes it.</param>
/// <param name="Curve">The training loss curve.</param>
/// <param name="LastLoss">Loss of the last training step.</param>
/// <param name="Seconds">Wall-clock seconds of this run's training (0 when the network was loaded).</param>
public sealed record TrainedNetwork(ParticleNetwork Network, IReadOnlyList<LossPoint> Curve, double LastLoss, double Seconds) : IDisposable
{
    /// <summary>Disposes the network.</summary>
    public void Dispose() => Network.Dispose();
}

/// <summary>
/// The train stage: builds the network from the seed and trains it, with checkpoints and the run's options in
/// <see cref="DiscoveryOptions.CheckpointDirectory"/>; or loads a network trained so. Either sets libtorch's threads from
/// <see cref="DiscoveryOptions.Threads"/> (<see cref="TorchThreads"/>).
/// </summary>
public static class TrainStage
{
    /// <summary>Builds and trains the network on <paramref name="data"/>; writes the options and checkpoints into the
    /// checkpoint directory when there is one, and resumes from its checkpoint when asked and present.</summary>
    public static TrainedNetwork Train(TrainingData data, IProgress<DiscoveryProgress>? progress = null, CancellationToken cancel = default)
    {
        var options = data.Options;
        if (options.CheckpointDirectory is not null) WriteOptions(options, options.CheckpointDirectory);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TorchThreads.Use(options.Threads);
        manual_seed(options.Seed);
        var network = new ParticleNetwork(options.Network);
        using var trainer = new Trainer(network, data.Train, options.Training);
        if (options.Resume && options.CheckpointDirectory is not null && Trainer.HasCheckpoint(options.CheckpointDirectory))
            trainer.LoadCheckpoint(options.CheckpointDirectory);
        trainer.Run(progress is null ? null : new SyncProgress<TrainingProgress>(p =>
            progress.Report(new DiscoveryProgress("train", (double)p.Step / p.TotalSteps, $"loss {p.Loss:G4}"))), cancel);
        if (options.CheckpointDirectory is not null) trainer.SaveCheckpoint(options.CheckpointDirectory);
        return new TrainedNetwork(network, trainer.LossCurve.ToList(), trainer.LastLoss, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The options a directory written by <see cref="Train"/> holds, with the directory as their checkpoint directory.</summary>
    /// <exception cref="FileNotFoundException">The directory holds no trained model.</exception>
    /// <exception cref="InvalidDataException">Its options file is not valid JSON, or holds settings no training run writes
    /// (an edited or damaged file); the message names the file.</exception>
    public static DiscoveryOptions ReadOptions(string directory)
    {
        var path = Path.Combine(directory, OptionsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{directory}' holds no trained model (missing {OptionsFile}); run 'occam train' first", path);
        DiscoveryOptions options;
        try
        {
            options = JsonSerializer.Deserialize<DiscoveryOptions>(File.ReadAllText(path)) ?? throw new InvalidDataException($"'{path}' is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid: {MessageText.OneLine(e.Message)}");
        }
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"'{path}' does not hold a trained model's settings: {MessageText.Of(e)}");
        }
        return options with { CheckpointDirectory = directory };
    }

    /// <summary>The network trained into <see cref="DiscoveryOptions.CheckpointDirectory"/>, loaded from its checkpoint.</summary>
    public static TrainedNetwork Load(TrainingData data)
    {
        TorchThreads.Use(data.Options.Threads);
        var network = new ParticleNetwork(data.Options.Network);
        using var trainer = new Trainer(network, data.Train, data.Options.Training);
        trainer.LoadCheckpoint(data.Options.CheckpointDirectory ?? throw new ArgumentException("loading a network needs its checkpoint directory"));
        return new TrainedNetwork(network, trainer.LossCurve.ToList(), trainer.LastLoss, 0);
    }

    const string OptionsFile = "options.json";

    /// <summary>Settings that do not change what training computes: a resumed run may differ in them.</summary>
    static readonly HashSet<string> NotTrainingSettings =
    [
        nameof(DiscoveryOptions.CheckpointDirectory), nameof(DiscoveryOptions.Resume), nameof(DiscoveryOptions.Threads),
        nameof(DiscoveryOptions.CheckpointEvery), nameof(DiscoveryOptions.Preset), nameof(DiscoveryOptions.AnalysisEdges),
        nameof(DiscoveryOptions.FreshEdges), nameof(DiscoveryOptions.SymbolicRounds), nameof(DiscoveryOptions.SymbolicTimeLimit),
        nameof(DiscoveryOptions.SymbolicMaxSize), nameof(DiscoveryOptions.SymbolicOperators), nameof(DiscoveryOptions.SeparateReceiverFactor),
        nameof(DiscoveryOptions.ReceiverScaledSearch), nameof(DiscoveryOptions.SearchMinDistance),
    ];

    /// <summary>
    /// Writes the run's options into its checkpoint directory. When resuming, first checks them against the options the
    /// checkpoint was written with and refuses any training setting that differs, naming it: resuming a spring
    /// checkpoint on r2 data would otherwise continue silently on the wrong data. A resumed run leaves the file as it is.
    /// </summary>
    static void WriteOptions(DiscoveryOptions options, string directory)
    {
        var path = Path.Combine(directory, OptionsFile);
        if (options.Resume && File.Exists(path))
        {
            JsonObject? stored;
            try
            {
                stored = JsonNode.Parse(File.ReadAllText(path),
                    documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject;
            }
            catch (JsonException e) { throw new InvalidDataException($"'{path}' is not valid: {MessageText.OneLine(e.Message)}"); }
            if (stored is null) throw new InvalidDataException($"'{path}' is not a JSON object");
            var current = JsonSerializer.SerializeToNode(options)!.AsObject();
            foreach (var (name, value) in current)
            {
                if (NotTrainingSettings.Contains(name)) continue;
                var before = stored[name];
                if (!JsonNode.DeepEquals(value, before))
                    throw new InvalidDataException(
                        $"cannot resume: the checkpoint in '{directory}' was trained with {name} = {before?.ToJsonString() ?? "null"}, this run has {name} = {value?.ToJsonString() ?? "null"}; use the checkpoint's settings or train afresh");
            }
            return; // the same training settings: the file stays as the checkpoint's record
        }
        Directory.CreateDirectory(directory);
        AtomicFile.WriteText(path, JsonSerializer.Serialize(options));
    }
}
