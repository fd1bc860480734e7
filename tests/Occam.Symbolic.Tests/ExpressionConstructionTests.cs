namespace Occam.Symbolic.Tests;

/// <summary>The construction API against the parser: each constructed expression must be exactly what parsing the
/// equivalent text gives (same postfix nodes, same printed text, same values bit for bit).</summary>
public sealed class ExpressionConstructionTests
{
    static readonly string[] Names = ["x0", "x1", "r"];

    static Expression RandomExpression(Random rng) => new(RandomExpressions.Tree(rng, 1 + rng.Next(12), Names.Length), Names);

    /// <summary>A finite double with random bits in all 52 mantissa bits (what text must round-trip exactly).</summary>
    static double RandomConstant(Random rng) => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-8, 9));

    static void AssertSameAsParsed(Expression built, string text, Random rng)
    {
        var parsed = Expression.Parse(text, Names);
        Assert.True(parsed.Nodes.SequenceEqual(built.Nodes), $"built '{built.ToInfix()}', parsed '{text}' as '{parsed.ToInfix()}'");
        Assert.Equal(parsed.ToInfix(), built.ToInfix());
        Assert.Equal(Names, built.VariableNames);
        for (int k = 0; k < 5; k++)
        {
            double[] x = [RandomConstant(rng), RandomConstant(rng), RandomConstant(rng)];
            Assert.Equal(BitConverter.DoubleToInt64Bits(parsed.Evaluate(x)), BitConverter.DoubleToInt64Bits(built.Evaluate(x)));
        }
    }

    static string Text(double c) => Expression.Constant(c, Names).ToInfix();

    [Fact]
    public void Arithmetic_operators_build_what_the_parser_reads_from_the_parenthesised_text()
    {
        var rng = new Random(7);
        for (int i = 0; i < 500; i++)
        {
            var a = RandomExpression(rng);
            var b = RandomExpression(rng);
            string ta = a.ToInfix(), tb = b.ToInfix();
            AssertSameAsParsed(a + b, $"({ta}) + ({tb})", rng);
            AssertSameAsParsed(a - b, $"({ta}) - ({tb})", rng);
            AssertSameAsParsed(a * b, $"({ta}) * ({tb})", rng);
            AssertSameAsParsed(a / b, $"({ta}) / ({tb})", rng);
            AssertSameAsParsed(-a, $"-({ta})", rng);
        }
    }

    [Fact]
    public void Double_operands_become_constants_kept_bit_for_bit()
    {
        var rng = new Random(11);
        for (int i = 0; i < 300; i++)
        {
            var a = RandomExpression(rng);
            double c = RandomConstant(rng);
            string ta = a.ToInfix(), tc = Text(c);
            AssertSameAsParsed(a + c, $"({ta}) + ({tc})", rng);
            AssertSameAsParsed(c - a, $"({tc}) - ({ta})", rng);
            AssertSameAsParsed(c * a, $"({tc}) * ({ta})", rng);
            AssertSameAsParsed(a / c, $"({ta}) / ({tc})", rng);
            Assert.Equal(BitConverter.DoubleToInt64Bits(c), BitConverter.DoubleToInt64Bits((a * c).Constants[^1]));
        }
        Assert.True(double.IsNegative(Expression.Constant(-0.0, Names).Evaluate([0, 0, 0])));
    }

    [Fact]
    public void Sum_adds_left_to_right_like_the_parser()
    {
        var rng = new Random(3);
        for (int i = 0; i < 100; i++)
        {
            var terms = Enumerable.Range(0, 1 + rng.Next(5)).Select(_ => RandomExpression(rng)).ToArray();
            AssertSameAsParsed(Expression.Sum(terms), string.Join(" + ", terms.Select(t => $"({t.ToInfix()})")), rng);
        }
    }

    [Fact]
    public void A_linear_combination_built_from_parts_matches_its_text()
    {
        var rng = new Random(5);
        var e0 = Expression.Parse("x0 / r^2", Names);
        var e1 = Expression.Parse("sin(x1)", Names);
        double a0 = RandomConstant(rng), a1 = RandomConstant(rng), c = RandomConstant(rng);
        var built = Expression.Sum([a0 * e0, a1 * e1, Expression.Constant(c, Names)]);
        AssertSameAsParsed(built, $"({Text(a0)}) * (x0 / r^2) + ({Text(a1)}) * (sin(x1)) + ({Text(c)})", rng);
        // and against an independent formula, to within rounding
        double[] x = [0.7, -1.3, 2.1];
        Assert.Equal(a0 * 0.7 / (2.1 * 2.1) + a1 * Math.Sin(-1.3) + c, built.Evaluate(x), 1e-12 * (Math.Abs(a0) + Math.Abs(a1) + Math.Abs(c)));
    }

    [Fact]
    public void Variables_are_found_by_index_or_name_as_the_parser_finds_them()
    {
        var rng = new Random(1);
        AssertSameAsParsed(Expression.Variable("r", Names) * Expression.Variable(1, Names), "(r) * (x1)", rng);
        Assert.Equal(Expression.Parse("x5", Names), Expression.Variable("x5", Names));
        var e = Assert.Throws<ArgumentException>(() => Expression.Variable("y", Names));
        Assert.Contains("'y'", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Expression.Variable(-1, Names));
    }

    [Fact]
    public void Substitute_replaces_a_variable_as_the_parenthesised_text_would()
    {
        var rng = new Random(9);
        for (int i = 0; i < 300; i++)
        {
            var e = RandomExpression(rng);
            var replacement = RandomExpression(rng);
            int v = rng.Next(Names.Length);
            AssertSameAsParsed(e.Substitute(v, replacement), SubstituteText(e, v, replacement.ToInfix()), rng);
        }
        var byName = Expression.Parse("x0 * r + r", Names).Substitute("r", Expression.Parse("x1 - 1", Names));
        AssertSameAsParsed(byName, "x0 * (x1 - 1) + (x1 - 1)", rng);
    }

    /// <summary>The expression printed with variable <paramref name="v"/> renamed to a placeholder, then the placeholder
    /// replaced in the text by the parenthesised replacement.</summary>
    static string SubstituteText(Expression e, int v, string replacement)
    {
        var names = Names.Select((n, i) => i == v ? "PLACEHOLDER" : n).ToArray();
        return e.WithVariableNames(names).ToInfix().Replace("PLACEHOLDER", $"({replacement})");
    }

    [Fact]
    public void Expressions_over_different_variables_cannot_be_combined()
    {
        var a = Expression.Parse("x0", Names);
        var b = Expression.Parse("y", ["y"]);
        var e = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Contains("[x0, x1, r]", e.Message);
        Assert.Contains("[y]", e.Message);
        Assert.Throws<ArgumentException>(() => a.Substitute(0, b));
        Assert.Throws<ArgumentException>(() => Expression.Sum([]));
    }

    [Fact]
    public void Construction_refuses_expressions_deeper_than_the_limit()
    {
        var e = Expression.Variable(0, Names);
        for (int i = 1; i < Expression.MaxDepth; i++) e = -e;
        Assert.Equal(Expression.MaxDepth, e.Depth);
        Assert.Throws<ArgumentException>(() => -e);
        Assert.Throws<ArgumentException>(() => e * 2.0);
    }
}
