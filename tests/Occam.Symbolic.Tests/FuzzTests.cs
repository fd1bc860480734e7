using System.Globalization;
using Occam.Fuzzing;
using Occam.Symbolic.IO;
using static Occam.Fuzzing.FuzzInputs;

namespace Occam.Symbolic.Tests;

/// <summary>
/// Fuzzing the library's entry points for text (docs/errors.md): expressions and CSV tables. Only the documented error
/// type escapes, as one line that names the problem; whatever parses works in every pass over the tree.
/// </summary>
public sealed class FuzzTests
{
    static readonly string[] Names = ["r", "dx", "m1", "q2"];

    [Fact]
    public void Fuzzed_expressions_parse_or_give_a_format_error_and_whatever_parses_works() => Fuzz.Run(3000, rng =>
    {
        string text = Expression(rng);
        return (text, () =>
        {
            Expression e;
            try
            {
                e = Symbolic.Expression.Parse(text, Names);
            }
            catch (FormatException error)
            {
                Fuzz.AssertOneLine(error.Message);
                Assert.True(error.Message.Contains("position", StringComparison.Ordinal) || error.Message.Contains("limit", StringComparison.Ordinal),
                    $"the message says neither where nor which limit: {error.Message}");
                return;
            }
            Assert.True(e.Depth <= Symbolic.Expression.MaxDepth);
            var point = new double[] { 1.5, -0.5, 2, -1, 0.25 };
            if (e.MaxVariableIndex >= point.Length)
            {
                // x<k> past the named variables: evaluating it without a value for it is an argument error
                Fuzz.AssertOneLine(Assert.Throws<ArgumentException>(() => e.Evaluate(point)).Message);
                return;
            }
            double value = e.Evaluate(point);
            var again = Symbolic.Expression.Parse(e.ToInfix(), Names);
            double valueAgain = again.Evaluate(point);
            Assert.True(value.Equals(valueAgain) || Math.Abs(value - valueAgain) <= 1e-9 * Math.Abs(value),
                $"{e.ToInfix()} = {value} but reads back as {again.ToInfix()} = {valueAgain}");
            _ = e.Simplify().Evaluate(point);
            _ = (e.ToSympy(), e.ToLatex(), e.ToCSharp());
            try
            {
                _ = e.Differentiate(0).Evaluate(point);
            }
            catch (ArgumentException error)
            {
                Fuzz.AssertOneLine(error.Message);
                Assert.Contains("limit", error.Message.Replace($"{Symbolic.Expression.MaxDerivativeNodes} nodes", "limit", StringComparison.Ordinal));
            }
        });
    });

    static readonly string Table = "x,z,y\n" + string.Concat(Enumerable.Range(0, 12).Select(i =>
        string.Create(CultureInfo.InvariantCulture, $"{0.5 * i},{1 - 0.25 * i},{0.5 * i * (1 - 0.25 * i)}\n")));

    [Fact]
    public void Fuzzed_csv_tables_read_or_give_an_error_naming_the_source() => Fuzz.Run(1500, rng =>
    {
        string text = rng.Next(10) == 0 ? string.Concat(Enumerable.Range(0, rng.Next(200)).Select(_ => (char)rng.Next(1, 128))) : MutateText(rng, Table);
        string target = rng.Next(8) == 0 ? Pick(rng, ["", "q", "x", "y,z", " y"]) : "y";
        return (text, () =>
        {
            try
            {
                var table = TabularData.ReadCsv(new StringReader(text), "fuzz.csv", target);
                Assert.True(table.Rows > 0);
                Assert.All(table.Y, v => Assert.True(double.IsFinite(v)));
            }
            catch (Exception error) when (error is InvalidDataException or ArgumentException)
            {
                Fuzz.AssertOneLine(error.Message);
                Assert.Contains("fuzz.csv", error.Message);
            }
        });
    });

    const string HallOfFame = """{ "best": { "complexity": 3, "loss": 0.5, "equation": "r * dx" }, "pareto": [ { "complexity": 1, "loss": 2, "equation": "r" }, { "complexity": 3, "loss": 0.5, "equation": "r * dx" } ], "variables": ["r", "dx"] }""";

    [Fact]
    public void Fuzzed_hall_of_fame_files_load_or_give_an_invalid_data_error_naming_the_file() => Fuzz.Run(1000, rng =>
    {
        var text = MutateText(rng, HallOfFame);
        var path = Path.Combine(Path.GetTempPath(), $"occam-fuzz-hof-{Guid.NewGuid():N}.json");
        return (text, () =>
        {
            File.WriteAllText(path, text);
            try
            {
                Assert.NotNull(HallOfFameFile.Load(path, Names));
            }
            catch (InvalidDataException e)
            {
                Fuzz.AssertOneLine(e.Message);
                Assert.Contains(path, e.Message);
            }
            finally
            {
                File.Delete(path);
            }
        });
    });
}
