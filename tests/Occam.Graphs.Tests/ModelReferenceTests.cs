using static TorchSharp.torch;
using static Occam.Graphs.Tests.TestGraphs;

namespace Occam.Graphs.Tests;

public sealed class ModelReferenceTests
{
    private const double Tol = 1e-10;
    private const int NodeW = 3, EdgeW = 2, GlobalW = 4;

    private static Mlp MakeMlp(Generator gen, long input, int output, Activation act = Activation.Tanh) =>
        new(input, [7, output], act, generator: gen, dtype: ScalarType.Float64);

    public static TheoryData<bool, bool, bool, bool> EdgeFlags => new()
    {
        { true, true, true, true }, { false, true, true, false }, { true, false, true, true }, { false, false, false, true }, { true, false, false, false },
    };

    [Theory]
    [MemberData(nameof(EdgeFlags))]
    public void Edge_block_equals_a_per_edge_loop(bool useEdges, bool useReceivers, bool useSenders, bool useGlobals)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(1);
        var gen = new Generator(1);
        var graph = RandomBatch(rng, 4, NodeW, EdgeW, GlobalW);
        var o = new EdgeBlockOptions(useEdges, useReceivers, useSenders, useGlobals);
        var model = MakeMlp(gen, o.InputWidth(new FeatureWidths(NodeW, EdgeW, GlobalW)), 5);
        var output = new EdgeBlock(model, o).forward(graph);
        var expected = NaiveGraph.From(graph).EdgeBlock(model, o);
        NaiveGraph.AssertClose(expected.Edges, output.Edges, Tol, "edges");
        Assert.Same(graph.Nodes, output.Nodes);
    }

    public static TheoryData<bool, bool, bool, bool, Reducer, Reducer> NodeFlags => new()
    {
        { true, false, true, true, Reducer.Sum, Reducer.Sum },
        { true, true, true, false, Reducer.Max, Reducer.Mean },
        { false, true, false, true, Reducer.Sum, Reducer.Min },
        { true, false, false, false, Reducer.Mean, Reducer.Sum },
    };

    [Theory]
    [MemberData(nameof(NodeFlags))]
    public void Node_block_equals_a_per_node_loop(bool received, bool sent, bool useNodes, bool useGlobals, Reducer receivedReducer, Reducer sentReducer)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(2);
        var gen = new Generator(2);
        var graph = RandomBatch(rng, 4, NodeW, EdgeW, GlobalW);
        var o = new NodeBlockOptions(received, sent, useNodes, useGlobals, receivedReducer, sentReducer);
        var model = MakeMlp(gen, o.InputWidth(new FeatureWidths(NodeW, EdgeW, GlobalW)), 3);
        var output = new NodeBlock(model, o).forward(graph);
        var expected = NaiveGraph.From(graph).NodeBlock(model, o);
        NaiveGraph.AssertClose(expected.Nodes, output.Nodes, Tol, "nodes");
    }

    public static TheoryData<bool, bool, bool, Reducer, Reducer> GlobalFlags => new()
    {
        { true, true, true, Reducer.Sum, Reducer.Sum },
        { true, false, false, Reducer.Max, Reducer.Sum },
        { false, true, true, Reducer.Sum, Reducer.Mean },
        { true, true, false, Reducer.Min, Reducer.Max },
    };

    [Theory]
    [MemberData(nameof(GlobalFlags))]
    public void Global_block_equals_a_per_graph_loop(bool useEdges, bool useNodes, bool useGlobals, Reducer edgesReducer, Reducer nodesReducer)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(3);
        var gen = new Generator(3);
        var graph = RandomBatch(rng, 5, NodeW, EdgeW, GlobalW);
        var o = new GlobalBlockOptions(useEdges, useNodes, useGlobals, edgesReducer, nodesReducer);
        var model = MakeMlp(gen, o.InputWidth(new FeatureWidths(NodeW, EdgeW, GlobalW)), 2);
        var output = new GlobalBlock(model, o).forward(graph);
        var expected = NaiveGraph.From(graph).GlobalBlock(model, o);
        NaiveGraph.AssertClose(expected.Globals, output.Globals, Tol, "globals");
    }

    [Fact]
    public void Graph_network_equals_edge_then_node_then_global_loops()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(4);
        var gen = new Generator(4);
        var graph = RandomBatch(rng, 4, NodeW, EdgeW, GlobalW);
        var eo = new EdgeBlockOptions();
        var no = new NodeBlockOptions(UseSentEdges: true, ReceivedEdgesReducer: Reducer.Max);
        var go = new GlobalBlockOptions(NodesReducer: Reducer.Mean);
        var em = MakeMlp(gen, eo.InputWidth(new(NodeW, EdgeW, GlobalW)), 5);
        var nm = MakeMlp(gen, no.InputWidth(new(NodeW, 5, GlobalW)), 6);
        var gm = MakeMlp(gen, go.InputWidth(new(6, 5, GlobalW)), 2);
        var output = GraphNetwork.Create(em, nm, gm, eo, no, go).forward(graph);
        var expected = NaiveGraph.From(graph).EdgeBlock(em, eo).NodeBlock(nm, no).GlobalBlock(gm, go);
        NaiveGraph.AssertClose(expected.Edges, output.Edges, Tol, "edges");
        NaiveGraph.AssertClose(expected.Nodes, output.Nodes, Tol, "nodes");
        NaiveGraph.AssertClose(expected.Globals, output.Globals, Tol, "globals");
    }

    [Fact]
    public void Graph_independent_applies_each_model_to_each_row_alone()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(5);
        var gen = new Generator(5);
        var graph = RandomBatch(rng, 3, NodeW, EdgeW, GlobalW);
        var (em, nm, gm) = (MakeMlp(gen, EdgeW, 4), MakeMlp(gen, NodeW, 4), MakeMlp(gen, GlobalW, 4));
        var output = new GraphIndependent(em, nm, gm).forward(graph);
        var naive = NaiveGraph.From(graph);
        NaiveGraph.AssertClose(naive.Edges!.Select(r => NaiveGraph.Apply(em, r)).ToArray(), output.Edges, Tol, "edges");
        NaiveGraph.AssertClose(naive.Nodes!.Select(r => NaiveGraph.Apply(nm, r)).ToArray(), output.Nodes, Tol, "nodes");
        NaiveGraph.AssertClose(naive.Globals!.Select(r => NaiveGraph.Apply(gm, r)).ToArray(), output.Globals, Tol, "globals");
    }

    [Fact]
    public void Interaction_network_equals_message_then_sum_then_update_loops()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(6);
        var gen = new Generator(6);
        var graph = RandomBatch(rng, 4, NodeW, EdgeW, 0);
        var em = MakeMlp(gen, EdgeW + 2 * NodeW, 5);
        var nm = MakeMlp(gen, 5 + NodeW, 2);
        var output = new InteractionNetwork(em, nm).forward(graph);

        var n = NaiveGraph.From(graph);
        var messages = Enumerable.Range(0, n.Senders.Length)
            .Select(e => NaiveGraph.Apply(em, [.. n.Edges![e], .. n.Nodes![n.Receivers[e]], .. n.Nodes![n.Senders[e]]])).ToArray();
        var nodes = Enumerable.Range(0, n.Nodes!.Length).Select(i =>
        {
            var sum = new double[5];
            for (var e = 0; e < messages.Length; e++) if (n.Receivers[e] == i) for (var c = 0; c < 5; c++) sum[c] += messages[e][c];
            return NaiveGraph.Apply(nm, [.. sum, .. n.Nodes[i]]);
        }).ToArray();
        NaiveGraph.AssertClose(messages, output.Edges, Tol, "messages");
        NaiveGraph.AssertClose(nodes, output.Nodes, Tol, "nodes");
    }

    [Fact]
    public void Interaction_network_without_edge_features_uses_receiver_and_sender_only()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(7);
        var graph = RandomBatch(rng, 3, NodeW, 0, 0);
        var model = InteractionNetwork.Create(NodeW, 0, 4, 2, [6], Activation.SiLU, Reducer.Sum, new Generator(7), ScalarType.Float64);
        var output = model.forward(graph);
        Assert.Equal(new long[] { graph.NumEdges, 4 }, output.Edges!.shape);
        Assert.Equal(new long[] { graph.NumNodes, 2 }, output.Nodes!.shape);
    }

    [Fact]
    public void Relation_network_equals_pairwise_relations_summed_per_graph()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(8);
        var gen = new Generator(8);
        var graph = RandomBatch(rng, 4, NodeW, 0, 0);
        var em = MakeMlp(gen, 2 * NodeW, 5);
        var gm = MakeMlp(gen, 5, 3);
        var output = new RelationNetwork(em, gm).forward(graph);
        var n = NaiveGraph.From(graph);
        var globals = Enumerable.Range(0, n.NumGraphs).Select(g =>
        {
            var sum = new double[5];
            for (var e = 0; e < n.Senders.Length; e++)
                if (n.EdgeGraph[e] == g)
                {
                    var rel = NaiveGraph.Apply(em, [.. n.Nodes![n.Receivers[e]], .. n.Nodes![n.Senders[e]]]);
                    for (var c = 0; c < 5; c++) sum[c] += rel[c];
                }
            return NaiveGraph.Apply(gm, sum);
        }).ToArray();
        NaiveGraph.AssertClose(globals, output.Globals, Tol, "globals");
    }

    [Fact]
    public void Deep_sets_equals_per_element_map_then_sum_per_graph()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(9);
        var gen = new Generator(9);
        var graph = RandomBatch(rng, 4, NodeW, 0, GlobalW);
        var nm = MakeMlp(gen, NodeW + GlobalW, 5);
        var gm = MakeMlp(gen, 5, 3);
        var output = new DeepSets(nm, gm).forward(graph);
        var n = NaiveGraph.From(graph);
        var mapped = Enumerable.Range(0, n.Nodes!.Length).Select(i => NaiveGraph.Apply(nm, [.. n.Nodes[i], .. n.Globals![n.NodeGraph[i]]])).ToArray();
        var globals = Enumerable.Range(0, n.NumGraphs).Select(g =>
            NaiveGraph.Apply(gm, NaiveGraph.Reduce(Reducer.Sum, Enumerable.Range(0, mapped.Length).Where(i => n.NodeGraph[i] == g).Select(i => mapped[i]), 5))).ToArray();
        NaiveGraph.AssertClose(mapped, output.Nodes, Tol, "nodes");
        NaiveGraph.AssertClose(globals, output.Globals, Tol, "globals");
    }

    [Fact]
    public void CommNet_equals_mean_of_sender_messages_with_encoded_node()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(10);
        var gen = new Generator(10);
        var graph = RandomBatch(rng, 4, NodeW, EdgeW, 0);
        var em = MakeMlp(gen, NodeW, 4);
        var enc = MakeMlp(gen, NodeW, 5);
        var nm = MakeMlp(gen, 4 + 5, 3);
        var output = new CommNet(em, enc, nm).forward(graph);
        var n = NaiveGraph.From(graph);
        var nodes = Enumerable.Range(0, n.Nodes!.Length).Select(i =>
        {
            var mean = NaiveGraph.Reduce(Reducer.Mean, Enumerable.Range(0, n.Senders.Length).Where(e => n.Receivers[e] == i)
                .Select(e => NaiveGraph.Apply(em, n.Nodes[n.Senders[e]])), 4);
            return NaiveGraph.Apply(nm, [.. mean, .. NaiveGraph.Apply(enc, n.Nodes[i])]);
        }).ToArray();
        NaiveGraph.AssertClose(nodes, output.Nodes, Tol, "nodes");
        Assert.Same(graph.Edges, output.Edges);
    }

    [Fact]
    public void Self_attention_equals_per_receiver_softmax_over_incoming_edges()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(11);
        var graph = RandomBatch(rng, 3, NodeW, 0, 0);
        const int heads = 2, keySize = 3, valueSize = 2;
        var attention = new SelfAttention(NodeW, heads, keySize, valueSize, new Generator(11), ScalarType.Float64);
        var output = attention.forward(graph);

        // Reference: projections read from the module's own weights, attention by explicit loops.
        var p = attention.named_parameters().ToDictionary(kv => kv.name, kv => NaiveGraph.Rows(kv.parameter));
        var n = NaiveGraph.From(graph);
        double[] Project(double[][] w, double[] x) => w.Select(row => row.Zip(x, (a, b) => a * b).Sum()).ToArray();
        var q = n.Nodes!.Select(x => Project(p["query.weight"], x)).ToArray();
        var k = n.Nodes!.Select(x => Project(p["key.weight"], x)).ToArray();
        var v = n.Nodes!.Select(x => Project(p["value.weight"], x)).ToArray();
        var expected = new double[n.Nodes!.Length][];
        for (var r = 0; r < expected.Length; r++)
        {
            expected[r] = new double[heads * valueSize];
            var incoming = Enumerable.Range(0, n.Senders.Length).Where(e => n.Receivers[e] == r).ToList();
            for (var h = 0; h < heads; h++)
            {
                var logits = incoming.Select(e => Enumerable.Range(0, keySize).Sum(c => k[n.Senders[e]][h * keySize + c] * q[r][h * keySize + c])).ToList();
                if (logits.Count == 0) continue;
                var z = logits.Sum(Math.Exp);
                for (var j = 0; j < incoming.Count; j++)
                    for (var c = 0; c < valueSize; c++)
                        expected[r][h * valueSize + c] += Math.Exp(logits[j]) / z * v[n.Senders[incoming[j]]][h * valueSize + c];
            }
        }
        NaiveGraph.AssertClose(expected, output.Nodes, Tol, "nodes");
    }

    [Fact]
    public void Encode_process_decode_equals_encoder_core_loop_decoder()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(12);
        var gen = new Generator(12);
        var graph = RandomBatch(rng, 3, NodeW, EdgeW, GlobalW);
        const int latent = 4, steps = 3;
        var (ee, en, eg) = (MakeMlp(gen, EdgeW, latent), MakeMlp(gen, NodeW, latent), MakeMlp(gen, GlobalW, latent));
        var eo = new EdgeBlockOptions();
        var no = new NodeBlockOptions();
        var go = new GlobalBlockOptions();
        var cw = new FeatureWidths(2 * latent, 2 * latent, 2 * latent);
        var ce = MakeMlp(gen, eo.InputWidth(cw), latent);
        var cn = MakeMlp(gen, no.InputWidth(cw with { Edges = latent }), latent);
        var cg = MakeMlp(gen, go.InputWidth(new FeatureWidths(latent, latent, 2 * latent)), latent);
        var (de, dn, dg) = (MakeMlp(gen, latent, 1), MakeMlp(gen, latent, 2), MakeMlp(gen, latent, 3));
        var model = new EncodeProcessDecode(new GraphIndependent(ee, en, eg), GraphNetwork.Create(ce, cn, cg, eo, no, go), new GraphIndependent(de, dn, dg), steps);
        var outputs = model.ForwardSteps(graph);
        Assert.Equal(steps, outputs.Count);

        var n = NaiveGraph.From(graph);
        var encoded = n.With(n.Nodes!.Select(r => NaiveGraph.Apply(en, r)).ToArray(), n.Edges!.Select(r => NaiveGraph.Apply(ee, r)).ToArray(), n.Globals!.Select(r => NaiveGraph.Apply(eg, r)).ToArray());
        var latentGraph = encoded;
        for (var s = 0; s < steps; s++)
        {
            static double[][] Join(double[][] a, double[][] b) => a.Zip(b, (x, y) => x.Concat(y).ToArray()).ToArray();
            var input = encoded.With(Join(encoded.Nodes!, latentGraph.Nodes!), Join(encoded.Edges!, latentGraph.Edges!), Join(encoded.Globals!, latentGraph.Globals!));
            latentGraph = input.EdgeBlock(ce, eo).NodeBlock(cn, no).GlobalBlock(cg, go);
            NaiveGraph.AssertClose(latentGraph.Edges!.Select(r => NaiveGraph.Apply(de, r)).ToArray(), outputs[s].Edges, Tol, $"step {s} edges");
            NaiveGraph.AssertClose(latentGraph.Nodes!.Select(r => NaiveGraph.Apply(dn, r)).ToArray(), outputs[s].Nodes, Tol, $"step {s} nodes");
            NaiveGraph.AssertClose(latentGraph.Globals!.Select(r => NaiveGraph.Apply(dg, r)).ToArray(), outputs[s].Globals, Tol, $"step {s} globals");
        }
    }

    [Fact]
    public void Encode_process_decode_factory_builds_a_model_with_the_requested_output_widths()
    {
        using var scope = NewDisposeScope();
        var graph = RandomBatch(new Random(13), 3, NodeW, EdgeW, GlobalW);
        var model = EncodeProcessDecode.Create(new FeatureWidths(NodeW, EdgeW, GlobalW), 8, new FeatureWidths(2, 1, 3), [8], 2, generator: new Generator(13), dtype: ScalarType.Float64);
        var output = model.forward(graph);
        Assert.Equal(new long[] { graph.NumNodes, 2 }, output.Nodes!.shape);
        Assert.Equal(new long[] { graph.NumEdges, 1 }, output.Edges!.shape);
        Assert.Equal(new long[] { graph.NumGraphs, 3 }, output.Globals!.shape);
    }
}
