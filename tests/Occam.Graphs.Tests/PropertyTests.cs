using TorchSharp;
using static TorchSharp.torch;
using static Occam.Graphs.Tests.TestGraphs;

namespace Occam.Graphs.Tests;

public sealed class PropertyTests
{
    private static GraphNetwork FullNetwork(Generator gen, Reducer reducer) =>
        GraphNetwork.Create(
            new Mlp(2 + 3 + 3 + 4, [8, 5], Activation.Tanh, generator: gen, dtype: ScalarType.Float64),
            new Mlp(5 + 5 + 3 + 4, [8, 6], Activation.Tanh, generator: gen, dtype: ScalarType.Float64),
            new Mlp(5 + 6 + 4, [8, 2], Activation.Tanh, generator: gen, dtype: ScalarType.Float64),
            new EdgeBlockOptions(),
            new NodeBlockOptions(UseSentEdges: true, ReceivedEdgesReducer: reducer, SentEdgesReducer: Reducer.Mean),
            new GlobalBlockOptions(EdgesReducer: reducer, NodesReducer: Reducer.Max));

    [Theory]
    [InlineData(Reducer.Sum)]
    [InlineData(Reducer.Max)]
    [InlineData(Reducer.Min)]
    public void Node_outputs_are_permutation_equivariant_and_globals_invariant(Reducer reducer)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(21 + (int)reducer);
        var graph = RandomBatch(rng, 3, 3, 2, 4);
        var net = FullNetwork(new Generator(21), reducer);

        // Relabel nodes within each graph and shuffle edges within each graph.
        var nodePerm = new long[graph.NumNodes];   // new position → old node
        var oldToNew = new long[graph.NumNodes];
        long offset = 0;
        foreach (var count in graph.NNode)
        {
            var local = Enumerable.Range(0, (int)count).OrderBy(_ => rng.Next()).ToArray();
            for (var k = 0; k < count; k++) { nodePerm[offset + k] = offset + local[k]; oldToNew[offset + local[k]] = offset + k; }
            offset += count;
        }
        var edgePerm = new long[graph.NumEdges];
        offset = 0;
        foreach (var count in graph.NEdge)
        {
            var local = Enumerable.Range(0, (int)count).OrderBy(_ => rng.Next()).ToArray();
            for (var k = 0; k < count; k++) edgePerm[offset + k] = offset + local[k];
            offset += count;
        }
        var s = graph.SendersArray();
        var r = graph.ReceiversArray();
        var permuted = new GraphBatch(
            graph.Nodes!.index_select(0, tensor(nodePerm)),
            graph.Edges!.index_select(0, tensor(edgePerm)),
            graph.Globals,
            tensor(edgePerm.Select(e => oldToNew[s[e]]).ToArray()),
            tensor(edgePerm.Select(e => oldToNew[r[e]]).ToArray()),
            graph.NNode, graph.NEdge);

        var a = net.forward(graph);
        var b = net.forward(permuted);
        AllClose(Values(a.Nodes!.index_select(0, tensor(nodePerm))), Values(b.Nodes!), 1e-12, "nodes");
        AllClose(Values(a.Edges!.index_select(0, tensor(edgePerm))), Values(b.Edges!), 1e-12, "edges");
        AllClose(Values(a.Globals!), Values(b.Globals!), 1e-12, "globals");
    }

    [Fact]
    public void A_batch_of_graphs_gives_the_same_result_as_each_graph_alone()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(22);
        var graphs = Enumerable.Range(0, 5).Select(_ => RandomGraph(rng, rng.Next(1, 6), rng.Next(0, 9), 3, 2, 4)).ToList();
        var net = FullNetwork(new Generator(22), Reducer.Max);
        var batched = net.forward(GraphBatch.Batch(graphs)).Split();
        for (var i = 0; i < graphs.Count; i++)
        {
            var alone = net.forward(graphs[i]);
            AllClose(Values(alone.Nodes!), Values(batched[i].Nodes!), 1e-12, $"graph {i} nodes");
            AllClose(Values(alone.Edges!), Values(batched[i].Edges!), 1e-12, $"graph {i} edges");
            AllClose(Values(alone.Globals!), Values(batched[i].Globals!), 1e-12, $"graph {i} globals");
        }
    }

    [Fact]
    public void A_forward_and_backward_training_step_leaves_no_live_tensors_behind()
    {
        var rng = new Random(23);
        var model = EncodeProcessDecode.Create(new FeatureWidths(3, 2, 4), 8, new FeatureWidths(2, 0, 1), [8], 2, generator: new Generator(23));
        var attention = new SelfAttention(2, 2, 3, 2, new Generator(24));
        var optimizer = optim.Adam(model.parameters().Concat(attention.parameters()), 1e-3);
        GraphBatch graph;
        using (var setup = NewDisposeScope())
        {
            var g = RandomBatch(rng, 4, 3, 2, 4);
            graph = g.WithFeatures(g.Nodes!.to_type(ScalarType.Float32), g.Edges!.to_type(ScalarType.Float32), g.Globals!.to_type(ScalarType.Float32));
            setup.MoveToOuter(graph.Nodes!, graph.Edges!, graph.Globals!);
            setup.MoveToOuter(graph.Senders, graph.Receivers);
        }

        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var output = model.forward(graph);
            var attended = attention.forward(output);
            var loss = attended.Nodes!.pow(2).mean() + output.Globals!.pow(2).mean()
                + Aggregations.SegmentMax(output.Nodes!, graph.NodeGraphIndex(), graph.NumGraphs).sum()
                + Aggregations.SegmentSoftmax(output.Nodes!, graph.NodeGraphIndex(), graph.NumGraphs).pow(2).sum();
            loss.backward();
            optimizer.step();
        }

        Step(); // warm-up: the optimizer creates its state tensors on the first step
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++) Step();
        var after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.Equal(before, after);

        // The counter does see leaks: a tensor created outside any scope is counted as live until disposed.
        var probe = zeros(1);
        Assert.Equal(after + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        probe.Dispose();
        Assert.Equal(after, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
