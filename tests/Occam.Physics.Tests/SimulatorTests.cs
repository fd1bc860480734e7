using Occam.Physics.IO;

namespace Occam.Physics.Tests;

public sealed class SimulatorTests
{
    static double Scale(double[] values) => values.Max(Math.Abs);

    [Theory]
    [InlineData("spring", 2)]
    [InlineData("r1", 2)]
    [InlineData("r2", 2)]
    [InlineData("charge", 2)]
    [InlineData("spring", 3)]
    [InlineData("r2", 3)]
    public void Energy_drift_over_a_default_run_stays_below_1e_4(string name, int dim)
    {
        // A default run: 4 bodies, 500 recorded frames at the paper's dt, default tolerance.
        var data = Simulator.Run(new SimulationOptions { System = ParticleSystem.FromName(name), Dim = dim, Sims = 4, Seed = 11 });
        for (int s = 0; s < data.Sims; s++)
        {
            double e0 = data.Energy(s, 0);
            var law = data.Law;
            double scale = ParticleSystem.KineticEnergy(data.Frame(data.Velocities, s, 0), data.Masses.AsSpan(s * 4, 4), dim)
                + Math.Abs(law.PotentialEnergy(data.Frame(data.Positions, s, 0), data.Masses.AsSpan(s * 4, 4), data.Charges.AsSpan(s * 4, 4), dim));
            double worst = 0;
            for (int t = 0; t < data.Steps; t++) worst = Math.Max(worst, Math.Abs(data.Energy(s, t) - e0) / scale);
            Assert.True(worst < 1e-4, $"{name} sim {s}: relative energy drift {worst:E2}");
        }
    }

    [Theory]
    [InlineData("spring")]
    [InlineData("r1")]
    [InlineData("r2")]
    [InlineData("charge")]
    [InlineData("discontinuous")]
    public void Total_momentum_is_conserved_where_forces_are_pairwise(string name)
    {
        var data = Simulator.Run(new SimulationOptions { System = ParticleSystem.FromName(name), Dim = 2, Sims = 3, Steps = 200, Seed = 5 });
        for (int s = 0; s < data.Sims; s++)
        {
            double[] p0 = Momentum(data, s, 0);
            double scale = 0;
            for (int b = 0; b < data.Bodies; b++)
                for (int k = 0; k < 2; k++)
                    scale += data.Masses[s * data.Bodies + b] * Math.Abs(data.Velocities[data.Index(s, 0, b, k)]);
            for (int t = 1; t < data.Steps; t++)
            {
                var p = Momentum(data, s, t);
                for (int k = 0; k < 2; k++)
                    Assert.True(Math.Abs(p[k] - p0[k]) <= 1e-7 * scale, $"{name} sim {s} step {t}: {p[k]} vs {p0[k]}");
            }
            // The exact accelerations sum to zero force too.
            for (int k = 0; k < 2; k++)
            {
                double force = 0;
                for (int b = 0; b < data.Bodies; b++)
                    force += data.Masses[s * data.Bodies + b] * data.Accelerations[data.Index(s, 7, b, k)];
                Assert.True(Math.Abs(force) < 1e-9 * (1 + Scale(data.Accelerations)), $"net force {force}");
            }
        }
    }

    static double[] Momentum(ParticleDataset data, int s, int t)
    {
        var p = new double[data.Dim];
        for (int b = 0; b < data.Bodies; b++)
            for (int k = 0; k < data.Dim; k++)
                p[k] += data.Masses[s * data.Bodies + b] * data.Velocities[data.Index(s, t, b, k)];
        return p;
    }

    [Theory]
    [InlineData("spring", 2)]
    [InlineData("r2", 3)]
    [InlineData("charge", 2)]
    [InlineData("damped", 3)]
    [InlineData("r1", 1)]
    public void Vectorised_batches_agree_with_one_simulation_at_a_time(string name, int dim)
    {
        // Same initial states (same seed and indices); each path controls its own steps, so the trajectories
        // agree to the integration error, not bit for bit. 6 simulations: one full batch and one padded batch.
        var options = new SimulationOptions { System = ParticleSystem.FromName(name), Dim = dim, Sims = 6, Steps = 60, Seed = 21 };
        var batched = Simulator.Run(options);
        var single = Simulator.Run(options with { Vectorized = false });
        Assert.Equal(single.Masses, batched.Masses);
        Assert.Equal(single.Charges, batched.Charges);
        Assert.Equal(single.Frame(single.Positions, 5, 0).ToArray(), batched.Frame(batched.Positions, 5, 0).ToArray());
        for (int i = 0; i < single.Positions.Length; i++)
        {
            Assert.True(Math.Abs(single.Positions[i] - batched.Positions[i]) <= 1e-6 * (1 + Math.Abs(single.Positions[i])), $"position {i}");
            Assert.True(Math.Abs(single.Velocities[i] - batched.Velocities[i]) <= 1e-6 * (1 + Math.Abs(single.Velocities[i])), $"velocity {i}");
        }
    }

    [Fact]
    public void Two_body_spring_follows_the_analytic_harmonic_oscillation()
    {
        // 1-D, bodies at ±0.6 at rest: separation r obeys μ r'' = −2 (r + 0.01 − 1) while r > 0,
        // so r(t) = 0.99 + (1.2 − 0.99) cos(ω t), ω = sqrt(2/μ), and the centre of mass stays put.
        double m1 = 1.5, m2 = 0.5, mu = m1 * m2 / (m1 + m2), omega = Math.Sqrt(2 / mu);
        double[] x = [0.6, -0.6], v = [0, 0];
        const double dt = 0.05;
        var (xs, _, accs) = Simulator.Integrate(ParticleSystem.Spring, x, v, [m1, m2], [1, 1], 1, dt, 200);
        double xcm0 = (m1 * 0.6 - m2 * 0.6) / (m1 + m2);
        for (int t = 0; t < 200; t++)
        {
            double r = xs[2 * t] - xs[2 * t + 1];
            double expected = 0.99 + 0.21 * Math.Cos(omega * t * dt);
            Assert.True(Math.Abs(r - expected) < 1e-8, $"step {t}: r = {r}, expected {expected}");
            Assert.Equal(xcm0, (m1 * xs[2 * t] + m2 * xs[2 * t + 1]) / (m1 + m2), 10);
            Assert.Equal(-2 * (r + 0.01 - 1) / m1, accs[2 * t], 9);
        }
    }

    [Fact]
    public void Recorded_accelerations_are_the_law_at_the_recorded_states()
    {
        var data = Simulator.Run(new SimulationOptions { System = ParticleSystem.Damped, Dim = 3, Sims = 2, Steps = 20, Seed = 3 });
        var a = new double[data.Bodies * data.Dim];
        for (int s = 0; s < data.Sims; s++)
            for (int t = 0; t < data.Steps; t += 7)
            {
                data.Law.Accelerations(data.Frame(data.Positions, s, t), data.Frame(data.Velocities, s, t),
                    data.Masses.AsSpan(s * data.Bodies, data.Bodies), data.Charges.AsSpan(s * data.Bodies, data.Bodies), data.Dim, a);
                Assert.Equal(a, data.Frame(data.Accelerations, s, t).ToArray());
            }
    }

    [Theory]
    [InlineData("spring", 2)]
    [InlineData("charge", 3)]
    [InlineData("r1", 2)]
    public void Pair_forces_on_all_edges_sum_to_mass_times_recorded_acceleration(string name, int dim)
    {
        var data = Simulator.Run(new SimulationOptions { System = ParticleSystem.FromName(name), Dim = dim, Sims = 2, Steps = 10, Bodies = 5, Seed = 8 });
        var senders = new List<int>();
        var receivers = new List<int>();
        for (int r = 0; r < 5; r++)
            for (int s = 0; s < 5; s++)
                if (s != r) { senders.Add(s); receivers.Add(r); }
        var forces = data.PairForces(1, 9, senders.ToArray(), receivers.ToArray());
        for (int r = 0; r < 5; r++)
            for (int k = 0; k < dim; k++)
            {
                double sum = 0;
                for (int e = 0; e < senders.Count; e++)
                    if (receivers[e] == r) sum += forces[e * dim + k];
                double expected = data.Masses[5 + r] * data.Accelerations[data.Index(1, 9, r, k)];
                Assert.True(Math.Abs(sum - expected) <= 1e-10 * (1 + Math.Abs(expected)), $"body {r} axis {k}: {sum} vs {expected}");
            }
    }

    [Fact]
    public void Damped_system_loses_kinetic_plus_potential_energy()
    {
        var data = Simulator.Run(new SimulationOptions { System = ParticleSystem.Damped, Sims = 2, Steps = 100, Seed = 1 });
        for (int s = 0; s < data.Sims; s++)
            Assert.True(data.Energy(s, 99) < 0.5 * data.Energy(s, 0), $"sim {s}: {data.Energy(s, 0)} → {data.Energy(s, 99)}");
    }

    [Fact]
    public void Initial_states_follow_the_documented_distributions()
    {
        var data = Simulator.Run(new SimulationOptions { System = ParticleSystem.Charge, Sims = 500, Steps = 1, Bodies = 4, Seed = 9 });
        var logM = data.Masses.Select(m => Math.Log(m)).ToArray();
        var x0 = data.Positions; // one frame: the initial positions, 4000 values
        // Sample means of N(0, 1) draws: standard error 1/sqrt(count); allow 5 standard errors.
        Assert.True(Math.Abs(logM.Average()) < 5 / Math.Sqrt(logM.Length));
        Assert.True(Math.Abs(logM.Select(l => l * l).Average() - 1) < 5 * Math.Sqrt(2.0 / logM.Length));
        Assert.True(Math.Abs(x0.Average()) < 5 / Math.Sqrt(x0.Length));
        Assert.True(Math.Abs(x0.Select(l => l * l).Average() - 1) < 5 * Math.Sqrt(2.0 / x0.Length));
        Assert.All(data.Charges, c => Assert.True(c is 1 or -1));
        Assert.True(Math.Abs(data.Charges.Average()) < 5 / Math.Sqrt(data.Charges.Length));
    }

    [Fact]
    public void Same_seed_gives_identical_files_whatever_the_thread_count()
    {
        var folder = Directory.CreateTempSubdirectory("occam-seed-").FullName;
        try
        {
            var options = new SimulationOptions { System = ParticleSystem.R1, Sims = 6, Steps = 30, Seed = 42 };
            Simulator.Run(options with { MaxDegreeOfParallelism = 1 }).Save(Path.Combine(folder, "a.npz"));
            Simulator.Run(options with { MaxDegreeOfParallelism = 2 }).Save(Path.Combine(folder, "b.npz"));
            Simulator.Run(options with { Seed = 43 }).Save(Path.Combine(folder, "c.npz"));
            var a = File.ReadAllBytes(Path.Combine(folder, "a.npz"));
            Assert.Equal(a, File.ReadAllBytes(Path.Combine(folder, "b.npz")));
            Assert.NotEqual(a, File.ReadAllBytes(Path.Combine(folder, "c.npz")));
            // Simulation k does not depend on how many others are run.
            var fewer = Simulator.Run(options with { Sims = 2 });
            var more = Npz.Read(Path.Combine(folder, "a.npz"));
            Assert.Equal(fewer.Positions, ((double[])more["positions"].Data)[..fewer.Positions.Length]);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Theory]
    [InlineData(DatasetFormat.Npz, "data.npz")]
    [InlineData(DatasetFormat.Npy, "data")]
    [InlineData(DatasetFormat.Csv, "data.csv")]
    [InlineData(DatasetFormat.Hdf5, "data.h5")]
    public void Dataset_round_trips_through_every_format(DatasetFormat format, string name)
    {
        var folder = Directory.CreateTempSubdirectory("occam-rt-").FullName;
        try
        {
            var data = Simulator.Run(new SimulationOptions { System = ParticleSystem.Charge, Dim = 3, Sims = 2, Steps = 5, Bodies = 3, Seed = 2 });
            var path = Path.Combine(folder, name);
            data.Save(path, format);
            var back = ParticleDataset.Load(path);
            Assert.Equal((data.System, data.Sims, data.Steps, data.Bodies, data.Dim, data.Dt, data.Seed, data.Tolerance, data.Damping),
                (back.System, back.Sims, back.Steps, back.Bodies, back.Dim, back.Dt, back.Seed, back.Tolerance, back.Damping));
            Assert.Equal(data.Positions, back.Positions);
            Assert.Equal(data.Velocities, back.Velocities);
            Assert.Equal(data.Accelerations, back.Accelerations);
            Assert.Equal(data.Masses, back.Masses);
            Assert.Equal(data.Charges, back.Charges);
            Assert.DoesNotContain(Directory.GetFileSystemEntries(folder), p => Path.GetFileName(p).StartsWith('.'));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Npz_holds_the_documented_arrays_with_numpy_shapes()
    {
        var folder = Directory.CreateTempSubdirectory("occam-npz-").FullName;
        try
        {
            var path = Path.Combine(folder, "d.npz");
            Simulator.Run(new SimulationOptions { Sims = 3, Steps = 4, Bodies = 5, Dim = 2 }).Save(path);
            var arrays = Npz.Read(path);
            Assert.Equal([3, 4, 5, 2], arrays["positions"].Shape);
            Assert.Equal([3, 4, 5, 2], arrays["velocities"].Shape);
            Assert.Equal([3, 4, 5, 2], arrays["accelerations"].Shape);
            Assert.Equal([3, 5], arrays["masses"].Shape);
            Assert.Equal([3, 5], arrays["charges"].Shape);
            Assert.Empty(arrays["dt"].Shape);
            Assert.Equal(0.01, arrays["dt"].ToDoubleScalar());
            Assert.Equal("spring", arrays["system"].ToStringScalar());
            Assert.Equal(NpyDType.Unicode, arrays["system"].DType);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Theory]
    [InlineData(0, 4, 10, 2)]
    [InlineData(2, -1, 10, 2)]
    [InlineData(2, 4, -5, 2)]
    [InlineData(2, 4, 10, 4)]
    public void Negative_or_zero_counts_are_rejected_before_any_work(int sims, int bodies, int steps, int dim)
    {
        var options = new SimulationOptions { Sims = sims, Bodies = bodies, Steps = steps, Dim = dim };
        Assert.ThrowsAny<ArgumentException>(() => Simulator.Run(options));
        Assert.ThrowsAny<ArgumentException>(() => Simulator.Run(new SimulationOptions { Dt = -0.1 }));
    }

    [Fact]
    public void Cancelling_mid_run_raises_operation_canceled_not_an_aggregate()
    {
        using var cts = new CancellationTokenSource();
        var progress = new CancelOnFirst(cts);
        var options = new SimulationOptions { System = ParticleSystem.R2, Sims = 50, Steps = 200, MaxDegreeOfParallelism = 2 };
        Assert.ThrowsAny<OperationCanceledException>(() => Simulator.Run(options, progress, cts.Token));
        Assert.True(progress.Calls < 50);
    }

    sealed class CancelOnFirst(CancellationTokenSource cts) : IProgress<int>
    {
        public int Calls;

        public void Report(int value)
        {
            Interlocked.Increment(ref Calls);
            cts.Cancel();
        }
    }

    [Fact]
    public void Saving_into_a_missing_folder_fails_with_io_error_and_writes_nothing()
    {
        var data = Simulator.Run(new SimulationOptions { Sims = 1, Steps = 2 });
        var folder = Path.Combine(Path.GetTempPath(), $"occam-nowhere-{Guid.NewGuid():N}");
        foreach (var format in new[] { DatasetFormat.Npz, DatasetFormat.Npy, DatasetFormat.Csv })
            Assert.ThrowsAny<IOException>(() => data.Save(Path.Combine(folder, "out"), format));
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void A_wider_position_spread_scales_the_initial_positions_and_nothing_else()
    {
        var narrow = new SimulationOptions { System = ParticleSystem.Spring, Sims = 5, Steps = 2, Seed = 3, MaxDegreeOfParallelism = 1 };
        var a = Simulator.Run(narrow);
        var b = Simulator.Run(narrow with { PositionSpread = 2 });
        for (int s = 0; s < a.Sims; s++)
            for (int i = 0; i < a.Bodies; i++)
                for (int d = 0; d < a.Dim; d++)
                {
                    int k = a.Index(s, 0, i, d);
                    Assert.Equal(2 * a.Positions[k], b.Positions[k]); // exact: a power-of-two scale
                    Assert.Equal(a.Velocities[k], b.Velocities[k]);
                }
        Assert.Equal(a.Masses, b.Masses);
        Assert.Equal(a.Charges, b.Charges);
        Assert.Throws<ArgumentOutOfRangeException>(() => Simulator.Run(narrow with { PositionSpread = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Simulator.Run(narrow with { PositionSpread = double.NaN }));
    }
}
