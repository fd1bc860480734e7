using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Occam.Construction;
using ScottPlot;

namespace Occam.Demos;

/// <summary>Settings of <c>occam demo glue</c>.</summary>
public sealed record GlueDemoOptions
{
    /// <summary>Tower sizes for training and for the held-out towers of the training sizes.</summary>
    public (int Min, int Max) TrainBlocks { get; init; } = (5, 7);

    /// <summary>Larger tower sizes, never seen in training.</summary>
    public (int Min, int Max) TestBlocks { get; init; } = (9, 12);

    /// <summary>Training episodes per agent.</summary>
    public int Episodes { get; init; } = 10_000;

    /// <summary>Held-out towers per size range.</summary>
    public int TestTowers { get; init; } = 500;

    /// <summary>Reward lost per glue.</summary>
    public double GlueCost { get; init; } = 0.5;

    /// <summary>Seed of towers, initial weights and exploration.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The agents to train: "gn" and/or "mlp".</summary>
    public IReadOnlyList<string> Agents { get; init; } = ["gn", "mlp"];

    /// <summary>
    /// When positive (default 16), each agent acts by planning (<see cref="GluePolicies.Planned"/>, a beam search of this
    /// width over glue sets scored by the network's own predicted outcome), and its Q-network acting greedily is scored as
    /// "{agent}_greedy"; 0: the agent is its Q-network acting greedily.
    /// </summary>
    public int PlanningBeam { get; init; } = 16;

    /// <summary>
    /// With pretraining and planning: the planner plans with the mean block values of this many networks, the agent's
    /// pretrained copy and more of the same architecture (seeds Seed + 1, …) trained alone on the same labelled towers
    /// (<see cref="GluePolicies.Planned(string, IReadOnlyList{GlueQNetwork}, int)"/>); 1 (the default) plans with the copy alone.
    /// </summary>
    public int PlanningEnsemble { get; init; } = 1;

    /// <summary>
    /// With planning: when positive (default 16), each agent checks its plans (<see cref="GluePolicies.Checked"/>: the
    /// planner's this-many best glue sets are settled in the simulator and the best kept), its planner alone is scored as
    /// "{agent}_planned", and the baseline "sampled_sim" spends as many simulations on random glue sets
    /// (<see cref="GluePolicies.SampledSimulation"/>); 0: the agent plans with its network alone.
    /// </summary>
    public int CheckedSets { get; init; } = 16;

    /// <summary>The optimum is computed for towers with at most this many contacts (2^n simulations at worst).</summary>
    public int OptimalMaxContacts { get; init; } = 16;

    /// <summary>DQN settings other than episodes and seed (defaults when null): by default 60,000 labelled random towers
    /// pretrain the block values (20,000 in the quick setting).</summary>
    public DqnOptions? Dqn { get; init; } = new() { PretrainTowers = 60_000 };

    /// <summary>Whether this is the quick setting (for the report).</summary>
    public bool Quick { get; init; }

    /// <summary>The quick setting: 1,500 episodes, 100 held-out towers per size range, 20,000 pretraining towers.</summary>
    public GlueDemoOptions AsQuick() => this with
    {
        Episodes = 1500, TestTowers = 100, Quick = true, Dqn = (Dqn ?? new DqnOptions()) with { PretrainTowers = QuickPretrainTowers },
    };

    /// <summary>Pretraining towers of the quick setting.</summary>
    public const int QuickPretrainTowers = 20_000;

    internal TowerGeneratorOptions Towers((int Min, int Max) blocks) => new() { MinBlocks = blocks.Min, MaxBlocks = blocks.Max };

    /// <summary>Refuses impossible settings with a message that names the option.</summary>
    public void Validate()
    {
        if (TrainBlocks.Min < TowerGeneratorOptions.SmallestTower || TestBlocks.Min < TowerGeneratorOptions.SmallestTower)
            throw new ArgumentException($"--blocks/--test-blocks: a tower needs at least {TowerGeneratorOptions.SmallestTower} blocks.");
        if (TrainBlocks.Max < TrainBlocks.Min) throw new ArgumentException($"--blocks: the range {TrainBlocks.Min}-{TrainBlocks.Max} is empty.");
        if (TestBlocks.Max < TestBlocks.Min) throw new ArgumentException($"--test-blocks: the range {TestBlocks.Min}-{TestBlocks.Max} is empty.");
        if (TrainBlocks.Max > 30 || TestBlocks.Max > 30) throw new ArgumentException("--blocks/--test-blocks: at most 30 blocks per tower.");
        if (!(GlueCost >= 0) || !double.IsFinite(GlueCost)) throw new ArgumentException($"--glue-cost must be non-negative; got {GlueCost}.");
        if (Episodes < 1 || Episodes > 10_000_000) throw new ArgumentException($"--episodes must be in [1, 10^7]; got {Episodes}.");
        if (TestTowers < 1 || TestTowers > 1_000_000) throw new ArgumentException($"--test-towers must be in [1, 10^6]; got {TestTowers}.");
        if (Dqn is { } d)
        {
            if (!(d.LearningRate > 0) || !double.IsFinite(d.LearningRate)) throw new ArgumentException($"--lr must be positive; got {d.LearningRate}.");
            if (d.BatchSize < 1 || d.BatchSize > 4096) throw new ArgumentException($"--batch-size must be in [1, 4096]; got {d.BatchSize}.");
            if (d.PretrainTowers < 0 || d.PretrainTowers > 1_000_000) throw new ArgumentException($"--pretrain must be in [0, 10^6]; got {d.PretrainTowers}.");
        }
        if (PlanningBeam < 0 || PlanningBeam > 1024) throw new ArgumentException($"--beam must be in [0, 1024]; got {PlanningBeam}.");
        if (PlanningEnsemble < 1 || PlanningEnsemble > 16) throw new ArgumentException($"--ensemble must be in [1, 16]; got {PlanningEnsemble}.");
        if (PlanningEnsemble > 1 && (PlanningBeam == 0 || (Dqn?.PretrainTowers ?? 0) == 0))
            throw new ArgumentException("--ensemble needs --pretrain and --beam: the ensemble's networks are pretrained block values that the planner uses.");
        if (CheckedSets < 0 || CheckedSets > 4096) throw new ArgumentException($"--check must be in [0, 4096]; got {CheckedSets}.");
        if (CheckedSets > 0 && PlanningBeam == 0)
            throw new ArgumentException("--check needs --beam: the glue sets it settles are the planner's best.");
        foreach (var a in Agents)
            if (a is not ("gn" or "mlp")) throw new ArgumentException($"--agents: unknown agent '{a}' (expected gn, mlp).");
    }
}

/// <summary>A trained agent's learning curve.</summary>
public sealed record GlueAgentTraining(string Agent, DqnResult Result, long Parameters);

/// <summary>Scores of every policy on one set of held-out towers.</summary>
public sealed record GlueTestSet(string Name, (int Min, int Max) Blocks, IReadOnlyList<GlueScore> Scores, IReadOnlyList<GlueTask> Tasks);

/// <summary>What the demo measured.</summary>
public sealed record GlueDemoResult(GlueDemoOptions Options, IReadOnlyList<GlueAgentTraining> Training, GlueTestSet TrainSizes, GlueTestSet TestSizes, TimeSpan Elapsed);

/// <summary>
/// The glue task of Hamrick et al. 2018 ("Relational inductive bias for physical construction in humans and
/// machines"): trains the graph-network and MLP Q-agents by DQN on towers of the training sizes, then scores them
/// and the baselines (random, no glue, glue everything, the exact optimum) on held-out towers of the training sizes
/// and of larger sizes.
/// </summary>
public static class GlueDemo
{
    const long TrainSizeStream = 2_000_000_000, TestSizeStream = 3_000_000_000;

    /// <summary>Runs the demo; <paramref name="log"/> receives progress lines.</summary>
    public static GlueDemoResult Run(GlueDemoOptions options, Action<string>? log = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rules = new GlueTaskOptions { GlueCost = options.GlueCost };
        var trainTowers = options.Towers(options.TrainBlocks);
        var dqn = (options.Dqn ?? new DqnOptions()) with { Episodes = options.Episodes, Seed = options.Seed, EvaluateEvery = Math.Max(1, Math.Min(250, options.Episodes / 6)) };
        var training = new List<GlueAgentTraining>();
        var agents = new List<IGluePolicy>();
        if (dqn.PretrainTowers > 0) log?.Invoke($"settling {dqn.PretrainTowers:N0} random towers with random glue to pretrain the block values");
        var pretrainLabels = dqn.PretrainTowers > 0 ? Dqn.PretrainLabels(trainTowers, rules, dqn) : null; // settled once, for every agent
        foreach (var agent in options.Agents)
        {
            GlueQNetwork Build(int seed) => agent == "gn" ? new GraphQNetwork(seed: seed) : new MlpQNetwork(Math.Max(options.TrainBlocks.Max, options.TestBlocks.Max), seed: seed);
            var online = Build(options.Seed);
            var target = Build(options.Seed);
            log?.Invoke($"training {agent} ({online.parameters().Sum(p => p.numel()):N0} parameters) for {options.Episodes:N0} episodes on towers of {options.TrainBlocks.Min}-{options.TrainBlocks.Max} blocks");
            if (dqn.PretrainTowers > 0)
                log?.Invoke($"  {agent}: first its block values alone, {dqn.PretrainEpochs} epochs on {dqn.PretrainTowers:N0} random towers with random glue, settled and labelled");
            // With pretraining, the planner keeps the block values as pretraining left them: DQN's Q-loss on the training
            // sizes reshapes them, and planning with the fine-tuned ones collapses on larger towers (docs/construction.md).
            GlueQNetwork planner = online;
            var result = Dqn.Train(online, target, trainTowers, rules, dqn,
                p => log?.Invoke($"  {agent} episode {p.Episode,6}: ε {p.Epsilon:F2}, loss {p.Loss:F4}, validation reward {p.ValidationReward:F3}"), cancellation,
                pretrainLabels, pretrained: options.PlanningBeam > 0 ? n => Dqn.Copy(n, planner = Build(options.Seed)) : null);
            log?.Invoke($"  {agent}: best validation reward {result.BestValidationReward:F3} at episode {result.BestEpisode} ({result.Elapsed.TotalMinutes:F1} min)");
            training.Add(new GlueAgentTraining(agent, result, online.parameters().Sum(p => p.numel())));
            var greedy = GluePolicies.Greedy(options.PlanningBeam > 0 ? agent + "_greedy" : agent, online);
            if (options.PlanningBeam == 0)
            {
                agents.Add(greedy);
                continue;
            }
            var ensemble = new GlueQNetwork[options.PlanningEnsemble];
            ensemble[0] = planner;
            if (ensemble.Length > 1)
            {
                log?.Invoke($"  {agent}: {ensemble.Length - 1} more networks' block values for the planner, {dqn.PretrainEpochs} epochs each on the same towers");
                // each depends only on its seed, so training two at a time does not change what they learn
                Parallel.For(1, ensemble.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(2, Environment.ProcessorCount) }, m =>
                {
                    var extra = Build(options.Seed + m);
                    Dqn.TrainBlockValues(extra, pretrainLabels!, dqn.PretrainEpochs, dqn.BatchSize, dqn.LearningRate, dqn.Seed + m);
                    ensemble[m] = extra;
                });
            }
            if (options.CheckedSets > 0)
                agents.AddRange([GluePolicies.Checked(agent, ensemble, options.PlanningBeam, options.CheckedSets), GluePolicies.Planned(agent + "_planned", ensemble, options.PlanningBeam)]);
            else
                agents.Add(GluePolicies.Planned(agent, ensemble, options.PlanningBeam));
            agents.Add(greedy);
        }
        IGluePolicy[] baselines = [GluePolicies.Random(options.Seed), GluePolicies.NoGlue, GluePolicies.GlueAll, GluePolicies.GreedySimulation];
        if (options.CheckedSets > 0) baselines = [.. baselines, GluePolicies.SampledSimulation(options.Seed, options.CheckedSets)];
        var policies = agents.Concat([.. baselines, GluePolicies.Optimal(options.OptimalMaxContacts)]).ToArray();
        var trainSet = TestSet("training sizes", options.TrainBlocks, TrainSizeStream, options, rules, policies, log, cancellation);
        var testSet = TestSet("larger sizes", options.TestBlocks, TestSizeStream, options, rules, policies, log, cancellation);
        return new GlueDemoResult(options, training, trainSet, testSet, clock.Elapsed);
    }

    static GlueTestSet TestSet(string name, (int Min, int Max) blocks, long stream, GlueDemoOptions options, GlueTaskOptions rules,
        IReadOnlyList<IGluePolicy> policies, Action<string>? log, CancellationToken cancellation)
    {
        var towers = options.Towers(blocks);
        var tasks = Enumerable.Range(0, options.TestTowers).Select(k => (new GlueTask(TowerGenerator.Generate(towers, options.Seed, stream + k), rules), stream + k)).ToArray();
        var scores = new List<GlueScore>();
        foreach (var policy in policies)
        {
            cancellation.ThrowIfCancellationRequested();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var score = GlueEvaluation.Evaluate(policy, tasks, parallelChoice: policy.Name is "optimal" or "greedy_sim" or "sampled_sim"); // no network: towers in parallel
            if (score is null)
            {
                log?.Invoke($"{name} ({blocks.Min}-{blocks.Max} blocks): {policy.Name} cannot act on these towers");
                continue;
            }
            scores.Add(score);
            log?.Invoke($"{name} ({blocks.Min}-{blocks.Max} blocks): {policy.Name,-8} reward {score.MeanReward:F3}, standing {score.Standing:P1}, glue {score.MeanGlue:F2}" +
                        $"{(score.Towers < tasks.Length ? $" (on the {score.Towers} of {tasks.Length} towers it can score)" : "")} [{clock.Elapsed.TotalSeconds:F1} s]");
        }
        return new GlueTestSet(name, blocks, scores, tasks.Select(t => t.Item1).ToArray());
    }

    /// <summary>
    /// The mean reward of <paramref name="policy"/> and of the optimum on the towers where both were computed (the
    /// optimum skips towers with too many contacts; the MLP agent skips towers larger than its input); null when none.
    /// </summary>
    public static (double Policy, double Optimal, int Towers)? AgainstOptimum(GlueTestSet set, string policy)
    {
        ArgumentNullException.ThrowIfNull(set);
        var optimal = set.Scores.FirstOrDefault(s => s.Policy == "optimal");
        var score = set.Scores.FirstOrDefault(s => s.Policy == policy);
        if (optimal is null || score is null) return null;
        var common = optimal.Scored.Intersect(score.Scored).ToArray();
        if (common.Length == 0) return null;
        return (score.MeanRewardOn(common), optimal.MeanRewardOn(common), common.Length);
    }

    /// <summary>Writes glue.md, summary.json, the learning curves and before/after pictures of a few towers; returns the Markdown path.</summary>
    public static string WriteReport(GlueDemoResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var o = result.Options;
        if (result.Training.Count > 0)
            DemoReport.LinePlot(Path.Combine(directory, "glue-learning.png"), "Greedy reward on the validation towers", "episode", "mean reward",
                result.Training.Select(t => new PlotSeries(t.Agent, t.Result.Curve.Select(c => (double)c.Episode).ToArray(), t.Result.Curve.Select(c => c.ValidationReward).ToArray())),
                markers: true);
        var pictures = WriteTowerPictures(result, directory);

        var md = new StringBuilder();
        md.AppendLine($"# Glue the tower{(o.Quick ? " (quick setting)" : "")}");
        md.AppendLine();
        md.AppendLine($"Random towers of {o.TrainBlocks.Min}-{o.TrainBlocks.Max} blocks stand on the ground before gravity acts. An agent glues touching pairs, " +
                      $"then stops; the tower is simulated for 2 s and the reward is the number of blocks that end within 0.1 of their start " +
                      $"minus {DemoReport.F(o.GlueCost)} per glue. Each agent's Q-network is trained by double DQN for {o.Episodes:N0} episodes (seed {o.Seed})" +
                      ((o.Dqn?.PretrainTowers ?? 0) > 0 ? $", after its block values are trained alone on {o.Dqn!.PretrainTowers:N0} random towers with random glue, settled and labelled" : "") +
                      $". The agents are scored on {o.TestTowers:N0} held-out towers of the training sizes and {o.TestTowers:N0} larger ones " +
                      $"({o.TestBlocks.Min}-{o.TestBlocks.Max} blocks, never seen in training).");
        md.AppendLine();
        md.AppendLine(o.PlanningBeam == 0
            ? "`gn` and `mlp` act greedily on their Q-networks: glue the best contact while that beats stopping."
            : $"`gn` and `mlp` plan: a beam search (width {o.PlanningBeam}) over glue sets, each scored by the network's prediction of the blocks that stay " +
              "minus the glue cost" + ((o.Dqn?.PretrainTowers ?? 0) > 0 ? ", with the block values as pretraining left them (before DQN)" : "") +
              (o.PlanningEnsemble > 1 ? $", averaged over {o.PlanningEnsemble} such networks (seeds {o.Seed} to {o.Seed + o.PlanningEnsemble - 1}) trained alone on the same labelled towers" : "") +
              (o.CheckedSets > 0
                  ? $"; then they settle the planner's {o.CheckedSets} best glue sets in the simulator and keep the one that does best: the network proposes, " +
                    "the physics decides. `gn_planned` and `mlp_planned` are the planners alone (the simulator never used); `sampled_sim` settles as many " +
                    "sets without a network (no glue and random glue sets) and keeps the best, what that simulator budget gives alone."
                  : "; the simulator is never used.") +
              " `gn_greedy` and `mlp_greedy` are the Q-networks after DQN acting greedily.");
        md.AppendLine();
        foreach (var set in new[] { result.TrainSizes, result.TestSizes })
        {
            md.AppendLine($"## Towers of {set.Blocks.Min}-{set.Blocks.Max} blocks ({set.Name})");
            md.AppendLine();
            md.AppendLine("| policy | towers | mean reward | of the optimum | all blocks standing | glue per tower | simulations per tower |");
            md.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var s in set.Scores)
            {
                var against = AgainstOptimum(set, s.Policy);
                string fraction = against is { } a && a.Optimal > 0 ? $"{a.Policy / a.Optimal:P1}{(a.Towers < set.Tasks.Count ? $" (on {a.Towers})" : "")}" : "–";
                md.AppendLine($"| {s.Policy} | {s.Towers} | {s.MeanReward:F3} | {fraction} | {s.Standing:P1} | {s.MeanGlue:F2} | {s.Simulations:F1} |");
            }
            var missing = new[] { "gn", "mlp", "optimal" }.Where(p => set.Scores.All(s => s.Policy != p) && (p == "optimal" || o.Agents.Contains(p)));
            foreach (var p in missing)
                md.AppendLine(p == "mlp"
                    ? $"\nThe MLP agent cannot act on these towers: its input has room for {Math.Max(o.TrainBlocks.Max, o.TestBlocks.Max)} blocks."
                    : $"\n{p} was not computed on these towers.");
            md.AppendLine();
        }
        md.AppendLine("`greedy_sim` is a yardstick, not a learner: it settles the tower with each contact added, glues the best while that helps, " +
                      "and stops; what a perfect model of the physics gains without planning two glues ahead.");
        md.AppendLine();
        md.AppendLine("\"of the optimum\" compares mean rewards on the towers where the optimum was computed (all subsets of glue simulated; " +
                      $"towers with more than {o.OptimalMaxContacts} contacts are skipped). The MLP agent reads a list padded to " +
                      $"{Math.Max(o.TrainBlocks.Max, o.TestBlocks.Max)} blocks, so that it can be applied to the larger towers at all.");
        md.AppendLine();
        if (result.Training.Count > 0)
        {
            md.AppendLine("| agent | parameters | episodes | best validation reward | at episode | training time |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var t in result.Training)
                md.AppendLine($"| {t.Agent} | {t.Parameters:N0} | {o.Episodes:N0} | {t.Result.BestValidationReward:F3} | {t.Result.BestEpisode} | {t.Result.Elapsed.TotalMinutes:F1} min |");
            md.AppendLine();
            md.AppendLine("![learning curves](glue-learning.png)");
            md.AppendLine();
        }
        foreach (var (file, caption) in pictures)
        {
            md.AppendLine($"![{caption}]({file})");
            md.AppendLine();
            md.AppendLine(caption);
            md.AppendLine();
        }
        md.AppendLine($"Total time {result.Elapsed.TotalMinutes:F1} min.");
        var path = Path.Combine(directory, "glue.md");
        DemoReport.WriteText(path, md.ToString());

        var agents = new JsonObject();
        foreach (var name in result.TrainSizes.Scores.Select(s => s.Policy).Union(result.TestSizes.Scores.Select(s => s.Policy)))
        {
            var entry = new JsonObject();
            foreach (var (set, suffix) in new[] { (result.TrainSizes, "train_sizes"), (result.TestSizes, "test_sizes") })
            {
                var s = set.Scores.FirstOrDefault(x => x.Policy == name);
                entry[$"reward_{suffix}"] = s is null ? null : Math.Round(s.MeanReward, 4);
                entry[$"standing_{suffix}"] = s is null ? null : Math.Round(s.Standing, 4);
                entry[$"glue_{suffix}"] = s is null ? null : Math.Round(s.MeanGlue, 4);
                entry[$"towers_{suffix}"] = s?.Towers ?? 0;
                entry[$"simulations_{suffix}"] = s is null ? null : Math.Round(s.Simulations, 2);
                var against = AgainstOptimum(set, name);
                entry[$"fraction_of_optimal_{suffix}"] = against is { } a && a.Optimal > 0 ? Math.Round(a.Policy / a.Optimal, 4) : null;
            }
            agents[name] = entry;
        }
        var summary = new JsonObject
        {
            ["agents"] = agents,
            ["train_blocks"] = new JsonArray(o.TrainBlocks.Min, o.TrainBlocks.Max),
            ["test_blocks"] = new JsonArray(o.TestBlocks.Min, o.TestBlocks.Max),
            ["episodes"] = o.Episodes,
            ["test_towers"] = o.TestTowers,
            ["glue_cost"] = o.GlueCost,
            ["seed"] = o.Seed,
            ["quick"] = o.Quick,
            ["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 1),
        };
        DemoReport.WriteText(Path.Combine(directory, "summary.json"), summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return path;
    }

    /// <summary>Before/after pictures of the first towers of the training sizes on which the first agent glued something.</summary>
    static List<(string File, string Caption)> WriteTowerPictures(GlueDemoResult result, string directory)
    {
        var written = new List<(string, string)>();
        var set = result.TrainSizes;
        var score = set.Scores.FirstOrDefault(s => s.Policy == (result.Training.Count > 0 ? result.Training[0].Agent : "optimal"));
        if (score is null) return written;
        for (int i = 0; i < score.Towers && written.Count < 3; i++)
        {
            if (score.Glue[i].All(g => !g)) continue;
            var task = set.Tasks[score.Scored[i]];
            var outcome = score.Outcomes[i];
            var plot = new Plot();
            double shift = task.Tower.Blocks.Max(b => b.X + b.Width / 2) - task.Tower.Blocks.Min(b => b.X - b.Width / 2) + 2;
            for (int b = 0; b < task.Tower.Count; b++)
            {
                var block = task.Tower.Blocks[b];
                AddBlock(plot, block.Box.Corners(), "#8fb3d9");
                var moved = block.Box with { Center = new(outcome.Final[b].X + shift, outcome.Final[b].Y), Angle = outcome.FinalAngles[b] };
                AddBlock(plot, moved.Corners(), outcome.Stayed[b] ? "#8fd9a0" : "#e08f8f");
            }
            for (int k = 0; k < task.Actions; k++)
            {
                if (!score.Glue[i][k]) continue;
                var c = task.Tower.Contacts[k];
                TowerBlock lower = task.Tower.Blocks[c.Lower], upper = task.Tower.Blocks[c.Upper];
                double y = lower.Y + lower.Height / 2;
                double left = Math.Max(lower.X - lower.Width / 2, upper.X - upper.Width / 2), right = Math.Min(lower.X + lower.Width / 2, upper.X + upper.Width / 2);
                var line = plot.Add.Line(left, y, right, y);
                line.LineWidth = 5;
                line.Color = ScottPlot.Color.FromHex("#d62728");
            }
            var ground = plot.Add.Line(task.Tower.Blocks.Min(b => b.X) - 2, 0, task.Tower.Blocks.Max(b => b.X) + shift + 2, 0);
            ground.Color = Colors.Black;
            plot.Axes.SquareUnits();
            plot.Title($"Tower {score.Scored[i] + 1}: before, with {result.Training.FirstOrDefault()?.Agent ?? "optimal"}'s glue (red) | after 2 s (green: stayed, red: moved)");
            string file = $"glue-tower-{written.Count + 1}.png";
            DemoReport.WriteBytes(Path.Combine(directory, file), plot.GetImageBytes(900, 500, ImageFormat.Png));
            written.Add((file, $"Tower {score.Scored[i] + 1} ({task.Tower.Count} blocks): {outcome.Glues} glue, {outcome.StayedCount} of {task.Tower.Count} blocks stayed, reward {outcome.Reward:F1}."));
        }
        return written;
    }

    static void AddBlock(Plot plot, Physics.Rigid.Vec2[] corners, string color)
    {
        var polygon = plot.Add.Polygon(corners.Select(c => new Coordinates(c.X, c.Y)).ToArray());
        polygon.FillColor = ScottPlot.Color.FromHex(color);
        polygon.LineColor = Colors.Black;
        polygon.LineWidth = 1;
    }
}
