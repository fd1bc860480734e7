using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Grids.Tests;

public sealed class ModelTests
{
    [Fact]
    public void Parameter_counts_are_as_stated_and_match_the_formula_counted_by_hand()
    {
        // Counted by hand from the layout: lifting 3×3 conv (no bias), five 3×3 group convs (no bias),
        // six batch norms (scale and shift per channel), the 4×4 top conv to 10 classes with a bias.
        long z2 = 20 * 1 * 9 + 5 * (20 * 20 * 9) + 6 * 2 * 20 + (10 * 20 * 16 + 10);
        long p4 = 10 * 1 * 9 + 5 * (10 * 10 * 4 * 9) + 6 * 2 * 10 + (10 * 10 * 4 * 16 + 10);
        long p4m = 7 * 1 * 9 + 5 * (7 * 7 * 8 * 9) + 6 * 2 * 7 + (10 * 7 * 8 * 16 + 10);
        Assert.Equal(21_630, z2);
        Assert.Equal(24_620, p4);
        Assert.Equal(26_757, p4m);
        foreach (var (architecture, expected) in new[] { (GCnnArchitecture.Z2Cnn, z2), (GCnnArchitecture.P4Cnn, p4), (GCnnArchitecture.P4mCnn, p4m) })
        {
            using var model = new GCnnClassifier(architecture, new Generator(1));
            Assert.Equal(expected, model.ParameterCount);
            Assert.Equal(expected, architecture.ParameterCount());
        }
    }

    static Tensor Digits(int n, int seed) => Reference.RandomTensor(new Random(seed), ScalarType.Float32, n, 1, 28, 28).abs();

    [Theory]
    [InlineData("P4CNN")]
    [InlineData("P4MCNN")]
    public void G_cnn_output_is_invariant_to_quarter_turns_of_a_28_by_28_input(string name)
    {
        using var scope = NewDisposeScope();
        var architecture = GCnnArchitecture.All.Single(a => a.Name == name);
        using var model = new GCnnClassifier(architecture, new Generator(3));
        model.eval();
        var x = Digits(3, 1);
        var logits = model.forward(x);
        for (int u = 1; u < architecture.Group.Order; u++)
        {
            double error = Reference.MaxAbsDifference(logits, model.forward(Reference.Act(x, 1, u)));
            Assert.True(error <= 1e-5 * Math.Max(1, logits.abs().max().item<float>()), $"{name} element {u}: {error:E2}");
        }
    }

    [Fact]
    public void Negative_control_z2cnn_and_p4cnn_are_not_invariant_where_they_should_not_be()
    {
        using var scope = NewDisposeScope();
        var x = Digits(3, 2);
        using var z2 = new GCnnClassifier(GCnnArchitecture.Z2Cnn, new Generator(3));
        z2.eval();
        Assert.True(Reference.MaxAbsDifference(z2.forward(x), z2.forward(Reference.Act(x, 1, 1))) > 1e-3);
        using var p4 = new GCnnClassifier(GCnnArchitecture.P4Cnn, new Generator(3));
        p4.eval();
        Assert.True(Reference.MaxAbsDifference(p4.forward(x), p4.forward(Reference.Act(x, 1, 4))) > 1e-3); // a mirror is not in p4
    }

    [Fact]
    public void Hidden_feature_maps_of_p4cnn_rotate_and_cycle_with_the_input()
    {
        using var scope = NewDisposeScope();
        using var model = new GCnnClassifier(GCnnArchitecture.P4Cnn, new Generator(4));
        model.eval();
        var x = Digits(1, 3);
        for (int layer = 1; layer <= 6; layer++)
        {
            var h = model.HiddenFeatures(x, layer);
            double error = Reference.MaxAbsDifference(Reference.Act(h, 4, 1), model.HiddenFeatures(Reference.Act(x, 1, 1), layer));
            Assert.True(error <= 1e-5, $"layer {layer}: {error:E2}");
        }
    }

    [Fact]
    public void A_network_whose_types_do_not_chain_is_refused_with_both_types_named()
    {
        var p4 = new FieldType(GridGroup.P4, 10);
        var p4m = new FieldType(GridGroup.P4m, 10);
        var layers = new GridModule[]
        {
            new GroupConv2d(new FieldType(GridGroup.Z2, 1), p4, 3),
            new GridReLU(p4),
            new GroupConv2d(p4m, p4m, 3),
        };
        var e = Assert.Throws<ArgumentException>(() => new GridNetwork(layers));
        Assert.Contains("p4 field with 10 channels", e.Message);
        Assert.Contains("p4m field with 10 channels", e.Message);
        Assert.Contains("layer 3", e.Message);

        var wrongWidth = new GridModule[] { new GroupConv2d(new FieldType(GridGroup.Z2, 1), p4, 3), new GroupBatchNorm(new FieldType(GridGroup.P4, 7)) };
        Assert.Contains("7 channels", Assert.Throws<ArgumentException>(() => new GridNetwork(wrongWidth)).Message);

        // Control: the same layers with matching types build.
        using var ok = new GridNetwork([new GroupConv2d(new FieldType(GridGroup.Z2, 1), p4, 3), new GridReLU(p4), new GroupConv2d(p4, p4, 3)]);
        Assert.Equal(p4, ok.Out);
    }

    [Fact]
    public void A_layer_refuses_a_tensor_of_the_wrong_type_and_a_convolution_between_different_groups()
    {
        using var scope = NewDisposeScope();
        var conv = new GroupConv2d(new FieldType(GridGroup.P4, 2), new FieldType(GridGroup.P4, 2), 3);
        var e = Assert.Throws<ArgumentException>(() => conv.forward(zeros([1, 2, 8, 5, 5])));
        Assert.Contains("[N, 2, 4, H, W]", e.Message);
        Assert.Throws<ArgumentException>(() => new GroupConv2d(new FieldType(GridGroup.P4, 2), new FieldType(GridGroup.P4m, 2), 3));
    }

    [Fact]
    public void A_training_step_leaves_no_live_tensors()
    {
        using var model = new GCnnClassifier(GCnnArchitecture.P4Cnn, new Generator(5));
        model.train();
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        using var x = Digits(4, 4);
        using var labels = tensor(new long[] { 0, 1, 2, 3 });
        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(x), labels);
            loss.backward();
            optimizer.step();
        }
        Step(); // optimiser state is created on the first step
        DisposeScopeManager.Statistics.Reset();
        Step();
        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
