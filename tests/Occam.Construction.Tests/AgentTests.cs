using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Construction.Tests;

public sealed class AgentTests
{
    static GlueTask Task(long index, int blocks = 6) =>
        new(TowerGenerator.Generate(new TowerGeneratorOptions { MinBlocks = blocks, MaxBlocks = blocks }, 8, index), new GlueTaskOptions());

    static float[] Q(GlueQNetwork network, params GlueState[] states)
    {
        using var noGrad = no_grad();
        using var q = network.QValues(states);
        return q.data<float>().ToArray();
    }

    [Fact]
    public void Q_values_come_per_contact_then_stop_for_each_state_in_a_batch_as_they_do_alone()
    {
        var network = new GraphQNetwork(latent: 16, steps: 2, seed: 3);
        var states = new[] { GlueState.Start(Task(0)), GlueState.Start(Task(1, 4)).Glue(0), GlueState.Start(Task(2, 7)) };
        var batched = Q(network, states);
        Assert.Equal(states.Sum(s => s.Task.Actions + 1), batched.Length);
        var offsets = GlueQNetwork.Offsets(states);
        for (int i = 0; i < states.Length; i++)
        {
            var alone = Q(network, states[i]);
            for (int a = 0; a < alone.Length; a++) Assert.Equal(alone[a], batched[offsets[i] + a], 4);
        }
    }

    [Fact]
    public void The_graph_agent_gives_the_same_values_whatever_the_order_of_the_blocks()
    {
        // Relabel the blocks in reverse: each contact keeps its two blocks, so its Q-value must not change.
        var task = Task(4, 7);
        var reversed = new Tower(task.Tower.Blocks.Reverse().ToArray());
        var relabelled = new GlueTask(reversed, task.Options);
        int n = task.Tower.Count;
        var network = new GraphQNetwork(latent: 16, steps: 3, seed: 5);
        var glue = Enumerable.Range(0, task.Actions).Select(k => k % 2 == 1).ToArray();
        var q = Q(network, new GlueState(task, glue));
        var relabelledGlue = new bool[relabelled.Actions];
        for (int k = 0; k < task.Actions; k++)
        {
            var c = task.Tower.Contacts[k];
            int m = relabelled.Tower.Contacts.ToList().FindIndex(d => d.Lower == n - 1 - c.Lower && d.Upper == n - 1 - c.Upper);
            relabelledGlue[m] = glue[k];
        }
        var r = Q(network, new GlueState(relabelled, relabelledGlue));
        for (int k = 0; k < task.Actions; k++)
        {
            var c = task.Tower.Contacts[k];
            int m = relabelled.Tower.Contacts.ToList().FindIndex(d => d.Lower == n - 1 - c.Lower && d.Upper == n - 1 - c.Upper);
            Assert.Equal(q[k], r[m], 4);
        }
        Assert.Equal(q[^1], r[^1], 4);
    }

    [Fact]
    public void The_mlp_agent_refuses_towers_larger_than_its_padded_input()
    {
        var network = new MlpQNetwork(maxBlocks: 5, hidden: 16);
        Assert.True(network.Accepts(5));
        Assert.False(network.Accepts(6));
        Assert.Equal(Task(0, 5).Actions + 1, Q(network, GlueState.Start(Task(0, 5))).Length);
        Assert.Contains("at most 5 blocks", Assert.Throws<ArgumentException>(() => Q(network, GlueState.Start(Task(0, 6)))).Message);
        Assert.Null(GlueEvaluation.Evaluate(GluePolicies.Greedy("mlp", network), [(Task(0, 6), 0L)]));
    }

    [Fact]
    public void Greedy_actions_never_repeat_a_glue_and_stop_wins_ties()
    {
        var task = Task(3);
        var network = new GraphQNetwork(latent: 16, steps: 2, seed: 1);
        var all = Enumerable.Repeat(true, task.Actions).ToArray();
        Assert.Equal(task.Actions, Dqn.GreedyActions(network, [new GlueState(task, all)])[0]);
        var glue = GluePolicies.Greedy("gn", network).Choose(task, 0);
        Assert.Equal(task.Actions, glue.Length);
    }

    /// <summary>A "network" that knows the physics: its block values are the simulator's outcome (1 = stays).</summary>
    sealed class OracleNetwork() : GlueQNetwork("oracle")
    {
        public override (Tensor Q, Tensor Blocks) Evaluate(IReadOnlyList<GlueState> states)
        {
            var blocks = tensor(states.SelectMany(s => s.Task.Settle(s.Glued).Stayed.Select(b => b ? 1f : 0f)).ToArray());
            return (Assemble(states, blocks, zeros(states.Sum(s => s.Task.Actions))), blocks);
        }
    }

    [Fact]
    public void The_planner_with_a_perfect_model_and_an_unbounded_beam_finds_the_exact_optimum()
    {
        // With a beam wider than the number of subsets and patience beyond the number of contacts, the search visits
        // every glue set the optimum's bound leaves (blocks − cost·size must beat the best): it must score as the
        // exhaustive optimum does, and its best set must settle to its score.
        var oracle = new OracleNetwork();
        for (int index = 0; index < 6; index++)
        {
            var task = Task(index, 5);
            var optimum = task.Optimal()!.Value.Outcome.Reward;
            var plan = GluePlanner.Search(oracle, task, beam: 1 << 16, patience: task.Actions + 1);
            Assert.Equal(optimum, plan[0].Score, 9);
            Assert.Equal(optimum, task.Settle(plan[0].Glue).Reward, 9);
            Assert.Equal(optimum, task.Settle(GluePolicies.Planned("plan", oracle, 1 << 16).Choose(task, index)).Reward, 9);
        }
    }

    [Fact]
    public void Checking_the_planners_best_sets_keeps_the_one_that_settles_best_and_counts_its_simulations()
    {
        // An untrained network proposes; the checked agent must return, of the search's K best sets, the one with the
        // highest settled reward (the first on ties), found here by settling each by hand; so it is never worse than
        // the search's own best, and it spends at most K simulations per tower.
        var network = new GraphQNetwork(latent: 16, steps: 2, seed: 6);
        const int k = 5;
        var tasks = Enumerable.Range(0, 4).Select(i => (Task: Task(i, 6), Index: (long)i)).ToArray();
        var checkedAgent = GluePolicies.Checked("gn_checked", [network], beam: 4, candidates: k);
        foreach (var (task, index) in tasks)
        {
            var plan = GluePlanner.Search(network, task, beam: 4);
            var top = plan.Take(k).Select(p => p.Glue).ToArray();
            var rewards = top.Select(g => task.Settle(g).Reward).ToArray();
            int best = Array.IndexOf(rewards, rewards.Max());
            Assert.Equal(top[best], checkedAgent.Choose(task, index));
            Assert.True(task.Settle(checkedAgent.Choose(task, index)).Reward >= task.Settle(plan[0].Glue).Reward);
        }
        var fresh = tasks.Select(t => (new GlueTask(t.Task.Tower, t.Task.Options), t.Index)).ToArray();
        var score = GlueEvaluation.Evaluate(checkedAgent, fresh)!;
        Assert.InRange(score.Simulations, 1, k);
        Assert.Equal(0, GlueEvaluation.Evaluate(GluePolicies.Planned("gn_planned", network, 4), fresh)!.Simulations);
        Assert.Equal(0, GlueEvaluation.Evaluate(GluePolicies.NoGlue, fresh)!.Simulations);
    }

    [Fact]
    public void Sampled_simulation_settles_no_glue_and_random_sets_and_keeps_the_best()
    {
        // It tries the empty set among its K, so it can do no worse than gluing nothing; it makes exactly K
        // simulations per tower; and the same seed gives the same glue.
        var tasks = Enumerable.Range(0, 6).Select(i => (Task: Task(i, 6), Index: (long)i)).ToArray();
        var sampled = GluePolicies.SampledSimulation(seed: 3, candidates: 8);
        var score = GlueEvaluation.Evaluate(sampled, tasks, parallelChoice: true)!;
        Assert.Equal(8, score.Simulations);
        var none = GlueEvaluation.Evaluate(GluePolicies.NoGlue, tasks)!;
        for (int i = 0; i < tasks.Length; i++) Assert.True(score.Outcomes[i].Reward >= none.Outcomes[i].Reward);
        foreach (var (task, index) in tasks) Assert.Equal(sampled.Choose(task, index), GluePolicies.SampledSimulation(3, 8).Choose(task, index));
    }

    [Fact]
    public void The_planner_ranks_glue_sets_by_predicted_stays_minus_the_glue_cost()
    {
        var network = new GraphQNetwork(latent: 16, steps: 2, seed: 4);
        var task = Task(2, 6);
        var plan = GluePlanner.Search(network, task, beam: 3);
        Assert.True(plan.Count > task.Actions, "the first round alone scores every single glue");
        for (int i = 0; i < plan.Count; i++)
        {
            var (glue, score) = plan[i];
            double predicted = Dqn.PredictedStays(network, [new GlueState(task, glue)])[0];
            Assert.InRange(predicted, 0, task.Tower.Count);
            Assert.Equal(predicted - task.Options.GlueCost * glue.Count(g => g), score, 4);
            if (i > 0) Assert.True(plan[i - 1].Score >= score, "best first");
        }
        Assert.Equal(plan.Count, plan.Select(p => string.Concat(p.Glue.Select(g => g ? '1' : '0'))).Distinct().Count());
    }

    [Fact]
    public void An_ensemble_predicts_the_mean_stays_less_the_pessimism_times_their_spread()
    {
        // Reference: each network's own predicted stays, combined by hand (population standard deviation); an ensemble of
        // one is that network; an ensemble of the oracle twice plans the exact optimum, as the oracle does alone.
        var networks = new GlueQNetwork[] { new GraphQNetwork(latent: 16, steps: 2, seed: 4), new GraphQNetwork(latent: 16, steps: 2, seed: 5), new GraphQNetwork(latent: 16, steps: 2, seed: 6) };
        var task = Task(2, 6);
        var states = Enumerable.Range(0, task.Actions).Select(k => GlueState.Start(task).Glue(k)).ToArray();
        var each = networks.Select(n => Dqn.PredictedStays(n, states)).ToArray();
        var combined = Dqn.PredictedStays(networks, states, pessimism: 1.5);
        for (int i = 0; i < states.Length; i++)
        {
            double mean = (each[0][i] + each[1][i] + each[2][i]) / 3;
            double sd = Math.Sqrt(each.Sum(e => (e[i] - mean) * (e[i] - mean)) / 3);
            Assert.Equal(mean - 1.5 * sd, combined[i], 9);
        }
        Assert.Equal(each[0], Dqn.PredictedStays(networks[..1], states, pessimism: 2));
        var oracle = new OracleNetwork();
        var small = Task(1, 5);
        var plan = GluePlanner.Search(s => Dqn.PredictedStays([oracle, oracle], s, pessimism: 1), small, beam: 1 << 16, patience: small.Actions + 1);
        Assert.Equal(small.Optimal()!.Value.Outcome.Reward, small.Settle(plan[0].Glue).Reward, 9);
    }

    [Fact]
    public void Random_glue_labels_are_the_settled_outcome_and_the_block_values_learn_them()
    {
        torch.set_num_threads(1);
        var towers = new TowerGeneratorOptions { MinBlocks = 3, MaxBlocks = 4 };
        var labelled = Dqn.LabelRandomGlue(towers, new GlueTaskOptions(), 3, 0, 300);
        Assert.Equal(labelled.Select(l => l.Stayed), Dqn.LabelRandomGlue(towers, new GlueTaskOptions(), 3, 0, 300).Select(l => l.Stayed));
        foreach (var (state, stayed) in labelled.Take(20)) Assert.Equal(state.Task.Settle(state.Glued).Stayed, stayed);
        Assert.Contains(labelled, l => l.State.Glued.Any(g => g));
        Assert.Contains(labelled, l => l.State.Glued.Any(g => !g));

        // Learned block values must tell the labels apart better than always guessing the commoner outcome.
        var network = new GraphQNetwork(latent: 32, steps: 4, seed: 1);
        var losses = Dqn.TrainBlockValues(network, labelled, epochs: 60, batchSize: 32, learningRate: 3e-3, seed: 1);
        Assert.Equal(60, losses.Length);
        float[] values;
        using (no_grad())
        using (var scope = NewDisposeScope())
            values = network.Evaluate([.. labelled.Select(l => l.State)]).Blocks.data<float>().ToArray();
        var truth = labelled.SelectMany(l => l.Stayed).ToArray();
        double accuracy = truth.Select((t, i) => values[i] > 0.5 == t ? 1.0 : 0.0).Average();
        double majority = Math.Max(truth.Average(t => t ? 1.0 : 0.0), truth.Average(t => t ? 0.0 : 1.0));
        Assert.True(accuracy > majority + 0.05, $"accuracy {accuracy:P1}, majority guess {majority:P1}");
        Assert.True(losses[^1] < losses[0], $"loss {losses[0]:F4} → {losses[^1]:F4}");
    }

    [Fact]
    public void Training_is_reproducible_by_seed_and_leaves_no_tensors_behind()
    {
        // Same seed: the same learning curve, and weights equal to float32 rounding (libtorch's kernels may round a
        // sum differently from run to run at the last bit; seen at 6e-8).
        torch.set_num_threads(1);
        var towers = new TowerGeneratorOptions { MinBlocks = 3, MaxBlocks = 4 };
        var options = new DqnOptions { Episodes = 40, Warmup = 16, BatchSize = 8, EvaluateEvery = 20, ValidationTowers = 5, TargetUpdateInterval = 10, Seed = 2 };
        (float[] Weights, double[] Curve, long Leaked) Train(DqnOptions settings)
        {
            var online = new GraphQNetwork(latent: 16, steps: 2, seed: 7);
            var target = new GraphQNetwork(latent: 16, steps: 2, seed: 7);
            long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            var result = Dqn.Train(online, target, towers, new GlueTaskOptions(), settings);
            long leaked = DisposeScopeManager.Statistics.ThreadTotalLiveCount - live;
            return ([.. online.parameters().SelectMany(p => p.data<float>().ToArray())], [.. result.Curve.Select(c => c.ValidationReward)], leaked);
        }
        var (first, firstCurve, leaked) = Train(options);
        var (second, secondCurve, _) = Train(options);
        // What stays is made once (the gradients' handles), not per step: twice the episodes leave no more behind.
        Assert.Equal(leaked, Train(options with { Episodes = 2 * options.Episodes }).Leaked);
        Assert.Equal(firstCurve, secondCurve);
        Assert.All(first.Zip(second), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-6 * (1 + Math.Abs(p.First)), $"{p.First} against {p.Second}"));
        Assert.NotEqual(first, new GraphQNetwork(latent: 16, steps: 2, seed: 7).parameters().SelectMany(p => p.data<float>().ToArray()).ToArray());
    }

    [Fact]
    public void Pretraining_before_the_call_is_the_same_as_pretraining_inside_it_and_a_copy_keeps_the_pretrained_weights()
    {
        // Pretraining inside Dqn.Train is TrainBlockValues and nothing more: pretrained by hand and then trained without
        // pretraining, the DQN agent comes out the same (same labels, same seed), and a copy keeps the pretrained weights;
        // the copy the demo's planner takes through Train's `pretrained` callback is that same copy. Weights to float32
        // rounding (libtorch may round a sum differently at the last bit).
        torch.set_num_threads(1);
        var towers = new TowerGeneratorOptions { MinBlocks = 3, MaxBlocks = 4 };
        var rules = new GlueTaskOptions();
        var options = new DqnOptions { Episodes = 30, Warmup = 16, BatchSize = 8, EvaluateEvery = 15, ValidationTowers = 4, TargetUpdateInterval = 10, Seed = 2, PretrainTowers = 40, PretrainEpochs = 3 };
        var labels = Dqn.PretrainLabels(towers, rules, options);
        static float[] Weights(GlueQNetwork n) => [.. n.parameters().SelectMany(p => p.data<float>().ToArray())];
        static GraphQNetwork Net() => new(latent: 16, steps: 2, seed: 7);

        var inside = Net();
        var handedOut = Net();
        Dqn.Train(inside, Net(), towers, rules, options, pretrainLabels: labels, pretrained: n => Dqn.Copy(n, handedOut));

        var outside = Net();
        Dqn.TrainBlockValues(outside, labels, options.PretrainEpochs, options.BatchSize, options.LearningRate, options.Seed);
        var copy = Net();
        Dqn.Copy(outside, copy);
        var pretrained = Weights(outside);
        Dqn.Train(outside, Net(), towers, rules, options with { PretrainTowers = 0 });

        Assert.All(Weights(inside).Zip(Weights(outside)), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-6 * (1 + Math.Abs(p.First)), $"{p.First} against {p.Second}"));
        Assert.Equal(pretrained, Weights(copy));
        Assert.NotEqual(pretrained, Weights(outside)); // DQN moved the agent, not the copy
        Assert.All(pretrained.Zip(Weights(handedOut)), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-6 * (1 + Math.Abs(p.First)), $"{p.First} against {p.Second}"));
    }

    [Fact]
    public void Dqn_refuses_impossible_settings()
    {
        var network = new GraphQNetwork(latent: 8, steps: 1);
        Assert.Contains("episodes", Assert.Throws<ArgumentException>(() =>
            Dqn.Train(network, new GraphQNetwork(latent: 8, steps: 1), new TowerGeneratorOptions(), new GlueTaskOptions(), new DqnOptions { Episodes = 0 })).Message);
        Assert.Contains("replay buffer", Assert.Throws<ArgumentException>(() =>
            Dqn.Train(network, new GraphQNetwork(latent: 8, steps: 1), new TowerGeneratorOptions(), new GlueTaskOptions(), new DqnOptions { ReplayCapacity = 4 })).Message);
        Assert.Contains("pretraining towers", Assert.Throws<ArgumentException>(() =>
            Dqn.Train(network, new GraphQNetwork(latent: 8, steps: 1), new TowerGeneratorOptions(), new GlueTaskOptions(), new DqnOptions { PretrainTowers = -1 })).Message);
    }
}
