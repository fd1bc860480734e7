using Occam.Discovery;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Discovery.Tests;

/// <summary><see cref="ParticleNetwork.LossAndGradients"/> (backpropagation written by hand) against autograd on
/// <see cref="ParticleNetwork.Forward(Tensor, bool, Generator?)"/> and <see cref="Trainer.Loss"/>.</summary>
public sealed class GradientTests
{
    /// <summary>A network in float64 and a batch of <paramref name="graphs"/> random graphs with random targets.</summary>
    static (ParticleNetwork Network, Tensor Nodes, Tensor Targets) Case(MessageVariant variant, int dim, int bodies, int graphs,
        int hidden = 16, int? messages = null, int layers = 3, int seed = 5)
    {
        manual_seed(seed);
        var network = new ParticleNetwork(new NetworkOptions(dim, variant, hidden, layers, messages));
        network.to(ScalarType.Float64);
        var nodes = randn(graphs, bodies, 2 * dim + 2, dtype: ScalarType.Float64);
        var targets = randn(graphs, bodies, dim, dtype: ScalarType.Float64);
        return (network, nodes, targets);
    }

    /// <summary>The loss and every parameter's gradient by autograd.</summary>
    static (double Loss, double[][] Gradients) Autograd(ParticleNetwork network, Tensor nodes, Tensor targets, double alpha)
    {
        foreach (var p in network.parameters()) p.grad = null;
        using var output = network.Forward(nodes);
        using var loss = Trainer.Loss(output, targets, alpha);
        loss.backward();
        return (loss.item<double>(), network.parameters().Select(p => p.grad!.data<double>().ToArray()).ToArray());
    }

    static (double Loss, double[][] Gradients) Handwritten(ParticleNetwork network, Tensor nodes, Tensor targets, double alpha)
    {
        foreach (var p in network.parameters()) p.grad = null;
        double loss = network.LossAndGradients(nodes, targets, alpha);
        return (loss, network.parameters().Select(p => p.grad!.data<double>().ToArray()).ToArray());
    }

    // widths that are not a multiple of the SIMD width (hidden 10, 7; 13 messages) take the scalar tails too
    [Theory]
    [InlineData(MessageVariant.L1, 2, 4, 5, 16, 0)]
    [InlineData(MessageVariant.L1, 3, 5, 3, 16, 13)]
    [InlineData(MessageVariant.Standard, 2, 3, 4, 10, 0)]
    [InlineData(MessageVariant.Bottleneck, 3, 4, 2, 16, 0)]
    [InlineData(MessageVariant.L1, 2, 2, 1, 7, 5)]
    public void Handwritten_loss_and_gradients_equal_autograd_in_float64(MessageVariant variant, int dim, int bodies, int graphs,
        int hidden, int messages)
    {
        var (network, nodes, targets) = Case(variant, dim, bodies, graphs, hidden, messages == 0 ? null : messages);
        using (network)
        using (nodes)
        using (targets)
        {
            double alpha = 0.3; // larger than the default so the regulariser's gradient is not lost in the comparison
            var (expectedLoss, expected) = Autograd(network, nodes, targets, alpha);
            var (loss, actual) = Handwritten(network, nodes, targets, alpha);
            Assert.Equal(expectedLoss, loss, 1e-12);
            Assert.Equal(expected.Length, actual.Length);
            for (int k = 0; k < expected.Length; k++)
            {
                double scale = Math.Max(1e-3, expected[k].Max(Math.Abs));
                for (int i = 0; i < expected[k].Length; i++)
                    Assert.True(Math.Abs(expected[k][i] - actual[k][i]) <= 1e-10 * scale,
                        $"parameter {k}, entry {i}: autograd {expected[k][i]:R}, handwritten {actual[k][i]:R}");
            }
            // not a vacuous comparison: every layer receives a gradient
            Assert.All(actual, g => Assert.Contains(g, v => v != 0));
        }
    }

    [Fact]
    public void Handwritten_gradients_replace_what_the_parameters_held()
    {
        var (network, nodes, targets) = Case(MessageVariant.L1, 2, 4, 3);
        using (network)
        using (nodes)
        using (targets)
        {
            var (_, first) = Handwritten(network, nodes, targets, 0.01);
            network.LossAndGradients(nodes, targets, 0.01); // a second call on top of the first's gradients
            var second = network.parameters().Select(p => p.grad!.data<double>().ToArray()).ToArray();
            for (int k = 0; k < first.Length; k++) Assert.Equal(first[k], second[k]);
        }
    }

    [Fact]
    public void Bfloat16_gradients_are_as_accurate_as_autograds_in_bfloat16()
    {
        // Both round the same operands to bfloat16 (8-bit significands, u = 2⁻⁸) but sum in different orders, so they
        // are not bitwise equal; each differs from the float32 gradient by bfloat16 rounding. The handwritten one must be
        // no further from float32 than autograd's (within 1.5×, over three seeds), and both within a few u of the scale of
        // the gradient's terms.
        for (int seed = 0; seed < 3; seed++)
        {
            manual_seed(11 + seed);
            using var network = new ParticleNetwork(new NetworkOptions(2, MessageVariant.L1, 32, 3));
            using var nodes = randn(8, 4, 6);
            using var targets = randn(8, 4, 2);
            var (exactLoss, exact) = Float32Autograd(network, nodes, targets, null);
            var (autogradLoss, autograd) = Float32Autograd(network, nodes, targets, ScalarType.BFloat16);
            network.MatmulType = ScalarType.BFloat16;
            foreach (var p in network.parameters()) p.grad = null;
            double handLoss = network.LossAndGradients(nodes, targets, 0.01);
            var hand = network.parameters().Select(p => p.grad!.data<float>().ToArray()).ToArray();
            network.MatmulType = null;

            const double u = 1.0 / 256;
            Assert.True(Math.Abs(handLoss - exactLoss) <= Math.Max(1.5 * Math.Abs(autogradLoss - exactLoss), u * exactLoss),
                $"seed {seed}: loss {handLoss} (handwritten), {autogradLoss} (autograd), {exactLoss} (float32)");
            double handError = Distance(hand, exact), autogradError = Distance(autograd, exact), norm = Distance(exact, null);
            Assert.True(handError <= 1.5 * autogradError, $"seed {seed}: ‖handwritten − float32‖ {handError:G3}, ‖autograd − float32‖ {autogradError:G3}");
            Assert.True(handError <= 8 * u * norm, $"seed {seed}: ‖handwritten − float32‖ {handError:G3} against ‖gradient‖ {norm:G3}");
        }
    }

    static (double Loss, float[][] Gradients) Float32Autograd(ParticleNetwork network, Tensor nodes, Tensor targets, ScalarType? matmul)
    {
        network.MatmulType = matmul;
        foreach (var p in network.parameters()) p.grad = null;
        using var output = network.Forward(nodes);
        using var loss = Trainer.Loss(output, targets, 0.01);
        loss.backward();
        network.MatmulType = null;
        return (loss.item<float>(), network.parameters().Select(p => p.grad!.data<float>().ToArray()).ToArray());
    }

    /// <summary>The Euclidean distance between two gradients (all parameters), or the norm of the first.</summary>
    static double Distance(float[][] a, float[][]? b) =>
        Math.Sqrt(a.Select((g, k) => g.Select((v, i) => Math.Pow(v - (b?[k][i] ?? 0), 2)).Sum()).Sum());

    [Fact]
    public void KL_is_refused()
    {
        using var kl = new ParticleNetwork(new NetworkOptions(2, MessageVariant.KL, 8, 2));
        using var nodes = randn(2, 3, 6);
        using var targets = randn(2, 3, 2);
        Assert.False(kl.HasHandwrittenGradients);
        Assert.Throws<InvalidOperationException>(() => kl.LossAndGradients(nodes, targets, 1));
    }
}
