using Occam.Graphs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Occam.Inference;

/// <summary>Which estimator a <see cref="HybridNetwork"/> is.</summary>
public enum HybridMode
{
    /// <summary>Graphical-model messages plus the learned correction: x ← x + γ(Σ messages + ε).</summary>
    Hybrid,
    /// <summary>The same network without the model's messages; each iteration predicts y + ε.</summary>
    GnnOnly,
}

/// <summary>Settings of the hybrid model's network.</summary>
/// <param name="Hidden">Width of the node states and of every hidden layer (the paper: 48).</param>
/// <param name="Iterations">Message-passing iterations K (the paper: 100).</param>
/// <param name="Seed">Seed of the weight initialisation.</param>
public sealed record HybridNetworkOptions(int Hidden = 48, int Iterations = 100, long Seed = 1)
{
    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first impossible setting.</summary>
    public void Validate()
    {
        if (Hidden < 1) throw new ArgumentOutOfRangeException(nameof(Hidden), Hidden, "The hidden width must be at least 1.");
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, $"The number of iterations K must be at least 1; got {Iterations}.");
    }
}

/// <summary>
/// The hybrid model of Garcia Satorras, Akata &amp; Welling (NeurIPS 2019) on a <see cref="ChainGraph"/>. The estimate
/// starts at x = Hᵀy. Each of K iterations computes the graphical model's three messages of every node
/// (<see cref="ModelMessages"/>, held constant for the gradient), runs a graph network on the same chain — separate edge
/// MLPs for past, future and observation edges on [receiver state, sender state, message], sum aggregation at the
/// receiver, a GRU node update, a decoder to a correction ε — and steps x ← x + γ(Σ messages + ε).
/// In <see cref="HybridMode.GnnOnly"/> the edges carry no messages and each iteration's estimate is y + ε.
/// Node states start from a linear embedding of the observation's differences to its neighbours (translation
/// invariant), which the observation edges also carry.
/// </summary>
public sealed class HybridNetwork : nn.Module
{
    private readonly Linear embed;
    private readonly EdgeBlock pastEdges, futureEdges, observationEdges;
    private readonly NodeBlock nodeUpdate;
    private readonly Mlp decoder;
    private readonly ModelMessages? messages;
    private readonly double stepSize;
    private readonly int stateSize, observationSize;

    /// <summary>
    /// Creates the network. <paramref name="messages"/> is the graphical model (required for <see cref="HybridMode.Hybrid"/>;
    /// in <see cref="HybridMode.GnnOnly"/> only its observation size is used), and <paramref name="stepSize"/> is γ.
    /// </summary>
    public HybridNetwork(HybridMode mode, ModelMessages messages, double stepSize, HybridNetworkOptions? options = null) : base(nameof(HybridNetwork))
    {
        ArgumentNullException.ThrowIfNull(messages);
        Options = options ?? new HybridNetworkOptions();
        Options.Validate();
        if (!(stepSize > 0) || !double.IsFinite(stepSize)) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "The step size γ must be positive.");
        Mode = mode;
        this.messages = mode == HybridMode.Hybrid ? messages : null;
        this.stepSize = stepSize;
        stateSize = messages.Model.StateSize;
        observationSize = messages.Model.ObservationSize;
        int nf = Options.Hidden;
        int message = mode == HybridMode.Hybrid ? stateSize : 0;
        var generator = new Generator((ulong)Options.Seed);
        embed = nn.Linear(2 * observationSize, nf);
        using (no_grad()) Initialise(embed, generator);
        Mlp EdgeMlp(long input) => new(input, [nf, nf], Activation.LeakyReLU, activateFinal: true, generator: generator);
        var neighbour = new EdgeBlockOptions(UseEdges: message > 0, UseReceiverNodes: true, UseSenderNodes: true, UseGlobals: false);
        pastEdges = new EdgeBlock(EdgeMlp(2 * nf + message), neighbour);
        futureEdges = new EdgeBlock(EdgeMlp(2 * nf + message), neighbour);
        observationEdges = new EdgeBlock(EdgeMlp(2 * nf + message), new EdgeBlockOptions(UseEdges: true, UseReceiverNodes: true, UseSenderNodes: false, UseGlobals: false));
        nodeUpdate = new NodeBlock(new GruUpdate(nf, generator), new NodeBlockOptions(UseReceivedEdges: true, UseNodes: true, UseGlobals: false));
        decoder = new Mlp(nf, [nf, mode == HybridMode.Hybrid ? stateSize : observationSize], Activation.ReLU, generator: generator);
        using (no_grad())
        {
            // A zero last layer: training starts from ε ≡ 0, the hybrid from the model's own iteration and the GNN alone
            // from the observations; the gradient still reaches it through the hidden layer's nonzero output.
            var last = decoder.parameters().ToArray();
            last[^2].zero_();
            last[^1].zero_();
        }
        RegisterComponents();
    }

    /// <summary>Hybrid or GNN only.</summary>
    public HybridMode Mode { get; }

    /// <summary>The settings.</summary>
    public HybridNetworkOptions Options { get; }

    /// <summary>The step size γ.</summary>
    public double StepSize => stepSize;

    /// <summary>
    /// Runs the K iterations on the chains of <paramref name="graph"/> with observations <paramref name="observations"/>
    /// (<c>[nodes, ObservationSize]</c>, float32) and returns each iteration's estimate of the observed quantities
    /// (<c>[nodes, ObservationSize]</c>), the last one being the answer. When <paramref name="zeroCorrection"/> is set,
    /// ε ≡ 0 (the graphical model's iteration alone).
    /// </summary>
    public IReadOnlyList<Tensor> Estimates(ChainGraph graph, Tensor observations, bool zeroCorrection = false)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(observations);
        if (observations.dim() != 2 || observations.shape[0] != graph.Nodes || observations.shape[1] != observationSize)
            throw new ArgumentException($"The observations are [{string.Join(", ", observations.shape)}]; the chains need [{graph.Nodes}, {observationSize}].");
        using var scope = NewDisposeScope();
        var h0 = embed.forward(InvariantFeatures(graph, observations));
        var h = h0;
        var model = messages?.Model;
        var hT = model is null ? null : tensor(StateSpaceModel.RowMajor(model.H), ScalarType.Float64).reshape(observationSize, stateSize).to_type(ScalarType.Float32);
        var x = hT is null ? null : observations.matmul(hT); // x = Hᵀy, row-wise
        var yHost = observations.to_type(ScalarType.Float64).data<double>().ToArray();
        int n = stateSize, rows = graph.Nodes;
        var past = new double[rows * n];
        var own = new double[rows * n];
        var future = new double[rows * n];
        var estimates = new List<Tensor>(Options.Iterations);
        for (int k = 0; k < Options.Iterations; k++)
        {
            Tensor? pastMessage = null, ownMessage = null, futureMessage = null;
            if (messages is not null)
            {
                var xHost = x!.detach().to_type(ScalarType.Float64).data<double>().ToArray();
                messages.Compute(xHost, yHost, graph.Offsets, past, own, future);
                pastMessage = Rows(past, rows, n);
                ownMessage = Rows(own, rows, n);
                futureMessage = Rows(future, rows, n);
            }
            var edges = cat(new[]
            {
                pastEdges.forward(graph.Past.WithFeatures(h, pastMessage?.index_select(0, graph.Past.Receivers), null)).Edges!,
                futureEdges.forward(graph.Future.WithFeatures(h, futureMessage?.index_select(0, graph.Future.Receivers), null)).Edges!,
                observationEdges.forward(graph.Observation.WithFeatures(h, ownMessage is null ? h0 : cat(new[] { h0, ownMessage }, 1), null)).Edges!,
            }, 0);
            h = nodeUpdate.forward(graph.All.WithFeatures(h, edges, null)).Nodes!;
            var correction = zeroCorrection ? null : decoder.forward(h);
            if (messages is null)
            {
                estimates.Add(correction is null ? observations.alias() : observations + correction);
            }
            else
            {
                var step = pastMessage! + ownMessage! + futureMessage!;
                if (correction is not null) step = step + correction;
                x = x! + stepSize * step;
                estimates.Add(x.matmul(hT!.t()));
            }
        }
        foreach (var e in estimates) e.MoveToOuterDisposeScope();
        return estimates;
    }

    /// <summary>The loss of Garcia Satorras et al.: Σ_k (k/K)·MSE(estimate_k, truth), over all iterations.</summary>
    public static Tensor Loss(IReadOnlyList<Tensor> estimates, Tensor truth)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        using var scope = NewDisposeScope();
        Tensor loss = zeros(1);
        for (int k = 0; k < estimates.Count; k++)
        {
            // an explicit Scalar, disposed after the call (an implicit one can be finalized during it: Aggregations.SegmentSum)
            using var weight = ((k + 1.0) / estimates.Count).ToScalar();
            loss = loss + nn.functional.mse_loss(estimates[k], truth).mul(weight);
        }
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Per node, the differences to the previous and the next observation of its chain (0 at the ends).</summary>
    static Tensor InvariantFeatures(ChainGraph graph, Tensor observations)
    {
        var previous = new long[graph.Nodes];
        var next = new long[graph.Nodes];
        for (int c = 0; c + 1 < graph.Offsets.Count; c++)
            for (int t = graph.Offsets[c]; t < graph.Offsets[c + 1]; t++)
            {
                previous[t] = t > graph.Offsets[c] ? t - 1 : t;
                next[t] = t + 1 < graph.Offsets[c + 1] ? t + 1 : t;
            }
        var before = observations - observations.index_select(0, tensor(previous));
        var after = observations.index_select(0, tensor(next)) - observations;
        return cat(new[] { before, after }, 1);
    }

    static Tensor Rows(double[] values, int rows, int columns) => tensor(values, ScalarType.Float64).reshape(rows, columns).to_type(ScalarType.Float32);

    static void Initialise(Linear linear, Generator generator)
    {
        double bound = 1.0 / Math.Sqrt(linear.weight!.shape[1]);
        linear.weight.uniform_(-bound, bound, generator);
        linear.bias!.uniform_(-bound, bound, generator);
    }

    /// <summary>The node update: [aggregated edges | state] → LeakyReLU(Linear(aggregate)) → GRU cell on the state.</summary>
    private sealed class GruUpdate : nn.Module<Tensor, Tensor>
    {
        private readonly Linear input;
        private readonly GRUCell gru;
        private readonly long width;

        public GruUpdate(int width, Generator generator) : base(nameof(GruUpdate))
        {
            this.width = width;
            input = nn.Linear(width, width);
            gru = nn.GRUCell(width, width);
            using (no_grad())
            {
                HybridNetwork.Initialise(input, generator);
                double bound = 1.0 / Math.Sqrt(width);
                foreach (var p in gru.parameters()) p.uniform_(-bound, bound, generator);
            }
            RegisterComponents();
        }

        public override Tensor forward(Tensor concatenated)
        {
            using var scope = NewDisposeScope();
            var aggregate = concatenated.narrow(1, 0, width);
            var state = concatenated.narrow(1, width, width);
            return gru.forward(nn.functional.leaky_relu(input.forward(aggregate), 0.01), state).MoveToOuterDisposeScope();
        }
    }
}
