using MathNet.Numerics.LinearAlgebra;

namespace Occam.Inference;

/// <summary>
/// A state-space model with additive Gaussian noise: <c>x₀ ~ N(μ₀, P₀)</c>, <c>x_t = F(x_{t−1}) + w_t</c> with
/// <c>w_t ~ N(0, Q)</c>, and <c>y_t = H x_t + v_t</c> with <c>v_t ~ N(0, R)</c>. The transition <c>F</c> and its
/// Jacobian are given by the subclass: <see cref="LinearGaussianModel"/> (<c>F(x) = A x</c>) or
/// <see cref="NonlinearGaussianModel"/> (any differentiable <c>F</c>).
/// </summary>
public abstract class StateSpaceModel
{
    private readonly double[] qInverse, hTransposeRInverse, h;

    /// <summary>Checks and stores the noise and observation matrices and the prior of the first state.</summary>
    /// <exception cref="ArgumentException">A matrix has the wrong shape, is not symmetric positive definite, or holds a non-finite value.</exception>
    protected StateSpaceModel(Matrix<double> q, Matrix<double> h, Matrix<double> r, Vector<double> initialMean, Matrix<double> initialCovariance)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(initialMean);
        ArgumentNullException.ThrowIfNull(initialCovariance);
        StateSize = q.RowCount;
        ObservationSize = h.RowCount;
        if (StateSize == 0 || ObservationSize == 0) throw new ArgumentException("A state-space model needs at least one state and one observed component.");
        CheckCovariance(q, StateSize, "the process noise Q");
        CheckCovariance(r, ObservationSize, "the observation noise R");
        CheckCovariance(initialCovariance, StateSize, "the initial covariance P₀");
        if (h.ColumnCount != StateSize) throw new ArgumentException($"The observation matrix H is {h.RowCount}×{h.ColumnCount}; it needs {StateSize} columns (the state size).");
        CheckFinite(h, "the observation matrix H");
        if (initialMean.Count != StateSize) throw new ArgumentException($"The initial mean has {initialMean.Count} components; the state has {StateSize}.");
        if (initialMean.Any(v => !double.IsFinite(v))) throw new ArgumentException("The initial mean has a non-finite value.");
        Q = q;
        H = h;
        R = r;
        InitialMean = initialMean;
        InitialCovariance = initialCovariance;
        QInverse = q.Inverse();
        RInverse = r.Inverse();
        qInverse = RowMajor(QInverse);
        this.h = RowMajor(h);
        hTransposeRInverse = RowMajor(h.TransposeThisAndMultiply(RInverse));
    }

    /// <summary>Size of the hidden state.</summary>
    public int StateSize { get; }

    /// <summary>Size of an observation.</summary>
    public int ObservationSize { get; }

    /// <summary>Process noise covariance.</summary>
    public Matrix<double> Q { get; }

    /// <summary>Observation matrix.</summary>
    public Matrix<double> H { get; }

    /// <summary>Observation noise covariance.</summary>
    public Matrix<double> R { get; }

    /// <summary>Q⁻¹.</summary>
    public Matrix<double> QInverse { get; }

    /// <summary>R⁻¹.</summary>
    public Matrix<double> RInverse { get; }

    /// <summary>Mean of the prior on the first state.</summary>
    public Vector<double> InitialMean { get; }

    /// <summary>Covariance of the prior on the first state.</summary>
    public Matrix<double> InitialCovariance { get; }

    /// <summary>Writes <c>F(x)</c> into <paramref name="result"/>.</summary>
    public abstract void Transition(ReadOnlySpan<double> x, Span<double> result);

    /// <summary>Writes the Jacobian <c>∂F/∂x</c> at <paramref name="x"/> into <paramref name="jacobian"/>, row-major (StateSize × StateSize).</summary>
    public abstract void TransitionJacobian(ReadOnlySpan<double> x, Span<double> jacobian);

    /// <summary>
    /// The transition into state <paramref name="step"/> (from state <c>step − 1</c>), for models whose transition changes
    /// along the chain (e.g. irregular time stamps); time-invariant models ignore the step. Used by <see cref="KalmanSmoother"/>.
    /// </summary>
    public virtual void Transition(int step, ReadOnlySpan<double> x, Span<double> result) => Transition(x, result);

    /// <summary>The Jacobian of <see cref="Transition(int, ReadOnlySpan{double}, Span{double})"/>.</summary>
    public virtual void TransitionJacobian(int step, ReadOnlySpan<double> x, Span<double> jacobian) => TransitionJacobian(x, jacobian);

    /// <summary>The process noise of the transition into state <paramref name="step"/> (<see cref="Q"/> unless the model varies along the chain).</summary>
    public virtual Matrix<double> ProcessNoise(int step) => Q;

    /// <summary><c>F(x)</c> as a vector.</summary>
    public Vector<double> Transition(Vector<double> x, int step = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        var result = new double[StateSize];
        Transition(step, x.AsArray() ?? x.ToArray(), result);
        return Vector<double>.Build.Dense(result);
    }

    /// <summary><c>∂F/∂x</c> at <paramref name="x"/> as a matrix (for the transition into <paramref name="step"/>).</summary>
    public Matrix<double> TransitionJacobian(Vector<double> x, int step = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        var result = new double[StateSize * StateSize];
        TransitionJacobian(step, x.AsArray() ?? x.ToArray(), result);
        return Matrix<double>.Build.Dense(StateSize, StateSize, (i, j) => result[i * StateSize + j]);
    }

    /// <summary>Q⁻¹ row-major, for the message computations.</summary>
    internal ReadOnlySpan<double> QInverseRowMajor => qInverse;

    /// <summary>Hᵀ R⁻¹ row-major (StateSize × ObservationSize).</summary>
    internal ReadOnlySpan<double> HTransposeRInverseRowMajor => hTransposeRInverse;

    /// <summary>H row-major (ObservationSize × StateSize).</summary>
    internal ReadOnlySpan<double> HRowMajor => h;

    /// <summary>Checks that <paramref name="observations"/> fit the model: each has <see cref="ObservationSize"/> finite values.</summary>
    /// <exception cref="ArgumentException">One does not; the message names the time step.</exception>
    public void CheckObservations(IReadOnlyList<double[]> observations)
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (observations.Count == 0) throw new ArgumentException("No observations were given.");
        for (int t = 0; t < observations.Count; t++)
        {
            var y = observations[t] ?? throw new ArgumentException($"Observation {t} is missing.");
            if (y.Length != ObservationSize) throw new ArgumentException($"Observation {t} has {y.Length} values; the model observes {ObservationSize}.");
            for (int i = 0; i < y.Length; i++)
                if (!double.IsFinite(y[i])) throw new ArgumentException($"Observation {t}, component {i} is {y[i]} (not finite).");
        }
    }

    internal static double[] RowMajor(Matrix<double> m)
    {
        var result = new double[m.RowCount * m.ColumnCount];
        for (int i = 0; i < m.RowCount; i++)
            for (int j = 0; j < m.ColumnCount; j++)
                result[i * m.ColumnCount + j] = m[i, j];
        return result;
    }

    static void CheckFinite(Matrix<double> m, string what)
    {
        foreach (var v in m.Enumerate())
            if (!double.IsFinite(v)) throw new ArgumentException($"{Capitalised(what)} has a non-finite entry.");
    }

    static void CheckCovariance(Matrix<double> m, int size, string what)
    {
        if (m.RowCount != size || m.ColumnCount != size) throw new ArgumentException($"{Capitalised(what)} is {m.RowCount}×{m.ColumnCount}; it must be {size}×{size}.");
        CheckFinite(m, what);
        for (int i = 0; i < size; i++)
            for (int j = 0; j < i; j++)
                if (Math.Abs(m[i, j] - m[j, i]) > 1e-12 * (Math.Abs(m[i, j]) + Math.Abs(m[j, i]) + 1e-300))
                    throw new ArgumentException($"{Capitalised(what)} is not symmetric (entries ({i},{j}) and ({j},{i}) differ).");
        if (m.Evd(Symmetricity.Symmetric).EigenValues.Real().Minimum() <= 0)
            throw new ArgumentException($"{Capitalised(what)} is not positive definite.");
    }

    static string Capitalised(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}

/// <summary>A linear-Gaussian state-space model: <c>F(x) = A x</c>.</summary>
public sealed class LinearGaussianModel : StateSpaceModel
{
    private readonly double[] a;

    /// <summary>Creates the model; the prior of the first state defaults to N(0, 10⁶·I), close to uninformative.</summary>
    public LinearGaussianModel(Matrix<double> a, Matrix<double> q, Matrix<double> h, Matrix<double> r,
        Vector<double>? initialMean = null, Matrix<double>? initialCovariance = null)
        : base(q, h, r, initialMean ?? Vector<double>.Build.Dense(q.RowCount), initialCovariance ?? Matrix<double>.Build.DenseIdentity(q.RowCount) * 1e6)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.RowCount != StateSize || a.ColumnCount != StateSize) throw new ArgumentException($"The transition matrix A is {a.RowCount}×{a.ColumnCount}; it must be {StateSize}×{StateSize}.");
        if (a.Enumerate().Any(v => !double.IsFinite(v))) throw new ArgumentException("The transition matrix A has a non-finite entry.");
        A = a;
        this.a = RowMajor(a);
    }

    /// <summary>The transition matrix.</summary>
    public Matrix<double> A { get; }

    /// <inheritdoc />
    public override void Transition(ReadOnlySpan<double> x, Span<double> result)
    {
        int n = StateSize;
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += a[i * n + j] * x[j];
            result[i] = s;
        }
    }

    /// <inheritdoc />
    public override void TransitionJacobian(ReadOnlySpan<double> x, Span<double> jacobian) => a.CopyTo(jacobian);
}

/// <summary>A state-space model with a nonlinear transition given with its Jacobian (for the extended smoother).</summary>
public sealed class NonlinearGaussianModel : StateSpaceModel
{
    /// <summary>Writes <c>F(x)</c> into the second argument.</summary>
    public delegate void TransitionFunction(ReadOnlySpan<double> x, Span<double> result);

    private readonly TransitionFunction transition, jacobian;

    /// <summary>Creates the model from <c>F</c> and its Jacobian (row-major); the prior defaults to N(0, 10⁶·I).</summary>
    public NonlinearGaussianModel(TransitionFunction transition, TransitionFunction jacobian, Matrix<double> q, Matrix<double> h, Matrix<double> r,
        Vector<double>? initialMean = null, Matrix<double>? initialCovariance = null)
        : base(q, h, r, initialMean ?? Vector<double>.Build.Dense(q.RowCount), initialCovariance ?? Matrix<double>.Build.DenseIdentity(q.RowCount) * 1e6)
    {
        this.transition = transition ?? throw new ArgumentNullException(nameof(transition));
        this.jacobian = jacobian ?? throw new ArgumentNullException(nameof(jacobian));
    }

    /// <inheritdoc />
    public override void Transition(ReadOnlySpan<double> x, Span<double> result) => transition(x, result);

    /// <inheritdoc />
    public override void TransitionJacobian(ReadOnlySpan<double> x, Span<double> jacobian) => this.jacobian(x, jacobian);
}
