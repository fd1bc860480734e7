using Occam.Discovery;
using Xunit;

namespace Occam.Discovery.Tests;

public class ForceFrameTests
{
    static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Separations and F / m1 of an inverse-square law m2·Δ/r³ (pairs at least 0.3 apart).</summary>
    static (double[,] Delta, double[,] Force) InverseSquare(int edges, int dim, Random rng)
    {
        var delta = new double[edges, dim];
        var force = new double[edges, dim];
        for (int i = 0; i < edges; i++)
        {
            double r;
            var d = new double[dim];
            do
            {
                for (int a = 0; a < dim; a++) d[a] = 1.5 * Normal(rng);
                r = Math.Sqrt(d.Sum(v => v * v));
            } while (r < 0.3);
            double m2 = Math.Exp(0.5 * Normal(rng));
            for (int a = 0; a < dim; a++) { delta[i, a] = d[a]; force[i, a] = m2 * d[a] / (r * r * r); }
        }
        return (delta, force);
    }

    /// <summary>Messages: <paramref name="mixed"/> arbitrary linear mixes of the force components plus offsets, as a trained
    /// network learns them, then <paramref name="noise"/> components of pure noise.</summary>
    static double[,] Messages(double[,] force, int mixed, int noise, Random rng)
    {
        int edges = force.GetLength(0), dim = force.GetLength(1);
        var messages = new double[edges, mixed + noise];
        for (int j = 0; j < mixed; j++)
        {
            var weights = Enumerable.Range(0, dim).Select(a => (a == j % dim ? 2.0 : 0) + Normal(rng)).ToArray();
            double offset = Normal(rng);
            for (int i = 0; i < edges; i++)
            {
                messages[i, j] = offset;
                for (int a = 0; a < dim; a++) messages[i, j] += weights[a] * force[i, a];
            }
        }
        for (int j = mixed; j < mixed + noise; j++)
            for (int i = 0; i < edges; i++) messages[i, j] = Normal(rng);
        return messages;
    }

    [Theory]
    [InlineData(2, 2, 0)]
    [InlineData(3, 3, 0)]
    [InlineData(2, 3, 2)]   // the force spread over three components, beside two of noise (L1 messages not yet sparse)
    [InlineData(3, 4, 2)]
    public void Components_that_mix_a_central_force_are_mapped_back_onto_its_axes(int dim, int mixed, int noise)
    {
        var rng = new Random(5);
        int edges = 800;
        var (delta, force) = InverseSquare(edges, dim, rng);
        var messages = Messages(force, mixed, noise, rng);

        var frame = ForceFrame.Fit(messages, delta);
        Assert.True(frame.Misalignment < 1e-8, $"misalignment {frame.Misalignment}");
        Assert.True(frame.Usable);

        // Every axis is the same multiple of the matching force component (u = s·F, one s for all axes and edges).
        var u = frame.Apply(messages);
        double scale = u[0, 0] / force[0, 0];
        for (int i = 0; i < edges; i++)
            for (int a = 0; a < dim; a++)
                Assert.True(Math.Abs(u[i, a] - scale * force[i, a]) <= 1e-6 * (1 + Math.Abs(u[i, a])), $"edge {i} axis {a}: {u[i, a]} vs {scale * force[i, a]}");

        // The force-carrying components are linear functions of the axes (so their equations compose from the axes').
        for (int j = 0; j < mixed; j++)
            Assert.True(LinearFit.Fit(u, Enumerable.Range(0, edges).Select(i => messages[i, j]).ToArray()).R2 > 1 - 1e-10);
    }

    [Fact]
    public void Components_that_are_not_a_central_force_leave_the_frame_unused()
    {
        var rng = new Random(6);
        int edges = 800;
        var (delta, force) = InverseSquare(edges, 2, rng);
        // A force whose direction turns with the separation's angle: no fixed linear map makes it parallel to Δ.
        var messages = new double[edges, 2];
        for (int i = 0; i < edges; i++)
        {
            double angle = 1.5 * Math.Atan2(delta[i, 1], delta[i, 0]);
            double magnitude = Math.Sqrt(force[i, 0] * force[i, 0] + force[i, 1] * force[i, 1]);
            messages[i, 0] = magnitude * Math.Cos(angle);
            messages[i, 1] = magnitude * Math.Sin(angle);
        }
        var frame = ForceFrame.Fit(messages, delta);
        Assert.True(frame.Misalignment > 0.1, $"misalignment {frame.Misalignment}");
        Assert.False(frame.Usable);
    }

    [Fact]
    public void Fewer_components_than_dimensions_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => ForceFrame.Fit(new double[10, 2], new double[10, 3]));
        Assert.Contains("2 for 3D", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Distilling_messages_that_mix_a_spring_force_finds_its_magnitude_and_composes_each_component(bool scaled)
    {
        // Messages as a network learns them: a mix of the spring force per receiver mass, F/m1 = −(r − 1)·Δ/(r·m1), plus
        // offsets, spread over three components, with a fourth of small noise.
        var rng = new Random(8);
        int edges = 600;
        var names = MessageRecord.PairFeatureNames(2);
        var features = new double[edges, names.Length];
        var force = new double[edges, 2];
        var perMass = new double[edges, 2];
        var receiverMass = new double[edges];
        for (int i = 0; i < edges; i++)
        {
            double dx = 1.5 * Normal(rng), dy = 1.5 * Normal(rng), r = Math.Sqrt(dx * dx + dy * dy);
            double m1 = Math.Exp(0.5 * Normal(rng)), m2 = Math.Exp(0.5 * Normal(rng));
            double[] row = [dx, dy, r, m1, m2, 1, -1];
            for (int j = 0; j < row.Length; j++) features[i, j] = row[j];
            force[i, 0] = -(r - 1) * dx / r;
            force[i, 1] = -(r - 1) * dy / r;
            perMass[i, 0] = force[i, 0] / m1;
            perMass[i, 1] = force[i, 1] / m1;
            receiverMass[i] = m1;
        }
        var messages = Messages(perMass, 3, 0, rng);
        var withNoise = new double[edges, 4];
        for (int i = 0; i < edges; i++)
        {
            for (int j = 0; j < 3; j++) withNoise[i, j] = messages[i, j];
            withNoise[i, 3] = 0.2 * Normal(rng);
        }
        var record = new MessageRecord
        {
            Dim = 2, FeatureNames = names, Features = features, Messages = withNoise, Force = force,
            Potential = new double[edges], ReceiverMass = receiverMass,
        };
        var analysis = MessageAnalysis.Analyze(record);
        var options = DiscoveryOptions.Quick with { SymbolicRounds = 4, Threads = 1, ReceiverScaledSearch = scaled };

        var result = DistilStage.Run(record, analysis, DiscoverySystem.Of(Occam.Physics.ParticleSystem.Spring), hamiltonian: false, options);

        Assert.NotNull(result.Frame);
        Assert.True(result.Frame!.Misalignment < 1e-8, $"misalignment {result.Frame.Misalignment}");
        var radial = Assert.IsType<RadialDistillation>(result.Radial);
        Assert.True(radial.R2VsForcePerMass > 1 - 1e-10, $"magnitude R² {radial.R2VsForcePerMass}");
        if (scaled)
        {
            // The search's loss fits the receiver factor itself: the law is the force's r − 1, and the fitted factor at the
            // knots is proportional to 1/m1 (piecewise linear in ln m1, so only nearly: R² > 0.99).
            Assert.True(Proportional(radial.Law.Evaluate(features), i => features[i, 2] - 1), $"law {radial.Law}");
            var scale = Assert.IsType<ReceiverScaleFit>(radial.Scale);
            var inverse = new double[scale.Masses.Length, 1];
            for (int k = 0; k < scale.Masses.Length; k++) inverse[k, 0] = 1 / scale.Masses[k];
            Assert.True(LinearFit.Fit(inverse, scale.Factor).R2 > 0.99, $"factor {string.Join(", ", scale.Factor)}");
            return;
        }
        Assert.Null(radial.Scale);
        // The magnitude's equation is proportional to (r − 1)/m1 on every edge; split, the receiver factor to 1/m1 and the
        // law to the force's r − 1.
        var h = radial.Magnitude.Evaluate(features);
        Assert.True(Proportional(h, i => (features[i, 2] - 1) / features[i, 3]), $"h = {radial.Magnitude}");
        Assert.True(Proportional(radial.ReceiverFactor!.Evaluate(features), i => 1 / features[i, 3]), $"factor {radial.ReceiverFactor}");
        Assert.True(Proportional(radial.Law.Evaluate(features), i => features[i, 2] - 1), $"law {radial.Law}");
        // Each significant component's composed equation reproduces the component.
        foreach (var c in result.Components)
        {
            var predicted = c.Best.Expression.Evaluate(features);
            var actual = Enumerable.Range(0, edges).Select(i => withNoise[i, c.Fit.Component]).ToArray();
            Assert.True(LinearFit.RSquared(actual, predicted) > 0.9999, $"component {c.Fit.Component}: {c.Best.Infix}");
        }

        bool Proportional(double[] values, Func<int, double> expected)
        {
            var design = new double[edges, 1];
            for (int i = 0; i < edges; i++) design[i, 0] = expected(i);
            return LinearFit.Fit(design, values).R2 > 0.9999;
        }
    }
    [Fact]
    public void Selecting_by_law_complexity_does_not_charge_for_the_receiver_factor()
    {
        // The front of h on a discontinuous-force network (seed 0, bottleneck, 40 rounds), and its entries' law complexities
        // once their m1 factors are split off: only the last, cond(r − 1.99, r − 1.08)·(0.087 + 0.020/m1), has one.
        int[] complexity = [1, 3, 5, 7, 9, 11, 13];
        double[] loss = [0.04018, 0.04015, 0.01418, 0.01062, 0.009739, 0.006035, 0.004086];
        int[] law = [1, 3, 5, 7, 9, 11, 7];
        var pareto = complexity.Select((c, i) => new Occam.Symbolic.ParetoEntry(c, loss[i], 0, Occam.Symbolic.Expression.Parse("r", ["r"]))).ToArray();
        // By hand: plain scores 3→5: ln(0.04015/0.01418)/2 = 0.520 is the largest (the step alone). By law complexity the
        // front is 1, 3, 5, 7 (loss 0.004086; 9 and 11 are no better): 5→7 scores ln(0.01418/0.004086)/2 = 0.622.
        Assert.Equal(2, DistilStage.SelectByLaw(pareto, complexity));
        Assert.Equal(6, DistilStage.SelectByLaw(pareto, law));

        // Without factors it is the paper's score selection: on random fronts, the entry a naive scan of scores picks.
        var rng = new Random(5);
        for (int t = 0; t < 200; t++)
        {
            int n = 1 + rng.Next(10);
            var c = new int[n];
            var l = new double[n];
            for (int i = 0; i < n; i++)
            {
                c[i] = (i == 0 ? 1 : c[i - 1]) + 1 + rng.Next(3);
                l[i] = (i == 0 ? 1 : l[i - 1]) * (0.2 + 0.79 * rng.NextDouble());
            }
            int expected = 0;
            double top = 0;
            for (int i = 1; i < n; i++)
            {
                double score = Math.Log(l[i - 1] / l[i]) / (c[i] - c[i - 1]);
                if (score > top) (expected, top) = (i, score);
            }
            var front = c.Select((ci, i) => new Occam.Symbolic.ParetoEntry(ci, l[i], 0, Occam.Symbolic.Expression.Parse("r", ["r"]))).ToArray();
            Assert.Equal(expected, DistilStage.SelectByLaw(front, c));
        }
    }
}
