using static TorchSharp.torch;
using static Occam.Graphs.Tests.TestGraphs;

namespace Occam.Graphs.Tests;

public sealed class GraphBatchTests
{
    [Fact]
    public void Batching_offsets_indices_and_splitting_gives_back_the_graphs()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(5);
        var graphs = Enumerable.Range(0, 4).Select(i => RandomGraph(rng, 2 + i, 3 * i, 2, 3, 4)).ToList();
        var batch = GraphBatch.Batch(graphs);
        Assert.Equal(4, batch.NumGraphs);
        Assert.Equal(graphs.Sum(g => g.NumNodes), batch.NumNodes);
        Assert.Equal(graphs.Sum(g => g.NumEdges), batch.NumEdges);

        // Reference offsets computed by hand.
        var s = batch.SendersArray();
        long offset = 0, e = 0;
        foreach (var g in graphs)
        {
            foreach (var local in g.SendersArray()) Assert.Equal(local + offset, s[e++]);
            offset += g.NumNodes;
        }

        var back = batch.Split();
        Assert.Equal(graphs.Count, back.Count);
        for (var i = 0; i < graphs.Count; i++)
        {
            Assert.Equal(graphs[i].SendersArray(), back[i].SendersArray());
            Assert.Equal(graphs[i].ReceiversArray(), back[i].ReceiversArray());
            Assert.Equal(Values(graphs[i].Nodes!), Values(back[i].Nodes!));
            Assert.Equal(Values(graphs[i].Edges!), Values(back[i].Edges!));
            Assert.Equal(Values(graphs[i].Globals!), Values(back[i].Globals!));
        }
    }

    [Fact]
    public void Graph_index_tensors_list_the_graph_of_each_node_and_edge()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(9);
        var batch = GraphBatch.Batch([RandomGraph(rng, 2, 1, 1, 0, 0), RandomGraph(rng, 0, 0, 1, 0, 0), RandomGraph(rng, 3, 2, 1, 0, 0)]);
        Assert.Equal(new long[] { 0, 0, 2, 2, 2 }, batch.NodeGraphIndex().data<long>().ToArray());
        Assert.Equal(new long[] { 0, 2, 2 }, batch.EdgeGraphIndex().data<long>().ToArray());
    }

    [Fact]
    public void Validation_rejects_an_edge_that_leaves_its_graph()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => new GraphBatch(null, null, null,
            tensor(new long[] { 0, 2 }), tensor(new long[] { 1, 1 }), [2, 2], [1, 1]));
        Assert.Contains("edge 1 of graph 1 has receiver 1, outside that graph's nodes [2, 4)", ex.Message);
    }

    [Fact]
    public void Validation_rejects_features_with_the_wrong_number_of_rows()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => new GraphBatch(zeros(4, 2), null, null,
            tensor(new long[] { 0 }), tensor(new long[] { 1 }), [3], [1]));
        Assert.Contains("Nodes has 4 rows but ΣNNode = 3", ex.Message);
        var ex2 = Assert.Throws<ArgumentException>(() => new GraphBatch(null, null, null,
            tensor(new int[] { 0 }), tensor(new long[] { 1 }), [3], [1]));
        Assert.Contains("Senders must be Int64", ex2.Message);
    }

    [Fact]
    public void Fully_connected_graph_has_every_ordered_pair_once()
    {
        foreach (var self in new[] { false, true })
        {
            var (s, r) = GraphBuilders.FullyConnected(5, self);
            var pairs = s.Zip(r).ToHashSet();
            var expected = new HashSet<(long, long)>();
            for (var i = 0; i < 5; i++) for (var j = 0; j < 5; j++) if (self || i != j) expected.Add((i, j));
            Assert.Equal(expected.Count, s.Length);
            Assert.True(expected.SetEquals(pairs));
        }
    }

    [Fact]
    public void Feature_type_conversion_keeps_values_and_structure()
    {
        using var scope = NewDisposeScope();
        var graph = RandomBatch(new Random(78), 3, 2, 2, 1);
        var single = graph.WithFeatureType(ScalarType.Float32).To(CPU);
        Assert.Equal(ScalarType.Float32, single.Nodes!.dtype);
        Assert.Equal(ScalarType.Float32, single.Globals!.dtype);
        AllClose(Values(graph.Edges!), Values(single.Edges!), 1e-6, "edges");
        Assert.Equal(graph.ReceiversArray(), single.ReceiversArray());
        Assert.Equal(graph.NNode, single.NNode);
    }

    [Fact]
    public void A_block_that_needs_a_missing_feature_says_which()
    {
        using var scope = NewDisposeScope();
        var graph = RandomBatch(new Random(79), 2, 3, 0, 0);
        var block = new EdgeBlock(new Mlp(3 + 3 + 3 + 2, [4], dtype: ScalarType.Float64));
        var ex = Assert.Throws<ArgumentException>(() => block.forward(graph));
        Assert.Contains("EdgeBlock is configured to use edges, but the graph has none", ex.Message);
        Assert.Contains("graphs: 2", graph.ToString());
        Assert.Contains("edge features none", graph.ToString());
    }
}
