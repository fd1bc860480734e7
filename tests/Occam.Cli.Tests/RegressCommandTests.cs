using System.Globalization;
using System.Text.Json;
using static Occam.Cli.Tests.CliRunner;

namespace Occam.Cli.Tests;

public sealed class RegressCommandTests
{
    static string WriteCsv(TempDir dir, string name, string text)
    {
        string path = dir.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("x0,y\n1,2\n", "nope", "nope")]
    [InlineData("x0,y\n1,2\nNaN,3\n", "y", "data.csv:3: column 'x0'")]
    [InlineData("x0,y\n", "y", "no data")]
    [InlineData("x0,y\n1,2,3\n", "y", "data.csv:2:")]
    public void Bad_tables_give_one_line_errors_and_write_no_json(string csv, string target, string expected)
    {
        using var dir = new TempDir();
        string data = WriteCsv(dir, "data.csv", csv);
        string json = dir.File("result.json");

        var (code, _, error) = Run("regress", data, "--target", target, "--json", json, "--quiet");

        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains(expected, error, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(json));
    }

    [Fact]
    public void Interrupting_regress_prints_and_writes_the_front_so_far_and_exits_130()
    {
        // y = x0² on 40 rows; a 300 s budget it cannot reach, interrupted (as Ctrl+C does) from its first progress line.
        using var dir = new TempDir();
        string data = WriteCsv(dir, "data.csv", "x0,y\n" + string.Concat(Enumerable.Range(0, 40).Select(i =>
            FormattableString.Invariant($"{0.1 * i - 2},{(0.1 * i - 2) * (0.1 * i - 2)}\n"))));
        string json = dir.File("result.json");
        using var interrupt = new CancellationTokenSource();
        var output = new StringWriter();
        var error = new InterruptingWriter(interrupt, "round 1,");

        int code = OccamCommand.Run(["regress", data, "--target", "y", "--time-limit", "300", "--threads", "1", "--json", json],
            output, error, interrupt.Token);

        Assert.Equal(130, code);
        Assert.Contains("stopped: cancelled", output.ToString());
        Assert.Contains("best: y = ", output.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal("cancelled", doc.RootElement.GetProperty("stop_reason").GetString());
        Assert.True(doc.RootElement.GetProperty("pareto").GetArrayLength() > 0);
    }

    /// <summary>Cancels when a line containing <paramref name="trigger"/> is written.</summary>
    sealed class InterruptingWriter(CancellationTokenSource interrupt, string trigger) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(trigger) == true) interrupt.Cancel();
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void A_batch_size_below_one_is_refused_with_its_option(string batch)
    {
        using var dir = new TempDir();
        string data = WriteCsv(dir, "line.csv", "x0,y\n1,2\n2,4\n3,6\n");
        var (code, _, error) = Run("regress", data, "--target", "y", "--batch-size", batch, "--quiet");
        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains("--batch-size", error);
    }

    [Fact]
    public void Missing_file_gives_one_line_error()
    {
        var (code, _, error) = Run("regress", "/no/such/file.csv", "--target", "y");
        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains("/no/such/file.csv", error);
    }

    [Fact]
    public void Regress_finds_a_quadratic_law_and_writes_json_whose_best_equation_reproduces_the_data()
    {
        using var dir = new TempDir();
        var rows = new List<string> { "x0,x1,y" };
        var rng = new Random(3);
        var samples = new List<(double X0, double X1, double Y)>();
        for (int i = 0; i < 200; i++)
        {
            double x0 = rng.NextDouble() * 4 - 2, x1 = rng.NextDouble() * 4 - 2;
            double y = 2.5 * x0 * x0 - x1;
            samples.Add((x0, x1, y));
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"{x0:R},{x1:R},{y:R}"));
        }
        string data = WriteCsv(dir, "quadratic.csv", string.Join('\n', rows));
        string json = dir.File("result.json");

        var (code, _, error) = Run("regress", data, "--target", "y", "--seed", "1", "--threads", "2",
            "--loss-threshold", "1e-12", "--time-limit", "60", "--json", json, "--quiet");

        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var best = doc.RootElement.GetProperty("best");
        string equation = best.GetProperty("equation").GetString()!;
        Assert.True(doc.RootElement.GetProperty("pareto").GetArrayLength() > 0);
        // Independent check: evaluate the printed equation on the data (parsed back by the engine's parser).
        var expression = Occam.Symbolic.Expression.Parse(equation, ["x0", "x1"]);
        foreach (var (x0, x1, y) in samples)
            Assert.Equal(y, expression.Evaluate([x0, x1]), 6);
    }
}

public sealed class RegressDefaultsTests
{
    static string Table(TempDir dir, Func<double, double, double> law, int seed)
    {
        var rng = new Random(seed);
        var text = new System.Text.StringBuilder("x0,x1,y\n");
        for (int i = 0; i < 1000; i++)
        {
            double a = 6 * rng.NextDouble() - 3, b = 6 * rng.NextDouble() - 3;
            text.Append(FormattableString.Invariant($"{a:R},{b:R},{law(a, b):R}\n"));
        }
        string path = dir.File("law.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Theory]
    [InlineData("radial")]
    [InlineData("wave")]
    public void Default_operators_find_laws_with_roots_and_cosines_and_stop_on_the_exact_fit(string name)
    {
        // No --operators: the default set (+ − × ÷ square sqrt exp log sin cos) must express the law, and the run must end
        // by itself once it is found (a generous evaluation budget keeps the test deterministic and bounded).
        Func<double, double, double> law = name == "radial" ? (a, b) => 2 * Math.Sqrt(a * a + b * b + 1) : (a, b) => b * Math.Cos(3 * a) - 1;
        using var dir = new TempDir();
        string data = Table(dir, law, 3);
        string json = dir.File("result.json");

        var (code, output, _) = Run("regress", data, "--target", "y", "--seed", "1", "--threads", "2", "--max-evals", "20000000",
            "--time-limit", "600", "--json", json, "--quiet");

        Assert.Equal(0, code);
        Assert.Contains("stopped: exact fit", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal("exact fit", doc.RootElement.GetProperty("stop_reason").GetString());
        var best = Occam.Symbolic.Expression.Parse(doc.RootElement.GetProperty("best").GetProperty("equation").GetString()!);
        var rng = new Random(9); // fresh points
        for (int i = 0; i < 200; i++)
        {
            double a = 6 * rng.NextDouble() - 3, b = 6 * rng.NextDouble() - 3;
            Assert.Equal(law(a, b), best.Evaluate([a, b]), 1e-6);
        }
    }

    [Fact]
    public void No_early_stop_runs_the_whole_budget()
    {
        using var dir = new TempDir();
        string data = Table(dir, (a, b) => a * b + 1, 4);
        string json = dir.File("result.json");

        var (code, output, _) = Run("regress", data, "--target", "y", "--seed", "1", "--threads", "1", "--max-evals", "150000",
            "--no-early-stop", "--json", json, "--quiet");

        Assert.Equal(0, code);
        Assert.Contains("stopped: evaluation budget", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(0, doc.RootElement.GetProperty("stop_loss").GetDouble());
        Assert.True(doc.RootElement.GetProperty("pareto").EnumerateArray().Min(e => e.GetProperty("loss").GetDouble()) < 1e-20);
    }
}
