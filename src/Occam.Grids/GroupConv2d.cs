using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Occam.Grids;

/// <summary>
/// Group convolution on the grid (Cohen &amp; Welling 2016, eqs. 10–11), as a correlation:
/// <code>
/// [f ⋆ ψ](g) = Σ_h Σ_y f(y, h) ψ(g⁻¹y, g⁻¹h)
/// </code>
/// The input is a Z² field (the <em>lifting</em> convolution Z² → G; h runs over one element) or a field over the
/// output's group (the group convolution G → G); with Z² in and out it is an ordinary convolution. The learned
/// filter ψ has shape <c>[Cout, Cin, |G_in|, k, k]</c> (<c>[Cout, Cin, k, k]</c> for a Z² input). Each forward pass
/// expands it once into the filter bank of all transformed copies, <c>(L_g ψ)(y, h) = (T_g ψ(·, g⁻¹h))(y)</c> —
/// a spatial transformation of every slice and the regular representation's permutation of the input group axis —
/// by one <c>index_select</c> with a precomputed index, then runs one <c>conv2d</c>. The optional bias is one value
/// per output channel, shared over the group axis (so the layer stays equivariant).
/// </summary>
public sealed class GroupConv2d : GridModule
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly long[] bankIndex;


    /// <summary>Creates the layer.</summary>
    /// <param name="input">Input type: a Z² field, or a field over the output's group.</param>
    /// <param name="output">Output type.</param>
    /// <param name="kernelSize">Filter size k (square filters).</param>
    /// <param name="padding">Zero padding on each side (0: "valid", as in the paper's MNIST networks).</param>
    /// <param name="bias">Whether to add a bias per output channel.</param>
    /// <param name="generator">Seeded generator for the initial weights: U(−1/√fan_in, 1/√fan_in) as PyTorch's
    /// conv default, fan_in = Cin·|G_in|·k²; TorchSharp's global generator when null.</param>
    /// <param name="dtype">Parameter type.</param>
    public GroupConv2d(FieldType input, FieldType output, int kernelSize, int padding = 0, bool bias = true,
        Generator? generator = null, ScalarType dtype = ScalarType.Float32) : base(nameof(GroupConv2d), input, output)
    {
        ConvolutionBackend.Ensure();
        if (!input.Group.IsTrivial && input.Group != output.Group)
            throw new ArgumentException($"GroupConv2d maps a Z2 field or a field over the output's group; got {input} → {output}.", nameof(input));
        if (kernelSize < 1) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "GroupConv2d: kernel size must be positive.");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "GroupConv2d: padding must not be negative.");
        if (input.Channels < 1 || output.Channels < 1) throw new ArgumentOutOfRangeException(nameof(input), "GroupConv2d: channel counts must be positive.");
        KernelSize = kernelSize;
        Padding = padding;
        var group = output.Group;
        int gIn = input.Group.Order, gOut = group.Order, k2 = kernelSize * kernelSize;
        long[] shape = input.Group.IsTrivial
            ? [output.Channels, input.Channels, kernelSize, kernelSize]
            : [output.Channels, input.Channels, gIn, kernelSize, kernelSize];
        double bound = 1.0 / Math.Sqrt((double)input.Channels * gIn * k2);
        using (no_grad())
        {
            weight = new Parameter(empty(shape, dtype).uniform_(-bound, bound, generator));
            this.bias = bias ? new Parameter(empty([output.Channels], dtype).uniform_(-bound, bound, generator)) : null;
        }

        // bankIndex[(g · |G_in| + h) · k² + s] = position in ψ.flatten(from the input-group axis) of the entry
        // that lands at spatial position s of the filter for output element g and input element h.
        var spatial = group.SpatialIndex(kernelSize);
        bankIndex = new long[gOut * gIn * k2];
        for (int g = 0; g < gOut; g++)
        {
            int gInverse = group.Inverse(g);
            for (int h = 0; h < gIn; h++)
            {
                int source = input.Group.IsTrivial ? 0 : group.Compose(gInverse, h);
                for (int s = 0; s < k2; s++)
                    bankIndex[(g * gIn + h) * k2 + s] = source * k2 + spatial[g][s];
            }
        }
        RegisterComponents();
    }

    /// <summary>Filter size k.</summary>
    public int KernelSize { get; }

    /// <summary>Zero padding on each side.</summary>
    public int Padding { get; }

    /// <summary>The learned filter ψ: <c>[Cout, Cin, |G_in|, k, k]</c>, or <c>[Cout, Cin, k, k]</c> for a Z² input.</summary>
    public Parameter Weight => weight;

    /// <summary>The bias per output channel, or null.</summary>
    public Parameter? Bias => bias;

    /// <summary>
    /// The expanded filter bank <c>[Cout·|G_out|, Cin·|G_in|, k, k]</c> that one <c>conv2d</c> applies to the input
    /// reshaped to <c>[N, Cin·|G_in|, H, W]</c>: output channel <c>o·|G_out| + g</c> holds <c>L_g ψ_o</c>.
    /// </summary>
    public Tensor FilterBank()
    {
        using var scope = NewDisposeScope();
        int gIn = In.Group.Order, gOut = Out.Group.Order, k = KernelSize;
        var index = tensor(bankIndex, device: weight.device);
        var bank = weight.reshape(Out.Channels, In.Channels, gIn * k * k).index_select(2, index)
            .reshape(Out.Channels, In.Channels, gOut, gIn, k, k)
            .permute(0, 2, 1, 3, 4, 5)
            .reshape(Out.Channels * gOut, In.Channels * gIn, k, k)
            .contiguous();
        return bank.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var (n, h, w) = In.CheckShape(input, ToString());
        using var scope = NewDisposeScope();
        int gOut = Out.Group.Order;
        var x = input.reshape(n, In.Size, h, w);
        var b = bias is null ? null : gOut == 1 ? bias : bias.repeat_interleave(gOut);
        var y = nn.functional.conv2d(x, FilterBank(), b, padding: [Padding, Padding]);
        if (!Out.Group.IsTrivial) y = y.reshape(n, Out.Channels, gOut, y.shape[2], y.shape[3]);
        return y.MoveToOuterDisposeScope();
    }
}
