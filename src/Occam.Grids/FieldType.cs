namespace Occam.Grids;

/// <summary>
/// The type of a feature map on the grid, in the spirit of escnn's field types: a group and a number of channels,
/// each channel a function on the group's elements (the regular representation). A Z² field is a plain image
/// <c>[N, C, H, W]</c>; a p4 or p4m field is <c>[N, C, |G|, H, W]</c>.
/// </summary>
/// <param name="Group">The group the maps transform under.</param>
/// <param name="Channels">Channels per group element (the field's multiplicity).</param>
public sealed record FieldType(GridGroup Group, int Channels)
{
    /// <summary>Total number of scalar maps: <c>Channels · |G|</c>.</summary>
    public int Size => Channels * Group.Order;

    /// <summary>Number of tensor dimensions of a batch of such maps (4 for Z², else 5).</summary>
    public int Rank => Group.IsTrivial ? 4 : 5;

    /// <summary>Checks that <paramref name="x"/> is a batch of maps of this type and returns (N, H, W).</summary>
    /// <exception cref="ArgumentException">The shape does not match, with both named.</exception>
    public (long N, long H, long W) CheckShape(TorchSharp.torch.Tensor x, string where)
    {
        ArgumentNullException.ThrowIfNull(x);
        var s = x.shape;
        bool ok = s.Length == Rank && s[1] == Channels && (Group.IsTrivial || s[2] == Group.Order);
        if (!ok)
            throw new ArgumentException($"{where} expects a {this} map {Layout}; got a tensor of shape [{string.Join(", ", s)}].");
        return (s[0], s[^2], s[^1]);
    }

    /// <summary>The tensor layout, e.g. <c>[N, 10, 4, H, W]</c>.</summary>
    public string Layout => Group.IsTrivial ? $"[N, {Channels}, H, W]" : $"[N, {Channels}, {Group.Order}, H, W]";

    /// <inheritdoc />
    public override string ToString() => $"{Group.Name} field with {Channels} channel{(Channels == 1 ? "" : "s")}";
}
