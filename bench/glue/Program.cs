// How good is the glue agent's learned outcome, and how far does planning with it go? (docs/construction.md)
//   dotnet run --project bench/glue -c Release -- [samples=60000] [epochs=20] [steps=10] [beams=16] [towers=100] [seed=1]
//                                                  [ensemble=1] [pessimism=0] [checks=1]
// Trains the graph network's block values alone, by supervised learning: `samples` random towers of 5-7 blocks, each
// with a random glue set (each contact glued with a probability drawn per tower), settled once; every block labelled
// 1 (stays) or 0 (falls); mean squared error, batches of 128, Adam at 1e-3, `epochs` passes. Then reports the per-block
// accuracy (value > 0.5 against the label) on 2,000 + 1,000 fresh labelled towers of 5-7 and 9-12 blocks, and plans
// with the model (GluePlanner, each beam width of `beams`) on `towers` held-out towers of each range, against the
// exact optimum on the towers where it is computed (at most 16 contacts). No DQN: this is the ceiling the block-value
// head can give the planning agent with this much labelled data. With ensemble=K, K networks (seeds seed, seed+1, …) are
// trained on the same towers, two at a time, and the accuracy and the planning use their mean block values; each value
// of `pessimism` (a list) plans with the mean predicted stays less that many standard deviations over the networks.
// Each K of `checks` (a list) settles the search's K best glue sets in the simulator and keeps the best
// (GluePolicies.Checked; 1: the search's best alone), beside the same number of random glue sets simulated
// (GluePolicies.SampledSimulation), what the simulator gives with that budget and no network.
using System.Globalization;
using Occam.Construction;
using static TorchSharp.torch;

var settings = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
int Int(string key, int fallback) => settings.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
int samples = Int("samples", 60_000), epochs = Int("epochs", 20), steps = Int("steps", 10), towerCount = Int("towers", 100), seed = Int("seed", 1);
var beams = (settings.GetValueOrDefault("beams") ?? "16").Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
int ensembleSize = Int("ensemble", 1);
var pessimisms = (settings.GetValueOrDefault("pessimism") ?? "0").Split(',').Select(b => double.Parse(b, CultureInfo.InvariantCulture)).ToArray();
var checks = (settings.GetValueOrDefault("checks") ?? "1").Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
set_num_threads(1);
var rules = new GlueTaskOptions();
var small = new TowerGeneratorOptions { MinBlocks = 5, MaxBlocks = 7 };
var large = new TowerGeneratorOptions { MinBlocks = 9, MaxBlocks = 12 };
var clock = System.Diagnostics.Stopwatch.StartNew();

(GlueState State, bool[] Stayed)[] Labelled(TowerGeneratorOptions towers, long stream, int count) => Dqn.LabelRandomGlue(towers, rules, seed, stream, count);

var train = Labelled(small, Dqn.PretrainStream, samples); // the towers `occam demo glue --pretrain` trains on
var smallCheck = Labelled(small, 6_000_000_000, 2000);
var largeCheck = Labelled(large, 7_000_000_000, 1000);
Console.WriteLine($"{samples:N0} labelled towers of 5-7 blocks settled in {clock.Elapsed.TotalSeconds:F0} s");
var networks = new GraphQNetwork[ensembleSize];
Parallel.For(0, ensembleSize, new ParallelOptions { MaxDegreeOfParallelism = 2 }, m =>
{
    set_num_threads(1);
    networks[m] = new GraphQNetwork(steps: steps, seed: seed + m);
    Dqn.TrainBlockValues(networks[m], train, epochs, seed: seed + m,
        progress: (epoch, loss) => Console.WriteLine($"network {m}, epoch {epoch}: loss {loss:F4} [{clock.Elapsed.TotalSeconds:F0} s]"));
});
float[] MeanBlockValues(GraphQNetwork[] members, GlueState[] states)
{
    float[]? sum = null;
    foreach (var network in members)
    {
        float[] values;
        using (no_grad())
        using (var scope = NewDisposeScope())
            values = network.Evaluate(states).Blocks.data<float>().ToArray();
        if (sum is null) sum = values;
        else for (int i = 0; i < sum.Length; i++) sum[i] += values[i];
    }
    return [.. sum!.Select(v => v / members.Length)];
}

Console.WriteLine();
Console.WriteLine("| towers | networks | per-block accuracy | towers with every block right |");
Console.WriteLine("|---|---|---|---|");
foreach (var (name, check) in new[] { ("5-7 blocks", smallCheck), ("9-12 blocks", largeCheck) })
foreach (var members in networks.Length > 1 ? [networks[..1], networks] : new[] { networks })
{
    int right = 0, blocks = 0, towersRight = 0;
    foreach (var chunk in check.Chunk(256))
    {
        var values = MeanBlockValues(members, [.. chunk.Select(c => c.State)]);
        int b = 0;
        foreach (var (_, stayed) in chunk)
        {
            bool all = true;
            foreach (bool s in stayed)
            {
                bool ok = values[b++] > 0.5 == s;
                right += ok ? 1 : 0;
                all &= ok;
            }
            blocks += stayed.Length;
            towersRight += all ? 1 : 0;
        }
    }
    Console.WriteLine($"| {name} | {(members.Length == 1 ? "first" : $"mean of {members.Length}")} | {(double)right / blocks:P1} | {(double)towersRight / check.Length:P1} |");
}

Console.WriteLine();
Console.WriteLine("| towers | beam | ensemble's pessimism | sets simulated | planned reward | optimum | of the optimum | glue per tower | random sets simulated: reward | of the optimum |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
foreach (var (name, towers, stream) in new[] { ("5-7 blocks", small, 2_000_000_000L), ("9-12 blocks", large, 3_000_000_000L) })
{
    var tasks = Enumerable.Range(0, towerCount).Select(k => new GlueTask(TowerGenerator.Generate(towers, seed, stream + k), rules)).ToArray();
    var optimum = new double?[tasks.Length];
    Parallel.For(0, tasks.Length, i => optimum[i] = tasks[i].Optimal()?.Outcome.Reward);
    var known = Enumerable.Range(0, tasks.Length).Where(i => optimum[i] is not null).ToArray();
    double best = known.Average(i => optimum[i]!.Value);
    foreach (int beam in beams)
        foreach (var (label, members, pessimism) in (networks.Length > 1 ? [("first network alone", networks[..1], 0.0)] : Array.Empty<(string, GraphQNetwork[], double)>())
                     .Concat(pessimisms.Select(p => (networks.Length > 1 ? $"{p}" : "-", networks, p))))
        {
            var plans = tasks.Select(t => GluePlanner.Search(states => Dqn.PredictedStays(members, states, pessimism), t, beam)).ToArray();
            foreach (int k in checks)
            {
                var outcomes = tasks.Select((t, i) => t.Settle(k == 1 ? plans[i][0].Glue : GluePlanner.BestSimulated(t, [.. plans[i].Take(k).Select(p => p.Glue)]))).ToArray();
                var sampled = GluePolicies.SampledSimulation(seed, k);
                double planned = known.Average(i => outcomes[i].Reward);
                double random = known.Average(i => tasks[i].Settle(sampled.Choose(tasks[i], stream + i)).Reward);
                Console.WriteLine($"| {name} ({known.Length} towers) | {beam} | {label} | {k} | {planned:F3} | {best:F3} | {planned / best:P1} | {known.Average(i => outcomes[i].Glues):F2} | {random:F3} | {random / best:P1} |");
            }
        }
}
Console.WriteLine($"\n{clock.Elapsed.TotalMinutes:F1} min");
