using static TorchSharp.torch;
using static Occam.Graphs.Tests.TestGraphs;

namespace Occam.Graphs.Tests;

public sealed class AggregationTests
{
    private static (Tensor Data, long[] Ids) RandomSegments(Random rng, int rows, int cols, int segments)
    {
        var ids = new long[rows];
        for (var i = 0; i < rows; i++) ids[i] = rng.Next(segments);
        return (Randn(rng, rows, cols), ids);
    }

    /// <summary>Naive loop reference over segments.</summary>
    private static double[] NaiveReduce(Reducer reducer, double[] data, long[] ids, int cols, int segments)
    {
        var result = new double[segments * cols];
        for (var s = 0; s < segments; s++)
            for (var c = 0; c < cols; c++)
            {
                var members = Enumerable.Range(0, ids.Length).Where(i => ids[i] == s).Select(i => data[i * cols + c]).ToList();
                result[s * cols + c] = members.Count == 0 ? 0 : reducer switch
                {
                    Reducer.Sum => members.Sum(),
                    Reducer.Mean => members.Average(),
                    Reducer.Max => members.Max(),
                    Reducer.Min => members.Min(),
                    _ => throw new InvalidOperationException(),
                };
            }
        return result;
    }

    [Theory]
    [InlineData(Reducer.Sum)]
    [InlineData(Reducer.Mean)]
    [InlineData(Reducer.Max)]
    [InlineData(Reducer.Min)]
    public void Segment_reduction_equals_a_naive_loop_and_gives_zero_for_empty_segments(Reducer reducer)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(11 + (int)reducer);
        const int cols = 3, segments = 9;
        var (data, ids) = RandomSegments(rng, 25, cols, segments);
        ids[0] = 2; // ensure segments 7 and 8 are empty
        for (var i = 0; i < ids.Length; i++) if (ids[i] >= 7) ids[i] = 1;
        var result = Aggregations.Segment(reducer, data, tensor(ids), segments);
        Assert.Equal(new long[] { segments, cols }, result.shape);
        var expected = NaiveReduce(reducer, Values(data), ids, cols, segments);
        AllClose(expected, Values(result), 1e-12, reducer.ToString());
        Assert.Equal(0.0, Values(result)[7 * cols]);
    }

    [Fact]
    public void Segment_softmax_equals_a_naive_loop_and_sums_to_one_per_segment()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(3);
        const int cols = 2, segments = 5;
        var (data, ids) = RandomSegments(rng, 17, cols, segments);
        var result = Values(Aggregations.SegmentSoftmax(data * 10, tensor(ids), segments));
        var x = Values(data);
        for (var i = 0; i < ids.Length; i++)
            for (var c = 0; c < cols; c++)
            {
                var denom = Enumerable.Range(0, ids.Length).Where(j => ids[j] == ids[i]).Sum(j => Math.Exp(10 * x[j * cols + c]));
                var expected = Math.Exp(10 * x[i * cols + c]) / denom;
                Assert.True(Math.Abs(expected - result[i * cols + c]) < 1e-12, $"row {i} col {c}: {expected} vs {result[i * cols + c]}");
            }
    }

    [Fact]
    public void Segment_reductions_accept_empty_data()
    {
        using var scope = NewDisposeScope();
        var data = zeros(0, 4, dtype: ScalarType.Float64);
        var ids = zeros(0, dtype: ScalarType.Int64);
        foreach (var reducer in Enum.GetValues<Reducer>())
        {
            var result = Aggregations.Segment(reducer, data, ids, 3);
            Assert.Equal(new long[] { 3, 4 }, result.shape);
            Assert.All(Values(result), v => Assert.Equal(0.0, v));
        }
    }

    public static TheoryData<string> GradientCases => new() { "sum", "mean", "max", "min", "softmax" };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Aggregation_gradients_match_central_finite_differences(string which)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(which.GetHashCode(StringComparison.Ordinal) & 0xffff);
        const int rows = 14, cols = 3, segments = 6;
        var (data, ids) = RandomSegments(rng, rows, cols, segments);
        var idTensor = tensor(ids);
        var weightsShape = which == "softmax" ? new long[] { rows, cols } : new long[] { segments, cols };
        var w = Randn(rng, weightsShape);

        Tensor F(Tensor x) => which switch
        {
            "sum" => Aggregations.SegmentSum(x, idTensor, segments),
            "mean" => Aggregations.SegmentMean(x, idTensor, segments),
            "max" => Aggregations.SegmentMax(x, idTensor, segments),
            "min" => Aggregations.SegmentMin(x, idTensor, segments),
            _ => Aggregations.SegmentSoftmax(x, idTensor, segments),
        };
        double Loss(double[] v) { using var s = NewDisposeScope(); return (F(tensor(v).reshape(rows, cols)) * w).sum().item<double>(); }

        var x = data.clone().requires_grad_(true);
        (F(x) * w).sum().backward();
        var analytic = Values(x.grad!);

        var v0 = Values(data);
        const double h = 1e-6;
        var numeric = new double[v0.Length];
        for (var i = 0; i < v0.Length; i++)
        {
            var plus = (double[])v0.Clone(); plus[i] += h;
            var minus = (double[])v0.Clone(); minus[i] -= h;
            numeric[i] = (Loss(plus) - Loss(minus)) / (2 * h);
        }
        AllClose(numeric, analytic, 1e-6, which);
        // Max/min must route the gradient to exactly one row per non-empty segment and column.
        if (which is "max" or "min")
            Assert.Equal(ids.Distinct().Count() * cols, analytic.Count(g => g != 0));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void Both_max_methods_match_a_naive_loop_and_finite_differences_on_skewed_segments(bool max, bool doubling)
    {
        var method = doubling ? Aggregations.ExtremumMethod.Doubling : Aggregations.ExtremumMethod.Dense;
        using var scope = NewDisposeScope();
        var rng = new Random(max ? 41 : 42);
        const int rows = 40, cols = 2, segments = 12;
        // Skewed sizes: segment 3 holds most rows, several segments are empty; rows in random order.
        var ids = Enumerable.Range(0, rows).Select(i => i < 27 ? 3L : rng.Next(segments)).OrderBy(_ => rng.Next()).ToArray();
        var data = Randn(rng, rows, cols);
        var idTensor = tensor(ids);
        var w = Randn(rng, segments, cols);
        Tensor F(Tensor x) => Aggregations.Extremum(x, idTensor, segments, max, method);

        var expected = NaiveReduce(max ? Reducer.Max : Reducer.Min, Values(data), ids, cols, segments);
        AllClose(expected, Values(F(data)), 1e-14, method.ToString());

        var x = data.clone().requires_grad_(true);
        (F(x) * w).sum().backward();
        var analytic = Values(x.grad!);
        var v0 = Values(data);
        const double h = 1e-6;
        for (var i = 0; i < v0.Length; i++)
        {
            double Loss(double delta)
            {
                using var s = NewDisposeScope();
                var v = (double[])v0.Clone();
                v[i] += delta;
                return (F(tensor(v).reshape(rows, cols)) * w).sum().item<double>();
            }
            var numeric = (Loss(h) - Loss(-h)) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) < 1e-6, $"{method} element {i}: numeric {numeric}, analytic {analytic[i]}");
        }
    }
}
