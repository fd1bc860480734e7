using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Grids;

/// <summary>
/// One of the rotated-MNIST networks of Cohen &amp; Welling (2016, §8.1), described by its group and its channels per
/// group element. All three share one layout; only the group and the width differ.
/// </summary>
/// <param name="Name">Display name (Z2CNN, P4CNN, P4MCNN).</param>
/// <param name="Group">The group of every hidden layer.</param>
/// <param name="Channels">Channels per group element in the hidden layers.</param>
public sealed record GCnnArchitecture(string Name, GridGroup Group, int Channels)
{
    /// <summary>The paper's baseline: plain 3×3 convolutions, 20 channels, dropout 0.3 after layers 1, 3, 4, 5 and 6 (as GrouPy's Z2CNN).</summary>
    public static GCnnArchitecture Z2Cnn { get; } = new("Z2CNN", GridGroup.Z2, 20) { DropoutAfter = [1, 3, 4, 5, 6] };

    /// <summary>
    /// The paper's P4CNN: 10 channels per rotation (20/√4), about the same number of parameters as Z2CNN. No dropout:
    /// GrouPy's P4CNN has its dropout lines commented out.
    /// </summary>
    public static GCnnArchitecture P4Cnn { get; } = new("P4CNN", GridGroup.P4, 10);

    /// <summary>
    /// The same layout on p4m: 7 channels per element (20/√8 ≈ 7.07, the paper's rule for keeping the parameter
    /// count comparable), 26,757 parameters against Z2CNN's 21,630 and P4CNN's 24,620; no dropout, as P4CNN.
    /// </summary>
    public static GCnnArchitecture P4mCnn { get; } = new("P4MCNN", GridGroup.P4m, 7);

    /// <summary>The three architectures, in the order above.</summary>
    public static IReadOnlyList<GCnnArchitecture> All { get; } = [Z2Cnn, P4Cnn, P4mCnn];

    /// <summary>Number of hidden 3×3 layers (the top 4×4 layer comes after them).</summary>
    public int HiddenLayers { get; init; } = 6;

    /// <summary>Dropout probability.</summary>
    public double Dropout { get; init; } = 0.3;

    /// <summary>The hidden layers (1-based) followed by dropout; empty for none.</summary>
    public IReadOnlyList<int> DropoutAfter { get; init; } = [];

    /// <summary>Number of classes.</summary>
    public int Classes { get; init; } = 10;

    /// <summary>Input channels (1 for grey images).</summary>
    public int InputChannels { get; init; } = 1;

    /// <summary>
    /// Number of trainable parameters, by formula: the lifting layer <c>C·Cin·9</c>, each further hidden layer
    /// <c>C·C·|G|·9</c>, batch norm <c>2C</c> per hidden layer (its convolutions have no bias), the top layer
    /// <c>K·C·|G|·16 + K</c>.
    /// </summary>
    public long ParameterCount()
    {
        long c = Channels, g = Group.Order;
        return c * InputChannels * 9 + (HiddenLayers - 1) * c * c * g * 9 + HiddenLayers * 2 * c + Classes * c * g * 16 + Classes;
    }
}

/// <summary>
/// A G-CNN classifier for 28×28 images (Cohen &amp; Welling 2016; layout of GrouPy's <c>gconv_experiments</c>
/// MNIST_ROT models): six 3×3 "valid" convolutions (the first lifts Z² → G; Z2CNN: plain) each followed by batch norm
/// (shared over the group axis) and ReLU, dropout where <see cref="GCnnArchitecture.DropoutAfter"/> says; 2×2 spatial
/// max pooling after the second; a 4×4 group convolution
/// to one channel per class; max over the group axis (the invariant), then max over space.
/// Sizes: 28 → 26 → 24 → 12 → 10 → 8 → 6 → 4 → 1. Logits <c>[N, classes]</c>.
/// </summary>
public sealed class GCnnClassifier : nn.Module<Tensor, Tensor>
{
    private readonly GridNetwork body;

    /// <summary>Builds the network.</summary>
    /// <param name="architecture">Group and width.</param>
    /// <param name="generator">Seeded generator for the initial weights.</param>
    /// <param name="dtype">Parameter type.</param>
    public GCnnClassifier(GCnnArchitecture architecture, Generator? generator = null, ScalarType dtype = ScalarType.Float32)
        : base(architecture?.Name ?? nameof(GCnnClassifier))
    {
        ArgumentNullException.ThrowIfNull(architecture);
        Architecture = architecture;
        var group = architecture.Group;
        var input = new FieldType(GridGroup.Z2, architecture.InputChannels);
        var hidden = new FieldType(group, architecture.Channels);
        var classes = new FieldType(group, architecture.Classes);
        var layers = new List<GridModule>();
        var current = input;
        for (int l = 1; l <= architecture.HiddenLayers; l++)
        {
            layers.Add(new GroupConv2d(current, hidden, 3, bias: false, generator: generator, dtype: dtype));
            layers.Add(new GroupBatchNorm(hidden, dtype));
            layers.Add(new GridReLU(hidden));
            if (architecture.Dropout > 0 && architecture.DropoutAfter.Contains(l)) layers.Add(new GridDropout(hidden, architecture.Dropout));
            if (l == 2) layers.Add(new SpatialMaxPool(hidden, 2));
            current = hidden;
        }
        layers.Add(new GroupConv2d(hidden, classes, 4, bias: true, generator: generator, dtype: dtype));
        layers.Add(new GroupPool(classes, GroupPooling.Max));
        layers.Add(new SpatialMaxPool(new FieldType(GridGroup.Z2, architecture.Classes), 0));
        body = new GridNetwork(layers);
        RegisterComponents();
    }

    /// <summary>The architecture this network was built from.</summary>
    public GCnnArchitecture Architecture { get; }

    /// <summary>The layers, type-checked.</summary>
    public GridNetwork Body => body;

    /// <summary>Number of trainable parameters, counted on the module.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Logits <c>[N, classes]</c> for images <c>[N, Cin, H, W]</c>.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return body.forward(input).flatten(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Re-estimates every batch norm's statistics as the plain average over <paramref name="images"/> (GrouPy's
    /// "finetune" pass before each validation): forward passes in training mode (dropout active, as there), without
    /// gradients or weight updates. Leaves the model in evaluation mode.
    /// </summary>
    public void EstimateBatchNormStatistics(Tensor images, int batchSize = 128)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        var norms = body.Layers.OfType<GroupBatchNorm>().ToArray();
        train();
        foreach (var norm in norms) norm.BeginStatisticsPass();
        try
        {
            using var _ = no_grad();
            long n = images.shape[0];
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                body.forward(images.narrow(0, start, Math.Min(batchSize, n - start)));
            }
        }
        finally
        {
            foreach (var norm in norms) norm.EndStatisticsPass();
            eval();
        }
    }

    /// <summary>The feature maps after hidden layer <paramref name="layer"/> (1-based, after its ReLU), for pictures.</summary>
    public Tensor HiddenFeatures(Tensor input, int layer)
    {
        if (layer < 1 || layer > Architecture.HiddenLayers) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"layer must be 1–{Architecture.HiddenLayers}.");
        using var scope = NewDisposeScope();
        var x = input;
        int seen = 0;
        foreach (var module in body.Layers)
        {
            x = module.forward(x);
            if (module is GridReLU && ++seen == layer) break;
        }
        return x.MoveToOuterDisposeScope();
    }
}
