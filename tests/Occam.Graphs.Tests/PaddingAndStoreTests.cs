using static TorchSharp.torch;
using static Occam.Graphs.Tests.TestGraphs;

namespace Occam.Graphs.Tests;

public sealed class PaddingAndStoreTests
{
    [Fact]
    public void Padding_reaches_the_fixed_sizes_masks_the_real_entries_and_unpads_back()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(31);
        var graph = RandomBatch(rng, 3, 3, 2, 4);
        var padded = graph.PadTo(graph.NumNodes + 5, graph.NumEdges + 7, 6);
        Assert.Equal(graph.NumNodes + 5, padded.Graph.NumNodes);
        Assert.Equal(graph.NumEdges + 7, padded.Graph.NumEdges);
        Assert.Equal(6, padded.Graph.NumGraphs);
        Assert.Equal(graph.NumNodes, padded.NodeMask.sum().item<long>());
        Assert.Equal(graph.NumEdges, padded.EdgeMask.sum().item<long>());
        Assert.Equal(3L, padded.GraphMask.sum().item<long>());
        Assert.True(padded.NodeMask.data<bool>()[0]);
        Assert.False(padded.NodeMask.data<bool>()[graph.NumNodes]);

        // A graph network on the padded batch gives the unpadded result on the real entries.
        var gen = new Generator(31);
        var net = GraphNetwork.Create(
            new Mlp(2 + 3 + 3 + 4, [6, 4], Activation.Tanh, generator: gen, dtype: ScalarType.Float64),
            new Mlp(4 + 3 + 4, [6, 5], Activation.Tanh, generator: gen, dtype: ScalarType.Float64),
            new Mlp(4 + 5 + 4, [6, 2], Activation.Tanh, generator: gen, dtype: ScalarType.Float64));
        var reference = net.forward(graph);
        var fromPadded = (padded with { Graph = net.forward(padded.Graph) }).Unpad();
        AllClose(Values(reference.Nodes!), Values(fromPadded.Nodes!), 1e-12, "nodes");
        AllClose(Values(reference.Globals!), Values(fromPadded.Globals!), 1e-12, "globals");
        Assert.Equal(graph.SendersArray(), fromPadded.SendersArray());
    }

    [Fact]
    public void Padding_needs_room_for_a_padding_graph()
    {
        using var scope = NewDisposeScope();
        var graph = RandomBatch(new Random(32), 2, 3, 0, 0);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => graph.PadTo(graph.NumNodes + 1, graph.NumEdges, 2));
        Assert.Contains("more graphs", ex.Message);
    }

    [Fact]
    public void Concatenating_features_joins_each_feature_set_along_the_last_axis()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(33);
        var graph = RandomBatch(rng, 2, 3, 2, 1);
        var joined = GraphBatch.ConcatFeatures(graph, graph.WithEdges(null));
        Assert.Equal(new long[] { graph.NumNodes, 6 }, joined.Nodes!.shape);
        Assert.Equal(Values(graph.Edges!), Values(joined.Edges!));
        var rows = NaiveGraph.Rows(joined.Nodes!);
        var original = NaiveGraph.Rows(graph.Nodes!);
        for (var i = 0; i < rows.Length; i++) Assert.Equal(original[i].Concat(original[i]), rows[i]);
    }

    [Fact]
    public void A_trained_saved_and_loaded_model_gives_identical_outputs()
    {
        var path = Path.Combine(Path.GetTempPath(), $"occam-graphs-{Guid.NewGuid():N}.bin");
        try
        {
            using var scope = NewDisposeScope();
            var rng = new Random(34);
            var graph = RandomBatch(rng, 4, 3, 2, 0);
            var graph32 = graph.WithFeatures(graph.Nodes!.to_type(ScalarType.Float32), graph.Edges!.to_type(ScalarType.Float32), null);
            var target = Randn(rng, graph.NumNodes, 2).to_type(ScalarType.Float32);
            var model = InteractionNetwork.Create(3, 2, 4, 2, [16], Activation.ReLU, Reducer.Sum, new Generator(1));
            var optimizer = optim.Adam(model.parameters(), 1e-2);
            var initial = Values(model.forward(graph32).Nodes!);
            for (var i = 0; i < 20; i++)
            {
                using var step = NewDisposeScope();
                optimizer.zero_grad();
                (model.forward(graph32).Nodes! - target).pow(2).mean().backward();
                optimizer.step();
            }
            var trained = Values(model.forward(graph32).Nodes!);
            Assert.NotEqual(initial, trained);
            ModelStore.Save(model, path);

            var fresh = InteractionNetwork.Create(3, 2, 4, 2, [16], Activation.ReLU, Reducer.Sum, new Generator(2));
            Assert.NotEqual(trained, Values(fresh.forward(graph32).Nodes!));
            ModelStore.Load(fresh, path);
            Assert.Equal(trained, Values(fresh.forward(graph32).Nodes!));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Loading_weights_into_a_different_architecture_fails_with_a_clear_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"occam-graphs-{Guid.NewGuid():N}.bin");
        try
        {
            ModelStore.Save(InteractionNetwork.Create(3, 2, 4, 2, [16], generator: new Generator(1)), path);
            var other = InteractionNetwork.Create(3, 2, 4, 2, [8], generator: new Generator(1));
            var ex = Assert.Throws<InvalidDataException>(() => ModelStore.Load(other, path));
            Assert.Contains(path, ex.Message);
            Assert.Throws<FileNotFoundException>(() => ModelStore.Load(other, path + ".missing"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
