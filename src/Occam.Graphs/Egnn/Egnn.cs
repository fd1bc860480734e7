using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>
/// Settings of an <see cref="Egnn"/>. Defaults are those of the N-body experiment of Satorras et al. (2021):
/// 4 layers of width 64, SiLU, mean coordinate aggregation, φ_x gain 0.001.
/// </summary>
public sealed record EgnnOptions
{
    /// <summary>Width of the input node features (embedded to <see cref="Hidden"/> by a linear layer).</summary>
    public int NodeFeatures { get; init; } = 1;
    /// <summary>Width of the edge attributes a_ij (0 for none).</summary>
    public int EdgeFeatures { get; init; }
    /// <summary>Width of the hidden node features h and of the messages.</summary>
    public int Hidden { get; init; } = 64;
    /// <summary>Number of EGNN layers.</summary>
    public int Layers { get; init; } = 4;
    /// <summary>Velocity variant (EGNN_vel): every layer sees the initial velocities v⁰.</summary>
    public bool UseVelocity { get; init; }
    /// <summary>Activation of the edge, node and coordinate MLPs.</summary>
    public Activation Activation { get; init; } = Activation.SiLU;
    /// <summary>How the coordinate updates (x_i − x_j)·φ_x(m_ij) are aggregated at the receiver (the paper: mean).</summary>
    public Reducer CoordinateReducer { get; init; } = Reducer.Mean;
    /// <summary>Xavier gain of φ_x's last layer (small, so coordinates move little at the start).</summary>
    public double CoordinateGain { get; init; } = 0.001;
    /// <summary>Width of an invariant linear read-out of h (0: the model returns the hidden h).</summary>
    public int OutputFeatures { get; init; }
}

/// <summary>
/// E(n)-equivariant graph network: a linear embedding of the node features, then <see cref="EgnnOptions.Layers"/>
/// <see cref="EgnnLayer"/>s, then an optional linear read-out of h. Coordinates (and velocities) transform with
/// any rotation, reflection, translation (coordinates only) and node permutation applied to the input; h is invariant.
/// </summary>
public sealed class Egnn : nn.Module
{
    private readonly Linear embedding;
    private readonly ModuleList<EgnnLayer> layers;
    private readonly Linear? readout;

    /// <summary>An EGNN with the given options (defaults when null), initialised from <paramref name="generator"/>, in <paramref name="dtype"/>.</summary>
    public Egnn(EgnnOptions? options = null, Generator? generator = null, ScalarType dtype = ScalarType.Float32) : base(nameof(Egnn))
    {
        Options = options ??= new EgnnOptions();
        if (options.NodeFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.NodeFeatures, "EgnnOptions.NodeFeatures must be positive.");
        if (options.Layers < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Layers, "EgnnOptions.Layers must be at least 1.");
        if (options.Hidden <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.Hidden, "EgnnOptions.Hidden must be positive.");
        if (options.OutputFeatures < 0) throw new ArgumentOutOfRangeException(nameof(options), options.OutputFeatures, "EgnnOptions.OutputFeatures must not be negative.");
        embedding = MakeLinear(options.NodeFeatures, options.Hidden, generator, dtype);
        layers = new ModuleList<EgnnLayer>();
        for (int l = 0; l < options.Layers; l++)
            layers.Add(new EgnnLayer(options.Hidden, options.Hidden, options.EdgeFeatures, options.UseVelocity, options.Activation,
                options.CoordinateReducer, options.CoordinateGain, generator, dtype));
        if (options.OutputFeatures > 0) readout = MakeLinear(options.Hidden, options.OutputFeatures, generator, dtype);
        RegisterComponents();
    }

    /// <summary>The options it was built with.</summary>
    public EgnnOptions Options { get; }

    /// <summary>Applies the network. Shapes as in <see cref="EgnnLayer.Forward"/>, h being <c>[N, NodeFeatures]</c>.</summary>
    public EgnnOutput Forward(Tensor h, Tensor x, Tensor? v0, Tensor senders, Tensor receivers, Tensor? edgeAttributes = null)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (h.dim() != 2 || h.shape[1] != Options.NodeFeatures)
            throw new ArgumentException($"Egnn: node features must be [N, {Options.NodeFeatures}]; got [{string.Join(", ", h.shape)}].", nameof(h));
        using var scope = NewDisposeScope();
        var state = new EgnnOutput(embedding.forward(h), x, v0);
        foreach (var layer in layers)
        {
            var next = layer.Forward(state.H, state.X, v0, senders, receivers, edgeAttributes);
            state = next;
        }
        var hOut = readout is null ? state.H : readout.forward(state.H);
        return new EgnnOutput(hOut.MoveToOuterDisposeScope(), state.X.MoveToOuterDisposeScope(), state.V?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Applies the network to a <see cref="GraphBatch"/>: its nodes are h, its edges a_ij (when the model has edge
    /// features) and its senders/receivers the message directions.
    /// </summary>
    public EgnnOutput Forward(GraphBatch graph, Tensor x, Tensor? v0 = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (graph.Nodes is null) throw new ArgumentException("Egnn: the graph has no node features.", nameof(graph));
        return Forward(graph.Nodes, x, v0, graph.Senders, graph.Receivers, Options.EdgeFeatures > 0 ? graph.Edges : null);
    }

    private static Linear MakeLinear(long input, long output, Generator? generator, ScalarType dtype)
    {
        var linear = nn.Linear(input, output, hasBias: true, dtype: dtype);
        if (generator is not null)
        {
            using var _ = no_grad();
            var bound = 1.0 / Math.Sqrt(input);
            linear.weight!.uniform_(-bound, bound, generator);
            linear.bias!.uniform_(-bound, bound, generator);
        }
        return linear;
    }
}
