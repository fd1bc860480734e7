using static TorchSharp.torch;
using static Occam.Graphs.Tests.TestGraphs;

namespace Occam.Graphs.Tests;

public sealed class MlpTests
{
    private static double Act(Activation a, double x) => a switch
    {
        Activation.ReLU => Math.Max(0, x),
        Activation.SiLU => x / (1 + Math.Exp(-x)),
        Activation.Tanh => Math.Tanh(x),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        Activation.Softplus => Math.Log(1 + Math.Exp(x)),
        Activation.ELU => x > 0 ? x : Math.Exp(x) - 1,
        Activation.LeakyReLU => x > 0 ? x : 0.01 * x,
        Activation.Identity => x,
        _ => throw new NotSupportedException(),
    };

    [Theory]
    [InlineData(Activation.ReLU, false, false)]
    [InlineData(Activation.SiLU, true, false)]
    [InlineData(Activation.Tanh, false, true)]
    [InlineData(Activation.Softplus, true, true)]
    [InlineData(Activation.ELU, false, false)]
    [InlineData(Activation.LeakyReLU, true, false)]
    public void Mlp_equals_hand_written_layers(Activation activation, bool activateFinal, bool layerNorm)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(51);
        var mlp = new Mlp(4, [5, 6, 3], activation, activateFinal, layerNorm, new Generator(51), ScalarType.Float64);
        var input = Randn(rng, 7, 4);
        var output = NaiveGraph.Rows(mlp.forward(input));
        var p = mlp.named_parameters().ToDictionary(kv => kv.name, kv => Values(kv.parameter));
        var rows = NaiveGraph.Rows(input);
        int[] sizes = [4, 5, 6, 3];
        for (var r = 0; r < rows.Length; r++)
        {
            var x = rows[r];
            for (var l = 0; l < 3; l++)
            {
                var w = p[$"layers.{l}.weight"];
                var b = p[$"layers.{l}.bias"];
                var y = new double[sizes[l + 1]];
                for (var o = 0; o < y.Length; o++)
                {
                    y[o] = b[o];
                    for (var i = 0; i < sizes[l]; i++) y[o] += w[o * sizes[l] + i] * x[i];
                    if (l < 2 || activateFinal) y[o] = Act(activation, y[o]);
                }
                x = y;
            }
            if (layerNorm)
            {
                var mean = x.Average();
                var variance = x.Select(v => (v - mean) * (v - mean)).Average();
                var g = p["norm.weight"];
                var beta = p["norm.bias"];
                x = x.Select((v, i) => (v - mean) / Math.Sqrt(variance + 1e-5) * g[i] + beta[i]).ToArray();
            }
            AllClose(x, output[r], 1e-12, $"row {r}");
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_weights_and_another_seed_different_ones()
    {
        using var scope = NewDisposeScope();
        static double[] Weights(ulong seed) => new Mlp(3, [4, 2], generator: new Generator(seed)).parameters().SelectMany(Values).ToArray();
        Assert.Equal(Weights(7), Weights(7));
        Assert.NotEqual(Weights(7), Weights(8));
        // PyTorch's default bound 1/√fan_in holds for every weight of the first layer.
        Assert.All(new Mlp(3, [4], generator: new Generator(9)).parameters().First().data<float>().ToArray(), v => Assert.InRange(v, -1 / Math.Sqrt(3), 1 / Math.Sqrt(3)));
    }

    [Fact]
    public void Mlp_rejects_inputs_of_the_wrong_width()
    {
        using var scope = NewDisposeScope();
        var mlp = new Mlp(3, [2]);
        var ex = Assert.Throws<ArgumentException>(() => mlp.forward(zeros(5, 4)));
        Assert.Contains("last dimension is 3", ex.Message);
    }
}

public sealed class ActivationGradientTests
{
    [Theory]
    [InlineData(Activation.Softplus)]
    [InlineData(Activation.ELU)]
    [InlineData(Activation.LeakyReLU)]
    public void Gradients_are_the_analytic_ones_and_finite_far_out(Activation activation)
    {
        // d softplus = σ(x); d ELU = 1 above 0, eˣ below; d LeakyReLU = 1 above 0, 0.01 below (float64, ≤ 1e-12)
        double[] xs = [-200, -3, -0.5, 0.25, 2, 30, 200];
        using var x = TorchSharp.torch.tensor(xs, dtype: TorchSharp.torch.float64).requires_grad_();
        using var y = Activations.Apply(activation, x);
        y.sum().backward();
        var grad = x.grad!.data<double>().ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            double v = xs[i];
            double expected = activation switch
            {
                Activation.Softplus => 1 / (1 + Math.Exp(-v)),
                Activation.ELU => v > 0 ? 1 : Math.Exp(v),
                _ => v > 0 ? 1 : 0.01,
            };
            Assert.True(double.IsFinite(grad[i]), $"{activation} at {v}: {grad[i]}");
            Assert.Equal(expected, grad[i], 1e-12);
        }
    }
}
