using Occam.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Discovery.Halos;

/// <summary>The prediction and the messages of one forward pass of <see cref="HaloNetwork"/>.</summary>
public sealed class HaloOutput : IDisposable
{
    internal HaloOutput(Tensor prediction, Tensor messages) { Prediction = prediction; Messages = messages; }
    /// <summary>Standardised δ of the target nodes, <c>[targets]</c>.</summary>
    public Tensor Prediction { get; }
    /// <summary>Messages of every edge, <c>[edges, messageSize]</c>.</summary>
    public Tensor Messages { get; }
    /// <inheritdoc />
    public void Dispose() { Prediction.Dispose(); Messages.Dispose(); }
}

/// <summary>
/// Node-level graph network for halo overdensities (Cranmer et al. 2020, §4.2): an edge model on neighbour pairs of the
/// radius graph, messages summed at the receiver, and a node model on [own mass, Σ messages] → δ. Edges go
/// sender (neighbour j) → receiver (halo i).
/// <para>Node features (width <see cref="NodeFeatureWidth"/>): position / R (3), velocity / σ_v (3), M / mean M.
/// Edge-model input (width <see cref="EdgeFeatureWidth"/>), in this order: Δr (3), |Δr|, Δv (3), |Δv|, Mᵢ, Mⱼ with
/// Δ = sender − receiver.</para>
/// </summary>
public sealed class HaloNetwork : nn.Module
{
    /// <summary>Width of the node features.</summary>
    public const int NodeFeatureWidth = 7;
    /// <summary>Width of the edge-model input.</summary>
    public const int EdgeFeatureWidth = 10;

    readonly Mlp edgeModel;
    readonly Mlp nodeModel;

    /// <summary>Creates the network with seeded initialisation.</summary>
    public HaloNetwork(int messageSize, IReadOnlyList<int> hidden, Generator generator) : base(nameof(HaloNetwork))
    {
        if (messageSize < 1) throw new ArgumentException($"message size must be at least 1 (got {messageSize}).");
        MessageSize = messageSize;
        edgeModel = new Mlp(EdgeFeatureWidth, [.. hidden, messageSize], Activation.ReLU, generator: generator);
        nodeModel = new Mlp(1 + messageSize, [.. hidden, 1], Activation.ReLU, generator: generator);
        RegisterComponents();
    }

    /// <summary>Number of message components.</summary>
    public int MessageSize { get; }

    /// <summary>The edge-model input for the given edges (see the class summary for the order).</summary>
    public static Tensor EdgeFeatures(Tensor nodes, Tensor senders, Tensor receivers)
    {
        using var scope = NewDisposeScope();
        var xs = nodes.index_select(0, senders);
        var xr = nodes.index_select(0, receivers);
        var dr = xs.narrow(1, 0, 3) - xr.narrow(1, 0, 3);
        var dv = xs.narrow(1, 3, 3) - xr.narrow(1, 3, 3);
        var rn = (dr.pow(2).sum(1, keepdim: true) + 1e-12).sqrt();
        var vn = (dv.pow(2).sum(1, keepdim: true) + 1e-12).sqrt();
        return cat([dr, rn, dv, vn, xr.narrow(1, 6, 1), xs.narrow(1, 6, 1)], 1).MoveToOuterDisposeScope();
    }

    /// <summary>Messages of the given edges, <c>[edges, messageSize]</c>.</summary>
    public Tensor Messages(Tensor nodes, Tensor senders, Tensor receivers)
    {
        using var scope = NewDisposeScope();
        return edgeModel.forward(EdgeFeatures(nodes, senders, receivers)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Predicts the standardised δ of <paramref name="targets"/> from all edges given (which must include every edge
    /// whose receiver is a target; other edges only cost time).
    /// </summary>
    public HaloOutput Forward(Tensor nodes, Tensor senders, Tensor receivers, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var messages = Messages(nodes, senders, receivers);
        var summed = Aggregations.SegmentSum(messages, receivers, nodes.shape[0]).index_select(0, targets);
        var own = nodes.index_select(0, targets).narrow(1, 6, 1);
        var prediction = nodeModel.forward(cat([own, summed], 1)).squeeze(1);
        return new HaloOutput(prediction.MoveToOuterDisposeScope(), messages.MoveToOuterDisposeScope());
    }
}
