namespace Occam.Physics.Tests;

public sealed class CustomPotentialTests
{
    static readonly double[][] Deltas = [[0.3, -1.2], [2.5, 0.4], [-0.7, -0.1]];

    [Fact]
    public void Custom_charge_expression_reproduces_the_built_in_charge_forces()
    {
        var custom = ParticleSystem.Custom("q1*q2/r");
        foreach (var delta in Deltas)
        {
            var expected = ParticleSystem.Charge.PairForce(delta, 1.3, 0.4, -1, 1);
            var actual = custom.PairForce(delta, 1.3, 0.4, -1, 1);
            for (int k = 0; k < 2; k++) Assert.Equal(expected[k], actual[k], 12);
            Assert.Equal(ParticleSystem.Charge.PairPotential(delta, 1.3, 0.4, -1, 1), custom.PairPotential(delta, 1.3, 0.4, -1, 1), 12);
        }
        Assert.True(custom.UsesCharges);
        Assert.False(ParticleSystem.Custom("(r-1)^2").UsesCharges);
    }

    [Fact]
    public void Yukawa_force_matches_its_hand_derived_formula()
    {
        // U = q1 q2 e^{-r'}/r'  ⇒  F = q1 q2 e^{-r'} (1/r' + 1/r'^2) Δ/|Δ|
        var system = ParticleSystem.Custom("q1*q2*exp(-r)/r");
        foreach (var delta in Deltas)
        {
            double r = Math.Sqrt(delta[0] * delta[0] + delta[1] * delta[1]), rs = r + 0.01, q = -1.0;
            double magnitude = q * Math.Exp(-rs) * (1 / rs + 1 / (rs * rs));
            var f = system.PairForce(delta, 2, 3, 1, -1);
            for (int k = 0; k < 2; k++) Assert.Equal(magnitude * delta[k] / r, f[k], 12);
        }
    }

    [Fact]
    public void Anisotropic_potential_in_components_gives_component_forces()
    {
        // U = dx^2 + 3 dy^2 + m1*m2*dz  ⇒  F = −(2 dx, 6 dy, m1 m2)
        var system = ParticleSystem.Custom("dx^2 + 3*dy^2 + m1*m2*dz");
        var f = system.PairForce([0.5, -2.0, 7.0], 2, 1.5, 1, 1);
        Assert.Equal(-1.0, f[0], 12);
        Assert.Equal(12.0, f[1], 12);
        Assert.Equal(-3.0, f[2], 12);
        Assert.Throws<ArgumentException>(() => Simulator.Run(new SimulationOptions { System = system, Dim = 2, Sims = 1, Steps = 2 }));
    }

    [Fact]
    public void Custom_accelerations_equal_minus_gradient_of_total_potential_by_central_differences()
    {
        var system = ParticleSystem.Custom("m1*m2*(r - 1.5)^2 + 0.1*q1*q2/r");
        var rng = new SimulationRandom(3, 0);
        const int n = 4, dim = 3;
        var x = Enumerable.Range(0, n * dim).Select(_ => 2 * rng.NextNormal()).ToArray();
        var v = new double[n * dim];
        var m = Enumerable.Range(0, n).Select(_ => Math.Exp(rng.NextNormal())).ToArray();
        var q = Enumerable.Range(0, n).Select(_ => rng.NextSign()).ToArray();
        var a = new double[n * dim];
        system.Accelerations(x, v, m, q, dim, a);
        const double h = 1e-5;
        for (int i = 0; i < n * dim; i++)
        {
            var xp = (double[])x.Clone();
            var xm = (double[])x.Clone();
            xp[i] += h;
            xm[i] -= h;
            double expected = -(system.PotentialEnergy(xp, m, q, dim) - system.PotentialEnergy(xm, m, q, dim)) / (2 * h) / m[i / dim];
            Assert.True(Math.Abs(a[i] - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"component {i}: {a[i]} vs {expected}");
        }
    }

    [Fact]
    public void Custom_system_conserves_energy_in_simulation()
    {
        var system = ParticleSystem.FromName("custom", "q1*q2*exp(-r)/r + (r-1)^2");
        var data = Simulator.Run(new SimulationOptions { System = system, Sims = 2, Steps = 500, Seed = 4 });
        Assert.Equal("custom", data.System);
        Assert.Equal("q1*q2*exp(-r)/r + (r-1)^2", data.Potential);
        for (int s = 0; s < 2; s++)
        {
            double e0 = data.Energy(s, 0);
            for (int t = 0; t < data.Steps; t += 50)
                Assert.True(Math.Abs(data.Energy(s, t) - e0) < 1e-4 * Math.Abs(e0), $"sim {s} step {t}");
        }
    }

    [Theory]
    [InlineData("q1*q2/")]
    [InlineData("exp(r")]
    [InlineData("gravity*r")]
    [InlineData("x9*r")]
    [InlineData("")]
    public void Bad_expression_is_rejected_with_a_format_or_argument_error(string text)
    {
        var e = Record.Exception(() => ParticleSystem.FromName("custom", text));
        Assert.True(e is FormatException or ArgumentException, $"got {e?.GetType().Name ?? "no exception"}");
    }
}
