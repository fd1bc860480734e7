using static TorchSharp.torch;

namespace Occam.Grids.Tests;

public sealed class NativeConvolutionTests
{
    [Fact]
    public void Float32_convolution_agrees_with_float64_on_wide_layers()
    {
        // Regression check for ConvolutionBackend: on an AMD EPYC machine libtorch's oneDNN AVX-512 and AVX2 kernels returned
        // wrong float32 results (errors of order 1, or NaN) for these shapes. GroupConv2d applies the guard before any convolution.
        using var scope = NewDisposeScope();
        var conv = new GroupConv2d(new FieldType(GridGroup.P4m, 3), new FieldType(GridGroup.P4m, 4), 3, generator: new Generator(1));
        var random = new Random(7);
        foreach (var (nb, ci, co, n) in new[] { (2, 3, 4, 12), (2, 12, 16, 12), (2, 24, 32, 12), (2, 20, 20, 24), (1, 40, 40, 24), (8, 40, 40, 24) })
        {
            var x = Reference.RandomTensor(random, ScalarType.Float64, nb, ci, n, n);
            var w = Reference.RandomTensor(random, ScalarType.Float64, co, ci, 3, 3);
            var single = nn.functional.conv2d(x.to(ScalarType.Float32), w.to(ScalarType.Float32));
            var exact = nn.functional.conv2d(x, w);
            double error = Reference.MaxAbsDifference(single, exact);
            Assert.True(error <= 1e-4, $"batch {nb}, {ci} → {co} channels, {n}×{n}: float32 differs from float64 by {error:E2}");
        }
        Assert.NotNull(conv);
    }
}
