using Occam.Physics;
using Occam.Symbolic;

namespace Occam.Discovery;

/// <summary>
/// The distil stage: symbolic regression on recorded messages. On the force frame's signed magnitude when the significant
/// components behave like a central force (one search gives every axis), else on each component.
/// </summary>
public static class DistilStage
{
    /// <summary>The symbolic regression settings of one search (a message component, or the force frame's magnitude).</summary>
    /// <param name="options">The run's settings: maximum size, rounds, time limit, threads and seed.</param>
    /// <param name="system">The particle system: its <see cref="DiscoverySystem.BinaryOperators"/> unless the options set
    /// <see cref="DiscoveryOptions.SymbolicOperators"/> (null: + − × ÷).</param>
    /// <param name="dim">Spatial dimension.</param>
    /// <param name="names">Names of the search's input variables.</param>
    /// <param name="component">Index of the search among the run's searches; the seed is Seed·31 + component.</param>
    /// <param name="aligned">True for the force frame's magnitude, a function of r, masses and charges; a raw component
    /// also mixes the coordinates, so in 3D it gets <see cref="DiscoveryOptions.SymbolicMaxSizeExtra3D"/> more nodes.</param>
    /// <param name="operators">The operators instead of the options' or the system's (null: those).</param>
    public static SymbolicRegressionOptions SearchOptions(DiscoveryOptions options, DiscoverySystem? system, int dim, string[] names,
        int component, bool aligned = false, IReadOnlyList<string>? operators = null)
    {
        var search = new SymbolicRegressionOptions
        {
            VariableNames = names,
            MaxSize = options.SymbolicMaxSize + (dim == 3 && !aligned ? DiscoveryOptions.SymbolicMaxSizeExtra3D : 0),
            Seed = options.Seed * 31 + component,
            TimeLimit = options.SymbolicTimeLimit,
            MaxRounds = options.SymbolicRounds,
            Threads = options.Threads,
            IslandRunner = options.SymbolicIslandRunner,
            PlateauRounds = null,
            Loss = LossKind.L1, // the paper fits by mean absolute error; robust to the network's outliers
            // The paper's selection: the largest −Δln(loss)/Δcomplexity. PySR's "best" also requires loss ≤ 1.5× the front's
            // minimum, which excludes the law whenever larger forms fit the network's own imperfections (softened 1/r²
            // near r = 0, receiver-mass blends) by more than that: then it selected them over m2/r² and q1·q2/r².
            ModelSelection = ModelSelection.Score,
            NormaliseQuotients = false, TaylorCollapse = false, // the tables of docs/discover.md were measured without them
        };
        search = search.WithOperators(operators ?? options.SymbolicOperators ?? system?.BinaryOperators ?? ["+", "-", "*", "/"]);
        return search with { NestedConstraints = SymbolicRegressionOptions.TranscendentalNesting(search.UnaryOperators) };
    }

    /// <summary>
    /// The symbolic regression of a recorded, analysed set of messages: on the force frame's signed magnitude when the
    /// significant components behave like a central force, else on each component. The recovery check is the judge's
    /// (<see cref="JudgeStage"/>); the result's says "no known law" until then.
    /// </summary>
    public static DistillationResult Run(MessageRecord record, MessageAnalysisResult analysis, DiscoverySystem? system, bool hamiltonian,
        DiscoveryOptions options, IProgress<DiscoveryProgress>? progress = null, CancellationToken cancel = default)
    {
        var significant = analysis.Significant;
        var coordinates = record.FeatureNames.Take(record.Dim).ToArray();
        ForceFrame? frame = null;
        if (!hamiltonian && significant.Length == record.Dim)
        {
            // The significant components alone when they make a central force; else gather it from the next ones too.
            // (Extra components are not the first choice: any mixture of F and F/m1 is central too, so they can blend laws.)
            var delta = FeatureColumns(record, Enumerable.Range(0, record.Edges).ToArray(), coordinates.Contains).Features;
            ForceFrame FitOn(int[] components) => ForceFrame.Fit(Columns(record, components), delta) with { Components = components };
            frame = FitOn(significant.Select(c => c.Component).ToArray());
            if (!frame.Usable && FrameComponents(analysis, record.Dim) is { } extended && extended.Length > significant.Length)
                frame = FitOn(extended);
        }
        DistilledComponent[] components;
        RadialDistillation? radial = null;
        Expression? softenedPotential = null;
        IReadOnlyList<string> baseOperators = system?.BinaryOperators ?? ["+", "-", "*", "/"];
        var rows = Enumerable.Range(0, record.Edges).Where(i => record.Features[i, record.Dim] >= options.SearchMinDistance).ToArray();
        if (rows.Length < record.Edges / 2) rows = Enumerable.Range(0, record.Edges).ToArray(); // data on another length scale
        if (frame is { Usable: true })
        {
            var values = frame.Apply(Columns(record, frame.Components));
            var magnitude = Magnitude(values, record);
            // A central force's magnitude is a function of the rotation invariants: the coordinates are left out. Its r is the
            // softened distance, the one the simulator's law is a function of (see AccelerationJudge).
            var (features, names) = FeatureColumns(record, rows, name => !coordinates.Contains(name), softened: true);
            var scale = options.ReceiverScaledSearch ? new ReceiverScale(rows.Select(i => record.ReceiverMass[i]).ToArray()) : null;
            var search = RadialSearch(features, names, magnitude, scale?.Loss);
            var judge = AccelerationJudge.Create(record, options.SearchMinDistance);
            radial = Radial(record, magnitude, search, options.SeparateReceiverFactor, scale, rows, judge,
                judge is null || options.RefineRounds <= 0 ? null : () => Refine(features, names, magnitude, search, judge, scale?.Loss));
            // The messages keep the receiver factor: an expression in h, or the fitted s(m1) times the law.
            components = radial.Scale is { } fit
                ? Compose(record, significant, values, AxesOf(radial.Law, record), fit)
                : Compose(record, significant, values, AxesOf(radial.Magnitude, record));
        }
        else if (hamiltonian)
        {
            // The pair energy is a function of the rotation invariants, the simulator's potential one of the softened
            // distance: the search's r is that distance, and the equation on the pair features writes it out as r + ε.
            // As for the force law, the operator families' fronts are pooled and the accelerations choose: each candidate
            // potential U by the central force −dU/dr it exerts (AccelerationJudge), its constants refitted there.
            var (features, names) = FeatureColumns(record, rows, name => !coordinates.Contains(name), softened: true);
            var judge = AccelerationJudge.Create(record, options.SearchMinDistance, potential: true);
            components = new DistilledComponent[significant.Length];
            for (int i = 0; i < significant.Length; i++)
            {
                var energy = MessageRecord.Column(record.Messages, significant[i].Component);
                var search = PooledSearch(features, names, energy, null, $"pair energy (component {significant[i].Component})");
                var (entry, law) = SelectPotential(record, search, judge);
                softenedPotential ??= law;
                components[i] = new DistilledComponent(significant[i], entry with { Expression = record.OnPairFeatures(law) }, search);
            }
        }
        else
        {
            var (features, names) = FeatureColumns(record, rows, _ => true);
            var searches = Search(features, names, significant.Length, i => MessageRecord.Column(record.Messages, significant[i].Component),
                i => $"component {significant[i].Component}", aligned: false, loss: null);
            components = significant.Select((fit, i) => new DistilledComponent(fit, searches[i].Best, searches[i])).ToArray();
        }
        return new DistillationResult(record, analysis, components,
            new RecoveryCheck(false, [], false, false, [], "no known law to compare with"), frame, radial, softenedPotential);

        // The law of the frame's magnitude: with the options' operators one search; by default one with the system's operators
        // and one more with those and each unary family, the judge choosing among all their fronts, which are pooled here
        // (sorted by complexity, then loss; no longer one front).
        SymbolicRegressionResult RadialSearch(double[,] features, string[] names, double[] magnitude, CustomLoss? loss) =>
            PooledSearch(features, names, magnitude, loss, "signed magnitude h = u·Δx/r");

        SymbolicRegressionResult PooledSearch(double[,] features, string[] names, double[] target, CustomLoss? loss, string label)
        {
            var families = options.SymbolicOperators is not null ? [null]
                : new IReadOnlyList<string>?[] { baseOperators }.Concat(DiscoverySystem.UnaryFamilies.Select(u => (IReadOnlyList<string>?)[.. baseOperators, u])).ToArray();
            var results = families.Select((ops, k) => Search(features, names, 1, _ => target,
                _ => $"{label}{(ops is null || k == 0 ? "" : $" ({ops[^1]})")}", aligned: true, loss, ops, k, families.Length)[0]).ToArray();
            if (results.Length == 1) return results[0];
            var pooled = results.SelectMany(r => r.Pareto).OrderBy(e => e.Complexity).ThenBy(e => e.Loss).ToArray();
            return new SymbolicRegressionResult(pooled, results[0].Best, results.Sum(r => r.Evaluations), results.Sum(r => r.Rounds),
                TimeSpan.FromTicks(results.Sum(r => r.Elapsed.Ticks)), results[0].StopReason);
        }

        // The refinement on the accelerations: searches whose loss is the judge's (not floored: the law lies far below the
        // floor, lookalikes near it). The first searches the force law warm-started from the messages' front, fitting each
        // candidate's constants to the accelerations (AccelerationJudge.FitConstants; with the messages' constants the law
        // itself scores 90–1,700× the floor), and optimises few children, for that fit is costly. The second, run when the first
        // ends above its threshold, searches the pair potential U instead (PotentialSearch). The third, run when both end above
        // it, searches the force law again, fitting constants to the messages. Potential matrix, seed 0, 20 rounds each, seeds
        // 1, 3, 4: the first found hyperbolic and lorentzian 2 of 3 times and morse never, the third each 1 of 4; the potential
        // search (the messages' law integrated) found morse, yukawa, quartic, lorentzian and hyperbolic at seed 1, and yukawa at
        // seeds 1–7. Their fronts are pooled; each entry carries its loss on the messages, like the others, and a potential's
        // entry its U.
        RefinementFront Refine(double[,] features, string[] names, double[] target, SymbolicRegressionResult messages,
            AccelerationJudge judge, CustomLoss? messageLoss)
        {
            var operators = options.SymbolicOperators
                ?? [.. baseOperators, .. DiscoverySystem.UnaryFamilies, .. RefineUnary];
            var y = rows.Select(row => target[row]).ToArray();
            var prepared = new EvaluationRows(features);
            int r = Array.IndexOf(names, "r");
            double threshold = RefineThreshold * judge.Floor;
            var passes = new List<(SymbolicRegressionResult Result, bool Potential)>();
            bool Reached() => passes.Any(p => p.Result.Pareto.Count > 0 && p.Result.Pareto.Min(e => e.Loss) <= threshold);
            SymbolicRegressionOptions Options(int index, IReadOnlyList<string> ops, int rounds, string label) =>
                SearchOptions(options, system, record.Dim, names, RefineSeed + index, aligned: true, ops) with
                {
                    MaxRounds = rounds,
                    Cancel = cancel,
                    Progress = progress is null ? null : new Progress<SymbolicRegressionProgress>(p => progress.Report(new DiscoveryProgress(
                        "symbolic regression", Math.Min(1, (double)p.Round / rounds), $"refinement on the accelerations ({label}): {p.Best}"))),
                };
            SymbolicRegressionResult Run(double[,] x, double[] t, SymbolicRegressionOptions sr)
            {
                var result = SymbolicRegression.Fit(x, t, sr);
                cancel.ThrowIfCancellationRequested();
                return result;
            }
            passes.Add((ForceSearch(judgeConstants: true), false));
            if (!Reached() && PotentialSearch() is { } potential) passes.Add((potential, true));
            if (!Reached()) passes.Add((ForceSearch(judgeConstants: false), false));

            SymbolicRegressionResult ForceSearch(bool judgeConstants) => Run(features, y, Options(judgeConstants ? 0 : 1, operators,
                options.RefineRounds, judgeConstants ? "constants fitted there" : "constants fitted to the messages") with
            {
                WarmStart = messages.Pareto.Select(e => e.Expression).ToArray(),
                CustomLoss = (predictions, _, _) => judge.Loss(OnEdges(predictions)),
                ConstantFit = judgeConstants ? law => judge.FitConstants(law, e => OnEdges(e.Evaluate(prepared))) : null,
                OptimizeChildProbability = judgeConstants ? RefineOptimizeProbability : new SymbolicRegressionOptions().OptimizeChildProbability,
                LossThreshold = threshold,
            });

            // The refinement's search on the pair potential U(r, masses, charges), whose central force −dU/dr the judge scores: a
            // conservative force's potential is often far simpler than the force (morse's U = (1 − e^(1−r))² is 7 nodes, its
            // force 11; yukawa's q1·q2·e^(−r)/r 8 against 15). From random forms the search finds it rarely, for the judge's
            // constant fit converges only near the law's constants (morse: from a zero crossing within ≈ 0.2 of r = 1). So it is
            // warm-started from searches on the first pass's best law integrated along r, U = −∫ h dr (least squares, one per
            // unary family with square and cube), which fit constants as any search does. Its loss takes −dU/dr by central
            // differences: every row is evaluated at r·(1 ± δ). Morse's network (potential matrix, seed 0), searches seeded 3 to
            // 9: integrating the messages' best law (1 − R² 0.097 against the true U; absolute error) found morse at none of
            // seeds 3–8; integrating the first pass's best (1 − R² 10⁻⁸) by least squares at 3 of 7, by absolute error at 1.
            SymbolicRegressionResult? PotentialSearch()
            {
                int rounds = options.RefineRounds;
                // the integrand: the most accurate law on the accelerations that the first pass found (its constants fitted
                // there), else on the messages
                var integrands = passes.SelectMany(p => p.Result.Pareto.OrderBy(e => e.Loss)).Concat(messages.Pareto.OrderBy(e => e.Loss))
                    .Select(e => e.Expression);
                if (r < 0 || IntegratedForce(features, r, integrands) is not { } energy) return null;
                var families = options.SymbolicOperators is not null ? [options.SymbolicOperators]
                    : DiscoverySystem.UnaryFamilies.Select(u => (IReadOnlyList<string>)[.. baseOperators, .. RefineUnary, u]).ToArray();
                // least squares: the integral is smooth, where the messages scatter
                var integrated = families.Select((ops, k) => Run(features, energy, Options(2 + k, ops, Math.Max(1, rounds / 2),
                    $"the force integrated along r{(options.SymbolicOperators is null ? $" ({ops[^1]})" : "")}") with { Loss = LossKind.L2 })).ToArray();
                int n = features.GetLength(0), width = features.GetLength(1);
                var shifted = new double[2 * n, width]; // rows at r·(1 + δ), then at r·(1 − δ)
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < width; j++)
                    {
                        shifted[i, j] = j == r ? features[i, j] * (1 + PotentialStep) : features[i, j];
                        shifted[n + i, j] = j == r ? features[i, j] * (1 - PotentialStep) : features[i, j];
                    }
                double[] Force(ReadOnlySpan<double> u)
                {
                    var g = new double[record.Edges]; // on the edges, as OnEdges lays out values
                    for (int i = 0; i < n; i++) g[rows[i]] = (u[n + i] - u[i]) / (2 * PotentialStep * features[i, r]);
                    return g;
                }
                var shiftedRows = new EvaluationRows(shifted);
                var sr = Options(2 + families.Length, operators, rounds, "potential U, its force −dU/dr judged") with
                {
                    WarmStart = integrated.SelectMany(i => i.Pareto.Select(e => e.Expression)).ToArray(),
                    CustomLoss = (u, _, _) => judge.Loss(Force(u)),
                    ConstantFit = law => judge.FitConstants(law, e => Force(e.Evaluate(shiftedRows))),
                    OptimizeChildProbability = RefineOptimizeProbability,
                    LossThreshold = threshold,
                };
                var result = Run(shifted, new double[2 * n], sr);
                return result with { Evaluations = result.Evaluations + integrated.Sum(i => i.Evaluations),
                    Elapsed = result.Elapsed + TimeSpan.FromTicks(integrated.Sum(i => i.Elapsed.Ticks)) };
            }

            // Each entry as a force law with its loss on the messages; a potential's as −dU/dr, one node more than U.
            var entries = new List<(ParetoEntry Entry, Expression? Potential)>();
            foreach (var (pass, isPotential) in passes)
                foreach (var e in pass.Pareto)
                {
                    var law = e.Expression;
                    if (isPotential)
                    {
                        // a U without r exerts no force
                        if (!law.Nodes.Contains(Node.Var(r)) || ForceOf(law, r) is not { } force) continue;
                        law = force;
                    }
                    var v = law.Evaluate(prepared);
                    double loss = messageLoss?.Invoke(v, y, []) ?? v.Zip(y, (a, b) => Math.Abs(a - b)).Average();
                    entries.Add((new ParetoEntry(isPotential ? e.Expression.Complexity + 1 : e.Complexity, double.IsFinite(loss) ? loss : double.PositiveInfinity,
                        e.Score, law), isPotential ? e.Expression : null));
                }
            var sorted = entries.OrderBy(c => c.Entry.Complexity).ThenBy(c => c.Entry.Loss).ToArray();
            var pareto = sorted.Select(c => c.Entry).ToArray();
            var front = new SymbolicRegressionResult(pareto, pareto.FirstOrDefault() ?? messages.Best, passes.Sum(p => p.Result.Evaluations),
                passes.Sum(p => p.Result.Rounds), TimeSpan.FromTicks(passes.Sum(p => p.Result.Elapsed.Ticks)),
                string.Join("; ", passes.Select(p => p.Result.StopReason)));
            return new RefinementFront(front, sorted.Select(c => c.Potential).ToArray());
        }

        double[] OnEdges(ReadOnlySpan<double> values)
        {
            var g = new double[record.Edges]; // the judged nodes' edges are all among the rows
            for (int k = 0; k < rows.Length; k++) g[rows[k]] = values[k];
            return g;
        }

        // One search per target, each seeded with the fronts found before it: every target is a linear map of the same force.
        // Search k of n (operator families) is seeded apart from the others and reports its share of the progress.
        SymbolicRegressionResult[] Search(double[,] features, string[] names, int count, Func<int, double[]> target, Func<int, string> label,
            bool aligned, CustomLoss? loss, IReadOnlyList<string>? operators = null, int k = 0, int n = 1)
        {
            var results = new SymbolicRegressionResult[count];
            for (int i = 0; i < count; i++)
            {
                cancel.ThrowIfCancellationRequested();
                int index = i;
                var sr = SearchOptions(options, system, record.Dim, names, i + 1000 * k, aligned, operators) with
                {
                    WarmStart = results.Take(i).SelectMany(r => r.Pareto.Select(e => e.Expression)).ToArray(),
                    CustomLoss = loss,
                    Cancel = cancel, // ends the search at its round; the throw below then stops the pipeline
                    Progress = progress is null ? null : new Progress<SymbolicRegressionProgress>(p =>
                        progress.Report(new DiscoveryProgress("symbolic regression",
                            (k + (index + Math.Min(1, options.SymbolicRounds is int rounds ? (double)p.Round / rounds
                                : p.Elapsed.TotalSeconds / options.SymbolicTimeLimit.TotalSeconds)) / count) / n,
                            $"{label(index)}: {p.Best}"))),
                };
                var y = target(i);
                results[i] = SymbolicRegression.Fit(features, rows.Select(row => y[row]).ToArray(), sr);
                cancel.ThrowIfCancellationRequested();
            }
            return results;
        }
    }

    /// <summary>
    /// The Hamiltonian's pair-energy law: among the search's entries (on the invariants, r softened), the one whose central
    /// force −dU/dr best explains the record's accelerations (<see cref="AccelerationJudge"/>, by PySR's rule on the judge's
    /// losses), with the constants refitted there; the search's own selection where there is no judge. Returns the entry
    /// and its law on the pair features, r still standing for the softened distance.
    /// </summary>
    static (ParetoEntry Entry, Expression Law) SelectPotential(MessageRecord record, SymbolicRegressionResult search, AccelerationJudge? judge)
    {
        var laws = search.Pareto.Select(e => e.Expression.OnVariables(record.FeatureNames)).ToArray();
        if (judge is null)
        {
            int chosen = Array.FindIndex(search.Pareto.ToArray(), e => ReferenceEquals(e, search.Best));
            return (search.Best, laws[Math.Max(0, chosen)]);
        }
        double Loss(Expression potential) => CentralForce(potential, record) is { } force ? judge.Loss(force) : double.PositiveInfinity;
        var refits = laws.Select(law => SymbolicRegression.FitConstants(law, Loss, AccelerationJudge.RefitPasses)).ToArray();
        var judged = refits.Select(r => Math.Max(r.Loss, judge.Floor)).ToArray();
        int best = ParetoSelection.Select(laws.Select(l => l.Complexity).ToArray(), judged, ModelSelection.Best);
        return (search.Pareto[best], refits[best].Expression);
    }

    /// <summary>The signed magnitude −dU/dr of the central force a pair potential U (on the pair features) exerts on the
    /// receiver (Δx = receiver − sender); null when U cannot be differentiated.</summary>
    internal static Expression? CentralForce(Expression potential, MessageRecord record) => ForceOf(potential, record.Dim);

    /// <summary>The force law −dU/dr of a potential U, r being variable <paramref name="r"/>; null when U cannot be
    /// differentiated.</summary>
    internal static Expression? ForceOf(Expression potential, int r)
    {
        try { return (-potential.Differentiate(r)).Simplify(); }
        catch (ArgumentException) { return null; }
        catch (NotSupportedException) { return null; }
    }

    /// <summary>
    /// A force law integrated along r on every row, U = −∫ h dr from the rows' smallest r to the row's (Simpson's rule,
    /// <see cref="IntegrationIntervals"/> intervals), the other variables held at the row's: a pair potential up to a
    /// function of those, whose −dU/dr is h. h is the first of <paramref name="laws"/> that is finite on every row's path;
    /// null when none is.
    /// </summary>
    /// <param name="features">The search's rows (the invariants, r softened).</param>
    /// <param name="r">The column of r.</param>
    /// <param name="laws">Force laws on the same variables, in order of preference.</param>
    internal static double[]? IntegratedForce(double[,] features, int r, IEnumerable<Expression> laws)
    {
        int n = features.GetLength(0), width = features.GetLength(1), m = IntegrationIntervals;
        double start = Enumerable.Range(0, n).Min(i => features[i, r]);
        var path = new double[n * (m + 1), width];
        for (int i = 0; i < n; i++)
            for (int q = 0; q <= m; q++)
                for (int j = 0; j < width; j++)
                    path[i * (m + 1) + q, j] = j == r ? start + (features[i, r] - start) * q / m : features[i, j];
        var rowsOnPath = new EvaluationRows(path);
        foreach (var law in laws)
        {
            var h = law.Evaluate(rowsOnPath);
            if (!h.All(double.IsFinite)) continue;
            var energy = new double[n];
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                for (int q = 0; q <= m; q++) sum += (q == 0 || q == m ? 1 : q % 2 == 1 ? 4 : 2) * h[i * (m + 1) + q];
                energy[i] = -sum * (features[i, r] - start) / (3 * m);
            }
            return energy;
        }
        return null;
    }

    /// <summary>The refinement's front, its entries force laws, and per entry the potential U it is −dU/dr of (null for
    /// laws searched as forces).</summary>
    sealed record RefinementFront(SymbolicRegressionResult Front, Expression?[] Potentials);

    /// <summary>Simpson intervals of <see cref="IntegratedForce"/> (even).</summary>
    const int IntegrationIntervals = 32;

    /// <summary>The relative step δ of the potential search's central differences: −dU/dr ≈ (U(r(1 − δ)) − U(r(1 + δ)))/(2δr),
    /// its truncation error ≈ δ²r²·U‴/6, 10⁻¹⁰ relative, and its rounding ≈ 10⁻¹⁶/δ, both far below the judge's floor.</summary>
    const double PotentialStep = 1e-5;

    /// <summary>The share of children whose constants the refinement's searches fit to the accelerations (the fit is costly).</summary>
    const double RefineOptimizeProbability = 0.02;

    /// <summary>The unary operators the refinement on the accelerations has beyond the message searches' (with
    /// <see cref="DiscoverySystem.UnaryFamilies"/>): powers, which otherwise take two or three nodes more. Potential matrix,
    /// seed 0, 20 rounds: the lorentzian's c/(r·square(1/r + r)) and the quartic's cube(1 − r) reach the judge's floor;
    /// without them 40 rounds did not.</summary>
    public static readonly string[] RefineUnary = ["square", "cube"];

    /// <summary>The refinement's search index in <see cref="SearchOptions"/> (its seeds Seed·31 + this, and + 1).</summary>
    const int RefineSeed = 3000;

    /// <summary>The refinement stops at the round where a law's loss on the accelerations is at most this fraction of the
    /// judge's floor: the laws it found in the potential matrix scored 0.0035–0.009 of it, the closest lookalikes 1.4 and
    /// more.</summary>
    const double RefineThreshold = 0.01;

    /// <summary>At most this many components per dimension feed the force frame.</summary>
    public const int FrameComponentsPerDim = 3;

    /// <summary>The components that feed the force frame when the significant ones alone are not central: those, then the
    /// next by rank (at most <see cref="FrameComponentsPerDim"/>·dim in all) whose standard deviation is at least 5 % of the
    /// largest. L1 messages that are not yet sparse spread the force over more components than the dimension; the frame
    /// gathers it back.</summary>
    static int[] FrameComponents(MessageAnalysisResult analysis, int dim)
    {
        var significant = analysis.Significant.Select(c => c.Component).ToArray();
        double top = significant.Max(j => analysis.Std[j]);
        var extra = analysis.Ranking.Where(j => !significant.Contains(j) && analysis.Std[j] >= 0.05 * top);
        return significant.Concat(extra).Take(FrameComponentsPerDim * dim).ToArray();
    }

    static double[,] Columns(MessageRecord record, int[] components)
    {
        var columns = new double[record.Edges, components.Length];
        for (int i = 0; i < record.Edges; i++)
            for (int j = 0; j < components.Length; j++) columns[i, j] = record.Messages[i, components[j]];
        return columns;
    }

    /// <summary>The record's pair features on <paramref name="rows"/>, the columns whose names <paramref name="use"/> accepts,
    /// and their names; with <paramref name="softened"/>, r is the softened distance (<see cref="MessageRecord.Softening"/>).</summary>
    static (double[,] Features, string[] Names) FeatureColumns(MessageRecord record, int[] rows, Func<string, bool> use, bool softened = false)
    {
        var keep = Enumerable.Range(0, record.FeatureNames.Length).Where(j => use(record.FeatureNames[j])).ToArray();
        var features = new double[rows.Length, keep.Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < keep.Length; j++)
                features[i, j] = record.Features[rows[i], keep[j]] + (softened && keep[j] == record.Dim ? record.Softening : 0);
        return (features, keep.Select(j => record.FeatureNames[j]).ToArray());
    }

    /// <summary>The signed magnitude v·Δx / r of a vector per edge, <paramref name="values"/> (edges × dim): the axes' h,
    /// or the true force's.</summary>
    internal static double[] Magnitude(double[,] values, MessageRecord record)
    {
        int dim = record.Dim;
        var h = new double[record.Edges];
        for (int i = 0; i < record.Edges; i++)
        {
            double dot = 0;
            for (int a = 0; a < dim; a++) dot += values[i, a] * record.Features[i, a];
            h[i] = dot / record.Features[i, dim];
        }
        return h;
    }

    /// <summary>R² of the magnitude against the true force's (F·Δx / r, and per receiver mass) and the axes' equations.</summary>
    /// <param name="record">The recorded messages and pair features.</param>
    /// <param name="magnitude">The messages' signed magnitude h along the force frame, one per recorded edge.</param>
    /// <param name="search">The search on h, whose front is selected from.</param>
    /// <param name="separate">Split each entry into a receiver-mass factor and the law (<see cref="DiscoveryOptions.SeparateReceiverFactor"/>).</param>
    /// <param name="rows">The recorded edges the search fitted.</param>
    /// <param name="scale">The receiver scale the search's loss fitted (null: none); fitted again here for the selection,
    /// on the search's <paramref name="rows"/>.</param>
    /// <param name="judge">Judges the front's laws on the accelerations, and then selects (null: the score on the search's
    /// loss selects).</param>
    /// <param name="refine">The refinement on the accelerations, run when no law of the search's front reaches the judge's
    /// floor; its front joins the candidates (null: none).</param>
    static RadialDistillation Radial(MessageRecord record, double[] magnitude, SymbolicRegressionResult search, bool separate,
        ReceiverScale? scale, int[] rows, AccelerationJudge? judge, Func<RefinementFront>? refine = null)
    {
        var trueMagnitude = Magnitude(record.Force, record);
        var force = new double[record.Edges, 1];
        var perMass = new double[record.Edges, 1];
        for (int i = 0; i < record.Edges; i++)
        {
            force[i, 0] = trueMagnitude[i];
            perMass[i, 0] = trueMagnitude[i] / record.ReceiverMass[i];
        }
        // The search indexes the invariants only; each entry of its front, on the pair features, split into factor and law.
        (Expression H, (Expression? Factor, Expression Remainder) Split) SplitOf(ParetoEntry e)
        {
            var h = e.Expression.OnVariables(record.FeatureNames);
            return (h, separate ? h.SplitFactor(j => record.FeatureNames[j] == "m1") : (null, h));
        }
        (Expression H, (Expression? Factor, Expression Remainder) Split) Whole(ParetoEntry e)
        {
            var h = e.Expression.OnVariables(record.FeatureNames);
            return (h, (null, h));
        }
        var splits = search.Pareto.Select(SplitOf).ToArray();
        // The messages hold the network's flaws (a smoothed jump, a softened core), which forms that copy them fit better than
        // the law; the accelerations do not. So the judge's losses select, by PySR's rule: forms within 1.5× of the best.
        var refits = judge is null ? null : splits.Select(s => judge.Refit(s.Split.Remainder)).ToArray();
        var lawComplexity = splits.Select(s => s.Split.Remainder.Complexity).ToArray();
        SymbolicRegressionResult? refinement = null;
        Expression?[]? potentials = null;
        if (refits is not null && refine is not null && !(refits.Min(f => f.Loss) <= judge!.Floor))
        {
            // No law of the messages' front is exact on the accelerations: the refinement's front joins the candidates. A law
            // found as a potential's −dU/dr counts U's complexity and one node, and keeps its factors.
            var (front, fromPotential) = refine();
            refinement = front;
            var added = front.Pareto.Select((e, i) => fromPotential[i] is null ? SplitOf(e) : Whole(e)).ToArray();
            var pooled = search.Pareto.Select((e, i) => (Entry: e, Split: splits[i], Refit: refits[i], Complexity: lawComplexity[i], Potential: (Expression?)null))
                .Concat(front.Pareto.Select((e, i) => (Entry: e, Split: added[i], Refit: judge.Refit(added[i].Split.Remainder),
                    Complexity: fromPotential[i] is null ? added[i].Split.Remainder.Complexity : e.Complexity, Potential: fromPotential[i])))
                .OrderBy(c => c.Entry.Complexity).ThenBy(c => c.Entry.Loss).ToArray();
            search = search with { Pareto = pooled.Select(c => c.Entry).ToArray(), Evaluations = search.Evaluations + front.Evaluations,
                Elapsed = search.Elapsed + front.Elapsed };
            splits = pooled.Select(c => c.Split).ToArray();
            refits = pooled.Select(c => c.Refit).ToArray();
            lawComplexity = pooled.Select(c => c.Complexity).ToArray();
            potentials = pooled.Select(c => c.Potential).ToArray();
        }
        var judged = refits?.Select(f => Math.Max(f.Loss, judge!.Floor)).ToArray();
        int best = judged is not null ? ParetoSelection.Select(lawComplexity, judged, ModelSelection.Best)
            : separate ? SelectByLaw(search.Pareto, lawComplexity) : IndexOf(search.Pareto, search.Best);
        var (selected, (factor, law)) = splits[best];
        if (refits is not null)
        {
            // The law keeps the constants it was judged with: fitted to the data, not to the network's flaws; and it drops
            // what the accelerations do not need.
            law = Pruned(refits[best].Law, refits[best].Loss, judge!);
            selected = factor is null ? law : factor * law;
        }
        ReceiverScaleFit? scaleFit = null;
        if (scale is not null)
        {
            var x = FeatureColumns(record, rows, _ => true, softened: true).Features;
            var h = rows.Select(i => magnitude[i]).ToArray();
            if (refits is null)
            {
                // The selection's constants polished under the search's own loss, then split again.
                selected = scale.RefitConstants(selected, x, h);
                (factor, law) = separate ? selected.SplitFactor(j => record.FeatureNames[j] == "m1") : (null, selected);
            }
            scale.MeanAbsoluteResidual(law.Evaluate(x), h, out var values);
            scaleFit = new ReceiverScaleFit(scale.KnotMasses, values);
        }
        // The laws so far are in the softened distance; on the pair features r becomes r + ε.
        var softened = law;
        (selected, law) = (record.OnPairFeatures(selected), record.OnPairFeatures(law));
        return new RadialDistillation(search, LinearFit.Fit(force, magnitude).R2, LinearFit.Fit(perMass, magnitude).R2,
            search.Pareto[best], selected, factor, law, AxesOf(law, record), scaleFit, judged, softened, refinement, potentials);

        static int IndexOf(IReadOnlyList<ParetoEntry> pareto, ParetoEntry entry) =>
            Enumerable.Range(0, pareto.Count).First(i => ReferenceEquals(pareto[i], entry));
    }

    /// <summary>
    /// The law with each binary operation in turn replaced by one of its operands, its constants refitted to the
    /// accelerations (<see cref="AccelerationJudge.FitConstants(Expression, int)"/>), wherever that judges no worse, repeated while it
    /// shrinks. No worse: a loss at most the law's own <paramref name="loss"/>, or at most twice it when that is below the
    /// floor (exact forms differ there by their constants' rounding; a lookalike within the floor scores 100× and more above
    /// the law, so the floor itself is no bound). The messages' forms carry the network's softening, which the constants
    /// can refit away without removing it from the printed law: inverse-square, seed 0, selected m2/(7.2·10⁹·r³ + m2)
    /// (loss 0.0255 of the floor), m2/r³ once the "+ m2" is dropped (0.0257).
    /// </summary>
    internal static Expression Pruned(Expression law, double loss, AccelerationJudge judge)
    {
        double limit = loss <= judge.Floor ? 2 * loss : loss;
        for (bool shrunk = true; shrunk;)
        {
            shrunk = false;
            var nodes = law.Nodes.ToArray();
            var start = SubtreeStarts(nodes);
            for (int i = 0; i < nodes.Length && !shrunk; i++)
            {
                if (nodes[i].Arity != 2) continue;
                int right = i - 1, left = start[right] - 1;
                foreach (var (from, to) in new[] { (start[left], left), (start[right], right) })
                {
                    var postfix = nodes[..start[i]].Concat(nodes[from..(to + 1)]).Concat(nodes[(i + 1)..]);
                    var variant = new Expression(postfix, law.VariableNames, law.CustomOperators);
                    var fitted = judge.FitConstants(variant);
                    if (!(judge.Loss(fitted) <= limit)) continue;
                    (law, shrunk) = (fitted, true);
                    break;
                }
            }
        }
        return law;

        // the index of the first node of the subtree that ends at each node
        static int[] SubtreeStarts(Node[] nodes)
        {
            var start = new int[nodes.Length];
            for (int i = 0; i < nodes.Length; i++)
                start[i] = nodes[i].Arity switch { 0 => i, 1 => start[i - 1], _ => start[start[i - 1] - 1] };
            return start;
        }
    }

    /// <summary>
    /// The paper's score selection (the largest −Δln(loss)/Δcomplexity along the front) with each entry's complexity taken
    /// as <paramref name="lawComplexity"/>, the complexity of its law without the receiver factor: the node model undoes that
    /// factor, so it is no part of the law, and a law that needs one to fit the messages should not pay for it. Entries that
    /// do not lower the loss below every simpler law's leave the front. Discontinuous 2D bottleneck (seed 0, a 90,000-step
    /// network, 40 rounds of the unscaled search): h =
    /// cond(r − 1.99, r − 1.08)·(0.087 + 0.020/m1) (complexity 13, law 7) then beats the step cond(r − 1.99, 0.157)
    /// (complexity 5), which the plain score selects.
    /// </summary>
    internal static int SelectByLaw(IReadOnlyList<ParetoEntry> pareto, int[] lawComplexity) =>
        ParetoSelection.Select(lawComplexity, pareto.Select(e => e.Loss).ToArray(), ModelSelection.Score);

    /// <summary>The vector magnitude·Δx / r, one equation per axis.</summary>
    static Expression[] AxesOf(Expression magnitude, MessageRecord record) => record.FeatureNames.Take(record.Dim)
        .Select(coordinate => magnitude * Expression.Variable(coordinate, record.FeatureNames) / Expression.Variable("r", record.FeatureNames))
        .ToArray();

    /// <summary>Each component's equation: its least-squares linear map of the axes (<paramref name="axisValues"/>, edges × dim)
    /// applied to the axes' equations, with its loss (mean absolute error, the searches' loss) on the recorded edges. With a
    /// fitted receiver factor <paramref name="scale"/>, the map's linear part is multiplied by s(m1) for the loss, as in
    /// the messages; the printed equation leaves s out (it is in the magnitude's <c>receiver_scale</c>).</summary>
    static DistilledComponent[] Compose(MessageRecord record, ComponentFit[] significant, double[,] axisValues, Expression[] axes,
        ReceiverScaleFit? scale = null)
    {
        int dim = axes.Length;
        var axesValues = axes.Select(a => a.Evaluate(record.Features)).ToArray();
        var factor = record.ReceiverMass.Select(m => scale?.At(m) ?? 1.0).ToArray();
        var components = new DistilledComponent[significant.Length];
        for (int j = 0; j < significant.Length; j++)
        {
            var map = LinearFit.Fit(axisValues, MessageRecord.Column(record.Messages, significant[j].Component)).Coefficients;
            var expression = (Expression.Sum(Enumerable.Range(0, dim).Select(a => map[a] * axes[a])) + map[dim]).Simplify();
            double loss = 0;
            for (int i = 0; i < record.Edges; i++)
            {
                double linear = 0;
                for (int a = 0; a < dim; a++) linear += map[a] * axesValues[a][i];
                loss += Math.Abs(factor[i] * linear + map[dim] - record.Messages[i, significant[j].Component]);
            }
            components[j] = new DistilledComponent(significant[j], new ParetoEntry(expression.Complexity, loss / record.Edges, 0, expression), null);
        }
        return components;
    }
}
