using Occam.Graphs;
using Occam.Physics.Tasks;
using static TorchSharp.torch;

namespace Occam.Demos;

/// <summary>Turns plain task graphs (double arrays) into float32 <see cref="GraphBatch"/>es and label tensors.</summary>
internal static class GraphTensors
{
    /// <summary>One graph as plain arrays (features row-major).</summary>
    public readonly record struct Plain(int NodeCount, double[] Nodes, int[] Senders, int[] Receivers, double[] Edges, double[] Globals);

    public static GraphBatch Batch(IReadOnlyList<Plain> graphs, int nodeWidth, int edgeWidth, int globalWidth)
    {
        int totalNodes = graphs.Sum(g => g.NodeCount);
        int totalEdges = graphs.Sum(g => g.Senders.Length);
        var nodes = new float[totalNodes * nodeWidth];
        var edges = new float[totalEdges * edgeWidth];
        var globals = new float[graphs.Count * globalWidth];
        var senders = new long[totalEdges];
        var receivers = new long[totalEdges];
        var nNode = new long[graphs.Count];
        var nEdge = new long[graphs.Count];
        int nodeOffset = 0, edgeOffset = 0;
        for (int g = 0; g < graphs.Count; g++)
        {
            var graph = graphs[g];
            for (int i = 0; i < graph.Nodes.Length; i++) nodes[nodeOffset * nodeWidth + i] = (float)graph.Nodes[i];
            for (int i = 0; i < graph.Edges.Length; i++) edges[edgeOffset * edgeWidth + i] = (float)graph.Edges[i];
            for (int i = 0; i < globalWidth; i++) globals[g * globalWidth + i] = (float)graph.Globals[i];
            for (int e = 0; e < graph.Senders.Length; e++)
            {
                senders[edgeOffset + e] = graph.Senders[e] + nodeOffset;
                receivers[edgeOffset + e] = graph.Receivers[e] + nodeOffset;
            }
            nNode[g] = graph.NodeCount;
            nEdge[g] = graph.Senders.Length;
            nodeOffset += graph.NodeCount;
            edgeOffset += graph.Senders.Length;
        }
        return new GraphBatch(
            tensor(nodes).reshape(totalNodes, nodeWidth),
            tensor(edges).reshape(totalEdges, edgeWidth),
            tensor(globals).reshape(graphs.Count, globalWidth),
            tensor(senders), tensor(receivers), nNode, nEdge);
    }

    public static GraphBatch Batch(IReadOnlyList<TaskGraph> graphs) =>
        Batch(graphs.Select(g => new Plain(g.NodeCount, g.Nodes, g.Senders, g.Receivers, g.Edges, g.Globals)).ToList(),
            graphs[0].NodeFeatureSize, graphs[0].EdgeFeatureSize, graphs[0].Globals.Length);

    public static (Tensor Nodes, Tensor Edges) Labels(IReadOnlyList<TaskGraph> graphs) =>
        (tensor(graphs.SelectMany(g => g.NodeLabels).Select(l => (long)l).ToArray()),
         tensor(graphs.SelectMany(g => g.EdgeLabels).Select(l => (long)l).ToArray()));
}
