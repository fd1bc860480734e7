using MathNet.Numerics.LinearAlgebra;

namespace Occam.Discovery;

/// <summary>
/// A linear map of message components onto axes along which they behave like a central force. The trained messages are
/// (close to) a linear map of the pair force, m = A·F + c; for a central force F ∥ Δx, so u = B·m + t with B·A = s·I
/// satisfies u × Δx = 0 on every edge. That condition is linear and homogeneous in (B, t): minimising its weighted sum
/// of squares relative to that of ‖u‖² (a generalised symmetric eigenproblem) gives them without knowing the law. Each
/// axis of u is then f(r, m, q)·Δx_a, the same function times one coordinate, which is far easier for the symbolic
/// regression than a component that mixes coordinates with arbitrary weights, (a·Δx + b·Δy)·f. With more components
/// than dimensions (L1 messages that are not yet sparse) the map gathers the force from all of them.
/// </summary>
/// <param name="Map">B (dim × k): row a gives axis a as a combination of the k standardised components.</param>
/// <param name="Offset">t (dim).</param>
/// <param name="Mean">Mean of each component (the standardisation's centre).</param>
/// <param name="Scale">Standard deviation of each component (the standardisation's scale).</param>
/// <param name="Misalignment">Weighted fraction of ‖u‖² perpendicular to Δx: 0 for an exactly central force.</param>
/// <param name="Condition">Square root of the condition number of the axes' covariance over the edges; large means the
/// axes are not independent.</param>
public sealed record ForceFrame(double[,] Map, double[] Offset, double[] Mean, double[] Scale, double Misalignment, double Condition)
{
    /// <summary>Which message components the columns were (set by the caller; reported).</summary>
    public int[] Components { get; init; } = [];

    /// <summary>Axes are used only when at most this fraction of their weight is perpendicular to Δx.</summary>
    public const double MaxMisalignment = 0.05;

    /// <summary>Axes are used only when <see cref="Condition"/> is below this.</summary>
    public const double MaxCondition = 1e3;

    /// <summary>True when the components behave like a central force in these axes (and the map is invertible).</summary>
    public bool Usable => Misalignment <= MaxMisalignment && Condition <= MaxCondition;

    /// <summary>
    /// Fits the frame to <paramref name="components"/> (edges × k, k ≥ dim) and the separations <paramref name="delta"/>
    /// (edges × dim). Each edge's equations are scaled to unit weight, so the few close pairs with huge messages do not
    /// decide the fit.
    /// </summary>
    public static ForceFrame Fit(double[,] components, double[,] delta)
    {
        int n = components.GetLength(0), k = components.GetLength(1), dim = delta.GetLength(1);
        if (k < dim) throw new ArgumentException($"a force frame needs at least as many components as dimensions, got {k} for {dim}D");
        if (delta.GetLength(0) != n) throw new ArgumentException($"{n} component rows but {delta.GetLength(0)} separations");
        var mean = new double[k];
        var scale = new double[k];
        for (int j = 0; j < k; j++)
        {
            double s = 0, s2 = 0;
            for (int i = 0; i < n; i++) { s += components[i, j]; s2 += components[i, j] * components[i, j]; }
            mean[j] = s / n;
            scale[j] = Math.Sqrt(Math.Max(s2 / n - mean[j] * mean[j], 0));
            if (!(scale[j] > 0)) scale[j] = 1;
        }
        // Minimise Σ w‖u × Δx̂‖² subject to Σ w‖u‖² = 1 over W = [B t] (axis-major): M y = λ N y, N = I_dim ⊗ P.
        int p = k + 1, unknowns = dim * p;
        var cross = Matrix<double>.Build.Dense(unknowns, unknowns);
        var gram = Matrix<double>.Build.Dense(p, p);
        var features = new double[p];
        var unit = new double[dim];
        for (int i = 0; i < n; i++)
        {
            if (!Features(components, delta, mean, scale, i, features, unit, out double weight)) continue;
            foreach (var row in CrossRows(features, unit))
                for (int a = 0; a < unknowns; a++)
                {
                    if (row[a] == 0) continue;
                    for (int b = 0; b < unknowns; b++) cross[a, b] += weight * row[a] * row[b];
                }
            for (int a = 0; a < p; a++)
                for (int b = 0; b < p; b++) gram[a, b] += weight * features[a] * features[b];
        }
        // Whiten with P's eigenvectors, leaving out directions the data do not span (components that duplicate each other).
        var gramEvd = gram.Evd(Symmetricity.Symmetric);
        double largest = gramEvd.EigenValues[p - 1].Real;
        var kept = Enumerable.Range(0, p).Where(i => gramEvd.EigenValues[i].Real > 1e-10 * largest).ToArray();
        var reduce = Matrix<double>.Build.Dense(kept.Length, p);   // T = Λ^(-1/2)·Vᵀ on the kept directions
        for (int r = 0; r < kept.Length; r++)
            reduce.SetRow(r, gramEvd.EigenVectors.Column(kept[r]) / Math.Sqrt(gramEvd.EigenValues[kept[r]].Real));
        var whiten = Matrix<double>.Build.Dense(dim * kept.Length, unknowns);
        for (int a = 0; a < dim; a++) whiten.SetSubMatrix(a * kept.Length, a * p, reduce);
        var evd = (whiten * cross * whiten.Transpose()).Evd(Symmetricity.Symmetric);
        var w = (whiten.Transpose() * evd.EigenVectors.Column(0)).ToArray();   // eigenvalues ascending
        double misalignment = Math.Max(0, evd.EigenValues[0].Real);
        var map = new double[dim, k];
        var offset = new double[dim];
        for (int a = 0; a < dim; a++)
        {
            for (int j = 0; j < k; j++) map[a, j] = w[a * p + j];
            offset[a] = w[a * p + k];
        }
        // Sign: make u point along Δx on average. Condition: of the axes' covariance on the edges (independent axes, as
        // for a force that points every way, give a small one; a sign flip leaves it unchanged).
        var frame = new ForceFrame(map, offset, mean, scale, misalignment, double.PositiveInfinity);
        var u = frame.Apply(components);
        double along = 0;
        var covariance = new double[dim, dim];
        var sum = new double[dim];
        int used = 0;
        for (int i = 0; i < n; i++)
        {
            if (!Features(components, delta, mean, scale, i, features, unit, out _)) continue;
            used++;
            for (int a = 0; a < dim; a++)
            {
                along += u[i, a] * unit[a];
                sum[a] += u[i, a];
                for (int b = 0; b < dim; b++) covariance[a, b] += u[i, a] * u[i, b];
            }
        }
        if (along < 0) // flips the frame's own arrays
        {
            for (int a = 0; a < dim; a++)
            {
                offset[a] = -offset[a];
                for (int j = 0; j < k; j++) map[a, j] = -map[a, j];
            }
        }
        for (int a = 0; a < dim; a++)
            for (int b = 0; b < dim; b++) covariance[a, b] = covariance[a, b] / Math.Max(1, used) - sum[a] * sum[b] / ((double)used * used);
        var spread = Matrix<double>.Build.DenseOfArray(covariance).Evd(Symmetricity.Symmetric).EigenValues;
        return frame with { Condition = spread[0].Real > 0 ? Math.Sqrt(spread[dim - 1].Real / spread[0].Real) : double.PositiveInfinity };
    }

    /// <summary>The axes u = B·((m − mean) / scale) + t for every row of <paramref name="components"/> (edges × dim).</summary>
    public double[,] Apply(double[,] components)
    {
        int n = components.GetLength(0), k = Mean.Length, dim = Offset.Length;
        var u = new double[n, dim];
        for (int i = 0; i < n; i++)
            for (int a = 0; a < dim; a++)
            {
                double v = Offset[a];
                for (int j = 0; j < k; j++) v += Map[a, j] * (components[i, j] - Mean[j]) / Scale[j];
                u[i, a] = v;
            }
        return u;
    }

    /// <summary>Row i's standardised components with a trailing 1, the unit separation, and the row's weight
    /// (1 / ‖features‖², so every edge counts alike). False for a row that cannot be used (zero separation, non-finite).</summary>
    static bool Features(double[,] components, double[,] delta, double[] mean, double[] scale, int i, double[] features, double[] unit, out double weight)
    {
        int k = mean.Length, dim = unit.Length;
        weight = 0;
        double r2 = 0;
        for (int a = 0; a < dim; a++) r2 += delta[i, a] * delta[i, a];
        if (!(r2 > 0) || !double.IsFinite(r2)) return false;
        double r = Math.Sqrt(r2), f2 = 1;
        for (int a = 0; a < dim; a++) unit[a] = delta[i, a] / r;
        for (int j = 0; j < k; j++)
        {
            features[j] = (components[i, j] - mean[j]) / scale[j];
            if (!double.IsFinite(features[j])) return false;
            f2 += features[j] * features[j];
        }
        features[k] = 1;
        weight = 1 / f2;
        return true;
    }

    /// <summary>The coefficient rows (over the unknowns W[a, ·], axis-major) of the cross product (W·features) × unit:
    /// one row in 2D, three in 3D.</summary>
    static IEnumerable<double[]> CrossRows(double[] features, double[] unit)
    {
        int p = features.Length, dim = unit.Length;
        double[] Row(int a, double ca, int b, double cb)
        {
            // ca·u_a + cb·u_b, with u_a = Σ_j W[a, j]·features[j]
            var row = new double[dim * p];
            for (int j = 0; j < p; j++) { row[a * p + j] += ca * features[j]; row[b * p + j] += cb * features[j]; }
            return row;
        }
        if (dim == 2)
        {
            yield return Row(0, unit[1], 1, -unit[0]);                // u_x·ŷ − u_y·x̂
            yield break;
        }
        yield return Row(1, unit[2], 2, -unit[1]);                    // u_y·ẑ − u_z·ŷ
        yield return Row(2, unit[0], 0, -unit[2]);                    // u_z·x̂ − u_x·ẑ
        yield return Row(0, unit[1], 1, -unit[0]);                    // u_x·ŷ − u_y·x̂
    }
}
