using static Occam.Physics.DormandPrince;

namespace Occam.Physics;

/// <summary>
/// Adaptive Dormand–Prince 5(4) for a general first-order system y' = f(y) (autonomous), recorded at equally spaced
/// frames: the same tableau and step-size control as the particle simulator's integrator (FSAL, error norm RMS of
/// err / (tol + tol·max(|y₀|, |y₁|)), sub-steps that land exactly on every frame).
/// </summary>
public static class OdeSolver
{
    /// <summary>
    /// Integrates y' = <paramref name="derivative"/>(y) from <paramref name="initial"/> and returns the state at
    /// times 0, dt, …, (frames − 1)·dt (row <c>k</c> is frame <c>k</c>; row 0 is the initial state).
    /// </summary>
    /// <param name="derivative">Writes f(y) into its second argument; must not keep either span.</param>
    /// <param name="initial">The state at time 0.</param>
    /// <param name="dt">Time between frames (positive).</param>
    /// <param name="frames">Number of frames to record (at least 1).</param>
    /// <param name="tolerance">Relative and absolute tolerance of each sub-step.</param>
    /// <param name="cancellationToken">Checked between frames.</param>
    /// <exception cref="SimulationException">The state became non-finite, the step size underflowed or a frame needed too many sub-steps; the message gives the time.</exception>
    public static double[][] Solve(Action<ReadOnlySpan<double>, Span<double>> derivative, double[] initial, double dt, int frames,
        double tolerance = 1e-10, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(derivative);
        ArgumentNullException.ThrowIfNull(initial);
        if (!(dt > 0) || !double.IsFinite(dt)) throw new ArgumentOutOfRangeException(nameof(dt), dt, "The frame interval must be positive and finite.");
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), frames, "At least one frame is needed.");
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be positive.");
        foreach (var v in initial)
            if (!double.IsFinite(v)) throw new ArgumentException("The initial state has a non-finite value.", nameof(initial));

        int n = initial.Length;
        var y = (double[])initial.Clone();
        var yNew = new double[n];
        var t = new double[n];
        var k = new double[7][];
        for (int i = 0; i < k.Length; i++) k[i] = new double[n];
        derivative(y, k[0]);

        double Attempt(double h)
        {
            for (int i = 0; i < n; i++) t[i] = y[i] + h * A21 * k[0][i];
            derivative(t, k[1]);
            for (int i = 0; i < n; i++) t[i] = y[i] + h * (A31 * k[0][i] + A32 * k[1][i]);
            derivative(t, k[2]);
            for (int i = 0; i < n; i++) t[i] = y[i] + h * (A41 * k[0][i] + A42 * k[1][i] + A43 * k[2][i]);
            derivative(t, k[3]);
            for (int i = 0; i < n; i++) t[i] = y[i] + h * (A51 * k[0][i] + A52 * k[1][i] + A53 * k[2][i] + A54 * k[3][i]);
            derivative(t, k[4]);
            for (int i = 0; i < n; i++) t[i] = y[i] + h * (A61 * k[0][i] + A62 * k[1][i] + A63 * k[2][i] + A64 * k[3][i] + A65 * k[4][i]);
            derivative(t, k[5]);
            for (int i = 0; i < n; i++) yNew[i] = y[i] + h * (A71 * k[0][i] + A73 * k[2][i] + A74 * k[3][i] + A75 * k[4][i] + A76 * k[5][i]);
            derivative(yNew, k[6]);
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                double e = h * (E1 * k[0][i] + E3 * k[2][i] + E4 * k[3][i] + E5 * k[4][i] + E6 * k[5][i] + E7 * k[6][i]);
                double ratio = e / (tolerance + tolerance * Math.Max(Math.Abs(y[i]), Math.Abs(yNew[i])));
                sum += ratio * ratio;
            }
            return Math.Sqrt(sum / n);
        }

        void Accept()
        {
            Array.Copy(yNew, y, n);
            Array.Copy(k[6], k[0], n); // FSAL
        }

        var result = new double[frames][];
        result[0] = (double[])y.Clone();
        double step = dt;
        for (int frame = 1; frame < frames; frame++)
        {
            AdaptiveStep.AdvanceFrame(dt, ref step, frame, Attempt, Accept, cancellationToken);
            result[frame] = (double[])y.Clone();
        }
        return result;
    }
}
