using System.Diagnostics;
using Occam.Graphs;
using Occam.Physics.Halos;
using Occam.Symbolic;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Discovery.Halos;

/// <summary>
/// The dark-matter example of Cranmer et al. (2020): train <see cref="HaloNetwork"/> on a halo catalogue in spatial
/// sub-volumes with an L1 prior on messages, distil the significant message component into a pair formula ê(r, mj),
/// then the node formula δ(Σê, mi), and compare GN and formula out of distribution (largest 20 % of δ held out).
/// </summary>
public static class HaloDistillation
{
    /// <summary>Pair features handed to symbolic regression: distance and neighbour mass.</summary>
    public static readonly IReadOnlyList<string> PairVariables = ["r", "mj"];
    /// <summary>Node features handed to symbolic regression: Σ ê over neighbours and own mass.</summary>
    public static readonly IReadOnlyList<string> NodeVariables = ["e", "mi"];

    sealed class Graph
    {
        public required HaloCatalogue Catalogue;
        public required long[] Senders, Receivers;
        public required int[] Start; // CSR over receivers
        public required Tensor Nodes; // [N, 7] float32
    }

    sealed record Scaling(double Radius, double VelocityStd, double MeanMass);

    static Scaling ScalingOf(HaloCatalogue c, double radius)
    {
        double s2 = 0;
        foreach (var v in c.Velocities) s2 += v * v;
        double sv = Math.Sqrt(s2 / c.Velocities.Length);
        return new Scaling(radius, sv > 0 ? sv : 1, c.Mass.Average());
    }

    static Graph BuildGraph(HaloCatalogue c, Scaling scaling)
    {
        var (s, r) = GraphBuilders.RadiusGraph(c.Positions, 3, scaling.Radius);
        var start = new int[c.Count + 1];
        foreach (var x in r) start[x + 1]++;
        for (int i = 0; i < c.Count; i++) start[i + 1] += start[i];
        var feats = new float[c.Count * HaloNetwork.NodeFeatureWidth];
        for (int i = 0; i < c.Count; i++)
        {
            for (int a = 0; a < 3; a++)
            {
                feats[7 * i + a] = (float)(c.Positions[3 * i + a] / scaling.Radius);
                feats[7 * i + 3 + a] = (float)(c.Velocities[3 * i + a] / scaling.VelocityStd);
            }
            feats[7 * i + 6] = (float)(c.Mass[i] / scaling.MeanMass);
        }
        var nodes = tensor(feats, [c.Count, HaloNetwork.NodeFeatureWidth]);
        return new Graph { Catalogue = c, Senders = s, Receivers = r, Start = start, Nodes = nodes };
    }

    /// <summary>Halos grouped by spatial cell, ⌈(N/perBatch)^⅓⌉ cells a side over the bounding box.</summary>
    internal static List<int[]> SubVolumes(HaloCatalogue c, int perBatch)
    {
        int side = Math.Max(1, (int)Math.Round(Math.Cbrt((double)c.Count / perBatch)));
        var lo = new double[3];
        var hi = new double[3];
        for (int a = 0; a < 3; a++) { lo[a] = double.MaxValue; hi[a] = double.MinValue; }
        for (int i = 0; i < c.Count; i++)
            for (int a = 0; a < 3; a++) { lo[a] = Math.Min(lo[a], c.Positions[3 * i + a]); hi[a] = Math.Max(hi[a], c.Positions[3 * i + a]); }
        var cells = new List<int>[side * side * side];
        for (int k = 0; k < cells.Length; k++) cells[k] = [];
        for (int i = 0; i < c.Count; i++)
        {
            int key = 0;
            for (int a = 0; a < 3; a++)
            {
                double span = hi[a] - lo[a];
                int cell = span > 0 ? Math.Min(side - 1, (int)((c.Positions[3 * i + a] - lo[a]) / span * side)) : 0;
                key = key * side + cell;
            }
            cells[key].Add(i);
        }
        return cells.Where(l => l.Count > 0).Select(l => l.ToArray()).ToList();
    }

    /// <summary>The edges into <paramref name="targets"/> (senders, receivers) from the CSR graph.</summary>
    static (long[] Senders, long[] Receivers) EdgesInto(Graph g, IReadOnlyList<int> targets)
    {
        int count = 0;
        foreach (var t in targets) count += g.Start[t + 1] - g.Start[t];
        var s = new long[count];
        var r = new long[count];
        int k = 0;
        foreach (var t in targets)
            for (int e = g.Start[t]; e < g.Start[t + 1]; e++) { s[k] = g.Senders[e]; r[k] = g.Receivers[e]; k++; }
        return (s, r);
    }

    /// <summary>Runs the whole example on <paramref name="catalogue"/>, or on a synthetic catalogue when it is null.</summary>
    public static HaloDiscoveryResult Run(HaloDiscoveryOptions options, HaloCatalogue? catalogue = null,
        IProgress<DiscoveryProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        TorchThreads.Use(options.Threads);
        var total = Stopwatch.StartNew();
        HaloLaw? law = null;
        if (catalogue is null)
        {
            progress?.Report(new DiscoveryProgress("catalogue", 0, $"{options.Catalogue.Count} synthetic halos"));
            catalogue = HaloCatalogueGenerator.Generate(options.Catalogue).Catalogue;
            law = options.Catalogue.Law;
        }
        double radius = options.Radius ?? law?.Radius ?? options.Catalogue.Law.Radius;
        var scaling = ScalingOf(catalogue, radius);
        int n = catalogue.Count;

        using var outer = NewDisposeScope();
        progress?.Report(new DiscoveryProgress("graph", 0, $"radius graph, R = {radius}"));
        var graph = BuildGraph(catalogue, scaling);

        // Out-of-distribution split: the largest δ are held out.
        var byDelta = Enumerable.Range(0, n).OrderByDescending(i => catalogue.Delta[i]).ThenBy(i => i).ToArray();
        int held = Math.Max(1, (int)Math.Round(options.HoldOutFraction * n));
        if (held >= n) throw new ArgumentException($"halos: holding out {held} of {n} halos leaves none to train on.");
        var isHeld = new bool[n];
        for (int k = 0; k < held; k++) isHeld[byDelta[k]] = true;
        double threshold = catalogue.Delta[byDelta[held - 1]];
        var trainIdx = Enumerable.Range(0, n).Where(i => !isHeld[i]).ToArray();
        double mean = trainIdx.Average(i => catalogue.Delta[i]);
        double std = Math.Sqrt(trainIdx.Average(i => (catalogue.Delta[i] - mean) * (catalogue.Delta[i] - mean)));
        if (!(std > 0)) std = 1;
        var target = tensor(catalogue.Delta.Select(d => (float)((d - mean) / std)).ToArray());

        // Training batches: the training halos of each sub-volume and every edge into them.
        var volumes = SubVolumes(catalogue, options.HalosPerBatch);
        var batches = new List<(Tensor S, Tensor R, Tensor T)>();
        foreach (var v in volumes)
        {
            var t = v.Where(i => !isHeld[i]).ToArray();
            if (t.Length == 0) continue;
            var (s, r) = EdgesInto(graph, t);
            batches.Add((tensor(s), tensor(r), tensor(t.Select(i => (long)i).ToArray())));
        }

        // Train.
        using var generator = new Generator((ulong)options.Seed + 1);
        using var network = new HaloNetwork(options.MessageSize, options.Hidden, generator);
        var optimizer = optim.Adam(network.parameters(), lr: options.LearningRate);
        var rng = new Random(options.Seed);
        var curve = new List<LossPoint>();
        double window = 0;
        int windowCount = 0, logEvery = Math.Max(1, options.Steps / 100);
        var train = Stopwatch.StartNew();
        for (int step = 0; step < options.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (bs, br, bt) = batches[rng.Next(batches.Count)];
            foreach (var group in optimizer.ParamGroups) group.LearningRate = OneCycle.LearningRate(step, options.Steps, options.LearningRate);
            optimizer.zero_grad();
            using var output = network.Forward(graph.Nodes, bs, br, bt);
            var loss = (output.Prediction - target.index_select(0, bt)).abs().mean();
            if (options.L1 > 0) loss = loss + options.L1 * output.Messages.abs().sum(1).mean();
            loss.backward();
            optimizer.step();
            window += loss.item<float>();
            if (++windowCount == logEvery || step == options.Steps - 1)
            {
                curve.Add(new LossPoint(step + 1, window / windowCount));
                progress?.Report(new DiscoveryProgress("train", (step + 1.0) / options.Steps, $"step {step + 1}/{options.Steps}, loss {window / windowCount:G4}"));
                window = 0;
                windowCount = 0;
            }
        }
        double trainSeconds = train.Elapsed.TotalSeconds;

        // GN predictions for every halo, sub-volume by sub-volume.
        progress?.Report(new DiscoveryProgress("evaluate", 0, "GN on every halo"));
        var gnDelta = new double[n];
        using (no_grad())
        {
            foreach (var v in volumes)
            {
                using var scope = NewDisposeScope();
                var (s, r) = EdgesInto(graph, v);
                using var output = network.Forward(graph.Nodes, tensor(s), tensor(r), tensor(v.Select(i => (long)i).ToArray()));
                var p = output.Prediction.data<float>().ToArray();
                for (int k = 0; k < v.Length; k++) gnDelta[v[k]] = p[k] * std + mean;
            }
        }

        // Significant message component on a sample of edges.
        long edges = graph.Senders.LongLength;
        if (edges == 0) throw new InvalidDataException($"{catalogue.Source}: no pairs within radius {radius}; nothing to learn from.");
        var sample = SampleEdges(edges, options.AnalysisEdges, options.Seed + 17);
        var (messages, pairX) = RecordMessages(network, graph, sample);
        int m = options.MessageSize;
        var msgStd = new double[m];
        for (int c = 0; c < m; c++)
        {
            double mu = 0;
            for (int k = 0; k < sample.Length; k++) mu += messages[k, c];
            mu /= sample.Length;
            double v = 0;
            for (int k = 0; k < sample.Length; k++) v += (messages[k, c] - mu) * (messages[k, c] - mu);
            msgStd[c] = Math.Sqrt(v / sample.Length);
        }
        int component = Array.IndexOf(msgStd, msgStd.Max());
        double varianceFraction = msgStd[component] * msgStd[component] / Math.Max(1e-300, msgStd.Sum(s => s * s));
        var y = Enumerable.Range(0, sample.Length).Select(k => messages[k, component]).ToArray();

        // Symbolic regression on the significant component, with r in units of the radius (so that the constants of
        // a fall-off inside the radius are of order one); the formulas are then written back in catalogue units.
        var scaledX = (double[,])pairX.Clone();
        for (int k = 0; k < sample.Length; k++) scaledX[k, 0] /= radius;
        var pairSearches = new List<SymbolicRegressionResult>();
        for (int k = 0; k < options.PairSearches; k++)
        {
            var search = PairSearchOptions(options, progress) with { Cancel = cancel };
            pairSearches.Add(SymbolicRegression.Fit(scaledX, y, search with { Seed = search.Seed + 1000 * k }));
            cancel.ThrowIfCancellationRequested();
        }
        var nodeRng = new Random(options.Seed + 29);
        var shuffled = trainIdx.OrderBy(_ => nodeRng.Next()).ToArray();
        var fitIdx = shuffled.Take(options.NodeFitHalos).ToArray();
        var validIdx = shuffled.Skip(fitIdx.Length).Take(options.NodeFitHalos).ToArray();
        if (validIdx.Length < 10) validIdx = fitIdx;
        progress?.Report(new DiscoveryProgress("pair formula", 1, "judging the fronts on the halos' δ"));
        // The judge chooses among the searches' pooled fronts on the training halos' δ, which the messages only approximate.
        var pairPareto = pairSearches.SelectMany(r => r.Pareto).OrderBy(e => e.Complexity).ThenBy(e => e.Loss)
            .Select(e => InCatalogueUnits(e, radius)).ToList();
        var judge = new HaloJudge(catalogue, graph.Senders, graph.Receivers, fitIdx.Take(JudgeHalos).ToArray());
        var (refits, chosen) = judge.Select(pairPareto.Select(e => e.Expression).ToArray(), pairPareto.Select(e => e.Complexity).ToArray());
        var judgeLoss = refits.Select(f => f.Loss).ToArray();
        var pairFormula = pairPareto[chosen] with { Expression = refits[chosen].Formula };

        // Fresh pairs: message and formula against the planted pair term.
        double? messageR2 = null, formulaR2 = null, formR2 = null;
        HaloPairSample? pairs = null;
        if (law is not null)
        {
            progress?.Report(new DiscoveryProgress("fresh pairs", 0, "scoring on a fresh catalogue"));
            var fresh = HaloCatalogueGenerator.Generate(options.Catalogue with { Seed = options.Catalogue.Seed + 7919 }).Catalogue;
            var freshGraph = BuildGraph(fresh, scaling);
            if (freshGraph.Senders.LongLength > 0)
            {
                var fs = SampleEdges(freshGraph.Senders.LongLength, options.FreshPairs, options.Seed + 991);
                var (fm, fx) = RecordMessages(network, freshGraph, fs);
                var truth = new double[fs.Length];
                var msg = new double[fs.Length, 1];
                for (int k = 0; k < fs.Length; k++) { truth[k] = law.Pair(fx[k, 0], fx[k, 1]); msg[k, 0] = fm[k, component]; }
                messageR2 = LinearFit.Fit(msg, truth).R2;
                var formula = pairFormula.Expression.Evaluate(fx);
                var f = new double[fs.Length, 1];
                for (int k = 0; k < fs.Length; k++) f[k, 0] = formula[k];
                formulaR2 = formula.All(double.IsFinite) ? LinearFit.Fit(f, truth).R2 : double.NaN;
                formR2 = FormR2(pairFormula.Expression, fx, truth);
                pairs = new HaloPairSample(Column(fx, 0), Column(fx, 1), Column(fm, component), truth, formula);
            }
        }
        pairs ??= new HaloPairSample(Column(pairX, 0), Column(pairX, 1), y, null, pairFormula.Expression.Evaluate(pairX));

        // Node formula: δ(Σ ê, mi), fitted on training halos.
        var eHat = SumPairFormula(graph, pairFormula.Expression);
        var (nodeX, nodeY) = NodeRows(eHat, catalogue, fitIdx);
        var nodeSr = SymbolicRegression.Fit(nodeX, nodeY, SearchOptions(options, NodeVariables, 2, "node formula", progress) with { Cancel = cancel });
        cancel.ThrowIfCancellationRequested();
        var nodeFormula = SelectByValidation(nodeSr.Pareto, NodeRows(eHat, catalogue, validIdx), NodeSelectionTolerance);
        var allX = new double[n, 2];
        for (int i = 0; i < n; i++) { allX[i, 0] = eHat[i]; allX[i, 1] = catalogue.Mass[i]; }
        var formulaDelta = nodeFormula.Expression.Evaluate(allX);

        var rows = new List<HaloOodRow>
        {
            Row("graph network", gnDelta, catalogue.Delta, isHeld),
            Row("recovered formula", formulaDelta, catalogue.Delta, isHeld),
        };
        if (law is not null)
        {
            var (_, planted) = law.Evaluate(catalogue.Positions, catalogue.Mass);
            rows.Add(Row("planted law", planted, catalogue.Delta, isHeld));
        }
        optimizer.Dispose();
        return new HaloDiscoveryResult
        {
            Options = options, Source = catalogue.Source, Halos = n, Edges = edges, SubVolumes = volumes.Count, Radius = radius,
            HoldOutThreshold = threshold, LossCurve = curve, MessageStd = msgStd, Component = component,
            ComponentVarianceFraction = varianceFraction, MessageR2 = messageR2, PairFormula = pairFormula,
            PairPareto = pairPareto, PairJudgeLoss = judgeLoss, PairFormulaR2 = formulaR2, PairFormR2 = formR2, NodeFormula = nodeFormula, NodePareto = nodeSr.Pareto,
            Ood = rows, Law = law, Pairs = pairs, Deltas = new HaloDeltaSample(catalogue.Delta, gnDelta, formulaDelta, isHeld),
            TrainSeconds = trainSeconds, Seconds = total.Elapsed.TotalSeconds,
            PeakWorkingSetBytes = Process.GetCurrentProcess().PeakWorkingSet64,
        };
    }

    /// <summary>Training halos the <see cref="HaloJudge"/> fits δ on (of the node fit's): enough to tell an exact form
    /// (1 − R² below 10⁻⁶) from a lookalike (10⁻⁴ and above), at a quarter of the node fit's cost.</summary>
    public const int JudgeHalos = 500;

    /// <summary>
    /// The form check of a pair formula against the planted pair term on fresh pairs: R² of the formula, its constants and a
    /// scale refitted to the term by least squares (Levenberg–Marquardt). The planted form refits to rounding; an exponential
    /// fall-off in place of the power does not. <see cref="HaloDiscoveryResult.Recovered"/> needs 1 − R² ≤
    /// <see cref="JudgeStage.FormTolerance"/>.
    /// </summary>
    internal static double FormR2(Expression formula, double[,] x, double[] truth) =>
        JudgeStage.R2(SymbolicRegression.FitConstants(JudgeStage.ScaleOf(formula, x, truth) * formula, x, truth).Expression, x, truth);

    static HaloOodRow Row(string model, double[] prediction, double[] truth, bool[] held)
    {
        double a = 0, b = 0;
        int na = 0, nb = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            double err = Math.Abs(prediction[i] - truth[i]);
            if (!double.IsFinite(err)) err = double.PositiveInfinity;
            if (held[i]) { b += err; nb++; } else { a += err; na++; }
        }
        return new HaloOodRow(model, a / Math.Max(1, na), b / Math.Max(1, nb));
    }

    /// <summary>
    /// The pair search: + − × ÷ and ^ with a constant (or single-variable) exponent and a base of at most three nodes
    /// (so (c·r)^d, the shape of a steep fall-off, is one small subtree), no nested powers. No exp: with it the search
    /// tends to settle on smooth exp-polynomial approximations of the fall-off.
    /// </summary>
    static SymbolicRegressionOptions PairSearchOptions(HaloDiscoveryOptions options, IProgress<DiscoveryProgress>? progress) =>
        SearchOptions(options, PairVariables, 1, "pair formula", progress) with
        {
            UnaryOperators = [],
            OperatorConstraints = new Dictionary<string, (int, int)> { ["^"] = (3, 1) },
            NestedConstraints = new Dictionary<string, IReadOnlyDictionary<string, int>> { ["^"] = new Dictionary<string, int> { ["^"] = 0 } },
        };

    /// <summary>
    /// The entry with variable 0 (r / R in the search) replaced by r / R, so that it reads catalogue distances; its
    /// complexity and loss stay those of the search.
    /// </summary>
    internal static ParetoEntry InCatalogueUnits(ParetoEntry entry, double radius)
    {
        var nodes = new List<Node>();
        foreach (var n in entry.Expression.Nodes)
        {
            if (n.Op == OpCode.Variable && n.Index == 0) nodes.AddRange([n, Node.Const(radius), Node.Of(OpCode.Div)]);
            else nodes.Add(n);
        }
        return entry with { Expression = new Expression(nodes, entry.Expression.VariableNames) };
    }

    static SymbolicRegressionOptions SearchOptions(HaloDiscoveryOptions options, IReadOnlyList<string> names, int which, string stage,
        IProgress<DiscoveryProgress>? progress) => new()
    {
        VariableNames = names,
        BinaryOperators = ["+", "-", "*", "/", "^"],
        UnaryOperators = ["exp"],
        OperatorConstraints = new Dictionary<string, (int, int)> { ["^"] = (-1, 1) },
        NestedConstraints = new Dictionary<string, IReadOnlyDictionary<string, int>>
        {
            ["exp"] = new Dictionary<string, int> { ["exp"] = 0, ["^"] = 0 },
            ["^"] = new Dictionary<string, int> { ["exp"] = 0, ["^"] = 0 },
        },
        MaxSize = options.SymbolicMaxSize,
        NormaliseQuotients = false, TaylorCollapse = false, // docs/halos.md's runs were measured without them
        Seed = options.Seed * 31 + which,
        MaxRounds = options.SymbolicRounds,
        TimeLimit = options.SymbolicTimeLimit,
        Threads = options.Threads,
        Progress = progress is null ? null : new SyncProgress<SymbolicRegressionProgress>(p => progress.Report(new DiscoveryProgress(stage,
            Math.Min(1, (double)p.Round / options.SymbolicRounds), $"loss {p.BestLoss:G3}: {p.Best}"))),
    };

    /// <summary>
    /// The node formula is the simplest entry of the Pareto front whose mean squared error on validation halos (training
    /// halos not used by the search) is within this fraction of the lowest validation error on the front. PySR's
    /// "best" rule (largest drop in log-loss per unit of complexity) stops at the affine law in e, since the planted
    /// dependence on Mᵢ (C₃·Mᵢ/C₂ ≈ 2 %) improves the loss by tens of percent, not by a factor.
    /// </summary>
    public const double NodeSelectionTolerance = 0.1;

    static (double[,] X, double[] Y) NodeRows(double[] eHat, HaloCatalogue c, int[] idx)
    {
        var x = new double[idx.Length, 2];
        var y = new double[idx.Length];
        for (int k = 0; k < idx.Length; k++) { x[k, 0] = eHat[idx[k]]; x[k, 1] = c.Mass[idx[k]]; y[k] = c.Delta[idx[k]]; }
        return (x, y);
    }

    /// <summary>The simplest entry whose validation MSE is at most (1 + tolerance) × the lowest one on the front.</summary>
    internal static ParetoEntry SelectByValidation(IReadOnlyList<ParetoEntry> pareto, (double[,] X, double[] Y) valid, double tolerance)
    {
        var mse = pareto.Select(e =>
        {
            var p = e.Expression.Evaluate(valid.X);
            double s = 0;
            for (int k = 0; k < p.Length; k++) s += (p[k] - valid.Y[k]) * (p[k] - valid.Y[k]);
            s /= Math.Max(1, p.Length);
            return double.IsFinite(s) ? s : double.PositiveInfinity;
        }).ToArray();
        double best = mse.Min();
        for (int k = 0; k < pareto.Count; k++)
            if (mse[k] <= (1 + tolerance) * best) return pareto[k];
        return pareto[^1];
    }

    static double[] Column(double[,] x, int column)
    {
        var c = new double[x.GetLength(0)];
        for (int k = 0; k < c.Length; k++) c[k] = x[k, column];
        return c;
    }

    static long[] SampleEdges(long edges, int count, int seed)
    {
        var rng = new Random(seed);
        if (edges <= count) return Enumerable.Range(0, (int)edges).Select(e => (long)e).ToArray();
        var set = new HashSet<long>();
        while (set.Count < count) set.Add(rng.NextInt64(edges));
        return set.Order().ToArray();
    }

    /// <summary>Messages of the sampled edges and their (r, mj) in catalogue units.</summary>
    static (double[,] Messages, double[,] Pairs) RecordMessages(HaloNetwork network, Graph g, long[] sample)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var s = sample.Select(e => g.Senders[e]).ToArray();
        var r = sample.Select(e => g.Receivers[e]).ToArray();
        var msg = network.Messages(g.Nodes, tensor(s), tensor(r)).to_type(ScalarType.Float64);
        var flat = msg.data<double>().ToArray();
        int m = network.MessageSize;
        var messages = new double[sample.Length, m];
        var pairs = new double[sample.Length, 2];
        var c = g.Catalogue;
        for (int k = 0; k < sample.Length; k++)
        {
            for (int j = 0; j < m; j++) messages[k, j] = flat[k * m + j];
            pairs[k, 0] = Distance(c, (int)s[k], (int)r[k]);
            pairs[k, 1] = c.Mass[s[k]];
        }
        return (messages, pairs);
    }

    static double Distance(HaloCatalogue c, int i, int j)
    {
        double d2 = 0;
        for (int a = 0; a < 3; a++) { double d = c.Positions[3 * i + a] - c.Positions[3 * j + a]; d2 += d * d; }
        return Math.Sqrt(d2);
    }

    /// <summary>Σ over incoming edges of the pair formula, per halo.</summary>
    static double[] SumPairFormula(Graph g, Expression formula)
    {
        var c = g.Catalogue;
        long edges = g.Senders.LongLength;
        var sums = new double[c.Count];
        const int chunk = 1 << 16;
        for (long start = 0; start < edges; start += chunk)
        {
            int len = (int)Math.Min(chunk, edges - start);
            var x = new double[len, 2];
            for (int k = 0; k < len; k++)
            {
                long e = start + k;
                x[k, 0] = Distance(c, (int)g.Senders[e], (int)g.Receivers[e]);
                x[k, 1] = c.Mass[g.Senders[e]];
            }
            var v = formula.Evaluate(x);
            for (int k = 0; k < len; k++) sums[g.Receivers[start + k]] += v[k];
        }
        return sums;
    }
}
