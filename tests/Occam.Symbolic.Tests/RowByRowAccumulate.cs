namespace Occam.Symbolic.Tests;

/// <summary>
/// The constant optimiser's loss and Jacobian as they were computed before rows were evaluated in blocks: one row at a
/// time, every node carrying a tangent for every constant. The blocked <c>ConstantOptimizer.Accumulate</c> must give
/// bit-identical results (tests) and is timed against it (bench/Occam.Bench, which compiles this file too).
/// </summary>
internal sealed class RowByRowAccumulate(double[] columns, int rows, double[] y, double[]? w)
{
    double[] val = new double[64];
    double[] der = new double[64 * 4];

    /// <summary>Mean weighted squared error at constants p; with <paramref name="jac"/>, also JᵀWJ and JᵀWr (unnormalised);
    /// with <paramref name="residuals"/>, each row's residual. Columns are feature-major.</summary>
    public double Accumulate(Node[] nodes, double[] p, double[]? jtj, double[]? jtr, bool jac, double[]? residuals)
    {
        int k = p.Length;
        if (val.Length < nodes.Length) { val = new double[nodes.Length * 2]; }
        if (der.Length < nodes.Length * Math.Max(1, k)) der = new double[nodes.Length * Math.Max(1, k) * 2];
        if (jac) { Array.Clear(jtj!, 0, k * k); Array.Clear(jtr!, 0, k); }
        double total = 0, wsum = 0;
        for (int r = 0; r < rows; r++)
        {
            int sp = 0, ci = 0;
            for (int i = 0; i < nodes.Length; i++)
            {
                var n = nodes[i];
                switch (n.Op)
                {
                    case OpCode.Constant:
                        val[sp] = p[ci];
                        if (jac) { var d = der.AsSpan(sp * k, k); d.Clear(); d[ci] = 1; }
                        ci++; sp++;
                        continue;
                    case OpCode.Variable:
                        val[sp] = columns[n.Index * rows + r];
                        if (jac) der.AsSpan(sp * k, k).Clear();
                        sp++;
                        continue;
                }
                if (n.Arity == 1)
                {
                    double x = val[sp - 1];
                    double fx = Operators.Apply(n, x);
                    if (jac)
                    {
                        double dx = ConstantOptimizer.UnaryDerivative(n, x, fx);
                        var d = der.AsSpan((sp - 1) * k, k);
                        for (int j = 0; j < k; j++) d[j] = d[j] == 0 ? 0 : d[j] * dx;
                    }
                    val[sp - 1] = fx;
                }
                else
                {
                    sp--;
                    double av = val[sp - 1], bv = val[sp];
                    double fx = Operators.Apply(n, av, bv);
                    if (jac)
                    {
                        ConstantOptimizer.BinaryDerivative(n, av, bv, fx, out double pa, out double pb);
                        var da = der.AsSpan((sp - 1) * k, k);
                        var db = der.AsSpan(sp * k, k);
                        for (int j = 0; j < k; j++)
                        {
                            double s = 0;
                            if (da[j] != 0) s += da[j] * pa;
                            if (db[j] != 0) s += db[j] * pb;
                            da[j] = s;
                        }
                    }
                    val[sp - 1] = fx;
                }
            }
            double wi = w is null ? 1.0 : w[r];
            double res = val[0] - y[r];
            if (residuals is not null) residuals[r] = res;
            total += wi * res * res;
            wsum += wi;
            if (jac)
            {
                var d = der.AsSpan(0, k);
                for (int a = 0; a < k; a++)
                {
                    double da = d[a] * wi;
                    if (da == 0) continue;
                    jtr![a] += da * res;
                    for (int b = 0; b < k; b++) jtj![a * k + b] += da * d[b];
                }
            }
        }
        double loss = total / Math.Max(wsum, 1e-300);
        if (jac)
        {
            foreach (var v in jtj!) if (!double.IsFinite(v)) return double.PositiveInfinity;
            foreach (var v in jtr!) if (!double.IsFinite(v)) return double.PositiveInfinity;
        }
        return double.IsFinite(loss) ? loss : double.PositiveInfinity;
    }
}
