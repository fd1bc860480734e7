// AI Feynman benchmark for Occam.Symbolic: the 100 Feynman Lectures equations and the 20 bonus equations of the AI
// Feynman database (Udrescu & Tegmark 2020), run and judged with SRBench's protocol (La Cava et al. 2021).
//
//   dotnet run -c Release --project bench/feynman -- [--evaluations N] [--seconds S] [--noise 0|0.001] [--seeds K]
//       [--threads T] [--jobs J] [--only I.6.2a,II.11.3] [--group feynman|bonus] [--results file.jsonl]
//       [--operators +,-,*,/,square,sqrt,exp,log,sin,cos] [--allow-nesting] [--max-size 30] [--batch-size B] [--verbose]
//   dotnet run -c Release --project bench/feynman -- --list       (every formula, its translation, its range check)
//   dotnet run -c Release --project bench/feynman -- --check-judge [--noise 0.001]   (the judge on the truth and on wrong forms)
//   dotnet run -c Release --project bench/feynman -- --recheck file.jsonl [--rewrite] [--verbose]   (re-judge recorded fronts)
//
// Each run: 100,000 rows drawn uniformly from the published ranges (seeded by the equation and the seed), the first 10,000
// for the search (with the target noise, if any), the other 90,000 held out for the judge (against the clean target).
// The search stops at the evaluation budget (the primary budget: the same result on any machine, at any load), the time
// limit (a backstop), or Occam's early stop (an exact fit, or the noise floor). See Judge for the rule.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Occam.FeynmanBench;
using Occam.Symbolic;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var argv = args.ToList();
string? Arg(string name) { int i = argv.IndexOf(name); return i >= 0 && i + 1 < argv.Count ? argv[i + 1] : null; }
bool Flag(string name) => argv.Contains(name);

const int TotalRows = 100_000, TrainRows = 10_000;
double seconds = double.Parse(Arg("--seconds") ?? "90");
long evaluations = long.Parse(Arg("--evaluations") ?? "1000000");
double noise = double.Parse(Arg("--noise") ?? "0");
int seeds = int.Parse(Arg("--seeds") ?? "1");
int threads = int.Parse(Arg("--threads") ?? "1");
int jobs = int.Parse(Arg("--jobs") ?? "1");
int maxSize = int.Parse(Arg("--max-size") ?? "30");
int? batchSize = Arg("--batch-size") is string bs ? int.Parse(bs) : null;
string operatorText = Arg("--operators") ?? "+,-,*,/," + string.Join(",", SymbolicRegressionOptions.BroadUnaryOperators);
string dataDir = Arg("--data") ?? AppContext.BaseDirectory;
string? resultsPath = Arg("--results");

var equations = FeynmanEquation.Load(dataDir);
if (Arg("--only")?.Split(',', StringSplitOptions.TrimEntries) is { } only)
{
    var unknown = only.Where(n => equations.All(e => e.Name != n)).ToList();
    if (unknown.Count > 0) { Console.Error.WriteLine($"error: --only: unknown equation(s) {string.Join(", ", unknown)}"); return 2; }
    equations = equations.Where(e => only.Contains(e.Name)).ToList();
}
if (Arg("--group") is string group) equations = equations.Where(e => e.Group == group).ToList();

var baseOptions = new SymbolicRegressionOptions { MaxSize = maxSize, BatchSize = batchSize }.WithOperators(operatorText.Split(',', StringSplitOptions.TrimEntries));
if (!Flag("--allow-nesting")) baseOptions = baseOptions with { NestedConstraints = SymbolicRegressionOptions.TranscendentalNesting(baseOptions.UnaryOperators) };

if (Flag("--list")) return List();
if (Arg("--recheck") is string recheckPath) return Recheck(recheckPath);
if (Flag("--check-judge")) return CheckJudge();

// A results file (one JSON line per finished run) lets a killed sweep resume: finished (equation, seed, noise) runs are
// skipped, and the summary counts them.
var done = new Dictionary<(string, int, double), RunRecord>();
if (resultsPath is not null && File.Exists(resultsPath))
    foreach (var line in File.ReadLines(resultsPath).Where(l => l.Trim().Length > 0))
    {
        var r = JsonSerializer.Deserialize<RunRecord>(line)!;
        done[(r.Name, r.Seed, r.Noise)] = r;
    }
var keys = equations.SelectMany(e => Enumerable.Range(0, seeds).Select(s => (Equation: e, Seed: s))).ToList();
var runs = keys.Where(k => !done.ContainsKey((k.Equation.Name, k.Seed, noise))).ToList();
string budget = $"{evaluations} evaluations or {seconds} s, {threads} thread(s), max size {maxSize}, operators {operatorText}" +
                (Flag("--allow-nesting") ? ", nesting allowed" : "") + (batchSize is int b ? $", batches of {b} rows" : "");
Console.WriteLine($"AI Feynman: {equations.Count} equations x {seeds} seed(s), noise {noise}, {budget}, {jobs} run(s) at a time" +
                  (done.Count > 0 ? $"; {keys.Count - runs.Count} runs already in {resultsPath}" : ""));
var gate = new object();
Parallel.ForEach(runs, new ParallelOptions { MaxDegreeOfParallelism = jobs }, run =>
{
    var (eq, seed) = run;
    var sample = eq.Draw(seed, TotalRows, noise);
    var train = sample.Slice(0, TrainRows);
    var test = sample.Slice(TrainRows, TotalRows - TrainRows);
    var options = baseOptions with
    {
        VariableNames = eq.Variables,
        MaxEvaluations = evaluations,
        TimeLimit = TimeSpan.FromSeconds(seconds),
        Seed = seed,
        Threads = threads,
    };
    var sw = Stopwatch.StartNew();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var result = SymbolicRegression.Fit(train.X, train.Noisy, options);
    double searchSeconds = sw.Elapsed.TotalSeconds;
    double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    var judge = new Judge(eq, train, test, noise);
    var verdict = judge.Rule(result.Pareto.Select(p => p.Expression));
    var record = new RunRecord(eq.Name, eq.Group, seed, noise, verdict.Solved, verdict.Symbolic, searchSeconds, jobs == 1 ? cpuSeconds : null,
        result.Evaluations, result.StopReason, verdict.Equation?.ToInfix() ?? result.Best.Infix, verdict.Complexity, verdict.R2, verdict.OffRange,
        judge.Truth.Complexity, budget, result.Pareto.Select(p => new FrontEntry(p.Complexity, p.Loss, p.Infix)).ToList());
    lock (gate)
    {
        done[(eq.Name, seed, noise)] = record;
        if (resultsPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(resultsPath))!);
            File.AppendAllText(resultsPath, JsonSerializer.Serialize(record) + "\n");
        }
        Console.WriteLine(Line(record));
        if (Flag("--verbose"))
            foreach (var p in result.Pareto) Console.WriteLine($"    {p.Complexity,3} {p.Loss,12:E4}  {p.Infix}");
    }
});

var records = keys.Select(k => done.GetValueOrDefault((k.Equation.Name, k.Seed, noise))).OfType<RunRecord>().ToList();
Console.WriteLine();
foreach (var g in new[] { "feynman", "bonus" })
{
    var inGroup = keys.Where(k => k.Equation.Group == g).ToList();
    if (inGroup.Count == 0) continue;
    int solved = records.Count(r => r.Group == g && r.Solved);
    Console.WriteLine($"{g,-8} solved {solved}/{inGroup.Count} ({100.0 * solved / inGroup.Count:F1} %)");
}
int total = records.Count(r => r.Solved), symbolic = records.Count(r => r.Symbolic == true);
Console.WriteLine($"total    solved {total}/{keys.Count} ({100.0 * total / Math.Max(1, keys.Count):F1} %); of these, {symbolic} reduced to a constant by Occam's simplifier");
if (records.Count < keys.Count) Console.WriteLine($"({keys.Count - records.Count} runs not finished: counted as not solved)");
Console.WriteLine($"search time {records.Sum(r => r.Seconds):F0} s, {records.Sum(r => r.Evaluations):N0} evaluations");
return 0;

static string Line(RunRecord r) =>
    $"{r.Name,-10} seed {r.Seed} {(r.Solved ? "SOLVED" : "missed")}{(r.Symbolic == true ? "*" : " ")} {r.Seconds,6:F1} s {r.Evaluations,10:N0} evals  " +
    $"1-R2 {1 - r.R2,9:E1} off {r.OffRange,4:P0}  size {r.Complexity,2} (truth {r.TruthComplexity,2})  {r.StopReason,-16} {r.Equation}";

// Every formula: its Occam translation, complexity, functions outside the operator set, and whether it is finite on all
// 100,000 rows of seed 0 (the exit code is 1 if any is not).
int List()
{
    int bad = 0;
    foreach (var eq in equations)
    {
        var sample = eq.Draw(0, TotalRows, 0);
        int nonFinite = sample.Clean.Count(v => !double.IsFinite(v));
        var finite = sample.Clean.Where(double.IsFinite).DefaultIfEmpty(double.NaN).ToArray();
        var expr = eq.Truth.ToExpression();
        // The translation must agree with the published formula (evaluated by Formula) on the rows.
        var viaOccam = expr.Evaluate(sample.X);
        double worst = 0;
        for (int r = 0; r < sample.Rows; r++)
            worst = Math.Max(worst, Math.Abs(viaOccam[r] - sample.Clean[r]) / Math.Max(1e-300, Math.Abs(sample.Clean[r])));
        var outside = eq.Truth.FunctionsOutside(baseOptions.UnaryOperators).ToList();
        if (nonFinite > 0 || !(worst < 1e-9)) bad++;
        Console.WriteLine($"{eq.Name,-10} {eq.Group,-7} vars {eq.Variables.Length,2}  size {expr.Complexity,2}{(expr.Complexity > maxSize ? "!" : " ")} " +
                          $"y in [{finite.Min():G4}, {finite.Max():G4}]  non-finite {nonFinite}  translation error {worst:E1}" +
                          (outside.Count > 0 ? $"  needs {string.Join(",", outside)}" : "") + $"\n    {eq.Output} = {eq.Truth.Text}\n    occam: {expr.ToInfix()}");
    }
    Console.WriteLine($"{equations.Count} equations; {bad} not finite everywhere or translated wrongly; " +
                      $"{equations.Count(e => e.Truth.Complexity > maxSize)} larger than max size {maxSize} as written (marked !)");
    return bad == 0 ? 0 : 1;
}

// Re-judges the fronts recorded in a results file with the current judge (same data: the record's seed and noise) and prints
// the records whose verdict changes; with --rewrite the file's records are replaced by the re-judged ones (the search's own
// fields, front included, unchanged), else the file is left as it is.
int Recheck(string path)
{
    int changed = 0, solved = 0, count = 0;
    var rejudged = new List<RunRecord>();
    foreach (var r in File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(l => JsonSerializer.Deserialize<RunRecord>(l)!))
    {
        var eq = equations.FirstOrDefault(e => e.Name == r.Name);
        if (eq is null) continue;
        var sample = eq.Draw(r.Seed, TotalRows, r.Noise);
        var judge = new Judge(eq, sample.Slice(0, TrainRows), sample.Slice(TrainRows, TotalRows - TrainRows), r.Noise);
        var verdict = judge.Rule(r.Front.Select(f => Expression.Parse(f.Equation, eq.Variables)));
        count++;
        if (verdict.Solved) solved++;
        rejudged.Add(r with
        {
            Solved = verdict.Solved, Symbolic = verdict.Symbolic, Equation = verdict.Equation?.ToInfix() ?? r.Equation,
            Complexity = verdict.Complexity, R2 = verdict.R2, OffRange = verdict.OffRange,
        });
        if (Flag("--verbose") && verdict.Equation is not null)
            Console.WriteLine($"{r.Name,-10} seed {r.Seed} noise {r.Noise}: {(verdict.Solved ? "solved" : "missed")}  off-range error p99 " +
                              $"{judge.OffRangeError99(verdict.Equation):E1}  truth refitted {judge.OffRangeError99(judge.RefittedTruth):E1}  {verdict.Equation.ToInfix()}");
        if (verdict.Solved == r.Solved) continue;
        changed++;
        Console.WriteLine($"{r.Name,-10} seed {r.Seed} noise {r.Noise}: {(r.Solved ? "solved" : "missed")} -> {(verdict.Solved ? "solved" : "missed")}  " +
                          $"1-R2 {1 - verdict.R2:E1} off {verdict.OffRange:P0}  {verdict.Equation?.ToInfix()}");
    }
    Console.WriteLine($"{count} records re-judged: {solved} solved now, {changed} verdicts changed");
    if (Flag("--rewrite"))
    {
        File.WriteAllLines(path + ".tmp", rejudged.Select(r => JsonSerializer.Serialize(r)));
        File.Move(path + ".tmp", path, overwrite: true);
        Console.WriteLine($"rewrote {path}");
    }
    return 0;
}

// The judge's sanity check, on every equation: the true formula (translated into Occam's language, constants as published)
// must be judged solved; the truth with its first variable x0 replaced by exp(x0) (a wrong law, whatever the constants: x0 → x0²
// would not do, as a refitted exponent undoes it where x0 appears only in a power, e.g. test_5's d^1.5) must not; and the
// truth scaled by 1.0001 without a refit (a near miss: 1 − R² about 1e-8 × mean(y²)/var(y)) must not at noise 0.
int CheckJudge()
{
    int truthFails = 0, wrongPasses = 0, nearPasses = 0;
    foreach (var eq in equations)
    {
        var sample = eq.Draw(0, TotalRows, noise);
        var judge = new Judge(eq, sample.Slice(0, TrainRows), sample.Slice(TrainRows, TotalRows - TrainRows), noise);
        var truth = judge.Truth;
        var wrong = truth.Substitute(0, new Expression([Node.Var(0), Node.Of(OpCode.Exp)], eq.Variables));
        var near = truth * 1.0001;
        var t = judge.Rule([truth]);
        var w = judge.Rule([wrong]);
        var n = judge.Rule([near], refit: false);
        if (!t.Solved) truthFails++;
        if (w.Solved) wrongPasses++;
        if (n.Solved) nearPasses++;
        Console.WriteLine($"{eq.Name,-10} truth {(t.Solved ? "solved" : "MISSED")}{(t.Symbolic == true ? "*" : " ")} 1-R2 {1 - t.R2,8:E1} | " +
                          $"x0->exp(x0) {(w.Solved ? "SOLVED" : "missed")} 1-R2 {1 - w.R2,8:E1} | x1.0001 {(n.Solved ? "solved" : "missed")} 1-R2 {1 - n.R2,8:E1}");
    }
    Console.WriteLine($"noise {noise}: truth missed {truthFails}/{equations.Count}, wrong law solved {wrongPasses}/{equations.Count}, " +
                      $"truth x 1.0001 solved {nearPasses}/{equations.Count} (* = Occam's simplifier reduces found − true or found / true to a constant)");
    return truthFails == 0 && wrongPasses == 0 ? 0 : 1;
}

/// <summary>One finished run. R2 is the held-out R² (clean target) of Equation: the solution, or the front equation of highest
/// held-out R² on a miss; OffRange the fraction of off-range points where it is the law (Judge). Symbolic is null on a miss. CpuSeconds is the process's CPU time over the search (with --jobs 1 only).</summary>
sealed record RunRecord(string Name, string Group, int Seed, double Noise, bool Solved, bool? Symbolic, double Seconds, double? CpuSeconds,
                        long Evaluations, string StopReason, string Equation, int Complexity, double R2, double OffRange, int TruthComplexity, string Budget,
                        List<FrontEntry> Front);

/// <summary>One entry of a run's Pareto front.</summary>
sealed record FrontEntry(int Complexity, double Loss, string Equation);
