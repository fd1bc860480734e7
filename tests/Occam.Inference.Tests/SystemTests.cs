using Occam.Inference.Systems;
using Occam.Physics;

namespace Occam.Inference.Tests;

public sealed class SystemTests
{
    /// <summary>Classic fixed-step RK4, an independent high-accuracy reference at a tiny step.</summary>
    static double[] Rk4(LorenzSystem system, double[] start, double time, int steps)
    {
        var y = (double[])start.Clone();
        double h = time / steps;
        var k1 = new double[3]; var k2 = new double[3]; var k3 = new double[3]; var k4 = new double[3]; var t = new double[3];
        for (int s = 0; s < steps; s++)
        {
            system.Derivative(y, k1);
            for (int i = 0; i < 3; i++) t[i] = y[i] + 0.5 * h * k1[i];
            system.Derivative(t, k2);
            for (int i = 0; i < 3; i++) t[i] = y[i] + 0.5 * h * k2[i];
            system.Derivative(t, k3);
            for (int i = 0; i < 3; i++) t[i] = y[i] + h * k3[i];
            system.Derivative(t, k4);
            for (int i = 0; i < 3; i++) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
        return y;
    }

    [Fact]
    public void Lorenz_integration_matches_a_fine_rk4_reference()
    {
        var system = new LorenzSystem();
        double[] start = [1.5, -0.5, 20];
        // 40 frames of Δt = 0.05: two time units, about two turns around a wing.
        var frames = OdeSolver.Solve(system.Derivative, start, 0.05, 41, tolerance: 1e-12);
        var reference = Rk4(system, start, 2.0, 200_000);
        for (int i = 0; i < 3; i++) Assert.Equal(reference[i], frames[40][i], 1e-7);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Taylor_transition_jacobian_matches_finite_differences(int order)
    {
        var system = new LorenzSystem { TaylorOrder = order };
        var random = new Random(order);
        for (int trial = 0; trial < 20; trial++)
        {
            double[] x = [random.NextDouble() * 40 - 20, random.NextDouble() * 50 - 25, random.NextDouble() * 50];
            var jacobian = new double[9];
            system.TaylorTransitionJacobian(x, jacobian);
            for (int c = 0; c < 3; c++)
            {
                const double h = 1e-6;
                var plus = (double[])x.Clone(); plus[c] += h;
                var minus = (double[])x.Clone(); minus[c] -= h;
                var fp = new double[3]; var fm = new double[3];
                system.TaylorTransition(plus, fp);
                system.TaylorTransition(minus, fm);
                for (int r = 0; r < 3; r++)
                {
                    double numeric = (fp[r] - fm[r]) / (2 * h);
                    Assert.True(Math.Abs(numeric - jacobian[3 * r + c]) <= 1e-6 * (1 + Math.Abs(numeric)), $"order {order}, ∂F{r}/∂x{c}: {jacobian[3 * r + c]} vs {numeric}");
                }
            }
        }
    }

    [Fact]
    public void Taylor_transitions_have_the_local_error_of_their_order()
    {
        // One step's error against the exact flow is O(Δt^(order+1)): halving Δt divides it by about 2^(order+1).
        double[] x = [2, 3, 20];
        foreach (int order in new[] { 1, 2 })
        {
            double Error(double dt)
            {
                var system = new LorenzSystem { TaylorOrder = order, Dt = dt };
                var exact = OdeSolver.Solve(system.Derivative, x, dt, 2, tolerance: 1e-13)[1];
                var approx = new double[3];
                system.TaylorTransition(x, approx);
                return Math.Sqrt(Enumerable.Range(0, 3).Sum(i => (exact[i] - approx[i]) * (exact[i] - approx[i])));
            }
            double ratio = Error(0.002) / Error(0.001);
            Assert.InRange(ratio, Math.Pow(2, order + 1) * 0.9, Math.Pow(2, order + 1) * 1.1);
        }
    }

    [Fact]
    public void Simulations_are_reproducible_by_seed_and_stream()
    {
        foreach (IEstimationSystem system in new IEstimationSystem[] { new LinearTrackingSystem(), new LorenzSystem() })
        {
            var a = system.Simulate(5, 2, 50);
            var b = system.Simulate(5, 2, 50);
            var c = system.Simulate(5, 3, 50);
            Assert.Equal(a.Observations.SelectMany(r => r), b.Observations.SelectMany(r => r));
            Assert.Equal(a.Truth.SelectMany(r => r), b.Truth.SelectMany(r => r));
            Assert.NotEqual(a.Observations.SelectMany(r => r), c.Observations.SelectMany(r => r));
        }
    }

    [Fact]
    public void Observation_noise_has_the_stated_variance()
    {
        // R = 0.25·I in both systems: the observations' squared error against the truth averages 0.25.
        foreach (IEstimationSystem system in new IEstimationSystem[] { new LinearTrackingSystem(), new LorenzSystem() })
        {
            var s = system.Simulate(9, 0, 20_000);
            double mse = s.MeanSquaredError(s.Observations);
            Assert.InRange(mse, 0.25 * 0.97, 0.25 * 1.03);
        }
    }

    [Fact]
    public void Smoothers_with_the_approximate_models_beat_the_raw_observations()
    {
        foreach (IEstimationSystem system in new IEstimationSystem[] { new LinearTrackingSystem(), new LorenzSystem() })
        {
            var s = system.Simulate(4, 0, 500);
            var model = system.ApproximateModel(system.SigmaGrid[system.SigmaGrid.Count / 2]);
            var smoothed = KalmanSmoother.Smooth(model, s.Observations);
            var estimate = smoothed.Means.Select(m => (model.H * m).ToArray()).ToArray();
            Assert.True(s.MeanSquaredError(estimate) < 0.8 * s.MeanSquaredError(s.Observations),
                $"{system.Name}: smoother {s.MeanSquaredError(estimate)}, observations {s.MeanSquaredError(s.Observations)}");
        }
    }
}

public sealed class SymmetryTests
{
    static double[][] SmoothedObservables(IEstimationSystem system, StateSequence s)
    {
        var model = system.ApproximateModel(system.SigmaGrid[2]);
        return KalmanSmoother.Smooth(model, s.Observations).Means.Select(m => (model.H * m).ToArray()).ToArray();
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("lorenz")]
    public void Smoothing_commutes_with_the_systems_random_symmetry(string name)
    {
        // The given models share the true system's symmetry, so the smoother is equivariant: smoothing the transformed
        // sequence gives the transformed estimate.
        IEstimationSystem system = name == "linear" ? new LinearTrackingSystem() : new LorenzSystem();
        var s = system.Simulate(6, 0, 60);
        var random = new Random(3);
        for (int trial = 0; trial < 4; trial++)
        {
            var seed = random.Next();
            var transformed = system.RandomSymmetry(s, new Random(seed));
            // The same symmetry applied to the smoothed estimate (through a sequence whose truth is that estimate).
            var estimate = new StateSequence(SmoothedObservables(system, s), s.Observations);
            var expected = system.RandomSymmetry(estimate, new Random(seed)).Truth;
            var actual = SmoothedObservables(system, transformed);
            for (int t = 0; t < s.Length; t++)
                for (int i = 0; i < expected[t].Length; i++) Assert.Equal(expected[t][i], actual[t][i], 1e-6);
        }
    }

    [Fact]
    public void Lorenz_vector_field_is_symmetric_under_the_flip_of_x_and_y()
    {
        var system = new LorenzSystem();
        var random = new Random(8);
        for (int trial = 0; trial < 10; trial++)
        {
            double[] x = [random.NextDouble() * 30 - 15, random.NextDouble() * 30 - 15, random.NextDouble() * 40];
            var f = new double[3];
            var g = new double[3];
            system.Derivative(x, f);
            system.Derivative([-x[0], -x[1], x[2]], g);
            Assert.Equal(-f[0], g[0], 1e-12);
            Assert.Equal(-f[1], g[1], 1e-12);
            Assert.Equal(f[2], g[2], 1e-12);
        }
    }

    [Fact]
    public void Linear_symmetry_preserves_distances_between_steps()
    {
        var system = new LinearTrackingSystem();
        var s = system.Simulate(2, 0, 30);
        var r = system.RandomSymmetry(s, new Random(5));
        for (int t = 1; t < 30; t++)
        {
            double Distance(double[][] rows) => Math.Sqrt(Math.Pow(rows[t][0] - rows[t - 1][0], 2) + Math.Pow(rows[t][1] - rows[t - 1][1], 2));
            Assert.Equal(Distance(s.Observations), Distance(r.Observations), 1e-9);
            Assert.Equal(Distance(s.Truth), Distance(r.Truth), 1e-9);
        }
        Assert.NotEqual(s.Observations[5][0], r.Observations[5][0]);
    }
}
