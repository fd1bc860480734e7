namespace Occam.Physics.Tasks;

/// <summary>
/// One directed graph of a classic graph_nets task, as plain arrays. Edges go sender → receiver.
/// Features are row-major: <see cref="Nodes"/> is [node, NodeFeatureSize], <see cref="Edges"/> is
/// [edge, EdgeFeatureSize]. Labels are class indices (0 = false, 1 = true), one per node and per edge.
/// </summary>
public sealed class TaskGraph
{
    public TaskGraph(int nodeCount, int nodeFeatureSize, double[] nodes, int[] senders, int[] receivers,
        int edgeFeatureSize, double[] edges, double[] globals, int[] nodeLabels, int[] edgeLabels)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(senders);
        ArgumentNullException.ThrowIfNull(receivers);
        ArgumentNullException.ThrowIfNull(edges);
        ArgumentNullException.ThrowIfNull(globals);
        ArgumentNullException.ThrowIfNull(nodeLabels);
        ArgumentNullException.ThrowIfNull(edgeLabels);
        if (nodes.Length != nodeCount * nodeFeatureSize)
            throw new ArgumentException($"TaskGraph: nodes has {nodes.Length} values, expected {nodeCount} × {nodeFeatureSize}.", nameof(nodes));
        if (senders.Length != receivers.Length)
            throw new ArgumentException($"TaskGraph: {senders.Length} senders but {receivers.Length} receivers.", nameof(receivers));
        if (edges.Length != senders.Length * edgeFeatureSize)
            throw new ArgumentException($"TaskGraph: edges has {edges.Length} values, expected {senders.Length} × {edgeFeatureSize}.", nameof(edges));
        if (nodeLabels.Length != nodeCount)
            throw new ArgumentException($"TaskGraph: {nodeLabels.Length} node labels for {nodeCount} nodes.", nameof(nodeLabels));
        if (edgeLabels.Length != senders.Length)
            throw new ArgumentException($"TaskGraph: {edgeLabels.Length} edge labels for {senders.Length} edges.", nameof(edgeLabels));
        for (int e = 0; e < senders.Length; e++)
        {
            if ((uint)senders[e] >= (uint)nodeCount || (uint)receivers[e] >= (uint)nodeCount)
                throw new ArgumentException($"TaskGraph: edge {e} ({senders[e]} → {receivers[e]}) refers to a node outside [0, {nodeCount}).", nameof(senders));
        }
        NodeCount = nodeCount; NodeFeatureSize = nodeFeatureSize; Nodes = nodes;
        Senders = senders; Receivers = receivers; EdgeFeatureSize = edgeFeatureSize; Edges = edges;
        Globals = globals; NodeLabels = nodeLabels; EdgeLabels = edgeLabels;
    }

    public int NodeCount { get; }
    public int EdgeCount => Senders.Length;
    public int NodeFeatureSize { get; }
    public int EdgeFeatureSize { get; }
    public double[] Nodes { get; }
    public int[] Senders { get; }
    public int[] Receivers { get; }
    public double[] Edges { get; }
    public double[] Globals { get; }
    public int[] NodeLabels { get; }
    public int[] EdgeLabels { get; }
}
