namespace Occam.Discovery;

/// <summary>Ordinary least squares with an intercept, solved by normal equations in double precision
/// (with a tiny ridge for rank-deficient designs).</summary>
public static class LinearFit
{
    /// <summary>Fits y ≈ X·w + c. Returns the coefficients (length = columns of X, then the constant) and R².</summary>
    public static (double[] Coefficients, double R2) Fit(double[,] x, double[] y)
    {
        int n = x.GetLength(0), p = x.GetLength(1), q = p + 1;
        if (y.Length != n) throw new ArgumentException($"x has {n} rows but y has {y.Length}");
        if (n == 0) throw new ArgumentException("no rows to fit");
        // Centre the columns for conditioning.
        var meanX = new double[p];
        double meanY = 0;
        for (int i = 0; i < n; i++)
        {
            meanY += y[i];
            for (int j = 0; j < p; j++) meanX[j] += x[i, j];
        }
        meanY /= n;
        for (int j = 0; j < p; j++) meanX[j] /= n;
        var a = new double[p, p];
        var b = new double[p];
        for (int i = 0; i < n; i++)
        {
            double yi = y[i] - meanY;
            for (int j = 0; j < p; j++)
            {
                double xj = x[i, j] - meanX[j];
                b[j] += xj * yi;
                for (int k = j; k < p; k++) a[j, k] += xj * (x[i, k] - meanX[k]);
            }
        }
        for (int j = 0; j < p; j++)
        {
            for (int k = 0; k < j; k++) a[j, k] = a[k, j];
        }
        double trace = 0;
        for (int j = 0; j < p; j++) trace += a[j, j];
        for (int j = 0; j < p; j++) a[j, j] += 1e-12 * (trace / Math.Max(1, p) + 1e-300);
        var w = Solve(a, b);
        double c = meanY;
        for (int j = 0; j < p; j++) c -= w[j] * meanX[j];
        double ssRes = 0, ssTot = 0;
        for (int i = 0; i < n; i++)
        {
            double pred = c;
            for (int j = 0; j < p; j++) pred += w[j] * x[i, j];
            ssRes += (y[i] - pred) * (y[i] - pred);
            ssTot += (y[i] - meanY) * (y[i] - meanY);
        }
        var coefficients = new double[q];
        Array.Copy(w, coefficients, p);
        coefficients[p] = c;
        return (coefficients, R2(ssRes, ssTot));
    }

    /// <summary>Predictions X·w + c for coefficients from <see cref="Fit"/>.</summary>
    public static double[] Predict(double[,] x, double[] coefficients)
    {
        int n = x.GetLength(0), p = x.GetLength(1);
        var result = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = coefficients[p];
            for (int j = 0; j < p; j++) s += coefficients[j] * x[i, j];
            result[i] = s;
        }
        return result;
    }

    /// <summary>Coefficient of determination of predictions against targets.</summary>
    public static double RSquared(ReadOnlySpan<double> target, ReadOnlySpan<double> prediction)
    {
        double mean = 0;
        foreach (var t in target) mean += t;
        mean /= target.Length;
        double ssRes = 0, ssTot = 0;
        for (int i = 0; i < target.Length; i++)
        {
            ssRes += (target[i] - prediction[i]) * (target[i] - prediction[i]);
            ssTot += (target[i] - mean) * (target[i] - mean);
        }
        return R2(ssRes, ssTot);
    }

    /// <summary>1 − SS_res / SS_tot; 0 for a target without variance: a constant (e.g. a dead message component) explains
    /// nothing, and calling its trivial fit perfect would put R² 1 in the tables.</summary>
    static double R2(double ssRes, double ssTot) => ssTot > 0 ? 1 - ssRes / ssTot : 0;

    /// <summary>Solves a small dense system by Gaussian elimination with partial pivoting.</summary>
    internal static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var r = (double[])b.Clone();
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int i = col + 1; i < n; i++)
                if (Math.Abs(m[i, col]) > Math.Abs(m[pivot, col])) pivot = i;
            if (pivot != col)
            {
                for (int k = 0; k < n; k++) (m[col, k], m[pivot, k]) = (m[pivot, k], m[col, k]);
                (r[col], r[pivot]) = (r[pivot], r[col]);
            }
            double d = m[col, col];
            if (d == 0) continue;
            for (int i = col + 1; i < n; i++)
            {
                double f = m[i, col] / d;
                if (f == 0) continue;
                for (int k = col; k < n; k++) m[i, k] -= f * m[col, k];
                r[i] -= f * r[col];
            }
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double s = r[i];
            for (int k = i + 1; k < n; k++) s -= m[i, k] * x[k];
            x[i] = m[i, i] == 0 ? 0 : s / m[i, i];
        }
        return x;
    }
}
