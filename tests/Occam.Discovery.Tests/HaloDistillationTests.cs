using Occam.Discovery.Halos;
using Occam.Graphs;
using Occam.Physics.Halos;
using Occam.Symbolic;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Discovery.Tests;

public sealed class HaloDistillationTests
{
    static (Tensor Nodes, long[] S, long[] R, double[] Pos) RandomGraph(int n, int seed)
    {
        var rng = new Random(seed);
        var pos = Enumerable.Range(0, 3 * n).Select(_ => rng.NextDouble() * 3).ToArray();
        var feats = new float[7 * n];
        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < 3; a++) { feats[7 * i + a] = (float)pos[3 * i + a]; feats[7 * i + 3 + a] = (float)(rng.NextDouble() - 0.5); }
            feats[7 * i + 6] = (float)(0.5 + rng.NextDouble());
        }
        var (s, r) = GraphBuilders.RadiusGraph(pos, 3, 1.0);
        return (tensor(feats, [n, 7]), s, r, pos);
    }

    [Fact]
    public void Edge_features_match_a_naive_computation_in_the_documented_order()
    {
        var (nodes, s, r, _) = RandomGraph(40, 1);
        var f = HaloNetwork.EdgeFeatures(nodes, tensor(s), tensor(r)).data<float>().ToArray();
        var x = nodes.data<float>().ToArray();
        Assert.True(s.Length > 20);
        for (int e = 0; e < s.Length; e++)
        {
            long j = s[e], i = r[e];
            var expected = new double[10];
            double r2 = 0, v2 = 0;
            for (int a = 0; a < 3; a++)
            {
                double dr = x[7 * j + a] - x[7 * i + a], dv = x[7 * j + 3 + a] - x[7 * i + 3 + a];
                expected[a] = dr; expected[4 + a] = dv; r2 += dr * dr; v2 += dv * dv;
            }
            expected[3] = Math.Sqrt(r2); expected[7] = Math.Sqrt(v2); expected[8] = x[7 * i + 6]; expected[9] = x[7 * j + 6];
            for (int k = 0; k < 10; k++) Assert.Equal(expected[k], f[10 * e + k], 1e-5);
        }
    }

    [Fact]
    public void Batched_prediction_equals_one_halo_at_a_time_with_only_its_own_edges()
    {
        var (nodes, s, r, _) = RandomGraph(60, 2);
        using var net = new HaloNetwork(4, [16], new Generator(5));
        using var _ = no_grad();
        var targets = Enumerable.Range(0, 60).Select(i => (long)i).ToArray();
        using var all = net.Forward(nodes, tensor(s), tensor(r), tensor(targets));
        var batched = all.Prediction.data<float>().ToArray();
        for (int t = 0; t < 60; t++)
        {
            var own = Enumerable.Range(0, s.Length).Where(e => r[e] == t).ToArray();
            using var one = net.Forward(nodes, tensor(own.Select(e => s[e]).ToArray()), tensor(own.Select(e => r[e]).ToArray()), tensor(new long[] { t }));
            Assert.Equal(one.Prediction.data<float>()[0], batched[t], 1e-5);
        }
    }

    [Fact]
    public void Sub_volumes_cover_every_halo_once_and_are_spatially_disjoint_cells()
    {
        var c = HaloCatalogueGenerator.Generate(new HaloCatalogueOptions { Count = 3000, Seed = 2 }).Catalogue;
        var volumes = HaloDistillation.SubVolumes(c, 400);
        Assert.Equal(8, volumes.Count); // round((3000/400)^(1/3)) = 2 cells a side
        var seen = volumes.SelectMany(v => v).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 3000), seen);
        // Bounding boxes of different cells overlap in at most one coordinate range per axis.
        var boxes = volumes.Select(v => Enumerable.Range(0, 3).Select(a => (Min: v.Min(i => c.Positions[3 * i + a]), Max: v.Max(i => c.Positions[3 * i + a]))).ToArray()).ToArray();
        for (int p = 0; p < boxes.Length; p++)
            for (int q = p + 1; q < boxes.Length; q++)
                Assert.Contains(Enumerable.Range(0, 3), a => boxes[p][a].Max <= boxes[q][a].Min || boxes[q][a].Max <= boxes[p][a].Min);
    }

    [Fact]
    public void A_short_run_learns_better_than_the_mean_and_holds_out_the_largest_delta()
    {
        var options = new HaloDiscoveryOptions
        {
            Catalogue = new HaloCatalogueOptions { Count = 800, Clusters = 40, Seed = 4 },
            Steps = 300, L1 = 0.01, HalosPerBatch = 800, AnalysisEdges = 500, FreshPairs = 500, NodeFitHalos = 300,
            SymbolicTimeLimit = TimeSpan.FromSeconds(2), PairSearches = 2, Threads = 1, Seed = 1,
        };
        var result = HaloDistillation.Run(options);
        var c = HaloCatalogueGenerator.Generate(options.Catalogue).Catalogue;
        var sorted = c.Delta.OrderDescending().ToArray();
        Assert.Equal(sorted[159], result.HoldOutThreshold); // 20 % of 800 = 160 held out
        var train = c.Delta.Where(d => d < result.HoldOutThreshold).ToArray();
        double mean = train.Average(), meanMae = train.Average(d => Math.Abs(d - mean));
        var gn = result.Ood[0];
        Assert.Equal("graph network", gn.Model);
        Assert.True(gn.TrainMae < 0.7 * meanMae, $"GN MAE {gn.TrainMae} vs predicting the mean {meanMae}");
        var planted = result.Ood.Single(o => o.Model == "planted law");
        Assert.Equal(0, planted.TrainMae, 1e-12);
        Assert.Equal(0, planted.HeldOutMae, 1e-12);
        Assert.InRange(result.Component, 0, options.MessageSize - 1);
        Assert.NotNull(result.PairFormulaR2);
        Assert.Equal(800, result.Halos);
    }

    [Fact]
    public void A_pair_formula_searched_on_r_over_R_reads_catalogue_distances_after_conversion()
    {
        // Searched on x = r / R: f(x, mj) = (0.4 + mj) / (7 + (1.5 x)^20); in catalogue units it must equal the planted-style
        // term (0.4 + mj) / (7 + (15 r)^20) for R = 0.1, computed here directly.
        var searched = Expression.Parse("(0.4 + mj) / (7 + (1.5 * r)^20)", HaloDistillation.PairVariables);
        var entry = HaloDistillation.InCatalogueUnits(new ParetoEntry(searched.Complexity, 0, 0, searched), 0.1);
        foreach (var (r, mj) in new[] { (0.01, 0.5), (0.06, 1.0), (0.07, 2.0), (0.095, 0.3) })
            Assert.Equal((0.4 + mj) / (7 + Math.Pow(15 * r, 20)), entry.Expression.Evaluate([r, mj]), 1e-12);
    }

    [Fact]
    public void Validation_selection_takes_the_simplest_entry_within_the_tolerance_of_the_best()
    {
        // δ = 0.1 + 2 e (1 − 0.02 mi) + tiny noise: the affine law in e misses the mass term by far more than 10 %, the exact
        // form is within it, and a more complex exact form must not be preferred.
        var rng = new Random(3);
        var x = new double[500, 2];
        var y = new double[500];
        for (int k = 0; k < 500; k++)
        {
            x[k, 0] = 3 * rng.NextDouble(); x[k, 1] = 0.3 + 3 * rng.NextDouble();
            y[k] = 0.1 + 2 * x[k, 0] * (1 - 0.02 * x[k, 1]) + 0.001 * (rng.NextDouble() - 0.5);
        }
        ParetoEntry E(string text) { var e = Expression.Parse(text, HaloDistillation.NodeVariables); return new ParetoEntry(e.Complexity, 0, 0, e); }
        var front = new[] { E("e"), E("0.1 + 1.95 * e"), E("0.1 + (2 - 0.04 * mi) * e"), E("0.1 + (2 - 0.04 * mi) * e + 0 * (mi * mi)") };
        Assert.Same(front[2], HaloDistillation.SelectByValidation(front, (x, y), 0.1));
    }

    [Fact]
    public void Invalid_options_are_rejected_with_the_option_named()
    {
        var e = Assert.Throws<ArgumentException>(() => HaloDistillation.Run(new HaloDiscoveryOptions { HoldOutFraction = 1.5 }));
        Assert.Contains("hold-out fraction", e.Message);
        e = Assert.Throws<ArgumentException>(() => HaloDistillation.Run(new HaloDiscoveryOptions { Radius = -1 }));
        Assert.Contains("radius", e.Message);
    }

    [Fact]
    public void The_halo_judge_fits_the_planted_pair_law_to_the_delta_and_not_an_exponential_fall_off()
    {
        // A synthetic catalogue's δ is the planted law's, without noise: the planted pair term, summed over each halo's
        // neighbours, fits δ ≈ a + e·(b + c·mi + d·mi²) up to the node law's third-order remainder in C₃·mi/C₂; the
        // exponential fall-off the message searches find (its constants refitted to the δ) does not. The form check on
        // fresh pairs tells them apart the same way.
        var options = new HaloCatalogueOptions { Count = 1500, Seed = 3 };
        var c = HaloCatalogueGenerator.Generate(options).Catalogue;
        var law = options.Law;
        var (s, r) = GraphBuilders.RadiusGraph(c.Positions, 3, law.Radius);
        var judge = new HaloJudge(c, s, r, Enumerable.Range(0, 1000).ToArray());
        var planted = Expression.Parse(law.PairInfix, HaloDistillation.PairVariables);
        double exact = judge.Loss(planted);
        Assert.True(exact < 1e-6, $"planted law's loss {exact}");
        var (exponential, loss) = judge.Refit(Expression.Parse("(0.44 + mj) / (7 + 1e9 ^ (r / 0.1))", HaloDistillation.PairVariables));
        Assert.True(loss > 100 * exact, $"exponential fall-off {exponential}: loss {loss} against {exact}");

        var rng = new Random(5);
        var x = new double[2000, 2];
        var truth = new double[2000];
        for (int k = 0; k < 2000; k++)
        {
            x[k, 0] = law.Radius * rng.NextDouble();
            x[k, 1] = c.Mass[rng.Next(c.Count)];
            truth[k] = law.Pair(x[k, 0], x[k, 1]);
        }
        Assert.True(1 - HaloDistillation.FormR2(planted, x, truth) < 1e-12);
        Assert.True(1 - HaloDistillation.FormR2(exponential, x, truth) > JudgeStage.FormTolerance);
    }
}
