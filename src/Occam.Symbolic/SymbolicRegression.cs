namespace Occam.Symbolic;

/// <summary>
/// Symbolic regression façade: <c>SymbolicRegression.Fit(x, y, options)</c> searches for equations y ≈ f(x) and returns
/// the Pareto front of complexity against loss.
/// </summary>
public static class SymbolicRegression
{
    /// <summary>Fits equations to rows of <paramref name="x"/> (rows × features) and targets <paramref name="y"/>.</summary>
    public static SymbolicRegressionResult Fit(double[,] x, double[] y, SymbolicRegressionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        options ??= new SymbolicRegressionOptions();
        options.Validate();
        int rows = x.GetLength(0), features = x.GetLength(1);
        if (rows == 0) throw new ArgumentException("no data: x has zero rows");
        if (y.Length != rows) throw new ArgumentException($"y has {y.Length} entries but x has {rows} rows");
        for (int r = 0; r < rows; r++)
        {
            for (int f = 0; f < features; f++)
                if (!double.IsFinite(x[r, f])) throw new ArgumentException($"x[{r}, {f}] is {x[r, f]} (row {r}, column {f}); remove non-finite rows");
            if (!double.IsFinite(y[r])) throw new ArgumentException($"y[{r}] is {y[r]}; remove non-finite rows");
        }
        var names = options.VariableNames ?? Enumerable.Range(0, features).Select(i => $"x{i}").ToArray();
        if (names.Count != features) throw new ArgumentException($"VariableNames has {names.Count} names but x has {features} columns");
        double[]? w = null;
        if (options.Weights is not null)
        {
            if (options.Weights.Count != rows) throw new ArgumentException($"Weights has {options.Weights.Count} entries but x has {rows} rows");
            w = options.Weights.ToArray();
            if (w.Any(v => !double.IsFinite(v) || v < 0)) throw new ArgumentException("Weights must be finite and non-negative");
        }
        var data = Dataset<double>.FromRows(x, y, w);
        var warm = new List<Expression>(options.WarmStart ?? []);
        if (options.HallOfFameFile is not null && File.Exists(options.HallOfFameFile))
            warm.AddRange(HallOfFameFile.Load(options.HallOfFameFile, names, options.CustomOperators));
        var search = new Search(data, options, names);
        var result = search.Run(warm);
        if (options.HallOfFameFile is not null) HallOfFameFile.Save(options.HallOfFameFile, result.Pareto, result.Best);
        return result;
    }

    /// <summary>Fits on columns (one array per feature).</summary>
    public static SymbolicRegressionResult Fit(IReadOnlyList<double[]> columns, double[] y, SymbolicRegressionOptions? options = null)
    {
        var x = new double[y.Length, columns.Count];
        for (int f = 0; f < columns.Count; f++)
        {
            if (columns[f].Length != y.Length) throw new ArgumentException($"column {f} has {columns[f].Length} rows but y has {y.Length}");
            for (int r = 0; r < y.Length; r++) x[r, f] = columns[f][r];
        }
        return Fit(x, y, options);
    }

    /// <summary>
    /// Fits the constants of a fixed expression to data by Levenberg–Marquardt (exact forward-mode Jacobian) with
    /// random restarts; returns the fitted expression and its loss. With <paramref name="loss"/> = L1 the constants
    /// minimise the mean absolute error (iteratively reweighted least squares) and the L1 loss is returned; otherwise the
    /// mean squared error. <paramref name="weights"/> (one per row, non-negative) weight both.
    /// </summary>
    public static (Expression Expression, double Loss) FitConstants(Expression expression, double[,] x, double[] y,
        int iterations = 100, int restarts = 4, int seed = 0, LossKind loss = LossKind.L2, double[]? weights = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.MaxVariableIndex >= x.GetLength(1))
            throw new ArgumentException($"expression uses variable {expression.MaxVariableIndex} but x has {x.GetLength(1)} columns");
        if (weights is not null && weights.Any(v => !double.IsFinite(v) || v < 0)) throw new ArgumentException("weights must be finite and non-negative");
        var data = Dataset<double>.FromRows(x, y, weights);
        var nodes = expression.NodeArray.ToArray();
        var operators = expression.CustomOperators;
        new ConstantOptimizer(data, loss == LossKind.L1, operators: operators).Optimize(nodes, new Rng(Rng.Mix((ulong)(uint)seed, 0xF17)), iterations, restarts, out _);
        var fitted = new Expression(nodes, expression.VariableNames, operators, trusted: true);
        return (fitted, new Evaluator<double>(operators: operators).Loss(nodes, data, loss == LossKind.L1 ? LossKind.L1 : LossKind.L2));
    }

    /// <summary>
    /// Fits the constants of a fixed expression to minimise any function of it, <paramref name="loss"/>, by a compass search
    /// over each constant in turn (the one that fits thresholds and custom losses), for at most <paramref name="passes"/>
    /// passes or until a pass moves nothing. Needs no derivatives and no rows: the loss may sum the expression over
    /// groups of rows, say, which no per-row residual expresses. Returns the fitted expression and its loss (the input
    /// unchanged, with its loss, when that is not finite or nothing improves it).
    /// </summary>
    public static (Expression Expression, double Loss) FitConstants(Expression expression, Func<Expression, double> loss, int passes = 10)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(loss);
        if (passes < 1) throw new ArgumentOutOfRangeException(nameof(passes), $"passes must be at least 1, got {passes}");
        var p = expression.Constants;
        double Safe(double[] q)
        {
            double l = loss(expression.WithConstants(q));
            return double.IsNaN(l) ? double.PositiveInfinity : l;
        }
        double current = Safe(p);
        long evaluations = 1;
        for (int pass = 0; pass < passes && p.Length > 0; pass++)
        {
            bool moved = false;
            for (int j = 0; j < p.Length; j++) moved |= ConstantOptimizer.Compass(p, j, Safe, ref current, ref evaluations, 1e-6);
            if (!moved) break;
        }
        return (expression.WithConstants(p), current);
    }
}
