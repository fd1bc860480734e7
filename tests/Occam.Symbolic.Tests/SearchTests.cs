namespace Occam.Symbolic.Tests;

public sealed class SearchTests
{
    static (double[,] X, double[] Y) Data(int rows, int features, Func<double[], double> f, int seed, double lo = -3, double hi = 3)
    {
        var rng = new Random(seed);
        var x = new double[rows, features];
        var y = new double[rows];
        var row = new double[features];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < features; j++) row[j] = x[r, j] = lo + (hi - lo) * rng.NextDouble();
            y[r] = f(row);
        }
        return (x, y);
    }

    [Fact]
    public void Search_recovers_quadratic_minus_linear_law()
    {
        var (x, y) = Data(200, 2, v => 2.5 * v[0] * v[0] - v[1], 1);
        var result = SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions
        {
            Seed = 1, MaxEvaluations = 400_000, LossThreshold = 1e-12, Threads = 2,
            BinaryOperators = ["+", "-", "*", "/"], UnaryOperators = ["square"],
        });
        Assert.True(result.MostAccurate.Loss < 1e-12, $"best loss {result.MostAccurate.Loss}: {result.MostAccurate.Infix}");
        // independent check: the found equation matches the law on fresh points
        var (xt, yt) = Data(50, 2, v => 2.5 * v[0] * v[0] - v[1], 99);
        var pred = result.MostAccurate.Expression.Evaluate(xt);
        for (int i = 0; i < yt.Length; i++) Assert.Equal(yt[i], pred[i], 1e-6 * (1 + Math.Abs(yt[i])));
    }
}
