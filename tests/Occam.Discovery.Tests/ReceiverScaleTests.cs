using Occam.Discovery;
using Xunit;

namespace Occam.Discovery.Tests;

public class ReceiverScaleTests
{
    static double[] Masses(int n, Random rng) => Enumerable.Range(0, n).Select(_ => Math.Exp(2 * rng.NextDouble() - 1)).ToArray();

    [Fact]
    public void A_factor_linear_in_log_mass_is_recovered_exactly()
    {
        // h = (0.3 − 0.2 ln m1)·g: piecewise linear in ln m1 with any knots, so the fit is exact.
        var rng = new Random(1);
        var m = Masses(500, rng);
        var g = m.Select(_ => 3 * rng.NextDouble() - 1).ToArray();
        var h = m.Select((mi, i) => (0.3 - 0.2 * Math.Log(mi)) * g[i]).ToArray();
        var scale = new ReceiverScale(m);

        double loss = scale.MeanAbsoluteResidual(g, h, out var factor);

        Assert.Equal(ReceiverScale.Knots, scale.KnotMasses.Length);
        Assert.True(loss < 1e-10, $"loss {loss}");
        for (int k = 0; k < factor.Length; k++) Assert.Equal(0.3 - 0.2 * Math.Log(scale.KnotMasses[k]), factor[k], 1e-10);
    }

    [Fact]
    public void A_fitted_factor_evaluates_at_any_mass_as_the_fit_treats_its_rows()
    {
        // Hand values: at the knots, at the geometric midpoint of two knots (the mean, linear in ln m1), and beyond the
        // ends (the end values). Then every row of a fit: At(m1) equals the factor the loss applied to that row.
        var fit = new ReceiverScaleFit([0.5, 2.0, 8.0], [1.0, 3.0, -1.0]);
        Assert.Equal(3.0, fit.At(2.0), 12);
        Assert.Equal(2.0, fit.At(1.0), 12);
        Assert.Equal(1.0, fit.At(4.0), 12);
        Assert.Equal(1.0, fit.At(0.1), 12);
        Assert.Equal(-1.0, fit.At(50), 12);

        var rng = new Random(5);
        var m = Masses(400, rng);
        var g = m.Select(_ => rng.NextDouble() - 0.3).ToArray();
        var h = m.Select(_ => rng.NextDouble() - 0.5).ToArray();
        var scale = new ReceiverScale(m);
        scale.MeanAbsoluteResidual(g, h, out var factor);
        var perRow = scale.PerRow(factor);
        var fitted = new ReceiverScaleFit(scale.KnotMasses, factor);
        for (int i = 0; i < m.Length; i++) Assert.Equal(perRow[i], fitted.At(m[i]), 10);
    }

    [Fact]
    public void The_factor_equals_a_dense_least_squares_fit_on_the_hat_basis()
    {
        // Reference: the normal equations of h ≈ Σ_k c_k B_k(m1)·g built densely from the hat functions on ln m1 at the
        // knots, solved by Gaussian elimination; then the mean absolute residual.
        var rng = new Random(2);
        var m = Masses(300, rng);
        var g = m.Select(_ => rng.NextDouble() - 0.3).ToArray();
        var h = m.Select(_ => rng.NextDouble() - 0.5).ToArray();
        var scale = new ReceiverScale(m);

        double loss = scale.MeanAbsoluteResidual(g, h, out var factor);

        var knots = scale.KnotMasses.Select(v => Math.Log(v)).ToArray();
        int k = knots.Length;
        double Hat(int j, double x)
        {
            x = Math.Clamp(x, knots[0], knots[^1]);
            if (j > 0 && x >= knots[j - 1] && x <= knots[j]) return (x - knots[j - 1]) / (knots[j] - knots[j - 1]);
            if (j < k - 1 && x >= knots[j] && x <= knots[j + 1]) return (knots[j + 1] - x) / (knots[j + 1] - knots[j]);
            return 0;
        }
        var a = new double[k, k + 1];
        for (int i = 0; i < m.Length; i++)
        {
            var row = Enumerable.Range(0, k).Select(j => Hat(j, Math.Log(m[i])) * g[i]).ToArray();
            for (int p = 0; p < k; p++)
            {
                for (int q = 0; q < k; q++) a[p, q] += row[p] * row[q];
                a[p, k] += row[p] * h[i];
            }
        }
        var expected = Solve(a, k);
        for (int j = 0; j < k; j++) Assert.Equal(expected[j], factor[j], 1e-9);
        double expectedLoss = m.Select((mi, i) => Math.Abs(h[i] - Enumerable.Range(0, k).Sum(j => expected[j] * Hat(j, Math.Log(mi))) * g[i])).Average();
        Assert.Equal(expectedLoss, loss, 1e-12);
    }

    static double[] Solve(double[,] a, int k)
    {
        for (int c = 0; c < k; c++)
        {
            int pivot = Enumerable.Range(c, k - c).MaxBy(r => Math.Abs(a[r, c]));
            for (int j = 0; j <= k; j++) (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
            for (int r = 0; r < k; r++)
            {
                if (r == c) continue;
                double f = a[r, c] / a[c, c];
                for (int j = 0; j <= k; j++) a[r, j] -= f * a[c, j];
            }
        }
        return Enumerable.Range(0, k).Select(c => a[c, k] / a[c, c]).ToArray();
    }

    [Fact]
    public void Refitting_constants_under_the_factor_recovers_the_law_constant()
    {
        // h = (0.5 + 1/m1)·(r − 1.3) with small noise; the law g = r − 0.8 has a wrong constant and no scale of its own.
        var rng = new Random(4);
        int n = 400;
        var m = Masses(n, rng);
        var x = new double[n, 1];
        var h = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i, 0] = 0.5 + 2.5 * rng.NextDouble();
            h[i] = (0.5 + 1 / m[i]) * (x[i, 0] - 1.3) + 0.001 * (rng.NextDouble() - 0.5);
        }
        var scale = new ReceiverScale(m);
        var g = Occam.Symbolic.Expression.Parse("r - 0.8", ["r"]);

        var refitted = scale.RefitConstants(g, x, h);

        double constant = refitted.Evaluate(new double[1, 1])[0]; // g(0) = −c
        Assert.Equal(-1.3, constant, 0.01);
        Assert.True(scale.MeanAbsoluteResidual(refitted.Evaluate(x), h, out _) < scale.MeanAbsoluteResidual(g.Evaluate(x), h, out _));
    }

    [Fact]
    public void Non_finite_predictions_give_an_infinite_loss_and_bad_masses_are_rejected()
    {
        var rng = new Random(3);
        var m = Masses(100, rng);
        var scale = new ReceiverScale(m);
        var g = new double[100];
        g[7] = double.NaN;

        Assert.Equal(double.PositiveInfinity, scale.Loss(g, new double[100], ReadOnlySpan<double>.Empty));
        m[3] = -1;
        Assert.Contains("positive", Assert.Throws<ArgumentException>(() => new ReceiverScale(m)).Message);
        Assert.Contains("at least", Assert.Throws<ArgumentException>(() => new ReceiverScale([1.0, 2.0])).Message);
    }

    [Fact]
    public void Equal_masses_leave_one_knot_a_single_scale()
    {
        // All receivers alike: the factor is the single least-squares scale Σ h g / Σ g².
        var g = Enumerable.Range(0, 40).Select(i => 0.1 * i - 1).ToArray();
        var h = g.Select((v, i) => 2.5 * v + (i % 2 == 0 ? 0.01 : -0.01)).ToArray();
        var scale = new ReceiverScale(Enumerable.Repeat(1.7, 40).ToArray());

        scale.MeanAbsoluteResidual(g, h, out var factor);

        Assert.Single(factor);
        Assert.Equal(g.Zip(h, (a, b) => a * b).Sum() / g.Sum(v => v * v), factor[0], 1e-9);
    }
}
