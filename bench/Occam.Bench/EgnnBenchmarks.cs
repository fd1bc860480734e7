using BenchmarkDotNet.Attributes;
using Occam.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Bench;

/// <summary>
/// The EGNN of the charged N-body benchmark (velocity variant, 4 layers × 64, SiLU, edge attributes
/// [q_i q_j, ‖x_i − x_j‖²]) on one training batch of 100 fully connected 5-particle graphs, float32.
/// One operation = one graph: graphs/s = 10⁹ / (ns per op). A training epoch of the benchmark is 3,000 graphs.
/// Run: <c>dotnet run -c Release --project bench/Occam.Bench -- --filter '*Egnn*'</c>.
/// </summary>
[MemoryDiagnoser(false)]
public class EgnnBenchmarks
{
    private const int Batch = 100;
    private const int Particles = 5;
    private Egnn model = null!;
    private optim.Optimizer optimizer = null!;
    private Tensor h = null!, x = null!, v = null!, a = null!, target = null!, senders = null!, receivers = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Threads);
        model = new Egnn(new EgnnOptions { NodeFeatures = 1, EdgeFeatures = 2, Hidden = 64, Layers = 4, UseVelocity = true }, new Generator(1));
        optimizer = optim.Adam(model.parameters(), 5e-4);
        var (s, r) = GraphBuilders.FullyConnected(Particles);
        var sl = new long[Batch * s.Length];
        var rl = new long[Batch * s.Length];
        for (int g = 0; g < Batch; g++)
            for (int e = 0; e < s.Length; e++) { sl[g * s.Length + e] = s[e] + g * Particles; rl[g * s.Length + e] = r[e] + g * Particles; }
        senders = tensor(sl);
        receivers = tensor(rl);
        var gen = new Generator(2);
        x = randn(Batch * Particles, 3, generator: gen);
        v = randn(Batch * Particles, 3, generator: gen) * 0.5;
        h = v.norm(1, keepdim: true);
        var q = randn(Batch * Particles, 1, generator: gen).sign();
        a = cat([q.index_select(0, receivers) * q.index_select(0, senders), (x.index_select(0, receivers) - x.index_select(0, senders)).square().sum(1, keepdim: true)], 1);
        target = x + v;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "EGNN N-body training step (forward+backward+Adam), per graph")]
    public void TrainingStep()
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = nn.functional.mse_loss(model.Forward(h, x, v, senders, receivers, a).X, target);
        loss.backward();
        optimizer.step();
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "EGNN N-body forward (no grad), per graph")]
    public void Forward()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.Forward(h, x, v, senders, receivers, a);
    }
}
