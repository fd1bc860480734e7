using static Occam.Symbolic.Tests.SearchTests;

namespace Occam.Symbolic.Tests;

/// <summary>Custom operators as values carried by a search's options and by its expressions, not a process-wide registry.</summary>
public sealed class CustomOperatorTests
{
    static readonly string[] Names = ["x0", "x1"];

    static double Softplus(double v) => Math.Log(1 + Math.Exp(v));
    static double Squash(double v) => v / (1 + Math.Abs(v));

    /// <summary>A search for y = f(x0)·x1 where f is defined by <paramref name="definition"/> (named f in both searches).</summary>
    static SymbolicRegressionResult FitWith(string definition, Func<double, double> f)
    {
        var (x, y) = Data(200, 2, v => f(v[0]) * v[1], 21);
        return SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions
        {
            Seed = 4, MaxEvaluations = 150_000, LossThreshold = 1e-24, Threads = 1, Populations = 4,
            BinaryOperators = ["+", "*"], UnaryOperators = ["f"], CustomOperators = OperatorSet.Empty.Define(definition),
        });
    }

    static string[] Front(SymbolicRegressionResult r) =>
        r.Pareto.Select(e => $"{e.Complexity} {BitConverter.DoubleToInt64Bits(e.Loss):X16} {e.Infix}").Append($"evaluations {r.Evaluations}").ToArray();

    static void AssertRecovers(SymbolicRegressionResult result, Func<double, double> f, string definition)
    {
        var best = result.MostAccurate;
        Assert.True(best.Loss < 1e-20, $"best loss {best.Loss}: {best.Infix}");
        Assert.Contains(best.Expression.CustomOperators, c => c.Definition == definition);
        var (xt, yt) = Data(50, 2, v => f(v[0]) * v[1], 99);
        var pred = best.Expression.Evaluate(xt);
        for (int i = 0; i < yt.Length; i++) Assert.Equal(yt[i], pred[i], 1e-9 * (1 + Math.Abs(yt[i])));
    }

    [Fact]
    public void Two_concurrent_searches_with_different_operators_of_the_same_name_do_not_interfere()
    {
        const string softplus = "f(x)=log(1+exp(x))", squash = "f(x)=x/(1+abs(x))";
        var aloneA = FitWith(softplus, Softplus);
        var aloneB = FitWith(squash, Squash);
        AssertRecovers(aloneA, Softplus, softplus);
        AssertRecovers(aloneB, Squash, squash);

        using var start = new Barrier(2);
        SymbolicRegressionResult? a = null, b = null;
        var threads = new[]
        {
            new Thread(() => { start.SignalAndWait(); a = FitWith(softplus, Softplus); }),
            new Thread(() => { start.SignalAndWait(); b = FitWith(squash, Squash); }),
        };
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();

        AssertRecovers(a!, Softplus, softplus);
        AssertRecovers(b!, Squash, squash);
        Assert.Equal(Front(aloneA), Front(a!));
        Assert.Equal(Front(aloneB), Front(b!));
        // negative control: the two operators give different fronts, so a mix-up would show
        Assert.NotEqual(Front(a!), Front(b!));
    }

    [Fact]
    public void An_expression_keeps_its_operators_for_printing_parsing_and_evaluation()
    {
        var one = Expression.Parse("f(x0) * x1", Names, OperatorSet.Empty.Define("f(x)=log(1+exp(x))"));
        var other = Expression.Parse("f(x0) * x1", Names, OperatorSet.Empty.Define("f(x)=x/(1+abs(x))"));
        double[] v = [0.8, -1.5];
        Assert.Equal(Softplus(0.8) * -1.5, one.Evaluate(v), 1e-15);
        Assert.Equal(Squash(0.8) * -1.5, other.Evaluate(v), 1e-15);
        Assert.Equal(Squash(0.8) * -1.5, other.Compile()(v), 1e-15);
        Assert.Equal(Squash(0.8) * -1.5, other.Evaluate(new double[,] { { 0.8, -1.5 } })[0], 1e-15);
        Assert.Equal("f(x0) * x1", other.ToInfix());
        // the same nodes over different operators are different expressions; the same definition made twice is the same
        Assert.True(one.Nodes.SequenceEqual(other.Nodes));
        Assert.NotEqual(one, other);
        Assert.Equal(one, Expression.Parse("f(x0) * x1", Names, OperatorSet.Empty.Define("f(x)=log(1+exp(x))")));
        // text with a custom operator does not parse without it
        Assert.Throws<FormatException>(() => Expression.Parse("f(x0) * x1", Names));
    }

    [Fact]
    public void Combining_expressions_joins_their_operators_and_refuses_two_of_the_same_name()
    {
        var f = Expression.Parse("f(x0)", Names, OperatorSet.Empty.Define("f(x)=log(1+exp(x))"));
        var g = Expression.Parse("g(x1, x0)", Names, OperatorSet.Empty.Define("g(a,b)=a-2*b"));
        var sum = f + g * 3.0;
        Assert.Equal(["f", "g"], sum.CustomOperators.Select(c => c.Name));
        Assert.Equal(Expression.Parse("(f(x0)) + (g(x1, x0)) * (3)", Names, sum.CustomOperators), sum);
        double[] v = [0.4, 1.1];
        Assert.Equal(Softplus(0.4) + (1.1 - 2 * 0.4) * 3, sum.Evaluate(v), 1e-14);
        Assert.Equal(Softplus(Softplus(0.4)), f.Substitute(0, f).Evaluate(v), 1e-14);
        var otherF = Expression.Parse("f(x1)", Names, OperatorSet.Empty.Define("f(x)=x*x"));
        var e = Assert.Throws<ArgumentException>(() => f * otherF);
        Assert.Contains("'f'", e.Message);
    }

    [Fact]
    public void An_operator_may_use_an_operator_defined_before_it_in_the_set()
    {
        var operators = OperatorSet.Empty.Define("sp(x)=log(1+exp(x))").Define("twice(x)=sp(x)+sp(2*x)");
        var e = Expression.Parse("twice(x0)", Names, operators);
        Assert.Equal(Softplus(0.3) + Softplus(0.6), e.Evaluate([0.3, 0]), 1e-14);
        Assert.Throws<FormatException>(() => CustomOperator.Define("twice(x)=sp(x)"));
        Assert.Contains("refers to itself", Assert.Throws<FormatException>(() => operators.Define("sp(x)=sp(x)+1")).Message);
    }
}
