using static TorchSharp.torch;

namespace Occam.Graphs.Tests;

/// <summary>
/// An independent per-edge / per-node loop implementation of the graph network blocks, used as the reference.
/// Update models are applied to one row at a time.
/// </summary>
internal sealed class NaiveGraph
{
    public double[][]? Nodes;
    public double[][]? Edges;
    public double[][]? Globals;
    public long[] Senders = [];
    public long[] Receivers = [];
    public int[] NodeGraph = [];
    public int[] EdgeGraph = [];
    public int NumGraphs;

    public static NaiveGraph From(GraphBatch g)
    {
        var n = new NaiveGraph
        {
            Nodes = g.Nodes is null ? null : Rows(g.Nodes),
            Edges = g.Edges is null ? null : Rows(g.Edges),
            Globals = g.Globals is null ? null : Rows(g.Globals),
            Senders = g.SendersArray(),
            Receivers = g.ReceiversArray(),
            NumGraphs = g.NumGraphs,
        };
        n.NodeGraph = Expand(g.NNode);
        n.EdgeGraph = Expand(g.NEdge);
        return n;
    }

    public NaiveGraph With(double[][]? nodes = null, double[][]? edges = null, double[][]? globals = null) => new()
    {
        Nodes = nodes ?? Nodes, Edges = edges ?? Edges, Globals = globals ?? Globals,
        Senders = Senders, Receivers = Receivers, NodeGraph = NodeGraph, EdgeGraph = EdgeGraph, NumGraphs = NumGraphs,
    };

    public static double[][] Rows(Tensor t)
    {
        var v = TestGraphs.Values(t);
        var rows = (int)t.shape[0];
        var w = rows == 0 ? 0 : v.Length / rows;
        return Enumerable.Range(0, rows).Select(i => v.Skip(i * w).Take(w).ToArray()).ToArray();
    }

    private static int[] Expand(IReadOnlyList<long> counts)
    {
        var list = new List<int>();
        for (var g = 0; g < counts.Count; g++) for (var k = 0; k < counts[g]; k++) list.Add(g);
        return list.ToArray();
    }

    public static double[] Apply(nn.Module<Tensor, Tensor> model, double[] row)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return TestGraphs.Values(model.forward(tensor(row).reshape(1, row.Length)));
    }

    public static double[] Reduce(Reducer reducer, IEnumerable<double[]> rows, int width)
    {
        var list = rows.ToList();
        var result = new double[width];
        if (list.Count == 0) return result;
        for (var c = 0; c < width; c++)
        {
            var col = list.Select(r => r[c]);
            result[c] = reducer switch
            {
                Reducer.Sum => col.Sum(),
                Reducer.Mean => col.Average(),
                Reducer.Max => col.Max(),
                Reducer.Min => col.Min(),
                _ => throw new InvalidOperationException(),
            };
        }
        return result;
    }

    private static double[] Cat(params double[]?[] parts) => parts.Where(p => p is not null).SelectMany(p => p!).ToArray();

    public NaiveGraph EdgeBlock(nn.Module<Tensor, Tensor> model, EdgeBlockOptions o)
    {
        var edges = new double[Senders.Length][];
        for (var e = 0; e < edges.Length; e++)
        {
            var row = Cat(o.UseEdges ? Edges![e] : null,
                o.UseReceiverNodes ? Nodes![Receivers[e]] : null,
                o.UseSenderNodes ? Nodes![Senders[e]] : null,
                o.UseGlobals ? Globals![EdgeGraph[e]] : null);
            edges[e] = Apply(model, row);
        }
        return With(edges: edges);
    }

    public NaiveGraph NodeBlock(nn.Module<Tensor, Tensor> model, NodeBlockOptions o)
    {
        var count = NodeGraph.Length;
        var nodes = new double[count][];
        var ew = Edges is { Length: > 0 } ? Edges[0].Length : 0;
        for (var i = 0; i < count; i++)
        {
            var received = o.UseReceivedEdges ? Reduce(o.ReceivedEdgesReducer, Enumerable.Range(0, Senders.Length).Where(e => Receivers[e] == i).Select(e => Edges![e]), ew) : null;
            var sent = o.UseSentEdges ? Reduce(o.SentEdgesReducer, Enumerable.Range(0, Senders.Length).Where(e => Senders[e] == i).Select(e => Edges![e]), ew) : null;
            var row = Cat(received, sent, o.UseNodes ? Nodes![i] : null, o.UseGlobals ? Globals![NodeGraph[i]] : null);
            nodes[i] = Apply(model, row);
        }
        return With(nodes: nodes);
    }

    public NaiveGraph GlobalBlock(nn.Module<Tensor, Tensor> model, GlobalBlockOptions o)
    {
        var globals = new double[NumGraphs][];
        var ew = Edges is { Length: > 0 } ? Edges[0].Length : 0;
        var nw = Nodes is { Length: > 0 } ? Nodes[0].Length : 0;
        for (var g = 0; g < NumGraphs; g++)
        {
            var edges = o.UseEdges ? Reduce(o.EdgesReducer, Enumerable.Range(0, Senders.Length).Where(e => EdgeGraph[e] == g).Select(e => Edges![e]), ew) : null;
            var nodes = o.UseNodes ? Reduce(o.NodesReducer, Enumerable.Range(0, NodeGraph.Length).Where(i => NodeGraph[i] == g).Select(i => Nodes![i]), nw) : null;
            globals[g] = Apply(model, Cat(edges, nodes, o.UseGlobals ? Globals![g] : null));
        }
        return With(globals: globals);
    }

    public static void AssertClose(double[][]? expected, Tensor? actual, double tolerance, string what)
    {
        Assert.NotNull(expected);
        Assert.NotNull(actual);
        var got = Rows(actual!);
        Assert.Equal(expected!.Length, got.Length);
        for (var i = 0; i < got.Length; i++) TestGraphs.AllClose(expected[i], got[i], tolerance, $"{what} row {i}");
    }
}
