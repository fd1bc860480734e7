using System.Security.Cryptography;
using System.Text.Json.Nodes;
using static Occam.Cli.Tests.CliRunner;

namespace Occam.Cli.Tests;

/// <summary>
/// Bad command lines and bad files given to <c>discover</c>, <c>train</c>, <c>analyze</c> and <c>halos</c>: each is one
/// line on stderr naming the option or the file, a non-zero exit code (2 for the command line, 1 for the rest), an end
/// within a bounded time, and every file already there left as it was (docs/errors.md).
/// </summary>
public sealed class DiscoveryCommandErrorTests : IDisposable
{
    readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    /// <summary>No case here needs more than seconds; a check that is not made before the work would run far longer.</summary>
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    Dictionary<string, string> Snapshot() => Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories)
        .ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>
    /// Runs occam in <see cref="dir"/>'s files and checks exit code, that stderr is the error and nothing else, and that
    /// no file below the folder changed; returns the error line. <paramref name="afterProgress"/>: the error comes from
    /// a file read once the work has started, so progress lines may come first.
    /// </summary>
    string Fails(int expectedCode, string[] args, bool afterProgress = false)
    {
        File.WriteAllText(dir.File("keep.txt"), "an earlier output");
        var before = Snapshot();
        var run = Task.Run(() => Run(args));
        Assert.True(run.Wait(Bound), $"occam {string.Join(' ', args)} ran past {Bound.TotalSeconds} s");
        var (code, output, error) = run.Result;
        Assert.True(expectedCode == code, $"exit {code}, expected {expectedCode}: {error}");
        Assert.Equal("", output);
        var lines = Lines(error);
        if (afterProgress) Assert.All(lines[..^1], l => Assert.DoesNotContain("error", l));
        else Assert.Single(lines);
        Assert.StartsWith("occam: error: ", lines[^1]);
        Assert.Equal(before, Snapshot());
        return lines[^1];
    }

    string Fails(params string[] args) => Fails(1, args);

    /// <summary>A small particle data set written by <c>occam simulate</c>.</summary>
    string Simulated(string name, params string[] settings)
    {
        var path = dir.File(name);
        var (code, _, error) = Run(["simulate", "--sims", "2", "--steps", "10", "--out", path, .. settings]);
        Assert.True(code == 0, error);
        return path;
    }

    /// <summary>A model trained for two steps by <c>occam train</c>.</summary>
    string TrainedModel()
    {
        var model = dir.File("model");
        var (code, _, error) = Run("train", "--steps", "2", "--model", model, "--threads", "1");
        Assert.True(code == 0, error);
        return model;
    }

    string HaloCsv(string name, string row)
    {
        var path = dir.File(name);
        File.WriteAllText(path, "x,y,z,vx,vy,vz,M,delta\n1,2,3,0,0,0,1e12,0.1\n" + row + "\n4,5,6,0,0,0,2e12,0.2\n");
        return path;
    }

    [Theory]
    [InlineData("discover")]
    [InlineData("train")]
    [InlineData("analyze")]
    [InlineData("halos")]
    public void An_unknown_option_is_a_command_line_error_naming_it(string command)
    {
        var error = Fails(2, [command, "--frob", "3", "--out", dir.File("out")]);
        Assert.Contains("'--frob'", error);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    public static TheoryData<string[], string> ImpossibleSettings => new()
    {
        { ["--steps", "0"], "--steps must be at least 1 (got 0)" },
        { ["--steps", "-5"], "--steps must be at least 1 (got -5)" },
        { ["--dim", "4"], "--dim must be 2 or 3 (got 4)" },
        { ["--dim", "1"], "--dim must be 2 or 3 (got 1)" },
        { ["--bodies", "1"], "--bodies must be between 2 and 100 (got 1)" },
        { ["--bodies", "20000"], "--bodies must be between 2 and 100 (got 20000)" },
        { ["--bodies", "2000000000"], "--bodies must be between 2 and 100 (got 2000000000)" },
        { ["--threads", "0"], "--threads must be at least 1 (got 0)" },
        { ["--precision", "fp16"], "--precision must be auto, fp32 or bf16 (got 'fp16')" },
        { ["--alpha", "-1"], "--alpha must be a weight between 0 and 1e6 (got -1)" },
        { ["--alpha", "NaN"], "--alpha must be a weight between 0 and 1e6 (got NaN)" },
        { ["--lr", "0"], "--lr must be a positive learning rate, at most 10 (got 0)" },
        { ["--alpha-warmup", "1.5"], "--alpha-warmup must be a fraction of the steps between 0 and 1 (got 1.5)" },
        { ["--system", "bogus"], "Unknown system 'bogus'" },
        { ["--variant", "bogus"], "unknown variant 'bogus'" },
        { ["--preset", "bogus"], "unknown preset 'bogus'" },
        { ["--potential", " "], "--potential is empty" },
        { ["--potential", "r^"], "'r^'" },
    };

    [Theory]
    [MemberData(nameof(ImpossibleSettings))]
    public void Discover_and_train_refuse_impossible_settings_before_any_work(string[] setting, string expected)
    {
        Assert.Contains(expected, Fails(["discover", .. setting, "--out", dir.File("out")]));
        Assert.Contains(expected, Fails(["train", .. setting, "--model", dir.File("model")]));
        Assert.False(Directory.Exists(dir.File("out")));
        Assert.False(Directory.Exists(dir.File("model")));
    }

    [Theory]
    [InlineData("--sr-rounds", "0", "--sr-rounds must be at least 1 (got 0)")]
    [InlineData("--sr-seconds", "-1", "--sr-seconds must be positive (got -1)")]
    [InlineData("--sr-seconds", "NaN", "--sr-seconds must be positive (got NaN)")]
    [InlineData("--operators", "+,frob", "--operators: unknown operator 'frob'")]
    [InlineData("--operators", "exp,sqrt", "--operators: the operators need at least one binary operator")]
    public void Discover_and_analyze_refuse_impossible_search_settings(string option, string value, string expected)
    {
        Assert.Contains(expected, Fails("discover", option, value, "--out", dir.File("out")));
        Assert.Contains(expected, Fails("analyze", option, value, "--model", dir.File("model"), "--out", dir.File("out")));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void Discover_no_longer_takes_the_halo_task_and_says_so_in_one_line()
    {
        var error = Fails(2, ["discover", "--task", "halos", "--out", dir.File("out")]);
        Assert.Contains("--task", error);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Theory]
    [InlineData("0", "--checkpoint-every must be at least 1 (got 0)")]
    [InlineData("-10", "--checkpoint-every must be at least 1 (got -10)")]
    public void Train_refuses_a_checkpoint_interval_below_one(string value, string expected) =>
        Assert.Contains(expected, Fails("train", "--checkpoint-every", value, "--model", dir.File("model")));

    [Theory]
    [InlineData("--halos", "1", "--halos must be between 2 and 10000000 (got 1)")]
    [InlineData("--halos", "1000000000", "--halos must be between 2 and 10000000 (got 1000000000)")]
    [InlineData("--noise", "-1", "--noise must be ≥ 0 (got -1)")]
    [InlineData("--noise", "NaN", "--noise must be ≥ 0 (got NaN)")]
    [InlineData("--radius", "0", "--radius must be positive (got 0)")]
    [InlineData("--halos-per-batch", "0", "--halos-per-batch must be at least 1 (got 0)")]
    [InlineData("--l1", "-1", "--l1 must be ≥ 0 (got -1)")]
    [InlineData("--message-size", "0", "--message-size must be at least 1 (got 0)")]
    [InlineData("--sr-rounds", "0", "--sr-rounds must be at least 1 (got 0)")]
    [InlineData("--sr-seconds", "0", "--sr-seconds must be positive (got 0)")]
    [InlineData("--steps", "0", "--steps must be at least 1 (got 0)")]
    [InlineData("--threads", "0", "--threads must be at least 1 (got 0)")]
    [InlineData("--pair-searches", "0", "--pair-searches must be between 1 and 100 (got 0)")]
    [InlineData("--pair-searches", "101", "--pair-searches must be between 1 and 100 (got 101)")]
    public void Halos_refuses_impossible_settings_before_any_work(string option, string value, string expected)
    {
        Assert.Contains(expected, Fails("halos", option, value, "--out", dir.File("out")));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void A_missing_data_file_is_named()
    {
        var missing = dir.File("no-such.npz");
        Assert.Contains($"'{missing}' does not exist", Fails("discover", "--data", missing, "--out", dir.File("out")));
        Assert.Contains($"'{missing}' does not exist", Fails("train", "--data", missing, "--model", dir.File("model")));
        var model = TrainedModel();
        Assert.Contains($"'{missing}' does not exist", Fails("analyze", "--model", model, "--data", missing, "--out", dir.File("out")));
        Assert.Contains($"{dir.File("no-such.csv")}: no such halo catalogue file", Fails("halos", "--data", dir.File("no-such.csv"), "--out", dir.File("out")));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void A_damaged_or_foreign_particle_data_file_is_named_with_its_problem()
    {
        var junk = dir.File("junk.npz");
        File.WriteAllText(junk, "not a zip archive");
        Assert.Contains($"cannot read data file '{junk}'", Fails("discover", "--data", junk, "--out", dir.File("out")));
        Assert.Contains("Not a .npz file", Fails("train", "--data", junk, "--model", dir.File("model")));
        // a CSV without the settings line that 'occam simulate' writes
        var table = dir.File("table.csv");
        File.WriteAllText(table, "a,b\n1,2\n");
        Assert.Contains("settings comment", Fails("train", "--data", table, "--model", dir.File("model")));
    }

    [Fact]
    public void Particle_data_of_the_wrong_shape_is_refused_naming_the_file()
    {
        var line = Simulated("line.npz", "--dim", "1");
        Assert.Contains($"data file '{line}' is 1D; discovery needs 2D or 3D data", Fails("discover", "--data", line, "--out", dir.File("out")));
        var single = Simulated("single.npz", "--bodies", "1");
        Assert.Contains($"data file '{single}' has 1 body per simulation", Fails("train", "--data", single, "--model", dir.File("model")));
    }

    [Fact]
    public void A_NaN_in_particle_data_is_refused_naming_the_file_and_the_place()
    {
        var data = Simulated("nan.csv");
        var lines = File.ReadAllLines(data);
        // line 3: the first data row; its seventh cell is x of body 0
        var cells = lines[2].Split(',');
        cells[6] = "NaN";
        lines[2] = string.Join(',', cells);
        File.WriteAllLines(data, lines);
        var error = Fails("train", "--data", data, "--model", dir.File("model"));
        Assert.Contains(data, error);
        Assert.Contains($"{data}:3: column 'x': value is NaN", error);
    }

    [Fact]
    public void A_damaged_halo_catalogue_is_refused_naming_the_file_and_the_column()
    {
        var nan = HaloCsv("nan.csv", "1,2,NaN,0,0,0,1e12,0.3");
        var error = Fails("halos", "--data", nan, "--out", dir.File("out"));
        Assert.Contains(nan, error);
        Assert.Contains("'z'", error);
        var text = HaloCsv("text.csv", "1,2,3,0,0,0,heavy,0.3");
        error = Fails("halos", "--data", text, "--out", dir.File("out"));
        Assert.Contains(text, error);
        Assert.Contains("'heavy' is not a number", error);
        var ragged = HaloCsv("ragged.csv", "1,2,3,0,0,0");
        Assert.Contains(ragged, Fails("halos", "--data", ragged, "--out", dir.File("out")));
        var columns = dir.File("columns.csv");
        File.WriteAllText(columns, "a,b\n1,2\n");
        Assert.Contains($"{columns}: missing column 'x'", Fails("halos", "--data", columns, "--out", dir.File("out")));
        var mass = HaloCsv("mass.csv", "1,2,3,0,0,0,-5,0.3");
        Assert.Contains("mass -5 must be positive", Fails("halos", "--data", mass, "--out", dir.File("out")));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void An_output_that_is_an_input_is_refused_and_the_input_kept()
    {
        var data = Simulated("data.npz");
        Assert.Contains($"--json {data} would overwrite the input", Fails("discover", "--data", data, "--json", data, "--out", dir.File("out")));
        Assert.Contains($"--out {data} is a file, not a folder", Fails("discover", "--data", data, "--out", data));
        Assert.Contains($"--checkpoint {data} is a file; give a folder", Fails("discover", "--data", data, "--checkpoint", data, "--out", dir.File("out")));
        Assert.Contains($"--model {data} is a file; give a folder", Fails("train", "--data", data, "--model", data));
        var model = TrainedModel();
        var options = Path.Combine(model, "options.json");
        Assert.Contains($"--json {options} would overwrite the input {model}", Fails("analyze", "--model", model, "--json", options, "--out", dir.File("out")));
        Assert.Contains($"--json {data} would overwrite the input", Fails("analyze", "--model", model, "--data", data, "--json", data, "--out", dir.File("out")));
        var catalogue = HaloCsv("halos.csv", "7,8,9,0,0,0,3e12,0.3");
        Assert.Contains($"--json {catalogue} would overwrite the input", Fails("halos", "--data", catalogue, "--json", catalogue, "--out", dir.File("out")));
        Assert.Contains($"--out {catalogue} is a file, not a folder", Fails("halos", "--data", catalogue, "--out", catalogue));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void Analyze_of_a_folder_without_a_model_says_so()
    {
        Directory.CreateDirectory(dir.File("empty"));
        Assert.Contains($"'{dir.File("empty")}' holds no trained model (missing options.json); run 'occam train' first",
            Fails("analyze", "--model", dir.File("empty"), "--out", dir.File("out")));
        Assert.Contains($"'{dir.File("absent")}' holds no trained model",
            Fails("analyze", "--model", dir.File("absent"), "--out", dir.File("out")));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    public static TheoryData<string, string> DamagedOptions => new()
    {
        { "{\"Dim\": 2,", "is not valid" },
        { "[1, 2]", "is not valid" },
        { "", "is not valid" },
        { "{\"Dim\": 7}", "does not hold a trained model's settings: dim must be 2 or 3, got 7" },
        { "{\"Steps\": -3}", "does not hold a trained model's settings: steps must be positive, got -3" },
        { "{\"Bodies\": 100000}", "does not hold a trained model's settings: Bodies must be between 2 and 100, got 100000" },
        { "{\"Sims\": 0}", "does not hold a trained model's settings: The number of simulations must be at least 1." },
        { "{\"System\": \"bogus\"}", "does not hold a trained model's settings: Unknown system 'bogus'" },
    };

    [Theory]
    [MemberData(nameof(DamagedOptions))]
    public void Analyze_of_a_damaged_options_file_names_it_before_any_work(string text, string expected)
    {
        var model = TrainedModel();
        var options = Path.Combine(model, "options.json");
        if (text.StartsWith("{\"", StringComparison.Ordinal) && text.EndsWith('}'))
        {
            // one setting changed in the options 'occam train' wrote
            var node = JsonNode.Parse(File.ReadAllText(options))!.AsObject();
            foreach (var (name, value) in JsonNode.Parse(text)!.AsObject()) node[name] = value?.DeepClone();
            text = node.ToJsonString();
        }
        File.WriteAllText(options, text);
        var error = Fails("analyze", "--model", model, "--out", dir.File("out"));
        Assert.Contains($"'{options}' {expected}", error);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void Analyze_of_a_damaged_checkpoint_names_the_file()
    {
        var model = TrainedModel();
        var weights = Path.Combine(model, "model.bin");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..1000]);
        var error = Fails(1, ["analyze", "--model", model, "--out", dir.File("out")], afterProgress: true);
        Assert.Contains($"cannot read the model from '{weights}'", error);
        Assert.Contains("truncated", error);
        File.WriteAllText(Path.Combine(model, "state.json"), "{");
        error = Fails(1, ["analyze", "--model", model, "--out", dir.File("out")], afterProgress: true);
        Assert.Contains($"checkpoint state '{Path.Combine(model, "state.json")}' is not valid JSON", error);
        Assert.False(Directory.Exists(dir.File("out")));
    }
}
