using System.Globalization;
using System.Text.Json;
using Occam.Symbolic;
using Occam.Tests.Export;
using TorchSharp;
using static Occam.Cli.Tests.CliRunner;
using static TorchSharp.torch;

namespace Occam.Cli.Tests;

/// <summary><c>occam regress --export</c>: the files, their content run by the real tools, and the errors.</summary>
public sealed class RegressExportTests
{
    /// <summary>y = 2.5·x0² − x1 on 100 rows; returns the CSV path and the rows.</summary>
    static (string Path, double[][] Rows) Quadratic(TempDir dir, string name = "data.csv")
    {
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 100).Select(_ => new[] { rng.NextDouble() * 4 - 2, rng.NextDouble() * 4 - 2 }).ToArray();
        string path = dir.File(name);
        File.WriteAllText(path, "x0,x1,y\n" + string.Concat(rows.Select(r =>
            string.Create(CultureInfo.InvariantCulture, $"{r[0]:R},{r[1]:R},{2.5 * r[0] * r[0] - r[1]:R}\n"))));
        return (path, rows);
    }

    static string[] Search(string data, params string[] extra) =>
        ["regress", data, "--target", "y", "--seed", "1", "--threads", "2", "--loss-threshold", "1e-12", "--time-limit", "60", "--quiet", .. extra];

    [Fact]
    public void Export_writes_each_format_next_to_the_json_and_each_file_computes_the_best_equation()
    {
        using var dir = new TempDir();
        var (data, rows) = Quadratic(dir);
        string json = dir.File("fit.json");

        var (code, _, error) = Run(Search(data, "--json", json, "--export", "numpy,jax,julia,csharp,torchsharp"));

        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var best = Expression.Parse(doc.RootElement.GetProperty("best").GetProperty("equation").GetString()!, ["x0", "x1"]);
        var expected = rows.Select(r => best.Evaluate(r)).ToArray();
        foreach (var suffix in new[] { "_numpy.py", "_jax.py", "_julia.jl", "_csharp.cs", "_torchsharp.cs" })
            Assert.True(File.Exists(dir.File("fit" + suffix)), "fit" + suffix);
        Assert.Contains("function y(x0, x1)", File.ReadAllText(dir.File("fit_julia.jl")));
        Assert.Contains("import jax.numpy as jnp", File.ReadAllText(dir.File("fit_jax.py")));

        // NumPy: the file imported by Python and called on the data's columns.
        string script = File.ReadAllText(dir.File("fit_numpy.py")) + "\nX = np.array(["
            + string.Join(", ", rows.Select(r => $"[{ExportRuntimes.PythonFloat(r[0])}, {ExportRuntimes.PythonFloat(r[1])}]"))
            + "])\nprint(' '.join(repr(float(v)) for v in y(X[:, 0], X[:, 1])))\n";
        var (pyCode, pyOut, pyErr) = ExportRuntimes.Run(ExportRuntimes.Python(), script, TimeSpan.FromMinutes(1));
        Assert.True(pyCode == 0, pyErr);
        var numpy = pyOut.Trim().Split(' ').Select(ExportRuntimes.ParsePythonFloat).ToArray();

        // C#: the method compiled by Roslyn inside a class.
        var csharp = ExportRuntimes.CompileCSharp("using System;\npublic static class Exported\n{\n" + File.ReadAllText(dir.File("fit_csharp.cs")) + "}\n")
            .GetType("Exported")!.GetMethod("y")!;

        // TorchSharp: the module class compiled against TorchSharp, in float64.
        var moduleType = ExportRuntimes.CompileCSharp(File.ReadAllText(dir.File("fit_torchsharp.cs"))).GetType("SymbolicLaw")!;
        using var module = (nn.Module<Tensor, Tensor>)Activator.CreateInstance(moduleType, ScalarType.Float64, null)!;
        using var input = tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, 2 }, dtype: ScalarType.Float64);
        using var output = module.forward(input);
        var torchValues = output.detach().data<double>().ToArray();

        for (int i = 0; i < rows.Length; i++)
        {
            Assert.True(ExportRuntimes.Same(expected[i], numpy[i], 1e-12), $"row {i}: {expected[i]} vs NumPy {numpy[i]}");
            Assert.True(ExportRuntimes.Same(expected[i], (double)csharp.Invoke(null, [rows[i][0], rows[i][1]])!, 1e-12), $"row {i}: C#");
            Assert.True(ExportRuntimes.Same(expected[i], torchValues[i], 1e-12), $"row {i}: {expected[i]} vs TorchSharp {torchValues[i]}");
            Assert.Equal(2.5 * rows[i][0] * rows[i][0] - rows[i][1], expected[i], 1e-6);
        }
    }

    [Fact]
    public void Export_out_names_the_files_without_a_json()
    {
        using var dir = new TempDir();
        var (data, _) = Quadratic(dir);

        var (code, _, error) = Run(Search(data, "--export", "julia", "--export-out", dir.File("law")));

        Assert.True(code == 0, error);
        Assert.Equal(new[] { "law_julia.jl" }, Directory.GetFiles(dir.Path, "law*").Select(f => Path.GetFileName(f)).ToArray());
    }

    [Theory]
    [InlineData("fortran", "fortran")]
    [InlineData("numpy,Julia", "Julia")]
    [InlineData("numpy,", "''")]
    public void An_unknown_export_format_is_a_one_line_command_line_error(string formats, string named)
    {
        using var dir = new TempDir();
        var (data, _) = Quadratic(dir);
        string json = dir.File("fit.json");

        var (code, _, error) = Run(Search(data, "--json", json, "--export", formats));

        Assert.Equal(2, code);
        Assert.Single(Lines(error));
        Assert.Contains(named, error);
        Assert.False(File.Exists(json));
    }

    [Fact]
    public void Export_without_a_place_for_its_files_and_export_out_alone_are_one_line_errors()
    {
        using var dir = new TempDir();
        var (data, _) = Quadratic(dir);

        var (code, _, error) = Run(Search(data, "--export", "numpy"));
        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains("--export-out", error);

        (code, _, error) = Run(Search(data, "--export-out", dir.File("law")));
        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains("--export", error);
        Assert.Empty(Directory.GetFiles(dir.Path, "law*"));
    }

    [Fact]
    public void An_export_file_that_would_replace_the_input_is_refused_before_the_search()
    {
        using var dir = new TempDir();
        var (data, _) = Quadratic(dir, "d_numpy.py"); // a CSV under the name the export would write
        string before = File.ReadAllText(data);

        var (code, _, error) = Run(Search(data, "--export", "numpy", "--export-out", dir.File("d")));

        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains("would overwrite the input", error);
        Assert.Equal(before, File.ReadAllText(data));
    }
}
