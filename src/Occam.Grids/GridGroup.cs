using static TorchSharp.torch;

namespace Occam.Grids;

/// <summary>
/// One element of a <see cref="GridGroup"/>'s point group: the spatial transformation <c>M^Mirror · R^Rotation</c>,
/// where R is a rotation by 90° (the direction of <c>torch.rot90(x, 1, (-2, -1))</c>: counter-clockwise on an image
/// drawn with row 0 at the top) and M the mirror that reverses the column order (<c>flip(-1)</c>). R is applied first.
/// </summary>
/// <param name="Index">Position in <see cref="GridGroup.Elements"/> (and on the group axis of a feature map):
/// <c>Mirror · 4 + Rotation</c>.</param>
/// <param name="Rotation">Number of quarter turns, 0–3.</param>
/// <param name="Mirror">Whether the mirror is applied after the rotation.</param>
public readonly record struct GridElement(int Index, int Rotation, bool Mirror)
{
    /// <inheritdoc />
    public override string ToString() => (Mirror ? "m" : "") + (Rotation == 0 && Mirror ? "" : $"r{Rotation}");
}

/// <summary>
/// A wallpaper group of the square grid Z², split as translations ⋊ a finite point group that maps the grid onto
/// itself: <see cref="Z2"/> (translations alone), <see cref="P4"/> (with the four 90° rotations) and <see cref="P4m"/>
/// (rotations and mirror reflections). The object carries what the layers need: the elements, their composition and
/// inverses, the action on a filter or image (<see cref="Transform"/>), the action on a feature map over the group
/// (<see cref="Act"/>) and the permutation of the group axis by the regular representation
/// (<see cref="RegularPermutation"/>). Code elsewhere never switches on a group's name.
/// </summary>
/// <remarks>
/// Conventions (Cohen &amp; Welling 2016, §4–6): a feature map over the group is <c>f(g, x)</c>, stored as
/// <c>[N, C, |G|, H, W]</c> (Z²: <c>[N, C, H, W]</c>). An element h acts on it by
/// <c>(L_h f)(g, x) = f(h⁻¹g, h⁻¹x)</c>: every map is transformed spatially by h and the group axis is permuted so
/// that position g receives the map that was at h⁻¹g.
/// </remarks>
public sealed class GridGroup
{
    private readonly int rotations;
    private readonly bool mirrors;
    private readonly int[,] product;
    private readonly int[] inverse;

    private GridGroup(string name, int rotations, bool mirrors)
    {
        Name = name;
        this.rotations = rotations;
        this.mirrors = mirrors;
        Order = rotations * (mirrors ? 2 : 1);
        Elements = Enumerable.Range(0, Order).Select(i => new GridElement(i, i % rotations, i / rotations == 1)).ToArray();
        product = new int[Order, Order];
        inverse = new int[Order];
        foreach (var a in Elements)
            foreach (var b in Elements)
            {
                // M^m1 R^r1 M^m2 R^r2 = M^(m1+m2) R^(±r1 + r2), since R M = M R⁻¹.
                int r = ((b.Mirror ? -a.Rotation : a.Rotation) + b.Rotation) % rotations;
                if (r < 0) r += rotations;
                product[a.Index, b.Index] = IndexOf(r, a.Mirror != b.Mirror);
            }
        foreach (var a in Elements)
            for (int b = 0; b < Order; b++)
                if (product[a.Index, b] == 0) inverse[a.Index] = b;
    }

    /// <summary>Translations alone: the group of an ordinary convolution (one element, the identity).</summary>
    public static GridGroup Z2 { get; } = new("Z2", 1, false);

    /// <summary>Translations and rotations by multiples of 90°: four elements per point.</summary>
    public static GridGroup P4 { get; } = new("p4", 4, false);

    /// <summary>Translations, rotations by multiples of 90° and mirror reflections: eight elements per point.</summary>
    public static GridGroup P4m { get; } = new("p4m", 4, true);

    /// <summary>The usual name: Z2, p4 or p4m.</summary>
    public string Name { get; }

    /// <summary>Number of elements of the point group (1, 4 or 8): the length of a feature map's group axis.</summary>
    public int Order { get; }

    /// <summary>The point group's elements; element 0 is the identity.</summary>
    public IReadOnlyList<GridElement> Elements { get; }

    /// <summary>Whether this is <see cref="Z2"/> (feature maps without a group axis).</summary>
    public bool IsTrivial => Order == 1;

    /// <summary>Index of the composition <c>a · b</c> (b applied first).</summary>
    public int Compose(int a, int b) => product[Check(a), Check(b)];

    /// <summary>Index of the inverse of element <paramref name="a"/>.</summary>
    public int Inverse(int a) => inverse[Check(a)];

    /// <summary>Index of the element with <paramref name="rotation"/> quarter turns and the given mirror flag.</summary>
    public int IndexOf(int rotation, bool mirror)
    {
        if (rotation < 0 || rotation >= rotations || (mirror && !mirrors))
            throw new ArgumentOutOfRangeException(nameof(rotation), $"{Name} has no element with {rotation} quarter turns{(mirror ? " and a mirror" : "")}.");
        return (mirror ? rotations : 0) + rotation;
    }

    /// <summary>
    /// The regular representation's permutation of the group axis: <c>(L_g f)(h) = f(g⁻¹h)</c>, so entry k is the
    /// index of <c>g⁻¹ · h_k</c>, the position whose content moves to position k.
    /// </summary>
    public int[] RegularPermutation(int g)
    {
        int gi = Inverse(g);
        return Enumerable.Range(0, Order).Select(k => Compose(gi, k)).ToArray();
    }

    /// <summary>
    /// Applies element <paramref name="g"/> spatially to the last two dimensions of <paramref name="x"/> (a filter or
    /// image, square in those dimensions when g rotates): <c>(T_g x)(p) = x(g⁻¹p)</c>.
    /// </summary>
    public Tensor Transform(Tensor x, int g)
    {
        var e = Elements[Check(g)];
        var y = e.Rotation == 0 ? x.alias() : x.rot90(e.Rotation, (-2, -1));
        return e.Mirror ? y.flip(-1) : y;
    }

    /// <summary>
    /// Applies element <paramref name="g"/> to a feature map over this group, <c>[N, C, |G|, H, W]</c> (Z²:
    /// any tensor whose last two dimensions are spatial): transforms every map spatially and permutes the group axis
    /// by <see cref="RegularPermutation"/>.
    /// </summary>
    public Tensor Act(Tensor field, int g)
    {
        using var scope = NewDisposeScope();
        var moved = Transform(field, g);
        if (!IsTrivial)
        {
            if (field.dim() != 5 || field.shape[2] != Order)
                throw new ArgumentException($"{Name}.Act expects a feature map [N, C, {Order}, H, W]; got [{string.Join(", ", field.shape)}].", nameof(field));
            moved = moved.index_select(2, tensor(RegularPermutation(g).Select(i => (long)i).ToArray()));
        }
        return moved.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// For each element g, the source position of every entry of a flattened k×k filter after <see cref="Transform"/>:
    /// <c>(T_g ψ).flatten()[s] = ψ.flatten()[result[g][s]]</c>.
    /// </summary>
    internal long[][] SpatialIndex(int kernelSize)
    {
        using var scope = NewDisposeScope();
        var grid = arange(kernelSize * kernelSize, dtype: ScalarType.Int64).reshape(kernelSize, kernelSize);
        return Elements.Select(e => Transform(grid, e.Index).contiguous().flatten().data<long>().ToArray()).ToArray();
    }

    int Check(int a) => a >= 0 && a < Order ? a : throw new ArgumentOutOfRangeException(nameof(a), a, $"{Name} has elements 0–{Order - 1}.");

    /// <inheritdoc />
    public override string ToString() => Name;
}
