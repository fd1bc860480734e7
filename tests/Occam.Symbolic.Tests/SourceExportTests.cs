using System.Globalization;
using System.Text;
using Occam.Tests.Export;

namespace Occam.Symbolic.Tests;

/// <summary>
/// The exported source forms against <see cref="Expression.Evaluate(ReadOnlySpan{double})"/>: C# compiled by Roslyn, NumPy
/// (and the JAX text with NumPy standing in for jax.numpy) run by a real Python; Julia, which no runtime here can run,
/// against hand-checked text per operator.
/// </summary>
public sealed class SourceExportTests
{
    const int Features = 3;

    /// <summary>Random expressions over every built-in operator, sizes 1–24, with a few fixed domain-edge cases.</summary>
    static Expression[] Expressions(int count, int seed)
    {
        var rng = new Random(seed);
        var list = new List<Expression>
        {
            Expression.Parse("log(x0) + sqrt(x1)"), // negative arguments: NaN
            Expression.Parse("x0 ^ x1"),             // negative base, non-integer exponent: NaN; 0^−1: inf
            Expression.Parse("inv(x0) - x1 / x2"),   // division by zero: ±inf
            Expression.Parse("cond(x0, log(x1)) + greater(x1, x2) * step(x2)"),
            Expression.Parse("sin(x0 / 0) + cos(x1 / 0)"), // sin(±inf): NaN
            Expression.Parse("2 / 0 + x0 * 0"),      // constants alone: Python would raise ZeroDivisionError
            Expression.Parse("(0 - 8) ^ 0.5 + x0"),  // Python's ** would give a complex number
            Expression.Parse("cube(x0 - 1) + square(-x1) - cube(-2)"),
            Expression.Parse("1.5"),
        };
        while (list.Count < count) list.Add(new Expression(RandomExpressions.Tree(rng, 1 + rng.Next(24), Features)));
        return list.ToArray();
    }

    /// <summary>Rows of inputs: random values of mixed scale, and rows with 0, −0, ±1, ±inf and NaN.</summary>
    static double[][] Inputs(int rows, int seed)
    {
        var rng = new Random(seed);
        double[] special = [0.0, -0.0, 1.0, -1.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 2.0, -0.5];
        var x = new double[rows][];
        for (int i = 0; i < rows; i++)
        {
            x[i] = new double[Features];
            for (int j = 0; j < Features; j++)
                x[i][j] = i < 12 ? special[(i + 3 * j) % special.Length] : (rng.NextDouble() * 6 - 3) * Math.Pow(10, rng.Next(-2, 3));
        }
        return x;
    }

    static int AssertMatches(Expression[] expressions, double[][] x, Func<int, int, double> exported, double relative, string form,
        bool skipIllConditioned = false)
    {
        int failures = 0, skipped = 0;
        var report = new StringBuilder();
        for (int e = 0; e < expressions.Length; e++)
            for (int i = 0; i < x.Length; i++)
            {
                if (skipIllConditioned && Conditioning.IllConditioned(expressions[e], x[i])) { skipped++; continue; }
                double expected = expressions[e].Evaluate(x[i]), actual = exported(e, i);
                if (ExportRuntimes.Same(expected, actual, relative)) continue;
                if (failures++ < 10)
                    report.AppendLine(CultureInfo.InvariantCulture,
                        $"{expressions[e]} at ({string.Join(", ", x[i])}): Evaluate {expected:R}, {form} {actual:R}");
            }
        Assert.True(failures == 0, $"{failures} of {expressions.Length * x.Length} values differ:\n{report}");
        return skipped;
    }

    [Fact]
    public void Csharp_functions_compiled_by_roslyn_equal_evaluate_on_random_expressions_within_1e_12()
    {
        var expressions = Expressions(300, seed: 5);
        var x = Inputs(40, seed: 6);
        var source = new StringBuilder("using System;\npublic static class Exported\n{\n");
        for (int e = 0; e < expressions.Length; e++)
            source.Append(expressions[e].WithVariableNames(["x0", "x1", "x2"]).ToFunction(SourceLanguage.CSharp, $"F{e}")).Append('\n');
        source.Append("}\n");
        var type = ExportRuntimes.CompileCSharp(source.ToString()).GetType("Exported")!;

        AssertMatches(expressions, x, (e, i) =>
        {
            var method = type.GetMethod($"F{e}")!;
            var args = x[i].Take(method.GetParameters().Length).Cast<object>().ToArray();
            return (double)method.Invoke(null, args)!;
        }, 1e-12, "C#", skipIllConditioned: true); // the export calls Math.*; Evaluate has Occam's own exp, log, sin, cos (VectorMath)
    }

    [Fact]
    public void Numpy_and_jax_functions_run_by_python_equal_evaluate_on_random_expressions_within_1e_12()
    {
        // NumPy's transcendental functions are not glibc's (np.cos(1000.0) is 1 ulp from math.cos(1000.0)), so values that
        // a few ulp in such a function move by more than 1e-13 are left out (Conditioning.IllConditioned): at most 5 % of them.
        // The JAX text runs with NumPy bound to jnp: it checks the text's operators and their order (jax.numpy mirrors
        // NumPy's API for every function used), not JAX itself, which cannot be installed here.
        var expressions = Expressions(300, seed: 7);
        var x = Inputs(40, seed: 8);
        var script = new StringBuilder();
        for (int e = 0; e < expressions.Length; e++)
        {
            var named = expressions[e].WithVariableNames(["x0", "x1", "x2"]);
            script.Append(named.ToFunction(SourceLanguage.Numpy, $"f{e}")).Append('\n');
            script.Append(named.ToFunction(SourceLanguage.Jax, $"g{e}").Replace("import jax.numpy as jnp", "import numpy as jnp")).Append('\n');
        }
        script.Append("import warnings\nwarnings.simplefilter('ignore')\n");
        script.Append("X = np.array([").Append(string.Join(", ", x.Select(r => "[" + string.Join(", ", r.Select(ExportRuntimes.PythonFloat)) + "]")))
            .Append("], dtype=np.float64)\n");
        script.Append("arity = [").Append(string.Join(", ", expressions.Select(e => e.MaxVariableIndex + 1))).Append("]\n");
        script.Append($"for e in range({expressions.Length}):\n");
        script.Append("    for name in ('f', 'g'):\n");
        script.Append("        y = np.broadcast_to(globals()[name + str(e)](*[X[:, j] for j in range(arity[e])]), (X.shape[0],))\n");
        script.Append("        print(' '.join(repr(float(v)) for v in y))\n");
        var (code, output, error) = ExportRuntimes.Run(ExportRuntimes.Python(), script.ToString(), TimeSpan.FromMinutes(2));
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ').Select(ExportRuntimes.ParsePythonFloat).ToArray()).ToArray();
        Assert.Equal(2 * expressions.Length, lines.Length);

        int skipped = AssertMatches(expressions, x, (e, i) => lines[2 * e][i], 1e-12, "NumPy", skipIllConditioned: true);
        AssertMatches(expressions, x, (e, i) => lines[2 * e + 1][i], 1e-12, "JAX text under NumPy", skipIllConditioned: true);
        Assert.True(skipped <= expressions.Length * x.Length / 20, $"{skipped} ill-conditioned values left out");
    }

    [Fact]
    public void Numpy_function_accepts_python_floats_and_integers()
    {
        // Plain Python floats would raise ZeroDivisionError for 1.0 / 0.0; the function converts them to float64.
        var e = Expression.Parse("x0 / x1 + 2 / 0");
        var script = e.ToFunction(SourceLanguage.Numpy)
            + "print(repr(float(f(1.0, 0.0))), repr(float(f(-1.0, 0.0))), repr(float(f(3, 2))))\n";
        var (code, output, error) = ExportRuntimes.Run(ExportRuntimes.Python(), script, TimeSpan.FromMinutes(1));
        Assert.True(code == 0, error);
        var values = output.Trim().Split(' ').Select(ExportRuntimes.ParsePythonFloat).ToArray();
        Assert.Equal([e.Evaluate([1.0, 0.0]), e.Evaluate([-1.0, 0.0]), e.Evaluate([3.0, 2.0])], values); // inf, NaN, inf
    }

    [Fact]
    public void Jax_text_is_the_numpy_text_with_jnp_for_np()
    {
        foreach (var e in Expressions(200, seed: 9))
            Assert.Equal(e.ToNumpy().Replace("np.", "jnp."), e.ToJax());
    }

    [Theory]
    [InlineData("x0 + x1 - x2", "x0 + x1 - x2", "x0 .+ x1 .- x2")]
    [InlineData("x0 * (x1 - 2.5)", "x0 * (x1 - 2.5)", "x0 .* (x1 .- 2.5)")]
    [InlineData("x0 / x1", "x0 / x1", "x0 ./ x1")]
    [InlineData("2 / 0", "np.divide(2.0, 0.0)", "2.0 ./ 0.0")]
    [InlineData("x0 ^ x1", "np.power(x0, x1)",
        "((a, b) -> a < 0 && isfinite(b) && !isinteger(b) ? (isinf(a) ? (b > 0 ? Inf : 0.0) : NaN) : a ^ b).(x0, x1)")]
    [InlineData("greater(x0, x1)", "np.where(x0 > x1, 1.0, 0.0)", "ifelse.(x0 .> x1, 1.0, 0.0)")]
    [InlineData("cond(x0, x1)", "np.where(x0 > 0.0, x1, 0.0)", "ifelse.(x0 .> 0.0, x1, 0.0)")]
    [InlineData("step(x0)", "np.where(x0 > 0.0, 1.0, 0.0)", "ifelse.(x0 .> 0.0, 1.0, 0.0)")]
    [InlineData("neg(x0 + x1)", "-(x0 + x1)", "-(x0 .+ x1)")]
    [InlineData("square(x0 - 1)", "np.square(x0 - 1.0)", "(x0 .- 1.0) .^ 2")]
    [InlineData("cube(x0)", "x0 * x0 * x0", "x0 .^ 3")]
    [InlineData("cube(x0 - 1)", "(lambda t: t * t * t)(x0 - 1.0)", "(x0 .- 1.0) .^ 3")]
    [InlineData("-square(x0)", "-np.square(x0)", "-x0 .^ 2")]
    [InlineData("sqrt(x0)", "np.sqrt(x0)", "(a -> a < 0 ? NaN : sqrt(a)).(x0)")]
    [InlineData("log(x0)", "np.log(x0)", "(a -> a < 0 ? NaN : log(a)).(x0)")]
    [InlineData("sin(x0) + cos(x1)", "np.sin(x0) + np.cos(x1)", "(a -> isinf(a) ? NaN : sin(a)).(x0) .+ (a -> isinf(a) ? NaN : cos(a)).(x1)")]
    [InlineData("exp(x0) * abs(x1) * tanh(x2)", "np.exp(x0) * np.abs(x1) * np.tanh(x2)", "exp.(x0) .* abs.(x1) .* tanh.(x2)")]
    [InlineData("inv(x0 * x1)", "1.0 / (x0 * x1)", "1.0 ./ (x0 .* x1)")]
    [InlineData("x0 * -2e-5", "x0 * -2e-05", "x0 .* -2e-05")]
    [InlineData("x0 - -3", "x0 - -3.0", "x0 .- -3.0")]
    public void Each_operator_prints_as_written_by_hand_for_numpy_and_julia(string infix, string numpy, string julia)
    {
        var e = Expression.Parse(infix);
        Assert.Equal(numpy, e.ToNumpy());
        Assert.Equal(julia, e.ToJulia());
    }

    [Fact]
    public void Julia_text_has_balanced_brackets_and_no_undotted_arithmetic_on_random_expressions()
    {
        // No Julia runtime here: this checks shape only. Every +, −, *, /, ^ and comparison outside the NaN guards'
        // anonymous functions (which take scalars) must be dotted so that arrays broadcast.
        foreach (var e in Expressions(300, seed: 11))
        {
            string text = e.ToJulia();
            int depth = 0;
            foreach (char c in text)
            {
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                Assert.True(depth >= 0, text);
            }
            Assert.Equal(0, depth);
            var outside = System.Text.RegularExpressions.Regex.Replace(text, @"\((\(a, b\)|a) -> .*?\)\.\(", "(");
            foreach (var op in new[] { " + ", " - ", " * ", " / ", " ^ ", " > " })
                Assert.DoesNotContain(op, outside);
        }
    }

    [Fact]
    public void Variables_print_by_name_and_names_that_are_not_identifiers_become_unique_x_i()
    {
        var e = new Expression(
            [Node.Var(0), Node.Var(1), Node.Of(OpCode.Add), Node.Var(2), Node.Of(OpCode.Mul), Node.Var(3), Node.Of(OpCode.Sub)],
            ["dx", "lambda", "m 1", "x1"]);
        Assert.Equal("(dx + x1_) * x2 - x1", e.ToNumpy());           // 'lambda' is a Python keyword, 'm 1' no identifier
        Assert.Equal("(dx .+ lambda) .* x2 .- x1", e.ToJulia());      // 'lambda' is fine in Julia
        string function = e.ToFunction(SourceLanguage.Numpy, "force");
        Assert.Contains("def force(dx, x1_, x2, x1):", function);
        Assert.Contains("public static double f(double dx, double lambda, double x2, double x1)", e.ToFunction(SourceLanguage.CSharp));
        Assert.Contains("function f(dx, lambda, x2, x1)", e.ToFunction(SourceLanguage.Julia));
    }

    [Fact]
    public void Function_forms_take_every_variable_up_to_the_largest_index_in_order()
    {
        var e = Expression.Parse("x2 * 2");
        Assert.Contains("def f(x0, x1, x2):", e.ToFunction(SourceLanguage.Numpy));
        Assert.Contains("function f(x0, x1, x2)", e.ToFunction(SourceLanguage.Julia));
        Assert.Contains("def f():", Expression.Parse("3").ToFunction(SourceLanguage.Jax));
    }

    [Fact]
    public void Custom_operators_have_no_source_form_and_say_which_operator()
    {
        var e = Expression.Parse("x0 + softplus_export(x1)", null, new OperatorSet([CustomOperator.FromFunction("softplus_export", v => Math.Log(1 + Math.Exp(v)))]));
        foreach (var export in new Func<string>[] { e.ToNumpy, e.ToJax, e.ToJulia, () => e.ToFunction(SourceLanguage.CSharp) })
        {
            var error = Assert.Throws<NotSupportedException>(export);
            Assert.Contains("softplus_export", error.Message);
        }
    }

    [Theory]
    [InlineData(SourceLanguage.Numpy, "def")]
    [InlineData(SourceLanguage.Julia, "end")]
    [InlineData(SourceLanguage.CSharp, "double")]
    [InlineData(SourceLanguage.Numpy, "my-law")]
    [InlineData(SourceLanguage.Numpy, "x0")]
    public void A_function_name_that_is_no_identifier_or_names_a_variable_is_refused(SourceLanguage language, string name)
    {
        var error = Assert.Throws<ArgumentException>(() => Expression.Parse("x0 + 1").ToFunction(language, name));
        Assert.Contains(name, error.Message);
    }
}
