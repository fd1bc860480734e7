namespace Occam.Symbolic.Tests;

public sealed class EvaluatorTests
{
    static double[,] Points(Random rng, int rows, int features)
    {
        var x = new double[rows, features];
        for (int r = 0; r < rows; r++)
            for (int f = 0; f < features; f++)
            {
                double u = rng.NextDouble();
                // exact zeros and ±1 provoke 1/0, log(0), 0^negative, … (non-finite cases)
                x[r, f] = u < 0.04 ? 0 : u < 0.06 ? (rng.Next(2) * 2 - 1) : rng.NextDouble() * 8 - 4;
            }
        return x;
    }

    static bool Close(double a, double b, double rel)
    {
        if (double.IsNaN(a) || double.IsNaN(b)) return double.IsNaN(a) && double.IsNaN(b);
        if (double.IsInfinity(a) || double.IsInfinity(b)) return a == b;
        return Math.Abs(a - b) <= rel * Math.Max(Math.Abs(a), Math.Abs(b)) || Math.Abs(a - b) <= 1e-300;
    }

    [Fact]
    public void Simd_evaluator_equals_naive_recursive_evaluator_on_random_trees()
    {
        var rng = new Random(7);
        const int features = 3, rows = 2500; // crosses the 1024-row batch boundary twice
        var x = Points(rng, rows, features);
        var row = new double[features];
        int nonFinite = 0, compared = 0, mismatches = 0;
        string firstMismatch = "";
        for (int tree = 0; tree < 300; tree++)
        {
            var nodes = RandomExpressions.Tree(rng, 1 + rng.Next(25), features);
            var e = new Expression(nodes);
            var fast = e.Evaluate(x);
            for (int r = 0; r < rows; r++)
            {
                for (int f = 0; f < features; f++) row[f] = x[r, f];
                double reference = RandomExpressions.Naive(nodes, row);
                if (!double.IsFinite(reference)) nonFinite++;
                compared++;
                if (!Close(fast[r], reference, 1e-12))
                {
                    if (mismatches++ == 0) firstMismatch = $"{e.ToInfix()} at row {r}: {fast[r]:R} vs {reference:R}";
                }
            }
        }
        Assert.True(nonFinite > 1000, $"the random trees should include non-finite cases, got {nonFinite}");
        Assert.True(mismatches == 0, $"{mismatches} of {compared} rows differ; first: {firstMismatch}");
    }

    [Fact]
    public void Fast_math_evaluator_stays_close_to_naive_evaluator_and_agrees_on_non_finite_rows()
    {
        var rng = new Random(8);
        const int features = 3, rows = 1100;
        var x = Points(rng, rows, features);
        var data = Dataset<double>.FromRows(x);
        var ev = new Evaluator<double>(fastMath: true);
        var fast = new double[rows];
        var row = new double[features];
        int compared = 0, loose = 0, finiteMismatch = 0;
        for (int tree = 0; tree < 200; tree++)
        {
            var nodes = RandomExpressions.Tree(rng, 1 + rng.Next(20), features);
            ev.Evaluate(new Expression(nodes), data, fast);
            for (int r = 0; r < rows; r++)
            {
                for (int f = 0; f < features; f++) row[f] = x[r, f];
                double reference = RandomExpressions.Naive(nodes, row);
                compared++;
                if (double.IsFinite(reference) != double.IsFinite(fast[r])) finiteMismatch++;
                if (!Close(fast[r], reference, 1e-12)) loose++;
            }
        }
        // SIMD exp/log/sin/cos/tanh/pow are within a few ulp; only ill-conditioned compositions amplify that past 1e-12
        Assert.True(loose <= compared / 1000, $"{loose} of {compared} rows differ by more than 1e-12 relative");
        Assert.True(finiteMismatch <= compared / 10000, $"{finiteMismatch} rows finite in one evaluator only");
    }

    [Fact]
    public void Simd_evaluator_equals_naive_evaluator_for_arithmetic_trees_to_1e_12()
    {
        var rng = new Random(11);
        const int features = 4, rows = 1500;
        var x = Points(rng, rows, features);
        var row = new double[features];
        OpCode[] binary = [OpCode.Add, OpCode.Sub, OpCode.Mul, OpCode.Div];
        OpCode[] unary = [OpCode.Neg, OpCode.Square, OpCode.Cube, OpCode.Abs, OpCode.Inv, OpCode.Sqrt];
        for (int tree = 0; tree < 200; tree++)
        {
            var nodes = RandomExpressions.Tree(rng, 1 + rng.Next(30), features, binary, unary);
            var fast = new Expression(nodes).Evaluate(x);
            for (int r = 0; r < rows; r++)
            {
                for (int f = 0; f < features; f++) row[f] = x[r, f];
                double reference = RandomExpressions.Naive(nodes, row);
                Assert.True(Close(fast[r], reference, 1e-12), $"{new Expression(nodes).ToInfix()} row {r}: {fast[r]:R} vs {reference:R}");
            }
        }
    }

    [Fact]
    public void Single_point_evaluate_and_compiled_delegate_match_naive_evaluator()
    {
        var rng = new Random(3);
        var row = new double[3];
        for (int tree = 0; tree < 300; tree++)
        {
            var nodes = RandomExpressions.Tree(rng, 1 + rng.Next(25), 3);
            var e = new Expression(nodes);
            var compiled = e.Compile();
            for (int k = 0; k < 20; k++)
            {
                for (int f = 0; f < 3; f++) row[f] = rng.NextDouble() * 6 - 3;
                double reference = RandomExpressions.Naive(nodes, row);
                Assert.True(Close(e.Evaluate(row), reference, 1e-15), $"{e.ToInfix()}: {e.Evaluate(row)} vs {reference}");
                Assert.True(Close(compiled(row), reference, 1e-15), $"compiled {e.ToInfix()}: {compiled(row)} vs {reference}");
            }
        }
    }

    [Fact]
    public void Float32_evaluator_tracks_float64_evaluator()
    {
        var rng = new Random(5);
        var x = new double[700, 2];
        for (int r = 0; r < 700; r++) { x[r, 0] = rng.NextDouble() * 4 - 2; x[r, 1] = rng.NextDouble() * 4 - 2; }
        var d = Dataset<double>.FromRows(x);
        var s = Dataset<float>.FromRows(x);
        var ed = new Evaluator<double>();
        var es = new Evaluator<float>();
        var outD = new double[700];
        var outS = new float[700];
        OpCode[] binary = [OpCode.Add, OpCode.Sub, OpCode.Mul];
        OpCode[] unary = [OpCode.Neg, OpCode.Sin, OpCode.Cos, OpCode.Tanh, OpCode.Abs];
        for (int tree = 0; tree < 100; tree++)
        {
            var e = new Expression(RandomExpressions.Tree(rng, 1 + rng.Next(12), 2, binary, unary, integerConstants: true));
            ed.Evaluate(e, d, outD);
            es.Evaluate(e, s, outS);
            for (int r = 0; r < 700; r++)
                Assert.True(Math.Abs(outS[r] - outD[r]) <= 1e-3 * (1 + Math.Abs(outD[r])), $"{e.ToInfix()}: {outS[r]} vs {outD[r]}");
        }
    }

    [Fact]
    public void Loss_is_infinite_when_any_prediction_is_not_finite_and_matches_a_plain_loop_otherwise()
    {
        var x = new double[,] { { 1 }, { 2 }, { 0 }, { 4 } };
        var y = new[] { 1.0, 0.4, 0.3, 0.2 };
        var data = Dataset<double>.FromRows(x, y);
        var ev = new Evaluator<double>();
        var inv = Expression.Parse("1 / x0");
        Assert.Equal(double.PositiveInfinity, ev.Loss(inv.NodeArray, data));
        var lin = Expression.Parse("0.5 * x0 - 0.1");
        double l2 = 0, l1 = 0, hub = 0;
        for (int i = 0; i < 4; i++)
        {
            double r = 0.5 * x[i, 0] - 0.1 - y[i];
            l2 += r * r; l1 += Math.Abs(r);
            hub += Math.Abs(r) <= 0.5 ? 0.5 * r * r : 0.5 * (Math.Abs(r) - 0.25);
        }
        Assert.Equal(l2 / 4, ev.Loss(lin.NodeArray, data, LossKind.L2), 1e-14);
        Assert.Equal(l1 / 4, ev.Loss(lin.NodeArray, data, LossKind.L1), 1e-14);
        Assert.Equal(hub / 4, ev.Loss(lin.NodeArray, data, LossKind.Huber, 0.5), 1e-14);
        var weighted = Dataset<double>.FromRows(x, y, [1, 2, 3, 4]);
        double wl = 0;
        for (int i = 0; i < 4; i++) { double r = 0.5 * x[i, 0] - 0.1 - y[i]; wl += (i + 1) * r * r; }
        Assert.Equal(wl / 10, ev.Loss(lin.NodeArray, weighted, LossKind.L2), 1e-14);
    }
}
