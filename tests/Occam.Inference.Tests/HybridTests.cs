using Occam.Inference;
using Occam.Inference.Systems;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Inference.Tests;

public sealed class HybridTests
{
    static (ModelMessages Messages, StateSequence Data) Linear(int steps, long seed = 2)
    {
        var system = new LinearTrackingSystem();
        return (new ModelMessages(system.ApproximateModel(0.4)), system.Simulate(seed, 0, steps));
    }

    static Tensor Observations(StateSequence s) =>
        tensor(s.Observations.SelectMany(r => r.Select(v => (float)v)).ToArray()).reshape(s.Length, s.Observations[0].Length);

    [Fact]
    public void Hybrid_with_zero_correction_converges_to_the_graphical_model_smoother()
    {
        var (messages, data) = Linear(12);
        double gamma = messages.StableStepSize(new double[4]);
        using var network = new HybridNetwork(HybridMode.Hybrid, messages, gamma, new HybridNetworkOptions(Hidden: 8, Iterations: 4000));
        using var graph = new ChainGraph([data.Length]);
        using var _ = no_grad();
        var estimate = network.Estimates(graph, Observations(data), zeroCorrection: true)[^1].to_type(ScalarType.Float64).data<double>().ToArray();
        var smoothed = KalmanSmoother.Smooth(messages.Model, data.Observations);
        for (int t = 0; t < data.Length; t++)
        {
            var position = messages.Model.H * smoothed.Means[t];
            for (int i = 0; i < 2; i++) Assert.Equal(position[i], estimate[t * 2 + i], 2e-3); // float32 iteration
        }
    }

    [Fact]
    public void Hybrid_with_zero_correction_stopped_early_differs_from_the_smoother()
    {
        // Negative control for the test above: 5 iterations from x = Hᵀy are not the fixed point.
        var (messages, data) = Linear(12);
        using var network = new HybridNetwork(HybridMode.Hybrid, messages, messages.StableStepSize(new double[4]), new HybridNetworkOptions(Hidden: 8, Iterations: 5));
        using var graph = new ChainGraph([data.Length]);
        using var _ = no_grad();
        var estimate = network.Estimates(graph, Observations(data), zeroCorrection: true)[^1].to_type(ScalarType.Float64).data<double>().ToArray();
        var smoothed = KalmanSmoother.Smooth(messages.Model, data.Observations);
        double largest = Enumerable.Range(0, data.Length).Max(t => Math.Abs((messages.Model.H * smoothed.Means[t])[0] - estimate[t * 2]));
        Assert.True(largest > 1e-2, $"5 iterations already within {largest}");
    }

    [Fact]
    public void Gnn_only_with_zero_correction_returns_the_observations()
    {
        var (messages, data) = Linear(9);
        using var network = new HybridNetwork(HybridMode.GnnOnly, messages, 0.1, new HybridNetworkOptions(Hidden: 8, Iterations: 3));
        using var graph = new ChainGraph([data.Length]);
        using var _ = no_grad();
        var y = Observations(data);
        var estimates = network.Estimates(graph, y, zeroCorrection: true);
        Assert.Equal(3, estimates.Count);
        Assert.True(estimates[^1].eq(y).all().item<bool>());
        // The decoder's last layer starts at zero, so the untrained network starts at the observations too.
        Assert.True(network.Estimates(graph, y)[^1].eq(y).all().item<bool>());
    }

    [Fact]
    public void Loss_weights_iteration_k_by_k_over_K()
    {
        var truth = zeros(4, 2);
        var estimates = new[] { ones(4, 2), full(4, 2, 2.0f), full(4, 2, 3.0f) };
        // (1/3)·1 + (2/3)·4 + (3/3)·9
        Assert.Equal(1.0 / 3 + 8.0 / 3 + 9.0, HybridNetwork.Loss(estimates, truth).item<float>(), 1e-5);
    }

    [Fact]
    public void A_training_step_leaves_no_live_tensors()
    {
        var (messages, data) = Linear(20);
        using var network = new HybridNetwork(HybridMode.Hybrid, messages, 0.02, new HybridNetworkOptions(Hidden: 8, Iterations: 3));
        using var graph = new ChainGraph([10, 10]);
        var optimizer = optim.Adam(network.parameters(), 1e-3);
        var y = Observations(data);
        var truth = tensor(data.Truth.SelectMany(r => r.Select(v => (float)v)).ToArray()).reshape(20, 2);
        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            HybridNetwork.Loss(network.Estimates(graph, y), truth).backward();
            optimizer.step();
        }
        Step(); // Adam's state is created on the first step
        DisposeScopeManager.Statistics.Reset();
        Step();
        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Training_improves_the_hybrid_on_lorenz_and_is_reproducible()
    {
        var system = new LorenzSystem();
        var model = system.ApproximateModel(3.0);
        var messages = new ModelMessages(model);
        var train = system.Simulate(8, 0, 400);
        var validation = system.Simulate(8, 1, 200);
        double gamma = messages.StableStepSize(train.Observations.SelectMany(r => r).ToArray());
        HybridTrainingResult Run()
        {
            using var network = new HybridNetwork(HybridMode.Hybrid, messages, gamma, new HybridNetworkOptions(Hidden: 16, Iterations: 8, Seed: 4));
            return HybridTraining.Train(network, [train], [validation], new HybridTrainingOptions(Steps: 40, BatchChains: 4, ChunkLength: 25, LearningRate: 3e-3, EvaluateEvery: 10, Seed: 4));
        }
        var first = Run();
        var second = Run();
        Assert.True(first.BestStep > 0, "training never beat the untrained network");
        Assert.True(first.BestValidationMse < 0.95 * first.History[0].ValidationMse, $"validation MSE {first.History[0].ValidationMse} → {first.BestValidationMse}");
        Assert.Equal(first.History.Select(h => h.ValidationMse), second.History.Select(h => h.ValidationMse));
    }

    [Fact]
    public void Impossible_settings_and_bad_observations_are_rejected_with_the_place()
    {
        var (messages, data) = Linear(5);
        var k = Assert.Throws<ArgumentOutOfRangeException>(() => new HybridNetwork(HybridMode.Hybrid, messages, 0.1, new HybridNetworkOptions(Iterations: 0)));
        Assert.Contains("K must be at least 1", k.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridNetwork(HybridMode.Hybrid, messages, double.NaN));
        var bad = data.Observations.Select(r => (double[])r.Clone()).ToArray();
        bad[3][1] = double.NaN;
        var e = Assert.Throws<ArgumentException>(() => KalmanSmoother.Smooth(messages.Model, bad));
        Assert.Contains("Observation 3, component 1", e.Message);
        using var network = new HybridNetwork(HybridMode.Hybrid, messages, 0.1, new HybridNetworkOptions(Hidden: 4, Iterations: 1));
        using var graph = new ChainGraph([4]);
        Assert.Throws<ArgumentException>(() => network.Estimates(graph, zeros(5, 2)));
    }
}
