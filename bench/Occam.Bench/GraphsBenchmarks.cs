using BenchmarkDotNet.Attributes;
using Occam.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Bench;

/// <summary>
/// Forward + backward of the Cranmer et al. (2020) interaction network on batches of 64 fully connected graphs:
/// node features 6 (2-D position, velocity, charge, mass), edge MLP 12→300→300→300→100, node MLP 106→300→300→300→2,
/// sum aggregation, float32. One operation = one graph, so graphs/s = 10⁹ / (ns per op).
/// </summary>
[MemoryDiagnoser(false)]
public class GraphsInteractionNetworkBenchmarks
{
    private const int Batch = 64;
    private InteractionNetwork model = null!;
    private GraphBatch graph = null!;
    private Tensor target = null!;
    private optim.Optimizer optimizer = null!;
    private nn.Module<Tensor, Tensor> rawEdge = null!;
    private nn.Module<Tensor, Tensor> rawNode = null!;

    [Params(4, 8)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        model = InteractionNetwork.Create(6, 0, 100, 2, [300, 300, 300], Activation.ReLU, Reducer.Sum, new Generator(1));
        optimizer = optim.Adam(model.parameters(), 1e-3);
        var (s, r) = GraphBuilders.FullyConnected(Nodes);
        var gen = new Generator(2);
        var graphs = Enumerable.Range(0, Batch).Select(_ => GraphBatch.Single(randn(Nodes, 6, generator: gen), null, null, s, r, Nodes)).ToList();
        graph = GraphBatch.Batch(graphs);
        target = randn(graph.NumNodes, 2, generator: gen);
        rawEdge = nn.Sequential(nn.Linear(12, 300), nn.ReLU(), nn.Linear(300, 300), nn.ReLU(), nn.Linear(300, 300), nn.ReLU(), nn.Linear(300, 100));
        rawNode = nn.Sequential(nn.Linear(106, 300), nn.ReLU(), nn.Linear(300, 300), nn.ReLU(), nn.Linear(300, 300), nn.ReLU(), nn.Linear(300, 2));
    }

    /// <summary>Baseline: the same computation written directly against TorchSharp, for a side-by-side comparison.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "plain TorchSharp forward+backward, per graph")]
    public void PlainTorchSharpForwardBackward()
    {
        using var scope = NewDisposeScope();
        rawEdge.zero_grad();
        rawNode.zero_grad();
        var x = graph.Nodes!;
        var messages = rawEdge.forward(cat([x.index_select(0, graph.Receivers), x.index_select(0, graph.Senders)], 1));
        var aggregated = zeros(graph.NumNodes, 100).index_add(0, graph.Receivers, messages, 1.0);
        var output = rawNode.forward(cat([aggregated, x], 1));
        (output - target).pow(2).mean().backward();
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "IN forward+backward, per graph")]
    public void ForwardBackward()
    {
        using var scope = NewDisposeScope();
        model.zero_grad();
        var output = model.forward(graph);
        (output.Nodes! - target).pow(2).mean().backward();
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "IN training step (forward+backward+Adam), per graph")]
    public void TrainingStep()
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var output = model.forward(graph);
        (output.Nodes! - target).pow(2).mean().backward();
        optimizer.step();
    }
}

/// <summary>Radius- and kNN-graph construction for 200,000 uniform points in the unit cube (cell list, parallel).</summary>
public class GraphsSpatialBenchmarks
{
    private double[] points = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        points = new double[200_000 * 3];
        for (var i = 0; i < points.Length; i++) points[i] = rng.NextDouble();
    }

    /// <summary>r = 0.02: about 6.7 neighbours per point (≈ 1.3 M edges).</summary>
    [Benchmark(Description = "RadiusGraph r=0.02, 200k points 3-D")]
    public long RadiusSmall() => GraphBuilders.RadiusGraph(points, 3, 0.02).Senders.LongLength;

    /// <summary>r = 0.04: about 54 neighbours per point (≈ 10.7 M edges).</summary>
    [Benchmark(Description = "RadiusGraph r=0.04, 200k points 3-D")]
    public long RadiusLarge() => GraphBuilders.RadiusGraph(points, 3, 0.04).Senders.LongLength;

    [Benchmark(Description = "KNearestGraph k=16, 200k points 3-D")]
    public long KNearest() => GraphBuilders.KNearestGraph(points, 3, 16).Senders.LongLength;
}
