using MathNet.Numerics.LinearAlgebra;

namespace Occam.Inference;

/// <summary>Gaussian marginals of a hidden-state trajectory: a mean and a covariance per time step.</summary>
/// <param name="Means">The mean of each state.</param>
/// <param name="Covariances">The covariance of each state.</param>
/// <param name="LogLikelihood">log p(y₀…y_{T−1}) under the model, from the filter's innovations (for the extended filter,
/// the linearised model's).</param>
public sealed record GaussianTrajectory(Vector<double>[] Means, Matrix<double>[] Covariances, double LogLikelihood)
{
    /// <summary>The means as rows of plain arrays.</summary>
    public double[][] MeanArrays() => Means.Select(m => m.ToArray()).ToArray();
}

/// <summary>
/// The Kalman filter and the Rauch–Tung–Striebel smoother (Rauch, Tung &amp; Striebel 1965; Särkkä, "Bayesian Filtering and
/// Smoothing", ch. 4 and 8). For a <see cref="NonlinearGaussianModel"/> these are the extended filter and smoother: the
/// transition is linearised at each filtered mean. For a linear-Gaussian model the smoother's means and covariances are
/// the exact posterior marginals.
/// </summary>
public static class KalmanSmoother
{
    /// <summary>Filtered marginals p(x_t | y₀…y_t).</summary>
    public static GaussianTrajectory Filter(StateSpaceModel model, IReadOnlyList<double[]> observations) =>
        RunFilter(model, observations).Filtered;

    /// <summary>Smoothed marginals p(x_t | y₀…y_{T−1}).</summary>
    public static GaussianTrajectory Smooth(StateSpaceModel model, IReadOnlyList<double[]> observations)
    {
        var (filtered, predictedMeans, predictedCovariances, jacobians) = RunFilter(model, observations);
        int steps = observations.Count;
        var means = new Vector<double>[steps];
        var covariances = new Matrix<double>[steps];
        means[^1] = filtered.Means[^1];
        covariances[^1] = filtered.Covariances[^1];
        for (int t = steps - 2; t >= 0; t--)
        {
            // Gain G = P_{t|t} Jᵀ P_{t+1|t}⁻¹, computed as a solve with the symmetric predicted covariance.
            var gain = predictedCovariances[t + 1].Cholesky().Solve(jacobians[t] * filtered.Covariances[t]).Transpose();
            means[t] = filtered.Means[t] + gain * (means[t + 1] - predictedMeans[t + 1]);
            covariances[t] = Symmetric(filtered.Covariances[t] + gain * (covariances[t + 1] - predictedCovariances[t + 1]) * gain.Transpose());
        }
        return new GaussianTrajectory(means, covariances, filtered.LogLikelihood);
    }

    static (GaussianTrajectory Filtered, Vector<double>[] PredictedMeans, Matrix<double>[] PredictedCovariances, Matrix<double>[] Jacobians)
        RunFilter(StateSpaceModel model, IReadOnlyList<double[]> observations)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.CheckObservations(observations);
        int steps = observations.Count;
        var means = new Vector<double>[steps];
        var covariances = new Matrix<double>[steps];
        var predictedMeans = new Vector<double>[steps];
        var predictedCovariances = new Matrix<double>[steps];
        var jacobians = new Matrix<double>[steps];
        var h = model.H;
        var identity = Matrix<double>.Build.DenseIdentity(model.StateSize);
        double logLikelihood = 0;
        for (int t = 0; t < steps; t++)
        {
            if (t == 0)
            {
                predictedMeans[0] = model.InitialMean;
                predictedCovariances[0] = model.InitialCovariance;
            }
            else
            {
                jacobians[t - 1] = model.TransitionJacobian(means[t - 1], t);
                predictedMeans[t] = model.Transition(means[t - 1], t);
                predictedCovariances[t] = Symmetric(jacobians[t - 1] * covariances[t - 1] * jacobians[t - 1].Transpose() + model.ProcessNoise(t));
            }
            var innovation = Vector<double>.Build.Dense(observations[t]) - h * predictedMeans[t];
            var s = Symmetric(h * predictedCovariances[t] * h.Transpose() + model.R);
            var cholesky = s.Cholesky();
            var gain = cholesky.Solve(h * predictedCovariances[t]).Transpose();
            means[t] = predictedMeans[t] + gain * innovation;
            // Joseph form: stays symmetric positive definite where the plain update loses precision.
            var k = identity - gain * h;
            covariances[t] = Symmetric(k * predictedCovariances[t] * k.Transpose() + gain * model.R * gain.Transpose());
            logLikelihood -= 0.5 * (innovation.DotProduct(cholesky.Solve(innovation)) + cholesky.DeterminantLn + model.ObservationSize * Math.Log(2 * Math.PI));
        }
        return (new GaussianTrajectory(means, covariances, logLikelihood), predictedMeans, predictedCovariances, jacobians);
    }

    static Matrix<double> Symmetric(Matrix<double> m) => (m + m.Transpose()) * 0.5;
}
