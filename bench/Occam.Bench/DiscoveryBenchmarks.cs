using BenchmarkDotNet.Attributes;
using Occam.Discovery;
using Occam.Physics;
using static TorchSharp.torch;

namespace Occam.Bench;

/// <summary>
/// Training throughput of the Cranmer et al. particle network (dense fully connected edges, split first edge layer):
/// one Adam step on a batch of 4-body 2D graphs. Graphs per second = BatchSize / mean time.
/// Run: dotnet run -c Release --project bench/Occam.Bench -- --filter '*DiscoveryBenchmarks*'
/// </summary>
[MemoryDiagnoser(false)]
public class DiscoveryBenchmarks
{
    [Params(64, 256)]
    public int BatchSize { get; set; }

    [Params(128, 300)]
    public int Hidden { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    ParticleNetwork network = null!;
    Trainer trainer = null!;

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Threads);
        var ds = Simulator.Run(new SimulationOptions { System = ParticleSystem.Spring, Sims = 50, Steps = 40, Seed = 1, Tolerance = 1e-7 });
        var data = DataStage.ToParticleData(ds);
        manual_seed(0);
        network = new ParticleNetwork(new NetworkOptions(2, MessageVariant.L1, Hidden, 3));
        trainer = new Trainer(network, data, new TrainingOptions(Steps: 1_000_000, BatchSize: BatchSize, LearningRate: 1e-4));
        for (int i = 0; i < 5; i++) trainer.TrainStep();
    }

    [Benchmark]
    public double TrainStep() => trainer.TrainStep();

    [GlobalCleanup]
    public void Cleanup()
    {
        trainer.Dispose();
        network.Dispose();
    }
}
