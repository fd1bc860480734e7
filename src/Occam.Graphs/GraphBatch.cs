using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>
/// A batch of graphs stored as one disjoint graph (graph_nets' <c>GraphsTuple</c>, jraph's <c>GraphsTuple</c>).
/// <para>
/// Convention used everywhere in Occam: an edge goes from its <b>sender</b> to its <b>receiver</b>, and edge
/// messages are aggregated at the <b>receiver</b>.
/// </para>
/// <para>
/// <see cref="Nodes"/> is <c>[ΣNNode, …]</c>, <see cref="Edges"/> is <c>[ΣNEdge, …]</c>, <see cref="Globals"/> is
/// <c>[NumGraphs, …]</c>; each is optional. <see cref="Senders"/> and <see cref="Receivers"/> are Int64
/// <c>[ΣNEdge]</c> node indices into the whole batch (already offset), and the edges of graph <c>g</c> are the
/// contiguous block after those of graphs <c>0..g−1</c>, connecting only nodes of graph <c>g</c>.
/// </para>
/// The value is immutable: the <c>With…</c> methods return a new batch sharing the other tensors.
/// The batch does not own its tensors; their lifetime follows the dispose scope they were created in.
/// </summary>
public sealed partial class GraphBatch
{
    private readonly long[] nNode;
    private readonly long[] nEdge;

    /// <summary>Creates and validates a graph batch.</summary>
    /// <exception cref="ArgumentException">When shapes, types or indices are inconsistent; the message says which.</exception>
    public GraphBatch(Tensor? nodes, Tensor? edges, Tensor? globals, Tensor senders, Tensor receivers,
        IReadOnlyList<long> nNode, IReadOnlyList<long> nEdge)
    {
        ArgumentNullException.ThrowIfNull(senders);
        ArgumentNullException.ThrowIfNull(receivers);
        ArgumentNullException.ThrowIfNull(nNode);
        ArgumentNullException.ThrowIfNull(nEdge);
        this.nNode = nNode.ToArray();
        this.nEdge = nEdge.ToArray();
        Nodes = nodes;
        Edges = edges;
        Globals = globals;
        Senders = senders;
        Receivers = receivers;
        NumNodes = this.nNode.Sum();
        NumEdges = this.nEdge.Sum();
        Validate();
    }

    // Used by the With… methods: the structure is unchanged, so only the new features are checked.
    private GraphBatch(GraphBatch structure, Tensor? nodes, Tensor? edges, Tensor? globals)
    {
        nNode = structure.nNode;
        nEdge = structure.nEdge;
        Senders = structure.Senders;
        Receivers = structure.Receivers;
        NumNodes = structure.NumNodes;
        NumEdges = structure.NumEdges;
        Nodes = nodes;
        Edges = edges;
        Globals = globals;
        var device = Senders.device;
        CheckFeature(Nodes, nameof(Nodes), NumNodes, "ΣNNode", device);
        CheckFeature(Edges, nameof(Edges), NumEdges, "ΣNEdge", device);
        CheckFeature(Globals, nameof(Globals), NumGraphs, "the number of graphs", device);
    }

    /// <summary>Node features <c>[ΣNNode, …]</c>, or null.</summary>
    public Tensor? Nodes { get; }

    /// <summary>Edge features <c>[ΣNEdge, …]</c>, or null.</summary>
    public Tensor? Edges { get; }

    /// <summary>Global (per-graph) features <c>[NumGraphs, …]</c>, or null.</summary>
    public Tensor? Globals { get; }

    /// <summary>Int64 <c>[ΣNEdge]</c>: the node each edge starts from (index into the whole batch).</summary>
    public Tensor Senders { get; }

    /// <summary>Int64 <c>[ΣNEdge]</c>: the node each edge points to and is aggregated at.</summary>
    public Tensor Receivers { get; }

    /// <summary>Number of nodes of each graph.</summary>
    public IReadOnlyList<long> NNode => nNode;

    /// <summary>Number of edges of each graph.</summary>
    public IReadOnlyList<long> NEdge => nEdge;

    /// <summary>Number of graphs in the batch.</summary>
    public int NumGraphs => nNode.Length;

    /// <summary>Total number of nodes.</summary>
    public long NumNodes { get; }

    /// <summary>Total number of edges.</summary>
    public long NumEdges { get; }

    /// <summary>Device of the index tensors (all tensors of the batch live there).</summary>
    public Device Device => Senders.device;

    /// <summary>Creates a batch holding a single graph.</summary>
    public static GraphBatch Single(Tensor? nodes, Tensor? edges, Tensor? globals, long[] senders, long[] receivers, long numNodes)
    {
        ArgumentNullException.ThrowIfNull(senders);
        ArgumentNullException.ThrowIfNull(receivers);
        var device = nodes?.device ?? edges?.device ?? globals?.device;
        return new GraphBatch(nodes, edges, globals,
            tensor(senders, dtype: ScalarType.Int64, device: device), tensor(receivers, dtype: ScalarType.Int64, device: device),
            [numNodes], [senders.LongLength]);
    }

    /// <summary>Returns a copy with other node features (null removes them).</summary>
    public GraphBatch WithNodes(Tensor? nodes) => new(this, nodes, Edges, Globals);

    /// <summary>Returns a copy with other edge features (null removes them).</summary>
    public GraphBatch WithEdges(Tensor? edges) => new(this, Nodes, edges, Globals);

    /// <summary>Returns a copy with other global features (null removes them).</summary>
    public GraphBatch WithGlobals(Tensor? globals) => new(this, Nodes, Edges, globals);

    /// <summary>Returns a copy with all three feature sets replaced.</summary>
    public GraphBatch WithFeatures(Tensor? nodes, Tensor? edges, Tensor? globals) => new(this, nodes, edges, globals);

    /// <inheritdoc />
    public override string ToString()
    {
        static string Shape(Tensor? t) => t is null ? "none" : $"[{string.Join(", ", t.shape)}] {t.dtype}";
        return $"GraphBatch(graphs: {NumGraphs}, nodes: {NumNodes}, edges: {NumEdges}; node features {Shape(Nodes)}, edge features {Shape(Edges)}, globals {Shape(Globals)})";
    }

    /// <summary>Returns a copy whose floating-point features are converted to <paramref name="type"/>.</summary>
    public GraphBatch WithFeatureType(ScalarType type) =>
        WithFeatures(Nodes?.to_type(type), Edges?.to_type(type), Globals?.to_type(type));

    /// <summary>Returns a copy with every tensor (features and indices) moved to <paramref name="device"/>.</summary>
    public GraphBatch To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new GraphBatch(Nodes?.to(device), Edges?.to(device), Globals?.to(device), Senders.to(device), Receivers.to(device), nNode, nEdge);
    }

    /// <summary>
    /// Moves the feature tensors that belong to <paramref name="scope"/> to its outer scope (tensors owned by
    /// other scopes, e.g. inputs passed through unchanged, are left where they are) and returns this batch.
    /// </summary>
    public GraphBatch MoveToOuter(DisposeScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (Nodes is not null) scope.MoveToOuter(Nodes);
        if (Edges is not null) scope.MoveToOuter(Edges);
        if (Globals is not null) scope.MoveToOuter(Globals);
        scope.MoveToOuter(Senders);
        scope.MoveToOuter(Receivers);
        return this;
    }

    /// <summary>Int64 <c>[ΣNNode]</c>: the graph each node belongs to.</summary>
    public Tensor NodeGraphIndex() => SegmentIndex(nNode, Device);

    /// <summary>Int64 <c>[ΣNEdge]</c>: the graph each edge belongs to.</summary>
    public Tensor EdgeGraphIndex() => SegmentIndex(nEdge, Device);

    /// <summary>Host copy of <see cref="Senders"/>.</summary>
    public long[] SendersArray() => ToLongArray(Senders);

    /// <summary>Host copy of <see cref="Receivers"/>.</summary>
    public long[] ReceiversArray() => ToLongArray(Receivers);

    /// <summary>
    /// Batches graphs into one disjoint graph: features are concatenated along the first dimension and the
    /// sender/receiver indices of each graph are offset by the number of nodes before it.
    /// Either all graphs have a given feature set, or none has.
    /// </summary>
    public static GraphBatch Batch(IReadOnlyList<GraphBatch> graphs)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        if (graphs.Count == 0) throw new ArgumentException("Cannot batch an empty list of graphs.", nameof(graphs));
        var nodes = ConcatFeature(graphs, g => g.Nodes, "nodes");
        var edges = ConcatFeature(graphs, g => g.Edges, "edges");
        var globals = ConcatFeature(graphs, g => g.Globals, "globals");
        var senders = new List<Tensor>(graphs.Count);
        var receivers = new List<Tensor>(graphs.Count);
        var nNode = new List<long>();
        var nEdge = new List<long>();
        long offset = 0;
        using (var scope = NewDisposeScope())
        {
            foreach (var g in graphs)
            {
                senders.Add(g.Senders + offset);
                receivers.Add(g.Receivers + offset);
                offset += g.NumNodes;
                nNode.AddRange(g.nNode);
                nEdge.AddRange(g.nEdge);
            }
            var s = cat(senders, 0).MoveToOuterDisposeScope();
            var r = cat(receivers, 0).MoveToOuterDisposeScope();
            return new GraphBatch(nodes, edges, globals, s, r, nNode, nEdge);
        }
    }

    /// <summary>Splits the batch back into one batch per graph, with indices local to each graph.</summary>
    public IReadOnlyList<GraphBatch> Split()
    {
        var result = new List<GraphBatch>(NumGraphs);
        long nodeOffset = 0, edgeOffset = 0;
        for (var g = 0; g < NumGraphs; g++)
        {
            var nn = nNode[g];
            var ne = nEdge[g];
            result.Add(new GraphBatch(
                Nodes?.narrow(0, nodeOffset, nn),
                Edges?.narrow(0, edgeOffset, ne),
                Globals?.narrow(0, g, 1),
                Senders.narrow(0, edgeOffset, ne) - nodeOffset,
                Receivers.narrow(0, edgeOffset, ne) - nodeOffset,
                [nn], [ne]));
            nodeOffset += nn;
            edgeOffset += ne;
        }
        return result;
    }

    /// <summary>
    /// Concatenates the features of two batches with the same structure along the last dimension
    /// (per feature set; a set missing in one of them is taken from the other).
    /// </summary>
    public static GraphBatch ConcatFeatures(GraphBatch first, GraphBatch second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (!first.nNode.AsSpan().SequenceEqual(second.nNode) || !first.nEdge.AsSpan().SequenceEqual(second.nEdge))
            throw new ArgumentException("ConcatFeatures needs two batches with the same NNode and NEdge.", nameof(second));
        static Tensor? Cat(Tensor? a, Tensor? b) => a is null ? b : b is null ? a : cat([a, b], -1);
        return first.WithFeatures(Cat(first.Nodes, second.Nodes), Cat(first.Edges, second.Edges), Cat(first.Globals, second.Globals));
    }

    private static Tensor? ConcatFeature(IReadOnlyList<GraphBatch> graphs, Func<GraphBatch, Tensor?> get, string what)
    {
        var present = graphs.Count(g => get(g) is not null);
        if (present == 0) return null;
        if (present != graphs.Count)
            throw new ArgumentException($"Cannot batch graphs where only some have {what}: {present} of {graphs.Count} do.", nameof(graphs));
        return cat(graphs.Select(g => get(g)!).ToList(), 0);
    }

    internal static Tensor SegmentIndex(long[] counts, Device device)
    {
        using var scope = NewDisposeScope();
        var ids = arange(counts.Length, dtype: ScalarType.Int64, device: device);
        var reps = tensor(counts, dtype: ScalarType.Int64, device: device);
        return ids.repeat_interleave(reps, 0, counts.Sum()).MoveToOuterDisposeScope();
    }

    internal static long[] ToLongArray(Tensor t)
    {
        if (t.numel() == 0) return [];
        using var cpu = t.device_type == DeviceType.CPU ? t.contiguous() : t.cpu().contiguous();
        return cpu.data<long>().ToArray();
    }

    private void Validate()
    {
        for (var g = 0; g < nNode.Length; g++)
        {
            if (nNode[g] < 0) throw new ArgumentException($"GraphBatch: NNode[{g}] = {nNode[g]} is negative.");
            if (nEdge.Length > g && nEdge[g] < 0) throw new ArgumentException($"GraphBatch: NEdge[{g}] = {nEdge[g]} is negative.");
        }
        if (nNode.Length != nEdge.Length)
            throw new ArgumentException($"GraphBatch: NNode has {nNode.Length} graphs but NEdge has {nEdge.Length}.");
        CheckIndex(Senders, nameof(Senders));
        CheckIndex(Receivers, nameof(Receivers));
        var device = Senders.device;
        if (!SameDevice(Receivers, device))
            throw new ArgumentException($"GraphBatch: Receivers are on {Receivers.device} but Senders on {device}.");
        CheckFeature(Nodes, nameof(Nodes), NumNodes, "ΣNNode", device);
        CheckFeature(Edges, nameof(Edges), NumEdges, "ΣNEdge", device);
        CheckFeature(Globals, nameof(Globals), NumGraphs, "the number of graphs", device);

        var s = SendersArray();
        var r = ReceiversArray();
        long edge = 0, nodeStart = 0;
        for (var g = 0; g < nNode.Length; g++)
        {
            var nodeEnd = nodeStart + nNode[g];
            for (long k = 0; k < nEdge[g]; k++, edge++)
            {
                if (s[edge] < nodeStart || s[edge] >= nodeEnd)
                    throw new ArgumentException($"GraphBatch: edge {edge} of graph {g} has sender {s[edge]}, outside that graph's nodes [{nodeStart}, {nodeEnd}).");
                if (r[edge] < nodeStart || r[edge] >= nodeEnd)
                    throw new ArgumentException($"GraphBatch: edge {edge} of graph {g} has receiver {r[edge]}, outside that graph's nodes [{nodeStart}, {nodeEnd}).");
            }
            nodeStart = nodeEnd;
        }
    }

    private static bool SameDevice(Tensor t, Device device) => t.device_type == device.type && t.device_index == device.index;

    private void CheckIndex(Tensor index, string name)
    {
        if (index.dtype != ScalarType.Int64)
            throw new ArgumentException($"GraphBatch: {name} must be Int64; got {index.dtype}.");
        if (index.dim() != 1)
            throw new ArgumentException($"GraphBatch: {name} must be 1-D; got shape [{string.Join(", ", index.shape)}].");
        if (index.shape[0] != NumEdges)
            throw new ArgumentException($"GraphBatch: {name} has {index.shape[0]} entries but ΣNEdge = {NumEdges}.");
    }

    private static void CheckFeature(Tensor? feature, string name, long rows, string rowsName, Device device)
    {
        if (feature is null) return;
        if (feature.dim() < 1)
            throw new ArgumentException($"GraphBatch: {name} must have at least one dimension; got a scalar.");
        if (feature.shape[0] != rows)
            throw new ArgumentException($"GraphBatch: {name} has {feature.shape[0]} rows but {rowsName} = {rows}.");
        if (!SameDevice(feature, device))
            throw new ArgumentException($"GraphBatch: {name} is on {feature.device} but the indices are on {device}.");
    }
}
