using Occam.Symbolic;
using Xunit;

namespace Occam.Symbolic.Tests;

/// <summary>The Gamma-test noise floor against planted noise, and the search's early stop on it and on exact fits.</summary>
public class EarlyStopTests
{
    static (double[][] Columns, double[] Y, double[,] X) Data(int rows, double sigma, Func<double, double, double> f, int seed)
    {
        var rng = new Random(seed);
        var c0 = new double[rows];
        var c1 = new double[rows];
        var y = new double[rows];
        var x = new double[rows, 2];
        for (int i = 0; i < rows; i++)
        {
            c0[i] = x[i, 0] = 4 * rng.NextDouble() - 2;
            c1[i] = x[i, 1] = 2 * rng.NextDouble() + 0.5;
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            y[i] = f(c0[i], c1[i]) + sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
        return ([c0, c1], y, x);
    }

    static double Smooth(double a, double b) => Math.Sin(a) * b + 0.5 * a * a;

    [Theory]
    [InlineData(0.5, 1)]
    [InlineData(1.0, 2)]
    public void The_gamma_test_measures_planted_noise_within_15_percent(double sigma, int seed)
    {
        // The sampling error of the intercept over 1,000 rows is about 5 %; 15 % leaves room for the curvature term.
        var (columns, y, _) = Data(1000, sigma, Smooth, seed);
        var noise = NoiseFloor.Estimate(columns, y);
        Assert.True(noise.Resolved, $"noise {noise.Variance} against nearest-neighbour γ {noise.NearestHalfSquare}");
        Assert.InRange(noise.Variance / (sigma * sigma), 0.85, 1.15);
    }

    [Fact]
    public void Pure_noise_is_all_variance_and_clean_data_resolve_no_noise()
    {
        var (columns, y, _) = Data(1000, 1.0, (_, _) => 0, 3);
        double mean = y.Average(), variance = y.Sum(v => (v - mean) * (v - mean)) / y.Length;
        Assert.InRange(NoiseFloor.Estimate(columns, y).Variance / variance, 0.85, 1.15);

        var (cleanColumns, clean, _) = Data(1000, 0, Smooth, 4);
        var none = NoiseFloor.Estimate(cleanColumns, clean);
        Assert.False(none.Resolved, $"clean data: Γ {none.Variance} against γ₁ {none.NearestHalfSquare}");
    }

    [Fact]
    public void An_exact_law_stops_the_search_as_soon_as_it_is_on_the_front()
    {
        var (_, y, x) = Data(400, 0, (a, b) => 1.5 * a / (b * b), 5);
        var options = new SymbolicRegressionOptions { Seed = 2, Threads = 2, MaxRounds = 300 };
        var result = SymbolicRegression.Fit(x, y, options);
        Assert.Equal("exact fit", result.StopReason);
        Assert.True(result.Rounds < 300);
        double variance = Variance(y);
        Assert.Equal(1e-14 * variance, result.StopLoss, 1e-6 * variance * 1e-14);
        Assert.True(result.MostAccurate.Loss <= result.StopLoss);
        Assert.Null(result.NoiseVariance);
        var best = result.MostAccurate.Expression.Evaluate(x);
        for (int i = 0; i < y.Length; i++) Assert.Equal(y[i], best[i], 1e-6 * Math.Max(1, Math.Abs(y[i])));

        // off: the same search runs its whole budget
        var full = SymbolicRegression.Fit(x, y, options with { EarlyStop = false, MaxRounds = result.Rounds + 3 });
        Assert.Equal("rounds", full.StopReason);
        Assert.Equal(result.Rounds + 3, full.Rounds);
        Assert.Equal(0, full.StopLoss);
    }

    [Fact]
    public void Noisy_data_stop_at_the_noise_floor_and_not_before()
    {
        const double sigma = 0.5;
        var (columns, y, x) = Data(1000, sigma, (a, b) => 2 * a + b, 6);
        var result = SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions { Seed = 1, Threads = 2, MaxRounds = 60 });
        Assert.True(result.StopReason == "noise floor", $"{result.StopReason}: noise {result.NoiseVariance}, stop at {result.StopLoss}, best {result.MostAccurate.Loss} {result.MostAccurate.Infix}");
        var noise = NoiseFloor.Estimate(columns, y);
        Assert.Equal(noise.Variance, result.NoiseVariance);
        Assert.Equal(noise.Variance * (1 + 2 * Math.Sqrt(2.0 / 1000)), result.StopLoss, 1e-12);
        Assert.True(result.MostAccurate.Loss <= result.StopLoss);
        // the equation it stopped on is the law: its error against the noise-free values is small next to σ²
        var best = result.MostAccurate.Expression.Evaluate(x);
        double excess = 0;
        for (int i = 0; i < y.Length; i++) excess += Math.Pow(best[i] - (2 * x[i, 0] + x[i, 1]), 2) / y.Length;
        Assert.True(excess < 0.05 * sigma * sigma, $"{result.MostAccurate.Infix}: mean squared error to the law {excess}");
    }

    [Fact]
    public void Weighted_and_custom_losses_use_no_noise_floor()
    {
        var (_, y, x) = Data(300, 0.5, (a, b) => 2 * a + b, 7);
        var weighted = SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions { Seed = 1, Threads = 1, MaxRounds = 3, Weights = Enumerable.Repeat(1.0, 300).ToArray() });
        Assert.Null(weighted.NoiseVariance);
        Assert.Equal("rounds", weighted.StopReason);
        var custom = SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions
        {
            Seed = 1, Threads = 1, MaxRounds = 3, CustomLoss = (p, t, _) => { double s = 0; for (int i = 0; i < p.Length; i++) s += Math.Abs(p[i] - t[i]); return s; },
        });
        Assert.Equal(0, custom.StopLoss);
    }

    static double Variance(double[] y)
    {
        double mean = y.Average();
        return y.Sum(v => (v - mean) * (v - mean)) / y.Length;
    }
}
