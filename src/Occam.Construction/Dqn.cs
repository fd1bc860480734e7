using Occam.Graphs;
using Occam.Physics;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Construction;

/// <summary>Settings of deep Q-learning on the glue task.</summary>
public sealed record DqnOptions
{
    /// <summary>Training episodes (one random tower each).</summary>
    public int Episodes { get; init; } = 3000;

    /// <summary>Transitions per gradient step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Transitions kept for replay (oldest dropped first).</summary>
    public int ReplayCapacity { get; init; } = 20_000;

    /// <summary>Transitions collected before the first gradient step.</summary>
    public int Warmup { get; init; } = 200;

    /// <summary>Gradient steps per environment step (the replay ratio).</summary>
    public int UpdatesPerStep { get; init; } = 1;

    /// <summary>Gradient steps between copies of the online network into the target network.</summary>
    public int TargetUpdateInterval { get; init; } = 200;

    /// <summary>ε at the start of training.</summary>
    public double EpsilonStart { get; init; } = 1.0;

    /// <summary>ε at the end of the exploration phase and after it.</summary>
    public double EpsilonEnd { get; init; } = 0.05;

    /// <summary>Fraction of the episodes over which ε falls linearly.</summary>
    public double ExplorationFraction { get; init; } = 0.5;

    /// <summary>Validate (greedy policy on held-out towers) every this many episodes, and keep the best network.</summary>
    public int EvaluateEvery { get; init; } = 250;

    /// <summary>Held-out towers for validation.</summary>
    public int ValidationTowers { get; init; } = 100;

    /// <summary>
    /// Weight of the auxiliary loss on the block values: every state the agent visits is settled once, and each
    /// block's value is pulled toward 1 if that block stayed, 0 if not (an auxiliary task, as in UNREAL, Jaderberg et
    /// al. 2017). It teaches the shared network which blocks a tower loses; 0 turns it off.
    /// </summary>
    public double BlockLossWeight { get; init; } = 1.0;

    /// <summary>
    /// Random towers, each with a random glue set, settled and labelled before DQN starts, to train the block values
    /// alone for <see cref="PretrainEpochs"/> passes (<see cref="Dqn.LabelRandomGlue"/>, <see cref="Dqn.TrainBlockValues"/>);
    /// 0 (the default) starts DQN from the initial weights.
    /// </summary>
    public int PretrainTowers { get; init; }

    /// <summary>Passes over the pretraining towers.</summary>
    public int PretrainEpochs { get; init; } = 20;

    /// <summary>Seed of towers, exploration and replay sampling.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Refuses impossible settings.</summary>
    public void Validate()
    {
        if (Episodes < 1 || Episodes > 10_000_000) throw new ArgumentException($"episodes must be in [1, 10^7]; got {Episodes}.");
        if (BatchSize < 1 || BatchSize > 4096) throw new ArgumentException($"batch size must be in [1, 4096]; got {BatchSize}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"learning rate must be positive; got {LearningRate}.");
        if (!(BlockLossWeight >= 0) || !double.IsFinite(BlockLossWeight)) throw new ArgumentException($"block loss weight must be non-negative; got {BlockLossWeight}.");
        if (PretrainTowers < 0 || PretrainTowers > 1_000_000) throw new ArgumentException($"pretraining towers must be in [0, 10^6]; got {PretrainTowers}.");
        if (PretrainEpochs < 1 || PretrainEpochs > 1000) throw new ArgumentException($"pretraining epochs must be in [1, 1000]; got {PretrainEpochs}.");
        if (ReplayCapacity < BatchSize) throw new ArgumentException($"the replay buffer ({ReplayCapacity}) must hold a batch ({BatchSize}).");
        if (UpdatesPerStep < 1 || UpdatesPerStep > 64) throw new ArgumentException($"updates per step must be in [1, 64]; got {UpdatesPerStep}.");
        if (TargetUpdateInterval < 1 || EvaluateEvery < 1 || ValidationTowers < 1 || Warmup < 0) throw new ArgumentException("target interval, evaluation interval and validation towers must be positive.");
        if (!(EpsilonStart is >= 0 and <= 1) || !(EpsilonEnd is >= 0 and <= 1) || !(ExplorationFraction is > 0 and <= 1))
            throw new ArgumentException("ε must be in [0, 1] and the exploration fraction in (0, 1].");
    }
}

/// <summary>A point of the learning curve: greedy validation reward after <see cref="Episode"/> episodes.</summary>
public sealed record DqnCheckpoint(int Episode, double Epsilon, double ValidationReward, double Loss);

/// <summary>What training returns: the learning curve, the best validation reward and when it was reached (the network holds those weights).</summary>
public sealed record DqnResult(IReadOnlyList<DqnCheckpoint> Curve, double BestValidationReward, int BestEpisode, TimeSpan Elapsed);

/// <summary>
/// Deep Q-learning (Mnih et al. 2015) with the double-DQN target (van Hasselt et al. 2016): ε-greedy episodes on
/// random towers, a replay buffer, a target network copied every few hundred steps and the Huber loss. Rewards are
/// −cost per glue and, on stop, the number of blocks that stayed; undiscounted, since an episode ends after at most one
/// glue per contact. Each visited state is also settled once to label its blocks for the auxiliary loss
/// (<see cref="DqnOptions.BlockLossWeight"/>). The network left in place is the one with the best greedy validation reward.
/// </summary>
public static class Dqn
{
    /// <summary>A step: the state, which of its blocks would stay on stop (settled once), the action, reward and next state.</summary>
    sealed record Transition(GlueState State, bool[] Stayed, int Action, double Reward, GlueState? Next);

    /// <summary>
    /// Trains <paramref name="online"/> in place; <paramref name="target"/> must have the same architecture. With
    /// <see cref="DqnOptions.PretrainTowers"/> set, <paramref name="pretrainLabels"/> (when given) are the labelled towers
    /// to pretrain on — those <see cref="PretrainLabels"/> returns, computed once for several agents — else they are made here;
    /// <paramref name="pretrained"/> sees the network once pretraining is done, before DQN changes it (to keep a copy).
    /// </summary>
    public static DqnResult Train(GlueQNetwork online, GlueQNetwork target, TowerGeneratorOptions towers, GlueTaskOptions rules, DqnOptions options,
        Action<DqnCheckpoint>? progress = null, CancellationToken cancellation = default, IReadOnlyList<(GlueState State, bool[] Stayed)>? pretrainLabels = null,
        Action<GlueQNetwork>? pretrained = null)
    {
        ArgumentNullException.ThrowIfNull(online);
        ArgumentNullException.ThrowIfNull(target);
        options.Validate();
        towers.Validate();
        rules.Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var explore = new SimulationRandom(options.Seed, 1L << 40);
        var sampler = new SimulationRandom(options.Seed, (1L << 40) + 1);
        if (options.PretrainTowers > 0)
        {
            TrainBlockValues(online, pretrainLabels ?? PretrainLabels(towers, rules, options), options.PretrainEpochs, options.BatchSize, options.LearningRate, options.Seed);
            pretrained?.Invoke(online);
        }
        var validation = Enumerable.Range(0, options.ValidationTowers)
            .Select(k => (new GlueTask(TowerGenerator.Generate(towers, options.Seed, ValidationStream + k), rules), (long)(ValidationStream + k))).ToArray();
        var replay = new List<Transition>(Math.Min(options.ReplayCapacity, 1 << 16));
        int replayNext = 0;
        var optimizer = new FusedAdam(online.parameters(), options.LearningRate);
        Copy(online, target);
        var best = Snapshot(online);
        double bestReward = double.NegativeInfinity;
        int bestEpisode = 0, updates = 0;
        var curve = new List<DqnCheckpoint>();
        double lossSum = 0;
        int lossCount = 0;

        for (int episode = 1; episode <= options.Episodes; episode++)
        {
            cancellation.ThrowIfCancellationRequested();
            double progressFraction = (episode - 1) / (options.ExplorationFraction * options.Episodes);
            double epsilon = options.EpsilonEnd + (options.EpsilonStart - options.EpsilonEnd) * Math.Max(0, 1 - progressFraction);
            var task = new GlueTask(TowerGenerator.Generate(towers, options.Seed, episode - 1), rules);
            var state = GlueState.Start(task);
            var stayed = task.Settle(state.Glued).Stayed;
            while (true)
            {
                int action;
                if (explore.NextDouble() < epsilon)
                {
                    var valid = Enumerable.Range(0, task.Actions + 1).Where(state.IsValid).ToArray();
                    action = valid[(int)(explore.NextDouble() * valid.Length)];
                }
                else action = GreedyActions(online, [state])[0];
                Transition transition = action == task.Actions
                    ? new(state, stayed, action, stayed.Count(b => b), null)
                    : new(state, stayed, action, -rules.GlueCost, state.Glue(action));
                if (replay.Count < options.ReplayCapacity) replay.Add(transition);
                else replay[replayNext] = transition;
                replayNext = (replayNext + 1) % options.ReplayCapacity;
                if (replay.Count >= Math.Max(options.Warmup, options.BatchSize))
                {
                    for (int u = 0; u < options.UpdatesPerStep; u++)
                    {
                        lossSum += Update(online, target, optimizer, replay, sampler, options);
                        lossCount++;
                        if (++updates % options.TargetUpdateInterval == 0) Copy(online, target);
                    }
                }
                if (transition.Next is null) break;
                state = transition.Next;
                stayed = task.Settle(state.Glued).Stayed;
            }
            if (episode % options.EvaluateEvery == 0 || episode == options.Episodes)
            {
                double reward = GlueEvaluation.Evaluate(GluePolicies.Greedy("validation", online), validation)!.MeanReward;
                var point = new DqnCheckpoint(episode, epsilon, reward, lossCount > 0 ? lossSum / lossCount : double.NaN);
                curve.Add(point);
                progress?.Invoke(point);
                lossSum = 0;
                lossCount = 0;
                if (reward > bestReward)
                {
                    bestReward = reward;
                    bestEpisode = episode;
                    best.Dispose();
                    best = Snapshot(online);
                }
            }
        }
        Restore(online, best);
        best.Dispose();
        return new DqnResult(curve, bestReward, bestEpisode, clock.Elapsed);
    }

    /// <summary>Tower streams for validation (training uses 0, 1, …; evaluation sets use streams of their own).</summary>
    public const long ValidationStream = 1_000_000_000;

    /// <summary>Tower streams for pretraining the block values.</summary>
    public const long PretrainStream = 5_000_000_000;

    /// <summary>The labelled towers <see cref="Train"/> pretrains on under these settings (none when <see cref="DqnOptions.PretrainTowers"/> is 0).</summary>
    public static (GlueState State, bool[] Stayed)[] PretrainLabels(TowerGeneratorOptions towers, GlueTaskOptions rules, DqnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return LabelRandomGlue(towers, rules, options.Seed, PretrainStream, options.PretrainTowers);
    }

    /// <summary>
    /// Towers <paramref name="stream"/>, <paramref name="stream"/> + 1, … of <paramref name="seed"/>, each with a random
    /// glue set (each contact glued with a probability drawn per tower), settled once (in parallel: the labels do not
    /// depend on the thread count): per tower the state and which blocks stayed.
    /// </summary>
    public static (GlueState State, bool[] Stayed)[] LabelRandomGlue(TowerGeneratorOptions towers, GlueTaskOptions rules, long seed, long stream, int count)
    {
        ArgumentNullException.ThrowIfNull(towers);
        ArgumentNullException.ThrowIfNull(rules);
        var result = new (GlueState, bool[])[count];
        Parallel.For(0, count, i =>
        {
            var task = new GlueTask(TowerGenerator.Generate(towers, seed, stream + i), rules);
            var random = new SimulationRandom(seed, stream + i + (1L << 50)); // not the tower generator's stream
            double p = random.NextDouble();
            var glue = Enumerable.Range(0, task.Actions).Select(_ => random.NextDouble() < p).ToArray();
            result[i] = (new GlueState(task, glue), task.Settle(glue).Stayed);
        });
        return result;
    }

    /// <summary>
    /// Supervised learning of the block values alone: the mean squared error between each block's value and its label
    /// (1 = stays), shuffled batches from <paramref name="seed"/>, Adam. Returns the mean loss of each epoch.
    /// </summary>
    public static double[] TrainBlockValues(GlueQNetwork network, IReadOnlyList<(GlueState State, bool[] Stayed)> labelled, int epochs,
        int batchSize = 128, double learningRate = 1e-3, long seed = 1, Action<int, double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(labelled);
        var optimizer = new FusedAdam(network.parameters(), learningRate);
        var shuffle = new SimulationRandom(seed, (1L << 40) + 3);
        var losses = new double[epochs];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var order = Enumerable.Range(0, labelled.Count).Select(i => (Key: shuffle.NextDouble(), Index: i)).OrderBy(p => p.Key).Select(p => p.Index).ToArray();
            double sum = 0;
            int batches = 0;
            for (int start = 0; start + batchSize <= order.Length; start += batchSize, batches++)
            {
                using var scope = NewDisposeScope();
                var batch = order.Skip(start).Take(batchSize).Select(i => labelled[i]).ToArray();
                optimizer.ZeroGrad();
                var loss = nn.functional.mse_loss(network.Evaluate([.. batch.Select(b => b.State)]).Blocks,
                    tensor(batch.SelectMany(b => b.Stayed.Select(s => s ? 1f : 0f)).ToArray()));
                loss.backward();
                optimizer.Step();
                sum += loss.item<float>();
            }
            losses[epoch] = batches > 0 ? sum / batches : double.NaN;
            progress?.Invoke(epoch + 1, losses[epoch]);
        }
        return losses;
    }

    static double Update(GlueQNetwork online, GlueQNetwork target, FusedAdam optimizer, List<Transition> replay, SimulationRandom sampler, DqnOptions options)
    {
        int batchSize = options.BatchSize;
        var batch = new Transition[batchSize];
        for (int i = 0; i < batchSize; i++) batch[i] = replay[(int)(sampler.NextDouble() * replay.Count)];
        var targets = new float[batchSize];
        var nonTerminal = batch.Where(t => t.Next is not null).Select(t => t.Next!).ToArray();
        if (nonTerminal.Length > 0)
        {
            // Double DQN: the online network picks the next action, the target network values it.
            var chosen = GreedyActions(online, nonTerminal);
            float[] values;
            using (no_grad())
            using (var scope = NewDisposeScope())
                values = target.QValues(nonTerminal).data<float>().ToArray();
            var offsets = GlueQNetwork.Offsets(nonTerminal);
            int j = 0;
            for (int i = 0; i < batchSize; i++)
                targets[i] = (float)batch[i].Reward + (batch[i].Next is null ? 0 : values[offsets[j] + chosen[j++]]);
        }
        else for (int i = 0; i < batchSize; i++) targets[i] = (float)batch[i].Reward;

        using var step = NewDisposeScope();
        var states = batch.Select(t => t.State).ToArray();
        var stateOffsets = GlueQNetwork.Offsets(states);
        var index = tensor(batch.Select((t, i) => (long)(stateOffsets[i] + t.Action)).ToArray());
        optimizer.ZeroGrad();
        var (all, blocks) = online.Evaluate(states);
        var loss = nn.functional.smooth_l1_loss(all.index_select(0, index), tensor(targets));
        if (options.BlockLossWeight > 0)
        {
            var labels = tensor(batch.SelectMany(t => t.Stayed.Select(b => b ? 1f : 0f)).ToArray());
            using var weight = options.BlockLossWeight.ToScalar(); // explicit, alive through the call (see GlueQNetwork.Assemble)
            loss = loss.add(nn.functional.mse_loss(blocks, labels), weight);
        }
        loss.backward();
        optimizer.Step();
        return loss.item<float>();
    }

    /// <summary>For each state, its best valid action by the network (stop wins ties).</summary>
    public static int[] GreedyActions(GlueQNetwork network, IReadOnlyList<GlueState> states)
    {
        ArgumentNullException.ThrowIfNull(network);
        float[] q;
        using (no_grad())
        using (var scope = NewDisposeScope())
            q = network.QValues(states).data<float>().ToArray();
        var offsets = GlueQNetwork.Offsets(states);
        var result = new int[states.Count];
        for (int i = 0; i < states.Count; i++)
        {
            int actions = states[i].Task.Actions, best = actions;
            for (int a = 0; a < actions; a++)
                if (states[i].IsValid(a) && q[offsets[i] + a] > q[offsets[i] + best]) best = a;
            result[i] = best;
        }
        return result;
    }

    /// <summary>Per state, the network's predicted number of blocks that stay if it stopped now: its block values,
    /// each clipped to [0, 1] (a block stays or not), summed.</summary>
    public static double[] PredictedStays(GlueQNetwork network, IReadOnlyList<GlueState> states)
    {
        ArgumentNullException.ThrowIfNull(network);
        float[] blocks;
        using (no_grad())
        using (var scope = NewDisposeScope())
            blocks = network.Evaluate(states).Blocks.data<float>().ToArray();
        var result = new double[states.Count];
        int b = 0;
        for (int i = 0; i < states.Count; i++)
            for (int j = 0; j < states[i].Task.Tower.Count; j++)
                result[i] += Math.Clamp(blocks[b++], 0, 1);
        return result;
    }

    /// <summary>
    /// An ensemble's predicted stays: per state, the mean over the networks of <see cref="PredictedStays(GlueQNetwork,
    /// IReadOnlyList{GlueState})"/> less <paramref name="pessimism"/> times their standard deviation, so that a planner
    /// trusts a glue set less where the networks disagree about it.
    /// </summary>
    public static double[] PredictedStays(IReadOnlyList<GlueQNetwork> ensemble, IReadOnlyList<GlueState> states, double pessimism = 0)
    {
        ArgumentNullException.ThrowIfNull(ensemble);
        if (ensemble.Count == 0) throw new ArgumentException("the ensemble has no network");
        var each = ensemble.Select(n => PredictedStays(n, states)).ToArray();
        var result = new double[states.Count];
        for (int i = 0; i < result.Length; i++)
        {
            double mean = each.Average(e => e[i]);
            double variance = each.Sum(e => (e[i] - mean) * (e[i] - mean)) / each.Length;
            result[i] = mean - pessimism * Math.Sqrt(variance);
        }
        return result;
    }

    sealed class Weights(Tensor[] values) : IDisposable
    {
        public Tensor[] Values => values;
        public void Dispose() { foreach (var v in values) v.Dispose(); }
    }

    static Weights Snapshot(nn.Module module)
    {
        using var noGrad = no_grad();
        return new Weights([.. module.parameters().Select(p => p.detach().clone())]);
    }

    static void Restore(nn.Module module, Weights weights)
    {
        using var noGrad = no_grad();
        foreach (var (p, w) in module.parameters().Zip(weights.Values)) p.copy_(w);
    }

    /// <summary>Copies <paramref name="from"/>'s weights into <paramref name="to"/> (the same architecture).</summary>
    public static void Copy(nn.Module from, nn.Module to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        using var noGrad = no_grad();
        foreach (var (p, q) in to.parameters().Zip(from.parameters())) p.copy_(q);
    }
}
