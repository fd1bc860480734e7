using static TorchSharp.torch;

namespace Occam.Grids;

/// <summary>
/// A layer on grid feature maps that knows its input and output <see cref="FieldType"/>s, so that a
/// <see cref="GridNetwork"/> can check that a stack of layers fits together before it runs.
/// </summary>
public abstract class GridModule : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with its types.</summary>
    protected GridModule(string name, FieldType input, FieldType output) : base(name)
    {
        In = input ?? throw new ArgumentNullException(nameof(input));
        Out = output ?? throw new ArgumentNullException(nameof(output));
    }

    /// <summary>Type of the maps the layer takes.</summary>
    public FieldType In { get; }

    /// <summary>Type of the maps the layer returns.</summary>
    public FieldType Out { get; }

    /// <inheritdoc />
    public override string ToString() => $"{GetName()}({In} → {Out})";
}
