using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Graphs.Tests;

public sealed class TorchSharpLoadingTests
{
    [Fact]
    public void TorchSharp_loads_and_backpropagates_the_gradient_of_a_cubic()
    {
        // d/dx sum(x^3) = 3x^2, computed here by hand.
        var x = tensor(new double[] { -1.5, 0.25, 2.0 }, requires_grad: true);
        var y = x.pow(3).sum();
        y.backward();
        var grad = x.grad!.data<double>().ToArray();
        Assert.Equal(3 * 1.5 * 1.5, grad[0], 12);
        Assert.Equal(3 * 0.25 * 0.25, grad[1], 12);
        Assert.Equal(3 * 2.0 * 2.0, grad[2], 12);
    }

    [Fact]
    public void Index_add_sums_rows_into_segments()
    {
        var src = tensor(new float[] { 1, 2, 3, 4 }).reshape(4, 1);
        var index = tensor(new long[] { 0, 1, 0, 1 });
        var sum = zeros(2, 1).index_add(0, index, src, 1.0);
        Assert.Equal(new float[] { 4, 6 }, sum.data<float>().ToArray());
    }
}
