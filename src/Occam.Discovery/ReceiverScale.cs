using Occam.Symbolic;

namespace Occam.Discovery;

/// <summary>
/// A loss that fits a law up to a smooth factor of the receiver's mass: for predictions g and targets h it finds the
/// factor s(m1), piecewise linear in ln m1 between <see cref="Knots"/> knots at the quantiles of ln m1, that minimises
/// Σ (h − s(m1)·g)² (a tridiagonal least-squares problem, one per evaluation), and returns the mean absolute residual.
/// The node model sees the receiver's mass and can undo any such factor, so messages s(m1)·F fit the accelerations as
/// well as F for every s and the loss of training cannot choose it; a search with this loss looks for F's dependence on
/// the rest (r, m2, q1, q2) without having to find s as an expression too.
/// </summary>
public sealed class ReceiverScale
{
    /// <summary>Knots of the piecewise-linear factor.</summary>
    public const int Knots = 8;

    readonly int[] segment; // per row: the knot interval holding its ln m1
    readonly double[] weight; // per row: the weight of the interval's upper knot (the lower gets 1 − weight)

    /// <param name="receiverMass">The receiver's mass of each row the loss will see, in order.</param>
    public ReceiverScale(IReadOnlyList<double> receiverMass)
    {
        int n = receiverMass.Count;
        if (n < 2 * Knots) throw new ArgumentException($"a receiver-scaled fit needs at least {2 * Knots} rows, got {n}");
        var log = receiverMass.Select(m => m > 0 && double.IsFinite(m)
            ? Math.Log(m) : throw new ArgumentException($"receiver masses must be positive and finite, got {m}")).ToArray();
        var sorted = log.Order().ToArray();
        var knots = Enumerable.Range(0, Knots).Select(k => sorted[(int)((long)k * (n - 1) / (Knots - 1))]).Distinct().ToArray();
        segment = new int[n];
        weight = new double[n];
        for (int i = 0; i < n; i++) (segment[i], weight[i]) = Locate(knots, log[i]);
        KnotMasses = knots.Select(Math.Exp).ToArray();
    }

    /// <summary>The receiver masses at the knots (fewer than <see cref="Knots"/> when masses repeat).</summary>
    public double[] KnotMasses { get; }

    /// <summary>This loss as the symbolic regression's custom loss.</summary>
    public CustomLoss Loss => (predictions, targets, weights) => MeanAbsoluteResidual(predictions, targets, out _);

    /// <summary>The least-squares factor s(m1) (its values at <see cref="KnotMasses"/>) of targets h ≈ s(m1)·g for
    /// predictions g, and the mean absolute residual of that fit (+∞ when a prediction is not finite).</summary>
    public double MeanAbsoluteResidual(ReadOnlySpan<double> g, ReadOnlySpan<double> h, out double[] factor)
    {
        int n = segment.Length, k = KnotMasses.Length;
        if (g.Length != n || h.Length != n) throw new ArgumentException($"expected {n} rows, got {g.Length} predictions and {h.Length} targets");
        // Normal equations of h ≈ Σ_k c_k B_k(m1)·g: each row touches two neighbouring knots, so they are tridiagonal.
        var diag = new double[k];
        var off = new double[k]; // off[j] couples knots j and j + 1
        var rhs = new double[k];
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(g[i])) { factor = new double[k]; return double.PositiveInfinity; }
            int j = segment[i];
            double upper = weight[i], lower = 1 - upper;
            double a = lower * g[i], b = upper * g[i];
            diag[j] += a * a;
            rhs[j] += a * h[i];
            if (k > 1)
            {
                diag[j + 1] += b * b;
                off[j] += a * b;
                rhs[j + 1] += b * h[i];
            }
        }
        // A tiny ridge keeps knots whose rows all have g = 0 (say, a step that is off there) at a zero factor.
        double ridge = 1e-12 * Math.Max(diag.Max(), 1e-300);
        for (int j = 0; j < k; j++) diag[j] += ridge;
        factor = SolveTridiagonal(diag, off, rhs);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.Abs(h[i] - At(i, factor) * g[i]);
        double loss = sum / n;
        return double.IsFinite(loss) ? loss : double.PositiveInfinity;
    }

    /// <summary>The factor s(m1) of each row for the factor's values at the knots (as <see cref="MeanAbsoluteResidual"/>
    /// returns them).</summary>
    public double[] PerRow(double[] factor)
    {
        if (factor.Length != KnotMasses.Length) throw new ArgumentException($"expected {KnotMasses.Length} knot values, got {factor.Length}");
        var s = new double[segment.Length];
        for (int i = 0; i < s.Length; i++) s[i] = At(i, factor);
        return s;
    }

    /// <summary>Row <paramref name="i"/>'s knot interval and the weight of its upper knot: s(m1) at the row is
    /// (1 − weight)·s[segment] + weight·s[segment + 1], a least-squares design's two columns for s(m1)·value.</summary>
    internal (int Segment, double Weight) Interval(int i) => (segment[i], weight[i]);

    /// <summary>The factor at row <paramref name="i"/>: linear between the knots of its interval.</summary>
    double At(int i, double[] factor) => Interpolate(factor, segment[i], weight[i]);

    /// <summary>The knot interval holding <paramref name="logMass"/> (ascending <paramref name="logKnots"/>) and the weight of
    /// its upper knot; below the first knot or above the last, the end interval with weight 0 or 1 (the end knot's value).</summary>
    internal static (int Segment, double Weight) Locate(IReadOnlyList<double> logKnots, double logMass)
    {
        int k = 0;
        while (k < logKnots.Count - 2 && logMass > logKnots[k + 1]) k++;
        double width = logKnots.Count > 1 ? logKnots[k + 1] - logKnots[k] : 0;
        return (k, width > 0 ? Math.Clamp((logMass - logKnots[k]) / width, 0, 1) : 0);
    }

    /// <summary>The factor with knot values <paramref name="factor"/> in interval <paramref name="segment"/> at the upper knot's
    /// weight <paramref name="weight"/>.</summary>
    internal static double Interpolate(double[] factor, int segment, double weight) =>
        (1 - weight) * factor[segment] + (factor.Length > 1 ? weight * factor[segment + 1] : 0);

    /// <summary>
    /// Refits the constants of <paramref name="g"/> (an expression on the columns of <paramref name="x"/>, whose rows are
    /// this scale's) to h ≈ s(m1)·g under the mean absolute residual, alternating the two: s by least squares as the loss
    /// fits it, then g's constants by least absolute error on h / s with weights |s| (Σ|h − s g| = Σ|s|·|h/s − g|). The
    /// search fits constants to h without the factor and keeps them only when its loss improves, and polishes its front
    /// under this loss by a derivative-free compass search at the end; these alternating fits are exact where that search
    /// stops at a step size. Returns g unchanged when no round lowers the loss.
    /// </summary>
    public Expression RefitConstants(Expression g, double[,] x, double[] h, int rounds = 20)
    {
        double best = MeanAbsoluteResidual(g.Evaluate(x), h, out var factor);
        var result = g;
        for (int round = 0; round < rounds && double.IsFinite(best); round++)
        {
            var s = PerRow(factor);
            var target = new double[s.Length];
            var weights = new double[s.Length];
            double floor = 1e-9 * s.Max(Math.Abs);
            for (int i = 0; i < s.Length; i++)
                if (Math.Abs(s[i]) > floor) (target[i], weights[i]) = (h[i] / s[i], Math.Abs(s[i]));
            var (fitted, _) = SymbolicRegression.FitConstants(result, x, target, loss: LossKind.L1, weights: weights);
            double loss = MeanAbsoluteResidual(fitted.Evaluate(x), h, out var next);
            if (!(loss < best * (1 - 1e-9))) break;
            (result, best, factor) = (fitted, loss, next);
        }
        return result;
    }

    /// <summary>Solves the symmetric tridiagonal system (diagonal, off-diagonal) x = rhs by the Thomas algorithm.</summary>
    static double[] SolveTridiagonal(double[] diag, double[] off, double[] rhs)
    {
        int k = diag.Length;
        var c = new double[k];
        var d = new double[k];
        double pivot = diag[0];
        c[0] = k > 1 ? off[0] / pivot : 0;
        d[0] = rhs[0] / pivot;
        for (int j = 1; j < k; j++)
        {
            pivot = diag[j] - off[j - 1] * c[j - 1];
            c[j] = j < k - 1 ? off[j] / pivot : 0;
            d[j] = (rhs[j] - off[j - 1] * d[j - 1]) / pivot;
        }
        var x = new double[k];
        x[k - 1] = d[k - 1];
        for (int j = k - 2; j >= 0; j--) x[j] = d[j] - c[j] * x[j + 1];
        return x;
    }
}

/// <summary>A fitted receiver factor: its values <paramref name="Factor"/> at the receiver masses
/// <paramref name="Masses"/>, linear in ln m1 between them.</summary>
public sealed record ReceiverScaleFit(double[] Masses, double[] Factor)
{
    /// <summary>The factor at receiver mass <paramref name="m1"/>: linear in ln m1 between the knots, and the end knots'
    /// values beyond them (as the fit treats rows there).</summary>
    public double At(double m1)
    {
        var (segment, weight) = ReceiverScale.Locate(Masses.Select(m => Math.Log(m)).ToArray(), Math.Log(m1));
        return ReceiverScale.Interpolate(Factor, segment, weight);
    }
}
