namespace Occam.Physics.Tests;

public sealed class ParticleSystemTests
{
    public static TheoryData<string, int> SystemsAndDims()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "spring", "r1", "r2", "charge", "damped", "discontinuous" })
            foreach (int dim in new[] { 2, 3 })
                data.Add(name, dim);
        return data;
    }

    /// <summary>A random state with every pair distance away from the discontinuity at r' = 2.</summary>
    static (double[] X, double[] V, double[] M, double[] Q) State(int n, int dim, long seed)
    {
        var rng = new SimulationRandom(seed, 99);
        while (true)
        {
            var x = new double[n * dim];
            var v = new double[n * dim];
            var m = new double[n];
            var q = new double[n];
            for (int i = 0; i < x.Length; i++) x[i] = 1.5 * rng.NextNormal();
            for (int i = 0; i < v.Length; i++) v[i] = rng.NextNormal();
            for (int i = 0; i < n; i++) m[i] = Math.Exp(rng.NextNormal());
            for (int i = 0; i < n; i++) q[i] = rng.NextSign();
            bool ok = true;
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                {
                    double r2 = 0;
                    for (int k = 0; k < dim; k++) r2 += Math.Pow(x[i * dim + k] - x[j * dim + k], 2);
                    double rs = Math.Sqrt(r2) + 0.01;
                    if (Math.Abs(rs - 2) < 0.05 || rs < 0.2) ok = false;
                }
            if (ok) return (x, v, m, q);
        }
    }

    [Theory]
    [MemberData(nameof(SystemsAndDims))]
    public void Accelerations_equal_minus_gradient_of_total_potential_over_mass_by_central_differences(string name, int dim)
    {
        var system = ParticleSystem.FromName(name);
        const int n = 5;
        var (x, v, m, q) = State(n, dim, seed: name.Length * 10 + dim);
        var a = new double[n * dim];
        system.Accelerations(x, v, m, q, dim, a);
        const double h = 1e-5;
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < dim; k++)
            {
                var xp = (double[])x.Clone();
                var xm = (double[])x.Clone();
                xp[i * dim + k] += h;
                xm[i * dim + k] -= h;
                double grad = (system.PotentialEnergy(xp, m, q, dim) - system.PotentialEnergy(xm, m, q, dim)) / (2 * h);
                // Independent reference: −∇U/m, plus the documented uniform damping −b·v/m.
                double expected = (-grad - system.Damping * v[i * dim + k]) / m[i];
                Assert.True(Math.Abs(a[i * dim + k] - expected) <= 1e-6 * (1 + Math.Abs(expected)),
                    $"{name} body {i} axis {k}: {a[i * dim + k]} vs {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(SystemsAndDims))]
    public void Pair_force_is_minus_gradient_of_pair_potential_and_obeys_newtons_third_law(string name, int dim)
    {
        var system = ParticleSystem.FromName(name);
        var (x, _, m, q) = State(2, dim, seed: 7 + dim);
        var delta = new double[dim];
        for (int k = 0; k < dim; k++) delta[k] = x[k] - x[dim + k];
        var f = system.PairForce(delta, m[0], m[1], q[0], q[1]);
        const double h = 1e-6;
        for (int k = 0; k < dim; k++)
        {
            var dp = (double[])delta.Clone();
            var dm = (double[])delta.Clone();
            dp[k] += h;
            dm[k] -= h;
            double expected = -(system.PairPotential(dp, m[0], m[1], q[0], q[1]) - system.PairPotential(dm, m[0], m[1], q[0], q[1])) / (2 * h);
            Assert.True(Math.Abs(f[k] - expected) <= 1e-7 * (1 + Math.Abs(expected)), $"{name} axis {k}: {f[k]} vs {expected}");
        }
        var back = system.PairForce(delta.Select(d => -d).ToArray(), m[1], m[0], q[1], q[0]);
        for (int k = 0; k < dim; k++) Assert.Equal(-f[k], back[k], 12);
    }

    [Fact]
    public void Built_in_potentials_match_the_papers_formulas_with_softened_distance()
    {
        double[] delta = [0.6, 0.8]; // r = 1, r' = 1.01
        const double rs = 1.01, m1 = 2, m2 = 3, q1 = -1, q2 = 1;
        Assert.Equal(Math.Pow(rs - 1, 2), ParticleSystem.Spring.PairPotential(delta, m1, m2, q1, q2), 14);
        Assert.Equal(m1 * m2 * Math.Log(rs), ParticleSystem.R1.PairPotential(delta, m1, m2, q1, q2), 14);
        Assert.Equal(-m1 * m2 / rs, ParticleSystem.R2.PairPotential(delta, m1, m2, q1, q2), 14);
        Assert.Equal(q1 * q2 / rs, ParticleSystem.Charge.PairPotential(delta, m1, m2, q1, q2), 14);
        Assert.Equal(0, ParticleSystem.Discontinuous.PairPotential(delta, m1, m2, q1, q2));
        double[] far = [3, 0]; // r' = 3.01 ≥ 2
        Assert.Equal(Math.Pow(3.01 - 1, 2), ParticleSystem.Discontinuous.PairPotential(far, m1, m2, q1, q2), 12);
        // r2 attraction: the force on the receiver points toward the sender with magnitude m1 m2 / r'^2.
        var f = ParticleSystem.R2.PairForce(delta, m1, m2, q1, q2);
        Assert.Equal(-m1 * m2 / (rs * rs) * 0.6, f[0], 12);
        Assert.Equal(-m1 * m2 / (rs * rs) * 0.8, f[1], 12);
    }

    [Fact]
    public void Paper_step_sizes_are_the_defaults()
    {
        Assert.Equal(0.005, ParticleSystem.R1.DefaultDt);
        Assert.Equal(0.001, ParticleSystem.R2.DefaultDt);
        Assert.Equal(0.01, ParticleSystem.Spring.DefaultDt);
        Assert.Equal(0.02, ParticleSystem.Damped.DefaultDt);
        Assert.Equal(0.001, ParticleSystem.Charge.DefaultDt);
        Assert.Equal(0.01, ParticleSystem.Discontinuous.DefaultDt);
    }

    [Fact]
    public void Unknown_system_name_is_rejected_with_the_known_names()
    {
        var e = Assert.Throws<ArgumentException>(() => ParticleSystem.FromName("gravity"));
        Assert.Contains("gravity", e.Message);
        Assert.Contains("spring", e.Message);
        Assert.Throws<ArgumentException>(() => ParticleSystem.FromName("spring", "r*r"));
        Assert.Throws<ArgumentException>(() => ParticleSystem.FromName("custom"));
    }

    [Fact]
    public void Coincident_bodies_feel_no_force()
    {
        var f = ParticleSystem.R2.PairForce([0.0, 0.0, 0.0], 1, 1, 1, 1);
        Assert.All(f, c => Assert.Equal(0, c));
    }
}
