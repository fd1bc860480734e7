using Occam.Physics.Rigid;

namespace Occam.Construction;

/// <summary>The rules of the glue task.</summary>
public sealed record GlueTaskOptions
{
    /// <summary>Reward lost per glued pair (default 0.5: saving one block pays for two glues).</summary>
    public double GlueCost { get; init; } = 0.5;

    /// <summary>Simulated time after the agent stops (s).</summary>
    public double SettleTime { get; init; } = 2.0;

    /// <summary>A block counts as standing when its centre ends within this distance of where it started.</summary>
    public double StayDistance { get; init; } = 0.1;

    /// <summary>Friction coefficient of blocks and ground.</summary>
    public double Friction { get; init; } = 0.6;

    /// <summary>The rigid-body solver's settings for the settling run (the default step of 1/120 s with 10 sweeps instead of 20).</summary>
    public RigidWorldSettings Physics { get; init; } = new() { TimeStep = 1.0 / 120, Iterations = 10 };

    /// <summary>Refuses impossible rules.</summary>
    public void Validate()
    {
        if (!(GlueCost >= 0) || !double.IsFinite(GlueCost)) throw new ArgumentException($"glue cost must be non-negative and finite; got {GlueCost}.");
        if (!(SettleTime > 0) || SettleTime > 600) throw new ArgumentException($"settle time must be in (0, 600] s; got {SettleTime}.");
        if (!(StayDistance > 0)) throw new ArgumentException($"stay distance must be positive; got {StayDistance}.");
        if (!(Friction >= 0) || !double.IsFinite(Friction)) throw new ArgumentException($"friction must be non-negative; got {Friction}.");
    }
}

/// <summary>What happened after the agent stopped: which blocks stayed, where every block ended, and the reward.</summary>
public sealed record GlueOutcome(bool[] Stayed, TowerBlock[] Final, double[] FinalAngles, int Glues, double Reward)
{
    /// <summary>Number of blocks that stayed.</summary>
    public int StayedCount => Stayed.Count(s => s);
}

/// <summary>
/// The glue task on one tower: the state is which contacts are glued; an action glues one more contact or stops.
/// After the stop the tower is simulated for <see cref="GlueTaskOptions.SettleTime"/>, and the reward is the number
/// of blocks that stayed minus <see cref="GlueTaskOptions.GlueCost"/> per glue. Deterministic: the same tower and
/// glue give the same outcome.
/// </summary>
public sealed class GlueTask
{
    /// <summary>The task on <paramref name="tower"/> under the given rules.</summary>
    public GlueTask(Tower tower, GlueTaskOptions options)
    {
        Tower = tower ?? throw new ArgumentNullException(nameof(tower));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>The tower.</summary>
    public Tower Tower { get; }

    /// <summary>The rules.</summary>
    public GlueTaskOptions Options { get; }

    /// <summary>Number of glue actions (the tower's contacts); action index <c>Actions</c> is stop.</summary>
    public int Actions => Tower.Contacts.Count;

    long simulations;

    /// <summary>How many times <see cref="Settle"/> has run on this task (from any thread).</summary>
    public long Simulations => Interlocked.Read(ref simulations);

    /// <summary>Simulates the tower with the given glue and scores it.</summary>
    public GlueOutcome Settle(IReadOnlyList<bool> glued)
    {
        ArgumentNullException.ThrowIfNull(glued);
        Interlocked.Increment(ref simulations);
        var world = Tower.BuildWorld(Options.Physics, glued, Options.Friction, out var placement);
        world.Advance(Options.SettleTime);
        var stayed = new bool[Tower.Count];
        var final = new TowerBlock[Tower.Count];
        var angles = new double[Tower.Count];
        for (int i = 0; i < Tower.Count; i++)
        {
            var body = world.Bodies[placement[i].Body];
            var box = body.WorldBox(placement[i].Box);
            var start = Tower.Blocks[i];
            final[i] = start with { X = box.Center.X, Y = box.Center.Y };
            angles[i] = box.Angle;
            stayed[i] = (box.Center - new Vec2(start.X, start.Y)).Length < Options.StayDistance;
        }
        int glues = glued.Count(g => g);
        return new GlueOutcome(stayed, final, angles, glues, stayed.Count(s => s) - Options.GlueCost * glues);
    }

    /// <summary>
    /// The best glue over all subsets of contacts, by increasing size, skipping sizes that cannot beat the best found
    /// (a subset of size k scores at most blocks − cost·k). Null when the contacts are more than
    /// <paramref name="maxContacts"/> (2^contacts simulations in the worst case).
    /// </summary>
    public (bool[] Glue, GlueOutcome Outcome)? Optimal(int maxContacts = 16)
    {
        int n = Actions;
        if (n > maxContacts) return null;
        bool[]? best = null;
        GlueOutcome? bestOutcome = null;
        for (int size = 0; size <= n; size++)
        {
            if (bestOutcome is not null && Tower.Count - Options.GlueCost * size <= bestOutcome.Reward) break;
            foreach (var subset in Subsets(n, size))
            {
                var outcome = Settle(subset);
                if (bestOutcome is null || outcome.Reward > bestOutcome.Reward + 1e-12)
                {
                    best = subset;
                    bestOutcome = outcome;
                }
            }
        }
        return (best!, bestOutcome!);
    }

    /// <summary>All subsets of {0..n−1} of the given size, as flags, in lexicographic order of their members.</summary>
    static IEnumerable<bool[]> Subsets(int n, int size)
    {
        var members = Enumerable.Range(0, size).ToArray();
        while (true)
        {
            var flags = new bool[n];
            foreach (var m in members) flags[m] = true;
            yield return flags;
            int i = size - 1;
            while (i >= 0 && members[i] == n - size + i) i--;
            if (i < 0) yield break;
            members[i]++;
            for (int j = i + 1; j < size; j++) members[j] = members[j - 1] + 1;
        }
    }
}
