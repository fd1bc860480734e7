using Occam.Symbolic;

namespace Occam.Discovery;

/// <summary>
/// Judges candidate laws of a central force's signed magnitude g on what the messages exist to explain: the data's
/// accelerations. Each judged node's summed law is G_i = Σ_j g(pair_ij)·Δx_ij / r_ij over its incoming edges, and its
/// acceleration is fitted by least squares as a_i ≈ s₀(m_i)·G_i + s₁(m_i)·G_i / m_i + c, with s₀ and s₁ piecewise linear
/// in ln m (<see cref="ReceiverScale"/>'s knots): the node model's freedom in the receiver's mass, with the common factors
/// m⁰ and m⁻¹ (force and force per mass) exact. Where the record has velocities, the fit has two more terms,
/// β·v_i + γ·v_i / m_i, for forces on each body alone (the damped system's −b·v), which the node model sees and no
/// message carries. The loss is the mean absolute residual over the nodes' components, with g's constants refitted to it
/// (<see cref="SymbolicRegression.FitConstants(Expression, Func{Expression, double}, int)"/>).
/// <para>
/// The messages are the network's approximation of the law, with its flaws: a jump it smooths, a 1/r² it softens near
/// r = 0. Forms that copy those flaws fit the messages better than the law, and the search's loss cannot tell them apart.
/// The accelerations are the data, which an exact law fits to the data's precision. Discontinuous 2D bottleneck (seed 0):
/// the step cond(r − 1.99, r) and the law cond(r − 1.99, r − 1.02) have message losses 0.0061 and 0.0038, and
/// acceleration losses, refitted, 0.17 and 2·10⁻⁵ (the floor; the offset refits to 0.99), against 2.0 for g = 0.
/// </para>
/// <para>
/// Laws are written in the softened distance: their variable r is r + ε (<see cref="MessageRecord.Softening"/>), the
/// distance the simulator's potential is a function of. In the plain distance no law of the search's size is exact where
/// ε/r is not negligible, and forms that make up for it win: gaussian exp(−r²), seed 0, r/exp(r²) has loss 0.0075 and
/// r·(920 + q2 − exp(r)²)/exp(r²) 0.0047, while the same r/exp(r²) in the softened distance has 4·10⁻⁸ (the floor
/// 6·10⁻⁶); m1·m2/r³ has 0.63 against 8·10⁻⁶.
/// </para>
/// </summary>
public sealed class AccelerationJudge
{
    /// <summary>Losses below this fraction of the mean |acceleration| count as equal: the data's float32 precision.</summary>
    public const double RelativeFloor = 1e-5;

    /// <summary>Refit passes over the constants of each candidate.</summary>
    internal const int RefitPasses = 5;

    readonly MessageRecord record;
    readonly EvaluationRows lawRows; // the pair features with r softened: a law's inputs
    readonly int[][] incoming; // per judged node, its incoming edges
    readonly double[] target; // per row (node, axis): the acceleration component
    readonly double[] rowMass; // per row: the node's mass
    readonly ReceiverScale basis;
    readonly double[,] direction; // per edge: Δx / r, the same for every law judged
    readonly double[]? velocity; // per row: the node's velocity component; null without velocities
    readonly bool potential;

    AccelerationJudge(MessageRecord record, int[][] incoming, double[] target, double[] rowMass, double[]? velocity, bool potential)
    {
        this.potential = potential;
        this.record = record;
        lawRows = new EvaluationRows(record.SoftenedFeatures());
        this.incoming = incoming;
        this.target = target;
        this.rowMass = rowMass;
        this.velocity = potential ? null : velocity;
        basis = new ReceiverScale(rowMass);
        direction = new double[record.Edges, record.Dim];
        for (int e = 0; e < record.Edges; e++)
            for (int d = 0; d < record.Dim; d++) direction[e, d] = record.Features[e, d] / record.Features[e, record.Dim];
        Floor = RelativeFloor * target.Average(Math.Abs);
    }

    /// <summary>The nodes judged: those whose incoming edges all have r ≥ the minimum distance.</summary>
    public int Nodes => incoming.Length;

    /// <summary>The loss below which candidates count as exact (see <see cref="RelativeFloor"/>).</summary>
    public double Floor { get; }

    /// <summary>
    /// A judge on the record's nodes whose incoming edges all have r ≥ <paramref name="minDistance"/> (laws are searched
    /// there; nearer pairs would judge their extrapolation). Null when the record has no accelerations or fewer rows than
    /// four per fitted coefficient remain. With <paramref name="potential"/> nothing is fitted: the acceleration is the summed
    /// force over the receiver's mass, a_i = G_i / m_i, the Hamiltonian variant's a = −∇H / m, where no node model can take
    /// up a factor or a scale (nor a force on one body alone).
    /// </summary>
    public static AccelerationJudge? Create(MessageRecord record, double minDistance, bool potential = false)
    {
        if (record.Accelerations is not { } acc || record.Receiver is not { } receiver) return null;
        int dim = record.Dim, nodes = acc.GetLength(0);
        var edgesOf = Enumerable.Range(0, nodes).Select(_ => new List<int>()).ToArray();
        var near = new bool[nodes];
        for (int e = 0; e < record.Edges; e++)
        {
            edgesOf[receiver[e]].Add(e);
            if (!(record.Features[e, dim] >= minDistance)) near[receiver[e]] = true;
        }
        var judged = Enumerable.Range(0, nodes).Where(i => !near[i] && edgesOf[i].Count > 0).ToArray();
        if (judged.Length * dim < 4 * (2 * ReceiverScale.Knots + 3)) return null;
        var target = new double[judged.Length * dim];
        var rowMass = new double[judged.Length * dim];
        var velocity = record.Velocities is null ? null : new double[judged.Length * dim];
        for (int k = 0; k < judged.Length; k++)
            for (int d = 0; d < dim; d++)
            {
                target[k * dim + d] = acc[judged[k], d];
                rowMass[k * dim + d] = record.ReceiverMass[edgesOf[judged[k]][0]];
                if (velocity is not null) velocity[k * dim + d] = record.Velocities![judged[k], d];
            }
        return new AccelerationJudge(record, judged.Select(i => edgesOf[i].ToArray()).ToArray(), target, rowMass, velocity, potential);
    }

    /// <summary>The loss of a law (in the pair features, r softened) with its constants as they are (+∞ when not finite).</summary>
    public double Loss(Expression law) => Loss(law.Evaluate(lawRows));

    /// <summary>The loss of a law's values <paramref name="g"/>, one per recorded edge (+∞ when not finite).</summary>
    public double Loss(ReadOnlySpan<double> g)
    {
        if (Summed(g) is not { } summed) return double.PositiveInfinity;
        var prediction = potential ? summed : FitPrediction(summed);
        double loss = 0;
        for (int row = 0; row < target.Length; row++) loss += Math.Abs(target[row] - prediction[row]);
        loss /= target.Length;
        return double.IsFinite(loss) ? loss : double.PositiveInfinity;
    }

    /// <summary>
    /// The least-squares prediction of the accelerations from the summed law G per row: a ≈ s₀(m)·G + s₁(m)·G / m
    /// [+ β·v + γ·v / m] + c. Each row has at most seven nonzero columns (two knots of each factor's basis, the velocity
    /// terms and the intercept), so the normal equations are accumulated from those alone, then equilibrated (each column
    /// scaled to unit diagonal) with a ridge of 10⁻¹² and solved.
    /// </summary>
    double[] FitPrediction(double[] summed) => Predict(summed, FitCoefficients(summed));

    /// <summary>The prediction from the summed law with the coefficients <paramref name="fit"/> (<see cref="FitCoefficients"/>).</summary>
    double[] Predict(double[] summed, (double[] W, double[] Scale) fit)
    {
        var (w, scale) = fit;
        int n = target.Length;
        Span<int> column = stackalloc int[7];
        Span<double> value = stackalloc double[7];
        var prediction = new double[n];
        for (int row = 0; row < n; row++)
        {
            int nz = Row(row, summed[row], column, value);
            double sum = 0;
            for (int u = 0; u < nz; u++) sum += value[u] * w[column[u]] * scale[column[u]];
            prediction[row] = sum;
        }
        return prediction;
    }

    /// <summary>The least-squares coefficients of <see cref="FitPrediction"/>'s design for the summed law, each column's
    /// to be multiplied by its scale.</summary>
    (double[] W, double[] Scale) FitCoefficients(double[] summed)
    {
        int knots = basis.KnotMasses.Length, p = 2 * knots + (velocity is null ? 0 : 2) + 1, n = target.Length;
        Span<double> upper = stackalloc double[p * p]; // the normal equations' upper triangle, row-major
        upper.Clear();
        var b = new double[p];
        Span<int> column = stackalloc int[7];
        Span<double> value = stackalloc double[7];
        for (int row = 0; row < n; row++)
        {
            int nz = Row(row, summed[row], column, value); // columns ascending
            for (int u = 0; u < nz; u++)
            {
                double vu = value[u];
                int offset = column[u] * p;
                b[column[u]] += vu * target[row];
                for (int v = u; v < nz; v++) upper[offset + column[v]] += vu * value[v];
            }
        }
        var a = new double[p, p];
        for (int j = 0; j < p; j++)
            for (int k = j; k < p; k++) a[j, k] = a[k, j] = upper[j * p + k];
        var scale = new double[p];
        for (int j = 0; j < p; j++) scale[j] = a[j, j] > 0 ? 1 / Math.Sqrt(a[j, j]) : 1;
        for (int j = 0; j < p; j++)
        {
            b[j] *= scale[j];
            for (int k = 0; k < p; k++) a[j, k] *= scale[j] * scale[k];
            a[j, j] += 1e-12;
        }
        return (LinearFit.Solve(a, b), scale);
    }

    /// <summary>
    /// Per row, the prediction's coefficient φ of the summed law G and the rest ψ, for the coefficients <paramref name="fit"/> of
    /// the summed law (<see cref="FitCoefficients"/>; null for a potential): prediction = φ·G + ψ. For a potential's force
    /// φ = 1 and ψ = 0 (<see cref="Summed"/> has divided by the receiver's mass).
    /// </summary>
    (double[] Phi, double[] Psi) Linearise((double[] W, double[] Scale)? fit)
    {
        int n = target.Length;
        var (phi, psi) = (new double[n], new double[n]);
        if (fit is not var (w, scale))
        {
            Array.Fill(phi, 1.0);
            return (phi, psi);
        }
        Span<int> column = stackalloc int[7];
        Span<double> value = stackalloc double[7];
        for (int row = 0; row < n; row++)
        {
            // the design's row at G = 1 gives φ; its constant columns (velocity terms, intercept) give ψ
            int nz = Row(row, 1, column, value), lawColumns = 2 * basis.KnotMasses.Length;
            for (int u = 0; u < nz; u++)
            {
                double term = value[u] * w[column[u]] * scale[column[u]];
                if (column[u] < lawColumns) phi[row] += term;
                else psi[row] += term;
            }
        }
        return (phi, psi);
    }

    /// <summary>Per row (node, axis), the law's values summed over the node's incoming edges along the axis (over the
    /// receiver's mass for a potential's force); null when one is not finite.</summary>
    double[]? Summed(ReadOnlySpan<double> g)
    {
        int dim = record.Dim;
        var summed = new double[target.Length];
        for (int k = 0; k < incoming.Length; k++)
            for (int d = 0; d < dim; d++)
            {
                double sum = 0;
                foreach (int e in incoming[k]) sum += g[e] * direction[e, d];
                if (!double.IsFinite(sum)) return null;
                summed[k * dim + d] = potential ? sum / rowMass[k * dim + d] : sum;
            }
        return summed;
    }

    /// <summary>The sum of squared residuals of the least-squares prediction from <paramref name="summed"/> (+∞ when null
    /// or not finite), and the coefficients fitted (null for a potential, or when <paramref name="summed"/> is).</summary>
    (double Error, (double[] W, double[] Scale)? Fit) SquaredError(double[]? summed)
    {
        if (summed is null) return (double.PositiveInfinity, null);
        (double[] W, double[] Scale)? fit = potential ? null : FitCoefficients(summed);
        var prediction = fit is { } f ? Predict(summed, f) : summed;
        double sum = 0;
        for (int row = 0; row < target.Length; row++) sum += (target[row] - prediction[row]) * (target[row] - prediction[row]);
        return (double.IsFinite(sum) ? sum : double.PositiveInfinity, fit);
    }

    /// <summary>
    /// The law's constants fitted to the accelerations by Gauss–Newton with Levenberg–Marquardt damping, the linear
    /// coefficients solved afresh at every trial (variable projection): for fixed coefficients the prediction is
    /// φ·G(θ) + ψ per row (<see cref="Linearise"/>), so the Jacobian is φ times the summed law's derivatives in the
    /// constants, taken by forward differences. Least squares, where <see cref="Loss(Expression)"/> reports the mean absolute
    /// residual: fast enough for a search's every constant fit (<see cref="SymbolicRegressionOptions.ConstantFit"/>), where
    /// <see cref="Refit"/>'s compass search is not.
    /// </summary>
    /// <param name="law">The law, whose constants start the fit.</param>
    /// <param name="values">The law's value on every recorded edge (for a law over other variables than the pair
    /// features, e.g. a search's).</param>
    /// <param name="iterations">Gauss–Newton steps at most.</param>
    public Expression FitConstants(Expression law, Func<Expression, double[]> values, int iterations = 10)
    {
        var theta = law.Constants;
        int k = theta.Length;
        if (k == 0) return law;
        var summed = Summed(values(law));
        var (error, fit) = SquaredError(summed); // each trial's coefficients serve the next step's linearisation
        if (!double.IsFinite(error)) return law;
        double damping = 1e-3;
        for (int it = 0; it < iterations; it++)
        {
            var (phi, psi) = Linearise(fit);
            int n = target.Length, q = k + 1;
            // the constants' columns, then the law's overall scale (φ·G): a constant that trades against the scale (c in
            // r − c) moves with it, where alone each step would be undone by the next refit of the coefficients
            var jacobian = new double[q][];
            for (int j = 0; j < k; j++)
            {
                double h = 1e-6 * Math.Max(1, Math.Abs(theta[j]));
                var moved = (double[])theta.Clone();
                moved[j] += h;
                var shifted = Summed(values(law.WithConstants(moved)));
                if (shifted is null) return law.WithConstants(theta);
                jacobian[j] = new double[n];
                for (int row = 0; row < n; row++) jacobian[j][row] = phi[row] * (shifted[row] - summed![row]) / h;
            }
            jacobian[k] = new double[n];
            for (int row = 0; row < n; row++) jacobian[k][row] = phi[row] * summed![row];
            var a = new double[q, q];
            var b = new double[q];
            for (int row = 0; row < n; row++)
            {
                double residual = target[row] - psi[row] - phi[row] * summed![row];
                for (int j = 0; j < q; j++)
                {
                    b[j] += jacobian[j][row] * residual;
                    for (int l = 0; l <= j; l++) a[j, l] += jacobian[j][row] * jacobian[l][row];
                }
            }
            for (int j = 0; j < q; j++)
                for (int l = j + 1; l < q; l++) a[j, l] = a[l, j];
            bool improved = false;
            for (int attempt = 0; attempt < 6 && !improved; attempt++)
            {
                var damped = (double[,])a.Clone();
                for (int j = 0; j < q; j++) damped[j, j] += damping * a[j, j] + 1e-300;
                var step = LinearFit.Solve(damped, b);
                var trial = theta.Zip(step, (t, d) => t + d).ToArray(); // the scale's step is left to the refit
                if (trial.Any(t => !double.IsFinite(t))) { damping *= 4; continue; }
                var trialSummed = Summed(values(law.WithConstants(trial)));
                var (trialError, trialFit) = SquaredError(trialSummed);
                if (trialError < error)
                {
                    bool converged = error - trialError <= 1e-12 * error;
                    (theta, summed, error, fit, improved) = (trial, trialSummed, trialError, trialFit, true);
                    damping = Math.Max(damping / 3, 1e-9);
                    if (converged) return law.WithConstants(theta);
                }
                else damping *= 4;
            }
            if (!improved) break;
        }
        return law.WithConstants(theta);
    }

    /// <summary>The nonzero columns of a row of the design, ascending, and their values; returns how many.</summary>
    int Row(int row, double summed, Span<int> column, Span<double> value)
    {
        int knots = basis.KnotMasses.Length, nz = 0;
        var (segment, weight) = basis.Interval(row);
        foreach (var (offset, g) in (ReadOnlySpan<(int, double)>)[(0, summed), (knots, summed / rowMass[row])])
        {
            column[nz] = offset + segment; value[nz++] = (1 - weight) * g;
            if (knots > 1) { column[nz] = offset + segment + 1; value[nz++] = weight * g; }
        }
        if (velocity is not null)
        {
            column[nz] = 2 * knots; value[nz++] = velocity[row];
            column[nz] = 2 * knots + 1; value[nz++] = velocity[row] / rowMass[row];
        }
        column[nz] = 2 * knots + (velocity is null ? 0 : 2); value[nz++] = 1;
        return nz;
    }

    /// <summary><see cref="FitConstants(Expression, Func{Expression, double[]}, int)"/> for a law on the pair features (r
    /// softened), as <see cref="Loss(Expression)"/> takes it.</summary>
    public Expression FitConstants(Expression law, int iterations = 10) => FitConstants(law, e => e.Evaluate(lawRows), iterations);

    /// <summary>The law with its constants refitted to the accelerations, and its loss there.</summary>
    public (Expression Law, double Loss) Refit(Expression law) => SymbolicRegression.FitConstants(law, Loss, RefitPasses);
}
