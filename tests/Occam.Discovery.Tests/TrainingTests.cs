using Occam.Discovery;
using Occam.Physics;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Discovery.Tests;

public sealed class TrainingTests
{
    static ParticleData SmallSpring(int sims = 8, int frames = 20, long seed = 1)
    {
        var ds = Simulator.Run(new SimulationOptions { System = ParticleSystem.Spring, Sims = sims, Steps = frames, Seed = seed, Tolerance = 1e-7, MaxDegreeOfParallelism = 1 });
        return DataStage.ToParticleData(ds);
    }

    static ParticleNetwork Net(int seed = 0, MessageVariant variant = MessageVariant.L1)
    {
        manual_seed(seed);
        return new ParticleNetwork(new NetworkOptions(2, variant, Hidden: 16, HiddenLayers: 2, MessageSize: variant == MessageVariant.Hamiltonian ? null : 8));
    }

    [Fact]
    public void A_tiny_training_run_reduces_the_loss()
    {
        set_num_threads(1);
        var data = SmallSpring();
        using var net = Net();
        double before = Trainer.Evaluate(net, data);
        using var trainer = new Trainer(net, data, new TrainingOptions(Steps: 300, BatchSize: 16, LearningRate: 1e-2, Seed: 2));
        trainer.Run();
        double after = Trainer.Evaluate(net, data);
        Assert.True(after < 0.7 * before, $"acceleration error {before} -> {after}");
        Assert.True(trainer.LossCurve[^1].Loss < trainer.LossCurve[0].Loss);
    }

    [Fact]
    public void Checkpoint_then_resume_equals_an_uninterrupted_run_with_the_same_seed()
    {
        set_num_threads(1);
        var data = SmallSpring();
        var options = new TrainingOptions(Steps: 40, BatchSize: 8, LearningRate: 5e-3, Seed: 7);
        using var straight = Net(1, MessageVariant.KL);
        using (var t = new Trainer(straight, data, options)) t.Run();

        var dir = Path.Combine(Path.GetTempPath(), "occam-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var first = Net(1, MessageVariant.KL))
            using (var t = new Trainer(first, data, options))
            {
                t.Run(stopAfter: 17);
                t.SaveCheckpoint(dir);
            }
            using var resumed = Net(99, MessageVariant.KL); // different initial weights: the checkpoint must overwrite them
            using (var t = new Trainer(resumed, data, options))
            {
                t.LoadCheckpoint(dir);
                Assert.Equal(17, t.Step);
                t.Run();
                Assert.Equal(40, t.Step);
            }
            var a = straight.parameters().ToArray();
            var b = resumed.parameters().ToArray();
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++)
            {
                var diff = (a[i] - b[i]).abs().max().item<float>();
                Assert.True(diff <= 1e-6f, $"parameter {i} differs by {diff}");
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void No_live_tensors_leak_over_many_training_steps()
    {
        set_num_threads(1);
        var data = SmallSpring(4, 10);
        using var net = Net(2, MessageVariant.KL);
        using var trainer = new Trainer(net, data, new TrainingOptions(Steps: 100, BatchSize: 8, Seed: 3));
        trainer.TrainStep(); // the optimizer creates its state on the first step
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 50; i++) trainer.TrainStep();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        using var probe = zeros(1); // the counter does see a tensor created outside a scope
        Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Hamiltonian_training_steps_leak_no_tensors_and_reduce_the_loss()
    {
        set_num_threads(1);
        var data = SmallSpring(6, 20);
        using var net = Net(4, MessageVariant.Hamiltonian);
        double before = Trainer.Evaluate(net, data);
        using var trainer = new Trainer(net, data, new TrainingOptions(Steps: 200, BatchSize: 16, LearningRate: 1e-2, Seed: 3));
        trainer.TrainStep();
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        trainer.Run();
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.True(Trainer.Evaluate(net, data) < before);
    }
}
