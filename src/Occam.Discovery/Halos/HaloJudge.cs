using Occam.Physics.Halos;
using Occam.Symbolic;

namespace Occam.Discovery.Halos;

/// <summary>
/// Judges candidate pair formulas ê(r, mj) on what the messages exist to explain: the halos' δ. Each judged halo's
/// e_i = Σ_j ê(r_ij, m_j) over its neighbours is fitted by least squares as δ_i ≈ a + e_i·(b + c·M_i + d·M_i²), the node
/// law's dependence on the halo's own mass to second order, and the loss is 1 − R² of that fit, with ê's constants
/// refitted to it (<see cref="SymbolicRegression.FitConstants(Expression, Func{Expression, double}, int)"/>).
/// <para>
/// The messages cannot tell a power-law fall-off from an exponential one: fitted to the same 4,000-halo messages, the
/// constants of (a + mj)/(b + (c·r)^d) and (a + mj)/(b + k^r) reach losses within 1 % of each other (docs/halos.md). The δ
/// of a synthetic catalogue are the planted law's, without noise, which the planted form fits to rounding.
/// </para>
/// </summary>
public sealed class HaloJudge
{
    /// <summary>Losses below this count as equal: the δ's double rounding and the second-order node law's remainder.</summary>
    public const double Floor = 1e-9;

    /// <summary>Refit passes over the constants of each candidate (compass search, <see cref="SymbolicRegression.FitConstants(Expression, Func{Expression, double}, int)"/>).</summary>
    public const int RefitPasses = 5;

    /// <summary>Refit passes for the few best candidates (<see cref="Select"/>): a power's exponent and the constants it is
    /// coupled with move along a curved valley, a few percent a pass (seed 2's (a + mj)/(b + (r/R)^d) from d = 13.7: judge
    /// loss 0.0015 after 5 passes, 0.00026 after 40).</summary>
    public const int LongRefitPasses = 40;

    /// <summary>Candidates refitted again with <see cref="LongRefitPasses"/>.</summary>
    public const int LongRefits = 3;

    readonly double[,] pairs; // per edge into a judged halo: r, mj
    readonly int[] row; // per edge: the judged halo's row
    readonly double[] delta, mass;
    readonly double[,] design; // per halo: e, e·M, e·M² (rewritten per call)

    /// <summary>A judge on <paramref name="halos"/> of <paramref name="catalogue"/>, with the graph's edges into them
    /// (<paramref name="senders"/>, <paramref name="receivers"/>).</summary>
    public HaloJudge(HaloCatalogue catalogue, IReadOnlyList<long> senders, IReadOnlyList<long> receivers, IReadOnlyList<int> halos)
    {
        var index = new Dictionary<long, int>();
        for (int k = 0; k < halos.Count; k++) index[halos[k]] = k;
        var edges = Enumerable.Range(0, receivers.Count).Where(e => index.ContainsKey(receivers[e])).ToArray();
        pairs = new double[edges.Length, 2];
        row = new int[edges.Length];
        for (int k = 0; k < edges.Length; k++)
        {
            int s = (int)senders[edges[k]], r = (int)receivers[edges[k]];
            double d2 = 0;
            for (int a = 0; a < 3; a++) { double d = catalogue.Positions[3 * s + a] - catalogue.Positions[3 * r + a]; d2 += d * d; }
            pairs[k, 0] = Math.Sqrt(d2);
            pairs[k, 1] = catalogue.Mass[s];
            row[k] = index[r];
        }
        delta = halos.Select(i => catalogue.Delta[i]).ToArray();
        mass = halos.Select(i => catalogue.Mass[i]).ToArray();
        design = new double[halos.Count, 3];
    }

    /// <summary>The loss (1 − R² of the node fit, at least <see cref="Floor"/>) of a pair formula in catalogue units with its
    /// constants as they are; +∞ when it is not finite.</summary>
    public double Loss(Expression pairFormula)
    {
        var v = pairFormula.Evaluate(pairs);
        var e = new double[delta.Length];
        for (int k = 0; k < v.Length; k++) e[row[k]] += v[k];
        for (int i = 0; i < e.Length; i++)
        {
            if (!double.IsFinite(e[i])) return double.PositiveInfinity;
            design[i, 0] = e[i];
            design[i, 1] = e[i] * mass[i];
            design[i, 2] = e[i] * mass[i] * mass[i];
        }
        double r2 = LinearFit.Fit(design, delta).R2;
        return double.IsFinite(r2) ? Math.Max(Floor, 1 - r2) : double.PositiveInfinity;
    }

    /// <summary>The pair formula with its constants refitted to the δ, and its loss there.</summary>
    public (Expression Formula, double Loss) Refit(Expression pairFormula, int passes = RefitPasses) =>
        SymbolicRegression.FitConstants(pairFormula, Loss, passes);

    /// <summary>
    /// Judges every candidate (<see cref="RefitPasses"/>), refits the <see cref="LongRefits"/> with the lowest losses longer
    /// (<see cref="LongRefitPasses"/>), and selects by PySR's rule on the losses with <paramref name="complexity"/>. Returns
    /// each candidate's refitted formula and loss, and the index selected.
    /// </summary>
    public ((Expression Formula, double Loss)[] Refits, int Selected) Select(IReadOnlyList<Expression> candidates, IReadOnlyList<int> complexity)
    {
        var refits = candidates.Select(e => Refit(e)).ToArray();
        foreach (int k in Enumerable.Range(0, refits.Length).OrderBy(k => refits[k].Loss).ThenBy(k => k).Take(LongRefits))
            refits[k] = Refit(refits[k].Formula, LongRefitPasses);
        return (refits, ParetoSelection.Select(complexity, refits.Select(f => f.Loss).ToArray(), ModelSelection.Best));
    }
}
