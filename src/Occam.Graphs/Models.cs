using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>
/// The full graph network block (Battaglia et al. 2018): an optional <see cref="EdgeBlock"/>, then an optional
/// <see cref="NodeBlock"/>, then an optional <see cref="GlobalBlock"/>, each seeing the output of the previous one.
/// Every other model in this namespace is a <see cref="GraphNetwork"/> with particular block flags.
/// </summary>
public sealed class GraphNetwork : nn.Module<GraphBatch, GraphBatch>
{
    private readonly EdgeBlock? edgeBlock;
    private readonly NodeBlock? nodeBlock;
    private readonly GlobalBlock? globalBlock;

    /// <summary>Composes the given blocks (any may be null, at least one must be given).</summary>
    public GraphNetwork(EdgeBlock? edgeBlock, NodeBlock? nodeBlock, GlobalBlock? globalBlock) : base(nameof(GraphNetwork))
    {
        if (edgeBlock is null && nodeBlock is null && globalBlock is null)
            throw new ArgumentException("GraphNetwork needs at least one block.");
        this.edgeBlock = edgeBlock;
        this.nodeBlock = nodeBlock;
        this.globalBlock = globalBlock;
        RegisterComponents();
    }

    /// <summary>Builds a graph network from update models and block flags (graph_nets defaults when null).</summary>
    public static GraphNetwork Create(nn.Module<Tensor, Tensor>? edgeModel, nn.Module<Tensor, Tensor>? nodeModel, nn.Module<Tensor, Tensor>? globalModel,
        EdgeBlockOptions? edgeOptions = null, NodeBlockOptions? nodeOptions = null, GlobalBlockOptions? globalOptions = null) =>
        new(edgeModel is null ? null : new EdgeBlock(edgeModel, edgeOptions),
            nodeModel is null ? null : new NodeBlock(nodeModel, nodeOptions),
            globalModel is null ? null : new GlobalBlock(globalModel, globalOptions));

    /// <summary>
    /// Builds a full graph network whose three update functions are <see cref="Mlp"/>s with the given hidden
    /// sizes, using all inputs of each block (graph_nets defaults).
    /// </summary>
    public static GraphNetwork CreateMlp(FeatureWidths input, FeatureWidths output, IReadOnlyList<int> hidden,
        Activation activation = Activation.ReLU, bool layerNorm = false, Generator? generator = null, ScalarType dtype = ScalarType.Float32,
        bool activateFinal = false)
    {
        var eo = new EdgeBlockOptions(UseEdges: input.Edges > 0, UseGlobals: input.Globals > 0);
        var afterEdges = input with { Edges = output.Edges };
        var no = new NodeBlockOptions(UseGlobals: input.Globals > 0);
        var afterNodes = afterEdges with { Nodes = output.Nodes };
        var go = new GlobalBlockOptions(UseGlobals: input.Globals > 0);
        return Create(
            new Mlp(eo.InputWidth(input), [.. hidden, (int)output.Edges], activation, activateFinal, layerNorm, generator, dtype),
            new Mlp(no.InputWidth(afterEdges), [.. hidden, (int)output.Nodes], activation, activateFinal, layerNorm, generator, dtype),
            output.Globals > 0 ? new Mlp(go.InputWidth(afterNodes), [.. hidden, (int)output.Globals], activation, activateFinal, layerNorm, generator, dtype) : null,
            eo, no, go);
    }

    /// <inheritdoc />
    public override GraphBatch forward(GraphBatch graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var scope = NewDisposeScope();
        var g = graph;
        if (edgeBlock is not null) g = edgeBlock.forward(g);
        if (nodeBlock is not null) g = nodeBlock.forward(g);
        if (globalBlock is not null) g = globalBlock.forward(g);
        return g.MoveToOuter(scope);
    }
}

/// <summary>
/// Applies separate models to edges, nodes and globals, with no communication between them
/// (a <see cref="GraphNetwork"/> whose blocks each see only their own features). A null model leaves that feature as is.
/// </summary>
public sealed class GraphIndependent : nn.Module<GraphBatch, GraphBatch>
{
    private readonly GraphNetwork network;

    /// <summary>Creates the model (at least one update model must be given).</summary>
    public GraphIndependent(nn.Module<Tensor, Tensor>? edgeModel, nn.Module<Tensor, Tensor>? nodeModel, nn.Module<Tensor, Tensor>? globalModel)
        : base(nameof(GraphIndependent))
    {
        network = GraphNetwork.Create(edgeModel, nodeModel, globalModel,
            new EdgeBlockOptions(UseEdges: true, UseReceiverNodes: false, UseSenderNodes: false, UseGlobals: false),
            new NodeBlockOptions(UseReceivedEdges: false, UseSentEdges: false, UseNodes: true, UseGlobals: false),
            new GlobalBlockOptions(UseEdges: false, UseNodes: false, UseGlobals: true));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override GraphBatch forward(GraphBatch graph) => network.forward(graph);
}

/// <summary>
/// Interaction network (Battaglia et al. 2016): every edge gets a message from
/// <c>[edge | receiver node | sender node]</c>; every node is updated from <c>[Σ received messages | node]</c>.
/// The output graph carries the messages as its edges. No globals are used.
/// </summary>
public sealed class InteractionNetwork : nn.Module<GraphBatch, GraphBatch>
{
    private readonly GraphNetwork network;

    /// <summary>Creates the model from an edge (message) model and a node model.</summary>
    /// <param name="edgeModel">Maps <c>[edge | receiver | sender]</c> (or <c>[receiver | sender]</c> without edges) to a message.</param>
    /// <param name="nodeModel">Maps <c>[aggregated messages | node]</c> to the new node.</param>
    /// <param name="reducer">How messages are aggregated at the receiver.</param>
    /// <param name="useEdges">Whether the input graph has edge features that feed the edge model.</param>
    public InteractionNetwork(nn.Module<Tensor, Tensor> edgeModel, nn.Module<Tensor, Tensor> nodeModel, Reducer reducer = Reducer.Sum, bool useEdges = true)
        : base(nameof(InteractionNetwork))
    {
        network = GraphNetwork.Create(edgeModel, nodeModel, null,
            new EdgeBlockOptions(UseEdges: useEdges, UseReceiverNodes: true, UseSenderNodes: true, UseGlobals: false),
            new NodeBlockOptions(UseReceivedEdges: true, UseSentEdges: false, UseNodes: true, UseGlobals: false, ReceivedEdgesReducer: reducer));
        RegisterComponents();
    }

    /// <summary>
    /// Creates an interaction network whose edge and node models are <see cref="Mlp"/>s with the given hidden sizes
    /// (the setting of Cranmer et al. 2020 is hidden = [300, 300, 300], message width 100).
    /// </summary>
    public static InteractionNetwork Create(long nodeWidth, long edgeWidth, int messageWidth, int nodeOutputWidth, IReadOnlyList<int> hidden,
        Activation activation = Activation.ReLU, Reducer reducer = Reducer.Sum, Generator? generator = null, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        var edgeModel = new Mlp(edgeWidth + 2 * nodeWidth, [.. hidden, messageWidth], activation, generator: generator, dtype: dtype);
        var nodeModel = new Mlp(messageWidth + nodeWidth, [.. hidden, nodeOutputWidth], activation, generator: generator, dtype: dtype);
        return new InteractionNetwork(edgeModel, nodeModel, reducer, useEdges: edgeWidth > 0);
    }

    /// <inheritdoc />
    public override GraphBatch forward(GraphBatch graph) => network.forward(graph);
}

/// <summary>
/// Relation network (Santoro et al. 2017): every edge gets a relation from <c>[receiver node | sender node]</c>,
/// and each graph's global output is computed from the aggregated relations. The output graph carries the
/// relations as edges and the result as globals.
/// </summary>
public sealed class RelationNetwork : nn.Module<GraphBatch, GraphBatch>
{
    private readonly GraphNetwork network;

    /// <summary>Creates the model from an edge (relation) model and a global model.</summary>
    public RelationNetwork(nn.Module<Tensor, Tensor> edgeModel, nn.Module<Tensor, Tensor> globalModel, Reducer reducer = Reducer.Sum)
        : base(nameof(RelationNetwork))
    {
        network = GraphNetwork.Create(edgeModel, null, globalModel,
            new EdgeBlockOptions(UseEdges: false, UseReceiverNodes: true, UseSenderNodes: true, UseGlobals: false),
            globalOptions: new GlobalBlockOptions(UseEdges: true, UseNodes: false, UseGlobals: false, EdgesReducer: reducer));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override GraphBatch forward(GraphBatch graph) => network.forward(graph);
}

/// <summary>
/// Deep sets (Zaheer et al. 2017): every node is mapped from <c>[node | global]</c> (or just the node), then each
/// graph's globals are computed from the aggregated nodes. Edges are ignored.
/// </summary>
public sealed class DeepSets : nn.Module<GraphBatch, GraphBatch>
{
    private readonly GraphNetwork network;

    /// <summary>Creates the model from a node model and a global model.</summary>
    public DeepSets(nn.Module<Tensor, Tensor> nodeModel, nn.Module<Tensor, Tensor> globalModel, Reducer reducer = Reducer.Sum, bool useGlobals = true)
        : base(nameof(DeepSets))
    {
        network = GraphNetwork.Create(null, nodeModel, globalModel,
            nodeOptions: new NodeBlockOptions(UseReceivedEdges: false, UseSentEdges: false, UseNodes: true, UseGlobals: useGlobals),
            globalOptions: new GlobalBlockOptions(UseEdges: false, UseNodes: true, UseGlobals: false, NodesReducer: reducer));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override GraphBatch forward(GraphBatch graph) => network.forward(graph);
}

/// <summary>
/// CommNet (Sukhbaatar et al. 2016), as in graph_nets: every edge carries <c>edgeModel(sender node)</c>; nodes are
/// encoded by <c>nodeEncoderModel(node)</c>; the new node is <c>nodeModel([mean of received edges | encoded node])</c>.
/// Only the nodes of the output graph change.
/// </summary>
public sealed class CommNet : nn.Module<GraphBatch, GraphBatch>
{
    private readonly GraphNetwork edgeNetwork;
    private readonly GraphNetwork nodeEncoder;
    private readonly GraphNetwork nodeNetwork;

    /// <summary>Creates the model.</summary>
    public CommNet(nn.Module<Tensor, Tensor> edgeModel, nn.Module<Tensor, Tensor> nodeEncoderModel, nn.Module<Tensor, Tensor> nodeModel, Reducer reducer = Reducer.Mean)
        : base(nameof(CommNet))
    {
        edgeNetwork = GraphNetwork.Create(edgeModel, null, null,
            new EdgeBlockOptions(UseEdges: false, UseReceiverNodes: false, UseSenderNodes: true, UseGlobals: false));
        nodeEncoder = GraphNetwork.Create(null, nodeEncoderModel, null,
            nodeOptions: new NodeBlockOptions(UseReceivedEdges: false, UseSentEdges: false, UseNodes: true, UseGlobals: false));
        nodeNetwork = GraphNetwork.Create(null, nodeModel, null,
            nodeOptions: new NodeBlockOptions(UseReceivedEdges: true, UseSentEdges: false, UseNodes: true, UseGlobals: false, ReceivedEdgesReducer: reducer));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override GraphBatch forward(GraphBatch graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var scope = NewDisposeScope();
        var encoded = nodeEncoder.forward(graph).Nodes;
        var messages = edgeNetwork.forward(graph).Edges;
        var nodes = nodeNetwork.forward(graph.WithFeatures(encoded, messages, graph.Globals)).Nodes!;
        return graph.WithNodes(nodes).MoveToOuter(scope);
    }
}

/// <summary>
/// Multi-head dot-product self-attention over the edges (graph_nets' <c>SelfAttention</c>): with per-node
/// queries, keys and values (linear projections of the nodes, per head), each receiver <c>r</c> gets
/// <c>Σ_{edges s→r} softmax_r(⟨k_s, q_r⟩) · v_s</c>, the softmax taken over the edges received by <c>r</c>.
/// The output nodes are the heads concatenated, <c>[N, heads · valueSize]</c>; nodes without incoming edges get 0.
/// </summary>
public sealed class SelfAttention : nn.Module<GraphBatch, GraphBatch>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;

    /// <summary>Creates the attention layer.</summary>
    public SelfAttention(long nodeWidth, int heads, int keySize, int valueSize, Generator? generator = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(SelfAttention))
    {
        if (heads <= 0 || keySize <= 0 || valueSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(heads), "SelfAttention needs positive heads, key size and value size.");
        Heads = heads;
        KeySize = keySize;
        ValueSize = valueSize;
        query = MakeLinear(nodeWidth, heads * keySize, generator, dtype);
        key = MakeLinear(nodeWidth, heads * keySize, generator, dtype);
        value = MakeLinear(nodeWidth, heads * valueSize, generator, dtype);
        RegisterComponents();
    }

    /// <summary>Number of attention heads.</summary>
    public int Heads { get; }

    /// <summary>Width of each head's queries and keys.</summary>
    public int KeySize { get; }

    /// <summary>Width of each head's values.</summary>
    public int ValueSize { get; }

    /// <summary>Attention weights <c>[E, heads]</c> of every edge (each receiver's weights sum to 1 per head).</summary>
    public Tensor AttentionWeights(GraphBatch graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var scope = NewDisposeScope();
        var nodes = graph.Nodes ?? throw new ArgumentException("SelfAttention needs node features.");
        var q = query.forward(nodes).reshape(-1, Heads, KeySize);
        var k = key.forward(nodes).reshape(-1, Heads, KeySize);
        var logits = (k.index_select(0, graph.Senders) * q.index_select(0, graph.Receivers)).sum(-1);
        return Aggregations.SegmentSoftmax(logits, graph.Receivers, graph.NumNodes).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override GraphBatch forward(GraphBatch graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var scope = NewDisposeScope();
        var weights = AttentionWeights(graph);
        var v = value.forward(graph.Nodes!).reshape(-1, Heads, ValueSize);
        var weighted = v.index_select(0, graph.Senders) * weights.unsqueeze(-1);
        var nodes = Aggregations.SegmentSum(weighted, graph.Receivers, graph.NumNodes).reshape(-1, (long)Heads * ValueSize);
        return graph.WithNodes(nodes).MoveToOuter(scope);
    }

    private static Linear MakeLinear(long input, long output, Generator? generator, ScalarType dtype)
    {
        var linear = nn.Linear(input, output, hasBias: false, dtype: dtype);
        if (generator is not null)
        {
            using var _ = no_grad();
            var bound = 1.0 / Math.Sqrt(input);
            linear.weight!.uniform_(-bound, bound, generator);
        }
        return linear;
    }
}

/// <summary>
/// Encode–process–decode (Battaglia et al. 2018, graph_nets demos): an encoder (<see cref="GraphIndependent"/>),
/// a core (<see cref="GraphNetwork"/>, shared weights) applied <c>steps</c> times to
/// <c>ConcatFeatures(encoded, latent)</c>, and a decoder (<see cref="GraphIndependent"/>) applied after every step.
/// </summary>
public sealed class EncodeProcessDecode : nn.Module<GraphBatch, GraphBatch>
{
    private readonly GraphIndependent encoder;
    private readonly GraphNetwork core;
    private readonly GraphIndependent decoder;

    /// <summary>Composes the three parts; the core must accept the encoded features concatenated with its own output.</summary>
    public EncodeProcessDecode(GraphIndependent encoder, GraphNetwork core, GraphIndependent decoder, int steps) : base(nameof(EncodeProcessDecode))
    {
        this.encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        this.core = core ?? throw new ArgumentNullException(nameof(core));
        this.decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "EncodeProcessDecode needs at least one processing step.");
        Steps = steps;
        RegisterComponents();
    }

    /// <summary>
    /// Builds the graph_nets demo architecture: MLP encoders to <paramref name="latent"/> width (activated, then LayerNorm),
    /// a full graph network core on the doubled latent with MLPs of the same kind, and linear decoders to <paramref name="output"/> widths
    /// (0 = no decoder for that feature set: its latent passes through). Without <paramref name="layerNorm"/> the
    /// latents keep their scale, which sums of physical quantities (mass, moments) need.
    /// </summary>
    public static EncodeProcessDecode Create(FeatureWidths input, int latent, FeatureWidths output, IReadOnlyList<int> hidden, int steps,
        Activation activation = Activation.ReLU, Generator? generator = null, ScalarType dtype = ScalarType.Float32, bool layerNorm = true)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        Mlp? Enc(long width) => width > 0 ? new Mlp(width, [.. hidden, latent], activation, activateFinal: true, layerNorm: layerNorm, generator: generator, dtype: dtype) : null;
        var encoder = new GraphIndependent(Enc(input.Edges), Enc(input.Nodes), Enc(input.Globals));
        var latentWidths = new FeatureWidths(input.Nodes > 0 ? latent : 0, input.Edges > 0 ? latent : 0, input.Globals > 0 ? latent : 0);
        var coreInput = new FeatureWidths(2 * latentWidths.Nodes, 2 * latentWidths.Edges, 2 * latentWidths.Globals);
        var core = GraphNetwork.CreateMlp(coreInput, latentWidths, hidden, activation, layerNorm, generator, dtype, activateFinal: true);
        Mlp? Dec(long width) => width > 0 ? new Mlp(latent, [(int)width], generator: generator, dtype: dtype) : null;
        var decoder = new GraphIndependent(Dec(output.Edges), Dec(output.Nodes), Dec(output.Globals));
        return new EncodeProcessDecode(encoder, core, decoder, steps);
    }

    /// <summary>Number of core applications.</summary>
    public int Steps { get; }

    /// <summary>The decoded output after the last step.</summary>
    public override GraphBatch forward(GraphBatch graph) => ForwardSteps(graph)[^1];

    /// <summary>The decoded output after every step (length <see cref="Steps"/>).</summary>
    public IReadOnlyList<GraphBatch> ForwardSteps(GraphBatch graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var scope = NewDisposeScope();
        var encoded = encoder.forward(graph);
        var latent = encoded;
        var outputs = new List<GraphBatch>(Steps);
        for (var step = 0; step < Steps; step++)
        {
            latent = core.forward(GraphBatch.ConcatFeatures(encoded, latent));
            outputs.Add(decoder.forward(latent));
        }
        foreach (var o in outputs) o.MoveToOuter(scope);
        return outputs;
    }
}
