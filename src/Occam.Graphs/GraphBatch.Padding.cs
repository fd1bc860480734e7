using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>A batch padded to fixed sizes, with masks that are true for the real (unpadded) entries.</summary>
/// <param name="Graph">The padded batch: real graphs first, then one padding graph holding all padding nodes and edges, then empty graphs.</param>
/// <param name="NodeMask">Bool <c>[nodes]</c>.</param>
/// <param name="EdgeMask">Bool <c>[edges]</c>.</param>
/// <param name="GraphMask">Bool <c>[graphs]</c>.</param>
/// <param name="RealGraphs">Number of real graphs.</param>
public sealed record PaddedGraphBatch(GraphBatch Graph, Tensor NodeMask, Tensor EdgeMask, Tensor GraphMask, int RealGraphs)
{
    /// <summary>Removes the padding, giving back a batch of the real graphs.</summary>
    public GraphBatch Unpad()
    {
        var g = Graph;
        var nNode = g.NNode.Take(RealGraphs).ToArray();
        var nEdge = g.NEdge.Take(RealGraphs).ToArray();
        long nodes = nNode.Sum(), edges = nEdge.Sum();
        return new GraphBatch(g.Nodes?.narrow(0, 0, nodes), g.Edges?.narrow(0, 0, edges), g.Globals?.narrow(0, 0, RealGraphs),
            g.Senders.narrow(0, 0, edges), g.Receivers.narrow(0, 0, edges), nNode, nEdge);
    }
}

public sealed partial class GraphBatch
{
    /// <summary>
    /// Pads the batch to exactly <paramref name="nodes"/> nodes, <paramref name="edges"/> edges and
    /// <paramref name="graphs"/> graphs (jraph's <c>pad_with_graphs</c>): one padding graph receives all padding nodes
    /// and edges (padding edges connect the first padding node to itself), further padding graphs are empty, and
    /// padded features are zero. Needs at least one padding node and one padding graph.
    /// </summary>
    public PaddedGraphBatch PadTo(long nodes, long edges, int graphs)
    {
        if (nodes <= NumNodes)
            throw new ArgumentOutOfRangeException(nameof(nodes), nodes, $"Padding needs more nodes than the {NumNodes} in the batch (one padding node at least).");
        if (edges < NumEdges)
            throw new ArgumentOutOfRangeException(nameof(edges), edges, $"Padding needs at least the {NumEdges} edges in the batch.");
        if (graphs <= NumGraphs)
            throw new ArgumentOutOfRangeException(nameof(graphs), graphs, $"Padding needs more graphs than the {NumGraphs} in the batch (one padding graph at least).");
        using var scope = NewDisposeScope();
        var padNodes = nodes - NumNodes;
        var padEdges = edges - NumEdges;
        var padGraphs = graphs - NumGraphs;
        var device = Device;
        var firstPad = full(padEdges, NumNodes, dtype: ScalarType.Int64, device: device);
        var senders = cat([Senders, firstPad], 0);
        var receivers = cat([Receivers, firstPad], 0);
        var nNodeP = nNode.Concat([padNodes]).Concat(Enumerable.Repeat(0L, padGraphs - 1)).ToArray();
        var nEdgeP = nEdge.Concat([padEdges]).Concat(Enumerable.Repeat(0L, padGraphs - 1)).ToArray();
        var padded = new GraphBatch(PadRows(Nodes, padNodes), PadRows(Edges, padEdges), PadRows(Globals, padGraphs), senders, receivers, nNodeP, nEdgeP);
        var nodeMask = arange(nodes, device: device).lt(NumNodes);
        var edgeMask = arange(edges, device: device).lt(NumEdges);
        var graphMask = arange(graphs, device: device).lt(NumGraphs);
        padded.MoveToOuter(scope);
        scope.MoveToOuter(nodeMask, edgeMask, graphMask);
        return new PaddedGraphBatch(padded, nodeMask, edgeMask, graphMask, NumGraphs);
    }

    private static Tensor? PadRows(Tensor? t, long rows)
    {
        if (t is null) return null;
        var shape = t.shape.ToArray();
        shape[0] = rows;
        return cat([t, zeros(shape, dtype: t.dtype, device: t.device)], 0);
    }
}
