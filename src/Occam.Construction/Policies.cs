using Occam.Physics;

namespace Occam.Construction;

/// <summary>A way of choosing the glue for a tower: returns one flag per contact.</summary>
public interface IGluePolicy
{
    /// <summary>The name used in reports and summary.json.</summary>
    string Name { get; }

    /// <summary>Whether the policy can act on the task at all (the MLP agent cannot on towers larger than its input).</summary>
    bool Accepts(GlueTask task) => true;

    /// <summary>The glue for the task; <paramref name="index"/> (the tower's number) seeds randomised policies.</summary>
    bool[] Choose(GlueTask task, long index);
}

/// <summary>The baselines: no glue, glue every contact, random actions, one-step lookahead in the simulator, and the
/// exact optimum over all subsets.</summary>
public static class GluePolicies
{
    /// <summary>Glues nothing.</summary>
    public static IGluePolicy NoGlue { get; } = new Fixed("no_glue", task => new bool[task.Actions]);

    /// <summary>Glues every contact.</summary>
    public static IGluePolicy GlueAll { get; } = new Fixed("glue_all", task => Enumerable.Repeat(true, task.Actions).ToArray());

    /// <summary>Takes uniformly random valid actions (each unglued contact and stop equally likely) until it stops.</summary>
    public static IGluePolicy Random(long seed) => new RandomPolicy(seed);

    /// <summary>The best glue by simulating every subset (skipping sizes that cannot win); refuses towers with more contacts than <paramref name="maxContacts"/>.</summary>
    public static IGluePolicy Optimal(int maxContacts = 16) => new OptimalPolicy(maxContacts);

    /// <summary>
    /// One-step lookahead with the true simulator: settles the tower with each unglued contact added, glues the one
    /// that raises the reward most, and stops when none does. Not a learner, a yardstick: what a perfect model of the
    /// physics gains without planning two glues ahead.
    /// </summary>
    public static IGluePolicy GreedySimulation { get; } = new GreedySimulationPolicy();

    /// <summary>Acts greedily on a Q-network: glues the best contact while that beats stopping.</summary>
    public static IGluePolicy Greedy(string name, GlueQNetwork network) => new GreedyPolicy(name, network);

    /// <summary>
    /// Plans with the network's own outcome model: a beam search over glue sets (each step adds one contact to each of
    /// the <paramref name="beam"/> best sets so far) scored by the network's stop value — the predicted number of
    /// blocks that stay, each block's value clipped to [0, 1] — minus the glue cost; returns the best set seen. Gluing
    /// is a known, trivial transition (a flag), so no simulator is used: only the network judges the physics.
    /// </summary>
    public static IGluePolicy Planned(string name, GlueQNetwork network, int beam = 16) => new PlanningPolicy(name, [network], beam, 1);

    /// <summary>The same planning with an ensemble's mean predicted stays (<see cref="Dqn.PredictedStays(IReadOnlyList{GlueQNetwork},
    /// IReadOnlyList{GlueState}, double)"/>, no pessimism): their errors partly cancel, and the search exploits fewer of them.</summary>
    public static IGluePolicy Planned(string name, IReadOnlyList<GlueQNetwork> ensemble, int beam = 16) => new PlanningPolicy(name, [.. ensemble], beam, 1);

    /// <summary>
    /// Plans as <see cref="Planned(string, IReadOnlyList{GlueQNetwork}, int)"/>, then tries the <paramref name="candidates"/>
    /// best glue sets of the search in the simulator and keeps the one that does best (<see cref="GluePlanner.BestSimulated"/>):
    /// the network proposes, the physics decides, as model-based agents with a simulator do (the MCTS agents of Bapst et
    /// al. 2019 use one to expand their search). It costs at most <paramref name="candidates"/> simulations per tower, where
    /// the optimum tries every subset and <see cref="GreedySimulation"/> every contact per glue.
    /// </summary>
    public static IGluePolicy Checked(string name, IReadOnlyList<GlueQNetwork> ensemble, int beam = 16, int candidates = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 1);
        return new PlanningPolicy(name, [.. ensemble], beam, candidates);
    }

    /// <summary>
    /// The same number of simulations without a network: the empty set and <paramref name="candidates"/> − 1 random glue
    /// sets (each contact glued with a probability drawn per set, as the pretraining towers are glued), keeping the one that
    /// does best. The yardstick for <see cref="Checked"/>: what the simulator alone gives with that budget.
    /// </summary>
    public static IGluePolicy SampledSimulation(long seed, int candidates = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 1);
        return new SampledSimulationPolicy(seed, candidates);
    }

    sealed class Fixed(string name, Func<GlueTask, bool[]> choose) : IGluePolicy
    {
        public string Name => name;
        public bool[] Choose(GlueTask task, long index) => choose(task);
    }

    sealed class RandomPolicy(long seed) : IGluePolicy
    {
        public string Name => "random";
        public bool[] Choose(GlueTask task, long index)
        {
            var random = new SimulationRandom(seed, index);
            var state = GlueState.Start(task);
            while (true)
            {
                var valid = Enumerable.Range(0, task.Actions + 1).Where(state.IsValid).ToArray();
                int action = valid[(int)(random.NextDouble() * valid.Length)];
                if (action == task.Actions) return state.Glued;
                state = state.Glue(action);
            }
        }
    }

    sealed class GreedySimulationPolicy : IGluePolicy
    {
        public string Name => "greedy_sim";
        public bool[] Choose(GlueTask task, long index)
        {
            var glue = new bool[task.Actions];
            double current = task.Settle(glue).Reward;
            while (true)
            {
                int best = -1;
                for (int k = 0; k < task.Actions; k++)
                {
                    if (glue[k]) continue;
                    glue[k] = true;
                    double reward = task.Settle(glue).Reward;
                    glue[k] = false;
                    if (reward > current + 1e-12)
                    {
                        current = reward;
                        best = k;
                    }
                }
                if (best < 0) return glue;
                glue[best] = true;
            }
        }
    }

    sealed class OptimalPolicy(int maxContacts) : IGluePolicy
    {
        public string Name => "optimal";
        public bool Accepts(GlueTask task) => task.Actions <= maxContacts;
        public bool[] Choose(GlueTask task, long index) =>
            task.Optimal(maxContacts)?.Glue ?? throw new ArgumentException($"The optimum over {task.Actions} contacts is not computed (limit {maxContacts}).");
    }

    sealed class SampledSimulationPolicy(long seed, int candidates) : IGluePolicy
    {
        public string Name => "sampled_sim";
        public bool[] Choose(GlueTask task, long index)
        {
            var random = new SimulationRandom(seed, index);
            var sets = new List<bool[]> { new bool[task.Actions] };
            while (sets.Count < candidates)
            {
                double p = random.NextDouble();
                sets.Add([.. Enumerable.Range(0, task.Actions).Select(_ => random.NextDouble() < p)]);
            }
            return GluePlanner.BestSimulated(task, sets);
        }
    }

    sealed class GreedyPolicy(string name, GlueQNetwork network) : IGluePolicy
    {
        public string Name => name;
        public bool Accepts(GlueTask task) => network.Accepts(task.Tower.Count);
        public bool[] Choose(GlueTask task, long index)
        {
            var state = GlueState.Start(task);
            while (true)
            {
                int action = Dqn.GreedyActions(network, [state])[0];
                if (action == task.Actions) return state.Glued;
                state = state.Glue(action);
            }
        }
    }
}

sealed class PlanningPolicy(string name, GlueQNetwork[] ensemble, int beam, int candidates) : IGluePolicy
{
    public string Name => name;
    public bool Accepts(GlueTask task) => ensemble.All(n => n.Accepts(task.Tower.Count));
    public bool[] Choose(GlueTask task, long index)
    {
        var plan = ensemble.Length == 1
            ? GluePlanner.Search(ensemble[0], task, beam)
            : GluePlanner.Search(states => Dqn.PredictedStays(ensemble, states), task, beam);
        return candidates == 1 ? plan[0].Glue : GluePlanner.BestSimulated(task, plan.Take(candidates).Select(p => p.Glue).ToArray());
    }
}

/// <summary>Search over glue sets with a network's predicted outcome (<see cref="Dqn.PredictedStays"/>).</summary>
public static class GluePlanner
{
    /// <summary>
    /// Beam search: from no glue, each round adds one contact to each of the <paramref name="beam"/> best sets of the
    /// previous round; sets are scored by the predicted stays minus the glue cost. Stops when no set of the next size
    /// could beat the best so far (blocks − cost·size), when every contact is glued, or after <paramref name="patience"/>
    /// rounds in a row without a better set (unlimited by default: glue that only helps together with more glue must
    /// not be cut off). Returns every set scored, best first (ties: fewer glues, then the order of contacts).
    /// </summary>
    public static IReadOnlyList<(bool[] Glue, double Score)> Search(GlueQNetwork network, GlueTask task, int beam = 16, int patience = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Search(states => Dqn.PredictedStays(network, states), task, beam, patience);
    }

    /// <summary>The same search with the predicted stays of each state from <paramref name="predictedStays"/> (an
    /// ensemble's, say: <see cref="Dqn.PredictedStays(IReadOnlyList{GlueQNetwork}, IReadOnlyList{GlueState}, double)"/>).</summary>
    public static IReadOnlyList<(bool[] Glue, double Score)> Search(Func<IReadOnlyList<GlueState>, double[]> predictedStays, GlueTask task,
        int beam = 16, int patience = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(predictedStays);
        ArgumentNullException.ThrowIfNull(task);
        double cost = task.Options.GlueCost;
        var start = GlueState.Start(task);
        var scored = new List<(GlueState State, double Score, int Size)> { (start, predictedStays([start])[0], 0) };
        double best = scored[0].Score;
        var frontier = new List<GlueState> { start };
        for (int size = 1, stale = 0; size <= task.Actions && stale < patience && task.Tower.Count - cost * size > best; size++)
        {
            var children = new SortedDictionary<string, GlueState>(StringComparer.Ordinal);
            foreach (var state in frontier)
                for (int k = 0; k < task.Actions; k++)
                    if (!state.Glued[k])
                    {
                        var child = state.Glue(k);
                        children.TryAdd(Key(child), child);
                    }
            if (children.Count == 0) break;
            var candidates = children.Values.ToArray();
            var stays = predictedStays(candidates);
            var ranked = candidates.Select((c, i) => (State: c, Score: stays[i] - cost * size, Size: size)).OrderByDescending(c => c.Score).ToArray();
            scored.AddRange(ranked);
            if (ranked[0].Score > best + 1e-9) { best = ranked[0].Score; stale = 0; }
            else stale++;
            frontier = [.. ranked.Take(beam).Select(c => c.State)];
        }
        return [.. scored.OrderByDescending(c => c.Score).ThenBy(c => c.Size).Select(c => (c.State.Glued, c.Score))];
    }

    /// <summary>
    /// Settles every candidate glue set (in parallel; each run is independent) and returns the one with the highest reward;
    /// ties go to the earlier candidate, so the result does not depend on the thread count.
    /// </summary>
    public static bool[] BestSimulated(GlueTask task, IReadOnlyList<bool[]> candidates)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0) throw new ArgumentException("no candidate glue set", nameof(candidates));
        var rewards = new double[candidates.Count];
        Parallel.For(0, candidates.Count, i => rewards[i] = task.Settle(candidates[i]).Reward);
        int best = 0;
        for (int i = 1; i < rewards.Length; i++)
            if (rewards[i] > rewards[best] + 1e-12) best = i;
        return candidates[best];
    }

    static string Key(GlueState state) => string.Concat(state.Glued.Select(g => g ? '1' : '0'));
}

/// <summary>How a policy did on a set of towers: means over the towers it could act on (<see cref="Scored"/>, positions
/// in the evaluated list), and per such tower its glue and outcome. <see cref="Simulations"/> is the mean number of
/// settling runs the policy made to choose its glue (0 for the networks' own planning; not counting the run that scores it).</summary>
public sealed record GlueScore(string Policy, int[] Scored, double MeanReward, double Standing, double MeanGlue, GlueOutcome[] Outcomes, bool[][] Glue,
    double Simulations = 0)
{
    /// <summary>Number of towers scored.</summary>
    public int Towers => Scored.Length;

    /// <summary>The mean reward over the given positions (each must be among <see cref="Scored"/>).</summary>
    public double MeanRewardOn(IEnumerable<int> positions)
    {
        var where = new Dictionary<int, int>();
        for (int i = 0; i < Scored.Length; i++) where[Scored[i]] = i;
        return positions.Select(p => Outcomes[where[p]].Reward).Average();
    }
}

/// <summary>Runs policies on towers and scores them.</summary>
public static class GlueEvaluation
{
    /// <summary>
    /// The policy's glue for each task (chosen in order), then the settling runs (in parallel; each is independent, so
    /// the result does not depend on the thread count). Tasks the policy does not accept are skipped (null result when none is).
    /// </summary>
    public static GlueScore? Evaluate(IGluePolicy policy, IReadOnlyList<(GlueTask Task, long Index)> tasks, bool parallelChoice = false)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var scored = Enumerable.Range(0, tasks.Count).Where(i => policy.Accepts(tasks[i].Task)).ToArray();
        var accepted = scored.Select(i => tasks[i]).ToArray();
        if (accepted.Length == 0) return null;
        var glue = new bool[accepted.Length][];
        var distinct = accepted.Select(t => t.Task).Distinct().ToArray();
        long simulated = distinct.Sum(t => t.Simulations);
        if (parallelChoice) Parallel.For(0, accepted.Length, i => glue[i] = policy.Choose(accepted[i].Task, accepted[i].Index));
        else for (int i = 0; i < accepted.Length; i++) glue[i] = policy.Choose(accepted[i].Task, accepted[i].Index);
        simulated = distinct.Sum(t => t.Simulations) - simulated;
        var outcomes = new GlueOutcome[accepted.Length];
        Parallel.For(0, accepted.Length, i => outcomes[i] = accepted[i].Task.Settle(glue[i]));
        return new GlueScore(policy.Name, scored, outcomes.Average(o => o.Reward),
            outcomes.Average(o => o.StayedCount == o.Stayed.Length ? 1.0 : 0.0), outcomes.Average(o => (double)o.Glues), outcomes, glue,
            (double)simulated / accepted.Length);
    }
}
