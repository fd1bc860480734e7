using System.Text.Json.Nodes;
using Occam.Physics;

namespace Occam.Discovery.Tests;

/// <summary>The stages composed: a tiny end-to-end run, and the two halves (train, analyze) against the whole.</summary>
public sealed class PipelineTests
{
    static DiscoveryOptions Tiny(string checkpoints) => DiscoveryOptions.Quick with
    {
        Sims = 8, Frames = 20, Hidden = 16, HiddenLayers = 1, Steps = 200, BatchSize = 16, AnalysisEdges = 120, FreshEdges = 240,
        SymbolicRounds = 2, SymbolicMaxSize = 10, Threads = 1, CheckpointDirectory = checkpoints,
    };

    [Fact]
    public void A_tiny_discover_hands_each_stage_the_data_the_last_one_made_and_writes_the_report()
    {
        var dir = Directory.CreateTempSubdirectory("occam-pipeline-").FullName;
        try
        {
            var options = Tiny(Path.Combine(dir, "checkpoint"));
            var stages = new List<string>();
            var result = SymbolicDistillation.Discover(options, progress: new SyncProgress<DiscoveryProgress>(p =>
            {
                if (stages.Count == 0 || stages[^1] != p.Stage) stages.Add(p.Stage);
            }));

            Assert.Equal(["simulate", "train", "symbolic regression", "out-of-distribution check"], stages);
            Assert.Equal(options.Steps, result.LossCurve[^1].Step);
            // The record: 10 graphs of 4 bodies (12 edges each) from the training data, with the spring's own force on
            // each recorded pair (the simulator's law, evaluated here independently on the recorded features).
            var record = result.Distillation.Record;
            Assert.Equal(120, record.Edges);
            var force = new double[2];
            for (int e = 0; e < record.Edges; e++)
            {
                double[] delta = [record.Features[e, 0], record.Features[e, 1]];
                Assert.Equal(Math.Sqrt(delta[0] * delta[0] + delta[1] * delta[1]), record.Features[e, 2], 12);
                ParticleSystem.Spring.PairForce(delta, record.Features[e, 3], record.Features[e, 4], 1, 1, force);
                Assert.Equal(force[0], record.Force[e, 0], 12);
                Assert.Equal(force[1], record.Force[e, 1], 12);
            }
            // The judge saw fresh and wide data: one R² per axis on each.
            Assert.Equal(2, result.Distillation.Recovery.R2.Length);
            Assert.Equal(2, result.Distillation.Recovery.R2Wide!.Length);
            var ood = Assert.IsType<OutOfDistributionCheck>(result.OutOfDistribution);
            Assert.True(double.IsFinite(ood.NetworkError) && double.IsFinite(ood.NetworkErrorOod), $"{ood}");

            var report = Path.Combine(dir, "report");
            DiscoveryReport.Write(result, report);
            Assert.True(File.Exists(Path.Combine(report, "report.md")));
            var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(report, "summary.json")))!;
            Assert.Equal("spring", (string?)summary["system"]);
            Assert.Equal(options.Steps, (int?)summary["steps"]);
            Assert.Equal(result.Recovered, (bool?)summary["recovered"]);

            // The second half alone, on the checkpoint the first wrote, distils the same network the same way.
            var analyzed = SymbolicDistillation.AnalyzeDirectory(options.CheckpointDirectory!, dataset: null);
            Assert.Equal(result.Distillation.Expressions.Select(x => x.ToInfix()), analyzed.Distillation.Expressions.Select(x => x.ToInfix()));
            Assert.Equal(result.Distillation.Recovery.R2, analyzed.Distillation.Recovery.R2);
            Assert.Equal(result.TrainLoss, analyzed.TrainLoss);

            // A search budget given to the second half replaces the stored one (and only that).
            var longer = SymbolicDistillation.AnalyzeDirectory(options.CheckpointDirectory!, dataset: null, searchRounds: options.SymbolicRounds + 2,
                searchTimeLimit: TimeSpan.FromSeconds(77));
            Assert.Equal(options.SymbolicRounds + 2, longer.Options.SymbolicRounds);
            Assert.Equal(TimeSpan.FromSeconds(77), longer.Options.SymbolicTimeLimit);
            Assert.Equal(analyzed.Options with { SymbolicRounds = longer.Options.SymbolicRounds, SymbolicTimeLimit = longer.Options.SymbolicTimeLimit },
                longer.Options);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_wide_data_starts_at_twice_the_position_spread_of_the_fresh_data()
    {
        // 400 simulations: the checks take a twentieth, 20 each, of 3 frames. Their first frames' positions are N(0, 1) and
        // N(0, 4): 160 values each, so each mean square is within ±0.45 (fresh) and ±1.8 (wide) of 1 and 4 at 4 standard errors.
        var checks = DataStage.Checks(DiscoveryOptions.Quick with { Sims = 400, Frames = 3, Threads = 1 });
        static double MeanSquare(ParticleData d) => Enumerable.Range(0, d.Samples).Where(s => s % 3 == 0)
            .SelectMany(s => Enumerable.Range(0, d.Bodies).SelectMany(i => new double[] { d.Position(s, i, 0), d.Position(s, i, 1) }))
            .Select(x => x * x).Average();
        Assert.Equal(20 * 3, checks.Wide.Samples);
        double fresh = MeanSquare(checks.Fresh), wide = MeanSquare(checks.Wide);
        Assert.InRange(fresh, 1 - 0.45, 1 + 0.45);
        Assert.InRange(wide, 4 - 1.8, 4 + 1.8);
    }
}
