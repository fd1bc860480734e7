using Occam.Graphs;
using Occam.Symbolic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Occam.Discovery;

/// <summary>
/// Symbolic laws as the edge model of a <see cref="ParticleNetwork"/>: one expression per message component over the pair
/// features of <see cref="MessageRecord"/> (dx, dy, (dz) = receiver − sender position, r, m1, m2, q1, q2; m1, q1 the
/// receiver's), each a <see cref="SymbolicModule"/>. <c>forward</c> maps nodes (B, n, 2·dim+2) to messages
/// (B, n·(n−1), M) in the network's edge order (receiver-major: for receiver i, senders j ≠ i ascending), so
/// <see cref="ParticleNetwork.Forward(Tensor, SymbolicEdgeModel)"/> runs the network with these laws in place of its
/// learned edge model. Where the laws are the pair force (or force per receiver mass), <see cref="Accelerations"/> turns
/// them into accelerations without a node model.
/// </summary>
public sealed class SymbolicEdgeModel : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<SymbolicModule> components;

    /// <summary>Builds the edge model from one expression per message component.</summary>
    /// <param name="components">Message component k's law over the pair features of <paramref name="dim"/>
    /// (<see cref="MessageRecord.PairFeatureNames"/>, variable i = feature i).</param>
    /// <param name="dim">Spatial dimension, 2 or 3.</param>
    /// <param name="dtype">Float32 (the network's) or Float64.</param>
    public SymbolicEdgeModel(IReadOnlyList<Expression> components, int dim, ScalarType dtype = ScalarType.Float32) : base(nameof(SymbolicEdgeModel))
    {
        ArgumentNullException.ThrowIfNull(components);
        if (dim is not (2 or 3)) throw new ArgumentException($"dim must be 2 or 3, got {dim}", nameof(dim));
        if (components.Count == 0) throw new ArgumentException("an edge model needs at least one message component", nameof(components));
        var names = MessageRecord.PairFeatureNames(dim);
        for (int k = 0; k < components.Count; k++)
            if (components[k].MaxVariableIndex >= names.Length)
                throw new ArgumentException(
                    $"message component {k} ({components[k]}) uses variable {components[k].MaxVariableIndex}; the {dim}D pair features are {string.Join(", ", names)}");
        Dim = dim;
        this.components = new ModuleList<SymbolicModule>(components.Select(e => new SymbolicModule(e, dtype)).ToArray());
        RegisterComponents();
    }

    /// <summary>
    /// The edge model of a distillation: each significant component's equation (<see cref="DistilledComponent.Best"/>),
    /// and for every other component of the <paramref name="messageSize"/> its mean over the recorded edges (a constant,
    /// as the sparse messages' unused components nearly are).
    /// </summary>
    public static SymbolicEdgeModel FromDistillation(DistillationResult distillation, int messageSize, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(distillation);
        var record = distillation.Record;
        if (messageSize != record.MessageSize)
            throw new ArgumentException($"the distillation recorded {record.MessageSize} message components, not {messageSize}", nameof(messageSize));
        var names = MessageRecord.PairFeatureNames(record.Dim);
        var laws = new Expression[messageSize];
        for (int c = 0; c < messageSize; c++)
            laws[c] = new Expression([Node.Const(MessageRecord.Column(record.Messages, c).Average())], names);
        foreach (var component in distillation.Components) laws[component.Fit.Component] = component.Best.Expression;
        return new SymbolicEdgeModel(laws, record.Dim, dtype);
    }

    /// <summary>Spatial dimension.</summary>
    public int Dim { get; }

    /// <summary>Number of message components.</summary>
    public int Messages => components.Count;

    /// <summary>Each message component's law with its current constants (after training).</summary>
    public Expression[] Laws => components.Select(c => c.ToExpression()).ToArray();

    /// <summary>
    /// The pair features of every ordered pair (receiver i, sender j ≠ i) of nodes (B, n, 2·dim+2) =
    /// [position, velocity, charge, mass]: (B, n·(n−1), dim+5) = [x_i − x_j, r, m_i, m_j, q_i, q_j], receiver-major.
    /// </summary>
    public static Tensor PairFeatures(Tensor nodes)
    {
        if (nodes.dim() != 3 || nodes.shape[2] is not (6 or 8))
            throw new ArgumentException($"nodes must be (B, n, 2·dim+2) with dim 2 or 3, got ({string.Join(", ", nodes.shape)})");
        int dim = (int)(nodes.shape[2] - 2) / 2;
        using var scope = NewDisposeScope();
        var receiver = DenseGraphs.ReceiverNodes(nodes);
        var sender = DenseGraphs.SenderNodes(nodes);
        var delta = receiver.narrow(2, 0, dim) - sender.narrow(2, 0, dim);
        var r = delta.square().sum(2, keepdim: true).sqrt();
        var features = cat(new[]
        {
            delta, r,
            receiver.narrow(2, 2 * dim + 1, 1), sender.narrow(2, 2 * dim + 1, 1), // m1, m2
            receiver.narrow(2, 2 * dim, 1), sender.narrow(2, 2 * dim, 1),         // q1, q2
        }, 2);
        return features.MoveToOuterDisposeScope();
    }

    /// <summary>The messages of every edge: nodes (B, n, 2·dim+2) → (B, n·(n−1), <see cref="Messages"/>).</summary>
    public override Tensor forward(Tensor nodes)
    {
        if (nodes.dim() != 3 || nodes.shape[2] != 2 * Dim + 2)
            throw new ArgumentException($"nodes must be (B, n, {2 * Dim + 2}), got ({string.Join(", ", nodes.shape)})");
        long b = nodes.shape[0], e = nodes.shape[1] * (nodes.shape[1] - 1);
        using var scope = NewDisposeScope();
        var features = PairFeatures(nodes).reshape(b * e, -1);
        var messages = stack(components.Select(c => c.forward(features)).ToArray(), 1);
        return messages.view(b, e, Messages).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Accelerations (B, n, dim) with the laws read as the pair force's components (one law per axis): a_i = Σ_j F_ij / m_i,
    /// or Σ_j F_ij / m_i itself when <paramref name="perMass"/> (laws of F / m_receiver, as
    /// <see cref="RecoveryCheck.PerMass"/> reports).
    /// </summary>
    public Tensor Accelerations(Tensor nodes, bool perMass)
    {
        if (Messages != Dim) throw new InvalidOperationException($"reading the laws as a force needs {Dim} components (one per axis), not {Messages}");
        long b = nodes.shape[0], n = nodes.shape[1];
        using var scope = NewDisposeScope();
        var summed = forward(nodes).view(b, n, n - 1, Dim).sum(2);
        var acc = perMass ? summed : summed / nodes.narrow(2, 2 * Dim + 1, 1);
        return acc.MoveToOuterDisposeScope();
    }
}
