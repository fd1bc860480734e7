using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>Element-wise activation functions available to <see cref="Mlp"/> and the graph models.</summary>
public enum Activation
{
    /// <summary>max(0, x).</summary>
    ReLU,
    /// <summary>x · sigmoid(x) (a.k.a. swish).</summary>
    SiLU,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
    /// <summary>Logistic sigmoid.</summary>
    Sigmoid,
    /// <summary>Gaussian error linear unit (exact form).</summary>
    GELU,
    /// <summary>log(1 + eˣ).</summary>
    Softplus,
    /// <summary>Exponential linear unit with α = 1.</summary>
    ELU,
    /// <summary>Leaky ReLU with negative slope 0.01.</summary>
    LeakyReLU,
    /// <summary>No activation.</summary>
    Identity,
}

/// <summary>Applies an <see cref="Activation"/> to a tensor.</summary>
public static class Activations
{
    static readonly Scalar LeakySlope = 0.01.ToScalar(), Zero = 0.0.ToScalar(), SoftplusThreshold = 20.0.ToScalar();

    /// <summary>Applies <paramref name="activation"/> element-wise to <paramref name="x"/>.</summary>
    public static Tensor Apply(Activation activation, Tensor x) => activation switch
    {
        Activation.ReLU => nn.functional.relu(x),
        Activation.SiLU => nn.functional.silu(x),
        Activation.Tanh => x.tanh(),
        Activation.Sigmoid => x.sigmoid(),
        Activation.GELU => nn.functional.gelu(x),
        // Softplus, ELU and LeakyReLU are written with rooted Scalars: TorchSharp's softplus(x), elu(x, 1.0) and
        // leaky_relu(x, 0.01) convert their settings to temporary Scalars that the GC could finalise while libtorch still
        // read them (seen once in CI: "Expected false to be true" in Scalar::toFloat, from leaky_relu). Same formulas as
        // libtorch's: softplus is x above the threshold 20, else log1p(exp(x)); ELU (α = 1) is expm1(x) for x ≤ 0.
        // (the other branch is clamped first: an infinity there would turn the gradient into 0·∞ = NaN)
        Activation.Softplus => torch.where(x.gt(SoftplusThreshold), x, x.clamp_max(SoftplusThreshold).exp().log1p()),
        Activation.ELU => torch.where(x.gt(Zero), x, x.clamp_max(Zero).expm1()),
        Activation.LeakyReLU => torch.maximum(x, x * LeakySlope),
        Activation.Identity => x.alias(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}

/// <summary>
/// A multi-layer perceptron: Linear → activation → … → Linear [→ activation] [→ LayerNorm].
/// The last layer is not activated unless <c>activateFinal</c> is set; the optional LayerNorm is applied
/// to the output (after the final activation, if any), as graph_nets does after its MLPs.
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers;
    private readonly LayerNorm? norm;
    private readonly Activation activation;
    private readonly bool activateFinal;

    /// <summary>Creates an MLP.</summary>
    /// <param name="inputSize">Width of the input features.</param>
    /// <param name="sizes">Output width of every layer, the last one being the output width.</param>
    /// <param name="activation">Activation between layers.</param>
    /// <param name="activateFinal">Whether to apply the activation after the last layer too.</param>
    /// <param name="layerNorm">Whether to apply a LayerNorm to the output.</param>
    /// <param name="generator">Seeded generator for the weight initialisation (PyTorch's default
    /// U(−1/√fan_in, 1/√fan_in) for weights and biases); when null, TorchSharp's global generator is used.</param>
    /// <param name="dtype">Parameter type (float32 by default).</param>
    public Mlp(long inputSize, IReadOnlyList<int> sizes, Activation activation = Activation.ReLU,
        bool activateFinal = false, bool layerNorm = false, Generator? generator = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(Mlp))
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "Mlp input size must be positive.");
        if (sizes.Count == 0) throw new ArgumentException("Mlp needs at least one layer size.", nameof(sizes));
        for (var i = 0; i < sizes.Count; i++)
            if (sizes[i] <= 0) throw new ArgumentOutOfRangeException(nameof(sizes), sizes[i], $"Mlp layer {i} size must be positive.");

        InputSize = inputSize;
        OutputSize = sizes[^1];
        this.activation = activation;
        this.activateFinal = activateFinal;
        layers = new ModuleList<Linear>();
        var fanIn = inputSize;
        foreach (var size in sizes)
        {
            var linear = nn.Linear(fanIn, size, hasBias: true, dtype: dtype);
            if (generator is not null)
            {
                using var _ = no_grad();
                var bound = 1.0 / Math.Sqrt(fanIn);
                linear.weight!.uniform_(-bound, bound, generator);
                linear.bias!.uniform_(-bound, bound, generator);
            }
            layers.Add(linear);
            fanIn = size;
        }
        if (layerNorm) norm = nn.LayerNorm(OutputSize, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Width of the input features.</summary>
    public long InputSize { get; }

    /// <summary>Width of the output features.</summary>
    public long OutputSize { get; }

    /// <summary>The linear layers, first to last (their parameters are named <c>layers.{i}.weight</c> and <c>layers.{i}.bias</c>).</summary>
    public IReadOnlyList<Linear> Layers => layers.AsReadOnly();

    /// <summary>
    /// The type the layers multiply in; null (the default): the input's. <see cref="ScalarType.BFloat16"/> runs every
    /// layer's matrix product, bias and activation in bfloat16 (mixed precision: the parameters, their gradients and the
    /// returned output stay in the input's type; weights and activations are rounded to bfloat16's 8-bit significand on
    /// the way in, the products accumulate in float32 inside the kernel). On CPUs with AVX512-BF16 or AMX the products
    /// run several times faster than in float32. The LayerNorm, when present, runs in the input's type.
    /// </summary>
    public ScalarType? MatmulType { get; set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.shape.Length == 0 || input.shape[^1] != InputSize)
            throw new ArgumentException($"Mlp expects inputs whose last dimension is {InputSize}; got shape [{string.Join(", ", input.shape)}].", nameof(input));
        using var scope = NewDisposeScope();
        return Run(input, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The rest of the MLP from the first layer's affine output W·x + b: that layer's activation (when it is activated),
    /// the later layers and the LayerNorm. Lets a caller compute the first layer its own way (see <see cref="DenseGraphs"/>).
    /// </summary>
    internal Tensor AfterFirstLayer(Tensor firstLayerOutput)
    {
        var x = firstLayerOutput;
        if (layers.Count > 1 || activateFinal) x = Activations.Apply(activation, x);
        return Run(x, 1);
    }

    /// <summary>Runs layers <paramref name="first"/>… on <paramref name="input"/> (each followed by the activation but the last,
    /// unless activateFinal), then the LayerNorm; in <see cref="MatmulType"/> when set, returned in the input's type.</summary>
    Tensor Run(Tensor input, int first)
    {
        var type = input.dtype;
        var x = MatmulType is { } compute && first < layers.Count ? input.to(compute) : input;
        for (var i = first; i < layers.Count; i++)
        {
            x = Affine(layers[i], x);
            if (i < layers.Count - 1 || activateFinal) x = Activations.Apply(activation, x);
        }
        if (x.dtype != type) x = x.to(type);
        return norm is null ? x : norm.forward(x);
    }

    /// <summary>W·x + b of <paramref name="layer"/>, with the weights cast to <paramref name="x"/>'s type when it differs.</summary>
    static Tensor Affine(Linear layer, Tensor x) =>
        x.dtype == layer.weight!.dtype
            ? layer.forward(x)
            : nn.functional.linear(x, layer.weight.to(x.dtype), layer.bias!.to(x.dtype));
}
