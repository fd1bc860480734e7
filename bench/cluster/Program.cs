using System.Diagnostics;
using System.Globalization;
using Occam.Symbolic;
using Occam.Symbolic.Cluster;

// Cluster benchmark (docs/cluster.md): one fixed search (fixed rounds, so fixed work) in-process and on 1, 2 and 4 local
// processes (head + 0, 1, 3 workers), alternated, `reps` times each; medians of evaluations/s and rounds/s, and of each
// cluster round's coordination overhead (round time minus the slowest member's computing time, as the head measures it).
// usage: dotnet run -c Release --project bench/cluster -- [reps=3] [rounds=8]
int reps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
var rng = new Random(1);
int n = 500;
var x = new double[n, 2];
var y = new double[n];
for (int i = 0; i < n; i++) { x[i, 0] = rng.NextDouble() * 4 - 2; x[i, 1] = rng.NextDouble() * 3 + 0.5; y[i] = 2.5 * x[i, 0] * x[i, 0] - Math.Sin(x[i, 1]) / x[i, 1]; }
var options = new SymbolicRegressionOptions { Seed = 3, MaxRounds = rounds, Populations = 8, PopulationSize = 33, CyclesPerRound = 60, Threads = 2, UnaryOperators = ["sin"] };

var results = new Dictionary<string, List<(double Seconds, long Evals, int Rounds)>>();
var overheads = new Dictionary<string, List<RoundTiming>>();
string? reference = null;
void Record(string name, SymbolicRegressionResult r, double seconds)
{
    string front = string.Join("\n", r.Pareto.Select(e => $"{e.Complexity} {BitConverter.DoubleToInt64Bits(e.Loss):X} {e.Infix}"));
    reference ??= front;
    if (front != reference) throw new InvalidOperationException($"{name}: a different front");
    if (!results.TryGetValue(name, out var list)) results[name] = list = [];
    list.Add((seconds, r.Evaluations, r.Rounds));
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {seconds:F2} s"));
}
for (int rep = 0; rep < reps; rep++)
{
    var sw = Stopwatch.StartNew();
    var r0 = SymbolicRegression.Fit(x, y, options);
    Record("in-process, 2 threads", r0, sw.Elapsed.TotalSeconds);
    foreach (int workers in (int[])[0, 1, 3])
    {
        using var cluster = LocalCluster.Start(workers, workerThreads: 2);
        sw.Restart();
        var r = SymbolicRegression.Fit(x, y, options with { IslandRunner = cluster.Head.Runner });
        string name = $"{workers + 1} process{(workers == 0 ? "" : "es")}";
        Record(name, r, sw.Elapsed.TotalSeconds);
        if (!overheads.TryGetValue(name, out var roundTimings)) overheads[name] = roundTimings = [];
        roundTimings.AddRange(cluster.Head.RoundTimings);
    }
}
Console.WriteLine($"{"run",-22} {"median s",9} {"evals/s",10} {"rounds/s",9} {"s/round",8}");
foreach (var (name, list) in results)
{
    var secs = list.Select(l => l.Seconds).Order().ToArray();
    double med = secs[secs.Length / 2];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-22} {med,9:F3} {list[0].Evals / med,10:F0} {list[0].Rounds / med,9:F2} {med / list[0].Rounds,8:F3}"));
}
// Coordination overhead per round, measured by the head: round time minus the slowest member's computing time.
static double Median(IEnumerable<double> v) { var a = v.Order().ToArray(); return a[a.Length / 2]; }
Console.WriteLine();
Console.WriteLine($"{"run",-22} {"round s",9} {"compute s",10} {"overhead s",11} {"overhead %",11}");
foreach (var (name, list) in overheads)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-22} {Median(list.Select(t => t.Seconds)),9:F4} {Median(list.Select(t => t.ComputeSeconds)),10:F4} {Median(list.Select(t => t.OverheadSeconds)),11:F4} {100 * Median(list.Select(t => t.OverheadSeconds / t.Seconds)),10:F1}%"));
Console.WriteLine($"evaluations per run: {results.First().Value[0].Evals}, rounds: {rounds}, islands: {options.Populations}; all fronts identical");
