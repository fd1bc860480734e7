namespace Occam.Graphs;

/// <summary>
/// Builds edge lists (sender → receiver, aggregated at the receiver). Every builder returns its edges sorted
/// by receiver, then sender, so the output is deterministic.
/// </summary>
public static partial class GraphBuilders
{
    /// <summary>All ordered pairs of the <paramref name="n"/> nodes, with or without self-edges.</summary>
    public static (long[] Senders, long[] Receivers) FullyConnected(int n, bool selfEdges = false)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "Number of nodes must not be negative.");
        var count = (long)n * (selfEdges ? n : Math.Max(n - 1, 0));
        var senders = new long[count];
        var receivers = new long[count];
        long e = 0;
        for (var r = 0; r < n; r++)
            for (var s = 0; s < n; s++)
            {
                if (!selfEdges && s == r) continue;
                senders[e] = s;
                receivers[e] = r;
                e++;
            }
        return (senders, receivers);
    }
}
