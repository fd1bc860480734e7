using MathNet.Numerics.LinearAlgebra;
using Occam.Physics;

namespace Occam.Inference.Systems;

/// <summary>
/// The Lorenz attractor experiment of Garcia Satorras et al. 2019: x' = σ(y − x), y' = x(ρ − z) − y, z' = xy − βz
/// (σ = 10, ρ = 28, β = 8/3), integrated with adaptive Dormand–Prince (tolerance 10⁻¹⁰) and sampled every Δt = 0.05;
/// the whole state is observed with noise R = λ²·I (λ = 0.5). The estimators are given the transition's Taylor
/// expansion in Δt to order 1 (x + Δt·f) or 2 (+ Δt²/2·J_f f), with Q = σ_q²·Δt·I, σ_q tuned on validation data.
/// Each sequence starts from (1, 1, 1) plus a seeded N(0, 1) perturbation, after a burn-in of 20 time units.
/// </summary>
public sealed class LorenzSystem : IEstimationSystem
{
    /// <summary>σ of the Lorenz equations.</summary>
    public double Sigma { get; init; } = 10.0;

    /// <summary>ρ of the Lorenz equations.</summary>
    public double Rho { get; init; } = 28.0;

    /// <summary>β of the Lorenz equations.</summary>
    public double Beta { get; init; } = 8.0 / 3.0;

    /// <summary>Sampling interval.</summary>
    public double Dt { get; init; } = 0.05;

    /// <summary>Standard deviation of the observation noise.</summary>
    public double ObservationNoise { get; init; } = 0.5;

    /// <summary>Order of the Taylor expansion the estimators are given (1 or 2).</summary>
    public int TaylorOrder { get; init; } = 2;

    /// <summary>Time simulated and discarded before a sequence starts.</summary>
    public double BurnIn { get; init; } = 20.0;

    /// <inheritdoc />
    public string Name => "lorenz";

    /// <inheritdoc />
    public string Description =>
        $"Lorenz attractor (σ = {Sigma}, ρ = {Rho}, β = {Beta:G4}) sampled every Δt = {Dt}, observed with R = {ObservationNoise * ObservationNoise}·I; estimators given the order-{TaylorOrder} Taylor expansion of the transition";

    /// <inheritdoc />
    public IReadOnlyList<double> SigmaGrid { get; } = [0.5, 1, 1.5, 2, 3, 4, 5, 7];

    /// <summary>f(x), the Lorenz vector field.</summary>
    public void Derivative(ReadOnlySpan<double> x, Span<double> f)
    {
        f[0] = Sigma * (x[1] - x[0]);
        f[1] = x[0] * (Rho - x[2]) - x[1];
        f[2] = x[0] * x[1] - Beta * x[2];
    }

    /// <summary>J_f(x), row-major 3×3.</summary>
    public void DerivativeJacobian(ReadOnlySpan<double> x, Span<double> j)
    {
        j[0] = -Sigma; j[1] = Sigma; j[2] = 0;
        j[3] = Rho - x[2]; j[4] = -1; j[5] = -x[0];
        j[6] = x[1]; j[7] = x[0]; j[8] = -Beta;
    }

    /// <summary>The order-<see cref="TaylorOrder"/> Taylor expansion of the flow over Δt: x + Δt f(x) [+ Δt²/2 J_f(x) f(x)].</summary>
    public void TaylorTransition(ReadOnlySpan<double> x, Span<double> result)
    {
        Span<double> f = stackalloc double[3];
        Derivative(x, f);
        for (int i = 0; i < 3; i++) result[i] = x[i] + Dt * f[i];
        if (TaylorOrder < 2) return;
        Span<double> j = stackalloc double[9];
        DerivativeJacobian(x, j);
        for (int i = 0; i < 3; i++) result[i] += 0.5 * Dt * Dt * (j[3 * i] * f[0] + j[3 * i + 1] * f[1] + j[3 * i + 2] * f[2]);
    }

    /// <summary>
    /// The Jacobian of <see cref="TaylorTransition"/>: I + Δt J_f [+ Δt²/2 (J_f J_f + M)], where column k of M is
    /// (∂J_f/∂x_k) f; J_f is linear in x, with ∂J_f/∂x = e₂e₁ᵀ − e₁e₂ᵀ (entries (2,1) = 1, (1,2) = −1),
    /// ∂J_f/∂y = e₂e₀ᵀ and ∂J_f/∂z = −e₁e₀ᵀ.
    /// </summary>
    public void TaylorTransitionJacobian(ReadOnlySpan<double> x, Span<double> result)
    {
        Span<double> j = stackalloc double[9];
        DerivativeJacobian(x, j);
        for (int i = 0; i < 9; i++) result[i] = (i % 4 == 0 ? 1 : 0) + Dt * j[i];
        if (TaylorOrder < 2) return;
        Span<double> f = stackalloc double[3];
        Derivative(x, f);
        double h = 0.5 * Dt * Dt;
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                result[3 * r + c] += h * (j[3 * r] * j[c] + j[3 * r + 1] * j[3 + c] + j[3 * r + 2] * j[6 + c]);
        // M: column 0 = (0, −f₂, f₁), column 1 = (0, 0, f₀), column 2 = (0, −f₀, 0).
        result[3 * 1 + 0] += h * -f[2];
        result[3 * 2 + 0] += h * f[1];
        result[3 * 2 + 1] += h * f[0];
        result[3 * 1 + 2] += h * -f[0];
    }

    /// <inheritdoc />
    public StateSpaceModel ApproximateModel(double sigma)
    {
        if (!(sigma > 0) || !double.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The process-noise scale must be positive.");
        if (TaylorOrder is < 1 or > 2) throw new ArgumentOutOfRangeException(nameof(TaylorOrder), TaylorOrder, "The Taylor order of the given model must be 1 or 2 (order 0 is the GNN alone).");
        var identity = Matrix<double>.Build.DenseIdentity(3);
        return new NonlinearGaussianModel(TaylorTransition, TaylorTransitionJacobian, identity * (sigma * sigma * Dt), identity,
            identity * (ObservationNoise * ObservationNoise), null, identity * 1e3);
    }

    /// <summary>The Lorenz equations' symmetry (x, y, z) → (−x, −y, z), applied with probability ½.</summary>
    public StateSequence RandomSymmetry(StateSequence sequence, Random random)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(random);
        return random.Next(2) == 0 ? sequence : SequenceMaps.Map(sequence, p => [-p[0], -p[1], p[2]]);
    }

    /// <inheritdoc />
    public StateSequence Simulate(long seed, long stream, int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "At least one step is needed.");
        var random = new SimulationRandom(seed, stream);
        double[] start = [1 + random.NextNormal(), 1 + random.NextNormal(), 1 + random.NextNormal()];
        int burnIn = (int)Math.Round(BurnIn / Dt);
        var states = OdeSolver.Solve(Derivative, start, Dt, burnIn + steps);
        var truth = states[burnIn..];
        var observations = truth.Select(s => s.Select(v => v + ObservationNoise * random.NextNormal()).ToArray()).ToArray();
        return new StateSequence(truth, observations);
    }
}
