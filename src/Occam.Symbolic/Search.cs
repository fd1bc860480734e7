using System.Diagnostics;

namespace Occam.Symbolic;

/// <summary>One candidate equation with its fitness.</summary>
internal sealed class Member(Node[] nodes, double loss, double cost, int complexity, long birth)
{
    public Node[] Nodes = nodes;
    public double Loss = loss;       // raw loss on the data
    public double Cost = cost;       // normalised loss + penalties (what selection compares)
    public int Complexity = complexity;
    public long Birth = birth;
    public Member Clone(long birth) => new(Nodes, Loss, Cost, Complexity, birth);
}

/// <summary>Best member at each complexity.</summary>
internal sealed class HallOfFame(int maxSize)
{
    public readonly Member?[] Slots = new Member?[maxSize + 1];

    public bool Update(Member m)
    {
        if (m.Complexity >= Slots.Length || !double.IsFinite(m.Cost)) return false;
        var cur = Slots[m.Complexity];
        if (cur is not null && !(m.Cost < cur.Cost)) return false;
        Slots[m.Complexity] = m.Clone(m.Birth);
        return true;
    }

    /// <summary>Members that are strictly better than every simpler member (ascending complexity).</summary>
    public List<Member> Front()
    {
        var o = new List<Member>();
        double best = double.PositiveInfinity;
        foreach (var m in Slots)
            if (m is not null && m.Cost < best) { o.Add(m); best = m.Cost; }
        return o;
    }
}

/// <summary>
/// Multi-population regularised evolution (PySR's algorithm) in synchronous rounds: every island evolves for a fixed
/// number of cycles with its own seeded generator (in parallel), then the hall of fame is merged and migrants are
/// exchanged in island order. The result therefore depends on the seed only, not on the number of threads.
/// </summary>
internal sealed class Search
{
    readonly SearchConfig cfg;
    readonly SymbolicRegressionOptions o;
    readonly Dataset<double> data;
    readonly Dataset<double> optData;
    readonly double baseline;
    readonly double meanLoss; // the loss of the constant mean: the fallback member's
    readonly Mutator mut;
    readonly Island[] islands;
    readonly HallOfFame hof;
    readonly double[] frequency;
    readonly Rng master;
    readonly IReadOnlyList<string> names;
    readonly bool allowNeg;
    long evaluations;

    public Search(Dataset<double> data, SymbolicRegressionOptions options, IReadOnlyList<string> names)
    {
        o = options;
        this.data = data;
        this.names = names;
        cfg = new SearchConfig(options, data.Features);
        mut = new Mutator(cfg);
        allowNeg = cfg.Unary.Any(n => n.Op == OpCode.Neg);
        hof = new HallOfFame(o.MaxSize);
        frequency = new double[o.MaxSize + 1];
        master = new Rng(Rng.Mix((ulong)(uint)o.Seed, 0xA11CE));
        optData = data.Rows <= o.OptimizerMaxRows ? data : data.Subset(StridedRows(data.Rows, o.OptimizerMaxRows));
        var y = data.Y!;
        var ev = new Evaluator<double>();
        double mean = y.Average();
        meanLoss = o.CustomLoss is null ? ev.Loss([Node.Const(mean)], data, o.Loss, o.HuberDelta) : CustomLossOf(new double[data.Rows].AsSpan(), mean);
        if (o.CustomLoss is null && !double.IsFinite(meanLoss))
            throw new ArgumentException(
                $"the target's values are too large for a {o.Loss} loss: even its mean has loss {meanLoss} (largest |y| {y.Max(Math.Abs):G3}); rescale the data");
        baseline = meanLoss > 1e-300 && double.IsFinite(meanLoss) ? meanLoss : 1.0;
        islands = new Island[o.Populations];
        for (int i = 0; i < islands.Length; i++) islands[i] = new Island(this, i);
    }

    /// <summary>True when constants should minimise the absolute error (an L1 search).</summary>
    bool LeastAbsolute => o.Loss == LossKind.L1 && o.CustomLoss is null;

    double CustomLossOf(Span<double> pred, double constant)
    {
        pred.Fill(constant);
        return SafeCustom(pred);
    }

    double SafeCustom(ReadOnlySpan<double> pred)
    {
        try
        {
            var w = data.Weights is null ? ReadOnlySpan<double>.Empty : data.Weights;
            double l = o.CustomLoss!(pred, data.Y, w);
            return double.IsNaN(l) ? double.PositiveInfinity : l;
        }
        catch (Exception) { return double.PositiveInfinity; }
    }

    static int[] StridedRows(int rows, int n)
    {
        var idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = (int)((long)i * rows / n);
        return idx;
    }

    public SymbolicRegressionResult Run(IEnumerable<Expression>? warmStart)
    {
        var sw = Stopwatch.StartNew();
        if (warmStart is not null) WarmStart(warmStart);
        int threads = Math.Max(1, o.Threads ?? Environment.ProcessorCount);
        int maxRounds = o.MaxRounds ?? (o.TimeLimit is null && o.MaxEvaluations is null && o.LossThreshold is null && o.PlateauRounds is null ? 100 : int.MaxValue);
        int round = 0, sinceImprovement = 0;
        string reason = "rounds";
        var po = new ParallelOptions { MaxDegreeOfParallelism = threads };
        // Checked inside every island's round as well as between rounds, so a time limit or Ctrl+C takes effect
        // within about a cycle of the search, however large the round.
        bool Stopping() => o.Cancel.IsCancellationRequested || (o.TimeLimit is TimeSpan limit && sw.Elapsed >= limit);
        while (true)
        {
            int maxSize = CurrentMaxSize(round, maxRounds, sw.Elapsed);
            var freqSnapshot = NormalisedFrequency();
            var hofSnapshot = hof.Front();
            if (threads == 1) foreach (var isl in islands) isl.Evolve(maxSize, freqSnapshot, Stopping);
            else Parallel.For(0, islands.Length, po, i => islands[i].Evolve(maxSize, freqSnapshot, Stopping));
            round++;
            bool improved = false;
            foreach (var isl in islands)
            {
                evaluations += isl.Evaluations;
                isl.Evaluations = 0;
                foreach (var m in isl.Best.Slots) if (m is not null && hof.Update(m)) improved = true;
                for (int c = 0; c < frequency.Length; c++) { frequency[c] += isl.SizeCounts[c]; isl.SizeCounts[c] = 0; }
            }
            // decay so that the frequencies follow the recent population (PySR uses a moving window)
            double total = frequency.Sum();
            if (total > 1e5) for (int c = 0; c < frequency.Length; c++) frequency[c] *= 0.5;
            Migrate(hofSnapshot);
            sinceImprovement = improved ? 0 : sinceImprovement + 1;
            var front = hof.Front();
            if (improved && o.HallOfFameFile is not null) HallOfFameFile.Save(o.HallOfFameFile, Entries(front));
            double bestLoss = front.Count == 0 ? double.PositiveInfinity : front.Min(m => m.Loss);
            if (o.Progress is not null)
            {
                var entries = Entries(front);
                o.Progress.Report(new SymbolicRegressionProgress(round, evaluations, sw.Elapsed, bestLoss,
                    entries.Count == 0 ? "" : Select(entries, o.ModelSelection).Infix, entries.Count));
            }
            if (o.LossThreshold is double thr && bestLoss <= thr) { reason = "loss threshold"; break; }
            if (o.MaxEvaluations is long me && evaluations >= me) { reason = "evaluation budget"; break; }
            if (o.TimeLimit is TimeSpan tl && sw.Elapsed >= tl) { reason = "time limit"; break; }
            if (round >= maxRounds) { reason = "rounds"; break; }
            if (o.PlateauRounds is int pr && sinceImprovement >= pr) { reason = "plateau"; break; }
            if (o.Cancel.IsCancellationRequested) { reason = "cancelled"; break; }
        }
        // After a time limit or Ctrl+C the final pass gets one more second; members it does not reach stay as found.
        var finalBudget = reason is "time limit" or "cancelled" ? sw.Elapsed + TimeSpan.FromSeconds(1) : TimeSpan.MaxValue;
        FinalSimplify(() => sw.Elapsed >= finalBudget);
        var pareto = Entries(hof.Front());
        if (pareto.Count == 0) throw new ArgumentException("no equation has a finite loss on this data; check it for values that overflow (such as 1e308)");
        return new SymbolicRegressionResult(pareto, Select(pareto, o.ModelSelection), evaluations, round, sw.Elapsed, reason);
    }

    /// <summary>
    /// Simplifies every hall-of-fame member once more (members enter it between simplification passes) and prunes
    /// constants that do not matter: each constant in turn is replaced by 0 or 1 and the result simplified (and, if that alone does
    /// not fit, its remaining constants refitted); the smaller equation is kept when its cost is not worse (relative 1e-6). This removes e.g. a 1e-16 offset left by
    /// the optimiser so that product constants can merge. Then a member with a conditional gets its thresholds fitted
    /// (the islands leave them to mutation), and under a custom loss every member's constants are polished under it.
    /// </summary>
    void FinalSimplify(Func<bool> outOfTime)
    {
        var ev = new Evaluator<double>(fastMath: false);
        bool Acceptable(Member? sm, Member m) => sm is not null && sm.Cost <= m.Cost * (1 + 1e-6) + 1e-14;
        var prune = new ConstantOptimizer(optData, LeastAbsolute); // fits thresholds too, which the islands' optimisers leave alone
        foreach (var original in hof.Slots.ToArray())
        {
            if (original is null) continue;
            if (outOfTime()) break;
            var m = original;
            var simple = Simplifier.Simplify(m.Nodes, allowNeg);
            if (!simple.AsSpan().SequenceEqual(m.Nodes))
            {
                var sm = Evaluate(simple, ev, m.Birth, out _);
                if (Acceptable(sm, m)) m = sm!;
            }
            for (bool changed = true; changed;)
            {
                changed = false;
                for (int i = 0; i < m.Nodes.Length && !changed; i++)
                {
                    if (m.Nodes[i].Op != OpCode.Constant) continue;
                    foreach (double v in (ReadOnlySpan<double>)[0.0, 1.0])
                    {
                        var trial = (Node[])m.Nodes.Clone();
                        trial[i] = Node.Const(v);
                        trial = Simplifier.Simplify(trial, allowNeg);
                        if (trial.Length >= m.Nodes.Length || !cfg.IsValid(trial, o.MaxSize)) continue;
                        var tm = Evaluate(trial, ev, m.Birth, out _);
                        if (!Acceptable(tm, original) && trial.Any(t => t.Op == OpCode.Constant))
                        {
                            // the other constants may compensate (c·x·(C − C/r) → x·(1 − 1/r)): refit them
                            prune.Optimize(trial, master, 30, 0, out _);
                            tm = Evaluate(Simplifier.Simplify(trial, allowNeg), ev, m.Birth, out _);
                        }
                        if (Acceptable(tm, original)) { m = tm!; changed = true; break; }
                    }
                }
            }
            if (m.Nodes.Any(n => n.Op is OpCode.Cond or OpCode.Greater) && m.Nodes.Any(n => n.Op == OpCode.Constant)
                && WithFittedConstants(m.Nodes, prune, master, ev, m.Birth, 0, out _) is { } fitted && fitted.Cost < m.Cost)
                m = fitted;
            if (o.CustomLoss is not null) m = PolishUnderCustomLoss(m, ev);
            if (!ReferenceEquals(m, original))
            {
                if (hof.Slots[original.Complexity] == original) hof.Slots[original.Complexity] = null;
                hof.Update(m);
            }
        }
    }

    /// <summary>Passes of <see cref="PolishUnderCustomLoss"/> over the constants.</summary>
    const int CustomPolishPasses = 3;

    /// <summary>
    /// Levenberg–Marquardt fits the squared (or absolute) error, not a custom loss, which has no derivatives to offer, and
    /// the search keeps its constants only where the custom loss improves; otherwise they come from mutation. So each
    /// hall-of-fame member's constants are finally polished under the custom loss itself, by a compass search over each
    /// constant in turn (<see cref="ConstantOptimizer.Compass"/>). For a loss that fits its own scale factor, say, least
    /// squares must put the scale into the constants and lands elsewhere. (Polishing every candidate during the search
    /// instead cost 6× the evaluations in the receiver-scaled distillation searches and changed no front.)
    /// </summary>
    Member PolishUnderCustomLoss(Member m, Evaluator<double> ev)
    {
        var work = (Node[])m.Nodes.Clone();
        var p = new double[work.Count(n => n.Op == OpCode.Constant)];
        if (p.Length == 0) return m;
        ConstantOptimizer.Read(work, p);
        var pred = new double[data.Rows];
        double Loss(double[] q)
        {
            ConstantOptimizer.Write(work, q);
            ev.Evaluate(work, data, pred);
            return SafeCustom(pred);
        }
        double current = m.Loss;
        long evaluations = 0;
        for (int pass = 0; pass < CustomPolishPasses; pass++)
        {
            bool moved = false;
            for (int j = 0; j < p.Length; j++) moved |= ConstantOptimizer.Compass(p, j, Loss, ref current, ref evaluations, 1e-4);
            if (!moved) break;
        }
        if (!(current < m.Loss)) return m;
        ConstantOptimizer.Write(work, p);
        return Evaluate(work, ev, m.Birth, out _) is { } polished && polished.Loss < m.Loss ? polished : m;
    }

    int CurrentMaxSize(int round, int maxRounds, TimeSpan elapsed)
    {
        if (o.WarmupMaxSizeBy <= 0) return o.MaxSize;
        double progress = 0;
        if (o.MaxEvaluations is long me) progress = Math.Max(progress, (double)evaluations / me);
        if (o.TimeLimit is TimeSpan tl) progress = Math.Max(progress, elapsed / tl);
        if (maxRounds != int.MaxValue) progress = Math.Max(progress, (double)round / maxRounds);
        double f = Math.Min(1, progress / o.WarmupMaxSizeBy);
        return Math.Min(o.MaxSize, 5 + (int)Math.Round((o.MaxSize - 5) * f));
    }

    double[] NormalisedFrequency()
    {
        var f = new double[frequency.Length];
        double total = 0;
        for (int c = 0; c < f.Length; c++) { f[c] = frequency[c] + 1; total += f[c]; }
        for (int c = 0; c < f.Length; c++) f[c] /= total;
        return f;
    }

    void Migrate(List<Member> front)
    {
        // pool of the best members of every island, taken before anyone is replaced
        var pool = new List<Member>();
        foreach (var isl in islands)
            pool.AddRange(isl.Population.OrderBy(m => m.Cost).ThenBy(m => m.Birth).Take(Math.Max(1, o.PopulationSize / 10)));
        foreach (var isl in islands)
        {
            for (int j = 0; j < isl.Population.Length; j++)
            {
                if (pool.Count > 0 && master.Chance(o.FractionReplaced))
                    isl.Population[j] = pool[master.Next(pool.Count)].Clone(isl.NextBirth());
                else if (front.Count > 0 && master.Chance(o.FractionReplacedHof))
                    isl.Population[j] = front[master.Next(front.Count)].Clone(isl.NextBirth());
            }
        }
    }

    /// <summary>Seeds the hall of fame and the first half of every island with the given expressions (constants refitted).</summary>
    void WarmStart(IEnumerable<Expression> seeds)
    {
        var ev = new Evaluator<double>();
        var fit = new ConstantOptimizer(optData, LeastAbsolute);
        var members = new List<Member>();
        foreach (var e in seeds)
        {
            if (e.MaxVariableIndex >= data.Features) continue;
            var nodes = e.NodeArray.ToArray();
            if (!cfg.IsValid(nodes, o.MaxSize)) continue;
            var m = Evaluate(nodes, ev, 0, out _);
            if (nodes.Any(n => n.Op == OpCode.Constant))
            {
                var rm = WithFittedConstants(nodes, fit, master, ev, 0, o.OptimizerRestarts, out _);
                if (rm is not null && (m is null || rm.Cost < m.Cost)) m = rm;
            }
            if (m is null) continue;
            hof.Update(m);
            members.Add(m);
        }
        if (members.Count == 0) return;
        foreach (var isl in islands)
            for (int j = 0; j < Math.Min(members.Count, isl.Population.Length / 2); j++)
                isl.Population[j] = members[j].Clone(isl.NextBirth());
    }

    List<ParetoEntry> Entries(List<Member> front)
    {
        var scores = ParetoSelection.Scores(front.Select(m => m.Complexity).ToArray(), front.Select(m => m.Loss).ToArray());
        return front.Select((m, i) => new ParetoEntry(m.Complexity, m.Loss, scores[i], new Expression(m.Nodes, names, trusted: true))).ToList();
    }

    internal static ParetoEntry Select(IReadOnlyList<ParetoEntry> pareto, ModelSelection selection) =>
        pareto[ParetoSelection.Select(pareto.Select(e => e.Complexity).ToArray(), pareto.Select(e => e.Loss).ToArray(), selection)];

    /// <summary>A copy of <paramref name="nodes"/> with its constants fitted, evaluated into a member (null when invalid).</summary>
    internal Member? WithFittedConstants(Node[] nodes, ConstantOptimizer opt, Rng rng, Evaluator<double> ev, long birth, int restarts,
        out long evaluations)
    {
        var copy = (Node[])nodes.Clone();
        opt.Optimize(copy, rng, o.OptimizerIterations, restarts, out evaluations);
        return Evaluate(copy, ev, birth, out _);
    }

    /// <summary>Evaluates a tree into a member (null when invalid).</summary>
    internal Member? Evaluate(Node[] nodes, Evaluator<double> ev, long birth, out double loss)
    {
        if (o.CustomLoss is null) loss = ev.Loss(nodes, data, o.Loss, o.HuberDelta);
        else
        {
            var pred = new double[data.Rows];
            ev.Evaluate(nodes, data, pred);
            loss = SafeCustom(pred);
        }
        if (!double.IsFinite(loss)) return null;
        int complexity = cfg.Complexity(nodes);
        double cost = loss / baseline + o.Parsimony * complexity;
        if (cfg.Units is not null && !cfg.Units.IsConsistent(nodes)) cost += o.DimensionalPenalty;
        return new Member(nodes, loss, cost, complexity, birth);
    }

    /// <summary>One island: a population evolved by tournament selection, mutation, annealing and age-based replacement.</summary>
    sealed class Island
    {
        readonly Search s;
        readonly Rng rng;
        readonly Evaluator<double> ev = new(fastMath: false);
        readonly ConstantOptimizer opt;
        public Member[] Population;
        public readonly HallOfFame Best;
        public readonly long[] SizeCounts;
        public long Evaluations;
        long birth;
        double[] freq = [];

        public Island(Search s, int index)
        {
            this.s = s;
            rng = new Rng(Rng.Mix((ulong)(uint)s.o.Seed, (ulong)index + 1));
            opt = new ConstantOptimizer(s.optData, s.LeastAbsolute, thresholds: false);
            Best = new HallOfFame(s.o.MaxSize);
            SizeCounts = new long[s.o.MaxSize + 1];
            Population = new Member[s.o.PopulationSize];
            for (int i = 0; i < Population.Length; i++)
            {
                Member? m = null;
                for (int attempt = 0; attempt < 20 && m is null; attempt++)
                {
                    var t = s.mut.RandomTree(rng, 1 + rng.Next(Math.Min(s.o.MaxSize, 7)));
                    if (s.cfg.IsValid(t, s.o.MaxSize)) m = s.Evaluate(t, ev, NextBirth(), out _);
                }
                m ??= new Member([Node.Const(s.data.Y!.Average())], s.meanLoss, s.meanLoss / s.baseline, s.cfg.Complexity([Node.Const(0)]), NextBirth());
                Population[i] = m;
                Evaluations++;
            }
        }

        public long NextBirth() => ++birth;

        /// <param name="maxSize">The largest complexity a new member may have this round.</param>
        /// <param name="frequency">How often each complexity occurs, normalised (adaptive parsimony).</param>
        /// <param name="stop">Ends the round early (time limit or cancellation); checked once per cycle.</param>
        public void Evolve(int maxSize, double[] frequency, Func<bool> stop)
        {
            freq = (double[])frequency.Clone();
            int cycles = Math.Max(1, s.o.CyclesPerRound);
            int perCycle = Math.Max(1, s.o.PopulationSize / s.o.TournamentSize);
            for (int c = 0; c < cycles && !stop(); c++)
            {
                double temperature = s.o.Annealing && cycles > 1 ? 1.0 - (double)c / (cycles - 1) : 1.0;
                for (int k = 0; k < perCycle; k++) Step(maxSize, temperature);
            }
            // constant optimisation and simplification of the population
            for (int i = 0; i < Population.Length; i++)
            {
                var m = Population[i];
                if (rng.Chance(s.o.OptimizeProbability)) m = Optimize(m);
                var simple = Simplifier.Simplify(m.Nodes, s.allowNeg);
                if (simple.Length < m.Nodes.Length || !simple.AsSpan().SequenceEqual(m.Nodes))
                {
                    var sm = s.Evaluate(simple, ev, m.Birth, out _);
                    Evaluations++;
                    if (sm is not null && sm.Cost <= m.Cost * (1 + 1e-9) + 1e-12) m = sm;
                }
                Population[i] = m;
                Best.Update(m);
            }
        }

        Member Optimize(Member m, int? restarts = null)
        {
            if (!m.Nodes.Any(n => n.Op == OpCode.Constant)) return m;
            var nm = s.WithFittedConstants(m.Nodes, opt, rng, ev, m.Birth, restarts ?? s.o.OptimizerRestarts, out long e);
            Evaluations += e + 1;
            return nm is not null && nm.Cost < m.Cost ? nm : m;
        }

        double Adjusted(Member m) =>
            m.Cost * Math.Exp(s.o.AdaptiveParsimonyScaling * freq[Math.Min(m.Complexity, freq.Length - 1)]);

        Member Tournament()
        {
            int n = Math.Min(s.o.TournamentSize, Population.Length);
            Span<int> picks = stackalloc int[n];
            // sample without replacement (partial Fisher–Yates over indices)
            Span<int> idx = stackalloc int[Population.Length];
            for (int i = 0; i < idx.Length; i++) idx[i] = i;
            for (int i = 0; i < n; i++)
            {
                int j = i + rng.Next(idx.Length - i);
                (idx[i], idx[j]) = (idx[j], idx[i]);
                picks[i] = idx[i];
            }
            Span<double> costs = stackalloc double[n];
            for (int i = 0; i < n; i++) costs[i] = Adjusted(Population[picks[i]]);
            // sort picks by adjusted cost (insertion sort; n is small), ties by index for determinism
            for (int i = 1; i < n; i++)
            {
                int pi = picks[i]; double ci = costs[i]; int j = i - 1;
                while (j >= 0 && (costs[j] > ci || (costs[j] == ci && picks[j] > pi))) { picks[j + 1] = picks[j]; costs[j + 1] = costs[j]; j--; }
                picks[j + 1] = pi; costs[j + 1] = ci;
            }
            double p = s.o.TournamentProbability;
            for (int i = 0; i < n - 1; i++) if (rng.Chance(p)) return Population[picks[i]];
            return Population[picks[n - 1]];
        }

        int Oldest()
        {
            int o = 0;
            for (int i = 1; i < Population.Length; i++) if (Population[i].Birth < Population[o].Birth) o = i;
            return o;
        }

        void Replace(Member baby)
        {
            Population[Oldest()] = baby;
            if (baby.Complexity < SizeCounts.Length) SizeCounts[baby.Complexity]++;
            Best.Update(baby);
        }

        /// <summary>
        /// One step of regularised evolution. As in PySR (skip_mutation_failures), a child that fails the constraints,
        /// evaluates to a non-finite loss or is rejected by annealing does not enter the population: replacing the
        /// oldest member with a copy of the parent would make the population collapse onto one equation.
        /// </summary>
        void Step(int maxSize, double temperature)
        {
            if (rng.Chance(s.o.CrossoverProbability))
            {
                var a = Tournament();
                var b = Tournament();
                for (int attempt = 0; attempt < 10; attempt++)
                {
                    var (c1, c2) = s.mut.Crossover(a.Nodes, b.Nodes, rng);
                    if (!s.cfg.IsValid(c1, maxSize) || !s.cfg.IsValid(c2, maxSize)) continue;
                    var m1 = s.Evaluate(c1, ev, NextBirth(), out _);
                    var m2 = s.Evaluate(c2, ev, NextBirth(), out _);
                    Evaluations += 2;
                    if (m1 is not null) Replace(m1);
                    if (m2 is not null) Replace(m2);
                    return;
                }
                return;
            }
            var parent = Tournament();
            var child = Mutate(parent, maxSize, temperature, out bool evaluated);
            if (child is null) return;
            if (!evaluated)
            {
                child = s.Evaluate(child.Nodes, ev, NextBirth(), out _);
                Evaluations++;
                if (child is null) return;
                if (s.o.OptimizeChildProbability > 0 && rng.Chance(s.o.OptimizeChildProbability)) child = Optimize(child, 0);
            }
            double prob = 1.0;
            if (s.o.Annealing)
            {
                double delta = child.Cost - parent.Cost;
                prob *= Math.Exp(-delta / (temperature * s.o.Alpha + 1e-12));
            }
            if (s.o.AdaptiveParsimonyScaling > 0)
            {
                double fo = freq[Math.Min(parent.Complexity, freq.Length - 1)], fn = freq[Math.Min(child.Complexity, freq.Length - 1)];
                prob *= fo / fn;
            }
            if (prob < rng.NextDouble()) return;
            child.Birth = NextBirth();
            Replace(child);
        }

        Member? Mutate(Member parent, int maxSize, double temperature, out bool evaluated)
        {
            evaluated = false;
            var w = s.o.Mutations;
            var t = parent.Nodes;
            bool hasConst = false, hasOp = false;
            foreach (var n in t) { hasConst |= n.Op == OpCode.Constant; hasOp |= !n.IsLeaf; }
            Span<double> weights =
            [
                hasConst ? w.MutateConstant : 0, hasOp ? w.MutateOperator : 0, w.MutateFeature, hasOp ? w.SwapOperands : 0,
                hasOp ? w.Rotate : 0, t.Length < maxSize ? w.AddNode : 0, t.Length < maxSize ? w.InsertNode : 0,
                hasOp ? w.DeleteNode : 0, w.Simplify, w.Randomize, w.DoNothing, hasConst ? w.Optimize : 0,
            ];
            double total = 0;
            foreach (var x in weights) total += x;
            if (!(total > 0)) return null;
            for (int attempt = 0; attempt < 10; attempt++)
            {
                double r = rng.NextDouble() * total;
                int kind = 0;
                while (kind < weights.Length - 1 && (r -= weights[kind]) >= 0) kind++;
                Node[]? child = kind switch
                {
                    0 => s.mut.MutateConstant(t, rng, temperature),
                    1 => s.mut.MutateOperator(t, rng),
                    2 => s.mut.MutateFeature(t, rng),
                    3 => s.mut.SwapOperands(t, rng),
                    4 => s.mut.Rotate(t, rng),
                    5 => s.mut.AddNode(t, rng),
                    6 => s.mut.InsertNode(t, rng),
                    7 => s.mut.DeleteNode(t, rng),
                    8 => Simplifier.Simplify(t, s.allowNeg),
                    9 => s.mut.Randomize(t, rng, maxSize),
                    10 => t,
                    _ => null,
                };
                if (kind == 10) { evaluated = true; return parent.Clone(0); }
                if (kind == 11) { evaluated = true; return Optimize(parent); }
                if (child is not null && s.cfg.IsValid(child, maxSize)) return new Member(child, 0, 0, 0, 0);
            }
            return null;
        }
    }
}
