using System.Diagnostics;
using Occam.Physics;

namespace Occam.Discovery;

/// <summary>
/// The symbolic distillation pipeline (Cranmer et al. 2020) as compositions of its stages: data (<see cref="DataStage"/>)
/// → train (<see cref="TrainStage"/>) → record messages (<see cref="RecordStage"/>) → analyse them
/// (<see cref="MessageAnalysis"/>) → distil (<see cref="DistilStage"/>) → judge (<see cref="JudgeStage"/>); the report is
/// <see cref="DiscoveryReport"/>'s.
/// </summary>
public static class SymbolicDistillation
{
    /// <summary>Runs the whole pipeline. <paramref name="dataset"/> replaces the simulation (e.g. a user's .npz).</summary>
    public static DiscoveryResult Discover(DiscoveryOptions options, ParticleDataset? dataset = null,
        IProgress<DiscoveryProgress>? progress = null, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var data = DataStage.Training(options, dataset, progress, cancel);
        var trained = TrainStage.Train(data, progress, cancel);
        using (trained) return Analyze(data, trained, clock, progress, cancel);
    }

    /// <summary>Simulates (or takes <paramref name="dataset"/>) and trains with checkpoints and the run's options in
    /// <see cref="DiscoveryOptions.CheckpointDirectory"/>, for <see cref="AnalyzeDirectory"/>.</summary>
    public static TrainedNetwork TrainToDirectory(DiscoveryOptions options, ParticleDataset? dataset,
        IProgress<DiscoveryProgress>? progress = null, CancellationToken cancel = default)
    {
        if (options.CheckpointDirectory is null) throw new ArgumentException("training to a directory needs a checkpoint directory");
        return TrainStage.Train(DataStage.Training(options, dataset, progress, cancel), progress, cancel);
    }

    /// <summary>Loads a model written by <see cref="TrainToDirectory"/> and distils it on <paramref name="dataset"/>
    /// (default: the training data re-simulated from the stored options).</summary>
    /// <param name="directory">The model's directory.</param>
    /// <param name="dataset">The data to record messages on; null re-simulates the training data.</param>
    /// <param name="progress">Receives the stages' progress.</param>
    /// <param name="cancel">Stops the run.</param>
    /// <param name="searchRounds">Rounds of each symbolic regression in place of the stored options' (null: theirs).</param>
    /// <param name="searchTimeLimit">Wall-clock cap of each symbolic regression in place of the stored options' (null: theirs).</param>
    /// <param name="searchOperators">The searches' operators in place of the stored options' (null: theirs; see
    /// <see cref="DiscoveryOptions.SymbolicOperators"/>).</param>
    /// <param name="refineRounds">Rounds of the refinement on the accelerations in place of the stored options' (null: theirs;
    /// see <see cref="DiscoveryOptions.RefineRounds"/>).</param>
    public static DiscoveryResult AnalyzeDirectory(string directory, ParticleDataset? dataset, IProgress<DiscoveryProgress>? progress = null,
        CancellationToken cancel = default, int? searchRounds = null, TimeSpan? searchTimeLimit = null, IReadOnlyList<string>? searchOperators = null,
        int? refineRounds = null)
    {
        var clock = Stopwatch.StartNew();
        var options = TrainStage.ReadOptions(directory);
        if (searchRounds is int rounds) options = options with { SymbolicRounds = rounds };
        if (searchTimeLimit is TimeSpan limit) options = options with { SymbolicTimeLimit = limit };
        if (searchOperators is not null) options = options with { SymbolicOperators = searchOperators };
        if (refineRounds is int refine) options = options with { RefineRounds = refine };
        if (dataset is not null && (dataset.Dim != options.Dim || dataset.Bodies != options.Bodies))
            throw new InvalidDataException($"the data is {dataset.Dim}D with {dataset.Bodies} bodies but the model was trained on {options.Dim}D with {options.Bodies}");
        var data = DataStage.Training(options, dataset, progress, cancel);
        var trained = TrainStage.Load(data);
        using (trained) return Analyze(data, trained, clock, progress, cancel);
    }

    /// <summary>
    /// Records the network's messages, analyses them, runs symbolic regression on the significant ones, and, with
    /// <paramref name="checks"/> and a known <paramref name="system"/>, checks the recovered expressions against its law.
    /// </summary>
    public static DistillationResult Distill(ParticleNetwork network, ParticleData data, DiscoverySystem? system, CheckData? checks,
        DiscoveryOptions options, IProgress<DiscoveryProgress>? progress = null, CancellationToken cancel = default) =>
        RecordAndDistill(network, data, system, checks, options, progress, cancel).Distillation;

    static DiscoveryResult Analyze(TrainingData data, TrainedNetwork trained, Stopwatch clock, IProgress<DiscoveryProgress>? progress,
        CancellationToken cancel)
    {
        progress?.Report(new DiscoveryProgress("symbolic regression", 0, "recording messages"));
        var checks = DataStage.Checks(data.Options, cancel);
        var (distillation, records) = RecordAndDistill(trained.Network, data.Train, data.System, checks, data.Options, progress, cancel);
        var ood = JudgeStage.OutOfDistribution(trained.Network, distillation, records, checks, progress);
        return new DiscoveryResult(data.Options, data.System.Name, trained.Curve, trained.LastLoss, distillation, trained.Seconds,
            clock.Elapsed.TotalSeconds, ood);
    }

    static (DistillationResult Distillation, DiscoveryRecords Records) RecordAndDistill(ParticleNetwork network, ParticleData data,
        DiscoverySystem? system, CheckData? checks, DiscoveryOptions options, IProgress<DiscoveryProgress>? progress, CancellationToken cancel)
    {
        bool hamiltonian = network.Options.Variant == MessageVariant.Hamiltonian;
        var records = RecordStage.Record(network, data, checks, system?.Physics, options);
        var analysis = MessageAnalysis.Analyze(records.Analysis, hamiltonian: hamiltonian);
        var distillation = DistilStage.Run(records.Analysis, analysis, system, hamiltonian, options, progress, cancel);
        return (JudgeStage.Judge(distillation, records, system, hamiltonian), records);
    }
}

/// <summary>An <see cref="IProgress{T}"/> that calls its handler synchronously on the reporting thread.</summary>
public sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => handler(value);
}
