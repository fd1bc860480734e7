using MathNet.Numerics.LinearAlgebra;
using Occam.Inference;

namespace Occam.Inference.Tests;

public sealed class ExactInferenceTests
{
    [Theory]
    [InlineData(1, 1, 1, 6)]
    [InlineData(2, 3, 2, 8)]
    [InlineData(3, 4, 1, 12)]
    [InlineData(4, 2, 3, 5)]
    public void Rts_smoother_equals_the_dense_posterior_of_the_joint_gaussian(int seed, int stateSize, int observationSize, int steps)
    {
        var random = new Random(seed);
        var model = RandomSystems.Model(random, stateSize, observationSize);
        var y = RandomSystems.Observations(random, steps, observationSize);
        var (mean, covariance) = RandomSystems.DensePosterior(model, y);
        var smoothed = KalmanSmoother.Smooth(model, y);
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < stateSize; i++)
            {
                Assert.Equal(mean[t * stateSize + i], smoothed.Means[t][i], 1e-9);
                for (int j = 0; j < stateSize; j++)
                    Assert.Equal(covariance[t * stateSize + i, t * stateSize + j], smoothed.Covariances[t][i, j], 1e-9);
            }
        }
    }

    [Fact]
    public void Kalman_filter_log_likelihood_equals_the_dense_marginal_likelihood()
    {
        var random = new Random(7);
        var model = RandomSystems.Model(random, 2, 2);
        var y = RandomSystems.Observations(random, 6, 2);
        // y = G x + v with x ~ N(m, S) jointly Gaussian: y ~ N(G m, G S Gᵀ + I⊗R), S the prior covariance of the trajectory.
        int n = 2, steps = 6;
        var transitionPower = new Matrix<double>[steps];
        var mean = Vector<double>.Build.Dense(n * steps);
        var prior = Matrix<double>.Build.Dense(n * steps, n * steps);
        var mt = model.InitialMean;
        var cov = new Matrix<double>[steps, steps];
        var marginal = new Matrix<double>[steps];
        marginal[0] = model.InitialCovariance;
        for (int t = 1; t < steps; t++) marginal[t] = model.A * marginal[t - 1] * model.A.Transpose() + model.Q;
        for (int t = 0; t < steps; t++)
        {
            mean.SetSubVector(t * n, n, mt);
            mt = model.A * mt;
            for (int s = t; s < steps; s++)
            {
                // Cov(x_s, x_t) = A^{s−t} Cov(x_t).
                var block = marginal[t];
                for (int k = t; k < s; k++) block = model.A * block;
                prior.SetSubMatrix(s * n, t * n, block);
                prior.SetSubMatrix(t * n, s * n, block.Transpose());
            }
        }
        int m = 2;
        var g = Matrix<double>.Build.Dense(m * steps, n * steps);
        var r = Matrix<double>.Build.Dense(m * steps, m * steps);
        var yy = Vector<double>.Build.Dense(m * steps);
        for (int t = 0; t < steps; t++)
        {
            g.SetSubMatrix(t * m, t * n, model.H);
            r.SetSubMatrix(t * m, t * m, model.R);
            yy.SetSubVector(t * m, m, Vector<double>.Build.Dense(y[t]));
        }
        var s2 = g * prior * g.Transpose() + r;
        var d = yy - g * mean;
        double expected = -0.5 * (d.DotProduct(s2.Solve(d)) + s2.Cholesky().DeterminantLn + m * steps * Math.Log(2 * Math.PI));
        Assert.Equal(expected, KalmanSmoother.Filter(model, y).LogLikelihood, 1e-8);
    }

    [Theory]
    [InlineData(11, 2, 1, 9)]
    [InlineData(12, 4, 2, 15)]
    public void Belief_propagation_on_the_chain_converges_to_the_rts_smoother(int seed, int stateSize, int observationSize, int steps)
    {
        var random = new Random(seed);
        var model = RandomSystems.Model(random, stateSize, observationSize);
        var y = RandomSystems.Observations(random, steps, observationSize);
        var smoothed = KalmanSmoother.Smooth(model, y);
        var result = ChainBeliefPropagation.Run(model, y, maxIterations: 10 * steps, tolerance: 1e-13);
        // On a chain, flooding is exact once messages have crossed it: at most T iterations, one more to see no change.
        Assert.True(result.Iterations <= steps + 1, $"took {result.Iterations} iterations on a chain of {steps}");
        for (int t = 0; t < steps; t++)
            for (int i = 0; i < stateSize; i++)
            {
                Assert.Equal(smoothed.Means[t][i], result.Beliefs.Means[t][i], 1e-9);
                Assert.Equal(smoothed.Covariances[t][i, i], result.Beliefs.Covariances[t][i, i], 1e-9);
            }
    }

    [Fact]
    public void Belief_propagation_stopped_early_is_not_yet_the_smoother()
    {
        // Negative control: the convergence test above can fail.
        var random = new Random(12);
        var model = RandomSystems.Model(random, 4, 2);
        var y = RandomSystems.Observations(random, 15, 2);
        var smoothed = KalmanSmoother.Smooth(model, y);
        var early = ChainBeliefPropagation.Run(model, y, maxIterations: 3);
        double largest = Enumerable.Range(0, 15).Max(t => (early.Beliefs.Means[t] - smoothed.Means[t]).InfinityNorm());
        Assert.True(largest > 1e-3, $"three iterations already matched to {largest}");
    }

    [Fact]
    public void Extended_smoother_of_a_linear_transition_equals_the_linear_smoother()
    {
        var random = new Random(21);
        var linear = RandomSystems.Model(random, 3, 2);
        var a = StateSpaceModel.RowMajor(linear.A);
        var nonlinear = new NonlinearGaussianModel(
            (x, r) => { for (int i = 0; i < 3; i++) r[i] = a[3 * i] * x[0] + a[3 * i + 1] * x[1] + a[3 * i + 2] * x[2]; },
            (_, j) => a.CopyTo(j), linear.Q, linear.H, linear.R, linear.InitialMean, linear.InitialCovariance);
        var y = RandomSystems.Observations(random, 10, 2);
        var expected = KalmanSmoother.Smooth(linear, y);
        var actual = KalmanSmoother.Smooth(nonlinear, y);
        for (int t = 0; t < 10; t++)
            for (int i = 0; i < 3; i++) Assert.Equal(expected.Means[t][i], actual.Means[t][i], 1e-12);
    }
}
