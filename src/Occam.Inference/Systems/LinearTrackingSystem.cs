using MathNet.Numerics.LinearAlgebra;
using Occam.Physics;

namespace Occam.Inference.Systems;

/// <summary>
/// The linear experiment of Garcia Satorras et al. 2019: a body moving in 2D whose true dynamics per axis are the
/// second-order discretisation (time step T) of p' = v, v' = a − c·v, a' = −τ·v (constant acceleration with drag and a
/// restoring pull), with process noise s²·diag(T/3, T, 3T); only the positions are observed, with noise
/// R = λ²·I. The estimators are given the wrong, constant-velocity model: A = [[1, T], [0, 1]] per axis,
/// Q = σ²·diag(T, T), the same H and R. Constants default to the paper's (T = 1, c = 0.06, τ = 0.17, s = 0.1,
/// λ = 0.5, start (p, v, a) = (0, 0.1, 0) per axis); every sequence is taken after a burn-in of 1,000 steps.
/// </summary>
public sealed class LinearTrackingSystem : IEstimationSystem
{
    /// <summary>Time step.</summary>
    public double T { get; init; } = 1.0;

    /// <summary>Drag coefficient.</summary>
    public double Drag { get; init; } = 0.06;

    /// <summary>Restoring coefficient of the acceleration.</summary>
    public double Tau { get; init; } = 0.17;

    /// <summary>Scale of the true process noise.</summary>
    public double ProcessNoise { get; init; } = 0.1;

    /// <summary>Standard deviation of the observation noise.</summary>
    public double ObservationNoise { get; init; } = 0.5;

    /// <summary>Steps simulated and discarded before a sequence starts.</summary>
    public int BurnIn { get; init; } = 1000;

    /// <inheritdoc />
    public string Name => "linear";

    /// <inheritdoc />
    public string Description =>
        $"2D body with drag (c = {Drag}, τ = {Tau}, T = {T}), positions observed with R = {ObservationNoise * ObservationNoise}·I; estimators given the constant-velocity model";

    /// <inheritdoc />
    public IReadOnlyList<double> SigmaGrid { get; } = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7];

    /// <summary>The true model (per axis state p, v, a; axes stacked), with the prior at the paper's start state.</summary>
    public LinearGaussianModel TrueModel()
    {
        double t = T, c = Drag, tau = Tau;
        var axis = Matrix<double>.Build.DenseOfArray(new[,]
        {
            { 1, t - 0.5 * c * t * t, 0.5 * t * t },
            { 0, 1 - c * t + 0.5 * (c * c - tau) * t * t, t - 0.5 * c * t * t },
            { 0, -tau * t + 0.5 * c * tau * t * t, 1 - 0.5 * tau * t * t },
        });
        var noise = Matrix<double>.Build.DiagonalOfDiagonalArray([t / 3, t, 3 * t]) * (ProcessNoise * ProcessNoise);
        var h = Matrix<double>.Build.Dense(2, 6);
        h[0, 0] = 1;
        h[1, 3] = 1;
        var start = Vector<double>.Build.DenseOfArray([0, 0.1, 0, 0, 0.1, 0]);
        return new LinearGaussianModel(BlockDiagonal(axis), BlockDiagonal(noise), h, Observation(), start, Matrix<double>.Build.DenseIdentity(6) * 1e-12);
    }

    /// <inheritdoc />
    public StateSpaceModel ApproximateModel(double sigma)
    {
        if (!(sigma > 0) || !double.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The process-noise scale must be positive.");
        var axis = Matrix<double>.Build.DenseOfArray(new[,] { { 1, T }, { 0, 1 } });
        var noise = Matrix<double>.Build.DiagonalOfDiagonalArray([T, T]) * (sigma * sigma);
        var h = Matrix<double>.Build.Dense(2, 4);
        h[0, 0] = 1;
        h[1, 2] = 1;
        return new LinearGaussianModel(BlockDiagonal(axis), BlockDiagonal(noise), h, Observation(), null, Matrix<double>.Build.DenseIdentity(4) * 1e3);
    }

    /// <inheritdoc />
    public StateSequence Simulate(long seed, long stream, int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "At least one step is needed.");
        var model = TrueModel();
        var random = new SimulationRandom(seed, stream);
        var noise = model.Q.Cholesky().Factor;
        var observationNoise = model.R.Cholesky().Factor;
        var x = model.InitialMean;
        var truth = new double[steps][];
        var observations = new double[steps][];
        for (int k = -BurnIn; k < steps; k++)
        {
            x = model.A * x + noise * Normal(random, 6);
            if (k < 0) continue;
            var position = model.H * x;
            truth[k] = position.ToArray();
            observations[k] = (position + observationNoise * Normal(random, 2)).ToArray();
        }
        return new StateSequence(truth, observations);
    }

    /// <summary>
    /// A rotation of the plane by a uniform angle, then a mirror image with probability ½: the two axes are independent
    /// and identical, the noises isotropic, and the mean state has decayed after the burn-in, so the distribution of
    /// trajectories is invariant under O(2).
    /// </summary>
    public StateSequence RandomSymmetry(StateSequence sequence, Random random)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(random);
        double angle = 2 * Math.PI * random.NextDouble(), c = Math.Cos(angle), s = Math.Sin(angle);
        double mirror = random.Next(2) == 0 ? 1 : -1;
        return SequenceMaps.Map(sequence, p => [c * p[0] - s * mirror * p[1], s * p[0] + c * mirror * p[1]]);
    }

    Matrix<double> Observation() => Matrix<double>.Build.DenseIdentity(2) * (ObservationNoise * ObservationNoise);

    internal static Vector<double> Normal(SimulationRandom random, int size) => Vector<double>.Build.Dense(size, _ => random.NextNormal());

    static Matrix<double> BlockDiagonal(Matrix<double> block)
    {
        int n = block.RowCount;
        var m = Matrix<double>.Build.Dense(2 * n, 2 * n);
        m.SetSubMatrix(0, 0, block);
        m.SetSubMatrix(n, n, block);
        return m;
    }
}
