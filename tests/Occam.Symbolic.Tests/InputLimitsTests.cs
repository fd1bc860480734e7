using static Occam.Symbolic.Tests.SearchTests;

namespace Occam.Symbolic.Tests;

/// <summary>Expression input is bounded in length and depth, so no input overflows the stack or takes unbounded time.</summary>
public sealed class ExpressionLimitsTests
{
    static readonly string[] R = ["r"];

    static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    static FormatException ParseFails(string text) => Assert.Throws<FormatException>(() => Expression.Parse(text, R));

    [Fact]
    public void Deeply_nested_parentheses_give_a_depth_error_not_a_stack_overflow()
    {
        var e = ParseFails(Repeat("(", 5000) + "r" + Repeat(")", 5000));
        Assert.Contains($"nested more than {Expression.MaxDepth} levels", e.Message);
    }

    [Fact]
    public void Sixty_thousand_nested_parentheses_give_a_length_error()
    {
        var e = ParseFails(Repeat("(", 60_000) + "r" + Repeat(")", 60_000));
        Assert.Contains($"the limit is {Expression.MaxTextLength}", e.Message);
    }

    [Fact]
    public void Long_chains_of_unary_minus_give_a_depth_error()
    {
        Assert.Contains("nested more than", ParseFails(Repeat("-", 10_000) + "r").Message);
        Assert.Contains("characters long", ParseFails(Repeat("-", 120_000) + "r").Message);
    }

    [Fact]
    public void Deeply_nested_functions_give_a_depth_error()
    {
        Assert.Contains("nested more than", ParseFails(Repeat("exp(", 3000) + "r" + Repeat(")", 3000)).Message);
        Assert.Contains("nested more than", ParseFails(Repeat("sin(", 3000) + "r" + Repeat(")", 3000)).Message);
    }

    [Fact]
    public void Long_power_and_product_chains_give_a_depth_error_before_any_differentiation()
    {
        Assert.Contains("nested more than", ParseFails(Repeat("r^", 5000) + "r").Message);
        var product = ParseFails("r" + Repeat("*r", 4999));
        Assert.Contains($"is 5000 levels deep; the limit is {Expression.MaxDepth}", product.Message);
        Assert.Contains("is 5000 levels deep", ParseFails("r" + Repeat("/r", 4999)).Message);
    }

    [Fact]
    public void An_error_message_quotes_a_long_expression_only_in_part()
    {
        var e = ParseFails("r" + Repeat("*r", 4999));
        Assert.True(e.Message.Length < 300, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Expressions_at_the_depth_limit_parse_differentiate_and_print()
    {
        // Negative control for the tests above: the limit itself is allowed, and the passes over such a tree work.
        int n = Expression.MaxDepth - 1;
        foreach (var text in new[] { "r" + Repeat("*r", n), Repeat("sin(", n) + "r" + Repeat(")", n), Repeat("r^", n / 2) + "r" })
        {
            var e = Expression.Parse(text, R);
            Assert.True(e.Depth <= Expression.MaxDepth);
            var d = e.Differentiate(0);
            Assert.Equal(e, Expression.Parse(e.ToInfix(), R));
            Assert.NotNull(d.ToInfix());
        }
        // the product's derivative is n·r^(n−1): check it at r = 1 against the independent value
        var product = Expression.Parse("r" + Repeat("*r", n), R).Differentiate(0);
        Assert.Equal(n + 1, product.Evaluate([1.0]), 1e-9);
    }

    [Fact]
    public void A_postfix_array_deeper_than_the_limit_is_refused()
    {
        var nodes = new List<Node> { Node.Var(0) };
        for (int i = 0; i < Expression.MaxDepth; i++) nodes.Add(Node.Of(OpCode.Sin));
        var e = Assert.Throws<ArgumentException>(() => new Expression(nodes, R));
        Assert.Contains($"the limit is {Expression.MaxDepth}", e.Message);
        nodes.RemoveAt(nodes.Count - 1);
        Assert.Equal(Expression.MaxDepth, new Expression(nodes, R).Depth);
    }

    [Fact]
    public void A_derivative_too_large_to_build_is_refused_naming_the_limit()
    {
        Assert.False(Tree.FromPostfix(Expression.Parse("r*r", R).Nodes).SizeExceeds(3));
        Assert.True(Tree.FromPostfix(Expression.Parse("r*r+r", R).Nodes).SizeExceeds(4));
        // A balanced product of 2^14 factors (32,767 nodes, depth 15) has a derivative of about 32,767 × 15 nodes.
        var big = Expression.Parse("r*r", R);
        for (int k = 0; k < 13; k++) big = new Expression(MulSelf(big), R);
        Assert.Equal(15, big.Depth);
        var e = Assert.Throws<ArgumentException>(() => big.Differentiate(0));
        Assert.Contains($"more than {Expression.MaxDerivativeNodes} nodes", e.Message);
    }

    static Node[] MulSelf(Expression e) => [.. e.Nodes, .. e.Nodes, Node.Of(OpCode.Mul)];
}

/// <summary>Search settings are checked before anything is allocated; time limits and cancellation hold inside a round.</summary>
public sealed class SearchLimitsTests
{
    static readonly (double[,] X, double[] Y) Quadratic = Data(60, 2, v => v[0] * v[0] + v[1], 1);

    [Theory]
    [InlineData("MaxSize", 100_000_000)]
    [InlineData("MaxSize", 0)]
    [InlineData("Threads", 0)]
    [InlineData("Threads", -3)]
    [InlineData("MaxEvaluations", 0)]
    [InlineData("MaxEvaluations", -5)]
    [InlineData("Populations", 1_000_000)]
    [InlineData("MaxDepth", 100_000)]
    public void Search_settings_out_of_range_are_refused_naming_the_setting(string setting, long value)
    {
        var options = setting switch
        {
            "MaxSize" => new SymbolicRegressionOptions { MaxSize = (int)value },
            "Threads" => new SymbolicRegressionOptions { Threads = (int)value },
            "MaxEvaluations" => new SymbolicRegressionOptions { MaxEvaluations = value },
            "Populations" => new SymbolicRegressionOptions { Populations = (int)value },
            _ => new SymbolicRegressionOptions { MaxDepth = (int)value },
        };
        var e = Assert.Throws<ArgumentException>(() => SymbolicRegression.Fit(Quadratic.X, Quadratic.Y, options));
        Assert.StartsWith(setting + " must be", e.Message);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    [Fact]
    public void A_NaN_loss_threshold_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            SymbolicRegression.Fit(Quadratic.X, Quadratic.Y, new SymbolicRegressionOptions { LossThreshold = double.NaN }));
        Assert.Contains("LossThreshold", e.Message);
    }

    /// <summary>A round of a million cycles per island would take hours; the limit must cut it short.</summary>
    static SymbolicRegressionOptions HugeRound => new()
    {
        Seed = 1, Threads = 1, Populations = 2, MaxSize = SymbolicRegressionOptions.MaxSizeLimit, CyclesPerRound = 1_000_000,
    };

    static SymbolicRegressionResult FitWithin(SymbolicRegressionOptions options, TimeSpan guard)
    {
        var run = Task.Run(() => SymbolicRegression.Fit(Quadratic.X, Quadratic.Y, options));
        Assert.True(run.Wait(guard), "the search did not stop inside its round");
        return run.Result;
    }

    [Fact]
    public void A_time_limit_stops_the_search_inside_a_round()
    {
        var result = FitWithin(HugeRound with { TimeLimit = TimeSpan.FromSeconds(0.5) }, TimeSpan.FromSeconds(60));
        Assert.Equal("time limit", result.StopReason);
        Assert.Equal(1, result.Rounds);
        Assert.NotEmpty(result.Pareto);
    }

    [Fact]
    public void Cancellation_stops_the_search_inside_a_round()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(0.5));
        var result = FitWithin(HugeRound with { Cancel = cancel.Token }, TimeSpan.FromSeconds(60));
        Assert.Equal("cancelled", result.StopReason);
        Assert.Equal(1, result.Rounds);
    }

    [Fact]
    public void A_target_whose_squared_error_overflows_is_refused_rather_than_reported_as_loss_one()
    {
        var (x, y) = Data(50, 1, v => 2 * v[0], 3);
        y[7] = 1e308;
        var e = Assert.Throws<ArgumentException>(() => SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions { MaxRounds = 1, Threads = 1 }));
        Assert.Contains("too large", e.Message);
        Assert.Contains("1E+308", e.Message);
        // control: the same data without the huge value fits
        y[7] = 2 * x[7, 0];
        Assert.True(SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions { MaxRounds = 1, Threads = 1 }).MostAccurate.Loss < 1);
    }

    [Fact]
    public void A_constant_target_reports_its_true_loss_of_zero()
    {
        var (x, _) = Data(30, 1, v => 0, 4);
        var y = Enumerable.Repeat(5.0, 30).ToArray();
        var result = SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions { MaxRounds = 1, Threads = 1, Populations = 1 });
        Assert.Equal(0, result.MostAccurate.Loss, 1e-20);
    }
}
