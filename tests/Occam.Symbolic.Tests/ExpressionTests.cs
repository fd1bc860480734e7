namespace Occam.Symbolic.Tests;

public sealed class ExpressionTests
{
    static readonly string[] Names = ["x0", "x1", "r"];

    [Fact]
    public void Infix_printer_and_parser_round_trip_random_expressions_exactly()
    {
        var rng = new Random(42);
        for (int i = 0; i < 2000; i++)
        {
            var nodes = RandomExpressions.Tree(rng, 1 + rng.Next(30), 3);
            var e = new Expression(nodes, Names);
            string text = e.ToInfix();
            var back = Expression.Parse(text, Names);
            Assert.True(e.Equals(back), $"'{text}' parsed back as '{back.ToInfix()}'");
        }
    }

    [Fact]
    public void Parser_follows_usual_precedence_and_associativity()
    {
        double[] v = [3.0, 2.0, 5.0];
        Assert.Equal(2.5 * 9 - Math.Sin(2.0) / 5.0, Expression.Parse("2.5*x0^2 - sin(x1)/r", Names).Evaluate(v), 1e-15);
        Assert.Equal(Math.Pow(2, 9), Expression.Parse("2^3^2", Names).Evaluate(v), 1e-12);    // right-associative
        Assert.Equal(-9.0, Expression.Parse("-x0^2", Names).Evaluate(v));                     // −(x0²)
        Assert.Equal(3.0 - 2.0 - 5.0, Expression.Parse("x0 - x1 - r", Names).Evaluate(v));    // left-associative
        Assert.Equal(3.0 / 2.0 / 5.0, Expression.Parse("x0 / x1 / r", Names).Evaluate(v));
        Assert.Equal(9.0, Expression.Parse("x0**2", Names).Evaluate(v));
        Assert.Equal(1.0, Expression.Parse("greater(x0, x1)", Names).Evaluate(v));
        Assert.Equal(2.0, Expression.Parse("cond(x0 - 1, x1)", Names).Evaluate(v));
        Assert.Equal(1.5e-3 * 3, Expression.Parse("1.5E-3 * x0", Names).Evaluate(v), 1e-18);
        Assert.Equal(Math.Pow(3, 2), Expression.Parse("pow(x0, x1)", Names).Evaluate(v), 1e-15);
    }

    [Theory]
    [InlineData("2 * (x0 + ", 10)]
    [InlineData("sin x0", 4)]
    [InlineData("x0 + y", 5)]
    [InlineData("foo(x0)", 0)]
    [InlineData("x0 $ 2", 3)]
    [InlineData("", 0)]
    [InlineData("sin(x0, x1)", 0)]
    public void Bad_input_raises_format_exception_naming_the_position(string text, int position)
    {
        var e = Assert.Throws<FormatException>(() => Expression.Parse(text, Names));
        Assert.Contains($"position {position}", e.Message);
    }

    [Fact]
    public void Printers_produce_sympy_latex_and_csharp_forms()
    {
        var e = Expression.Parse("2.5*x0^2 - sin(x1)/r", Names);
        Assert.Equal("2.5 * x0^2 - sin(x1) / r", e.ToInfix());
        Assert.Equal("2.5 * x0**2 - sin(x1) / r", e.ToSympy());
        Assert.Equal("2.5 \\cdot {x_{0}}^{2} - \\frac{\\sin{\\left(x_{1} \\right)}}{r}", e.ToLatex());
        Assert.Equal("(2.5 * Math.Pow(x0, 2.0)) - (Math.Sin(x1) / r)", e.ToCSharp());
        var c = Expression.Parse("greater(x0, 1) * abs(x1) + square(r) + inv(x0)", Names);
        Assert.Equal("Piecewise((1.0, x0 > 1), (0.0, True)) * Abs(x1) + (r)**2 + 1/(x0)", c.ToSympy());
    }

    [Fact]
    public void Compiled_delegate_and_csharp_text_agree_with_evaluation()
    {
        var e = Expression.Parse("2.5*x0^2 - sin(x1)/r + cond(x0 - 2, exp(-r)) + tanh(cube(x1))", Names);
        var f = e.Compile();
        double[] v = [3.0, 0.7, 1.3];
        double expected = 2.5 * 9 - Math.Sin(0.7) / 1.3 + Math.Exp(-1.3) + Math.Tanh(0.7 * 0.7 * 0.7);
        Assert.Equal(expected, f(v), 1e-14);
        Assert.Equal(expected, e.Evaluate(v), 1e-14);
    }

    [Fact]
    public void Symbolic_derivative_matches_central_finite_differences()
    {
        var rng = new Random(9);
        OpCode[] binary = [OpCode.Add, OpCode.Sub, OpCode.Mul, OpCode.Div, OpCode.Pow];
        OpCode[] unary = [OpCode.Neg, OpCode.Square, OpCode.Cube, OpCode.Sqrt, OpCode.Exp, OpCode.Log, OpCode.Sin, OpCode.Cos, OpCode.Tanh, OpCode.Inv, OpCode.Abs];
        int checkedPoints = 0;
        for (int i = 0; i < 400; i++)
        {
            var e = new Expression(RandomExpressions.Tree(rng, 1 + rng.Next(12), 3, binary, unary), Names);
            int v = rng.Next(3);
            var d = e.Differentiate(v);
            var p = new[] { 0.5 + rng.NextDouble(), 0.5 + rng.NextDouble(), 0.5 + rng.NextDouble() };
            double h = 1e-5;
            var plus = (double[])p.Clone(); plus[v] += h;
            var minus = (double[])p.Clone(); minus[v] -= h;
            double fd = (e.Evaluate(plus) - e.Evaluate(minus)) / (2 * h);
            double an = d.Evaluate(p);
            if (!double.IsFinite(fd) || !double.IsFinite(an) || Math.Abs(fd) > 1e6 || Math.Abs(e.Evaluate(p)) > 1e6) continue;
            checkedPoints++;
            Assert.True(Math.Abs(fd - an) <= 1e-5 * (1 + Math.Abs(fd)), $"d/d{Names[v]} {e.ToInfix()} = {d.ToInfix()}: {an} vs fd {fd}");
        }
        Assert.True(checkedPoints > 200, $"only {checkedPoints} finite points checked");
    }

    [Fact]
    public void Derivative_of_a_potential_gives_the_known_force()
    {
        // U = k (r - 1)^2 / 2  →  dU/dr = k (r - 1)
        var u = Expression.Parse("0.5 * k * (r - 1)^2", ["k", "r"]);
        var du = u.Differentiate(1);
        foreach (var r in new[] { 0.3, 1.0, 2.7 })
            Assert.Equal(3.0 * (r - 1), du.Evaluate([3.0, r]), 1e-12);
        // 1/r²: d/dr (−m/r) = m/r²
        var g = Expression.Parse("-m / r", ["m", "r"]).Differentiate(1);
        Assert.Equal(2.0 / (1.7 * 1.7), g.Evaluate([2.0, 1.7]), 1e-14);
        Assert.True(g.Complexity <= 7, $"derivative not simplified: {g.ToInfix()}");
    }

    [Fact]
    public void Simplify_folds_constants_merges_nested_constants_and_preserves_values()
    {
        Assert.Equal("x0 * 6", Expression.Parse("2 * (3 * x0)", Names).Simplify().ToInfix().Replace("6 * x0", "x0 * 6"));
        Assert.Equal(3, Expression.Parse("(1 + 2) + (x0 + 4) - 4", Names).Simplify().Complexity);
        Assert.Equal("x0", Expression.Parse("--x0 * 1 + 0", Names).Simplify().ToInfix());
        var rng = new Random(4);
        for (int i = 0; i < 500; i++)
        {
            var e = new Expression(RandomExpressions.Tree(rng, 1 + rng.Next(20), 3, RandomExpressions.Binary[..4], [OpCode.Neg, OpCode.Sin, OpCode.Square]), Names);
            var s = e.Simplify();
            Assert.True(s.Complexity <= e.Complexity);
            var p = new[] { rng.NextDouble() + 0.1, rng.NextDouble() + 0.1, rng.NextDouble() + 0.1 };
            double a = e.Evaluate(p), b = s.Evaluate(p);
            if (double.IsFinite(a) && Math.Abs(a) < 1e8)
                Assert.True(Math.Abs(a - b) <= 1e-9 * (1 + Math.Abs(a)), $"{e.ToInfix()} → {s.ToInfix()}: {a} vs {b}");
        }
    }

    [Fact]
    public void SplitFactor_separates_the_top_level_factors_of_chosen_variables_and_preserves_the_product()
    {
        string[] names = ["r", "m1", "m2"];
        bool M1(int j) => j == 1;
        var (factor, rest) = Expression.Parse("(0.02 + 0.026 / m1) * (r - 0.975)", names).SplitFactor(M1);
        foreach (var (r, m1) in new[] { (0.3, 0.5), (1.7, 2.0), (2.5, 7.0) })
        {
            Assert.Equal(0.02 + 0.026 / m1, factor!.Evaluate([r, m1, 1.0]), 1e-14);
            Assert.Equal(r - 0.975, rest.Evaluate([r, m1, 1.0]), 1e-14);
        }
        (factor, rest) = Expression.Parse("-(0.5 * (r - 1)) / (4.67 + m1)", names).SplitFactor(M1);
        Assert.Equal(["m1"], Variables(factor!));
        Assert.Equal(["r"], Variables(rest));
        // A conditional's value is a product with the indicator: cond(a, f·g) = f·cond(a, g).
        (factor, rest) = Expression.Parse("cond(r - 2, (r - 1.08) * (0.087 + 0.02 / m1))", names).SplitFactor(M1);
        foreach (var (r, m1) in new[] { (1.5, 0.5), (2.5, 2.0), (3.1, 7.0) })
        {
            Assert.Equal(0.087 + 0.02 / m1, factor!.Evaluate([r, m1, 1.0]), 1e-14);
            Assert.Equal(r > 2 ? r - 1.08 : 0, rest.Evaluate([r, m1, 1.0]), 1e-14);
        }
        foreach (var text in new[] { "m2 / r / r", "m1 + r", "m1 * r - 1", "cond(m1 - 1, r)", "1 / cond(r - 2, m1)" }) // no top-level factor of m1 alone
        {
            var e = Expression.Parse(text, names);
            (factor, rest) = e.SplitFactor(M1);
            Assert.Null(factor);
            Assert.Same(e, rest);
        }

        // Random products and quotients: factor · remainder reproduces the expression, and the factor names only m1.
        var rng = new Random(7);
        int split = 0;
        for (int i = 0; i < 500; i++)
        {
            var e = new Expression(RandomExpressions.Tree(rng, 1 + rng.Next(20), 3, [OpCode.Mul, OpCode.Div, OpCode.Add, OpCode.Cond], [OpCode.Neg, OpCode.Inv]), names);
            (factor, rest) = e.SplitFactor(M1);
            if (factor is null) continue;
            split++;
            Assert.All(Variables(factor), v => Assert.Equal("m1", v));
            var p = new[] { rng.NextDouble() + 0.5, rng.NextDouble() + 0.5, rng.NextDouble() + 0.5 };
            double a = e.Evaluate(p), b = factor.Evaluate(p) * rest.Evaluate(p);
            if (double.IsFinite(a) && Math.Abs(a) < 1e8)
                Assert.True(Math.Abs(a - b) <= 1e-9 * (1 + Math.Abs(a)), $"{e.ToInfix()} ≠ ({factor.ToInfix()}) · ({rest.ToInfix()})");
        }
        Assert.True(split > 50, $"only {split} of 500 random expressions had an m1 factor");

        static string[] Variables(Expression x) =>
            x.Nodes.ToArray().Where(n => n.Op == OpCode.Variable).Select(n => x.VariableNames[n.Index]).Distinct().ToArray();
    }

    [Fact]
    public void Custom_operators_parse_evaluate_print_and_compile()
    {
        var operators = new OperatorSet([
            CustomOperator.FromFunction("softplus", v => Math.Log(1 + Math.Exp(v))),
            CustomOperator.FromFunction("hypot", (a, b) => Math.Sqrt(a * a + b * b)),
        ]);
        var e = Expression.Parse("softplus(x0) + hypot(x1, r)", Names, operators);
        double[] v = [0.3, 3, 4];
        double expected = Math.Log(1 + Math.Exp(0.3)) + 5;
        Assert.Equal(expected, e.Evaluate(v), 1e-14);
        Assert.Equal(expected, e.Compile()(v), 1e-14);
        Assert.Equal(expected, e.Evaluate(new double[,] { { 0.3, 3, 4 } })[0], 1e-14);
        Assert.Equal("softplus(x0) + hypot(x1, r)", e.ToInfix());
    }

    [Fact]
    public void Complexity_is_node_count_and_depth_counts_levels()
    {
        var e = Expression.Parse("2.5*x0^2 - sin(x1)/r", Names);
        Assert.Equal(10, e.Complexity);
        Assert.Equal(4, e.Depth);
        Assert.Equal([2.5, 2.0], e.Constants);
        Assert.Equal(1.0 * 4 - Math.Sin(1) / 1, e.WithConstants([1.0, 2.0]).Evaluate([2, 1, 1]), 1e-15);
    }

    [Fact]
    public void OnVariables_maps_each_variable_by_name_to_a_wider_table()
    {
        // m2/(r·r) − 0.5·q1 over the search's inputs [r, m1, m2, q1], moved to the pair table [dx, dy, r, m1, m2, q1, q2]:
        // the same value on the same physical row, computed by hand.
        var e = Expression.Parse("m2 / (r * r) - 0.5 * q1", ["r", "m1", "m2", "q1"]).OnVariables(["dx", "dy", "r", "m1", "m2", "q1", "q2"]);
        double[] row = [0.3, -0.4, 1.7, 2.0, 3.0, -1.0, 1.0];
        Assert.Equal(3.0 / (1.7 * 1.7) + 0.5, e.Evaluate(row), 1e-15);
        Assert.Equal("m2 / (r * r) - 0.5 * q1", e.ToInfix());
        Assert.Throws<ArgumentException>(() => Expression.Parse("q2 * r", ["r", "q2"]).OnVariables(["r", "m1"]));
    }
}
