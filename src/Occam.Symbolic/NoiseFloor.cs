namespace Occam.Symbolic;

/// <summary>
/// The noise variance of a data set as the Gamma test estimates it, with whether that estimate can be trusted.
/// </summary>
/// <param name="Variance">The intercept Γ of γ(δ) at δ → 0 from the means (0 when it comes out negative): the variance of the
/// target's noise, were y a smooth function of the inputs plus independent noise.</param>
/// <param name="NearestHalfSquare">γ at the first neighbour (from means): half the mean squared target difference between
/// nearest neighbours, what noise and the function's own variation add up to at the data's resolution.</param>
/// <param name="Rows">Rows the estimate used.</param>
/// <param name="Resolved">True when noise makes up at least 80 % of the nearest-neighbour differences (Γ ≥ 0.8·γ₁) by both
/// the means and the medians. Below that the function's own variation between neighbours weighs in and the intercept
/// carries its curvature (a steep 1/r² law with 10 % noise gives a mean-based Γ 1.5× the noise variance at a share of
/// 0.58); it is not used.</param>
public sealed record NoiseEstimate(double Variance, double NearestHalfSquare, int Rows, bool Resolved);

/// <summary>
/// Estimates the noise floor of regression data by the Gamma test (Stefánsson, Končar and Jones 1997): for each row
/// its k nearest neighbours in the standardised inputs (k = 1…10), then δ(k) = mean squared input distance to the k-th
/// neighbour and γ(k) = half the mean squared target difference to it. For y = f(x) + noise with f smooth,
/// γ(k) ≈ Γ + A·δ(k), and the intercept Γ estimates the noise variance. A search can stop once its best equation's
/// mean squared error reaches it: no equation can do better on new data.
/// </summary>
public static class NoiseFloor
{
    /// <summary>Neighbours per row.</summary>
    public const int Neighbours = 10;
    /// <summary>Most rows used (a fixed, evenly strided subset of larger data): the test is O(rows² · inputs).</summary>
    public const int MaxRows = 1000;

    /// <summary>The Gamma-test estimate over columns (one array per input, all of y's length).</summary>
    public static NoiseEstimate Estimate(IReadOnlyList<double[]> columns, double[] y)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(y);
        int n = Math.Min(y.Length, MaxRows), d = columns.Count;
        if (n <= Neighbours + 1) return new NoiseEstimate(0, 0, n, false);
        var rows = new int[n];
        for (int i = 0; i < n; i++) rows[i] = (int)((long)i * y.Length / n);
        // standardised inputs, row-major; constant inputs drop out
        var x = new double[n * d];
        for (int f = 0; f < d; f++)
        {
            double mean = 0, sq = 0;
            foreach (int r in rows) mean += columns[f][r];
            mean /= n;
            foreach (int r in rows) sq += (columns[f][r] - mean) * (columns[f][r] - mean);
            double scale = sq > 0 ? 1 / Math.Sqrt(sq / n) : 0;
            for (int i = 0; i < n; i++) x[i * d + f] = (columns[f][rows[i]] - mean) * scale;
        }
        var deltas = new double[Neighbours][];
        var gammas = new double[Neighbours][];
        for (int k = 0; k < Neighbours; k++) { deltas[k] = new double[n]; gammas[k] = new double[n]; }
        var bestD = new double[Neighbours];
        var bestJ = new int[Neighbours];
        for (int i = 0; i < n; i++)
        {
            Array.Fill(bestD, double.PositiveInfinity);
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double dist = 0;
                for (int f = 0; f < d; f++) { double t = x[i * d + f] - x[j * d + f]; dist += t * t; }
                if (dist >= bestD[Neighbours - 1]) continue;
                int k = Neighbours - 1; // insertion into the sorted list of the nearest so far
                while (k > 0 && bestD[k - 1] > dist) { bestD[k] = bestD[k - 1]; bestJ[k] = bestJ[k - 1]; k--; }
                bestD[k] = dist;
                bestJ[k] = j;
            }
            double yi = y[rows[i]];
            for (int k = 0; k < Neighbours; k++)
            {
                double dy = yi - y[rows[bestJ[k]]];
                deltas[k][i] = bestD[k];
                gammas[k][i] = 0.5 * dy * dy;
            }
        }
        // Two estimates: from the means of δ and γ (unbiased for noise, but a steep corner of the function, 1/r² near small
        // r, can dominate it) and from their medians (robust to such corners, noisier; for Gaussian noise ½Δy² is σ²·χ²₁,
        // whose median is 0.4549σ²). Noise counts as resolved only where both say it dominates; the level is the means'.
        var (meanLevel, meanNearest) = Intercept(deltas, gammas, v => v.Average(), 1);
        var (medianLevel, medianNearest) = Intercept(deltas, gammas, Median, ChiSquareOneMedian);
        bool resolved = meanLevel > 0 && meanLevel >= ResolvedShare * meanNearest && medianLevel >= ResolvedShare * medianNearest;
        return new NoiseEstimate(meanLevel, meanNearest, n, resolved);
    }

    /// <summary>The share of the nearest-neighbour differences noise must make up to be used.</summary>
    const double ResolvedShare = 0.8;

    /// <summary>The intercept Γ (at least 0) of the least-squares line γ = Γ + A·δ through the neighbours' summaries, and γ at
    /// the first neighbour.</summary>
    static (double Level, double Nearest) Intercept(double[][] deltas, double[][] gammas, Func<double[], double> summary, double scale)
    {
        int m = deltas.Length;
        var delta = new double[m];
        var gamma = new double[m];
        for (int k = 0; k < m; k++) { delta[k] = summary(deltas[k]); gamma[k] = summary(gammas[k]) / scale; }
        double md = delta.Average(), mg = gamma.Average(), sdd = 0, sdg = 0;
        for (int k = 0; k < m; k++) { sdd += (delta[k] - md) * (delta[k] - md); sdg += (delta[k] - md) * (gamma[k] - mg); }
        double intercept = sdd > 0 ? mg - sdg / sdd * md : mg;
        return (double.IsFinite(intercept) ? Math.Max(0, intercept) : 0, gamma[0]);
    }

    /// <summary>The median of the χ² distribution with one degree of freedom.</summary>
    const double ChiSquareOneMedian = 0.454936423119572;

    static double Median(double[] values)
    {
        values = (double[])values.Clone();
        Array.Sort(values);
        int m = values.Length / 2;
        return values.Length % 2 == 1 ? values[m] : 0.5 * (values[m - 1] + values[m]);
    }
}
