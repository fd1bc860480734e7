using Occam.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Discovery;

/// <summary>Sizes and variant of a <see cref="ParticleNetwork"/>. Node features are
/// [position (dim), velocity (dim), charge, mass]; the graph is fully connected without self-edges.</summary>
/// <param name="Dim">Spatial dimension (2 or 3).</param>
/// <param name="Variant">Message constraint.</param>
/// <param name="Hidden">Width of every hidden layer (paper: 300).</param>
/// <param name="HiddenLayers">Number of hidden layers in each MLP (paper code: 3).</param>
/// <param name="MessageSize">Message size; null takes the variant's default (100, or dim for bottleneck).</param>
/// <param name="Alpha">Regulariser weight; null takes the variant's default (L1 1e-2, KL 1).</param>
/// <param name="DifferenceInit">Initialise the first edge layer's sender-position weights as the negative of its
/// receiver-position weights, so that the edge model starts out depending on positions only through x_r − x_s
/// (translation invariant at initialisation; training may change it).</param>
public sealed record NetworkOptions(
    int Dim = 2,
    MessageVariant Variant = MessageVariant.L1,
    int Hidden = 300,
    int HiddenLayers = 3,
    int? MessageSize = null,
    double? Alpha = null,
    bool DifferenceInit = false)
{
    /// <summary>Number of node features: 2·dim + 2.</summary>
    public int NodeFeatures => 2 * Dim + 2;

    /// <summary>The message size in effect.</summary>
    public int Messages => MessageSize ?? Variant.DefaultMessageSize(Dim);

    /// <summary>The regulariser weight in effect.</summary>
    public double RegulariserWeight => Alpha ?? Variant.DefaultAlpha();

    /// <summary>Throws <see cref="ArgumentException"/> when a size is out of range.</summary>
    public void Validate()
    {
        if (Dim is not (2 or 3)) throw new ArgumentException($"dim must be 2 or 3, got {Dim}");
        if (Hidden < 1) throw new ArgumentException($"hidden width must be positive, got {Hidden}");
        if (HiddenLayers < 1) throw new ArgumentException($"hidden layers must be at least 1, got {HiddenLayers}");
        if (Messages < 1) throw new ArgumentException($"message size must be positive, got {Messages}");
        if (Variant == MessageVariant.Hamiltonian && Messages != 1)
            throw new ArgumentException("the Hamiltonian variant's message (the pair energy) has size 1");
        if (RegulariserWeight < 0 || double.IsNaN(RegulariserWeight))
            throw new ArgumentException($"alpha must be non-negative, got {RegulariserWeight}");
    }
}

/// <summary>One forward pass: predicted accelerations, the messages and the regulariser value.</summary>
/// <param name="Accelerations">(B, n, dim).</param>
/// <param name="Messages">(B·n·(n−1), M), edges ordered receiver-major: for receiver i, senders j ≠ i ascending.
/// For KL the means; for Hamiltonian the pair energies.</param>
/// <param name="Regulariser">Scalar: mean over all edges of ‖m‖₁ (L1), of the KL (KL), else 0.</param>
/// <param name="LogVariance">KL only: the log-variances (B·n·(n−1), M), else null.</param>
public sealed record NetworkOutput(Tensor Accelerations, Tensor Messages, Tensor Regulariser, Tensor? LogVariance = null) : IDisposable
{
    /// <summary>Disposes the four tensors (LogVariance when present).</summary>
    public void Dispose()
    {
        Accelerations.Dispose();
        Messages.Dispose();
        Regulariser.Dispose();
        LogVariance?.Dispose();
    }
}

/// <summary>
/// The message-passing network of Cranmer et al. 2020 on fully connected particle graphs, computed densely
/// (<see cref="DenseGraphs"/>): edge model φᵉ (an <see cref="Mlp"/>) on [x_receiver, x_sender] → message; messages summed
/// at the receiver; node model φᵛ (an <see cref="Mlp"/>) on [x_i, Σ m] → acceleration. Edges go sender → receiver and
/// are aggregated at the receiver. The first edge layer is computed per node and broadcast over the n·(n−1) edges.
/// The Hamiltonian variant sums a pair energy over edges and a self energy over nodes and returns
/// a = −∂H/∂q / m by autograd; its MLPs use softplus (smooth energies), the others ReLU.
/// </summary>
public sealed partial class ParticleNetwork : nn.Module
{
    readonly Mlp edgeModel;
    readonly Mlp nodeModel;

    /// <summary>The options this network was built with.</summary>
    public NetworkOptions Options { get; }

    /// <summary>Builds the network; parameters are initialised from torch's global generator
    /// (seed it with <c>torch.random.manual_seed</c> first for reproducibility), edge model first, layer by layer.</summary>
    public ParticleNetwork(NetworkOptions options) : base(nameof(ParticleNetwork))
    {
        options.Validate();
        Options = options;
        int f = options.NodeFeatures, m = options.Messages;
        bool hamiltonian = options.Variant == MessageVariant.Hamiltonian;
        var hidden = Enumerable.Repeat(options.Hidden, options.HiddenLayers).ToArray();
        // The Hamiltonian's accelerations are −∂H/∂q: with ReLU that is piecewise constant in q and its training gradient
        // misses the curvature, so it learns nothing (loss 4.99 against L1's 0.25 on spring); softplus, as the paper's HGN.
        var activation = hamiltonian ? Activation.Softplus : Activation.ReLU;
        edgeModel = new Mlp(2 * f, [.. hidden, options.Variant == MessageVariant.KL ? 2 * m : m], activation);
        nodeModel = new Mlp(hamiltonian ? f : f + m, [.. hidden, hamiltonian ? 1 : options.Dim], activation);
        RegisterComponents();
        if (options.DifferenceInit)
        {
            using var noGrad = no_grad();
            var w = edgeModel.Layers[0].weight!;
            using var receiverPositions = w.narrow(1, 0, options.Dim);
            using var senderPositions = w.narrow(1, f, options.Dim);
            senderPositions.copy_(-receiverPositions);
        }
    }

    /// <summary>The type both MLPs multiply in (<see cref="Mlp.MatmulType"/>); null (the default): the parameters' type.
    /// The messages, their sum and the outputs stay in the parameters' type.</summary>
    public ScalarType? MatmulType
    {
        get => edgeModel.MatmulType;
        set
        {
            edgeModel.MatmulType = value;
            nodeModel.MatmulType = value;
        }
    }

    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>
    /// The parameters under the names that saved networks (<c>network.save</c>, training checkpoints) have always used:
    /// <c>edgeIn</c>, <c>edgeHidden.{k}</c>, <c>edgeOut</c>, <c>nodeIn</c>, <c>nodeHidden.{k}</c>, <c>nodeOut</c> (each
    /// <c>.weight</c> and <c>.bias</c>), from before the two MLPs were <see cref="Mlp"/>s (whose layers are named
    /// <c>layers.{i}</c>), so that those files still load. Saving and loading go through this.
    /// </summary>
    public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null)
    {
        destination ??= [];
        foreach (var (name, parameter) in named_parameters())
        {
            var stored = StoredName(name);
            destination.TryAdd(string.IsNullOrEmpty(prefix) ? stored : $"{prefix}.{stored}", parameter);
        }
        return destination;
    }

    /// <summary>The stored name of the parameter <c>{edge|node}Model.layers.{i}.{weight|bias}</c>.</summary>
    string StoredName(string name)
    {
        var parts = name.Split('.');
        if (parts is not [_, "layers", _, _] || !int.TryParse(parts[2], out var i))
            throw new InvalidOperationException($"unexpected parameter '{name}'");
        var model = parts[0] == nameof(edgeModel) ? "edge" : "node";
        var layer = i == 0 ? "In" : i == Options.HiddenLayers ? "Out" : $"Hidden.{i - 1}";
        return $"{model}{layer}.{parts[3]}";
    }

    /// <summary>
    /// Runs the network on a batch of fully connected graphs. <paramref name="nodes"/> is (B, n, 2·dim+2).
    /// <paramref name="sample"/> draws the KL variant's message from N(μ, σ²) (training); otherwise μ is used.
    /// The returned tensors belong to the caller's dispose scope.
    /// </summary>
    public NetworkOutput Forward(Tensor nodes, bool sample = false, Generator? generator = null)
    {
        CheckNodes(nodes);
        return Options.Variant == MessageVariant.Hamiltonian ? ForwardHamiltonian(nodes, null) : ForwardMessages(nodes, null, sample, generator);
    }

    /// <summary>
    /// Runs the network with <paramref name="edgeModel"/>'s symbolic laws in place of its learned edge model: the laws'
    /// messages are summed at each receiver and read by the learned node model (the Hamiltonian variant: the law is the
    /// pair energy, differentiated by autograd). The KL variant's messages are the laws' values (its means). The
    /// regulariser is the L1 variant's, else 0. The returned tensors belong to the caller's dispose scope.
    /// </summary>
    /// <exception cref="ArgumentException">The edge model's dimension or message count differs from the network's.</exception>
    public NetworkOutput Forward(Tensor nodes, SymbolicEdgeModel edgeModel)
    {
        ArgumentNullException.ThrowIfNull(edgeModel);
        if (edgeModel.Dim != Options.Dim || edgeModel.Messages != Options.Messages)
            throw new ArgumentException(
                $"the edge model has {edgeModel.Messages} message component(s) in {edgeModel.Dim}D; the network needs {Options.Messages} in {Options.Dim}D");
        CheckNodes(nodes);
        return Options.Variant == MessageVariant.Hamiltonian ? ForwardHamiltonian(nodes, edgeModel) : ForwardMessages(nodes, edgeModel, false, null);
    }

    void CheckNodes(Tensor nodes)
    {
        if (nodes.dim() != 3 || nodes.shape[2] != Options.NodeFeatures)
            throw new ArgumentException($"nodes must be (B, n, {Options.NodeFeatures}), got ({string.Join(", ", nodes.shape)})");
        if (nodes.shape[1] < 2) throw new ArgumentException("a graph needs at least two bodies");
    }

    /// <summary>The learned edge model's outputs (B, n·(n−1), out) for every edge, or the symbolic laws' messages when
    /// <paramref name="symbolic"/> is given.</summary>
    Tensor Edges(Tensor nodes, SymbolicEdgeModel? symbolic) => symbolic is null ? DenseGraphs.EdgeModel(edgeModel, nodes) : symbolic.forward(nodes);

    NetworkOutput ForwardMessages(Tensor nodes, SymbolicEdgeModel? symbolic, bool sample, Generator? generator)
    {
        long b = nodes.shape[0], n = nodes.shape[1];
        int m = Options.Messages;
        using var raw = Edges(nodes, symbolic);                  // (B, E, M or 2M)
        Tensor messages, regulariser;
        Tensor? logVariance = null;
        if (Options.Variant == MessageVariant.KL && symbolic is null)
        {
            using var mu = raw.narrow(2, 0, m);
            using var logVar = raw.narrow(2, m, m);
            // KL(N(μ, σ²) ‖ N(0, 1)) = ½ Σ (μ² + σ² − log σ² − 1), summed over components, averaged over edges.
            // Explicit scalars, disposed after use (an implicitly converted one can be finalized during the call; see Aggregations.SegmentSum).
            using var one = 1.0.ToScalar();
            using var half = 0.5.ToScalar();
            using var kl = (mu.square() + logVar.exp() - logVar - one).mul_(half);
            regulariser = kl.sum(2).mean();
            logVariance = logVar.reshape(b * n * (n - 1), m);
            if (sample)
            {
                using var eps = randn(mu.shape, dtype: mu.dtype, device: mu.device, generator: generator);
                using var std = logVar.mul(half).exp_();
                messages = mu + eps * std;
            }
            else
            {
                messages = mu.clone();
            }
        }
        else
        {
            messages = raw.alias();
            regulariser = Options.Variant == MessageVariant.L1
                ? raw.abs().sum(2).mean()
                : zeros(Array.Empty<long>(), dtype: raw.dtype, device: raw.device);
        }
        using var summed = DenseGraphs.SumReceived(messages, n);   // (B, n, M)
        using var nodeInput = cat(new[] { nodes, summed }, 2);
        var acc = nodeModel.forward(nodeInput);
        var flatMessages = messages.view(b * n * (n - 1), m);
        messages.Dispose();
        return new NetworkOutput(acc, flatMessages, regulariser, logVariance);
    }

    /// <summary>Hamiltonian variant: the batch's total energy H = Σ_edges pair energy + Σ_nodes self energy (a scalar).</summary>
    public Tensor Energy(Tensor nodes)
    {
        if (Options.Variant != MessageVariant.Hamiltonian) throw new InvalidOperationException("only the Hamiltonian variant has an energy");
        using var pair = DenseGraphs.EdgeModel(edgeModel, nodes);
        using var self = nodeModel.forward(nodes);
        return pair.sum() + self.sum();
    }

    NetworkOutput ForwardHamiltonian(Tensor nodes, SymbolicEdgeModel? symbolic)
    {
        long b = nodes.shape[0], n = nodes.shape[1];
        int dim = Options.Dim;
        using var enableGrad = enable_grad();
        using var x = nodes.detach().requires_grad_(true);
        using var pair = Edges(x, symbolic);                      // (B, E, 1)
        using var self = nodeModel.forward(x);                    // (B, n, 1)
        using var hamiltonian = pair.sum() + self.sum();
        var grads = autograd.grad(new[] { hamiltonian }, new[] { x }, retain_graph: true, create_graph: true);
        using var dH = grads[0];
        using var dHdq = dH.narrow(2, 0, dim);
        using var mass = nodes.narrow(2, 2 * dim + 1, 1);
        var acc = -dHdq / mass;
        var flat = pair.view(b * n * (n - 1), 1).alias();
        var regulariser = zeros(Array.Empty<long>(), dtype: nodes.dtype, device: nodes.device);
        return new NetworkOutput(acc, flat, regulariser);
    }

    /// <summary>Receiver and sender of every edge in the order of <see cref="NetworkOutput.Messages"/> (per graph).</summary>
    public static (int[] Receivers, int[] Senders) EdgeOrder(int n) => DenseGraphs.EdgeOrder(n);
}
