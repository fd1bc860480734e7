using Occam.Physics.Tasks;

namespace Occam.Physics.Tests;

public sealed class GraphTasksTests
{
    [Fact]
    public void Shortest_path_labels_match_floyd_warshall_on_the_generated_graph()
    {
        var random = new Random(42);
        for (int g = 0; g < 40; g++)
        {
            var graph = ShortestPathTask.Generate(random);
            int n = graph.NodeCount;
            Assert.InRange(n, 8, 16);
            var dist = new double[n, n];
            var next = new int[n, n];
            for (int a = 0; a < n; a++)
                for (int b = 0; b < n; b++) { dist[a, b] = a == b ? 0 : double.PositiveInfinity; next[a, b] = b; }
            for (int e = 0; e < graph.EdgeCount; e++)
            {
                int s = graph.Senders[e], r = graph.Receivers[e];
                double dx = graph.Nodes[s * 5] - graph.Nodes[r * 5], dy = graph.Nodes[s * 5 + 1] - graph.Nodes[r * 5 + 1];
                Assert.Equal(Math.Sqrt(dx * dx + dy * dy), graph.Edges[e], 12);
                dist[s, r] = graph.Edges[e];
            }
            for (int k = 0; k < n; k++)
                for (int a = 0; a < n; a++)
                    for (int b = 0; b < n; b++)
                        if (dist[a, k] + dist[k, b] < dist[a, b]) { dist[a, b] = dist[a, k] + dist[k, b]; next[a, b] = next[a, k]; }
            // Connected (the spanning tree is part of the graph).
            for (int a = 0; a < n; a++)
                for (int b = 0; b < n; b++) Assert.True(double.IsFinite(dist[a, b]), $"graph {g}: {a} cannot reach {b}");
            int start = Enumerable.Range(0, n).Single(i => graph.Nodes[i * 5 + 3] == 1);
            int end = Enumerable.Range(0, n).Single(i => graph.Nodes[i * 5 + 4] == 1);
            Assert.NotEqual(start, end);
            // Length of the labelled path equals the shortest distance.
            double labelled = 0;
            for (int e = 0; e < graph.EdgeCount; e++) if (graph.EdgeLabels[e] == 1) labelled += graph.Edges[e];
            Assert.Equal(dist[start, end], labelled, 9);
            // Walking the labelled edges from start reaches end through exactly the labelled nodes.
            var visited = new List<int> { start };
            int u = start;
            while (u != end)
            {
                int e = Enumerable.Range(0, graph.EdgeCount).Single(i => graph.Senders[i] == u && graph.EdgeLabels[i] == 1);
                u = graph.Receivers[e];
                visited.Add(u);
            }
            var labelledNodes = Enumerable.Range(0, n).Where(i => graph.NodeLabels[i] == 1).OrderBy(i => i);
            Assert.Equal(labelledNodes, visited.OrderBy(i => i));
            // Undirected: every edge has its reverse.
            var pairs = new HashSet<(int, int)>(Enumerable.Range(0, graph.EdgeCount).Select(i => (graph.Senders[i], graph.Receivers[i])));
            Assert.All(pairs, p => Assert.Contains((p.Item2, p.Item1), pairs));
        }
    }

    [Fact]
    public void A_very_large_threshold_leaves_only_the_spanning_tree()
    {
        var graph = ShortestPathTask.Generate(new Random(1), new ShortestPathOptions { MinNodes = 12, MaxNodes = 12, Theta = 1e12 });
        Assert.Equal(2 * (12 - 1), graph.EdgeCount);
    }

    [Fact]
    public void Shortest_path_hop_lengths_are_spread_evenly()
    {
        // Each hop length present in a graph is equally likely, so long paths are common, not rare.
        var random = new Random(9);
        var graphs = ShortestPathTask.Generate(random, 300, new ShortestPathOptions { MinNodes = 16, MaxNodes = 32 });
        double singleHop = graphs.Count(g => g.NodeLabels.Sum() == 2) / 300.0;
        double mean = graphs.Average(g => g.NodeLabels.Sum() - 1.0);
        Assert.InRange(singleHop, 0.05, 0.35);
        Assert.True(mean > 2.5, $"mean hop count {mean}");
    }

    [Fact]
    public void Shortest_path_generation_is_deterministic_for_a_seed()
    {
        var a = ShortestPathTask.Generate(new Random(5), 3);
        var b = ShortestPathTask.Generate(new Random(5), 3);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(a[i].Nodes, b[i].Nodes);
            Assert.Equal(a[i].Senders, b[i].Senders);
            Assert.Equal(a[i].EdgeLabels, b[i].EdgeLabels);
        }
    }

    [Fact]
    public void Sort_targets_link_each_element_to_the_next_larger_one()
    {
        double[] values = [0.5, 0.1, 0.9, 0.3];
        var graph = SortTask.FromValues(values);
        Assert.Equal(16, graph.EdgeCount);
        Assert.Equal(new[] { 0, 1, 0, 0 }, graph.NodeLabels);
        var expected = new HashSet<(int, int)> { (1, 3), (3, 0), (0, 2), (2, 2) };
        for (int e = 0; e < graph.EdgeCount; e++)
            Assert.Equal(expected.Contains((graph.Senders[e], graph.Receivers[e])) ? 1 : 0, graph.EdgeLabels[e]);
    }

    [Fact]
    public void Random_sort_lists_follow_the_successor_chain_in_increasing_order()
    {
        var random = new Random(3);
        foreach (var graph in SortTask.Generate(random, 30, new SortOptions { MinElements = 16, MaxElements = 32 }))
        {
            int n = graph.NodeCount;
            Assert.InRange(n, 16, 32);
            var sorted = graph.Nodes.OrderBy(v => v).ToArray();
            int u = Array.IndexOf(graph.NodeLabels, 1);
            for (int k = 0; k < n; k++)
            {
                Assert.Equal(sorted[k], graph.Nodes[u]);
                int e = Enumerable.Range(0, graph.EdgeCount).Single(i => graph.Senders[i] == u && graph.EdgeLabels[i] == 1);
                u = graph.Receivers[e];
            }
            Assert.Equal(sorted[^1], graph.Nodes[u]);
        }
    }

    [Fact]
    public void Mass_spring_chain_at_rest_length_without_gravity_stays_at_rest()
    {
        var options = new MassSpringOptions { Gravity = 0 };
        var chain = MassSpringTask.Create(6, 0.4, options);
        var states = MassSpringTask.Simulate(chain, 20, 0.1);
        Assert.All(states[^1], (v, i) => Assert.Equal(chain.InitialState[i], v, 12));
        // Spacing and fixed ends as in graph_nets' base_graph.
        Assert.Equal(-1.2, chain.InitialState[0], 12);
        Assert.Equal(0.8, chain.InitialState[5 * 5], 12);
        Assert.Equal(new double[] { 1, 0, 0, 0, 0, 1 }, Enumerable.Range(0, 6).Select(i => chain.InitialState[i * 5 + 4]));
        // No edge points into a fixed end: 2 (n - 1) - 2 edges.
        Assert.Equal(8, chain.EdgeCount);
        Assert.DoesNotContain(0, chain.Receivers);
        Assert.DoesNotContain(5, chain.Receivers);
    }

    [Fact]
    public void Mass_spring_velocity_update_matches_the_gradient_of_the_spring_energy()
    {
        var random = new Random(2);
        var chain = MassSpringTask.CreateNoisy(random, 5, 0.5, new MassSpringOptions { PositionNoise = 0.2 });
        var state = (double[])chain.InitialState.Clone();
        double dt = 0.1;
        var next = MassSpringTask.NextVelocities(chain, state, dt);
        // Energy of spring (i, i+1) with the constant carried by the edge into the free mass.
        double Energy(double[] s, int i)
        {
            double total = 0;
            for (int e = 0; e < chain.EdgeCount; e++)
            {
                if (chain.Receivers[e] != i) continue;
                int o = chain.Senders[e];
                double dx = s[i * 5] - s[o * 5], dy = s[i * 5 + 1] - s[o * 5 + 1];
                double stretch = Math.Sqrt(dx * dx + dy * dy) - chain.Edges[e * 2 + 1];
                total += 0.5 * chain.Edges[e * 2] * stretch * stretch;
            }
            return total;
        }
        const double h = 1e-6;
        for (int i = 1; i < 4; i++)
        {
            for (int k = 0; k < 2; k++)
            {
                var plus = (double[])state.Clone(); plus[i * 5 + k] += h;
                var minus = (double[])state.Clone(); minus[i * 5 + k] -= h;
                double force = -(Energy(plus, i) - Energy(minus, i)) / (2 * h) + chain.Globals[k];
                Assert.Equal(state[i * 5 + 2 + k] + dt * force, next[i * 2 + k], 6);
            }
        }
        // Fixed ends keep zero velocity.
        Assert.Equal(0, next[0]); Assert.Equal(0, next[1]); Assert.Equal(0, next[8]); Assert.Equal(0, next[9]);
    }

    [Fact]
    public void Mass_spring_noise_stays_within_the_documented_levels()
    {
        var chain = MassSpringTask.CreateNoisy(new Random(4), 8, 0.3);
        var clean = MassSpringTask.Create(8, 0.3);
        for (int i = 0; i < 8; i++)
        {
            Assert.InRange(chain.InitialState[i * 5] - clean.InitialState[i * 5], -0.04, 0.04);
            Assert.InRange(chain.InitialState[i * 5 + 1], -0.04, 0.04);
        }
        Assert.All(Enumerable.Range(0, chain.EdgeCount), e => Assert.InRange(chain.Edges[e * 2], 49.9, 50.1));
        Assert.InRange(chain.Globals[1], -11, -9);
    }

    [Fact]
    public void Task_graph_rejects_an_edge_to_a_missing_node()
    {
        var e = Assert.Throws<ArgumentException>(() => new TaskGraph(2, 1, [0, 1], [0], [5], 1, [0], [0], [0, 0], [0]));
        Assert.Contains("edge 0", e.Message);
    }
}
