namespace Occam.Physics.Tasks;

/// <summary>Settings of the graph_nets sort task: list lengths uniform in [MinElements, MaxElements] inclusive.</summary>
public sealed record SortOptions
{
    /// <summary>Shortest list length (default 8; at least 2).</summary>
    public int MinElements { get; init; } = 8;
    /// <summary>Longest list length, inclusive (default 16; at least <see cref="MinElements"/>).</summary>
    public int MaxElements { get; init; } = 16;

    internal void Validate()
    {
        if (MinElements < 2) throw new ArgumentOutOfRangeException(nameof(MinElements), MinElements, "SortOptions.MinElements must be at least 2.");
        if (MaxElements < MinElements) throw new ArgumentOutOfRangeException(nameof(MaxElements), MaxElements, $"SortOptions.MaxElements must be at least MinElements ({MinElements}).");
    }
}

/// <summary>
/// Generator of the graph_nets sort task: a list of values uniform in [0, 1) as a fully connected graph
/// (every ordered pair, self-edges included). Node feature: [value]; edge feature: [0]; global: [0].
/// Node label 1 on the smallest element; edge s → r labelled 1 when r follows s in sorted order,
/// and the largest element's self-edge labelled 1 (it has no successor), as in graph_nets.
/// </summary>
public static class SortTask
{
    /// <summary>Values per node: the element's value.</summary>
    public const int NodeFeatureSize = 1;
    /// <summary>Values per edge: a single 0 (the edges carry no information).</summary>
    public const int EdgeFeatureSize = 1;

    /// <summary>
    /// Draws one list (length uniform in the options' range, defaults when null; values uniform in [0, 1)) from
    /// <paramref name="random"/> and returns its task graph. Throws <see cref="ArgumentNullException"/> for a null
    /// generator and <see cref="ArgumentOutOfRangeException"/> for invalid options.
    /// </summary>
    public static TaskGraph Generate(Random random, SortOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        options ??= new SortOptions();
        options.Validate();
        int n = random.Next(options.MinElements, options.MaxElements + 1);
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = random.NextDouble();
        return FromValues(values);
    }

    /// <summary><paramref name="count"/> (non-negative) task graphs drawn one after another from <paramref name="random"/>, as by <see cref="Generate(Random, SortOptions?)"/>.</summary>
    public static TaskGraph[] Generate(Random random, int count, SortOptions? options = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "SortTask.Generate: count must be non-negative.");
        var graphs = new TaskGraph[count];
        for (int i = 0; i < count; i++) graphs[i] = Generate(random, options);
        return graphs;
    }

    /// <summary>Builds the task graph of a given list (ties are ordered by index).</summary>
    public static TaskGraph FromValues(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.Count;
        if (n < 1) throw new ArgumentException("SortTask.FromValues: the list is empty.", nameof(values));
        for (int i = 0; i < n; i++)
            if (!double.IsFinite(values[i])) throw new ArgumentException($"SortTask.FromValues: value {i} is {values[i]}.", nameof(values));
        var order = Enumerable.Range(0, n).OrderBy(i => values[i]).ThenBy(i => i).ToArray();
        var successor = new int[n];
        for (int k = 0; k + 1 < n; k++) successor[order[k]] = order[k + 1];
        successor[order[n - 1]] = order[n - 1];

        var senders = new int[n * n];
        var receivers = new int[n * n];
        var edgeLabels = new int[n * n];
        for (int s = 0; s < n; s++)
        {
            for (int r = 0; r < n; r++)
            {
                int e = s * n + r;
                senders[e] = s; receivers[e] = r;
                edgeLabels[e] = successor[s] == r ? 1 : 0;
            }
        }
        var nodes = values.ToArray();
        var nodeLabels = new int[n];
        nodeLabels[order[0]] = 1;
        return new TaskGraph(n, NodeFeatureSize, nodes, senders, receivers, EdgeFeatureSize, new double[n * n], [0.0], nodeLabels, edgeLabels);
    }
}
