using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>Widths of the three feature sets of a graph (0 = absent).</summary>
/// <param name="Nodes">Node feature width.</param>
/// <param name="Edges">Edge feature width.</param>
/// <param name="Globals">Global feature width.</param>
public readonly record struct FeatureWidths(long Nodes, long Edges, long Globals);

/// <summary>
/// Which inputs the <see cref="EdgeBlock"/> feeds its model, as in graph_nets. The inputs are concatenated in the
/// order <c>[edges | receiver nodes | sender nodes | globals]</c> (skipping the unused ones).
/// </summary>
public sealed record EdgeBlockOptions(bool UseEdges = true, bool UseReceiverNodes = true, bool UseSenderNodes = true, bool UseGlobals = true)
{
    /// <summary>Width of the concatenated model input for graphs with the given feature widths.</summary>
    public long InputWidth(FeatureWidths w) =>
        (UseEdges ? w.Edges : 0) + (UseReceiverNodes ? w.Nodes : 0) + (UseSenderNodes ? w.Nodes : 0) + (UseGlobals ? w.Globals : 0);
}

/// <summary>
/// Which inputs the <see cref="NodeBlock"/> feeds its model, as in graph_nets. The inputs are concatenated in the
/// order <c>[aggregated received edges | aggregated sent edges | nodes | globals]</c> (skipping the unused ones).
/// </summary>
public sealed record NodeBlockOptions(
    bool UseReceivedEdges = true, bool UseSentEdges = false, bool UseNodes = true, bool UseGlobals = true,
    Reducer ReceivedEdgesReducer = Reducer.Sum, Reducer SentEdgesReducer = Reducer.Sum)
{
    /// <summary>Width of the concatenated model input for graphs with the given feature widths.</summary>
    public long InputWidth(FeatureWidths w) =>
        (UseReceivedEdges ? w.Edges : 0) + (UseSentEdges ? w.Edges : 0) + (UseNodes ? w.Nodes : 0) + (UseGlobals ? w.Globals : 0);
}

/// <summary>
/// Which inputs the <see cref="GlobalBlock"/> feeds its model, as in graph_nets. The inputs are concatenated in the
/// order <c>[aggregated edges | aggregated nodes | globals]</c> (skipping the unused ones).
/// </summary>
public sealed record GlobalBlockOptions(
    bool UseEdges = true, bool UseNodes = true, bool UseGlobals = true,
    Reducer EdgesReducer = Reducer.Sum, Reducer NodesReducer = Reducer.Sum)
{
    /// <summary>Width of the concatenated model input for graphs with the given feature widths.</summary>
    public long InputWidth(FeatureWidths w) => (UseEdges ? w.Edges : 0) + (UseNodes ? w.Nodes : 0) + (UseGlobals ? w.Globals : 0);
}

/// <summary>Updates every edge from <c>[edge | receiver node | sender node | global]</c> (see <see cref="EdgeBlockOptions"/>).</summary>
public sealed class EdgeBlock : nn.Module<GraphBatch, GraphBatch>
{
    private readonly nn.Module<Tensor, Tensor> edgeModel;

    /// <summary>Creates the block around <paramref name="edgeModel"/>, which maps the concatenated inputs to new edges.</summary>
    public EdgeBlock(nn.Module<Tensor, Tensor> edgeModel, EdgeBlockOptions? options = null) : base(nameof(EdgeBlock))
    {
        this.edgeModel = edgeModel ?? throw new ArgumentNullException(nameof(edgeModel));
        Options = options ?? new EdgeBlockOptions();
        if (!Options.UseEdges && !Options.UseReceiverNodes && !Options.UseSenderNodes && !Options.UseGlobals)
            throw new ArgumentException("EdgeBlock must use at least one of edges, receiver nodes, sender nodes, globals.", nameof(options));
        RegisterComponents();
    }

    /// <summary>The input flags.</summary>
    public EdgeBlockOptions Options { get; }

    /// <inheritdoc />
    public override GraphBatch forward(GraphBatch graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>(4);
        if (Options.UseEdges) parts.Add(Require(graph.Edges, "edges"));
        if (Options.UseReceiverNodes) parts.Add(Require(graph.Nodes, "nodes").index_select(0, graph.Receivers));
        if (Options.UseSenderNodes) parts.Add(Require(graph.Nodes, "nodes").index_select(0, graph.Senders));
        if (Options.UseGlobals) parts.Add(Require(graph.Globals, "globals").index_select(0, graph.EdgeGraphIndex()));
        var edges = edgeModel.forward(BlockUtil.Concat(parts)).MoveToOuterDisposeScope();
        return graph.WithEdges(edges);
    }

    private static Tensor Require(Tensor? t, string what) => t ?? throw new ArgumentException($"EdgeBlock is configured to use {what}, but the graph has none.");
}

/// <summary>
/// Updates every node from <c>[aggregated received edges | aggregated sent edges | node | global]</c>
/// (see <see cref="NodeBlockOptions"/>). Received edges are those whose receiver is the node.
/// </summary>
public sealed class NodeBlock : nn.Module<GraphBatch, GraphBatch>
{
    private readonly nn.Module<Tensor, Tensor> nodeModel;

    /// <summary>Creates the block around <paramref name="nodeModel"/>, which maps the concatenated inputs to new nodes.</summary>
    public NodeBlock(nn.Module<Tensor, Tensor> nodeModel, NodeBlockOptions? options = null) : base(nameof(NodeBlock))
    {
        this.nodeModel = nodeModel ?? throw new ArgumentNullException(nameof(nodeModel));
        Options = options ?? new NodeBlockOptions();
        if (!Options.UseReceivedEdges && !Options.UseSentEdges && !Options.UseNodes && !Options.UseGlobals)
            throw new ArgumentException("NodeBlock must use at least one of received edges, sent edges, nodes, globals.", nameof(options));
        RegisterComponents();
    }

    /// <summary>The input flags and reducers.</summary>
    public NodeBlockOptions Options { get; }

    /// <inheritdoc />
    public override GraphBatch forward(GraphBatch graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>(4);
        if (Options.UseReceivedEdges)
            parts.Add(Aggregations.Segment(Options.ReceivedEdgesReducer, Require(graph.Edges, "edges"), graph.Receivers, graph.NumNodes));
        if (Options.UseSentEdges)
            parts.Add(Aggregations.Segment(Options.SentEdgesReducer, Require(graph.Edges, "edges"), graph.Senders, graph.NumNodes));
        if (Options.UseNodes) parts.Add(Require(graph.Nodes, "nodes"));
        if (Options.UseGlobals) parts.Add(Require(graph.Globals, "globals").index_select(0, graph.NodeGraphIndex()));
        var nodes = nodeModel.forward(BlockUtil.Concat(parts)).MoveToOuterDisposeScope();
        return graph.WithNodes(nodes);
    }

    private static Tensor Require(Tensor? t, string what) => t ?? throw new ArgumentException($"NodeBlock is configured to use {what}, but the graph has none.");
}

/// <summary>Updates the globals of every graph from <c>[aggregated edges | aggregated nodes | global]</c> (see <see cref="GlobalBlockOptions"/>).</summary>
public sealed class GlobalBlock : nn.Module<GraphBatch, GraphBatch>
{
    private readonly nn.Module<Tensor, Tensor> globalModel;

    /// <summary>Creates the block around <paramref name="globalModel"/>, which maps the concatenated inputs to new globals.</summary>
    public GlobalBlock(nn.Module<Tensor, Tensor> globalModel, GlobalBlockOptions? options = null) : base(nameof(GlobalBlock))
    {
        this.globalModel = globalModel ?? throw new ArgumentNullException(nameof(globalModel));
        Options = options ?? new GlobalBlockOptions();
        if (!Options.UseEdges && !Options.UseNodes && !Options.UseGlobals)
            throw new ArgumentException("GlobalBlock must use at least one of edges, nodes, globals.", nameof(options));
        RegisterComponents();
    }

    /// <summary>The input flags and reducers.</summary>
    public GlobalBlockOptions Options { get; }

    /// <inheritdoc />
    public override GraphBatch forward(GraphBatch graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>(3);
        if (Options.UseEdges)
            parts.Add(Aggregations.Segment(Options.EdgesReducer, Require(graph.Edges, "edges"), graph.EdgeGraphIndex(), graph.NumGraphs));
        if (Options.UseNodes)
            parts.Add(Aggregations.Segment(Options.NodesReducer, Require(graph.Nodes, "nodes"), graph.NodeGraphIndex(), graph.NumGraphs));
        if (Options.UseGlobals) parts.Add(Require(graph.Globals, "globals"));
        var globals = globalModel.forward(BlockUtil.Concat(parts)).MoveToOuterDisposeScope();
        return graph.WithGlobals(globals);
    }

    private static Tensor Require(Tensor? t, string what) => t ?? throw new ArgumentException($"GlobalBlock is configured to use {what}, but the graph has none.");
}

internal static class BlockUtil
{
    public static Tensor Concat(List<Tensor> parts)
    {
        for (var i = 0; i < parts.Count; i++)
            if (parts[i].dim() != 2)
                throw new ArgumentException($"Graph blocks need 2-D features [rows, width]; got shape [{string.Join(", ", parts[i].shape)}].");
        return parts.Count == 1 ? parts[0] : cat(parts, 1);
    }
}
