using Occam.Discovery;
using Occam.Physics;
using Occam.Symbolic;
using static TorchSharp.torch;

namespace Occam.Discovery.Tests;

public sealed class AnalysisTests
{
    static MessageRecord FreshSpringRecord()
    {
        var ds = Simulator.Run(new SimulationOptions { System = ParticleSystem.Spring, Sims = 10, Steps = 20, Seed = 4, Tolerance = 1e-7, MaxDegreeOfParallelism = 1 });
        var data = SymbolicDistillation.ToParticleData(ds);
        manual_seed(0);
        using var net = new ParticleNetwork(new NetworkOptions(2, MessageVariant.Bottleneck, 8, 1));
        return MessageRecord.Record(net, data, SymbolicDistillation.LawOf(ParticleSystem.Spring), 400, 1);
    }

    [Fact]
    public void Recorded_pair_features_and_forces_match_the_simulator_law()
    {
        var record = FreshSpringRecord();
        Assert.Equal(new[] { "dx", "dy", "r", "m1", "m2", "q1", "q2" }, record.FeatureNames);
        for (int i = 0; i < record.Edges; i += 37)
        {
            double dx = record.Features[i, 0], dy = record.Features[i, 1], r = record.Features[i, 2];
            Assert.Equal(Math.Sqrt(dx * dx + dy * dy), r, 10);
            // spring: U = (r' − 1)², r' = r + 0.01, F = −2(r' − 1)·Δ/r on the receiver (Δ = x_receiver − x_sender)
            double scale = -2 * (r + 0.01 - 1) / r;
            Assert.Equal(scale * dx, record.Force[i, 0], 4);
            Assert.Equal(scale * dy, record.Force[i, 1], 4);
        }
    }

    [Fact]
    public void Recovery_accepts_the_true_law_up_to_a_linear_map_and_rejects_wrong_or_incomplete_ones()
    {
        var record = FreshSpringRecord();
        var names = record.FeatureNames;
        // A rotated and scaled version of the true force, plus constants: still the law.
        var right = new[]
        {
            Expression.Parse("0.5*(dx + dy)*(r - 0.99)/r + 3", names),
            Expression.Parse("(dx - 2*dy)*(r - 0.99)/r", names),
        };
        var ok = SymbolicDistillation.CheckRecovery(right, record, ParticleSystem.Spring, hamiltonian: false);
        Assert.True(ok.Recovered, ok.Reason);
        Assert.All(ok.R2, r2 => Assert.True(r2 > 0.999));

        var linear = new[] { Expression.Parse("dx", names), Expression.Parse("dy", names) };
        var bad = SymbolicDistillation.CheckRecovery(linear, record, ParticleSystem.Spring, hamiltonian: false);
        Assert.False(bad.Recovered);

        var oneAxis = new[] { Expression.Parse("dx*(r - 0.99)/r", names), Expression.Parse("dx*(r - 0.99)/r + 1", names) };
        Assert.False(SymbolicDistillation.CheckRecovery(oneAxis, record, ParticleSystem.Spring, hamiltonian: false).Recovered);
    }

    [Fact]
    public void Significant_components_are_the_largest_std_and_fit_the_force_they_encode()
    {
        var record = FreshSpringRecord();
        int rows = record.Edges;
        // Synthetic messages: component 3 = 2·Fx − Fy, component 1 = Fy / m1, the rest small noise.
        var rng = new Random(2);
        var messages = new double[rows, 6];
        for (int i = 0; i < rows; i++)
        {
            for (int c = 0; c < 6; c++) messages[i, c] = 1e-3 * (rng.NextDouble() - 0.5);
            messages[i, 3] = 2 * record.Force[i, 0] - record.Force[i, 1];
            messages[i, 1] = 5 * record.Force[i, 1] / record.ReceiverMass[i];
        }
        var synthetic = new MessageRecord
        {
            Dim = 2, FeatureNames = record.FeatureNames, Features = record.Features, Messages = messages, Force = record.Force,
            ReceiverMass = record.ReceiverMass, Potential = record.Potential,
        };
        var result = MessageAnalysis.Analyze(synthetic);
        Assert.Equal(new[] { 1, 3 }, result.Significant.Select(c => c.Component).OrderBy(c => c).ToArray());
        var c3 = result.Significant.Single(c => c.Component == 3);
        Assert.Equal(1, c3.R2VsForce, 6);
        Assert.False(c3.PerMass);
        var c1 = result.Significant.Single(c => c.Component == 1);
        Assert.Equal(1, c1.R2VsForcePerMass, 6);
        Assert.True(c1.PerMass);
    }
}
