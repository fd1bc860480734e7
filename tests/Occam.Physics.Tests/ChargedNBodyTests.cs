using Occam.Physics.NBody;

namespace Occam.Physics.Tests;

public sealed class ChargedNBodyTests
{
    [Fact]
    public void Two_unlike_charges_attract_with_inverse_square_force()
    {
        var options = new ChargedNBodyOptions { Particles = 2, Dimensions = 3 };
        double[] x = [0, 0, 0, 0.3, 0.4, 0]; // distance 0.5
        double[] q = [1, -1];
        var f = new double[6];
        ChargedNBody.Forces(x, q, 2, 3, options, f);
        // |F| = |q1 q2| / r^2 = 4, directed from particle 0 towards particle 1.
        Assert.Equal(4 * 0.6, f[0], 12);
        Assert.Equal(4 * 0.8, f[1], 12);
        Assert.Equal(0, f[2], 12);
        Assert.Equal(-f[0], f[3], 12);
        Assert.Equal(-f[1], f[4], 12);
    }

    [Fact]
    public void Forces_are_clipped_component_wise_to_the_maximum()
    {
        var options = new ChargedNBodyOptions { Particles = 2, Dimensions = 2, MaxForce = 100 };
        double[] x = [0, 0, 0.01, 0.0]; // |F| = 1e4 along x
        double[] q = [1, 1];
        var f = new double[4];
        ChargedNBody.Forces(x, q, 2, 2, options, f);
        Assert.Equal(-100, f[0], 12);
        Assert.Equal(100, f[2], 12);
        Assert.Equal(0, f[1], 12);
    }

    [Fact]
    public void Free_particles_move_in_straight_lines_at_speed_one_half()
    {
        var options = new ChargedNBodyOptions { InteractionStrength = 0, Steps = 1000, SampleEvery = 100, InputFrame = 0, TargetFrame = 8 };
        var t = ChargedNBody.Simulate(new Random(3), options);
        Assert.Equal(9, t.Frames);
        for (int p = 0; p < t.Particles; p++)
        {
            double speed = 0;
            for (int k = 0; k < 3; k++) speed += t.Velocity(0, p, k) * t.Velocity(0, p, k);
            Assert.Equal(0.5, Math.Sqrt(speed), 12);
            for (int k = 0; k < 3; k++)
            {
                // Frames are 100 steps of 0.001 apart.
                double expected = t.Position(0, p, k) + 8 * 0.1 * t.Velocity(0, p, k);
                Assert.Equal(expected, t.Position(8, p, k), 10);
            }
        }
    }

    [Fact]
    public void Leapfrog_trajectory_agrees_with_an_independent_rk4_integration()
    {
        // Particles far apart so that no force is clipped; compare frame 0 (step 100) and frame 9 (step 1000).
        var options = new ChargedNBodyOptions { Particles = 4, PositionStd = 2.0, Steps = 1100, SampleEvery = 100, InputFrame = 0, TargetFrame = 9 };
        var random = new Random(11);
        var t = ChargedNBody.Simulate(random, options);
        // Replay the same initial draws to obtain the initial state.
        var replay = new Random(11);
        int n = 4, d = 3;
        var q = new double[n];
        for (int i = 0; i < n; i++) q[i] = replay.NextDouble() < 0.5 ? -1.0 : 1.0;
        var x = new double[n * d];
        var v = new double[n * d];
        for (int i = 0; i < n * d; i++) x[i] = Gaussian(replay) * 2.0;
        for (int i = 0; i < n * d; i++) v[i] = Gaussian(replay);
        for (int i = 0; i < n; i++)
        {
            double norm = Math.Sqrt(v[i * 3] * v[i * 3] + v[i * 3 + 1] * v[i * 3 + 1] + v[i * 3 + 2] * v[i * 3 + 2]);
            for (int k = 0; k < 3; k++) v[i * 3 + k] *= 0.5 / norm;
        }
        // RK4 with a finer step, to time 1.0 (frame 9 is the state after step 1000).
        double h = 0.0001;
        var state = new double[2 * n * d];
        Array.Copy(x, state, n * d);
        Array.Copy(v, 0, state, n * d, n * d);
        for (int s = 0; s < 10000; s++) state = Rk4(state, q, n, d, h);
        // The reference scheme is first order (kick then drift): allow 2e-3; a wrong force sign gives ~5e-2.
        for (int i = 0; i < n * d; i++)
            Assert.InRange(t.Positions[9 * n * d + i] - state[i], -2e-3, 2e-3);
    }

    [Fact]
    public void Momentum_is_conserved_when_no_force_is_clipped()
    {
        var options = new ChargedNBodyOptions { PositionStd = 3.0, Steps = 2000, SampleEvery = 100, InputFrame = 0, TargetFrame = 18 };
        var t = ChargedNBody.Simulate(new Random(5), options);
        for (int k = 0; k < 3; k++)
        {
            double first = 0, last = 0;
            for (int p = 0; p < t.Particles; p++) { first += t.Velocity(0, p, k); last += t.Velocity(t.Frames - 1, p, k); }
            Assert.Equal(first, last, 10);
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_data_set_and_splits_differ()
    {
        var options = new ChargedNBodyOptions { Steps = 1000, SampleEvery = 100, InputFrame = 2, TargetFrame = 5 };
        var a = ChargedNBody.Generate(7, 6, 4, 4, options, maxDegreeOfParallelism: 2);
        var b = ChargedNBody.Generate(7, 6, 4, 4, options, maxDegreeOfParallelism: 1);
        Assert.Equal(a.Train.X0, b.Train.X0);
        Assert.Equal(a.Test.XT, b.Test.XT);
        Assert.Equal(a.Validation.Charges, b.Validation.Charges);
        Assert.NotEqual(a.Train.X0[..12], a.Test.X0[..12]);
        var c = ChargedNBody.Generate(8, 6, 4, 4, options);
        Assert.NotEqual(a.Train.X0, c.Train.X0);
    }

    [Fact]
    public void Fitted_linear_baseline_is_close_to_the_published_linear_model_error()
    {
        // Satorras et al. (2021), Table 2: Linear (x + tau v, tau learned) 0.0819 test MSE, positions 1,000 steps ahead.
        var data = ChargedNBody.Generate(1, 1000, 1, 1000);
        Assert.Equal(1.0, data.ElapsedTime, 12);
        double tau = data.Train.LinearBaselineTime();
        double mse = data.Test.LinearBaselineMse(tau);
        Assert.InRange(mse, 0.0819 * 0.8, 0.0819 * 1.2);
        Assert.True(data.Test.LinearBaselineMse(data.ElapsedTime) >= mse, "the fitted time should not be worse on the test split");
        Assert.True(data.Test.StaticBaselineMse() > mse, "standing still should be worse than moving on");
    }

    [Fact]
    public void Bad_options_are_rejected_with_a_message_naming_the_setting()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ChargedNBody.Generate(1, 1, 1, 1, new ChargedNBodyOptions { TargetFrame = 60 }));
        Assert.Contains("TargetFrame", e.Message);
        Assert.Throws<ArgumentException>(() => ChargedNBody.Simulate(new Random(1), new ChargedNBodyOptions { Steps = 5050 }));
    }

    static double[] Rk4(double[] s, double[] q, int n, int d, double h)
    {
        var k1 = Derivative(s, q, n, d);
        var k2 = Derivative(Add(s, k1, h / 2), q, n, d);
        var k3 = Derivative(Add(s, k2, h / 2), q, n, d);
        var k4 = Derivative(Add(s, k3, h), q, n, d);
        var r = new double[s.Length];
        for (int i = 0; i < s.Length; i++) r[i] = s[i] + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        return r;
    }

    static double[] Add(double[] s, double[] k, double h)
    {
        var r = new double[s.Length];
        for (int i = 0; i < s.Length; i++) r[i] = s[i] + h * k[i];
        return r;
    }

    static double[] Derivative(double[] s, double[] q, int n, int d)
    {
        var r = new double[s.Length];
        for (int i = 0; i < n * d; i++) r[i] = s[n * d + i];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double dx = s[i * 3] - s[j * 3], dy = s[i * 3 + 1] - s[j * 3 + 1], dz = s[i * 3 + 2] - s[j * 3 + 2];
                double r3 = Math.Pow(dx * dx + dy * dy + dz * dz, 1.5);
                r[n * d + i * 3] += q[i] * q[j] * dx / r3;
                r[n * d + i * 3 + 1] += q[i] * q[j] * dy / r3;
                r[n * d + i * 3 + 2] += q[i] * q[j] * dz / r3;
            }
        }
        return r;
    }

    [Fact]
    public void Mersenne_twister_matches_the_published_reference_output()
    {
        // The C++ standard fixes the 10,000th output of mt19937 with its default seed 5489 to 4123659995.
        var random = new NumpyLegacyRandom(5489);
        uint value = 0;
        for (int i = 0; i < 10000; i++) value = random.NextUInt32();
        Assert.Equal(4123659995u, value);
    }

    [Fact]
    public void Numpy_legacy_stream_reproduces_numpy_uniforms_and_normals()
    {
        // Values printed by NumPy 1.24: np.random.seed(0); random_sample(3) / randn(3); np.random.seed(43); randn(5), random_sample().
        var uniform = new NumpyLegacyRandom(0);
        Assert.Equal(0.5488135039273248, uniform.NextDouble(), 15);
        Assert.Equal(0.7151893663724195, uniform.NextDouble(), 15);
        Assert.Equal(0.6027633760716439, uniform.NextDouble(), 15);
        var normal = new NumpyLegacyRandom(0);
        Assert.Equal(1.764052345967664, normal.NextGaussian(), 14);
        Assert.Equal(0.4001572083672233, normal.NextGaussian(), 14);
        Assert.Equal(0.9787379841057392, normal.NextGaussian(), 14);
        var seed43 = new NumpyLegacyRandom(43);
        double[] expected = [0.25739992534469336, -0.9084814327806611, -0.37850310605882326, -0.5349155987755707, 0.8580733460716252];
        foreach (var e in expected) Assert.Equal(e, seed43.NextGaussian(), 14);
        // The fifth normal's partner is cached; the uniform draw that follows comes from the twister directly.
        Assert.Equal(0.6660902130980257, seed43.NextDouble(), 15);
    }

    [Fact]
    public void Reference_data_set_reproduces_trajectories_of_the_published_generator()
    {
        // Frame 30 (input) and 40 (target) of the first training and first test trajectory, computed with NumPy by
        // running the published generator's draws and integration (seed 43, 10,000 training trajectories first).
        var data = ChargedNBody.GenerateReference(train: 1, validation: 1, test: 1);
        Assert.Equal([-1.0, 1.0, -1.0, -1.0, -1.0], data.Train.Charges);
        Assert.Equal([1.0, 1.0, -1.0, -1.0, 1.0], data.Test.Charges);
        double[] trainX30 = [2.9891163171666544, 1.7693701204465264, -1.1712942795381607, 0.0699511269959332, 0.112283592463222, 1.3656530512661103];
        double[] trainV30 = [1.133811040666845, 0.39568061256372017, -0.22660657308868654];
        double[] trainX40 = [4.1654998367653935, 2.1913091384156544, -1.3826188023600459];
        double[] testX30 = [1.7298977492711582, 0.7635153613745062, 0.3273713700122107, 1.3471559881426876, -0.24460236668838817, -1.4030607259937333];
        double[] testV30 = [0.16719938178712582, 0.7315009774494367, -0.8391265006667872];
        double[] testX40 = [2.202854589119618, 0.9621634480550953, -0.6795641975233547];
        for (int i = 0; i < trainX30.Length; i++) Assert.Equal(trainX30[i], data.Train.X0[i], 10);
        for (int i = 0; i < 3; i++) Assert.Equal(trainV30[i], data.Train.V0[i], 10);
        for (int i = 0; i < 3; i++) Assert.Equal(trainX40[i], data.Train.XT[i], 10);
        for (int i = 0; i < testX30.Length; i++) Assert.Equal(testX30[i], data.Test.X0[i], 10);
        for (int i = 0; i < 3; i++) Assert.Equal(testV30[i], data.Test.V0[i], 10);
        for (int i = 0; i < 3; i++) Assert.Equal(testX40[i], data.Test.XT[i], 10);
    }

    static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
