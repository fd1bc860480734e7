using static TorchSharp.torch;

namespace Occam.Grids.Tests;

public sealed class ConvolutionTests
{
    const double Float32Tolerance = 1e-5;

    public static TheoryData<string, bool, int, int> EquivarianceCases => new()
    {
        // group, lifting?, kernel, padding
        { "p4", true, 3, 0 }, { "p4", false, 3, 1 }, { "p4", false, 4, 0 },
        { "p4m", true, 3, 1 }, { "p4m", false, 3, 0 }, { "p4m", false, 4, 0 },
    };

    [Theory]
    [MemberData(nameof(EquivarianceCases))]
    public void Transforming_the_input_permutes_and_transforms_the_output_as_the_group_action_says(string name, bool lifting, int kernel, int padding)
    {
        using var scope = NewDisposeScope();
        var group = GroupTests.Group(name);
        var input = new FieldType(lifting ? GridGroup.Z2 : group, 3);
        var output = new FieldType(group, 4);
        var conv = new GroupConv2d(input, output, kernel, padding, bias: true, generator: new Generator(11));
        var random = new Random(7);
        var x = lifting ? Reference.RandomTensor(random, ScalarType.Float32, 2, 3, 12, 12) : Reference.RandomTensor(random, ScalarType.Float32, 2, 3, group.Order, 12, 12);
        var y = conv.forward(x);
        for (int u = 0; u < group.Order; u++)
        {
            // Input acted on by u (for a Z2 input: spatially only), output compared with the loop reference of L_u.
            var moved = Reference.Act(x, lifting ? 1 : group.Order, u);
            var expected = Reference.Act(y, group.Order, u);
            double error = Reference.MaxAbsDifference(expected, conv.forward(moved));
            Assert.True(error <= Float32Tolerance, $"{name} element {u}: max |difference| {error:E2}");
        }
    }

    [Fact]
    public void Negative_control_a_plain_convolution_output_does_not_rotate_with_its_input_and_omitting_the_permutation_fails()
    {
        using var scope = NewDisposeScope();
        var random = new Random(8);
        var x = Reference.RandomTensor(random, ScalarType.Float32, 1, 2, 10, 10);
        var plain = new GroupConv2d(new FieldType(GridGroup.Z2, 2), new FieldType(GridGroup.Z2, 3), 3, generator: new Generator(2));
        var rotated = plain.forward(Reference.Act(x, 1, 1));
        Assert.True(Reference.MaxAbsDifference(Reference.Act(plain.forward(x), 1, 1), rotated) > 1e-2);

        var lift = new GroupConv2d(new FieldType(GridGroup.Z2, 2), new FieldType(GridGroup.P4, 3), 3, generator: new Generator(2));
        var y = lift.forward(x);
        var spatialOnly = GridGroup.P4.Transform(y, 1); // rotates the maps but leaves the group axis in place
        Assert.True(Reference.MaxAbsDifference(spatialOnly, lift.forward(Reference.Act(x, 1, 1))) > 1e-2);
    }

    [Theory]
    [InlineData("p4", true)]
    [InlineData("p4", false)]
    [InlineData("p4m", true)]
    [InlineData("p4m", false)]
    [InlineData("Z2", true)]
    public void Group_convolution_equals_a_naive_loop_in_float64(string name, bool lifting)
    {
        using var scope = NewDisposeScope();
        var group = GroupTests.Group(name);
        int gIn = lifting ? 1 : group.Order;
        var conv = new GroupConv2d(new FieldType(lifting ? GridGroup.Z2 : group, 2), new FieldType(group, 3), 3, bias: false,
            generator: new Generator(4), dtype: ScalarType.Float64);
        var random = new Random(9);
        var x = lifting ? Reference.RandomTensor(random, ScalarType.Float64, 2, 2, 7, 7) : Reference.RandomTensor(random, ScalarType.Float64, 2, 2, gIn, 7, 7);
        var f = To5(x.reshape(2, 2, gIn, 7, 7));
        var psi = To5(conv.Weight.detach().reshape(3, 2, gIn, 3, 3));
        var expected = Reference.GroupCorrelation(f, psi, group.Order);
        var actual = conv.forward(x).reshape(2, 3, group.Order, 5, 5).contiguous().data<double>().ToArray();
        double max = 0;
        int k = 0;
        foreach (var e in expected) max = Math.Max(max, Math.Abs(e - actual[k++]));
        Assert.True(max <= 1e-12, $"max |difference| {max:E2}");
    }

    static double[,,,,] To5(Tensor t)
    {
        var s = t.shape;
        var data = t.contiguous().data<double>().ToArray();
        var a = new double[s[0], s[1], s[2], s[3], s[4]];
        Buffer.BlockCopy(data, 0, a, 0, data.Length * sizeof(double));
        return a;
    }

    [Fact]
    public void Gradients_of_the_group_convolution_match_central_finite_differences()
    {
        using var scope = NewDisposeScope();
        var conv = new GroupConv2d(new FieldType(GridGroup.P4m, 2), new FieldType(GridGroup.P4m, 2), 3, padding: 1,
            generator: new Generator(6), dtype: ScalarType.Float64);
        var random = new Random(10);
        var x = Reference.RandomTensor(random, ScalarType.Float64, 1, 2, 8, 5, 5).requires_grad_(true);
        var probe = Reference.RandomTensor(random, ScalarType.Float64, 1, 2, 8, 5, 5);
        Tensor Loss() => (conv.forward(x) * probe).sum() + conv.forward(x).square().sum() * 0.1;
        var loss = Loss();
        loss.backward();
        var weightGrad = conv.Weight.grad!.clone();
        var inputGrad = x.grad!.clone();
        const double h = 1e-6;
        double Numeric(Tensor parameter, long flat)
        {
            using var _ = no_grad();
            var view = parameter.view(-1);
            double original = view[flat].item<double>();
            view[flat] = original + h;
            double plus = Loss().item<double>();
            view[flat] = original - h;
            double minus = Loss().item<double>();
            view[flat] = original;
            return (plus - minus) / (2 * h);
        }
        foreach (long i in new long[] { 0, 17, 40, 77, 100, 143 })
        {
            double numeric = Numeric(conv.Weight, i), analytic = weightGrad.view(-1)[i].item<double>();
            Assert.True(Math.Abs(numeric - analytic) <= 1e-6 * Math.Max(1, Math.Abs(numeric)), $"weight {i}: {analytic} vs {numeric}");
        }
        foreach (long i in new long[] { 0, 33, 101, 250, 399 })
        {
            double numeric = Numeric(x, i), analytic = inputGrad.view(-1)[i].item<double>();
            Assert.True(Math.Abs(numeric - analytic) <= 1e-6 * Math.Max(1, Math.Abs(numeric)), $"input {i}: {analytic} vs {numeric}");
        }
        double biasNumeric = Numeric(conv.Bias!, 1), biasAnalytic = conv.Bias!.grad![1].item<double>();
        Assert.True(Math.Abs(biasNumeric - biasAnalytic) <= 1e-6 * Math.Max(1, Math.Abs(biasNumeric)));
    }

    [Fact]
    public void Group_pooling_gives_maps_that_only_transform_spatially()
    {
        using var scope = NewDisposeScope();
        var random = new Random(12);
        var x = Reference.RandomTensor(random, ScalarType.Float32, 2, 3, 8, 6, 6);
        foreach (var pooling in new[] { GroupPooling.Max, GroupPooling.Mean })
        {
            var pool = new GroupPool(new FieldType(GridGroup.P4m, 3), pooling);
            var y = pool.forward(x);
            Assert.Equal(new long[] { 2, 3, 6, 6 }, y.shape);
            for (int u = 0; u < 8; u++)
                Assert.True(Reference.MaxAbsDifference(Reference.Act(y, 1, u), pool.forward(Reference.Act(x, 8, u))) <= 1e-6);
        }
    }

    [Fact]
    public void Spatial_pooling_commutes_with_the_group_action_and_refuses_sizes_that_would_break_it()
    {
        using var scope = NewDisposeScope();
        var random = new Random(13);
        var x = Reference.RandomTensor(random, ScalarType.Float32, 1, 2, 4, 8, 8);
        var pool = new SpatialMaxPool(new FieldType(GridGroup.P4, 2), 2);
        for (int u = 0; u < 4; u++)
            Assert.Equal(0.0, Reference.MaxAbsDifference(Reference.Act(pool.forward(x), 4, u), pool.forward(Reference.Act(x, 4, u))));
        var e = Assert.Throws<ArgumentException>(() => pool.forward(Reference.RandomTensor(random, ScalarType.Float32, 1, 2, 4, 7, 7)));
        Assert.Contains("7×7", e.Message);
    }

    [Fact]
    public void A_statistics_pass_gives_the_plain_mean_over_all_batches_and_then_exponential_updates_resume()
    {
        using var scope = NewDisposeScope();
        var field = new FieldType(GridGroup.P4, 3);
        var norm = new GroupBatchNorm(field);
        norm.train();
        var random = new Random(14);
        var batches = Enumerable.Range(0, 3).Select(b => Reference.RandomTensor(random, ScalarType.Float32, 4, 3, 4, 5, 5) + b).ToArray();
        norm.forward(batches[0]); // some exponential history that the pass must clear
        norm.BeginStatisticsPass();
        foreach (var b in batches) norm.forward(b);
        norm.EndStatisticsPass();
        // Independent: the mean of each channel over all batches, group elements and positions (equal batch sizes).
        var all = cat(batches, 0);
        var expected = all.transpose(0, 1).reshape(3, -1).mean([1]);
        Assert.True(Reference.MaxAbsDifference(expected, norm.RunningMean) <= 1e-5);
        // Afterwards: momentum 0.1 again.
        var next = Reference.RandomTensor(random, ScalarType.Float32, 4, 3, 4, 5, 5) + 7;
        var nextMean = next.transpose(0, 1).reshape(3, -1).mean([1]);
        norm.forward(next);
        Assert.True(Reference.MaxAbsDifference(expected * 0.9 + nextMean * 0.1, norm.RunningMean) <= 1e-5);
    }
}
