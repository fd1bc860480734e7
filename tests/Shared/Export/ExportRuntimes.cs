using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Occam.Tests.Export;

/// <summary>
/// The real tools that check exported source: the C# compiler (Roslyn) and a Python interpreter with NumPy. Each runs
/// the exported text itself, so a test compares Occam's evaluator with an independent implementation of the same law.
/// </summary>
internal static class ExportRuntimes
{
    /// <summary>Compiles C# source into a loaded assembly, referencing the running process's assemblies (TorchSharp
    /// included where the test project has it). Throws with the compiler's errors and the source when it does not compile.</summary>
    public static Assembly CompileCSharp(string source)
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsDynamic && a.Location.Length > 0).Select(a => a.Location))
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal);
        var compilation = CSharpCompilation.Create("Exported" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            paths.Select(p => MetadataReference.CreateFromFile(p)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!result.Success || errors.Count > 0)
            throw new InvalidOperationException("the exported C# does not compile:\n" + string.Join('\n', errors.Take(10)) + "\n--- source ---\n" + source);
        return Assembly.Load(image.ToArray());
    }

    /// <summary>The Python interpreter with NumPy: <c>OCCAM_PYTHON</c> when set, else /usr/bin/python3, else python3 on the path.</summary>
    public static string Python()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("OCCAM_PYTHON"), "/usr/bin/python3", "python3" })
        {
            if (string.IsNullOrEmpty(candidate)) continue;
            try
            {
                var (code, _, _) = Run(candidate, "import numpy", TimeSpan.FromSeconds(60));
                if (code == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }
        throw new InvalidOperationException(
            "these tests run the exported NumPy code and need a Python 3 with NumPy: apt-get install python3-numpy (or set OCCAM_PYTHON)");
    }

    /// <summary>Runs a Python script and returns its exit code, standard output and standard error.</summary>
    public static (int Code, string Out, string Err) Run(string python, string script, TimeSpan timeout)
    {
        var file = Path.Combine(Path.GetTempPath(), $"occam-export-{Guid.NewGuid():N}.py");
        File.WriteAllText(file, script);
        try
        {
            var info = new ProcessStartInfo(python, [file]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"python ran longer than {timeout.TotalSeconds} s");
            }
            return (process.ExitCode, output.Result, error.Result);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A Python float literal of exactly <paramref name="v"/>.</summary>
    public static string PythonFloat(double v) =>
        double.IsNaN(v) ? "float('nan')" : double.IsPositiveInfinity(v) ? "float('inf')" : double.IsNegativeInfinity(v) ? "float('-inf')"
            : v.ToString("R", CultureInfo.InvariantCulture) is var r && r.IndexOfAny(['.', 'E']) < 0 ? r + ".0" : v.ToString("R", CultureInfo.InvariantCulture); // -0 → -0.0, not the integer 0

    /// <summary>Reads Python's <c>repr</c> of a float (nan, inf, -inf, or a round-trip decimal).</summary>
    public static double ParsePythonFloat(string text) => text switch
    {
        "nan" or "-nan" => double.NaN,
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Whether <paramref name="actual"/> matches <paramref name="expected"/>: both NaN, the same infinity, or finite and
    /// within <paramref name="relative"/> of the larger magnitude (so ±0 match each other).
    /// </summary>
    public static bool Same(double expected, double actual, double relative)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual)) return double.IsNaN(expected) && double.IsNaN(actual);
        if (double.IsInfinity(expected) || double.IsInfinity(actual)) return expected == actual;
        return Math.Abs(expected - actual) <= relative * Math.Max(Math.Abs(expected), Math.Abs(actual));
    }
}
