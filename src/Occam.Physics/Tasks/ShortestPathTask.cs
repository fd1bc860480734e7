namespace Occam.Physics.Tasks;

/// <summary>
/// Settings of the graph_nets shortest-path task. Node counts are drawn uniformly from
/// [MinNodes, MaxNodes] inclusive (the demo trains on 8–16 and tests on 16–32).
/// <see cref="Theta"/> is the geographic threshold (20 gives non-tree graphs; 1000+ gives trees).
/// </summary>
public sealed record ShortestPathOptions
{
    /// <summary>Fewest nodes a graph may have (default 8; at least 2).</summary>
    public int MinNodes { get; init; } = 8;
    /// <summary>Most nodes a graph may have, inclusive (default 16; at least <see cref="MinNodes"/>).</summary>
    public int MaxNodes { get; init; } = 16;
    /// <summary>Threshold θ of the geographic threshold graph: u ~ v when (w_u + w_v)/r² ≥ θ (default 20; positive).</summary>
    public double Theta { get; init; } = 20.0;
    /// <summary>Scale of the exponential node weights of the geographic threshold graph.</summary>
    public double WeightScale { get; init; } = 1.0;
    /// <summary>Shortest hop count between start and end.</summary>
    public int MinPathLength { get; init; } = 1;

    internal void Validate()
    {
        if (MinNodes < 2) throw new ArgumentOutOfRangeException(nameof(MinNodes), MinNodes, "ShortestPathOptions.MinNodes must be at least 2.");
        if (MaxNodes < MinNodes) throw new ArgumentOutOfRangeException(nameof(MaxNodes), MaxNodes, $"ShortestPathOptions.MaxNodes must be at least MinNodes ({MinNodes}).");
        if (!(Theta > 0)) throw new ArgumentOutOfRangeException(nameof(Theta), Theta, "ShortestPathOptions.Theta must be positive.");
        if (!(WeightScale > 0)) throw new ArgumentOutOfRangeException(nameof(WeightScale), WeightScale, "ShortestPathOptions.WeightScale must be positive.");
        if (MinPathLength < 1) throw new ArgumentOutOfRangeException(nameof(MinPathLength), MinPathLength, "ShortestPathOptions.MinPathLength must be at least 1.");
    }
}

/// <summary>
/// Generator of the graph_nets shortest-path task: nodes uniform in the unit square with exponential
/// weights; an undirected geographic threshold graph (u ~ v when (w_u + w_v)/r² ≥ θ) unioned with the
/// Euclidean minimum spanning tree (so the graph is connected); a start/end pair chosen so that every hop
/// length is equally likely; the path is the shortest by Euclidean edge length.
/// The returned graph is directed (both directions of each undirected edge).
/// Node features: [x, y, weight, is_start, is_end]; edge feature: [distance]; global: [0].
/// Node label 1 on the path (ends included); edge label 1 on the path edges in the start → end direction.
/// </summary>
public static class ShortestPathTask
{
    /// <summary>Values per node: x, y, weight, is_start, is_end.</summary>
    public const int NodeFeatureSize = 5;
    /// <summary>Values per edge: the Euclidean distance between its ends.</summary>
    public const int EdgeFeatureSize = 1;

    /// <summary>
    /// Draws one task graph from <paramref name="random"/> (options: defaults when null); if no start/end pair is at least
    /// <see cref="ShortestPathOptions.MinPathLength"/> hops apart, a new graph (and node count) is drawn.
    /// Throws <see cref="ArgumentNullException"/> for a null generator and <see cref="ArgumentOutOfRangeException"/> for invalid options.
    /// </summary>
    public static TaskGraph Generate(Random random, ShortestPathOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        options ??= new ShortestPathOptions();
        options.Validate();
        while (true)
        {
            int n = random.Next(options.MinNodes, options.MaxNodes + 1);
            var graph = TryGenerate(random, n, options);
            if (graph is not null) return graph;
        }
    }

    /// <summary><paramref name="count"/> (non-negative) task graphs drawn one after another from <paramref name="random"/>, as by <see cref="Generate(Random, ShortestPathOptions?)"/>.</summary>
    public static TaskGraph[] Generate(Random random, int count, ShortestPathOptions? options = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "ShortestPathTask.Generate: count must be non-negative.");
        var graphs = new TaskGraph[count];
        for (int i = 0; i < count; i++) graphs[i] = Generate(random, options);
        return graphs;
    }

    static TaskGraph? TryGenerate(Random random, int n, ShortestPathOptions options)
    {
        var px = new double[n];
        var py = new double[n];
        var w = new double[n];
        for (int i = 0; i < n; i++) { px[i] = random.NextDouble(); py[i] = random.NextDouble(); }
        for (int i = 0; i < n; i++) w[i] = -options.WeightScale * Math.Log(1.0 - random.NextDouble());
        double Dist(int a, int b) => Math.Sqrt((px[a] - px[b]) * (px[a] - px[b]) + (py[a] - py[b]) * (py[a] - py[b]));

        var adjacent = new bool[n, n];
        for (int a = 0; a < n; a++)
        {
            for (int b = a + 1; b < n; b++)
            {
                double r = Dist(a, b);
                if ((w[a] + w[b]) / (r * r) >= options.Theta) adjacent[a, b] = adjacent[b, a] = true;
            }
        }
        // Prim's minimum spanning tree of the complete Euclidean graph.
        var inTree = new bool[n];
        var best = new double[n];
        var parent = new int[n];
        Array.Fill(best, double.PositiveInfinity);
        Array.Fill(parent, -1);
        best[0] = 0;
        for (int k = 0; k < n; k++)
        {
            int u = -1;
            for (int i = 0; i < n; i++) if (!inTree[i] && (u < 0 || best[i] < best[u])) u = i;
            inTree[u] = true;
            if (parent[u] >= 0) adjacent[u, parent[u]] = adjacent[parent[u], u] = true;
            for (int i = 0; i < n; i++)
            {
                if (inTree[i]) continue;
                double d = Dist(u, i);
                if (d < best[i]) { best[i] = d; parent[i] = u; }
            }
        }

        // Hop counts between all ordered pairs (breadth-first search from each node).
        var hops = new int[n, n];
        var queue = new int[n];
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < n; i++) hops[s, i] = -1;
            hops[s, s] = 0;
            int head = 0, tail = 0;
            queue[tail++] = s;
            while (head < tail)
            {
                int u = queue[head++];
                for (int v = 0; v < n; v++)
                {
                    if (adjacent[u, v] && hops[s, v] < 0) { hops[s, v] = hops[s, u] + 1; queue[tail++] = v; }
                }
            }
        }
        // Choose a pair so that each hop length is equally likely, then uniformly among pairs of that length.
        var byLength = new SortedDictionary<int, List<(int, int)>>();
        for (int a = 0; a < n; a++)
        {
            for (int b = 0; b < n; b++)
            {
                int h = hops[a, b];
                if (h < options.MinPathLength) continue;
                if (!byLength.TryGetValue(h, out var list)) byLength[h] = list = new List<(int, int)>();
                list.Add((a, b));
            }
        }
        if (byLength.Count == 0) return null;
        var lengths = byLength.Keys.ToArray();
        var pairs = byLength[lengths[random.Next(lengths.Length)]];
        var (start, end) = pairs[random.Next(pairs.Count)];

        var path = Dijkstra(n, adjacent, Dist, start, end);

        var onPathNode = new bool[n];
        foreach (var p in path) onPathNode[p] = true;
        var pathEdges = new HashSet<(int, int)>();
        for (int i = 0; i + 1 < path.Count; i++) pathEdges.Add((path[i], path[i + 1]));

        var senders = new List<int>();
        var receivers = new List<int>();
        var edges = new List<double>();
        var edgeLabels = new List<int>();
        for (int a = 0; a < n; a++)
        {
            for (int b = 0; b < n; b++)
            {
                if (!adjacent[a, b]) continue;
                senders.Add(a); receivers.Add(b); edges.Add(Dist(a, b));
                edgeLabels.Add(pathEdges.Contains((a, b)) ? 1 : 0);
            }
        }
        var nodes = new double[n * NodeFeatureSize];
        var nodeLabels = new int[n];
        for (int i = 0; i < n; i++)
        {
            nodes[i * NodeFeatureSize + 0] = px[i];
            nodes[i * NodeFeatureSize + 1] = py[i];
            nodes[i * NodeFeatureSize + 2] = w[i];
            nodes[i * NodeFeatureSize + 3] = i == start ? 1 : 0;
            nodes[i * NodeFeatureSize + 4] = i == end ? 1 : 0;
            nodeLabels[i] = onPathNode[i] ? 1 : 0;
        }
        return new TaskGraph(n, NodeFeatureSize, nodes, senders.ToArray(), receivers.ToArray(), EdgeFeatureSize,
            edges.ToArray(), [0.0], nodeLabels, edgeLabels.ToArray());
    }

    static List<int> Dijkstra(int n, bool[,] adjacent, Func<int, int, double> dist, int start, int end)
    {
        var d = new double[n];
        var prev = new int[n];
        var done = new bool[n];
        Array.Fill(d, double.PositiveInfinity);
        Array.Fill(prev, -1);
        d[start] = 0;
        for (int k = 0; k < n; k++)
        {
            int u = -1;
            for (int i = 0; i < n; i++) if (!done[i] && (u < 0 || d[i] < d[u])) u = i;
            if (double.IsPositiveInfinity(d[u])) break;
            done[u] = true;
            if (u == end) break;
            for (int v = 0; v < n; v++)
            {
                if (!adjacent[u, v] || done[v]) continue;
                double alt = d[u] + dist(u, v);
                if (alt < d[v]) { d[v] = alt; prev[v] = u; }
            }
        }
        var path = new List<int>();
        for (int v = end; v >= 0; v = prev[v]) path.Add(v);
        path.Reverse();
        return path;
    }
}
