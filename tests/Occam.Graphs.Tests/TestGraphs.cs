using static TorchSharp.torch;

namespace Occam.Graphs.Tests;

/// <summary>Random graphs and small helpers shared by the tests.</summary>
internal static class TestGraphs
{
    public static double[] Values(Tensor t) => t.numel() == 0 ? [] : t.detach().cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    public static Tensor Randn(Random rng, params long[] shape)
    {
        var n = shape.Aggregate(1L, (a, b) => a * b);
        var v = new double[n];
        for (var i = 0; i < n; i++)
        {
            // Box–Muller from the seeded generator.
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            v[i] = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
        return tensor(v, dtype: ScalarType.Float64).reshape(shape);
    }

    /// <summary>A random graph with some isolated nodes, multi-edges and self-edges.</summary>
    public static GraphBatch RandomGraph(Random rng, int nodes, int edges, int nodeDim, int edgeDim, int globalDim)
    {
        var s = new long[edges];
        var r = new long[edges];
        for (var e = 0; e < edges; e++)
        {
            s[e] = rng.Next(nodes);
            r[e] = rng.Next(nodes);
        }
        return GraphBatch.Single(
            nodeDim > 0 ? Randn(rng, nodes, nodeDim) : null,
            edgeDim > 0 ? Randn(rng, edges, edgeDim) : null,
            globalDim > 0 ? Randn(rng, 1, globalDim) : null,
            s, r, nodes);
    }

    public static GraphBatch RandomBatch(Random rng, int graphs, int nodeDim, int edgeDim, int globalDim)
    {
        var list = new List<GraphBatch>();
        for (var g = 0; g < graphs; g++)
        {
            var n = rng.Next(1, 7);
            var e = n == 0 ? 0 : rng.Next(0, 12);
            list.Add(RandomGraph(rng, n, e, nodeDim, edgeDim, globalDim));
        }
        return GraphBatch.Batch(list);
    }

    public static void AllClose(double[] expected, double[] actual, double tolerance, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
