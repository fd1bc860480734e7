namespace Occam.Graphs.Tests;

public sealed class SpatialGraphTests
{
    private static double[] RandomPoints(Random rng, int n, int dim, double scale)
    {
        var p = new double[n * dim];
        for (var i = 0; i < p.Length; i++) p[i] = rng.NextDouble() * scale;
        return p;
    }

    private static double Dist2(double[] p, int dim, long i, long j)
    {
        double s = 0;
        for (var d = 0; d < dim; d++) { var v = p[i * dim + d] - p[j * dim + d]; s += v * v; }
        return s;
    }

    [Theory]
    [InlineData(1, 300, 0.01, false)]
    [InlineData(2, 500, 0.08, true)]
    [InlineData(3, 800, 0.15, false)]
    [InlineData(3, 50, 5.0, false)]
    public void Radius_graph_equals_a_brute_force_search(int dim, int n, double radius, bool self)
    {
        var rng = new Random(dim * 1000 + n);
        var p = RandomPoints(rng, n, dim, 1.0);
        // Clustered duplicates exercise equal positions.
        for (var d = 0; d < dim; d++) p[dim + d] = p[d];
        var (s, r) = GraphBuilders.RadiusGraph(p, dim, radius, self);

        var expectedS = new List<long>();
        var expectedR = new List<long>();
        for (long i = 0; i < n; i++)
            for (long j = 0; j < n; j++)
                if ((i != j || self) && Dist2(p, dim, i, j) <= radius * radius) { expectedR.Add(i); expectedS.Add(j); }
        Assert.Equal(expectedR, r);
        Assert.Equal(expectedS, s);
    }

    [Theory]
    [InlineData(1, 200, 3, false)]
    [InlineData(2, 400, 6, true)]
    [InlineData(3, 700, 8, false)]
    [InlineData(3, 5, 10, false)]
    public void K_nearest_graph_equals_a_brute_force_search(int dim, int n, int k, bool self)
    {
        var rng = new Random(dim * 7 + n + k);
        var p = RandomPoints(rng, n, dim, 10.0);
        // Anisotropic cloud: squash the last axis.
        for (var i = 0; i < n; i++) p[i * dim + dim - 1] *= 0.05;
        var (s, r) = GraphBuilders.KNearestGraph(p, dim, k, self);

        var expectedS = new List<long>();
        var expectedR = new List<long>();
        for (long i = 0; i < n; i++)
        {
            var nearest = Enumerable.Range(0, n).Where(j => j != i)
                .OrderBy(j => Dist2(p, dim, i, j)).ThenBy(j => j).Take(k).Select(j => (long)j).ToList();
            if (self) nearest.Add(i);
            nearest.Sort();
            foreach (var j in nearest) { expectedR.Add(i); expectedS.Add(j); }
        }
        Assert.Equal(expectedR, r);
        Assert.Equal(expectedS, s);
    }

    [Fact]
    public void K_nearest_graph_breaks_distance_ties_by_the_smaller_index()
    {
        // Points on a line at integer spacing: the 2 nearest of point 5 are 4 and 6, then 3 and 7 tie.
        var p = Enumerable.Range(0, 11).Select(i => (double)i).ToArray();
        var (s, r) = GraphBuilders.KNearestGraph(p, 1, 3);
        var of5 = s.Where((_, e) => r[e] == 5).ToArray();
        Assert.Equal(new long[] { 3, 4, 6 }, of5);
    }

    [Fact]
    public void Spatial_builders_reject_bad_input_with_a_clear_message()
    {
        var ex = Assert.Throws<ArgumentException>(() => GraphBuilders.RadiusGraph(new double[] { 0, 1, 2, 3, 4 }, 2, 1.0));
        Assert.Contains("not a multiple of dim = 2", ex.Message);
        var nan = Assert.Throws<ArgumentException>(() => GraphBuilders.KNearestGraph(new double[] { 0, double.NaN }, 1, 1));
        Assert.Contains("point 1", nan.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GraphBuilders.RadiusGraph(new double[] { 0, 1 }, 1, -1));
    }

    [Fact]
    public void Radius_graph_of_two_hundred_thousand_points_has_the_expected_mean_degree()
    {
        // Uniform points in the unit cube: away from the faces the expected degree is n·(4/3)πr³.
        const int n = 200_000;
        const double radius = 0.02;
        var rng = new Random(42);
        var p = RandomPoints(rng, n, 3, 1.0);
        var (s, r) = GraphBuilders.RadiusGraph(p, 3, radius);
        var interior = new bool[n];
        for (var i = 0; i < n; i++)
            interior[i] = Enumerable.Range(0, 3).All(d => p[i * 3 + d] > radius && p[i * 3 + d] < 1 - radius);
        var degree = new int[n];
        foreach (var x in r) degree[x]++;
        var mean = Enumerable.Range(0, n).Where(i => interior[i]).Average(i => degree[i]);
        var expected = (n - 1) * 4.0 / 3.0 * Math.PI * radius * radius * radius;
        Assert.InRange(mean, expected * 0.97, expected * 1.03);
        // Symmetry: j in N(i) ⇔ i in N(j).
        var pairs = new HashSet<(long, long)>(s.Zip(r));
        Assert.All(s.Zip(r).Take(5000), e => Assert.Contains((e.Second, e.First), pairs));
    }

    [Fact]
    public void Single_precision_coordinates_give_the_graph_of_their_double_values()
    {
        var rng = new Random(77);
        var f = Enumerable.Range(0, 600).Select(_ => (float)rng.NextDouble()).ToArray();
        var d = f.Select(v => (double)v).ToArray();
        var (rs, rr) = GraphBuilders.RadiusGraph(d, 3, 0.2);
        var (fs, fr) = GraphBuilders.RadiusGraph(f, 3, 0.2);
        Assert.Equal(rs, fs);
        Assert.Equal(rr, fr);
        var (ks, kr) = GraphBuilders.KNearestGraph(d, 2, 5);
        var (gs, gr) = GraphBuilders.KNearestGraph(f, 2, 5);
        Assert.Equal(ks, gs);
        Assert.Equal(kr, gr);
    }
}
