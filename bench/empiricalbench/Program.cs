// EmpiricalBench runner for Occam.Symbolic (the 9 laws of the PySR paper, Cranmer 2023, arXiv 2305.01582),
// plus two quick measurements: the distillation case and evaluator throughput.
//
//   dotnet run -c Release --project bench/empiricalbench -- [--seconds 600] [--seeds 5] [--threads 2] [--laws hubble,kepler]
//       [--jobs N]  (runs at a time, each on --threads threads; --jobs 8 --threads 2 keeps 16 cores busy: the 45 runs of the
//                    protocol in 6 waves, about an hour at 600 s)
//       [--results runs.jsonl]  (one line per finished run, with its Pareto front; a rerun skips the runs already there)
//       [--settings pow|pysr-paper]  (the search settings, see Settings; default pow)
//       [--data-seeds 3,4]  (these data seeds instead of 0 … seeds−1)  [--search-seeds 10-23]  (each data seed searched with
//                    each of these search seeds instead of its own: a hit rate)  [--evaluations N]  (an evaluation budget too)
//   dotnet run -c Release --project bench/empiricalbench -- --recheck runs.jsonl  (re-judge recorded misses with the current check,
//                    and mark those whose true form is off any exact front: see Law.OffExactFront)
//   dotnet run -c Release --project bench/empiricalbench -- --throughput [--trees 1000] [--rows 10000]
//   dotnet run -c Release --project bench/empiricalbench -- --distill [--seconds 60] [--threads 2]
using System.Diagnostics;
using System.Globalization;
using Occam.Symbolic;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var argv = args.ToList();
string? Arg(string name) { int i = argv.IndexOf(name); return i >= 0 && i + 1 < argv.Count ? argv[i + 1] : null; }
bool Flag(string name) => argv.Contains(name);
double seconds = double.Parse(Arg("--seconds") ?? "600");
int seeds = int.Parse(Arg("--seeds") ?? "5");
int[] dataSeeds = SeedList(Arg("--data-seeds")) ?? Enumerable.Range(0, seeds).ToArray();
int[]? searchSeeds = SeedList(Arg("--search-seeds"));
long? evaluations = Arg("--evaluations") is string ev ? long.Parse(ev) : null;
int threads = int.Parse(Arg("--threads") ?? "2");
string dataDir = Arg("--data") ?? AppContext.BaseDirectory;

if (Flag("--throughput")) { Throughput.Run(int.Parse(Arg("--trees") ?? "1000"), int.Parse(Arg("--rows") ?? "10000"), Flag("--accurate"), Flag("--arithmetic")); return; }
if (Flag("--distill")) { Distill.Run(seconds, threads, seeds, Flag); return; }

var laws = Laws.All(dataDir);
if (Arg("--recheck") is string recheckPath) { Recheck(recheckPath); return; }
var only = Arg("--laws")?.Split(',');
if (only is not null) laws = laws.Where(l => only.Contains(l.Key)).ToList();
int jobs = int.Parse(Arg("--jobs") ?? "1");
string settings = Arg("--settings") ?? "pow";
if (settings is not ("pysr-paper" or "pow"))
{
    Console.Error.WriteLine($"error: --settings '{settings}' is unknown (use pysr-paper or pow)");
    Environment.Exit(2);
}
string? resultsPath = Arg("--results");
// A results file (one JSON line per finished run) lets a killed sweep resume: finished (law, data seed, search seed) runs
// are skipped.
var done = new Dictionary<(string, int, int), RunResult>();
if (resultsPath is not null && File.Exists(resultsPath))
    foreach (var line in File.ReadLines(resultsPath).Where(l => l.Trim().Length > 0))
    {
        var r = System.Text.Json.JsonSerializer.Deserialize<RunResult>(line)!;
        done[(r.Law, r.Seed, r.SearchSeed ?? r.Seed)] = r;
    }
var keys = laws.SelectMany(law => dataSeeds.SelectMany(seed => (searchSeeds ?? [seed]).Select(search => (law, seed, search)))).ToList();
var runs = keys.Where(x => !done.ContainsKey((x.law.Key, x.seed, x.search))).ToList();
Console.WriteLine($"EmpiricalBench: {laws.Count} laws x {dataSeeds.Length} data seeds" + (searchSeeds is null ? "" : $" x {searchSeeds.Length} search seeds") +
                  $", {seconds} s per run" + (evaluations is null ? "" : $" or {evaluations:N0} evaluations") + $", {threads} threads, {jobs} runs at a time, settings {settings}" +
                  (done.Count > 0 ? $"; {done.Count} runs already in {resultsPath}" : ""));
var gate = new object();
// Whether a missed run's true form is off any exact front, worked out once per run (it refits each listed form, so
// outside the locks: each run's result is judged by the one thread that made it, or by the summary after all runs).
var offFront = new Dictionary<RunResult, bool>(ReferenceEqualityComparer.Instance);
bool OffFront(Law law, RunResult r)
{
    lock (offFront)
        if (offFront.TryGetValue(r, out bool known)) return known;
    bool off = !r.Found && law.OffExactFront(r) == true;
    lock (offFront) offFront[r] = off;
    return off;
}
Parallel.ForEach(runs, new ParallelOptions { MaxDegreeOfParallelism = jobs }, run =>
{
    var (law, seed, search) = run;
    var (x, y) = law.Data(seed);
    var options = Settings.For(settings, law.Variables) with
    {
        TimeLimit = TimeSpan.FromSeconds(seconds),
        MaxEvaluations = evaluations,
        Seed = search,
        Threads = threads,
    };
    var sw = Stopwatch.StartNew();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var result = SymbolicRegression.Fit(x, y, options);
    // With one run at a time, the process's CPU time is the run's: 2 threads × 600 s = 1,200 CPU-s when the cores were free.
    double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    var hit = result.Pareto.FirstOrDefault(e => law.Matches(e.Expression, x, y));
    var outcome = new RunResult(law.Key, seed, hit is not null, sw.Elapsed.TotalSeconds, jobs == 1 ? cpuSeconds : null, result.Evaluations,
                                (hit ?? result.Best).Infix, settings,
                                result.Pareto.Select(e => new FrontEntry(e.Complexity, e.Loss, e.Infix)).ToList(), search == seed ? null : search);
    bool off = OffFront(law, outcome);
    lock (gate)
    {
        done[(law.Key, seed, search)] = outcome;
        if (resultsPath is not null) File.AppendAllText(resultsPath, System.Text.Json.JsonSerializer.Serialize(outcome) + "\n");
        Console.WriteLine($"{law.Key,-10} seed {seed}{(search == seed ? "" : $" search {search}")}: {(hit is null ? "MISSED" : "found ")} {sw.Elapsed.TotalSeconds,6:F1} s  {cpuSeconds,7:F0} CPU-s  {result.Evaluations,12:N0} evals  " +
                          $"{(hit is null ? "best: " : "match: ") + outcome.Equation}" +
                          (off ? "  (the true form is off any exact front)" : ""));
        if (Flag("--verbose"))
            foreach (var e in result.Pareto) Console.WriteLine($"    {e.Complexity,3} {e.Loss,12:E4}  {e.Infix}");
    }
});
int found = 0, total = 0;
foreach (var law in laws)
{
    var lawKeys = keys.Where(k => k.law == law).ToList();
    var lawRuns = lawKeys.Select(k => done.GetValueOrDefault((law.Key, k.seed, k.search))).OfType<RunResult>().ToList();
    int lawFound = lawRuns.Count(r => r.Found);
    int lawOff = lawRuns.Count(r => OffFront(law, r));
    found += lawFound;
    total += lawKeys.Count;
    Console.WriteLine($"{law.Key,-10} {lawFound}/{lawKeys.Count}" + (lawOff > 0 ? $"  ({lawOff} missed with the true form off any exact front)" : ""));
}
Console.WriteLine($"total {found}/{total}");

// "3,4" or "10-23" (or a mix: "0,10-12"); null where the option is absent.
static int[]? SeedList(string? text) => text?.Split(',').SelectMany(part =>
{
    var ends = part.Split('-');
    int lo = int.Parse(ends[0]), hi = int.Parse(ends[^1]);
    return Enumerable.Range(lo, hi - lo + 1);
}).ToArray();

// Re-judges each recorded miss with the current check: its whole front where the file has it, else the equation it ended
// on (files written before fronts were recorded). Prints the verdicts; the file is left as it is.
void Recheck(string path)
{
    foreach (var r in File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(l => System.Text.Json.JsonSerializer.Deserialize<RunResult>(l)!))
    {
        if (r.Found) continue;
        var law = laws.Single(l => l.Key == r.Law);
        var (x, y) = law.Data(r.Seed);
        var equations = r.Front?.Select(e => e.Equation).ToList() ?? [r.Equation];
        var hit = equations.FirstOrDefault(e => law.Matches(Expression.Parse(e, law.Variables), x, y));
        string off = hit is null && law.OffExactFront(r) == true ? " (the true form is off any exact front)" : "";
        Console.WriteLine($"{r.Law,-10} seed {r.Seed}{(r.SearchSeed is int k ? $" search {k}" : "")}: {(hit is null ? "missed   " : "now found")}{off}  {hit ?? r.Equation}");
    }
}

/// <summary>The search settings of a run.</summary>
static class Settings
{
    /// <summary>
    /// "pysr-paper": the settings of PySR's own EmpiricalBench runs (pysr_paper, benchmark/official_competitors/pysr):
    /// + − × ÷, square cube exp log sqrt, L1 loss, max size 30, max depth 20, arguments of the unary operators and
    /// divisors of complexity ≤ 13, and its nested-operator limits (not its warm-up of the maximum size, which counts PySR's
    /// own iterations). "pow": this bench's earlier settings
    /// (+ − × ÷ ^ with exponents of complexity ≤ 3, exp log, L2 loss, max size 20).
    /// </summary>
    public static SymbolicRegressionOptions For(string name, string[] variables) => name == "pow"
        ? new()
        {
            VariableNames = variables,
            BinaryOperators = ["+", "-", "*", "/", "^"],
            UnaryOperators = ["exp", "log"],
            MaxSize = 20,
            OperatorConstraints = new Dictionary<string, (int, int)> { ["^"] = (-1, 3) },
        }
        : new()
        {
            VariableNames = variables,
            BinaryOperators = ["+", "-", "*", "/"],
            UnaryOperators = ["square", "cube", "exp", "log", "sqrt"],
            Loss = LossKind.L1,
            MaxSize = 30,
            MaxDepth = 20,
            OperatorConstraints = new Dictionary<string, (int, int)>
            {
                ["square"] = (13, -1), ["cube"] = (13, -1), ["exp"] = (13, -1), ["log"] = (13, -1), ["sqrt"] = (13, -1), ["/"] = (-1, 13),
            },
            NestedConstraints = new Dictionary<string, IReadOnlyDictionary<string, int>>
            {
                ["/"] = new Dictionary<string, int> { ["/"] = 2 },
                ["exp"] = new Dictionary<string, int> { ["exp"] = 0, ["log"] = 1, ["sqrt"] = 0 },
                ["square"] = new Dictionary<string, int> { ["square"] = 1, ["cube"] = 1, ["log"] = 0, ["sqrt"] = 0 },
                ["cube"] = new Dictionary<string, int> { ["cube"] = 1, ["square"] = 1 },
                ["log"] = new Dictionary<string, int> { ["log"] = 0, ["exp"] = 1 },
                ["sqrt"] = new Dictionary<string, int> { ["sqrt"] = 1, ["exp"] = 1, ["square"] = 0 },
            },
        };
}

/// <summary>One finished run. Seed draws the data; SearchSeed seeds the search where it differs (null: Seed seeds both).
/// CpuSeconds is the process's CPU time during the run (only with --jobs 1, where it is the run's own). Settings is null in
/// files written before --settings existed, which used "pow"; Front, the run's Pareto front, is null in files written
/// before fronts were recorded.</summary>
sealed record RunResult(string Law, int Seed, bool Found, double Seconds, double? CpuSeconds, long Evaluations, string Equation, string? Settings,
                        List<FrontEntry>? Front = null, int? SearchSeed = null);

/// <summary>One entry of a run's Pareto front.</summary>
sealed record FrontEntry(int Complexity, double Loss, string Equation);

/// <summary>A law: its variables, its true form (constants arbitrary), its data, and for generated data the exact law.</summary>
sealed record Law(string Key, string[] Variables, string TrueForm, Func<int, (double[,] X, double[] Y)> Data, Func<double[], double>? Exact = null)
{
    /// <summary>
    /// Does the candidate have the true form up to constants? Two ways to say yes.
    /// (1) Both the candidate and the true form get their constants refitted (least squares, restarts) to the same data;
    /// equivalent forms then coincide as functions, so they must agree on the data and on points extrapolated around it
    /// (each input scaled by 0.7–1.4), within 1% of the target's spread.
    /// (2) Where the data were generated from a known law: the candidate, no larger than the true form, becomes that law
    /// exactly for some constants (refitted to the noise-free law on the same points: within 1e-6 of the target's spread).
    /// This accepts the true form with its exponents fitted to the noise (Rydberg's `c − log(n1^−2.004 − c·n2^−2.005)`),
    /// which (1) rejects where the law diverges (n2 → n1), while a wrong form that (1) cannot tell from those, being as
    /// close to the law on the data, stays rejected: no constants make it exact.
    /// </summary>
    public bool Matches(Expression candidate, double[,] x, double[] y)
    {
        var truth = Expression.Parse(TrueForm, Variables);
        if (candidate.Complexity > truth.Complexity + 6) return false;
        var test = TestPoints(x);
        double mean = y.Average(), spread = Math.Sqrt(y.Select(v => (v - mean) * (v - mean)).Average());
        return AgreesWithRefittedTruth(truth, candidate, x, y, test, spread)
            || (candidate.Complexity <= truth.Complexity && BecomesExactLaw(candidate, test, spread));
    }

    /// <summary>
    /// Other ways of writing the true form, for <see cref="OffExactFront"/>: shorter ones, ones in other operators (no ^
    /// under pysr-paper), and ones that stay finite where <see cref="TrueForm"/> overflows.
    /// </summary>
    public string[] OtherForms { get; init; } = [];

    /// <summary>
    /// Whether no search could have put the true form on this run's front, the front being exact (the best loss at each
    /// complexity): for each way of writing it that the run's operators and max size allow (operator constraints are not
    /// applied, which can only make this say no more often), either it is not finite on the data for its best constants
    /// (refitted under the run's loss), or a front entry no larger fits the data better. Null where the run recorded no front.
    /// This is a statement about the forms listed (<see cref="TrueForm"/> and <see cref="OtherForms"/>), not a proof that
    /// no other way of writing the law exists.
    /// </summary>
    public bool? OffExactFront(RunResult run)
    {
        if (run.Front is null) return null;
        var options = Settings.For(run.Settings ?? "pow", Variables);
        var allowed = options.BinaryOperators.Concat(options.UnaryOperators).ToHashSet();
        var (x, y) = Data(run.Seed);
        foreach (var text in OtherForms.Prepend(TrueForm))
        {
            var form = Expression.Parse(text, Variables);
            if (form.Complexity > options.MaxSize || form.Nodes.ToArray().Any(n => n.Arity > 0 && !allowed.Contains(Operators.Name(n.Op)))) continue;
            double loss = SymbolicRegression.FitConstants(form, x, y, 200, 8, 1, options.Loss).Loss;
            if (double.IsFinite(loss) && !run.Front.Any(e => e.Complexity <= form.Complexity && e.Loss < loss * (1 - 1e-6))) return false;
        }
        return true;
    }

    static bool AgreesWithRefittedTruth(Expression truth, Expression candidate, double[,] x, double[] y, double[,] test, double spread)
    {
        var (t, tl) = SymbolicRegression.FitConstants(truth, x, y, 200, 8, 1);
        var (c, cl) = SymbolicRegression.FitConstants(candidate, x, y, 200, 8, 1);
        if (!double.IsFinite(tl) || !double.IsFinite(cl)) return false;
        var pt = t.Evaluate(test);
        var pc = c.Evaluate(test);
        for (int r = 0; r < pt.Length; r++)
        {
            if (!double.IsFinite(pt[r])) continue;
            if (!(Math.Abs(pt[r] - pc[r]) <= 0.01 * spread)) return false;
        }
        return true;
    }

    bool BecomesExactLaw(Expression candidate, double[,] test, double spread)
    {
        if (Exact is null) return false;
        int f = test.GetLength(1);
        var points = new List<double[]>();
        for (int r = 0; r < test.GetLength(0); r++)
        {
            var v = new double[f];
            for (int j = 0; j < f; j++) v[j] = test[r, j];
            if (double.IsFinite(Exact(v))) points.Add(v);
        }
        var px = new double[points.Count, f];
        for (int r = 0; r < points.Count; r++) for (int j = 0; j < f; j++) px[r, j] = points[r][j];
        var py = points.Select(Exact).ToArray();
        var (c, _) = SymbolicRegression.FitConstants(candidate, px, py, 200, 8, 1);
        var pc = c.Evaluate(px);
        for (int r = 0; r < py.Length; r++)
            if (!(Math.Abs(pc[r] - py[r]) <= 1e-6 * spread)) return false;
        return true;
    }

    /// <summary>The data's points, then three copies with each input scaled by a random factor in 0.7–1.4.</summary>
    static double[,] TestPoints(double[,] x)
    {
        var rng = new Random(123);
        int rows = x.GetLength(0), f = x.GetLength(1);
        var test = new double[rows * 4, f];
        for (int r = 0; r < rows * 4; r++)
            for (int j = 0; j < f; j++) test[r, j] = x[r % rows, j] * (r < rows ? 1 : 0.7 + 0.7 * rng.NextDouble());
        return test;
    }
}

static class Laws
{
    static double LogUniform(Random r, double lo, double hi) => Math.Exp(Math.Log(lo) + (Math.Log(hi) - Math.Log(lo)) * r.NextDouble());
    static double LogExpm1(double x) => x > 30 ? x + Math.Log(-double.ExpM1(-x)) : Math.Log(double.ExpM1(x));
    static double Uniform(Random r, double lo, double hi) => lo + (hi - lo) * r.NextDouble();
    static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    /// <summary>
    /// A generated law: <paramref name="size"/> rows drawn by <paramref name="inputs"/>, target ln(y) with relative noise
    /// (the law returns ln(y), so that e.g. Planck's tail does not underflow). The noise-free law is the law's Exact.
    /// </summary>
    static Law Generated(string key, string[] variables, string trueForm, int size, Func<Random, double[]> inputs, Func<double[], double> lnLaw, double relNoise) =>
        new(key, variables, trueForm, seed =>
        {
            var r = new Random(1000 + seed);
            var rows = Enumerable.Range(0, size).Select(_ => inputs(r)).ToArray();
            var x = new double[size, rows[0].Length];
            var y = new double[size];
            for (int i = 0; i < size; i++)
            {
                for (int j = 0; j < rows[i].Length; j++) x[i, j] = rows[i][j];
                y[i] = lnLaw(rows[i]) + Math.Log(1 + relNoise * Normal(r));
            }
            return (x, y);
        }, lnLaw);

    static (double[,], double[]) Csv(string path, Func<double, double> xf)
    {
        var lines = File.ReadAllLines(path).Skip(1).Where(l => l.Trim().Length > 0).ToArray();
        var x = new double[lines.Length, 1];
        var y = new double[lines.Length];
        for (int i = 0; i < lines.Length; i++)
        {
            var p = lines[i].Split(',');
            x[i, 0] = xf(double.Parse(p[0], CultureInfo.InvariantCulture));
            y[i] = double.Parse(p[1], CultureInfo.InvariantCulture);
        }
        return (x, y);
    }

    static (double[,], double[]) Table(double[] xs, double[] ys, bool logTarget)
    {
        var x = new double[xs.Length, 1];
        for (int i = 0; i < xs.Length; i++) x[i, 0] = xs[i];
        return (x, ys.Select(v => logTarget ? Math.Log(v) : v).ToArray());
    }

    public static List<Law> All(string dir) =>
    [
        // v = H0 D (real data, Hubble 1929)
        new("hubble", ["D"], "1 * D", _ => Csv(Path.Combine(dir, "hubble.csv"), d => d)),
        // P = k sqrt(a^3) (real planetary data)
        new("kepler", ["a"], "1 * a^1.5", _ => Table([0.389, 0.724, 1, 1.524, 5.20, 9.510], [87.77, 224.70, 365.25, 686.95, 4332.62, 10759.2], false))
            { OtherForms = ["1 * sqrt(cube(a))"] },
        // log F = log(m1 m2) - 2 log r + c
        Generated("newton", ["r", "m1", "m2"], "log(m1 * m2 / r^2) + 1", 30, r => [LogUniform(r, 3.7e8, 7.37593e12), LogUniform(r, 1.3e22, 2e30), LogUniform(r, 1.3e22, 2e30)],
            v => Math.Log(6.67408e-11 * v[1] * v[2] / (v[0] * v[0])), 0.1) with { OtherForms = ["log(m1 * m2 / square(r)) + 1"] },
        // M = alpha log10(P) + delta (real data, Leavitt 1912; P = 10^logP)
        new("leavitt", ["P"], "-1 * log(P) + 15", _ => Csv(Path.Combine(dir, "leavitt.csv"), lp => Math.Pow(10, lp))),
        // log n = alpha log L - L / L* + c
        Generated("schechter", ["L"], "-1.2 * log(L) - 4E-09 * L + 1", 27, r => [LogUniform(r, 1e6, 3e9)],
            v => Math.Log(0.002 / 2.5e8 * Math.Pow(v[0] / 2.5e8, -1.2)) - v[0] / 2.5e8, 0.2),
        // log a = log(0.4 + 0.3 * 2^n) (real data, n = -1000 for Mercury)
        new("bode", ["n"], "log(0.4 + 0.3 * 2^n)", _ => Table([-1000, 0, 1, 2, 3, 4, 5, 6], [0.39, 0.72, 1.00, 1.52, 2.77, 5.20, 9.58, 19.22], true))
            { OtherForms = ["log(0.4 + 0.3 * exp(0.693 * n))"] },
        // log P = c + log(n T) - log V
        Generated("ideal_gas", ["n", "T", "V"], "log(n * T / V) + 2", 30, r => [Uniform(r, 1, 100), Uniform(r, 300, 400), Uniform(r, 1, 100)],
            v => Math.Log(v[0] * 8.314 * v[1] / v[2]), 0.1),
        // log B = c + 3 log nu - log(exp(c nu / T) - 1)
        Generated("planck", ["nu", "T"], "-40 + 3 * log(nu) - log(exp(4.8E-11 * nu / T) - 1)", 100, r => [LogUniform(r, 1e9, 1e16), LogUniform(r, 100, 6000)],
            v => Math.Log(2 * 6.62607004e-34 / (299792458.0 * 299792458.0)) + 3 * Math.Log(v[0]) - LogExpm1(6.62607004e-34 * v[0] / (1.38064852e-23 * v[1])), 0.1)
        // exp(hν/kT) overflows float64 on the rows with hν/kT > 709.78 (2–5 of each seed's 100); log(exp(x) − 1) = x + log(1 − exp(−x))
        // stays finite, at 21 nodes
        with { OtherForms = ["-40 + 3 * log(nu) - 4.8E-11 * nu / T - log(1 - 0.99999999995^(nu / T))", "-40 + log(cube(nu)) - 4.8E-11 * nu / T - log(1 - exp(-4.8E-11 * nu / T))"] },
        // log lambda = c - log(1/n1^2 - 1/n2^2)
        Generated("rydberg", ["n1", "n2"], "-16 - log(1 / n1^2 - 1 / n2^2)", 50, r => { int n1 = r.Next(1, 7); int n2 = r.Next(n1 + 1, 8); return [n1, n2]; },
            v => -Math.Log(1.097e7 * (1 / (v[0] * v[0]) - 1 / (v[1] * v[1]))), 0.01)
        with { OtherForms = ["-16 - log(n1^-2 - n2^-2)", "-16 - log(1 / square(n1) - 1 / square(n2))"] },
    ];
}

static class Throughput
{
    /// <summary>Node evaluations per second on one core over random trees (size ≤ 30), float32 and float64.</summary>
    public static void Run(int trees, int rows, bool accurate, bool arithmetic)
    {
        var rng = new Random(1);
        var x = new double[rows, 5];
        for (int r = 0; r < rows; r++) for (int f = 0; f < 5; f++) x[r, f] = rng.NextDouble() * 4 - 2;
        var exprs = RandomTrees(trees, 5, new Random(2), arithmetic);
        long nodes = exprs.Sum(e => (long)e.Length) * rows;
        Console.WriteLine($"{trees} random trees (size 1-30, mean {exprs.Average(e => e.Length):F1} nodes; ops {(arithmetic ? "+ - * /" : "+ - * / sin cos exp log sqrt square")}), {rows} rows: {nodes:N0} node evaluations per pass");
        Measure<float>("float32", x, exprs, nodes, fast: true);
        Measure<double>("float64", x, exprs, nodes, fast: true);
        if (accurate) Measure<double>("float64, fastMath off (tanh, pow scalar)", x, exprs, nodes, fast: false);
    }

    static void Measure<T>(string label, double[,] x, List<Expression> exprs, long nodes, bool fast) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var data = Dataset<T>.FromRows(x);
        var ev = new Evaluator<T>(fast);
        var output = new T[data.Rows];
        foreach (var e in exprs.Take(50)) ev.Evaluate(e, data, output); // warm-up / JIT
        double best = 0;
        for (int rep = 0; rep < 15; rep++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var e in exprs) ev.Evaluate(e, data, output);
            best = Math.Max(best, nodes / sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"{label,-45} {best:E3} node-evals/s (one core, best of 15 passes)");
    }

    static List<Expression> RandomTrees(int count, int features, Random rng, bool arithmetic)
    {
        OpCode[] bin = [OpCode.Add, OpCode.Sub, OpCode.Mul, OpCode.Div];
        OpCode[] un = arithmetic ? [OpCode.Neg, OpCode.Square] : [OpCode.Sin, OpCode.Cos, OpCode.Exp, OpCode.Log, OpCode.Sqrt, OpCode.Square];
        var list = new List<Expression>();
        for (int i = 0; i < count; i++)
        {
            var nodes = new List<Node>();
            Grow(rng, 1 + rng.Next(30), features, bin, un, nodes);
            list.Add(new Expression(nodes));
        }
        return list;
    }

    static void Grow(Random rng, int size, int features, OpCode[] bin, OpCode[] un, List<Node> o)
    {
        if (size == 1) { o.Add(rng.NextDouble() < 0.3 ? Node.Const(rng.NextDouble() * 4 - 2) : Node.Var(rng.Next(features))); return; }
        if (size == 2 || rng.NextDouble() < 0.2) { Grow(rng, size - 1, features, bin, un, o); o.Add(Node.Of(un[rng.Next(un.Length)])); return; }
        int left = 1 + rng.Next(size - 2);
        Grow(rng, left, features, bin, un, o);
        Grow(rng, size - 1 - left, features, bin, un, o);
        o.Add(Node.Of(bin[rng.Next(bin.Length)]));
    }
}

static class Distill
{
    /// <summary>The distillation pipeline's case: 5,000 rows × 8 edge features, two force laws, time to the true form.</summary>
    public static void Run(double seconds, int threads, int seeds, Func<string, bool> Flag)
    {
        string[] names = ["dx", "dy", "dz", "r", "m1", "m2", "q1", "q2"];
        var cases = new (string Name, Func<double[], double> F, string Truth)[]
        {
            ("spring dx*(r-1)/r", v => v[0] * (v[3] - 1) / v[3], "dx * (r - 1) / r"),
            ("gravity m1*m2*dx/r^3", v => v[4] * v[5] * v[0] / (v[3] * v[3] * v[3]), "m1 * m2 * dx / (r * r * r)"),
        };
        foreach (var (name, f, truth) in cases)
        {
            for (int seed = 0; seed < seeds; seed++)
            {
                var rng = new Random(seed);
                int rows = 5000;
                var x = new double[rows, 8];
                var y = new double[rows];
                var v = new double[8];
                for (int i = 0; i < rows; i++)
                {
                    double dx = rng.NextDouble() * 4 - 2, dy = rng.NextDouble() * 4 - 2, dz = rng.NextDouble() * 4 - 2;
                    double r = Math.Sqrt(dx * dx + dy * dy + dz * dz) + 0.01;
                    v[0] = dx; v[1] = dy; v[2] = dz; v[3] = r;
                    v[4] = Math.Exp(rng.NextDouble() - 0.5); v[5] = Math.Exp(rng.NextDouble() - 0.5);
                    v[6] = rng.Next(2) * 2 - 1; v[7] = rng.Next(2) * 2 - 1;
                    for (int j = 0; j < 8; j++) x[i, j] = v[j];
                    y[i] = f(v);
                }
                double var0 = y.Select(t => (t - y.Average()) * (t - y.Average())).Average();
                var sw = Stopwatch.StartNew();
                var result = SymbolicRegression.Fit(x, y, new SymbolicRegressionOptions
                {
                    VariableNames = names, Seed = seed, Threads = threads, TimeLimit = TimeSpan.FromSeconds(seconds),
                    LossThreshold = 1e-10 * var0, MaxSize = 20,
                });
                var truthExpr = Expression.Parse(truth, names);
                var pt = truthExpr.Evaluate(x);
                var pb = result.MostAccurate.Expression.Evaluate(x);
                double err = pt.Zip(pb, (a, b) => (a - b) * (a - b)).Average() / var0;
                Console.WriteLine($"{name,-22} seed {seed}: {sw.Elapsed.TotalSeconds,6:F1} s, {result.Evaluations,11:N0} evals, stop: {result.StopReason,-15} " +
                                  $"relative MSE vs truth {err:E2}  {result.MostAccurate.Infix}");
                Console.WriteLine($"    best: {result.Best.Infix}");
                if (Flag("--verbose"))
                    foreach (var e in result.Pareto) Console.WriteLine($"    {e.Complexity,3} {e.Loss,12:E3}  {e.Infix}");
            }
        }
    }
}
