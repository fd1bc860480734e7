using Occam.Physics.Rigid;

namespace Occam.Construction.Tests;

public sealed class TowerTests
{
    static readonly TowerGeneratorOptions Small = new() { MinBlocks = 3, MaxBlocks = 5 };

    [Fact]
    public void The_same_seed_and_index_give_the_same_tower_and_others_differ()
    {
        var a = TowerGenerator.Generate(new TowerGeneratorOptions(), 4, 17);
        var b = TowerGenerator.Generate(new TowerGeneratorOptions(), 4, 17);
        var c = TowerGenerator.Generate(new TowerGeneratorOptions(), 4, 18);
        var d = TowerGenerator.Generate(new TowerGeneratorOptions(), 5, 17);
        Assert.Equal(a.Blocks, b.Blocks);
        Assert.Equal(a.Contacts, b.Contacts);
        Assert.NotEqual(a.Blocks, c.Blocks);
        Assert.NotEqual(a.Blocks, d.Blocks);
    }

    [Fact]
    public void Contacts_are_exactly_the_pairs_whose_faces_touch_with_their_shared_length()
    {
        for (int k = 0; k < 30; k++)
        {
            var tower = TowerGenerator.Generate(new TowerGeneratorOptions(), 2, k);
            Assert.InRange(tower.Count, 5, 7);
            var expected = new List<TowerContact>();
            for (int i = 0; i < tower.Count; i++)
                for (int j = i + 1; j < tower.Count; j++)
                {
                    TowerBlock p = tower.Blocks[i], q = tower.Blocks[j];
                    double overlap = Math.Min(p.X + p.Width / 2, q.X + q.Width / 2) - Math.Max(p.X - p.Width / 2, q.X - q.Width / 2);
                    bool stacked = Math.Abs(p.Y + p.Height / 2 - (q.Y - q.Height / 2)) < 1e-9 || Math.Abs(q.Y + q.Height / 2 - (p.Y - p.Height / 2)) < 1e-9;
                    if (stacked && overlap > 1e-9) expected.Add(new TowerContact(i, j, overlap));
                }
            Assert.Equal(expected.Count, tower.Contacts.Count);
            foreach (var (e, c) in expected.Zip(tower.Contacts))
            {
                Assert.Equal((e.Lower, e.Upper), (Math.Min(c.Lower, c.Upper), Math.Max(c.Lower, c.Upper)));
                Assert.True(tower.Blocks[c.Lower].Y < tower.Blocks[c.Upper].Y, "Lower names the block below");
                Assert.Equal(e.Overlap, c.Overlap, 9);
            }
            // Every block above the ground rests on something.
            for (int i = 0; i < tower.Count; i++)
                if (tower.Blocks[i].Y - tower.Blocks[i].Height / 2 > 1e-9)
                    Assert.Contains(tower.Contacts, c => c.Upper == i || c.Lower == i);
        }
    }

    [Fact]
    public void Many_random_towers_would_fall_without_glue()
    {
        var rules = new GlueTaskOptions();
        int falling = Enumerable.Range(0, 40).Count(k =>
        {
            var task = new GlueTask(TowerGenerator.Generate(new TowerGeneratorOptions(), 3, k), rules);
            return task.Settle(new bool[task.Actions]).StayedCount < task.Tower.Count;
        });
        Assert.InRange(falling, 20, 39); // many, but not every one
    }

    [Fact]
    public void The_static_check_and_the_simulation_agree_on_towers_that_are_clearly_stable_or_unstable()
    {
        // Clearly stable: stable with every contact face shortened by 0.05 at both ends. Clearly unstable: unstable even
        // with faces lengthened by 0.05 and boxes within 0.1 counted as touching (a near contact catches a tipping block).
        var rules = new GlueTaskOptions();
        int stable = 0, unstable = 0;
        for (int k = 0; k < 120; k++)
        {
            var task = new GlueTask(TowerGenerator.Generate(new TowerGeneratorOptions(), 9, k), rules);
            var glue = Enumerable.Range(0, task.Actions).Select(i => ((k >> (i % 4)) & 1) == 1 && k % 3 == 0).ToArray(); // some towers glued
            bool clearlyStable = task.Tower.IsStaticallyStable(glue, supportMargin: 0.05);
            bool clearlyUnstable = !StaticStability.IsStable(task.Tower.BuildWorld(new RigidWorldSettings(), glue), -0.05, 0.1);
            if (!clearlyStable && !clearlyUnstable) continue;
            bool stood = task.Settle(glue).StayedCount == task.Tower.Count;
            Assert.True(stood == clearlyStable, $"tower {k}: the static check says {(clearlyStable ? "stable" : "unstable")}, the simulation {(stood ? "stood" : "fell")}");
            if (clearlyStable) stable++;
            else unstable++;
        }
        Assert.True(stable >= 5 && unstable >= 30, $"too few clear cases: {stable} stable, {unstable} unstable");
    }

    [Fact]
    public void Settling_is_deterministic_and_the_reward_is_stayed_blocks_minus_the_glue_cost()
    {
        var task = new GlueTask(TowerGenerator.Generate(new TowerGeneratorOptions(), 1, 3), new GlueTaskOptions { GlueCost = 0.7 });
        var glue = Enumerable.Range(0, task.Actions).Select(i => i % 2 == 0).ToArray();
        var a = task.Settle(glue);
        var b = task.Settle(glue);
        Assert.Equal(a.Final, b.Final);
        Assert.Equal(a.Stayed, b.Stayed);
        Assert.Equal(a.StayedCount - 0.7 * glue.Count(g => g), a.Reward, 12);
        for (int i = 0; i < task.Tower.Count; i++)
        {
            double moved = Math.Sqrt(Math.Pow(a.Final[i].X - task.Tower.Blocks[i].X, 2) + Math.Pow(a.Final[i].Y - task.Tower.Blocks[i].Y, 2));
            Assert.Equal(moved < task.Options.StayDistance, a.Stayed[i]);
        }
    }

    [Fact]
    public void The_optimum_equals_a_plain_search_over_every_subset_of_glue()
    {
        var rules = new GlueTaskOptions();
        for (int k = 0; k < 8; k++)
        {
            var task = new GlueTask(TowerGenerator.Generate(Small, 6, k), rules);
            double best = double.NegativeInfinity;
            for (int mask = 0; mask < 1 << task.Actions; mask++)
                best = Math.Max(best, task.Settle(Enumerable.Range(0, task.Actions).Select(i => (mask >> i & 1) == 1).ToArray()).Reward);
            var optimal = task.Optimal()!.Value;
            Assert.Equal(best, optimal.Outcome.Reward, 12);
            Assert.Equal(optimal.Outcome.Reward, task.Settle(optimal.Glue).Reward, 12);
        }
        Assert.Null(new GlueTask(TowerGenerator.Generate(new TowerGeneratorOptions(), 6, 0), rules).Optimal(maxContacts: 2));
    }

    [Fact]
    public void Baselines_do_what_their_names_say()
    {
        var task = new GlueTask(TowerGenerator.Generate(new TowerGeneratorOptions(), 2, 5), new GlueTaskOptions());
        Assert.All(GluePolicies.NoGlue.Choose(task, 0), g => Assert.False(g));
        Assert.All(GluePolicies.GlueAll.Choose(task, 0), g => Assert.True(g));
        var random = GluePolicies.Random(3);
        Assert.Equal(random.Choose(task, 11), random.Choose(task, 11));
        // Over many towers the random policy glues some contacts, not all and not none.
        double glued = Enumerable.Range(0, 50).Average(i => random.Choose(task, i).Count(g => g) / (double)task.Actions);
        Assert.InRange(glued, 0.1, 0.9);
    }

    [Fact]
    public void One_step_lookahead_never_does_worse_than_no_glue_nor_better_than_the_optimum()
    {
        var rules = new GlueTaskOptions();
        for (int k = 0; k < 6; k++)
        {
            var task = new GlueTask(TowerGenerator.Generate(Small, 12, k), rules);
            double greedy = task.Settle(GluePolicies.GreedySimulation.Choose(task, k)).Reward;
            Assert.True(greedy >= task.Settle(new bool[task.Actions]).Reward - 1e-12, $"tower {k}");
            Assert.True(greedy <= task.Optimal()!.Value.Outcome.Reward + 1e-12, $"tower {k}");
        }
    }

    [Theory]
    [InlineData(1, 3, "at least 2 blocks")]
    [InlineData(5, 4, "is empty")]
    public void Impossible_tower_settings_are_refused(int min, int max, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => TowerGenerator.Generate(new TowerGeneratorOptions { MinBlocks = min, MaxBlocks = max }, 1, 0));
        Assert.Contains(message, error.Message);
        Assert.Contains("glue cost", Assert.Throws<ArgumentException>(() => new GlueTask(TowerGenerator.Generate(Small, 1, 0), new GlueTaskOptions { GlueCost = -1 })).Message);
    }

    [Fact]
    public void Overlapping_or_sunken_blocks_are_refused()
    {
        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() => new Tower([new(0, 0.25, 1, 0.5, 1), new(0.5, 0.5, 1, 0.5, 1)])).Message);
        Assert.Contains("below the ground", Assert.Throws<ArgumentException>(() => new Tower([new(0, 0.1, 1, 0.5, 1)])).Message);
        Assert.Contains("positive", Assert.Throws<ArgumentException>(() => new Tower([new(0, 0.25, double.NaN, 0.5, 1)])).Message);
    }
}
