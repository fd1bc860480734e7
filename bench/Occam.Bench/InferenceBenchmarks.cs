using BenchmarkDotNet.Attributes;
using Occam.Inference;
using Occam.Inference.Systems;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Bench;

/// <summary>
/// Hybrid inference: the Rauch–Tung–Striebel smoother on 1,000 steps (the linear tracking system's constant-velocity
/// model, 4 states; the Lorenz order-2 extended smoother, 3 states), and the hybrid network of <c>occam demo hybrid</c>
/// (hidden 48, K = 100) on one training batch (8 chunks of 50 steps: forward, backward, Adam) and on a 4,000-step test
/// trajectory (no grad). One operation = one time step. Run:
/// <c>dotnet run -c Release --project bench/Occam.Bench -- --filter '*Inference*'</c>.
/// </summary>
[MemoryDiagnoser(false)]
public class InferenceBenchmarks
{
    private StateSequence linearData = null!, lorenzData = null!, testData = null!;
    private StateSpaceModel linearModel = null!, lorenzModel = null!;
    private HybridNetwork network = null!;
    private optim.Optimizer optimizer = null!;
    private ChainGraph batchGraph = null!, testGraph = null!;
    private Tensor batchY = null!, batchTruth = null!, testY = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        var linear = new LinearTrackingSystem();
        var lorenz = new LorenzSystem();
        linearData = linear.Simulate(1, 0, 1000);
        lorenzData = lorenz.Simulate(1, 0, 1000);
        linearModel = linear.ApproximateModel(0.4);
        lorenzModel = lorenz.ApproximateModel(2.0);
        var messages = new ModelMessages(lorenzModel);
        network = new HybridNetwork(HybridMode.Hybrid, messages, 0.025, new HybridNetworkOptions(48, 100, 1));
        optimizer = optim.Adam(network.parameters(), 1e-3);
        batchGraph = new ChainGraph(Enumerable.Repeat(50, 8).ToArray());
        var batch = lorenz.Simulate(1, 1, 400);
        batchY = Rows(batch.Observations);
        batchTruth = Rows(batch.Truth);
        testData = lorenz.Simulate(1, 2, 4000);
        testGraph = new ChainGraph([4000]);
        testY = Rows(testData.Observations);
    }

    static Tensor Rows(double[][] rows) =>
        tensor(rows.SelectMany(r => r.Select(v => (float)v)).ToArray()).reshape(rows.Length, rows[0].Length).DetachFromDisposeScope();

    [Benchmark(OperationsPerInvoke = 1000, Description = "RTS smoother, constant-velocity model (4 states), per step")]
    public int LinearSmoother() => KalmanSmoother.Smooth(linearModel, linearData.Observations).Means.Length;

    [Benchmark(OperationsPerInvoke = 1000, Description = "extended RTS smoother, Lorenz order 2 (3 states), per step")]
    public int LorenzSmoother() => KalmanSmoother.Smooth(lorenzModel, lorenzData.Observations).Means.Length;

    [Benchmark(OperationsPerInvoke = 400, Description = "hybrid training step (K = 100, hidden 48, 8×50 steps), per step of data")]
    public void HybridTrainingStep()
    {
        using var scope = NewDisposeScope();
        network.train();
        optimizer.zero_grad();
        HybridNetwork.Loss(network.Estimates(batchGraph, batchY), batchTruth).backward();
        optimizer.step();
    }

    [Benchmark(OperationsPerInvoke = 4000, Description = "hybrid estimate (K = 100, hidden 48, no grad) of a 4,000-step trajectory, per step")]
    public void HybridTest()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        network.eval();
        network.Estimates(testGraph, testY);
    }
}
