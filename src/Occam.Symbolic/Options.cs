namespace Occam.Symbolic;

/// <summary>How <see cref="SymbolicRegressionResult.Best"/> is chosen from the Pareto front.</summary>
public enum ModelSelection
{
    /// <summary>PySR's "best": highest score among equations whose loss is at most 1.5× the minimum.</summary>
    Best,
    /// <summary>Lowest loss.</summary>
    Accuracy,
    /// <summary>Highest score −Δln(loss)/Δcomplexity.</summary>
    Score,
}

/// <summary>Relative weights of the mutations (PySR's set); any weight may be zero.</summary>
public sealed record MutationWeights
{
    /// <summary>Scale one constant by a random factor.</summary>
    public double MutateConstant { get; init; } = 0.048;
    /// <summary>Replace an operator by another of the same arity.</summary>
    public double MutateOperator { get; init; } = 0.47;
    /// <summary>Replace a variable by another.</summary>
    public double MutateFeature { get; init; } = 0.1;
    /// <summary>Swap the operands of a binary operator.</summary>
    public double SwapOperands { get; init; } = 0.1;
    /// <summary>A tree rotation at a random binary node with a binary child.</summary>
    public double Rotate { get; init; } = 0.3;
    /// <summary>Grow at a random leaf: op(leaf, new leaf), op(new leaf, leaf) or unary(leaf).</summary>
    public double AddNode { get; init; } = 0.79;
    /// <summary>Insert an operator above a random node.</summary>
    public double InsertNode { get; init; } = 5.1;
    /// <summary>Replace a random operator by one of its operands.</summary>
    public double DeleteNode { get; init; } = 1.7;
    /// <summary>Simplify the expression algebraically.</summary>
    public double Simplify { get; init; } = 0.002;
    /// <summary>Replace the expression by a new random one.</summary>
    public double Randomize { get; init; } = 0.00023;
    /// <summary>Keep the expression as it is.</summary>
    public double DoNothing { get; init; } = 0.21;
    /// <summary>Refit the constants (Levenberg–Marquardt).</summary>
    public double Optimize { get; init; } = 0.0;
}

/// <summary>A custom loss: (predictions, targets, weights or null) → loss. Return +∞ for invalid predictions.</summary>
public delegate double CustomLoss(ReadOnlySpan<double> predictions, ReadOnlySpan<double> targets, ReadOnlySpan<double> weights);

/// <summary>One report from a running search.</summary>
/// <param name="Round">Rounds completed (each round evolves every island once).</param>
/// <param name="Evaluations">Expression evaluations so far.</param>
/// <param name="Elapsed">Wall time so far.</param>
/// <param name="BestLoss">Lowest loss on the hall of fame.</param>
/// <param name="Best">Current choice of <see cref="ModelSelection"/>.</param>
/// <param name="ParetoSize">Entries on the Pareto front.</param>
public sealed record SymbolicRegressionProgress(int Round, long Evaluations, TimeSpan Elapsed, double BestLoss, string Best, int ParetoSize);

/// <summary>
/// Options of <see cref="SymbolicRegression.Fit(double[,], double[], SymbolicRegressionOptions?)"/>. Defaults follow PySR
/// where sensible. The search stops at the first of <see cref="TimeLimit"/>, <see cref="MaxEvaluations"/>,
/// <see cref="LossThreshold"/>, <see cref="MaxRounds"/>, <see cref="PlateauRounds"/> or <see cref="Cancel"/> (whichever are set; with none set
/// it runs <see cref="MaxRounds"/> = 100 rounds), or earlier by <see cref="EarlyStop"/>.
/// </summary>
public sealed record SymbolicRegressionOptions
{
    /// <summary>Largest <see cref="MaxSize"/> accepted (each island keeps a slot per complexity).</summary>
    public const int MaxSizeLimit = 1000;
    /// <summary>Largest <see cref="Populations"/> accepted.</summary>
    public const int PopulationsLimit = 1000;
    /// <summary>Largest <see cref="PopulationSize"/> accepted.</summary>
    public const int PopulationSizeLimit = 10_000;

    /// <summary>
    /// Checks the settings before anything is allocated: sizes within their limits (<see cref="MaxSizeLimit"/>,
    /// <see cref="Expression.MaxDepth"/>, <see cref="PopulationsLimit"/>, <see cref="PopulationSizeLimit"/>), budgets
    /// positive, the loss threshold a number.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it and its value.</exception>
    public void Validate()
    {
        static void Range(string name, long value, long min, long max)
        {
            if (value < min || value > max) throw new ArgumentException($"{name} must be between {min} and {max}, got {value}");
        }
        Range(nameof(MaxSize), MaxSize, 1, MaxSizeLimit);
        Range(nameof(MaxDepth), MaxDepth, 1, Expression.MaxDepth);
        Range(nameof(Populations), Populations, 1, PopulationsLimit);
        Range(nameof(PopulationSize), PopulationSize, 4, PopulationSizeLimit);
        if (Threads is int t) Range(nameof(Threads), t, 1, 4096);
        if (MaxEvaluations is long e) Range(nameof(MaxEvaluations), e, 1, long.MaxValue);
        if (MaxRounds is int r) Range(nameof(MaxRounds), r, 1, int.MaxValue);
        if (PlateauRounds is int p) Range(nameof(PlateauRounds), p, 1, int.MaxValue);
        if (BatchSize is int b) Range(nameof(BatchSize), b, 1, int.MaxValue);
        if (TimeLimit is TimeSpan limit && limit <= TimeSpan.Zero) throw new ArgumentException($"TimeLimit must be positive, got {limit}");
        if (LossThreshold is double l && double.IsNaN(l)) throw new ArgumentException("LossThreshold must be a number, got NaN");
    }

    /// <summary>Names of the input columns (default x0, x1, …).</summary>
    public IReadOnlyList<string>? VariableNames { get; init; }
    /// <summary>Binary operators by name: + - * / ^ greater cond, or custom ones of <see cref="CustomOperators"/>.</summary>
    public IReadOnlyList<string> BinaryOperators { get; init; } = ["+", "-", "*", "/"];
    /// <summary>Unary operators by name: neg square cube sqrt exp log abs sin cos tanh inv step, or custom ones of
    /// <see cref="CustomOperators"/>.</summary>
    public IReadOnlyList<string> UnaryOperators { get; init; } = [];
    /// <summary>The custom operators the search may use (those named in <see cref="BinaryOperators"/> and
    /// <see cref="UnaryOperators"/>); the equations found carry them. Each search has its own: nothing is registered
    /// process-wide.</summary>
    public OperatorSet CustomOperators { get; init; } = OperatorSet.Empty;
    /// <summary>Maximum complexity of an equation.</summary>
    public int MaxSize { get; init; } = 20;
    /// <summary>Maximum tree depth.</summary>
    public int MaxDepth { get; init; } = 12;
    /// <summary>Fraction of the run (by rounds or time) over which the maximum size grows from 5 to <see cref="MaxSize"/> (0 = off).</summary>
    public double WarmupMaxSizeBy { get; init; }
    /// <summary>Number of islands. Fixed, so the result does not depend on the thread count.</summary>
    public int Populations { get; init; } = 12;
    /// <summary>
    /// At the end of the search, write each front member's quotients with a leading 1 in the denominator where that, after
    /// pruning constants that do not matter, is no more complex: 6619830/(2206610 + (1485.47·x)²) becomes 3/(1 + x²). The
    /// same function either way; on by default (the distillation searches turn it off: their measured tables predate it).
    /// </summary>
    public bool NormaliseQuotients { get; init; } = true;
    /// <summary>
    /// After each round, every new front member with a sin, cos, exp, tanh, log or sqrt whose argument barely moves over
    /// the data (spans less than 0.5) is tried with that function replaced by its second- and by its first-order Taylor
    /// polynomial in the argument, constants refitted, and a variant enters the hall of fame where it fits better:
    /// c/(1.0000042 − cos(0.0029·x)) is 3/(1 + x²) in disguise. On by default (the distillation searches turn it off:
    /// their measured tables predate it).
    /// </summary>
    public bool TaylorCollapse { get; init; } = true;
    /// <summary>Members per island.</summary>
    public int PopulationSize { get; init; } = 33;
    /// <summary>Cycles per island per round (each cycle is PopulationSize/TournamentSize mutations, at least one).</summary>
    public int CyclesPerRound { get; init; } = 200;
    /// <summary>Tournament size.</summary>
    public int TournamentSize { get; init; } = 15;
    /// <summary>Probability that the tournament picks its best member (then the second with p(1−p), …).</summary>
    public double TournamentProbability { get; init; } = 0.982;
    /// <summary>Seed of every random choice.</summary>
    public int Seed { get; init; }
    /// <summary>Wall-clock budget, checked once per island cycle (so it holds to well under a second however large a round
    /// is); a time-limited run is therefore not deterministic. Use <see cref="MaxEvaluations"/> or <see cref="MaxRounds"/> for that.</summary>
    public TimeSpan? TimeLimit { get; init; }
    /// <summary>Evaluation budget (checked between rounds; fully deterministic).</summary>
    public long? MaxEvaluations { get; init; }
    /// <summary>Stop once some equation has loss at or below this.</summary>
    public double? LossThreshold { get; init; }
    /// <summary>Stop after this many rounds.</summary>
    public int? MaxRounds { get; init; }
    /// <summary>
    /// Stop once the best equation cannot be bettered (on by default; checked between rounds, so deterministic): when its
    /// loss reaches the floating-point floor of an exact fit (L2: 1e-14 of the target's variance, i.e. residuals within
    /// 1e-7 of its spread; L1 and Huber: 1e-7 of the mean's loss), stop reason "exact fit"; or, for an unweighted L2 search,
    /// when its mean squared error reaches the data's noise variance as the Gamma test measures it
    /// (<see cref="NoiseFloor"/>; used only where noise makes up at least 80 % of the nearest-neighbour differences), with
    /// a margin of two standard errors of a variance (1 + 2·√(2/n), 9 % at 1,000 rows), stop reason "noise floor". Off for a
    /// custom loss.
    /// <see cref="SymbolicRegressionResult.StopLoss"/> reports the level.
    /// </summary>
    public bool EarlyStop { get; init; } = true;
    /// <summary>Stop when the Pareto front has not improved for this many rounds.</summary>
    public int? PlateauRounds { get; init; }
    /// <summary>Stops the search within an island cycle (stop reason "cancelled"), returning the front found so far: Ctrl+C in
    /// <c>occam regress</c>, or a caller's own budget.</summary>
    public CancellationToken Cancel { get; init; }
    /// <summary>Worker threads (default: all cores). Does not change the result.</summary>
    public int? Threads { get; init; }
    /// <summary>
    /// Where the islands evolve each round: null (the default) for threads in this process, or a cluster's runner
    /// (Occam.Symbolic.Cluster). Does not change the result. A runner sends the data and options to other processes, so
    /// it cannot carry a <see cref="CustomLoss"/> or custom operators made from compiled functions (define them from
    /// expressions with <see cref="CustomOperator.Define"/>); a time limit and cancellation are checked between rounds only.
    /// </summary>
    public IslandRunner? IslandRunner { get; init; }
    /// <summary>Built-in loss (L2 default).</summary>
    public LossKind Loss { get; init; } = LossKind.L2;
    /// <summary>Huber transition point.</summary>
    public double HuberDelta { get; init; } = 1.0;
    /// <summary>Custom loss; replaces <see cref="Loss"/> when set.</summary>
    public CustomLoss? CustomLoss { get; init; }
    /// <summary>
    /// Fits an equation's constants in place of Levenberg–Marquardt on the targets, wherever the search optimises constants:
    /// given the equation (over <see cref="VariableNames"/>), returns it with its constants changed and nothing else (a
    /// result of another shape, or an exception, leaves the constants as they were). For a <see cref="CustomLoss"/> whose
    /// optimum the targets do not give, such as a loss on sums of the predictions. Must be deterministic and thread-safe;
    /// like a custom loss, it cannot be sent to cluster members.
    /// </summary>
    public Func<Expression, Expression>? ConstantFit { get; init; }
    /// <summary>Per-row weights of the loss.</summary>
    public IReadOnlyList<double>? Weights { get; init; }
    /// <summary>Progress reports, once per round.</summary>
    public IProgress<SymbolicRegressionProgress>? Progress { get; init; }
    /// <summary>Hall of fame file: rewritten (atomically) whenever the front improves; read at the start to warm-start.</summary>
    public string? HallOfFameFile { get; init; }
    /// <summary>
    /// Expressions to seed every island with, e.g. the front of a related fit. Their constants are refitted to this data
    /// before they enter; seeds that use a variable the data lacks, or break the size and depth limits, are skipped.
    /// </summary>
    public IReadOnlyList<Expression>? WarmStart { get; init; }
    /// <summary>Model selection for <see cref="SymbolicRegressionResult.Best"/>.</summary>
    public ModelSelection ModelSelection { get; init; } = ModelSelection.Best;
    /// <summary>Mutation weights.</summary>
    public MutationWeights Mutations { get; init; } = new();
    /// <summary>Probability that a child is made by crossover instead of mutation.</summary>
    public double CrossoverProbability { get; init; } = 0.066;
    /// <summary>Simulated annealing in the acceptance of a mutation.</summary>
    public bool Annealing { get; init; }
    /// <summary>Annealing temperature scale.</summary>
    public double Alpha { get; init; } = 3.17;
    /// <summary>Adaptive parsimony: the tournament multiplies a member's cost by exp(scaling·frequency of its complexity).</summary>
    public double AdaptiveParsimonyScaling { get; init; } = 1040.0;
    /// <summary>Constant parsimony penalty per unit of complexity added to the normalised loss.</summary>
    public double Parsimony { get; init; } = 0.0;
    /// <summary>Fraction of each island replaced by migrants from other islands after each round.</summary>
    public double FractionReplaced { get; init; } = 0.03;
    /// <summary>Fraction of each island replaced by hall-of-fame members after each round.</summary>
    public double FractionReplacedHof { get; init; } = 0.03;
    /// <summary>Probability per member per round of constant optimisation.</summary>
    public double OptimizeProbability { get; init; } = 0.14;
    /// <summary>
    /// Probability that a freshly mutated child with constants gets its constants optimised (no restarts) before it
    /// competes with its parent — a new form with random constants rarely survives otherwise.
    /// </summary>
    public double OptimizeChildProbability { get; init; } = 0.2;
    /// <summary>Levenberg–Marquardt iterations per optimisation.</summary>
    public int OptimizerIterations { get; init; } = 12;
    /// <summary>Extra random restarts of the constant optimiser (constants perturbed by ±50 %; the last one rescales each by a
    /// log-uniform factor in [1/4, 4]).</summary>
    public int OptimizerRestarts { get; init; } = 2;
    /// <summary>Rows used by the constant optimiser (a fixed subsample if the data are larger).</summary>
    public int OptimizerMaxRows { get; init; } = 1000;
    /// <summary>
    /// Mini-batching for large data (PySR's <c>batching</c>/<c>batch_size</c>); null (the default): every evaluation uses
    /// all rows. When set and the data have more rows, each cycle of an island draws this many rows (with replacement,
    /// from the island's generator, so a run stays a function of the seed) and the cycle's children, parents and
    /// constant fits are compared on them; at the end of each round the island's population is rescored on all rows
    /// before anything enters the hall of fame, so the front, its losses, the early stop and the result always refer
    /// to the whole data. Evaluations on a batch count as batch/rows of an evaluation.
    /// </summary>
    public int? BatchSize { get; init; }
    /// <summary>Complexity of each operator by name (default 1).</summary>
    public IReadOnlyDictionary<string, int>? OperatorComplexity { get; init; }
    /// <summary>Complexity of a constant.</summary>
    public int ConstantComplexity { get; init; } = 1;
    /// <summary>Complexity of a variable.</summary>
    public int VariableComplexity { get; init; } = 1;
    /// <summary>
    /// Per-operator maximum complexity of its arguments, e.g. {"^": (-1, 1)} (−1 = unlimited; unary operators use Item1).
    /// </summary>
    public IReadOnlyDictionary<string, (int Left, int Right)>? OperatorConstraints { get; init; }
    /// <summary>Nested-operator limits, e.g. {"sin": {"sin": 0, "cos": 0}}: how often an operator may occur inside another.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>>? NestedConstraints { get; init; }

    /// <summary>
    /// A copy that searches with <paramref name="operators"/>, sorted into <see cref="BinaryOperators"/> and
    /// <see cref="UnaryOperators"/> by arity: built-in names, the custom operators already in <see cref="CustomOperators"/>, or
    /// definitions such as <c>softplus(x)=log(1+exp(x))</c> and <c>hypot(a,b)=sqrt(a*a+b*b)</c>, which are added to them.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown operator, a malformed definition, or no binary operator.</exception>
    public SymbolicRegressionOptions WithOperators(IEnumerable<string> operators)
    {
        var binary = new List<string>();
        var unary = new List<string>();
        var custom = CustomOperators;
        foreach (var item in operators)
        {
            string op = item.Trim();
            if (op.Contains('='))
            {
                var defined = CustomOperator.Define(op, custom);
                custom = custom.With(defined);
                op = defined.Name;
            }
            (custom.Resolve(op).Arity == 2 ? binary : unary).Add(op);
        }
        if (binary.Count == 0) throw new ArgumentException("the operators need at least one binary operator (e.g. +,*)");
        return this with { BinaryOperators = binary, UnaryOperators = unary, CustomOperators = custom };
    }

    /// <summary>
    /// The unary operators of <c>occam regress</c>'s default set (with + − × ÷): broad enough for laws with powers, roots,
    /// exponentials, logarithms and oscillations.
    /// </summary>
    public static IReadOnlyList<string> BroadUnaryOperators { get; } = ["square", "sqrt", "exp", "log", "sin", "cos"];

    /// <summary>
    /// Nesting limits that keep the search out of forms physical laws rarely take (PySR's documentation recommends the
    /// same): no sin, cos, exp or log inside sin, cos, exp or log (so no sin(cos(x)) or exp(log(x))), no sqrt inside sqrt or
    /// square. Restricted to the operators in <paramref name="unary"/>; null when none of them is listed.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>>? TranscendentalNesting(IEnumerable<string> unary)
    {
        var present = unary.ToHashSet(StringComparer.Ordinal);
        string[] functions = ["sin", "cos", "exp", "log"];
        var rules = new Dictionary<string, IReadOnlyDictionary<string, int>>(StringComparer.Ordinal);
        void Rule(string outer, IEnumerable<string> inner)
        {
            var limits = inner.Where(present.Contains).ToDictionary(i => i, _ => 0, StringComparer.Ordinal);
            if (present.Contains(outer) && limits.Count > 0) rules[outer] = limits;
        }
        foreach (var f in functions) Rule(f, functions);
        Rule("sqrt", ["sqrt"]);
        Rule("square", ["sqrt"]);
        return rules.Count == 0 ? null : rules;
    }
    /// <summary>Units of the inputs (e.g. "m", "kg", "m/s^2", "1"); enables dimensional analysis when set with <see cref="OutputUnits"/>.</summary>
    public IReadOnlyList<string>? VariableUnits { get; init; }
    /// <summary>Units of the target.</summary>
    public string? OutputUnits { get; init; }
    /// <summary>Added to the normalised loss of a dimensionally inconsistent equation.</summary>
    public double DimensionalPenalty { get; init; } = 1000.0;
}
