using System.Text.Json.Nodes;
using static Occam.Cli.Tests.CliRunner;

namespace Occam.Cli.Tests;

public sealed class GlueCommandTests : IDisposable
{
    readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Theory]
    [InlineData("--blocks", "1-3", "at least 2 blocks")]
    [InlineData("--blocks", "7-5", "--blocks: the range 7-5 is empty")]
    [InlineData("--blocks", "five", "--blocks: expected a count or a range such as 5-7; got 'five'")]
    [InlineData("--test-blocks", "0", "at least 2 blocks")]
    [InlineData("--glue-cost", "-0.5", "--glue-cost must be non-negative; got -0.5")]
    [InlineData("--episodes", "0", "--episodes must be in [1, 10^7]; got 0")]
    [InlineData("--agents", "gn,cnn", "--agents: unknown agent 'cnn'")]
    [InlineData("--beam", "-1", "--beam must be in [0, 1024]; got -1")]
    [InlineData("--pretrain", "-5", "--pretrain must be in [0, 10^6]; got -5")]
    [InlineData("--ensemble", "0", "--ensemble must be in [1, 16]; got 0")]
    [InlineData("--ensemble", "2 --pretrain 0", "--ensemble needs --pretrain and --beam")]
    [InlineData("--check", "-3", "--check must be in [0, 4096]; got -3")]
    [InlineData("--check", "8 --beam 0", "--check needs --beam")]
    public void Demo_glue_refuses_bad_settings_in_one_line_before_any_work(string option, string value, string expected)
    {
        // value may carry more options after it (space separated): the settings that make the first one impossible
        var (code, _, error) = Run(["demo", "glue", option, .. value.Split(' '), "--out", dir.File("out")]);
        Assert.Equal(1, code);
        var lines = Lines(error);
        Assert.Single(lines);
        Assert.StartsWith("occam: error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void Demo_glue_writes_a_report_and_a_summary_with_every_agent_and_baseline()
    {
        var output = dir.File("glue");
        var (code, stdout, error) = Run("demo", "glue", "--blocks", "3-4", "--test-blocks", "5", "--episodes", "30", "--test-towers", "6", "--beam", "4", "--pretrain", "40", "--ensemble", "2", "--check", "3", "--out", output);
        Assert.True(code == 0, error);
        Assert.Contains("report:", stdout);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "summary.json")))!;
        foreach (var agent in new[] { "gn", "gn_planned", "gn_greedy", "mlp", "mlp_planned", "mlp_greedy", "random", "no_glue", "glue_all", "greedy_sim", "sampled_sim", "optimal" })
        {
            Assert.NotNull(summary["agents"]![agent]!["reward_train_sizes"]);
            Assert.NotNull(summary["agents"]![agent]!["reward_test_sizes"]);
        }
        // The optimum is at least as good as any other policy on the same towers.
        double optimal = summary["agents"]!["optimal"]!["reward_train_sizes"]!.GetValue<double>();
        foreach (var agent in new[] { "gn", "gn_planned", "gn_greedy", "mlp", "mlp_planned", "mlp_greedy", "random", "no_glue", "glue_all", "greedy_sim", "sampled_sim" })
            Assert.True(summary["agents"]![agent]!["reward_train_sizes"]!.GetValue<double>() <= optimal + 1e-9, agent);
        // Checking at most 3 of the planner's sets in the simulator costs 1 to 3 simulations per tower; sampling costs 3.
        Assert.InRange(summary["agents"]!["gn"]!["simulations_train_sizes"]!.GetValue<double>(), 1, 3);
        Assert.Equal(3, summary["agents"]!["sampled_sim"]!["simulations_train_sizes"]!.GetValue<double>());
        Assert.True(File.Exists(Path.Combine(output, "glue.md")));
        Assert.True(File.Exists(Path.Combine(output, "glue-learning.png")));
    }

    [Fact]
    public void Demo_glue_without_planning_scores_the_greedy_agents_under_their_own_names()
    {
        var output = dir.File("greedy");
        var (code, _, error) = Run("demo", "glue", "--blocks", "3", "--test-blocks", "4", "--episodes", "10", "--test-towers", "3", "--beam", "0", "--pretrain", "0", "--out", output);
        Assert.True(code == 0, error);
        var agents = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "summary.json")))!["agents"]!.AsObject();
        Assert.Equal(["gn", "mlp", "random", "no_glue", "glue_all", "greedy_sim", "optimal"], agents.Select(a => a.Key).ToArray());
        Assert.Equal(0, agents["gn"]!["simulations_train_sizes"]!.GetValue<double>());
    }
}
