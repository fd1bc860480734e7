using static TorchSharp.torch;
using static Occam.Graphs.Tests.TestGraphs;

namespace Occam.Graphs.Tests;

/// <summary>
/// The dense path on fully connected graphs against the sparse blocks on the same graphs as a <see cref="GraphBatch"/>
/// and against per-edge loops (float64). Its first layer is split per node, so it agrees with the concatenated form to
/// rounding: tolerance 1e-12 relative.
/// </summary>
public sealed class DenseGraphsTests
{
    const int Graphs = 3, N = 4, F = 3;

    /// <summary>The B complete graphs of <paramref name="nodes"/> (B, n, F) as one GraphBatch, edges in the dense order.</summary>
    static GraphBatch CompleteGraphs(Tensor nodes)
    {
        long b = nodes.shape[0], n = nodes.shape[1];
        var (receivers, senders) = DenseGraphs.EdgeOrder((int)n);
        var s = new List<long>();
        var r = new List<long>();
        for (long g = 0; g < b; g++)
            for (int e = 0; e < receivers.Length; e++) { s.Add(g * n + senders[e]); r.Add(g * n + receivers[e]); }
        return new GraphBatch(nodes.reshape(b * n, nodes.shape[2]), null, null, tensor(s.ToArray()), tensor(r.ToArray()),
            Enumerable.Repeat(n, (int)b).ToArray(), Enumerable.Repeat((long)receivers.Length, (int)b).ToArray());
    }

    static readonly EdgeBlockOptions NodesOnly = new(UseEdges: false, UseGlobals: false);

    [Fact]
    public void Edge_order_lists_every_ordered_pair_once_receiver_major()
    {
        var (receivers, senders) = DenseGraphs.EdgeOrder(3);
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 2 }, receivers);
        Assert.Equal(new[] { 1, 2, 0, 2, 0, 1 }, senders);
        Assert.Empty(DenseGraphs.EdgeOrder(1).Receivers);
    }

    [Fact]
    public void Receiver_and_sender_nodes_are_the_nodes_at_the_ends_of_each_edge()
    {
        using var scope = NewDisposeScope();
        var nodes = Randn(new Random(1), Graphs, N, F);
        var (receivers, senders) = DenseGraphs.EdgeOrder(N);
        var x = Values(nodes);
        var atReceivers = Values(DenseGraphs.ReceiverNodes(nodes));
        var atSenders = Values(DenseGraphs.SenderNodes(nodes));
        for (int g = 0; g < Graphs; g++)
            for (int e = 0; e < receivers.Length; e++)
                for (int c = 0; c < F; c++)
                {
                    int at = (g * receivers.Length + e) * F + c;
                    Assert.Equal(x[(g * N + receivers[e]) * F + c], atReceivers[at]);
                    Assert.Equal(x[(g * N + senders[e]) * F + c], atSenders[at]);
                }
    }

    [Fact]
    public void Dense_edge_model_equals_a_naive_loop_and_the_edge_block_on_the_complete_graphs()
    {
        using var scope = NewDisposeScope();
        var mlp = new Mlp(2 * F, [5, 4], Activation.ReLU, generator: new Generator(7), dtype: ScalarType.Float64);
        var nodes = Randn(new Random(2), Graphs, N, F);
        var graph = CompleteGraphs(nodes);
        var dense = DenseGraphs.EdgeModel(mlp, nodes);
        Assert.Equal(new long[] { Graphs, N * (N - 1), 4 }, dense.shape);
        var flat = dense.reshape(-1, 4);
        var naive = NaiveGraph.From(graph).EdgeBlock(mlp, NodesOnly);
        NaiveGraph.AssertClose(naive.Edges, flat, 1e-12, "naive loop");
        NaiveGraph.AssertClose(NaiveGraph.Rows(new EdgeBlock(mlp, NodesOnly).forward(graph).Edges!), flat, 1e-12, "edge block");

        // Negative control: with receiver and sender swapped the check fails.
        var swapped = new GraphBatch(graph.Nodes, null, null, graph.Receivers, graph.Senders, graph.NNode, graph.NEdge);
        var wrong = NaiveGraph.From(swapped).EdgeBlock(mlp, NodesOnly).Edges!.SelectMany(row => row);
        var largest = wrong.Zip(Values(flat)).Max(v => Math.Abs(v.First - v.Second));
        Assert.True(largest > 1e-3, $"swapped ends differ by {largest} at most");
    }

    [Fact]
    public void Dense_edge_model_gradients_match_the_edge_block_and_central_finite_differences()
    {
        using var scope = NewDisposeScope();
        var mlp = new Mlp(2 * F, [6, 2], Activation.Tanh, generator: new Generator(9), dtype: ScalarType.Float64);
        var nodes = Randn(new Random(3), Graphs, N, F).requires_grad_(true);
        var weights = Randn(new Random(4), Graphs, N * (N - 1), 2);
        Tensor Loss(Tensor x) => (DenseGraphs.EdgeModel(mlp, x) * weights).sum();

        Loss(nodes).backward();
        var denseNodeGrad = Values(nodes.grad!);
        var denseParamGrads = mlp.parameters().Select(p => Values(p.grad!)).ToList();
        nodes.grad!.zero_();
        mlp.zero_grad();
        (new EdgeBlock(mlp, NodesOnly).forward(CompleteGraphs(nodes)).Edges! * weights.reshape(-1, 2)).sum().backward();
        AllClose(Values(nodes.grad!), denseNodeGrad, 1e-12, "node gradient");
        foreach (var (p, dense) in mlp.parameters().Zip(denseParamGrads)) AllClose(Values(p.grad!), dense, 1e-12, "parameter gradient");

        // Central differences, step 1e-6: truncation error O(h²) and rounding O(1e-16/h) are both far below 1e-7.
        const double h = 1e-6;
        var x0 = Values(nodes);
        using var noGrad = no_grad();
        for (int k = 0; k < x0.Length; k += 5)
        {
            var plus = (double[])x0.Clone(); plus[k] += h;
            var minus = (double[])x0.Clone(); minus[k] -= h;
            var fd = (Loss(tensor(plus).reshape(Graphs, N, F)).item<double>() - Loss(tensor(minus).reshape(Graphs, N, F)).item<double>()) / (2 * h);
            Assert.True(Math.Abs(fd - denseNodeGrad[k]) <= 1e-7 * (1 + Math.Abs(fd)), $"node {k}: finite difference {fd}, autograd {denseNodeGrad[k]}");
        }
    }

    [Fact]
    public void Sum_received_equals_the_segment_sum_at_the_receivers_and_its_gradient_is_the_receivers_weight()
    {
        using var scope = NewDisposeScope();
        var edges = Randn(new Random(5), Graphs, N * (N - 1), 2).requires_grad_(true);
        var weights = Randn(new Random(6), Graphs, N, 2);
        var summed = DenseGraphs.SumReceived(edges, N);
        var (receivers, _) = DenseGraphs.EdgeOrder(N);
        var e = Values(edges);
        var expected = new double[Graphs * N * 2];
        for (int g = 0; g < Graphs; g++)
            for (int k = 0; k < receivers.Length; k++)
                for (int c = 0; c < 2; c++) expected[(g * N + receivers[k]) * 2 + c] += e[(g * receivers.Length + k) * 2 + c];
        AllClose(expected, Values(summed), 1e-12);

        (summed * weights).sum().backward();
        var w = Values(weights);
        var grad = Values(edges.grad!);
        for (int g = 0; g < Graphs; g++)
            for (int k = 0; k < receivers.Length; k++)
                for (int c = 0; c < 2; c++) Assert.Equal(w[(g * N + receivers[k]) * 2 + c], grad[(g * receivers.Length + k) * 2 + c]);
    }

    [Fact]
    public void A_single_node_has_no_edges_and_receives_zero()
    {
        using var scope = NewDisposeScope();
        var mlp = new Mlp(2 * F, [4], generator: new Generator(1), dtype: ScalarType.Float64);
        var nodes = Randn(new Random(7), 2, 1, F);
        var edges = DenseGraphs.EdgeModel(mlp, nodes);
        Assert.Equal(new long[] { 2, 0, 4 }, edges.shape);
        Assert.All(Values(DenseGraphs.SumReceived(edges, 1)), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void An_edge_model_of_the_wrong_width_or_nodes_of_the_wrong_rank_are_rejected()
    {
        using var scope = NewDisposeScope();
        var nodes = Randn(new Random(8), 2, N, F);
        Assert.Throws<ArgumentException>(() => DenseGraphs.EdgeModel(new Mlp(F, [4], dtype: ScalarType.Float64), nodes));
        Assert.Throws<ArgumentException>(() => DenseGraphs.ReceiverNodes(nodes.reshape(2 * N, F)));
        Assert.Throws<ArgumentException>(() => DenseGraphs.SumReceived(nodes, N));
    }
}
