namespace Occam.Symbolic;

/// <summary>
/// What an island needs besides its own state: the data, the options compiled for the search, the loss baseline. Built
/// once per process from the same data and options (on the head, and on every cluster member from what the head sent),
/// and never changed by a round, so an island's round is a function of the island's state and the round's inputs only.
/// </summary>
internal sealed class SearchContext
{
    public readonly SearchConfig cfg;
    public readonly SymbolicRegressionOptions o;
    public readonly Dataset<double> data;
    public readonly Dataset<double> optData;
    public readonly double baseline;
    public readonly double meanLoss; // the loss of the constant mean: the fallback member's
    public readonly Mutator mut;
    public readonly bool allowNeg;
    readonly IReadOnlyList<string> names; // the variables' names, for ConstantFit's expressions

    public SearchContext(Dataset<double> data, SymbolicRegressionOptions options)
    {
        o = options;
        this.data = data;
        cfg = new SearchConfig(options, data.Features);
        names = options.VariableNames ?? Enumerable.Range(0, data.Features).Select(i => $"x{i}").ToArray();
        mut = new Mutator(cfg);
        allowNeg = cfg.Unary.Any(n => n.Op == OpCode.Neg);
        optData = data.Rows <= o.OptimizerMaxRows ? data : data.Subset(StridedRows(data.Rows, o.OptimizerMaxRows));
        var y = data.Y!;
        var ev = NewEvaluator();
        double mean = y.Average();
        meanLoss = o.CustomLoss is null ? ev.Loss([Node.Const(mean)], data, o.Loss, o.HuberDelta) : CustomLossOf(new double[data.Rows].AsSpan(), mean);
        if (o.CustomLoss is null && !double.IsFinite(meanLoss))
            throw new ArgumentException(
                $"the target's values are too large for a {o.Loss} loss: even its mean has loss {meanLoss} (largest |y| {y.Max(Math.Abs):G3}); rescale the data");
        baseline = meanLoss > 1e-300 && double.IsFinite(meanLoss) ? meanLoss : 1.0;
    }

    /// <summary>An evaluator of this search's nodes.</summary>
    public Evaluator<double> NewEvaluator() => new(fastMath: false, cfg.CustomOperators);

    /// <summary>A constant optimiser on the optimisation rows (<paramref name="thresholds"/>: see <see cref="ConstantOptimizer"/>).</summary>
    public ConstantOptimizer NewOptimizer(bool thresholds) => new(optData, LeastAbsolute, thresholds, cfg.CustomOperators);

    /// <summary>True when constants should minimise the absolute error (an L1 search).</summary>
    public bool LeastAbsolute => o.Loss == LossKind.L1 && o.CustomLoss is null;

    double CustomLossOf(Span<double> pred, double constant)
    {
        pred.Fill(constant);
        return SafeCustom(pred);
    }

    public double SafeCustom(ReadOnlySpan<double> pred) => SafeCustom(pred, data);

    double SafeCustom(ReadOnlySpan<double> pred, Dataset<double> rows)
    {
        try
        {
            var w = rows.Weights is null ? ReadOnlySpan<double>.Empty : rows.Weights;
            double l = o.CustomLoss!(pred, rows.Y, w);
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


    /// <summary>A copy of <paramref name="nodes"/> with its constants fitted, evaluated into a member (null when invalid).</summary>
    internal Member? WithFittedConstants(Node[] nodes, ConstantOptimizer opt, Rng rng, Evaluator<double> ev, long birth, int restarts,
        out long evaluations, Dataset<double>? rows = null)
    {
        var copy = (Node[])nodes.Clone();
        if (o.ConstantFit is { } fit)
        {
            copy = FittedBy(fit, copy);
            evaluations = 1;
        }
        else opt.Optimize(copy, rng, o.OptimizerIterations, restarts, out evaluations);
        return Evaluate(copy, ev, birth, out _, rows);
    }

    /// <summary>The nodes with their constants as <paramref name="fit"/> sets them (<see cref="SymbolicRegressionOptions.ConstantFit"/>);
    /// unchanged when it fails or changes anything else.</summary>
    Node[] FittedBy(Func<Expression, Expression> fit, Node[] nodes)
    {
        try
        {
            var fitted = fit(new Expression(nodes, names, cfg.CustomOperators, trusted: true)).Nodes;
            if (fitted.Length != nodes.Length) return nodes;
            for (int i = 0; i < nodes.Length; i++)
                if (nodes[i].Op == OpCode.Constant ? fitted[i].Op != OpCode.Constant : !fitted[i].Equals(nodes[i])) return nodes;
            return fitted.ToArray();
        }
        catch (Exception) { return nodes; }
    }

    /// <summary>Whether islands evaluate on mini-batches (<see cref="SymbolicRegressionOptions.BatchSize"/>).</summary>
    public bool Batching => o.BatchSize is int b && b < data.Rows;

    /// <summary>Evaluates a tree into a member (null when invalid), on <paramref name="rows"/> (default: all the data).</summary>
    internal Member? Evaluate(Node[] nodes, Evaluator<double> ev, long birth, out double loss, Dataset<double>? rows = null)
    {
        rows ??= data;
        if (o.CustomLoss is null) loss = ev.Loss(nodes, rows, o.Loss, o.HuberDelta);
        else
        {
            var pred = new double[rows.Rows];
            ev.Evaluate(nodes, rows, pred);
            loss = SafeCustom(pred, rows);
        }
        if (!double.IsFinite(loss)) return null;
        int complexity = cfg.Complexity(nodes);
        double cost = loss / baseline + o.Parsimony * complexity;
        if (cfg.Units is not null && !cfg.Units.IsConsistent(nodes)) cost += o.DimensionalPenalty;
        return new Member(nodes, loss, cost, complexity, birth);
    }
}
