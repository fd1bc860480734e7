using System.Diagnostics;

namespace Occam.Symbolic;

/// <summary>
/// Multi-population regularised evolution (PySR's algorithm) in synchronous rounds: every island evolves for a fixed
/// number of cycles with its own seeded generator (in parallel), then the hall of fame is merged and migrants are
/// exchanged in island order. The result therefore depends on the seed only, not on the number of threads.
/// </summary>
internal sealed class Search
{
    readonly SearchContext ctx;
    readonly Island[] islands;
    readonly HallOfFame hof;
    readonly double[] frequency;
    readonly Rng master;
    readonly IReadOnlyList<string> names;
    long evaluations;

    SearchConfig cfg => ctx.cfg;
    SymbolicRegressionOptions o => ctx.o;
    Dataset<double> data => ctx.data;
    Dataset<double> optData => ctx.optData;
    bool allowNeg => ctx.allowNeg;
    bool LeastAbsolute => ctx.LeastAbsolute;

    public Search(Dataset<double> data, SymbolicRegressionOptions options, IReadOnlyList<string> names)
    {
        ctx = new SearchContext(data, options);
        this.names = names;
        hof = new HallOfFame(o.MaxSize);
        frequency = new double[o.MaxSize + 1];
        master = new Rng(Rng.Mix((ulong)(uint)o.Seed, 0xA11CE));
        islands = new Island[o.Populations];
        for (int i = 0; i < islands.Length; i++) islands[i] = new Island(ctx, i);
        stop = StopLevels.Of(ctx);
        collapseRng = new Rng(Rng.Mix((ulong)(uint)o.Seed, 0x7A710));
    }

    /// <summary>The losses at which the search stops early (<see cref="SymbolicRegressionOptions.EarlyStop"/>; −1: never).
    /// Computed on the head only: the islands, wherever they run, do not need them.</summary>
    readonly StopLevels stop;

    sealed record StopLevels(double Exact, double Noise, double? NoiseVariance)
    {
        public static StopLevels Of(SearchContext ctx)
        {
            var o = ctx.o;
            if (!o.EarlyStop || o.CustomLoss is not null) return new(-1, -1, null);
            double exact = (o.Loss == LossKind.L2 ? 1e-14 : 1e-7) * ctx.meanLoss;
            if (o.Loss != LossKind.L2 || ctx.data.Weights is not null) return new(exact, -1, null);
            var columns = Enumerable.Range(0, ctx.data.Features).Select(f => ctx.data.Column(f).ToArray()).ToArray();
            var noise = NoiseFloor.Estimate(columns, ctx.data.Y!);
            return noise.Resolved ? new(exact, noise.Variance * (1 + 2 * Math.Sqrt(2.0 / noise.Rows)), noise.Variance) : new(exact, -1, null);
        }
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
            if (o.IslandRunner is { } runner)
            {
                // the same Island.Evolve, run wherever the runner puts it (IslandRound); the head keeps every island's state
                if (round == 0) runner.Start(SearchSession.Write(data, o, names));
                var requests = new byte[islands.Length][];
                for (int i = 0; i < islands.Length; i++) requests[i] = IslandRound.Request(i, islands[i], maxSize, freqSnapshot);
                var responses = runner.RunRound(round, requests);
                for (int i = 0; i < islands.Length; i++) IslandRound.Apply(islands[i], responses[i]);
            }
            else if (threads == 1) foreach (var isl in islands) isl.Evolve(maxSize, freqSnapshot, Stopping);
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
            if (o.TaylorCollapse && OfferTaylorCollapses()) improved = true;
            // decay so that the frequencies follow the recent population (PySR uses a moving window)
            double total = frequency.Sum();
            if (total > 1e5) for (int c = 0; c < frequency.Length; c++) frequency[c] *= 0.5;
            Migration.Exchange(islands, hofSnapshot, master, o);
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
            if (bestLoss <= stop.Exact) { reason = "exact fit"; break; }
            if (bestLoss <= stop.Noise) { reason = "noise floor"; break; }
        }
        // After a time limit or Ctrl+C the final pass gets one more second; members it does not reach stay as found.
        var finalBudget = reason is "time limit" or "cancelled" ? sw.Elapsed + TimeSpan.FromSeconds(1) : TimeSpan.MaxValue;
        o.IslandRunner?.Finish();
        FinalSimplify(() => sw.Elapsed >= finalBudget);
        var pareto = Entries(hof.Front());
        if (pareto.Count == 0) throw new ArgumentException("no equation has a finite loss on this data; check it for values that overflow (such as 1e308)");
        return new SymbolicRegressionResult(pareto, Select(pareto, o.ModelSelection), evaluations, round, sw.Elapsed, reason)
        {
            StopLoss = Math.Max(0, Math.Max(stop.Exact, stop.Noise)), NoiseVariance = stop.NoiseVariance,
        };
    }

    readonly Rng collapseRng; // its own generator, so that a run with nothing to collapse is the run without it
    readonly HashSet<Member> collapseSeen = new(ReferenceEqualityComparer.Instance);

    /// <summary>Offers the hall of fame the <see cref="TaylorCollapse"/> variants of the front members it has not looked at
    /// yet, constants refitted; true when one entered.</summary>
    bool OfferTaylorCollapses()
    {
        bool entered = false;
        Evaluator<double>? ev = null;
        ConstantOptimizer? fit = null;
        foreach (var m in hof.Front())
        {
            if (!collapseSeen.Add(m) || !m.Nodes.Any(n => TaylorCollapse.Expandable(n.Op)))
                continue;
            ev ??= ctx.NewEvaluator();
            fit ??= ctx.NewOptimizer(thresholds: false);
            foreach (var variant in TaylorCollapse.Variants(m.Nodes, data, ev, cfg))
            {
                var simple = Simplifier.Simplify(variant, allowNeg);
                if (!cfg.IsValid(simple, o.MaxSize)) continue;
                var vm = ctx.WithFittedConstants(simple, fit, collapseRng, ev, m.Birth, o.OptimizerRestarts, out long e);
                evaluations += e + 1;
                // the polynomial's constants and those around it are redundant (a − b·(c + d·u²)): prune them away
                if (vm is not null && hof.Update(Prune(vm, vm, ev, fit, collapseRng))) entered = true;
            }
        }
        return entered;
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
        var ev = ctx.NewEvaluator();
        var prune = ctx.NewOptimizer(thresholds: true); // fits thresholds too, which the islands' optimisers leave alone
        bool canNormalise = cfg.Binary.Any(n => n.Op == OpCode.Mul); // the normalised quotients multiply by 1/c
        foreach (var original in hof.Slots.ToArray())
        {
            if (original is null) continue;
            if (outOfTime()) break;
            var m = original;
            var simple = Simplifier.Simplify(m.Nodes, allowNeg);
            if (!simple.AsSpan().SequenceEqual(m.Nodes))
            {
                var sm = ctx.Evaluate(simple, ev, m.Birth, out _);
                if (Acceptable(sm, m)) m = sm!;
            }
            m = Prune(m, original, ev, prune, master);
            if (o.NormaliseQuotients && canNormalise)
            {
                m = Rewritten(m, Simplifier.Cancel(m.Nodes, allowNeg));
                m = Rewritten(m, Simplifier.Tidy(m.Nodes, allowNeg));
                // The same law with each quotient's denominator led by 1, pruned in turn: kept when that makes it no larger.
                // A second pass normalises what the pruning refitted (x0/(0.33 + 0.33·x1²) from a longer form).
                for (int pass = 0; pass < 2; pass++)
                    if (Simplifier.NormaliseQuotients(m.Nodes) is { } quotients
                        && Simplifier.Simplify(quotients, allowNeg) is var divided && (Simplifier.Tidy(divided, allowNeg) ?? divided) is var normal
                        && cfg.IsValid(normal, int.MaxValue)
                        && ctx.Evaluate(normal, ev, m.Birth, out _) is { } nm && Acceptable(nm, original)
                        && Prune(nm, original, ev, prune, master) is var pruned && pruned.Complexity <= m.Complexity && cfg.IsValid(pruned.Nodes, o.MaxSize))
                        m = pruned;
                m = Rewritten(m, Simplifier.Cancel(m.Nodes, allowNeg));
                m = Rewritten(m, Simplifier.SnapIntegers(m.Nodes));
                m = Rewritten(m, Simplifier.Tidy(m.Nodes, allowNeg));
            }
            if (m.Nodes.Any(n => n.Op is OpCode.Cond or OpCode.Greater) && m.Nodes.Any(n => n.Op == OpCode.Constant)
                && ctx.WithFittedConstants(m.Nodes, prune, master, ev, m.Birth, 0, out _) is { } fitted && fitted.Cost < m.Cost)
                m = fitted;
            if (o.CustomLoss is not null) m = PolishUnderCustomLoss(m, ev);
            if (!ReferenceEquals(m, original))
            {
                if (hof.Slots[original.Complexity] == original) hof.Slots[original.Complexity] = null;
                hof.Update(m);
            }

            // the rewritten equation where it is valid, fits as well as the original and is no larger
            Member Rewritten(Member m, Node[]? rewrite) =>
                rewrite is not null && cfg.IsValid(rewrite, o.MaxSize) && ctx.Evaluate(rewrite, ev, m.Birth, out _) is { } rm
                && Acceptable(rm, original) && rm.Complexity <= m.Complexity ? rm : m;
        }
    }

    /// <summary>Whether <paramref name="sm"/> fits as well as <paramref name="m"/> (its cost at most relative 1e-6 higher).</summary>
    static bool Acceptable(Member? sm, Member m) => sm is not null && sm.Cost <= m.Cost * (1 + 1e-6) + 1e-14;

    /// <summary>Each constant in turn replaced by 0 or 1 (its neighbours refitted by <paramref name="fit"/> where that
    /// alone does not fit), while the equation shrinks and fits as well as <paramref name="original"/>.</summary>
    Member Prune(Member m, Member original, Evaluator<double> ev, ConstantOptimizer fit, Rng rng)
    {
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
                    var tm = ctx.Evaluate(trial, ev, m.Birth, out _);
                    if (!Acceptable(tm, original) && trial.Any(t => t.Op == OpCode.Constant))
                    {
                        // the other constants may compensate (c·x·(C − C/r) → x·(1 − 1/r)): refit them
                        fit.Optimize(trial, rng, 30, 0, out _);
                        tm = ctx.Evaluate(Simplifier.Simplify(trial, allowNeg), ev, m.Birth, out _);
                    }
                    if (Acceptable(tm, original)) { m = tm!; changed = true; break; }
                }
            }
        }
        return m;
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
            return ctx.SafeCustom(pred);
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
        return ctx.Evaluate(work, ev, m.Birth, out _) is { } polished && polished.Loss < m.Loss ? polished : m;
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

    /// <summary>Seeds the hall of fame and the first half of every island with the given expressions (constants refitted).</summary>
    void WarmStart(IEnumerable<Expression> seeds)
    {
        var ev = ctx.NewEvaluator();
        var fit = ctx.NewOptimizer(thresholds: true);
        var members = new List<Member>();
        foreach (var e in seeds)
        {
            if (e.MaxVariableIndex >= data.Features) continue;
            var nodes = e.NodesOver(cfg.CustomOperators);
            if (!cfg.IsValid(nodes, o.MaxSize)) continue;
            var m = ctx.Evaluate(nodes, ev, 0, out _);
            if (nodes.Any(n => n.Op == OpCode.Constant))
            {
                var rm = ctx.WithFittedConstants(nodes, fit, master, ev, 0, o.OptimizerRestarts, out _);
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
        return front.Select((m, i) => new ParetoEntry(m.Complexity, m.Loss, scores[i], new Expression(m.Nodes, names, cfg.CustomOperators, trusted: true))).ToList();
    }

    internal static ParetoEntry Select(IReadOnlyList<ParetoEntry> pareto, ModelSelection selection) =>
        pareto[ParetoSelection.Select(pareto.Select(e => e.Complexity).ToArray(), pareto.Select(e => e.Loss).ToArray(), selection)];
}
