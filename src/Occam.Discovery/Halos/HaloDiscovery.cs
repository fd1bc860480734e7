using System.Diagnostics;
using Occam.Graphs;
using Occam.Physics.Halos;
using Occam.Symbolic;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Discovery.Halos;

/// <summary>
/// Options of <see cref="HaloDistillation.Run"/>. Defaults take a few minutes on 2 cores for the default 4,000-halo
/// synthetic catalogue; for 100,000+ halos raise <see cref="HaloCatalogueOptions.Count"/> (and <see cref="Steps"/>):
/// memory grows with the number of edges, the time per step with <see cref="HalosPerBatch"/>.
/// </summary>
public sealed record HaloDiscoveryOptions
{
    /// <summary>The synthetic catalogue (ignored when a catalogue is passed in).</summary>
    public HaloCatalogueOptions Catalogue { get; init; } = new();
    /// <summary>Radius of the neighbour graph; null = the synthetic law's radius (0.1 by default).</summary>
    public double? Radius { get; init; }
    /// <summary>Message components (the L1 prior should leave one significant).</summary>
    public int MessageSize { get; init; } = 8;
    /// <summary>Hidden layer widths of the edge and node MLPs.</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [64, 64];
    /// <summary>Optimizer steps; each step trains on one spatial sub-volume.</summary>
    public int Steps { get; init; } = 5000;
    /// <summary>Peak learning rate of the one-cycle schedule (Adam).</summary>
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>Weight of the L1 prior on messages (mean over edges of Σ|message|).</summary>
    public double L1 { get; init; } = 1.0;
    /// <summary>Target number of halos per spatial sub-volume (batch); the box is cut into ⌈(N/this)^⅓⌉³ cells.</summary>
    public int HalosPerBatch { get; init; } = 500;
    /// <summary>Fraction of halos with the largest δ held out of training (the out-of-distribution test).</summary>
    public double HoldOutFraction { get; init; } = 0.2;
    /// <summary>Edges whose messages are fitted by symbolic regression.</summary>
    public int AnalysisEdges { get; init; } = 3000;
    /// <summary>Pairs of a fresh catalogue on which the recovered pair function is scored.</summary>
    public int FreshPairs { get; init; } = 5000;
    /// <summary>Halos used to fit the node formula.</summary>
    public int NodeFitHalos { get; init; } = 2000;
    /// <summary>
    /// Rounds of each of the two symbolic regressions (a round evolves every island once). A fixed number of rounds
    /// makes the searches, and so the whole run, deterministic whatever the thread count or the machine's load; 40
    /// rounds take ≈ 50 s on one thread of the 2-core development machine.
    /// </summary>
    public int SymbolicRounds { get; init; } = 40;
    /// <summary>Wall-clock cap of each symbolic regression; a search that reaches it stops early and its result then
    /// depends on the machine's speed and load.</summary>
    public TimeSpan SymbolicTimeLimit { get; init; } = TimeSpan.FromSeconds(300);
    /// <summary>Maximum complexity of the symbolic expressions.</summary>
    public int SymbolicMaxSize { get; init; } = 20;
    /// <summary>Seed of the network initialisation, batch order and searches.</summary>
    public int Seed { get; init; }
    /// <summary>Threads for symbolic regression (null = all).</summary>
    public int? Threads { get; init; }

    /// <summary>Checks every option; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Catalogue);
        if (Radius is double r && (!(r > 0) || !double.IsFinite(r))) throw new ArgumentException($"halos: radius must be positive (got {r}).");
        if (MessageSize < 1) throw new ArgumentException($"halos: message size must be at least 1 (got {MessageSize}).");
        if (Hidden is null || Hidden.Count == 0 || Hidden.Any(h => h < 1)) throw new ArgumentException("halos: hidden widths must be positive.");
        if (Steps < 1) throw new ArgumentException($"halos: steps must be at least 1 (got {Steps}).");
        if (!(LearningRate > 0)) throw new ArgumentException($"halos: learning rate must be positive (got {LearningRate}).");
        if (!(L1 >= 0)) throw new ArgumentException($"halos: L1 weight must be ≥ 0 (got {L1}).");
        if (HalosPerBatch < 1) throw new ArgumentException($"halos: halos per batch must be at least 1 (got {HalosPerBatch}).");
        if (!(HoldOutFraction is > 0 and < 1)) throw new ArgumentException($"halos: hold-out fraction must be in (0, 1) (got {HoldOutFraction}).");
        if (AnalysisEdges < 10 || FreshPairs < 10 || NodeFitHalos < 10) throw new ArgumentException("halos: analysis edges, fresh pairs and node-fit halos must be at least 10.");
        if (SymbolicRounds < 1) throw new ArgumentException($"halos: symbolic rounds must be at least 1 (got {SymbolicRounds}).");
        if (!(SymbolicTimeLimit > TimeSpan.Zero)) throw new ArgumentException($"halos: symbolic time limit must be positive (got {SymbolicTimeLimit}).");
        if (SymbolicMaxSize < 3) throw new ArgumentException($"halos: symbolic max size must be at least 3 (got {SymbolicMaxSize}).");
    }
}

/// <summary>One row of the out-of-distribution table: mean absolute error of δ on the training halos (lowest δ) and
/// on the held-out halos (largest δ).</summary>
/// <param name="Model">"graph network", "recovered formula" or "planted law".</param>
/// <param name="TrainMae">Mean |δ_pred − δ| over the training halos.</param>
/// <param name="HeldOutMae">Mean |δ_pred − δ| over the held-out halos.</param>
public sealed record HaloOodRow(string Model, double TrainMae, double HeldOutMae);

/// <summary>
/// Pairs behind the pair-formula plots: the fresh pairs for a synthetic catalogue (with the planted pair term), the
/// analysis edges for a real one (<see cref="Planted"/> null). Distances and masses in catalogue units.
/// </summary>
/// <param name="R">Distance of each pair.</param>
/// <param name="Mj">Sender (neighbour) mass of each pair.</param>
/// <param name="Message">The significant message component on each pair.</param>
/// <param name="Planted">The planted pair term on each pair; null for a real catalogue.</param>
/// <param name="Formula">The distilled pair function ê on each pair.</param>
public sealed record HaloPairSample(double[] R, double[] Mj, double[] Message, double[]? Planted, double[] Formula);

/// <summary>True δ, GN and recovered-formula predictions of every halo, and whether it was held out of training.</summary>
/// <param name="Truth">The catalogue's δ.</param>
/// <param name="Network">The graph network's δ.</param>
/// <param name="Formula">The recovered node formula's δ.</param>
/// <param name="HeldOut">True for halos held out of training.</param>
public sealed record HaloDeltaSample(double[] Truth, double[] Network, double[] Formula, bool[] HeldOut);

/// <summary>Everything <see cref="HaloDistillation.Run"/> found.</summary>
public sealed record HaloDiscoveryResult
{
    /// <summary>The options the run used.</summary>
    public required HaloDiscoveryOptions Options { get; init; }
    /// <summary>"synthetic" or the file name.</summary>
    public required string Source { get; init; }
    /// <summary>Number of halos in the catalogue (training and held-out).</summary>
    public required int Halos { get; init; }
    /// <summary>Directed edges of the neighbour graph: ordered pairs of halos at distance ≤ <see cref="Radius"/>.</summary>
    public required long Edges { get; init; }
    /// <summary>Number of non-empty spatial sub-volumes the catalogue was cut into (the training batches).</summary>
    public required int SubVolumes { get; init; }
    /// <summary>Radius of the neighbour graph, in catalogue units (the option's, else the synthetic law's).</summary>
    public required double Radius { get; init; }
    /// <summary>δ above which halos were held out.</summary>
    public required double HoldOutThreshold { get; init; }
    /// <summary>Training loss (L1 error of the standardised δ plus the L1 prior), averaged over every Steps/100 steps.</summary>
    public required IReadOnlyList<LossPoint> LossCurve { get; init; }
    /// <summary>Standard deviation of each message component over the analysis edges (length MessageSize).</summary>
    public required double[] MessageStd { get; init; }
    /// <summary>Index of the significant (largest-std) message component.</summary>
    public required int Component { get; init; }
    /// <summary>Fraction of the total message variance in the significant component.</summary>
    public required double ComponentVarianceFraction { get; init; }
    /// <summary>R² of an affine fit of the significant message component to the true pair term, on fresh pairs (synthetic only).</summary>
    public double? MessageR2 { get; init; }
    /// <summary>The distilled pair function ê(r, mj) (symbolic regression on the significant component).</summary>
    public required ParetoEntry PairFormula { get; init; }
    /// <summary>The Pareto front of the pair search, in catalogue units.</summary>
    public required IReadOnlyList<ParetoEntry> PairPareto { get; init; }
    /// <summary>R² of an affine fit of the distilled pair function to the true pair term, on fresh pairs (synthetic only).</summary>
    public double? PairFormulaR2 { get; init; }
    /// <summary>The distilled node function δ(e, mi), e = Σ ê over neighbours.</summary>
    public required ParetoEntry NodeFormula { get; init; }
    /// <summary>The Pareto front of the node search.</summary>
    public required IReadOnlyList<ParetoEntry> NodePareto { get; init; }
    /// <summary>GN, recovered formula and (synthetic only) the planted law.</summary>
    public required IReadOnlyList<HaloOodRow> Ood { get; init; }
    /// <summary>The planted law (synthetic only).</summary>
    public HaloLaw? Law { get; init; }
    /// <summary>Pairs with message, formula and (synthetic) planted pair term, for the plots.</summary>
    public HaloPairSample? Pairs { get; init; }
    /// <summary>Per-halo δ: truth, GN and formula, for the plots.</summary>
    public HaloDeltaSample? Deltas { get; init; }
    /// <summary>Wall-clock seconds of the training loop.</summary>
    public required double TrainSeconds { get; init; }
    /// <summary>Wall-clock seconds of the whole run.</summary>
    public required double Seconds { get; init; }
    /// <summary>Peak working set of the process at the end of the run.</summary>
    public required long PeakWorkingSetBytes { get; init; }
}

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
        var pairSr = SymbolicRegression.Fit(scaledX, y, PairSearchOptions(options, progress) with { Cancel = cancel });
        cancel.ThrowIfCancellationRequested();
        var pairPareto = pairSr.Pareto.Select(e => InCatalogueUnits(e, radius)).ToList();
        var pairFormula = InCatalogueUnits(pairSr.Best, radius);

        // Fresh pairs: message and formula against the planted pair term.
        double? messageR2 = null, formulaR2 = null;
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
                pairs = new HaloPairSample(Column(fx, 0), Column(fx, 1), Column(fm, component), truth, formula);
            }
        }
        pairs ??= new HaloPairSample(Column(pairX, 0), Column(pairX, 1), y, null, pairFormula.Expression.Evaluate(pairX));

        // Node formula: δ(Σ ê, mi), fitted on training halos.
        var eHat = SumPairFormula(graph, pairFormula.Expression);
        var nodeRng = new Random(options.Seed + 29);
        var shuffled = trainIdx.OrderBy(_ => nodeRng.Next()).ToArray();
        var fitIdx = shuffled.Take(options.NodeFitHalos).ToArray();
        var validIdx = shuffled.Skip(fitIdx.Length).Take(options.NodeFitHalos).ToArray();
        if (validIdx.Length < 10) validIdx = fitIdx;
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
            PairPareto = pairPareto, PairFormulaR2 = formulaR2, NodeFormula = nodeFormula, NodePareto = nodeSr.Pareto,
            Ood = rows, Law = law, Pairs = pairs, Deltas = new HaloDeltaSample(catalogue.Delta, gnDelta, formulaDelta, isHeld),
            TrainSeconds = trainSeconds, Seconds = total.Elapsed.TotalSeconds,
            PeakWorkingSetBytes = Process.GetCurrentProcess().PeakWorkingSet64,
        };
    }

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
