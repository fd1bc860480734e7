using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>
/// Fully connected graphs without self-edges, held densely: the nodes of B graphs of n nodes each as one tensor
/// <c>(B, n, F)</c>, and their n·(n−1) edges per graph as <c>(B, n·(n−1), F_e)</c> in receiver-major order (for receiver
/// i, the senders j ≠ i ascending; see <see cref="EdgeOrder"/>). Edges go sender → receiver and are aggregated at the
/// receiver, as everywhere in Occam.Graphs. These are the computations of <see cref="EdgeBlock"/> (on
/// <c>[receiver node | sender node]</c>) and <see cref="NodeBlock"/>'s received-edge sum on the complete graph, without
/// index lists; the edge model's first layer is computed per node rather than per edge.
/// </summary>
public static class DenseGraphs
{
    /// <summary>Receiver and sender of every edge of one graph of <paramref name="n"/> nodes, in the dense edge order.</summary>
    public static (int[] Receivers, int[] Senders) EdgeOrder(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var receivers = new int[n * (n - 1)];
        var senders = new int[n * (n - 1)];
        int k = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (i != j) { receivers[k] = i; senders[k] = j; k++; }
        return (receivers, senders);
    }

    /// <summary>The receiver node's features of every edge: nodes <c>(B, n, F)</c> → <c>(B, n·(n−1), F)</c>.</summary>
    public static Tensor ReceiverNodes(Tensor nodes) => PerEdge(nodes, receiver: true);

    /// <summary>The sender node's features of every edge: nodes <c>(B, n, F)</c> → <c>(B, n·(n−1), F)</c>.</summary>
    public static Tensor SenderNodes(Tensor nodes) => PerEdge(nodes, receiver: false);

    /// <summary>
    /// <paramref name="edgeModel"/> on <c>[receiver node | sender node]</c> for every edge: nodes <c>(B, n, F)</c> →
    /// <c>(B, n·(n−1), edgeModel.OutputSize)</c>; the model's input width must be 2·F. Its first layer
    /// W·[x_i; x_j] + b = (W_r·x_i + b) + W_s·x_j is computed once per node and the two parts are added for every edge,
    /// which saves most of that layer's work; the result differs from the concatenated form by rounding only.
    /// </summary>
    public static Tensor EdgeModel(Mlp edgeModel, Tensor nodes)
    {
        ArgumentNullException.ThrowIfNull(edgeModel);
        long b = CheckNodes(nodes), n = nodes.shape[1], f = nodes.shape[2];
        if (edgeModel.InputSize != 2 * f)
            throw new ArgumentException($"the edge model reads {edgeModel.InputSize} features; [receiver | sender] nodes have {2 * f}", nameof(edgeModel));
        using var scope = NewDisposeScope();
        var first = edgeModel.Layers[0];
        var w = first.weight!;
        var receiverPart = nodes.matmul(w.narrow(1, 0, f).t()).add_(first.bias!); // (B, n, H): W_r·x_i + b
        var senderPart = nodes.matmul(w.narrow(1, f, f).t());                     // (B, n, H): W_s·x_j
        var grid = (receiverPart.unsqueeze(2) + senderPart.unsqueeze(1)).view(b, n * n, -1); // [b, receiver·n + sender]
        var edges = grid.index_select(1, OffDiagonal(n, nodes.device));
        return edgeModel.AfterFirstLayer(edges).MoveToOuterDisposeScope();
    }

    /// <summary>Sum of the edges received by each node: edges <c>(B, n·(n−1), F_e)</c> → <c>(B, n, F_e)</c>.</summary>
    public static Tensor SumReceived(Tensor edges, long n)
    {
        ArgumentNullException.ThrowIfNull(edges);
        if (n < 1 || edges.dim() != 3 || edges.shape[1] != n * (n - 1))
            throw new ArgumentException($"edges must be (B, n·(n−1), F) with n = {n} ≥ 1, got ({string.Join(", ", edges.shape)})", nameof(edges));
        return edges.reshape(edges.shape[0], n, n - 1, edges.shape[2]).sum(2);
    }

    /// <summary>Flat indices i·n + j of the edges (receiver i, sender j ≠ i) into the n × n grid, in the dense edge order.</summary>
    static Tensor OffDiagonal(long n, Device device)
    {
        var (receivers, senders) = EdgeOrder((int)n);
        var index = new long[receivers.Length];
        for (int k = 0; k < index.Length; k++) index[k] = receivers[k] * n + senders[k];
        return tensor(index, device: device);
    }

    static Tensor PerEdge(Tensor nodes, bool receiver)
    {
        long b = CheckNodes(nodes), n = nodes.shape[1], f = nodes.shape[2];
        using var scope = NewDisposeScope();
        var grid = (receiver ? nodes.unsqueeze(2) : nodes.unsqueeze(1)).expand(b, n, n, f).reshape(b, n * n, f);
        return grid.index_select(1, OffDiagonal(n, nodes.device)).MoveToOuterDisposeScope();
    }

    /// <summary>Checks that <paramref name="nodes"/> is (B, n ≥ 1, F) and returns B.</summary>
    static long CheckNodes(Tensor nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.dim() != 3 || nodes.shape[1] < 1)
            throw new ArgumentException($"nodes must be (B, n, F) with n ≥ 1, got ({string.Join(", ", nodes.shape)})", nameof(nodes));
        return nodes.shape[0];
    }
}
