namespace Occam.Physics.Rigid;

/// <summary>
/// Whether A·x = b has a solution with x ≥ 0: phase one of the simplex method on a dense tableau (one artificial
/// variable per row, minimise their sum; Bland's rule, so it cannot cycle). Sized for small problems (hundreds of
/// variables), which is what a tower's contact forces are.
/// </summary>
internal static class LinearFeasibility
{
    /// <summary>A non-negative solution, or null when there is none (within a tolerance relative to |b|).</summary>
    public static double[]? Solve(double[,] a, double[] b, double tolerance = 1e-9)
    {
        int rows = a.GetLength(0), columns = a.GetLength(1);
        if (b.Length != rows) throw new ArgumentException($"A has {rows} rows but b has {b.Length} entries.");
        int width = columns + rows + 1; // variables, artificials, right-hand side
        var t = new double[rows + 1, width];
        double scale = 1;
        for (int i = 0; i < rows; i++)
        {
            double sign = b[i] < 0 ? -1 : 1;
            for (int j = 0; j < columns; j++) t[i, j] = sign * a[i, j];
            t[i, columns + i] = 1;
            t[i, width - 1] = sign * b[i];
            scale = Math.Max(scale, Math.Abs(b[i]));
        }
        // Objective row: minimise Σ artificials, written as reduced costs of the starting basis (the artificials).
        for (int j = 0; j < width; j++)
        {
            if (j >= columns && j < columns + rows) continue;
            double sum = 0;
            for (int i = 0; i < rows; i++) sum += t[i, j];
            t[rows, j] = -sum;
        }
        var basis = new int[rows];
        for (int i = 0; i < rows; i++) basis[i] = columns + i;
        double eps = 1e-12 * scale;

        for (int iteration = 0; iteration < 50 * (rows + columns); iteration++)
        {
            int enter = -1;
            for (int j = 0; j < width - 1; j++)
                if (t[rows, j] < -1e-11) { enter = j; break; } // Bland: the first improving column
            if (enter < 0) break;
            int leave = -1;
            double bestRatio = double.PositiveInfinity;
            for (int i = 0; i < rows; i++)
            {
                if (t[i, enter] <= 1e-11) continue;
                double ratio = t[i, width - 1] / t[i, enter];
                if (ratio < bestRatio - eps || (Math.Abs(ratio - bestRatio) <= eps && basis[i] < basis[leave]))
                {
                    bestRatio = ratio;
                    leave = i;
                }
            }
            if (leave < 0) break; // unbounded cannot happen in phase one; stop defensively
            Pivot(t, leave, enter);
            basis[leave] = enter;
        }
        if (-t[rows, width - 1] > tolerance * scale) return null;
        var x = new double[columns];
        for (int i = 0; i < rows; i++)
            if (basis[i] < columns) x[basis[i]] = Math.Max(0, t[i, width - 1]);
        return x;
    }

    static void Pivot(double[,] t, int row, int column)
    {
        int height = t.GetLength(0), width = t.GetLength(1);
        double pivot = t[row, column];
        for (int j = 0; j < width; j++) t[row, j] /= pivot;
        for (int i = 0; i < height; i++)
        {
            if (i == row) continue;
            double factor = t[i, column];
            if (factor == 0) continue;
            for (int j = 0; j < width; j++) t[i, j] -= factor * t[row, j];
        }
    }
}
