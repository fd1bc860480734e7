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
    readonly double[,] lawFeatures; // the pair features with r softened: a law's inputs
    readonly int[][] incoming; // per judged node, its incoming edges
    readonly double[] target; // per row (node, axis): the acceleration component
    readonly double[] rowMass; // per row: the node's mass
    readonly ReceiverScale basis;
    readonly double[,] direction; // per edge: Δx / r, the same for every law judged
    readonly double[,] design; // per row: s₀'s and s₁'s basis times G and G / m (each row's nonzero columns are fixed by its
                               // mass), then v and v / m when there are velocities; none for a potential's force
    readonly bool potential;

    AccelerationJudge(MessageRecord record, int[][] incoming, double[] target, double[] rowMass, double[]? velocity, bool potential)
    {
        this.potential = potential;
        this.record = record;
        lawFeatures = record.SoftenedFeatures();
        this.incoming = incoming;
        this.target = target;
        this.rowMass = rowMass;
        basis = new ReceiverScale(rowMass);
        direction = new double[record.Edges, record.Dim];
        for (int e = 0; e < record.Edges; e++)
            for (int d = 0; d < record.Dim; d++) direction[e, d] = record.Features[e, d] / record.Features[e, record.Dim];
        int columns = 2 * basis.KnotMasses.Length;
        design = new double[potential ? 0 : target.Length, columns + (velocity is null ? 0 : 2)];
        if (velocity is not null && !potential)
            for (int row = 0; row < target.Length; row++)
            {
                design[row, columns] = velocity[row];
                design[row, columns + 1] = velocity[row] / rowMass[row];
            }
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
    public double Loss(Expression law)
    {
        int dim = record.Dim;
        var g = law.Evaluate(lawFeatures);
        var x = design; // every call rewrites the same entries of each row
        var x0 = potential ? new double[target.Length] : [];
        for (int k = 0; k < incoming.Length; k++)
            for (int d = 0; d < dim; d++)
            {
                double sum = 0;
                foreach (int e in incoming[k]) sum += g[e] * direction[e, d];
                if (!double.IsFinite(sum)) return double.PositiveInfinity;
                int row = k * dim + d;
                if (potential)
                {
                    x0[row] = sum / rowMass[row];
                    continue;
                }
                basis.Fill(row, sum, x, 0);
                basis.Fill(row, sum / rowMass[row], x, basis.KnotMasses.Length);
            }
        var prediction = potential ? x0 : LinearFit.Predict(x, LinearFit.Fit(x, target).Coefficients);
        double loss = 0;
        for (int row = 0; row < target.Length; row++) loss += Math.Abs(target[row] - prediction[row]);
        loss /= target.Length;
        return double.IsFinite(loss) ? loss : double.PositiveInfinity;
    }

    /// <summary>The law with its constants refitted to the accelerations, and its loss there.</summary>
    public (Expression Law, double Loss) Refit(Expression law) => SymbolicRegression.FitConstants(law, Loss, RefitPasses);
}
