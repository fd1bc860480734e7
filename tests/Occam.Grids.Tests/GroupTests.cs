using static TorchSharp.torch;

namespace Occam.Grids.Tests;

public sealed class GroupTests
{
    public static TheoryData<string> Groups => new() { "Z2", "p4", "p4m" };

    internal static GridGroup Group(string name) => name switch { "Z2" => GridGroup.Z2, "p4" => GridGroup.P4, _ => GridGroup.P4m };

    [Theory]
    [MemberData(nameof(Groups))]
    public void Composition_and_inverse_match_the_product_of_the_elements_matrices(string name)
    {
        var group = Group(name);
        var mats = Reference.Matrices(group.Order);
        Assert.Equal(name == "Z2" ? 1 : name == "p4" ? 4 : 8, group.Order);
        for (int a = 0; a < group.Order; a++)
        {
            Assert.Equal(Reference.IndexOf(mats, Reference.Transpose(mats[a])), group.Inverse(a));
            for (int b = 0; b < group.Order; b++)
                Assert.Equal(Reference.IndexOf(mats, Reference.Multiply(mats[a], mats[b])), group.Compose(a, b));
        }
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void Transform_moves_pixels_as_the_element_s_matrix_says(string name)
    {
        var group = Group(name);
        var random = new Random(3);
        foreach (int n in new[] { 4, 5 })
        {
            var image = new double[n, n];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) image[i, j] = random.NextDouble();
            var t = tensor(image, dtype: ScalarType.Float64);
            var mats = Reference.Matrices(group.Order);
            for (int g = 0; g < group.Order; g++)
            {
                var expected = tensor(Reference.TransformImage(image, mats[g]), dtype: ScalarType.Float64);
                Assert.Equal(0.0, Reference.MaxAbsDifference(expected, group.Transform(t, g)));
            }
        }
    }

    [Fact]
    public void Regular_permutation_sends_position_g_the_content_of_position_u_inverse_g()
    {
        var group = GridGroup.P4m;
        var mats = Reference.Matrices(8);
        for (int u = 0; u < 8; u++)
        {
            var p = group.RegularPermutation(u);
            for (int g = 0; g < 8; g++)
                Assert.Equal(Reference.IndexOf(mats, Reference.Multiply(Reference.Transpose(mats[u]), mats[g])), p[g]);
        }
        // The regular representation is a homomorphism: P(a)·P(b) = P(ab) as permutations of the axis.
        for (int a = 0; a < 8; a++)
            for (int b = 0; b < 8; b++)
            {
                var pa = group.RegularPermutation(a);
                var pb = group.RegularPermutation(b);
                var pab = group.RegularPermutation(group.Compose(a, b));
                // (L_a L_b f)(g) = (L_b f)(pa[g]) = f(pb[pa[g]])
                for (int g = 0; g < 8; g++) Assert.Equal(pab[g], pb[pa[g]]);
            }
    }

    [Fact]
    public void Act_agrees_with_the_loop_reference_and_is_a_group_action()
    {
        using var scope = NewDisposeScope();
        var group = GridGroup.P4m;
        var random = new Random(5);
        var f = Reference.RandomTensor(random, ScalarType.Float64, 2, 3, 8, 5, 5);
        for (int u = 0; u < 8; u++)
        {
            Assert.Equal(0.0, Reference.MaxAbsDifference(Reference.Act(f, 8, u), group.Act(f, u)));
            for (int v = 0; v < 8; v++)
                Assert.Equal(0.0, Reference.MaxAbsDifference(group.Act(group.Act(f, v), u), group.Act(f, group.Compose(u, v))));
        }
    }

    [Fact]
    public void Elements_outside_the_group_are_refused_with_a_message()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GridGroup.P4.IndexOf(1, mirror: true));
        Assert.Contains("p4", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GridGroup.P4.Compose(4, 0));
    }
}
