using System.Security.Cryptography;
using static Occam.Cli.Tests.CliRunner;

namespace Occam.Cli.Tests;

/// <summary>
/// The reproductions of issue 26: each gives one line on stderr and the documented exit code (docs/errors.md), and
/// leaves every existing file as it was.
/// </summary>
public sealed class HardeningTests : IDisposable
{
    readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));

    /// <summary>The files below the folder with a hash of each, to show that a failed command changed nothing.</summary>
    Dictionary<string, string> Snapshot() => Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories)
        .ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    string GoodCsv()
    {
        var path = dir.File("good.csv");
        File.WriteAllText(path, "x,z,y\n" + string.Concat(Enumerable.Range(0, 40).Select(i =>
            FormattableString.Invariant($"{0.1 * i - 2},{0.05 * i},{(0.1 * i - 2) * (0.1 * i - 2) + 0.05 * i}\n"))));
        return path;
    }

    /// <summary>Runs occam and checks the one-line error, its exit code and that no file changed.</summary>
    string Fails(int expectedCode, params string[] args)
    {
        var before = Snapshot();
        var (code, _, error) = Run(args);
        Assert.True(expectedCode == code, $"exit {code}, expected {expectedCode}: {error}");
        // progress lines may come first; the error is one line, the last
        var lines = Lines(error);
        Assert.Single(lines, l => l.StartsWith("occam: error: ", StringComparison.Ordinal));
        Assert.StartsWith("occam: error: ", lines[^1]);
        Assert.Equal(before, Snapshot());
        return lines[^1];
    }

    public static TheoryData<string, string> DeepPotentials => new()
    {
        { "(" + Repeat("(", 59_999) + "r" + Repeat(")", 60_000), "characters long; the limit is 20000" },
        { Repeat("(", 5000) + "r" + Repeat(")", 5000), "nested more than 200 levels" },
        { Repeat("-", 120_000) + "r", "characters long; the limit is 20000" },
        { Repeat("-", 5000) + "r", "nested more than 200 levels" },
        { Repeat("exp(", 2000) + "r" + Repeat(")", 2000), "nested more than 200 levels" },
        { Repeat("sin(", 20_000) + "r" + Repeat(")", 20_000), "characters long" },
        { Repeat("r^", 40_000) + "r", "characters long" },
        { Repeat("r^", 5000) + "r", "nested more than 200 levels" },
        { "r" + Repeat("*r", 5000), "levels deep; the limit is 200" },
        { "r" + Repeat("/r", 5000), "levels deep; the limit is 200" },
    };

    [Theory]
    [MemberData(nameof(DeepPotentials))]
    public void Deeply_nested_or_long_potentials_give_a_limit_error_not_a_stack_overflow(string potential, string expected)
    {
        var error = Fails(1, "simulate", "--potential", potential, "--sims", "2", "--steps", "5", "--out", dir.File("o.npz"));
        Assert.Contains(expected, error);
        Assert.True(error.Length < 400, error);
        Assert.False(File.Exists(dir.File("o.npz")));
    }

    [Theory]
    [InlineData("1/0")]
    [InlineData("1/(r-r)")]
    [InlineData("exp(exp(exp(r)))")]
    public void A_non_finite_simulation_is_a_one_line_error_naming_the_potential_and_the_time(string potential)
    {
        File.WriteAllText(dir.File("o.npz"), "an earlier output");
        var error = Fails(1, "simulate", "--potential", potential, "--sims", "2", "--steps", "5", "--out", dir.File("o.npz"));
        Assert.Contains($"potential '{potential}'", error);
        Assert.Contains("t = ", error);
    }

    [Fact]
    public void An_empty_potential_is_refused_rather_than_simulating_spring()
    {
        Assert.Contains("--potential is empty", Fails(1, "simulate", "--potential", "", "--sims", "2", "--steps", "5", "--out", dir.File("o.npz")));
        Assert.Contains("--potential is empty", Fails(1, "simulate", "--potential", "  ", "--out", dir.File("o.npz")));
        Assert.False(File.Exists(dir.File("o.npz")));
    }

    [Fact]
    public void An_unknown_option_of_simulate_is_a_command_line_error()
    {
        var error = Fails(2, "simulate", "--frob");
        Assert.Contains("'--frob'", error);
        Assert.DoesNotContain("Unknown system", error);
    }

    [Fact]
    public void Regress_refuses_a_json_output_that_is_its_input()
    {
        var data = GoodCsv();
        Assert.Contains("would overwrite the input", Fails(1, "regress", data, "--target", "y", "--json", data, "--max-evals", "1000", "-q"));
        // the same file under another name (a symbolic link) too
        var link = dir.File("link.csv");
        File.CreateSymbolicLink(link, data);
        Assert.Contains("would overwrite the input", Fails(1, "regress", data, "--target", "y", "--json", link, "-q"));
        Assert.Contains("would overwrite the input", Fails(1, "regress", data, "--target", "y", "--hall-of-fame", data, "-q"));
    }

    [Fact]
    public void Regress_refuses_a_json_output_that_is_a_folder_before_the_search()
    {
        var data = GoodCsv();
        Directory.CreateDirectory(dir.File("out"));
        // A 600 s budget: only a check made before the search returns at once.
        Assert.Contains("is a folder", Fails(1, "regress", data, "--target", "y", "--json", dir.File("out"), "--time-limit", "600", "-q"));
    }

    [Theory]
    [InlineData("--threads", "-3", "--threads must be between 1")]
    [InlineData("--threads", "0", "--threads must be between 1")]
    [InlineData("--max-evals", "0", "--max-evals must be at least 1")]
    [InlineData("--max-evals", "-5", "--max-evals must be at least 1")]
    [InlineData("--loss-threshold", "NaN", "--loss-threshold must be a number")]
    [InlineData("--max-size", "100000000", "--max-size must be between 1 and 1000")]
    [InlineData("--populations", "100000000", "--populations must be between 1 and 1000")]
    [InlineData("--time-limit", "1e300", "--time-limit must be positive")]
    public void Regress_refuses_nonsense_settings_before_the_search(string option, string value, string expected)
    {
        var data = GoodCsv();
        Assert.Contains(expected, Fails(1, "regress", data, "--target", "y", option, value, "--json", dir.File("r.json"), "-q"));
        Assert.False(File.Exists(dir.File("r.json")));
    }

    [Fact]
    public async Task Regress_with_the_largest_size_honours_its_time_limit()
    {
        var data = GoodCsv();
        // a generous guard: without the limit inside the round this ran for minutes
        var (code, output, _) = await Task.Run(() => Run("regress", data, "--target", "y", "--max-size", "1000", "--time-limit", "1", "--threads", "1", "--no-early-stop", "-q"))
            .WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, code);
        Assert.Contains("stopped: time limit", output);
    }

    [Fact]
    public void A_value_of_1e308_in_the_target_is_an_error_not_a_front_with_loss_one()
    {
        var data = dir.File("huge.csv");
        File.WriteAllText(data, "x,y\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"{i},{2 * i}\n")) + "3,1e308\n");
        var error = Fails(1, "regress", data, "--target", "y", "--max-evals", "1000", "-q");
        Assert.Contains("too large", error);
    }

    [Fact]
    public void Simulate_refuses_an_output_that_is_a_special_file()
    {
        // Both are refused by the check made before the simulation, so no write is ever attempted on them.
        Assert.Contains("not a regular file", Fails(1, "simulate", "--sims", "2", "--steps", "3", "--out", "/dev/null"));
        Assert.Contains("not a regular file", Fails(1, "simulate", "--sims", "2", "--steps", "3", "--out", "/dev/stdout"));
        Assert.Equal("/proc/self/fd/1", new FileInfo("/dev/stdout").LinkTarget);
    }

    [Fact]
    public void No_message_ends_in_a_parameter_name()
    {
        var error = Fails(1, "demo", "nbody", "--quick", "--batch-size", "0", "--out", dir.File("demo"));
        Assert.DoesNotContain("(Parameter", error);
        Assert.Contains("BatchSize", error);
    }

    [Fact]
    public void A_report_folder_that_is_a_file_is_refused_before_any_work()
    {
        var file = dir.File("report");
        File.WriteAllText(file, "not a folder");
        Assert.Contains("is a file, not a folder", Fails(1, "discover", "--out", file, "--steps", "100000"));
        Assert.Contains("is a file, not a folder", Fails(1, "halos", "--out", file, "--steps", "100000"));
        Assert.Contains("is a file, not a folder", Fails(1, "analyze", "--out", file, "--model", dir.File("no-model")));
    }

    /// <summary>Trains a tiny model (two steps) into <c>model/</c>; returns its folder.</summary>
    string TrainedModel()
    {
        var model = dir.File("model");
        var (code, _, error) = Run("train", "--steps", "2", "--model", model, "--threads", "1");
        Assert.True(code == 0, error);
        return model;
    }

    [Fact]
    public void Train_refuses_to_replace_a_finished_model_without_force_and_resume_refuses_other_settings()
    {
        var model = TrainedModel();
        Assert.Contains("already holds a trained model", Fails(1, "train", "--steps", "5", "--model", model, "--threads", "1"));
        // resuming with another system (or any other training setting) names the setting and changes nothing
        var error = Fails(1, "train", "--resume", "--system", "r2", "--steps", "2", "--model", model, "--threads", "1");
        Assert.Contains("System = \"spring\"", error);
        Assert.Contains("System = \"r2\"", error);
        Assert.Contains("Variant = ", Fails(1, "train", "--resume", "--steps", "2", "--model", model, "--threads", "1", "--variant", "bottleneck"));
        // resuming a finished run prints the steps it actually ran
        var (code, output, _) = Run("train", "--resume", "--steps", "2", "--model", model, "--threads", "1");
        Assert.Equal(0, code);
        Assert.Contains("trained 0 steps (resumed at step 2 of 2)", output);
        // --force replaces it
        (code, output, _) = Run("train", "--force", "--steps", "3", "--model", model, "--threads", "1");
        Assert.Equal(0, code);
        Assert.Contains("trained 3 steps", output);
    }

    [Fact]
    public void A_truncated_model_file_gives_an_error_naming_it()
    {
        var model = TrainedModel();
        var file = Path.Combine(model, "model.bin");
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..1000]);
        var error = Fails(1, "train", "--resume", "--steps", "2", "--model", model, "--threads", "1");
        Assert.Contains(file, error);
        Assert.Contains("truncated", error);
    }
}
