namespace Occam.Symbolic.Tests;

public sealed class ConstantOptimizerTests
{
    static Dataset<double> Data(Func<double[], double> f, int rows, int features, int seed, double lo, double hi)
    {
        var rng = new Random(seed);
        var x = new double[rows, features];
        var y = new double[rows];
        var p = new double[features];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < features; j++) p[j] = x[r, j] = lo + (hi - lo) * rng.NextDouble();
            y[r] = f(p);
        }
        return Dataset<double>.FromRows(x, y);
    }

    [Theory]
    [InlineData("1 * x0 + 1", "x0", 2.5, -1.25)]
    [InlineData("1 * exp(1 * x0)", "x0", 0.7, -1.3)]
    [InlineData("1 * sin(1 * x0 + 0.5)", "x0", 1.9, 2.1)]
    [InlineData("1 / (x0 + 1)", "x0", 3.0, 0.5)]
    public void Levenberg_marquardt_recovers_the_constants_of_known_forms(string form, string variable, double a, double b)
    {
        Func<double[], double> truth = form switch
        {
            "1 * x0 + 1" => v => a * v[0] + b,
            "1 * exp(1 * x0)" => v => a * Math.Exp(b * v[0]),
            "1 * sin(1 * x0 + 0.5)" => v => a * Math.Sin(b * v[0] + 0.5),
            _ => v => a / (v[0] + b),
        };
        var data = Data(truth, 100, 1, 1, 0.1, 2);
        var nodes = Expression.Parse(form, [variable]).NodeArray.ToArray();
        var opt = new ConstantOptimizer(data);
        double loss = opt.Optimize(nodes, new Rng(3), 50, 4, out long _);
        var fitted = new Expression(nodes);
        Assert.True(loss < 1e-16, $"{fitted.ToInfix()} loss {loss}");
        var c = fitted.Constants;
        Assert.Equal(a, c[0], 1e-6);
        Assert.Equal(b, c[1], 1e-6);
    }

    [Fact]
    public void Least_absolute_fit_ignores_outliers_that_pull_the_least_squares_fit()
    {
        // 90 % of the rows lie exactly on y = 2.5 x0 − 1.25, 10 % are gross outliers (+40): the least-absolute-error
        // line is the exact line (it interpolates the majority), the least-squares line is pulled far off it.
        var rng = new Random(5);
        var x = new double[200, 1];
        var y = new double[200];
        for (int r = 0; r < 200; r++)
        {
            x[r, 0] = 4 * rng.NextDouble() - 2;
            y[r] = 2.5 * x[r, 0] - 1.25 + (r % 10 == 0 ? 40 : 0);
        }
        var form = Expression.Parse("1 * x0 + 1", ["x0"]);
        var (l1, l1Loss) = SymbolicRegression.FitConstants(form, x, y, loss: LossKind.L1);
        var (l2, _) = SymbolicRegression.FitConstants(form, x, y);
        Assert.Equal(2.5, l1.Constants[0], 1e-3);
        Assert.Equal(-1.25, l1.Constants[1], 1e-3);
        Assert.Equal(0.1 * 40, l1Loss, 1e-2); // the mean absolute error is the outliers' share
        Assert.True(Math.Abs(l2.Constants[1] - -1.25) > 1, $"least squares intercept {l2.Constants[1]}");
    }

    [Fact]
    public void Zero_weights_drop_rows_from_a_least_squares_fit()
    {
        // The outliers of the test above, weighted 0: least squares then finds the exact line, and its loss is 0.
        var rng = new Random(5);
        var x = new double[200, 1];
        var y = new double[200];
        var w = new double[200];
        for (int r = 0; r < 200; r++)
        {
            x[r, 0] = 4 * rng.NextDouble() - 2;
            y[r] = 2.5 * x[r, 0] - 1.25 + (r % 10 == 0 ? 40 : 0);
            w[r] = r % 10 == 0 ? 0 : 1 + rng.NextDouble();
        }
        var (fit, loss) = SymbolicRegression.FitConstants(Expression.Parse("1 * x0 + 1", ["x0"]), x, y, weights: w);
        Assert.Equal(2.5, fit.Constants[0], 1e-9);
        Assert.Equal(-1.25, fit.Constants[1], 1e-9);
        Assert.True(loss < 1e-18, $"loss {loss}");
        w[3] = double.NaN;
        Assert.Throws<ArgumentException>(() => SymbolicRegression.FitConstants(Expression.Parse("x0", ["x0"]), x, y, weights: w));
    }

    [Theory]
    [InlineData(LossKind.L2)]
    [InlineData(LossKind.L1)]
    public void A_conditional_threshold_is_fitted_although_the_loss_has_no_gradient_in_it(LossKind loss)
    {
        // y = cond(x0 − 1.7, 2 x0 − 1) on a grid of spacing 0.01 that skips 1.7 (… 1.695, 1.705 …): every threshold in
        // (1.695, 1.705) classifies the rows exactly, and then the value's constants are exact too. From a threshold of
        // 1.3 the derivative of the loss in it is zero, so only a derivative-free step can move it.
        var x = new double[400, 1];
        var y = new double[400];
        for (int r = 0; r < 400; r++)
        {
            x[r, 0] = 0.005 + 0.01 * r;
            y[r] = x[r, 0] > 1.7 ? 2 * x[r, 0] - 1 : 0;
        }
        var (fit, fitLoss) = SymbolicRegression.FitConstants(Expression.Parse("cond(x0 - 1.3, 1 * x0 + 1)", ["x0"]), x, y, loss: loss);
        var c = fit.Constants;
        Assert.InRange(c[0], 1.695, 1.705);
        Assert.Equal(2, c[1], 1e-6);
        Assert.Equal(-1, c[2], 1e-6);
        Assert.True(fitLoss < 1e-6, $"{fit.ToInfix()}: loss {fitLoss}");
    }

    [Fact]
    public void Constants_are_fitted_to_a_loss_that_sums_the_expression_over_groups_of_rows()
    {
        // Targets are sums of g(x) = 2x − 0.5 over groups of three x: no per-row target exists, so only a loss on the
        // whole expression can fit it. The exact constants (2, −0.5) make the loss 0; from (1, 1) the compass search must
        // reach them to within 1e-4.
        var groups = new[] { new[] { -1.0, 0.2, 0.5 }, new[] { 0.3, 0.9, -0.4 }, new[] { 1.5, -0.7, 0.1 }, new[] { -1.2, -0.3, 0.8 } };
        var targets = groups.Select(g => g.Sum(x => 2 * x - 0.5)).ToArray();
        double Loss(Expression e) => groups.Select((g, k) => Math.Pow(g.Sum(x => e.Evaluate([x])) - targets[k], 2)).Sum();
        var (fit, loss) = SymbolicRegression.FitConstants(Expression.Parse("1 * x0 + 1", ["x0"]), Loss, passes: 50);
        Assert.Equal(2, fit.Constants[0], 1e-4);
        Assert.Equal(-0.5, fit.Constants[1], 1e-4);
        Assert.Equal(Loss(fit), loss, 1e-12);
        Assert.True(loss < 1e-7, $"{fit.ToInfix()}: loss {loss}");
        // A loss that is never finite leaves the expression as it was.
        var (same, inf) = SymbolicRegression.FitConstants(Expression.Parse("1 * x0 + 1", ["x0"]), _ => double.NaN);
        Assert.Equal([1.0, 1.0], same.Constants);
        Assert.Equal(double.PositiveInfinity, inf);
    }

    [Fact]
    public void Forward_mode_jacobian_matches_finite_differences_through_every_operator()
    {
        // the optimiser's derivative rules, checked one operator at a time against central differences
        var ops = Enum.GetValues<OpCode>().Where(o => o is not (OpCode.Constant or OpCode.Variable or OpCode.CustomUnary or OpCode.CustomBinary
            or OpCode.Greater or OpCode.Cond or OpCode.Step));
        foreach (var op in ops)
        {
            var n = new Node(op);
            foreach (var a in new[] { 0.3, 1.7 })
            {
                const double h = 1e-6;
                if (n.Arity == 1)
                {
                    double f = Operators.Apply(n, a);
                    double fd = (Operators.Apply(n, a + h) - Operators.Apply(n, a - h)) / (2 * h);
                    Assert.Equal(fd, ConstantOptimizer.UnaryDerivative(n, a, f), 1e-5 * (1 + Math.Abs(fd)));
                }
                else
                {
                    double b = 0.9;
                    double f = Operators.Apply(n, a, b);
                    ConstantOptimizer.BinaryDerivative(n, a, b, f, out double pa, out double pb);
                    Assert.Equal((Operators.Apply(n, a + h, b) - Operators.Apply(n, a - h, b)) / (2 * h), pa, 1e-5);
                    Assert.Equal((Operators.Apply(n, a, b + h) - Operators.Apply(n, a, b - h)) / (2 * h), pb, 1e-5);
                }
            }
        }
    }

    [Fact]
    public void Blocked_loss_and_jacobian_equal_the_row_by_row_reference_on_random_trees()
    {
        // Row counts around the block of 256 rows and the SIMD width of 8; random trees over every built-in operator, so
        // many rows overflow or leave the domain (NaN, ±∞), and constants of both signs and many magnitudes.
        var rng = new Random(11);
        int compared = 0, finite = 0;
        foreach (int rows in new[] { 1, 7, 9, 64, 255, 256, 257, 600 })
            foreach (bool weighted in new[] { false, true })
            {
                var x = new double[rows, 3];
                var y = new double[rows];
                var weights = new double[rows];
                for (int r = 0; r < rows; r++)
                {
                    for (int j = 0; j < 3; j++) x[r, j] = rng.NextDouble() * 6 - 3;
                    y[r] = rng.NextDouble() * 4 - 2;
                    weights[r] = rng.NextDouble();
                }
                var data = Dataset<double>.FromRows(x, y, weighted ? weights : null);
                var blocked = new ConstantOptimizer(data) { residuals = new double[rows] };
                var reference = new RowByRowAccumulate(data.X, rows, y, data.Weights);
                for (int t = 0; t < 40; t++)
                {
                    var nodes = RandomExpressions.Tree(rng, 1 + rng.Next(30), 3);
                    var p = nodes.Where(n => n.Op == OpCode.Constant).Select(n => n.Value).ToArray();
                    int k = p.Length;
                    foreach (bool jac in new[] { false, true })
                    {
                        double[] jtj = new double[k * k], jtr = new double[k], jtjRef = new double[k * k], jtrRef = new double[k];
                        var residualsRef = new double[rows];
                        double loss = blocked.Accumulate(nodes, p, jtj, jtr, jac);
                        double lossRef = reference.Accumulate(nodes, p, jtjRef, jtrRef, jac, residualsRef);
                        Assert.Equal(lossRef, loss);
                        Assert.Equal(residualsRef, blocked.residuals);
                        Assert.Equal(jtrRef, jtr);
                        Assert.Equal(jtjRef, jtj);
                        compared++;
                        if (double.IsFinite(loss) && jac && k > 0) finite++;
                    }
                }
            }
        Assert.Equal(8 * 2 * 40 * 2, compared);
        Assert.True(finite > 50, $"only {finite} finite Jacobians compared");
    }
}
