using Occam.Symbolic;

namespace Occam.FeynmanBench;

/// <summary>The judge's verdict on a run: the first (smallest) front equation that passes, or the most accurate one.</summary>
/// <param name="Solved">Some front equation passes the numeric rule (see <see cref="Judge"/>).</param>
/// <param name="Equation">The passing equation with its refitted constants, else the front equation of highest held-out R².</param>
/// <param name="R2">Its R² on the held-out rows against the clean target.</param>
/// <param name="OffRange">The fraction of off-range points where it is the law (see <see cref="Judge.OffRangeAgreement"/>).</param>
/// <param name="Symbolic">For a solution: whether Occam's simplifier reduces (found − true) or (found / true) to a constant.</param>
sealed record Verdict(bool Solved, Expression? Equation, double R2, double OffRange, bool? Symbolic)
{
    public int Complexity => Equation?.Complexity ?? 0;
}

/// <summary>
/// Judges front equations the SRBench way, numerically, with an extrapolation test that keeps close approximations out.
/// A front equation is a solution when all of these hold:
/// (1) its complexity is at most <see cref="SizeBound"/> = 2 × the truth's complexity + 5 (the truth's complexity is
/// Occam's node count of the published formula written with Occam's operators, constant subtrees folded);
/// (2) after refitting its constants to the training rows (Levenberg–Marquardt, 100 iterations, 4 restarts, from the
/// engine's constants; whichever of the engine's and the refitted constants has the lower training loss is kept), its
/// error on the held-out rows against the clean (noise-free) target is within <see cref="Tolerance"/>:
/// 1 − R² ≤ 1e-10 for noise-free data, 1 − R² ≤ 1e-6 for noisy data (an RMS error of at most 0.1 % of the target's
/// spread: the noise level of the 0.1 % runs);
/// (3) it is the law off the sampled box too: on 10,000 points drawn with each variable uniform in [0.5·low, 1.5·high]
/// (every range of the database is non-negative, so the box stays in the same orthant), at least 99 % of the points where
/// the true formula is finite have |found − true| ≤ max(τ · (|true| + σ), 10 · |refitted true − true|): σ is the clean
/// target's standard deviation on the held-out rows, τ = <see cref="OffRangeTolerance"/> is 1e-9 for noise-free data (an
/// equivalent form with fitted constants is within 1e-13 there; a "limit form" such as c·q/(c·ε·r − √r·r) with c ≈ 3e6,
/// which only tends to the law as a constant grows, is 1e-7 off) and 1e-3 (the noise level) for noisy data, and "refitted true" is the published formula with its constants refitted to
/// the same training rows as the candidate (the same refit): near a pole of the law (γ − 1 → 0 in I.39.11 once γ goes
/// below its sampled range) the constants fitted to noisy data move the law itself far from the truth, and a correct
/// answer is allowed ten times that. An approximation that only matches the law inside the box (a polynomial in cos θ for a Gaussian reaches
/// 1 − R² = 6e-11 there) fails this; an equivalent form with its constants fitted passes.
/// A solution is also checked symbolically: does <see cref="Expression.Simplify"/> reduce (found − true) or
/// (found / true) to a constant?
/// </summary>
sealed class Judge
{
    readonly Expression truth;
    readonly Sample fit, test;
    readonly double cleanVariance, cleanMean;
    readonly double[,] offX;
    readonly double[] offTruth, offSlack;
    readonly double spread;

    public Judge(FeynmanEquation equation, Sample train, Sample test, double noise)
    {
        truth = equation.Truth.ToExpression();
        SizeBound = 2 * truth.Complexity + 5;
        Tolerance = noise == 0 ? 1e-10 : 1e-6;
        // The refit uses at most 2,000 training rows: plenty for the few constants of a front equation, and cheap.
        fit = train.Rows > 2000 ? train.Slice(0, 2000) : train;
        this.test = test;
        cleanMean = test.Clean.Average();
        cleanVariance = test.Clean.Sum(v => (v - cleanMean) * (v - cleanMean));
        spread = Math.Sqrt(cleanVariance / test.Rows);
        OffRangeTolerance = noise == 0 ? 1e-9 : 1e-3;
        var wide = equation with { Low = equation.Low.Select(v => 0.5 * v).ToArray(), High = equation.High.Select(v => 1.5 * v).ToArray() };
        var off = wide.Draw(7919, 10_000, 0);
        offX = off.X;
        offTruth = off.Clean;
        // The truth's own form with its constants refitted to the training rows: where the noise moves its constants, it
        // leaves the law off the box too (most near a pole), and a correct answer cannot be asked to do better.
        RefittedTruth = Refit(truth);
        var refitted = RefittedTruth.Evaluate(offX);
        offSlack = new double[offTruth.Length];
        for (int r = 0; r < offSlack.Length; r++)
            offSlack[r] = Math.Max(OffRangeTolerance * (Math.Abs(offTruth[r]) + spread),
                                   double.IsFinite(refitted[r]) ? 10 * Math.Abs(refitted[r] - offTruth[r]) : 0);
    }

    /// <summary>Largest complexity a solution may have.</summary>
    public int SizeBound { get; }
    /// <summary>Largest 1 − R² (held-out rows, clean target) a solution may have.</summary>
    public double Tolerance { get; }
    /// <summary>Largest relative error off the sampled box (see the class summary).</summary>
    public double OffRangeTolerance { get; }

    /// <summary>Judges the candidates (a Pareto front, in ascending complexity): the first that passes, else the most accurate.</summary>
    public Verdict Rule(IEnumerable<Expression> candidates, bool refit = true)
    {
        Verdict? best = null;
        foreach (var candidate in candidates)
        {
            var e = refit ? Refit(candidate) : candidate;
            double r2 = HeldOutR2(e), off = OffRangeAgreement(e);
            if (candidate.Complexity <= SizeBound && 1 - r2 <= Tolerance && off >= 0.99)
                return new Verdict(true, e, r2, off, IsSymbolicMatch(e));
            if (best is null || !(r2 <= best.R2)) best = new Verdict(false, e, r2, off, null);
        }
        return best ?? new Verdict(false, null, double.NaN, 0, null);
    }

    /// <summary>The candidate with the engine's constants or refitted ones, whichever fits the training rows better.</summary>
    Expression Refit(Expression candidate)
    {
        if (candidate.ConstantCount == 0) return candidate;
        var (refitted, loss) = SymbolicRegression.FitConstants(candidate, fit.X, fit.Noisy, iterations: 100, restarts: 4, seed: 1);
        return loss < TrainLoss(candidate) ? refitted : candidate;
    }

    double TrainLoss(Expression e)
    {
        var p = e.Evaluate(fit.X);
        double sum = 0;
        for (int r = 0; r < p.Length; r++) sum += (p[r] - fit.Noisy[r]) * (p[r] - fit.Noisy[r]);
        return double.IsFinite(sum) ? sum / p.Length : double.PositiveInfinity;
    }

    /// <summary>R² on the held-out rows against the clean target (−∞ where the equation is not finite on a row).</summary>
    public double HeldOutR2(Expression e)
    {
        var p = e.Evaluate(test.X);
        double sse = 0;
        for (int r = 0; r < p.Length; r++) sse += (p[r] - test.Clean[r]) * (p[r] - test.Clean[r]);
        return double.IsFinite(sse) ? 1 - sse / cleanVariance : double.NegativeInfinity;
    }

    /// <summary>The fraction of the off-range points (where the truth is finite) at which the equation is the truth within the
    /// point's slack (see the class summary).</summary>
    public double OffRangeAgreement(Expression e)
    {
        var p = e.Evaluate(offX);
        int finite = 0, close = 0;
        for (int r = 0; r < p.Length; r++)
        {
            if (!double.IsFinite(offTruth[r])) continue;
            finite++;
            if (Math.Abs(p[r] - offTruth[r]) <= offSlack[r]) close++;
        }
        return finite == 0 ? 0 : (double)close / finite;
    }

    /// <summary>The 99th percentile over the off-range points (where the truth is finite) of |e − true| / (|true| + σ).</summary>
    public double OffRangeError99(Expression e)
    {
        var p = e.Evaluate(offX);
        var errors = new List<double>();
        for (int r = 0; r < p.Length; r++)
            if (double.IsFinite(offTruth[r]))
                errors.Add(double.IsFinite(p[r]) ? Math.Abs(p[r] - offTruth[r]) / (Math.Abs(offTruth[r]) + spread) : double.PositiveInfinity);
        errors.Sort();
        return errors.Count == 0 ? double.NaN : errors[(int)(0.99 * (errors.Count - 1))];
    }

    /// <summary>Whether Occam's simplifier turns found − true or found / true into a single constant.</summary>
    bool IsSymbolicMatch(Expression found)
    {
        static bool IsConstant(Expression e) => e.Length == 1 && e.Nodes[0].Op == OpCode.Constant;
        try
        {
            return IsConstant((found - truth).Simplify()) || IsConstant((found / truth).Simplify());
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The truth with its constants refitted to the training rows (as a candidate's are).</summary>
    public Expression RefittedTruth { get; }

    /// <summary>The truth in Occam's language (for the judge's own sanity check).</summary>
    public Expression Truth => truth;
}
