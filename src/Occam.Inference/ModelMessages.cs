using System.Buffers;

namespace Occam.Inference;

/// <summary>
/// The three messages a hidden state receives from the graphical model in the hybrid model (Garcia Satorras, Akata &amp;
/// Welling 2019): from its past <c>−Q⁻¹(x_t − F(x_{t−1}))</c>, from its observation <c>HᵀR⁻¹(y_t − H x_t)</c> and from its
/// future <c>J_F(x_t)ᵀQ⁻¹(x_{t+1} − F(x_t))</c>. Their sum is the gradient of log p(x, y) with respect to x_t, so
/// following it with a small enough step converges to the posterior mode (for a linear-Gaussian model, the smoother's
/// means). The first state of a chain receives the prior's pull <c>−P₀⁻¹(x₀ − μ₀)</c> as its message from the past.
/// <para>
/// States and messages are flat row-major arrays over a batch of chains: row <c>r</c> is one time step, chain
/// <c>c</c> holds rows <c>offsets[c] … offsets[c+1] − 1</c>.
/// </para>
/// </summary>
public sealed class ModelMessages
{
    private readonly StateSpaceModel model;
    private readonly double[] priorPrecision, priorMean;

    /// <summary>Prepares the messages of <paramref name="model"/>.</summary>
    /// <remarks>The messages use the model's time-invariant transition and <see cref="StateSpaceModel.Q"/>.</remarks>
    public ModelMessages(StateSpaceModel model)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        priorPrecision = StateSpaceModel.RowMajor(model.InitialCovariance.Inverse());
        priorMean = model.InitialMean.ToArray();
    }

    /// <summary>The model the messages come from.</summary>
    public StateSpaceModel Model => model;

    /// <summary>
    /// Computes the three messages of every state. <paramref name="x"/> is <c>rows × StateSize</c>,
    /// <paramref name="y"/> is <c>rows × ObservationSize</c>, and each message array is <c>rows × StateSize</c>.
    /// </summary>
    public void Compute(ReadOnlySpan<double> x, ReadOnlySpan<double> y, IReadOnlyList<int> offsets,
        Span<double> past, Span<double> observation, Span<double> future)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        int n = model.StateSize, m = model.ObservationSize;
        int rows = offsets[^1];
        if (x.Length != rows * n || y.Length != rows * m || past.Length != rows * n || observation.Length != rows * n || future.Length != rows * n)
            throw new ArgumentException($"The message arrays do not fit {rows} rows of a {n}-state, {m}-observation model.");
        var qInverse = model.QInverseRowMajor;
        var hTrInverse = model.HTransposeRInverseRowMajor;
        var h = model.HRowMajor;
        // F(x_t) once per row: the future message of t and the past message of t + 1 both need it.
        var pooled = ArrayPool<double>.Shared.Rent(rows * n);
        var transitioned = pooled.AsSpan(0, rows * n);
        for (int t = 0; t < rows; t++) model.Transition(x.Slice(t * n, n), transitioned.Slice(t * n, n));
        Span<double> residual = stackalloc double[n];
        Span<double> weighted = stackalloc double[n];
        Span<double> innovation = stackalloc double[m];
        var jacobian = new double[n * n];
        for (int c = 0; c + 1 < offsets.Count; c++)
        {
            int start = offsets[c], end = offsets[c + 1];
            for (int t = start; t < end; t++)
            {
                var xt = x.Slice(t * n, n);
                // Observation.
                for (int i = 0; i < m; i++)
                {
                    double s = y[t * m + i];
                    for (int j = 0; j < n; j++) s -= h[i * n + j] * xt[j];
                    innovation[i] = s;
                }
                MultiplyInto(hTrInverse, n, m, innovation, observation.Slice(t * n, n), scale: 1);
                // Past (or the prior, for the first state of the chain).
                if (t == start)
                {
                    for (int i = 0; i < n; i++) residual[i] = xt[i] - priorMean[i];
                    MultiplyInto(priorPrecision, n, n, residual, past.Slice(t * n, n), scale: -1);
                }
                else
                {
                    for (int i = 0; i < n; i++) residual[i] = xt[i] - transitioned[(t - 1) * n + i];
                    MultiplyInto(qInverse, n, n, residual, past.Slice(t * n, n), scale: -1);
                }
                // Future.
                var ft = future.Slice(t * n, n);
                if (t == end - 1)
                {
                    ft.Clear();
                    continue;
                }
                model.TransitionJacobian(xt, jacobian);
                for (int i = 0; i < n; i++) residual[i] = x[(t + 1) * n + i] - transitioned[t * n + i];
                MultiplyInto(qInverse, n, n, residual, weighted, scale: 1);
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int i = 0; i < n; i++) s += jacobian[i * n + j] * weighted[i];
                    ft[j] = s;
                }
            }
        }
        ArrayPool<double>.Shared.Return(pooled);
    }

    /// <summary>
    /// A step size that keeps following the messages stable: 1/L, where L bounds the largest eigenvalue of the
    /// (Gauss–Newton) Hessian of −log p(x, y) by the largest row sum of its blocks' spectral norms (block Gershgorin),
    /// with the transition's Jacobian evaluated at <paramref name="states"/> (rows × StateSize; for a linear model any
    /// single state will do).
    /// </summary>
    public double StableStepSize(ReadOnlySpan<double> states)
    {
        int n = model.StateSize;
        if (states.Length == 0 || states.Length % n != 0) throw new ArgumentException($"The linearisation points must be whole rows of {n} values.");
        var qInverse = model.QInverse;
        var observationPrecision = model.H.TransposeThisAndMultiply(model.RInverse) * model.H;
        double bound = 0;
        var priorPrecisionMatrix = model.InitialCovariance.Inverse();
        for (int r = 0; r < states.Length / n; r++)
        {
            var j = model.TransitionJacobian(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(states.Slice(r * n, n).ToArray()));
            var diagonal = qInverse + j.TransposeThisAndMultiply(qInverse * j) + observationPrecision;
            // Each interior row holds the diagonal block and one coupling to each neighbour (‖Q⁻¹J‖ = ‖JᵀQ⁻¹‖).
            double row = diagonal.L2Norm() + 2 * (qInverse * j).L2Norm();
            bound = Math.Max(bound, row);
        }
        bound += priorPrecisionMatrix.L2Norm(); // the first state's row also holds the prior's precision
        return 1.0 / bound;
    }

    static void MultiplyInto(ReadOnlySpan<double> matrix, int rows, int columns, ReadOnlySpan<double> vector, Span<double> result, double scale)
    {
        for (int i = 0; i < rows; i++)
        {
            double s = 0;
            for (int j = 0; j < columns; j++) s += matrix[i * columns + j] * vector[j];
            result[i] = scale * s;
        }
    }
}
