using static Occam.Symbolic.Tests.SearchTests;

namespace Occam.Symbolic.Tests;

/// <summary>Mini-batching (<see cref="SymbolicRegressionOptions.BatchSize"/>): the search compares equations on batches,
/// the front and its losses are the whole data's, and a run is a function of its seed.</summary>
public sealed class BatchingTests
{
    static double Law(double[] v) => v[0] * v[1] / (v[2] * v[2]);

    [Fact]
    public void A_batched_search_finds_the_law_on_large_data_and_reports_whole_data_losses()
    {
        var (x, y) = Data(20_000, 3, Law, 21, 0.5, 3);
        var result = SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions
        {
            Seed = 3, MaxEvaluations = 600_000, Threads = 2, BatchSize = 100,
        });
        var best = result.MostAccurate;
        // an exact fit on all 20,000 rows (a batch of 100 could not certify that: the early stop is on whole-data losses)
        Assert.True(best.Loss <= result.StopLoss, $"{result.StopReason}: best loss {best.Loss}: {best.Infix}");
        // every front entry's loss is its mean squared error on all rows, computed here independently
        foreach (var entry in result.Pareto)
        {
            var pred = entry.Expression.Evaluate(x);
            double mse = 0;
            for (int i = 0; i < y.Length; i++) mse += (pred[i] - y[i]) * (pred[i] - y[i]);
            mse /= y.Length;
            Assert.Equal(mse, entry.Loss, 1e-9 * Math.Max(1e-12, mse));
        }
        var (xt, yt) = Data(50, 3, Law, 77, 0.5, 3);
        var fresh = best.Expression.Evaluate(xt);
        for (int i = 0; i < yt.Length; i++) Assert.Equal(yt[i], fresh[i], 1e-6 * (1 + Math.Abs(yt[i])));
    }

    [Fact]
    public void A_batched_search_gives_the_same_front_at_one_and_two_threads_and_counts_batches_as_fractions()
    {
        var (x, y) = Data(5_000, 2, v => Math.Sin(v[0]) * 2 + v[1], 5, -2, 2);
        SymbolicRegressionResult Run(int threads, int? batch) => SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions
        {
            Seed = 11, MaxRounds = 4, Threads = threads, Populations = 6, UnaryOperators = ["sin", "cos"], EarlyStop = false,
            BatchSize = batch,
            // no constant fits, whose evaluations (on their own subsample) would dominate the counts compared below
            OptimizeProbability = 0, OptimizeChildProbability = 0, Mutations = new MutationWeights { Optimize = 0 },
        });
        var one = Run(1, 50);
        var two = Run(2, 50);
        Assert.Equal(one.Pareto.Select(e => (e.Complexity, e.Loss, e.Infix)), two.Pareto.Select(e => (e.Complexity, e.Loss, e.Infix)));
        Assert.Equal(one.Evaluations, two.Evaluations);
        // the same rounds without batching evaluate every child on all rows: a batch of 50 of 5,000 rows counts 1 % of that
        var unbatched = Run(2, null);
        Assert.True(one.Evaluations < unbatched.Evaluations / 2, $"batched {one.Evaluations} against unbatched {unbatched.Evaluations}");
        // a batch as large as the data is no batching at all
        var whole = Run(2, 5_000);
        Assert.Equal(unbatched.Pareto.Select(e => (e.Loss, e.Infix)), whole.Pareto.Select(e => (e.Loss, e.Infix)));
    }

    [Fact]
    public void A_batch_size_below_one_is_refused_with_its_name()
    {
        var (x, y) = Data(50, 1, v => v[0], 1);
        var e = Assert.Throws<ArgumentException>(() => SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions { BatchSize = 0, MaxRounds = 1 }));
        Assert.Contains("BatchSize", e.Message);
    }
}
