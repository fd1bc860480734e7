namespace Occam.Symbolic;

/// <summary>One equation of the Pareto front.</summary>
public sealed record ParetoEntry(int Complexity, double Loss, double Score, Expression Expression)
{
    /// <summary>Infix form (parses back with <see cref="Expression.Parse"/>).</summary>
    public string Infix => Expression.ToInfix();
    /// <summary>SymPy form.</summary>
    public string Sympy => Expression.ToSympy();
    /// <summary>LaTeX form.</summary>
    public string Latex => Expression.ToLatex();
    /// <summary>C# form.</summary>
    public string CSharp => Expression.ToCSharp();
}

/// <summary>The outcome of a search: the Pareto front (complexity ascending, loss descending) and the selected equation.</summary>
public sealed record SymbolicRegressionResult(
    IReadOnlyList<ParetoEntry> Pareto,
    ParetoEntry Best,
    long Evaluations,
    int Rounds,
    TimeSpan Elapsed,
    string StopReason)
{
    /// <summary>Lowest-loss entry.</summary>
    public ParetoEntry MostAccurate => Pareto[^1];

    /// <summary>The loss at or below which the search stopped early (<see cref="SymbolicRegressionOptions.EarlyStop"/>), or 0
    /// when early stopping was off.</summary>
    public double StopLoss { get; init; }

    /// <summary>The data's noise variance by the Gamma test where it was resolved (<see cref="NoiseFloor"/>), else null.</summary>
    public double? NoiseVariance { get; init; }
}
