namespace Occam.Physics.Tasks;

/// <summary>
/// One directed graph of a classic graph_nets task, as plain arrays. Edges go sender → receiver.
/// Features are row-major: <see cref="Nodes"/> is [node, NodeFeatureSize], <see cref="Edges"/> is
/// [edge, EdgeFeatureSize]. Labels are class indices (0 = false, 1 = true), one per node and per edge.
/// </summary>
public sealed class TaskGraph
{
    /// <summary>
    /// A graph from its arrays, which are kept, not copied. Throws <see cref="ArgumentNullException"/> for a null array and
    /// <see cref="ArgumentException"/> when a length does not match the counts or an edge refers to a node outside [0, nodeCount).
    /// </summary>
    /// <param name="nodeCount">Number of nodes.</param>
    /// <param name="nodeFeatureSize">Values per node.</param>
    /// <param name="nodes">Node features, row-major [node, nodeFeatureSize].</param>
    /// <param name="senders">Sender node of each edge.</param>
    /// <param name="receivers">Receiver node of each edge (same length as <paramref name="senders"/>).</param>
    /// <param name="edgeFeatureSize">Values per edge.</param>
    /// <param name="edges">Edge features, row-major [edge, edgeFeatureSize].</param>
    /// <param name="globals">Graph-level features (the tasks use [0]).</param>
    /// <param name="nodeLabels">Class (0 or 1) of each node.</param>
    /// <param name="edgeLabels">Class (0 or 1) of each edge.</param>
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

    /// <summary>Number of nodes.</summary>
    public int NodeCount { get; }
    /// <summary>Number of directed edges (the length of <see cref="Senders"/>).</summary>
    public int EdgeCount => Senders.Length;
    /// <summary>Values per node in <see cref="Nodes"/>.</summary>
    public int NodeFeatureSize { get; }
    /// <summary>Values per edge in <see cref="Edges"/>.</summary>
    public int EdgeFeatureSize { get; }
    /// <summary>Node features, row-major [node, NodeFeatureSize].</summary>
    public double[] Nodes { get; }
    /// <summary>Sender (source) node of each edge.</summary>
    public int[] Senders { get; }
    /// <summary>Receiver (target) node of each edge.</summary>
    public int[] Receivers { get; }
    /// <summary>Edge features, row-major [edge, EdgeFeatureSize].</summary>
    public double[] Edges { get; }
    /// <summary>Graph-level features ([0] in the built-in tasks).</summary>
    public double[] Globals { get; }
    /// <summary>Class of each node: 0 = false, 1 = true (on the path, or the smallest element).</summary>
    public int[] NodeLabels { get; }
    /// <summary>Class of each edge: 0 = false, 1 = true (a path edge, or a sorted-order successor link).</summary>
    public int[] EdgeLabels { get; }
}
