using Occam.Physics;
using Occam.Symbolic;

namespace Occam.Discovery;

/// <summary>
/// The judge stage: the recovered expressions against the system's law on fresh edges (the recovery check), and the
/// network against the equations as a force law, in and out of distribution.
/// </summary>
public static class JudgeStage
{

    /// <summary>The distillation with its recovery check on the fresh and wide records; as it is when the system's law is
    /// unknown or there are no fresh records.</summary>
    public static DistillationResult Judge(DistillationResult distillation, DiscoveryRecords records, DiscoverySystem? system, bool hamiltonian)
    {
        if (system is null || records.Fresh is null) return distillation;
        var check = CheckRecovery(distillation.Expressions, records.Fresh, system, hamiltonian, wide: records.Wide);
        if (!hamiltonian && distillation.Radial is { SoftenedLaw: { } law }) check = CheckForm(check, law, records.Fresh, records.Wide);
        // a potential's form is that of the central force it exerts: U up to a constant
        if (hamiltonian && distillation.SoftenedPotential is { } potential && DistilStage.CentralForce(potential, records.Fresh) is { } force)
            check = CheckForm(check with { PerMass = false }, force, records.Fresh, records.Wide) with { PerMass = check.PerMass };
        return distillation with { Recovery = check };
    }

    /// <summary>The form check's tolerance on 1 − R²: an exact form refits to the force's double precision (10⁻¹⁴ and
    /// below: 0 for every one of the 48 paper-case runs at seeds 0–2, 10⁻¹⁵ for the potential matrix's), while forms that
    /// only resemble the law stay far above it. Potential matrix, seed 0: the gaussian's r·(920 + q2 − exp(r)²)/exp(r²) and
    /// the log-well's sqrt(0.014/(4.1 + (0.98/r − r)²)) scored fresh-edge R² 0.99992 and 0.999997 against the force, and
    /// passed the R² ≥ 0.99 rule; the refinement's morse lookalike (r − 1.0)/(−0.89 − (0.43 + exp(1.045·r))·r), five
    /// constants, 1 − R² = 5.9·10⁻⁸ (1.3·10⁻⁷ at twice the spread), passed the earlier tolerance 10⁻⁶.</summary>
    public const double FormTolerance = 1e-9;

    /// <summary>How far the form check may move each of the law's constants: this fraction of its size (at least of 1).</summary>
    public const double FormConstantShift = 0.01;

    /// <summary>
    /// The form check of a force frame's law (in the softened distance): with its constants and a scale refitted to the true
    /// force's signed magnitude (F·Δx / r, or that per receiver mass as <paramref name="check"/> compared) on the fresh edges
    /// and those at twice the position spread, each at least the check's minimum distance apart, 1 − R² ≤
    /// <see cref="FormTolerance"/> on both, each of its constants moved by at most <see cref="FormConstantShift"/>. So the law is the force's up to its constants, not a form that resembles it over the range
    /// the network saw. A failed form check makes <paramref name="check"/> not recovered, with the reason.
    /// </summary>
    public static RecoveryCheck CheckForm(RecoveryCheck check, Expression law, MessageRecord fresh, MessageRecord? wide)
    {
        var sets = new[] { fresh, wide }.OfType<MessageRecord>().Select(r => Rows(r, check.PerMass, check.MinDistance)).ToArray();
        if (sets.Any(set => set.Y.Length < 3)) return check;
        double Gap(Expression e) => sets.Max(set => 1 - R2(e, set.X, set.Y));
        // Levenberg–Marquardt on every edge, then a compass search on the worse set's 1 − R², which moves what has no
        // gradient: the threshold of a cond (discontinuous 2D bottleneck, seed 1: the jump refitted to the accelerations at
        // r' = 2.0016; fresh edges cannot place it, and 1 − R² was 1.3·10⁻⁴ at twice the spread with the threshold there).
        // The law's constants stay within FormConstantShift of the judge's: the check is of the form with the constants the
        // run found, not of a limit of it (the gaussian's lookalike r·(920 + q2 − exp(r)²)/exp(r²) tends to the law as
        // 920 → ∞).
        var (x, y) = (Stack(sets.Select(set => set.X).ToArray()), sets.SelectMany(set => set.Y).ToArray());
        var start = ScaleOf(law, x, y) * law;
        var fitted = SymbolicRegression.FitConstants(start, x, y).Expression;
        if (!Near(fitted)) fitted = start;
        fitted = SymbolicRegression.FitConstants(fitted, e => Near(e) ? Gap(e) : double.PositiveInfinity, passes: 5).Expression;
        double r2 = R2(fitted, sets[0].X, sets[0].Y);
        double? r2Wide = sets.Length > 1 ? R2(fitted, sets[1].X, sets[1].Y) : null;
        string? failed = !(1 - r2 <= FormTolerance) ? $"1 − R² = {1 - r2:G2} on fresh edges"
            : r2Wide is double w && !(1 - w <= FormTolerance) ? $"1 − R² = {1 - w:G2} at twice the position spread" : null;
        return check with
        {
            FormR2 = r2, FormR2Wide = r2Wide, Recovered = check.Recovered && failed is null,
            Reason = check.Recovered && failed is not null
                ? $"not the force's form: with its constants refitted to the true force, {failed} (> {FormTolerance:G1})" : check.Reason,
        };

        // Every constant but the scale (the first) within the shift of its value in start.
        bool Near(Expression e)
        {
            var (a, b) = (e.Constants, start.Constants);
            for (int k = 1; k < a.Length; k++)
                if (!(Math.Abs(a[k] - b[k]) <= FormConstantShift * Math.Max(1, Math.Abs(b[k])))) return false;
            return true;
        }

        static double[,] Stack(double[][,] parts)
        {
            int columns = parts[0].GetLength(1), row = 0;
            var all = new double[parts.Sum(p => p.GetLength(0)), columns];
            foreach (var part in parts)
                for (int i = 0; i < part.GetLength(0); i++, row++)
                    for (int j = 0; j < columns; j++) all[row, j] = part[i, j];
            return all;
        }
    }

    /// <summary>The record's edges at least <paramref name="minDistance"/> apart: their pair features with r softened, and
    /// the true force's signed magnitude F·Δx / r (per receiver mass with <paramref name="perMass"/>).</summary>
    static (double[,] X, double[] Y) Rows(MessageRecord record, bool perMass, double minDistance)
    {
        int dim = record.Dim;
        var rows = Enumerable.Range(0, record.Edges).Where(i => record.Features[i, dim] >= minDistance).ToArray();
        var softened = record.SoftenedFeatures();
        var magnitude = DistilStage.Magnitude(record.Force, record);
        var x = new double[rows.Length, record.FeatureNames.Length];
        var y = new double[rows.Length];
        for (int k = 0; k < rows.Length; k++)
        {
            int i = rows[k];
            for (int j = 0; j < x.GetLength(1); j++) x[k, j] = softened[i, j];
            y[k] = magnitude[i] / (perMass ? record.ReceiverMass[i] : 1);
        }
        return (x, y);
    }

    /// <summary>The least-squares scale s of s·<paramref name="law"/> ≈ <paramref name="y"/> (1 when there is none): the
    /// start of a refit of the law's constants to <paramref name="y"/>.</summary>
    internal static double ScaleOf(Expression law, double[,] x, double[] y)
    {
        var g = law.Evaluate(x);
        double gy = 0, gg = 0;
        for (int k = 0; k < y.Length; k++) if (double.IsFinite(g[k])) { gy += g[k] * y[k]; gg += g[k] * g[k]; }
        return gg > 0 && double.IsFinite(gy / gg) ? gy / gg : 1;
    }

    /// <summary>R² of the best affine map of <paramref name="law"/>'s values onto <paramref name="y"/> (0 when not finite).</summary>
    internal static double R2(Expression law, double[,] x, double[] y)
    {
        var values = law.Evaluate(x);
        if (values.Any(v => !double.IsFinite(v))) return 0;
        var design = new double[y.Length, 1];
        for (int k = 0; k < y.Length; k++) design[k, 0] = values[k];
        return LinearFit.Fit(design, y).R2;
    }

    /// <summary>The network against the recovered equations, on the fresh data (calibrated on its record) and the wide
    /// data; null for the Hamiltonian variant.</summary>
    public static OutOfDistributionCheck? OutOfDistribution(ParticleNetwork network, DistillationResult distillation, DiscoveryRecords records,
        CheckData checks, IProgress<DiscoveryProgress>? progress = null)
    {
        if (network.Options.Variant == MessageVariant.Hamiltonian || records.Fresh is null) return null;
        progress?.Report(new DiscoveryProgress("out-of-distribution check", 0, "twice the position spread"));
        return CompareOutOfDistribution(network, distillation.Expressions, records.Fresh, distillation.Recovery.PerMass, checks.Fresh, checks.Wide);
    }

    /// <summary>
    /// Fresh edges closer than this are left out of the recovery R²: ten softening lengths (r' = r + 0.01). Inside it the
    /// simulator's softened force departs from the law's unsoftened form by 10 % (1/r) to 20 % (1/r²) and more, and
    /// because the force diverges there, those few edges (≈ 0.5 %) would carry most of the variance: the exact r1 law
    /// m2·Δ/r² scored R² 0.988 / 0.977 on all fresh edges and 0.9994 / 0.9991 beyond 0.1 (docs/discover.md).
    /// </summary>
    public const double RecoveryMinDistance = 10 * ParticleSystem.DefaultSoftening;

    /// <summary>
    /// Recovery: the expressions, as a vector, match the true force (or force / receiver mass; for the Hamiltonian
    /// variant the pair potential) up to an invertible linear map plus constant on fresh edges at least
    /// <paramref name="minDistance"/> apart (every target component's R² ≥ 0.99), and they name the variables the law needs.
    /// With <paramref name="wide"/> (fresh edges at twice the position spread) the same fit must hold there too: a
    /// wrong power can match the law over the range the network saw (r² − 1 against the spring's r − 1 near r = 1, or
    /// c·r² against the discontinuous force's r − 1 just beyond its jump), but not over a range twice as wide.
    /// </summary>
    public static RecoveryCheck CheckRecovery(Expression[] expressions, MessageRecord fresh, DiscoverySystem system, bool hamiltonian,
        double threshold = 0.99, double minDistance = RecoveryMinDistance, MessageRecord? wide = null)
    {
        var (r2, perMass, all) = RecoveryFits(expressions, fresh, hamiltonian, minDistance, perMass: null);
        double[]? r2Wide = wide is null ? null : RecoveryFits(expressions, wide, hamiltonian, minDistance, perMass).R2;
        int dim = fresh.Dim, targets = hamiltonian ? 1 : dim;
        var used = expressions.SelectMany(x => x.Nodes.ToArray()
            .Where(n => n.Op == OpCode.Variable).Select(n => x.VariableNames[n.Index])).ToHashSet();
        var missing = system.RequiredVariables(dim, perMass, hamiltonian).Where(v => !used.Contains(v)).ToArray();
        bool fitOk = r2.Min() >= threshold && expressions.Length >= targets;
        bool wideOk = r2Wide is null || r2Wide.Min() >= threshold;
        bool structureOk = missing.Length == 0;
        string reason = !fitOk ? $"fresh-edge R² {r2.Min():F4} < {threshold}"
            : !wideOk ? $"R² at twice the position spread {r2Wide!.Min():F4} < {threshold}: the form does not extrapolate"
            : !structureOk ? $"expressions do not use {string.Join(", ", missing)}"
            : "ok";
        return new RecoveryCheck(fitOk && wideOk && structureOk, r2, perMass, structureOk, missing, reason, minDistance, all, r2Wide);
    }

    /// <summary>R² per target of the expressions' linear fit on the edges at least <paramref name="minDistance"/> apart,
    /// against F or F / m_receiver (<paramref name="perMass"/>; null: whichever fits better), and on every edge.</summary>
    static (double[] R2, bool PerMass, double[] AllEdges) RecoveryFits(Expression[] expressions, MessageRecord fresh, bool hamiltonian,
        double minDistance, bool? perMass)
    {
        int k = expressions.Length, dim = fresh.Dim;
        var values = expressions.Select(x => x.Evaluate(fresh.Features)).ToArray();
        if (hamiltonian && fresh.ReferenceDistance is double reference)
        {
            // the record's potential is U(r) − U(r_ref): the laws are compared in the same difference
            var atReference = expressions.Select(x => x.Evaluate(AtDistance(fresh, reference))).ToArray();
            for (int j = 0; j < k; j++)
                for (int i = 0; i < fresh.Edges; i++) values[j][i] -= atReference[j][i];
        }
        var outside = Enumerable.Range(0, fresh.Edges).Where(i => fresh.Features[i, dim] >= minDistance).ToArray();
        int targets = hamiltonian ? 1 : dim;
        double[,] Design(int[] rows)
        {
            var e = new double[rows.Length, k];
            for (int j = 0; j < k; j++)
                for (int i = 0; i < rows.Length; i++) e[i, j] = double.IsFinite(values[j][rows[i]]) ? values[j][rows[i]] : 0;
            return e;
        }
        double[] Fits(bool perMass, int[] rows, double[,] e)
        {
            var r2 = new double[targets];
            for (int d = 0; d < targets; d++)
            {
                var y = new double[rows.Length];
                for (int i = 0; i < rows.Length; i++)
                {
                    int row = rows[i];
                    double v = hamiltonian ? fresh.Potential[row] : fresh.Force[row, d];
                    y[i] = perMass ? v / fresh.ReceiverMass[row] : v;
                }
                r2[d] = rows.Length > k + 1 ? LinearFit.Fit(e, y).R2 : double.NaN;
            }
            return r2;
        }
        var design = Design(outside);
        bool usePerMass = perMass ?? Fits(true, outside, design).Min() > Fits(false, outside, design).Min();
        var best = Fits(usePerMass, outside, design);
        var everyEdge = Enumerable.Range(0, fresh.Edges).ToArray();
        return (best, usePerMass, Fits(usePerMass, everyEdge, Design(everyEdge)));
    }

    /// <summary>The record's pair features with each pair moved along its axis to distance <paramref name="distance"/>.</summary>
    static double[,] AtDistance(MessageRecord record, double distance)
    {
        var x = (double[,])record.Features.Clone();
        for (int i = 0; i < record.Edges; i++)
        {
            double scale = distance / record.Features[i, record.Dim];
            for (int d = 0; d < record.Dim; d++) x[i, d] *= scale;
            x[i, record.Dim] = distance;
        }
        return x;
    }

    /// <summary>
    /// Compares the network with the recovered equations as a force law: the expressions E are mapped onto the true
    /// force (or F / m_receiver) by the linear fit on <paramref name="calibration"/>, summed over senders and turned into
    /// accelerations, plus a damping force −b·v on each body with b fitted on the calibration's nodes
    /// (<see cref="BodyDamping"/>); errors are measured on <paramref name="inDistribution"/> and
    /// <paramref name="outOfDistribution"/>.
    /// </summary>
    public static OutOfDistributionCheck CompareOutOfDistribution(ParticleNetwork network, Expression[] expressions, MessageRecord calibration,
        bool perMass, ParticleData inDistribution, ParticleData outOfDistribution)
    {
        int dim = calibration.Dim, k = expressions.Length, rows = calibration.Edges;
        var e = new double[rows, k];
        for (int j = 0; j < k; j++)
        {
            var v = expressions[j].Evaluate(calibration.Features);
            for (int i = 0; i < rows; i++) e[i, j] = double.IsFinite(v[i]) ? v[i] : 0;
        }
        var maps = new double[dim][];
        for (int d = 0; d < dim; d++)
        {
            var y = new double[rows];
            for (int i = 0; i < rows; i++) y[i] = perMass ? calibration.Force[i, d] / calibration.ReceiverMass[i] : calibration.Force[i, d];
            maps[d] = LinearFit.Fit(e, y).Coefficients;
        }
        var pairAcceleration = new double[rows, dim];
        for (int i = 0; i < rows; i++)
            for (int d = 0; d < dim; d++)
            {
                double force = maps[d][k];
                for (int q = 0; q < k; q++) force += maps[d][q] * e[i, q];
                pairAcceleration[i, d] = perMass ? force : force / calibration.ReceiverMass[i];
            }
        double damping = BodyDamping(calibration, pairAcceleration);
        double EquationError(ParticleData data)
        {
            int n = data.Bodies;
            var row = new double[MessageRecord.PairFeatureNames(dim).Length];
            var values = new double[k];
            double sum = 0;
            for (int s = 0; s < data.Samples; s++)
                for (int i = 0; i < n; i++)
                {
                    var acc = new double[dim];
                    for (int j = 0; j < n; j++)
                    {
                        if (i == j) continue;
                        MessageRecord.PairFeatures(data, s, i, j, row);
                        for (int q = 0; q < k; q++)
                        {
                            double v = expressions[q].Evaluate(row);
                            values[q] = double.IsFinite(v) ? v : 0;
                        }
                        for (int d = 0; d < dim; d++)
                        {
                            double force = maps[d][k];
                            for (int q = 0; q < k; q++) force += maps[d][q] * values[q];
                            acc[d] += perMass ? force : force / data.Mass(s, i);
                        }
                    }
                    for (int d = 0; d < dim; d++)
                        sum += Math.Abs(acc[d] - damping * data.Velocity(s, i, d) / data.Mass(s, i) - data.Accelerations[(s * n + i) * dim + d]);
                }
            return sum / ((long)data.Samples * n);
        }
        return new OutOfDistributionCheck(Trainer.Evaluate(network, inDistribution), EquationError(inDistribution),
            Trainer.Evaluate(network, outOfDistribution), EquationError(outOfDistribution), damping);
    }

    /// <summary>
    /// The damping b of a force −b·v on each body that the pair forces leave in <paramref name="record"/>'s accelerations:
    /// least squares of a_i − Σ_e p_e ≈ −b·v_i / m_i over the record's nodes and axes, where p_e
    /// (<paramref name="pairAcceleration"/>, edges × dim) is each edge's share of its receiver's acceleration. 0 when the
    /// record has no nodes or no velocities.
    /// </summary>
    internal static double BodyDamping(MessageRecord record, double[,] pairAcceleration)
    {
        if (record.Accelerations is not { } acc || record.Velocities is not { } vel || record.Receiver is not { } receiver) return 0;
        int nodes = acc.GetLength(0), dim = record.Dim;
        var residual = (double[,])acc.Clone();
        var mass = new double[nodes];
        for (int e = 0; e < record.Edges; e++)
        {
            mass[receiver[e]] = record.ReceiverMass[e];
            for (int d = 0; d < dim; d++) residual[receiver[e], d] -= pairAcceleration[e, d];
        }
        double num = 0, den = 0;
        for (int i = 0; i < nodes; i++)
        {
            if (!(mass[i] > 0)) continue; // a node without incoming edges
            for (int d = 0; d < dim; d++)
            {
                double x = -vel[i, d] / mass[i];
                num += x * residual[i, d];
                den += x * x;
            }
        }
        return den > 0 ? num / den : 0;
    }
}
