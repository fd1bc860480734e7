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

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Components_that_mix_a_central_force_are_mapped_back_onto_its_axes(int dim)
    {
        var rng = new Random(5);
        int edges = 800;
        var (delta, force) = InverseSquare(edges, dim, rng);
        // Messages: an arbitrary invertible mix of the force components plus an offset, as a trained network learns them.
        var mix = new double[dim, dim];
        for (int j = 0; j < dim; j++)
            for (int a = 0; a < dim; a++) mix[j, a] = (j == a ? 2.0 : 0) + Normal(rng);
        var offset = Enumerable.Range(0, dim).Select(_ => Normal(rng)).ToArray();
        var messages = new double[edges, dim];
        for (int i = 0; i < edges; i++)
            for (int j = 0; j < dim; j++)
            {
                messages[i, j] = offset[j];
                for (int a = 0; a < dim; a++) messages[i, j] += mix[j, a] * force[i, a];
            }

        var frame = ForceFrame.Fit(messages, delta);
        Assert.True(frame.Misalignment < 1e-10, $"misalignment {frame.Misalignment}");
        Assert.True(frame.Usable);

        // Every axis is the same multiple of the matching force component (u = s·F, one s for all axes and edges).
        var u = frame.Apply(messages);
        double scale = u[0, 0] / force[0, 0];
        for (int i = 0; i < edges; i++)
            for (int a = 0; a < dim; a++)
                Assert.True(Math.Abs(u[i, a] - scale * force[i, a]) <= 1e-8 * (1 + Math.Abs(u[i, a])), $"edge {i} axis {a}: {u[i, a]} vs {scale * force[i, a]}");

        // The inverse maps the axes back onto the messages.
        var inverse = frame.Inverse();
        for (int i = 0; i < edges; i++)
            for (int j = 0; j < dim; j++)
            {
                double m = inverse[j, dim];
                for (int a = 0; a < dim; a++) m += inverse[j, a] * u[i, a];
                Assert.True(Math.Abs(m - messages[i, j]) <= 1e-8 * (1 + Math.Abs(messages[i, j])), $"edge {i} component {j}: {m} vs {messages[i, j]}");
            }
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
    public void A_component_count_other_than_the_dimension_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => ForceFrame.Fit(new double[10, 3], new double[10, 2]));
        Assert.Contains("3 for 2D", e.Message);
    }
}
