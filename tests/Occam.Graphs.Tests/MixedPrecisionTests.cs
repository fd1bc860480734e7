using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Graphs.Tests;

/// <summary>
/// <see cref="Mlp.MatmulType"/> = bfloat16 against the same MLP in float64. bfloat16 keeps 8 significant bits, so rounding
/// a value costs at most u = 2⁻⁸ of it. One layer rounds its input x, its weights W and bias b, and its output (twice
/// when the bias is added after the product is rounded); products accumulate in float32 (error ~2⁻²⁴ per term). So each
/// output y_i = Σ_j W_ij x_j + b_i is off by at most 4u·(Σ_j |W_ij||x_j| + |b_i|), a bound that holds element by element
/// whatever the data (the first test). Through several layers the errors add up, relative to the output's scale (the
/// second and third tests, with tolerances derived there).
/// </summary>
public sealed class MixedPrecisionTests
{
    const double U = 1.0 / 256; // bfloat16's unit roundoff, 2⁻⁸

    [Fact]
    public void One_bfloat16_layer_is_within_four_roundings_of_the_exact_result_element_by_element()
    {
        var mlp = new Mlp(64, [48], generator: new Generator(7)) { MatmulType = ScalarType.BFloat16 };
        var x = randn([32, 64], generator: new Generator(8));
        var y = TestGraphs.Values(mlp.forward(x));
        var w = TestGraphs.Values(mlp.Layers[0].weight!);
        var b = TestGraphs.Values(mlp.Layers[0].bias!);
        var xs = TestGraphs.Values(x);
        double largestShare = 0;
        for (int r = 0; r < 32; r++)
            for (int o = 0; o < 48; o++)
            {
                double exact = b[o], scale = Math.Abs(b[o]);
                for (int i = 0; i < 64; i++)
                {
                    exact += w[o * 64 + i] * xs[r * 64 + i];
                    scale += Math.Abs(w[o * 64 + i] * xs[r * 64 + i]);
                }
                double error = Math.Abs(y[r * 48 + o] - exact);
                Assert.True(error <= 4 * U * scale, $"row {r}, output {o}: error {error:E3} > 4u·{scale:G4}");
                largestShare = Math.Max(largestShare, error / (U * scale));
            }
        // And the products did run in bfloat16: float32 would be ~1,000 times closer.
        Assert.True(largestShare > 0.05, $"largest error only {largestShare:G3}·u·scale: not bfloat16?");
    }

    [Fact]
    public void A_bfloat16_mlp_stays_within_its_error_bound_and_returns_float32()
    {
        var mlp = new Mlp(12, [128, 128, 128, 100], generator: new Generator(9));
        var x = randn([768, 12], generator: new Generator(10));
        var exact = TestGraphs.Values(Double(mlp).forward(x.to(ScalarType.Float64)));
        var single = TestGraphs.Values(mlp.forward(x));
        mlp.MatmulType = ScalarType.BFloat16;
        using var output = mlp.forward(x);
        Assert.Equal(ScalarType.Float32, output.dtype);
        var mixed = TestGraphs.Values(output);
        double scale = exact.Max(Math.Abs);
        double mixedError = exact.Zip(mixed).Max(p => Math.Abs(p.First - p.Second)) / scale;
        double singleError = exact.Zip(single).Max(p => Math.Abs(p.First - p.Second)) / scale;
        // Four layers, each within 4u of its terms' magnitude; with PyTorch's initialisation the terms' magnitude is a few
        // times the output's, so 4 layers · 4u · 3 ≈ 0.19 bounds the error relative to the output's scale. Measured: ~0.01.
        Assert.True(mixedError < 4 * 4 * U * 3, $"bfloat16 error {mixedError:E3} of the output's scale");
        Assert.True(singleError < 1e-5, $"float32 error {singleError:E3}");
        Assert.True(mixedError > 10 * singleError, "bfloat16 should be visibly less exact than float32");
    }

    [Fact]
    public void Bfloat16_gradients_of_the_weights_point_where_the_exact_ones_do()
    {
        var mlp = new Mlp(12, [128, 128, 2], generator: new Generator(11));
        var x = randn([256, 12], generator: new Generator(12));
        var target = randn([256, 2], generator: new Generator(13));
        var exact = Double(mlp);
        (exact.forward(x.to(ScalarType.Float64)) - target.to(ScalarType.Float64)).abs().mean().backward();
        mlp.MatmulType = ScalarType.BFloat16;
        (mlp.forward(x) - target).abs().mean().backward();
        foreach (var (mixed, reference) in mlp.parameters().Zip(exact.parameters()))
        {
            Assert.Equal(ScalarType.Float32, mixed.grad!.dtype);
            var a = TestGraphs.Values(mixed.grad!);
            var b = TestGraphs.Values(reference.grad!);
            double difference = Math.Sqrt(a.Zip(b).Sum(p => (p.First - p.Second) * (p.First - p.Second)));
            double norm = Math.Sqrt(b.Sum(v => v * v));
            // The L1 loss's gradient is ±1/N per output; a sign flips only where an output is within the rounding error
            // of its target, a fraction ~u of them. Three layers of 4u each plus those flips: 0.1 of the norm bounds it.
            Assert.True(difference < 0.1 * norm, $"gradient off by {difference / norm:P2} of its norm");
        }
    }

    /// <summary>A float64 copy of <paramref name="mlp"/>'s parameters in an MLP of the same shape.</summary>
    static Mlp Double(Mlp mlp)
    {
        var copy = new Mlp(mlp.InputSize, mlp.Layers.Select(l => (int)l.weight!.shape[0]).ToArray(), dtype: ScalarType.Float64);
        using var noGrad = no_grad();
        foreach (var (to, from) in copy.parameters().Zip(mlp.parameters())) to.copy_(from.to(ScalarType.Float64));
        return copy;
    }
}
