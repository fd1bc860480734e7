using Occam.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Inference;

/// <summary>
/// A batch of chains (time series) as graphs: every time step is a node, with three kinds of edge into it, each kind a
/// <see cref="GraphBatch"/> over the same nodes: from its past (t−1 → t), from its future (t+1 → t) and from its
/// observation (a self-loop t → t that carries the observation's features). The chains of a batch are disconnected
/// parts of one graph; chain <c>c</c> holds nodes <c>Offsets[c] … Offsets[c+1] − 1</c>. <see cref="All"/> holds the three
/// kinds' edges in the order past, future, observation, for the node update.
/// </summary>
public sealed class ChainGraph : IDisposable
{
    /// <summary>Builds the graph of chains with the given lengths (each at least 1).</summary>
    public ChainGraph(IReadOnlyList<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (lengths.Count == 0) throw new ArgumentException("A chain graph needs at least one chain.");
        var offsets = new int[lengths.Count + 1];
        for (int c = 0; c < lengths.Count; c++)
        {
            if (lengths[c] < 1) throw new ArgumentException($"Chain {c} has {lengths[c]} steps; it needs at least 1.");
            offsets[c + 1] = offsets[c] + lengths[c];
        }
        Offsets = offsets;
        Nodes = offsets[^1];
        var pastS = new List<long>(); var pastR = new List<long>();
        var futureS = new List<long>(); var futureR = new List<long>();
        for (int c = 0; c < lengths.Count; c++)
            for (int t = offsets[c]; t + 1 < offsets[c + 1]; t++)
            {
                pastS.Add(t); pastR.Add(t + 1);
                futureS.Add(t + 1); futureR.Add(t);
            }
        var self = Enumerable.Range(0, Nodes).Select(i => (long)i).ToArray();
        Past = Structure(pastS.ToArray(), pastR.ToArray());
        Future = Structure(futureS.ToArray(), futureR.ToArray());
        Observation = Structure(self, self);
        All = Structure([.. pastS, .. futureS, .. self], [.. pastR, .. futureR, .. self]);
    }

    /// <summary>Node offsets of the chains (length: chains + 1).</summary>
    public IReadOnlyList<int> Offsets { get; }

    /// <summary>Total number of nodes (time steps).</summary>
    public int Nodes { get; }

    /// <summary>Edges t−1 → t.</summary>
    public GraphBatch Past { get; }

    /// <summary>Edges t+1 → t.</summary>
    public GraphBatch Future { get; }

    /// <summary>Self-loops t → t carrying each step's observation.</summary>
    public GraphBatch Observation { get; }

    /// <summary>All edges: past, then future, then observation.</summary>
    public GraphBatch All { get; }

    GraphBatch Structure(long[] senders, long[] receivers) =>
        new(null, null, null, tensor(senders, ScalarType.Int64).DetachFromDisposeScope(), tensor(receivers, ScalarType.Int64).DetachFromDisposeScope(),
            [Nodes], [senders.LongLength]);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var g in new[] { Past, Future, Observation, All })
        {
            g.Senders.Dispose();
            g.Receivers.Dispose();
        }
    }
}
