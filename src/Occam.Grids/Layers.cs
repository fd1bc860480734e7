using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Occam.Grids;

/// <summary>How <see cref="GroupPool"/> reduces the group axis.</summary>
public enum GroupPooling
{
    /// <summary>Maximum over the group elements.</summary>
    Max,
    /// <summary>Mean over the group elements.</summary>
    Mean,
}

/// <summary>
/// Group pooling: reduces a field over G to a Z² field by the maximum or mean over the group axis. The result is
/// invariant to the point group's permutation of that axis, so it transforms as an ordinary image (spatially only).
/// On a Z² field it is the identity.
/// </summary>
public sealed class GroupPool : GridModule
{
    /// <summary>Creates the layer for maps of type <paramref name="input"/>.</summary>
    public GroupPool(FieldType input, GroupPooling pooling = GroupPooling.Max)
        : base(nameof(GroupPool), input, new FieldType(GridGroup.Z2, input.Channels)) => Pooling = pooling;

    /// <summary>Max or mean.</summary>
    public GroupPooling Pooling { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        In.CheckShape(input, ToString());
        if (In.Group.IsTrivial) return input.alias();
        return Pooling == GroupPooling.Max ? input.amax(2) : input.mean([2]);
    }
}

/// <summary>
/// Spatial max pooling that preserves equivariance: non-overlapping <c>size × size</c> windows (stride = size) on
/// every map of the field; the spatial size must be a multiple of <see cref="Size"/>, so that the point group maps
/// windows onto windows (otherwise the dropped border breaks the symmetry, and the layer refuses). With
/// <see cref="Size"/> 0 it takes the maximum over the whole map (global pooling), leaving 1×1 maps.
/// </summary>
public sealed class SpatialMaxPool : GridModule
{
    /// <summary>Creates the layer.</summary>
    /// <param name="input">Type of the maps (unchanged by the layer).</param>
    /// <param name="size">Window size and stride; 0 for global pooling.</param>
    public SpatialMaxPool(FieldType input, int size) : base(nameof(SpatialMaxPool), input, input)
    {
        if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "SpatialMaxPool: size must be positive (or 0 for global pooling).");
        Size = size;
    }

    /// <summary>Window size and stride; 0 for global pooling.</summary>
    public int Size { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var (n, h, w) = In.CheckShape(input, ToString());
        using var scope = NewDisposeScope();
        Tensor y;
        if (Size == 0)
            y = input.amax([-2, -1], keepdim: true);
        else
        {
            if (h % Size != 0 || w % Size != 0)
                throw new ArgumentException($"SpatialMaxPool({Size}) needs a spatial size divisible by {Size} to stay equivariant; got {h}×{w}.", nameof(input));
            y = nn.functional.max_pool2d(input.reshape(n, In.Size, h, w), [Size, Size], [Size, Size]);
            y = y.reshape(input.shape[..^2].Concat([h / Size, w / Size]).ToArray());
        }
        return y.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Batch normalisation of a field: one mean, variance, scale and shift per channel, shared over the group axis and
/// space (as GrouPy's experiments do), so the layer commutes with the group action in evaluation mode.
/// </summary>
public sealed class GroupBatchNorm : GridModule
{
    private readonly BatchNorm2d norm;

    /// <summary>Creates the layer for maps of type <paramref name="input"/>.</summary>
    public GroupBatchNorm(FieldType input, ScalarType dtype = ScalarType.Float32) : base(nameof(GroupBatchNorm), input, input)
    {
        norm = nn.BatchNorm2d(input.Channels, dtype: dtype);
        RegisterComponents();
    }

    private double? savedMomentum;
    private bool collecting;

    /// <summary>
    /// Starts a population-statistics pass (Chainer's "finetune" mode, which GrouPy's experiments run over the
    /// training set before every validation): clears the running mean and variance; forward passes in training mode
    /// then accumulate their plain average (PyTorch's momentum = None) instead of an exponential one, until
    /// <see cref="EndStatisticsPass"/>.
    /// </summary>
    public void BeginStatisticsPass()
    {
        if (collecting) return;
        savedMomentum = norm.momentum;
        norm.reset_running_stats();
        norm.momentum = null;
        collecting = true;
    }

    /// <summary>Ends a population-statistics pass: later training steps update the statistics exponentially again.</summary>
    public void EndStatisticsPass()
    {
        if (!collecting) return;
        norm.momentum = savedMomentum;
        collecting = false;
    }

    /// <summary>The running mean per channel (a copy).</summary>
    public Tensor RunningMean => norm.running_mean!.clone();

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var (n, h, w) = In.CheckShape(input, ToString());
        if (In.Group.IsTrivial) return norm.forward(input);
        using var scope = NewDisposeScope();
        var y = norm.forward(input.reshape(n, In.Channels, In.Group.Order * h, w)).reshape(input.shape);
        return y.MoveToOuterDisposeScope();
    }
}

/// <summary>ReLU on every value of a field (a pointwise nonlinearity commutes with the group action).</summary>
public sealed class GridReLU : GridModule
{
    /// <summary>Creates the layer for maps of type <paramref name="input"/>.</summary>
    public GridReLU(FieldType input) : base(nameof(GridReLU), input, input) { }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        In.CheckShape(input, ToString());
        return nn.functional.relu(input);
    }
}

/// <summary>Dropout on every value of a field while training (identity in evaluation mode).</summary>
public sealed class GridDropout : GridModule
{
    /// <summary>Creates the layer.</summary>
    /// <param name="input">Type of the maps.</param>
    /// <param name="probability">Probability of zeroing a value.</param>
    public GridDropout(FieldType input, double probability) : base(nameof(GridDropout), input, input)
    {
        if (!(probability >= 0 && probability < 1)) throw new ArgumentOutOfRangeException(nameof(probability), probability, "GridDropout: probability must be in [0, 1).");
        Probability = probability;
    }

    /// <summary>Probability of zeroing a value.</summary>
    public double Probability { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        In.CheckShape(input, ToString());
        return nn.functional.dropout(input, Probability, training);
    }
}

/// <summary>
/// A stack of <see cref="GridModule"/>s whose types are checked when it is built: each layer's output type must be
/// the next layer's input type, or construction fails with a message naming both layers and both types.
/// </summary>
public sealed class GridNetwork : GridModule
{
    private readonly ModuleList<GridModule> layers;

    /// <summary>Creates the network from its layers, in order.</summary>
    /// <exception cref="ArgumentException">No layers, or two neighbouring layers whose types do not chain.</exception>
    public GridNetwork(IReadOnlyList<GridModule> layers)
        : base(nameof(GridNetwork), First(layers).In, layers[^1].Out)
    {
        for (int i = 1; i < layers.Count; i++)
            if (layers[i - 1].Out != layers[i].In)
                throw new ArgumentException(
                    $"GridNetwork: layer {i} {layers[i - 1]} produces a {layers[i - 1].Out}, but layer {i + 1} {layers[i]} expects a {layers[i].In}.",
                    nameof(layers));
        this.layers = new ModuleList<GridModule>(layers.ToArray());
        RegisterComponents();
    }

    static GridModule First(IReadOnlyList<GridModule> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("GridNetwork needs at least one layer.", nameof(layers));
        return layers[0];
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<GridModule> Layers => layers.ToArray();

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var layer in layers) x = layer.forward(x);
        return x.MoveToOuterDisposeScope();
    }
}
