using Occam.Physics;
using Occam.Physics.Rigid;

namespace Occam.Construction;

/// <summary>An upright block of a tower: its centre, full width and height, and mass.</summary>
public readonly record struct TowerBlock(double X, double Y, double Width, double Height, double Mass)
{
    /// <summary>The block as a rigid box.</summary>
    public RigidBox Box => new(new Vec2(X, Y), new Vec2(Width / 2, Height / 2), 0, Mass);
}

/// <summary>Two touching blocks: <see cref="Lower"/> is the one whose centre is lower (the smaller index when level), and
/// the length of their shared face.</summary>
public readonly record struct TowerContact(int Lower, int Upper, double Overlap);

/// <summary>
/// A tower of blocks standing on the ground (y = 0) before gravity acts, with the pairs of blocks that touch: the
/// actions of the glue task. Contacts are found by geometry, so any arrangement of upright blocks works.
/// </summary>
public sealed class Tower
{
    /// <summary>Boxes closer than this count as touching.</summary>
    public const double ContactGap = 1e-6;

    /// <summary>A tower of the given blocks; throws when a block is malformed or two blocks overlap.</summary>
    public Tower(IReadOnlyList<TowerBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count < 1) throw new ArgumentException("A tower needs at least one block.");
        for (int i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            if (!double.IsFinite(b.X) || !double.IsFinite(b.Y) || !(b.Width > 0) || !(b.Height > 0) || !(b.Mass > 0)
                || !double.IsFinite(b.Width) || !double.IsFinite(b.Height) || !double.IsFinite(b.Mass))
                throw new ArgumentException($"block {i}: position must be finite and width, height and mass positive; got {b}.");
            if (b.Y - b.Height / 2 < -ContactGap) throw new ArgumentException($"block {i} reaches below the ground (bottom at {b.Y - b.Height / 2:G4}).");
            for (int j = 0; j < i; j++)
            {
                var o = blocks[j];
                double dx = Math.Abs(b.X - o.X) - (b.Width + o.Width) / 2, dy = Math.Abs(b.Y - o.Y) - (b.Height + o.Height) / 2;
                if (dx < -ContactGap && dy < -ContactGap) throw new ArgumentException($"blocks {j} and {i} overlap.");
            }
        }
        Blocks = [.. blocks];
        var world = BuildWorld(new RigidWorldSettings(), glued: null);
        var pairs = new SortedDictionary<(int, int), (Vec2 Min, Vec2 Max, int Count)>();
        foreach (var c in world.CurrentContacts(ContactGap))
        {
            if (c.BodyA == 0) continue; // the ground is body 0
            var key = (c.BodyA - 1, c.BodyB - 1);
            pairs[key] = pairs.TryGetValue(key, out var seen) ? (seen.Min, c.Position, seen.Count + 1) : (c.Position, c.Position, 1);
        }
        Contacts = [.. pairs.Select(p =>
        {
            var (i, j) = p.Key;
            bool flip = blocks[j].Y < blocks[i].Y;
            return new TowerContact(flip ? j : i, flip ? i : j, (p.Value.Max - p.Value.Min).Length);
        })];
    }

    /// <summary>The blocks, in their order.</summary>
    public IReadOnlyList<TowerBlock> Blocks { get; }

    /// <summary>The touching pairs of blocks, ordered by their smaller block index, then the larger.</summary>
    public IReadOnlyList<TowerContact> Contacts { get; }

    /// <summary>Number of blocks.</summary>
    public int Count => Blocks.Count;

    /// <summary>
    /// A world with the ground (body 0) and the blocks as bodies: blocks joined by glued contacts (a flag per entry
    /// of <see cref="Contacts"/>) form one body. Returns the world and, per block, its body and box index.
    /// </summary>
    public RigidWorld BuildWorld(RigidWorldSettings settings, IReadOnlyList<bool>? glued, double friction = 0.6) =>
        BuildWorld(settings, glued, friction, out _);

    /// <inheritdoc cref="BuildWorld(RigidWorldSettings, IReadOnlyList{bool}?, double)"/>
    public RigidWorld BuildWorld(RigidWorldSettings settings, IReadOnlyList<bool>? glued, double friction, out (int Body, int Box)[] placement)
    {
        var world = new RigidWorld(settings);
        world.Add(RigidBody.Static([new RigidBox(new Vec2(0, -0.5), new Vec2(1000, 0.5))], friction));
        var group = Groups(glued);
        placement = new (int, int)[Count];
        foreach (var members in Enumerable.Range(0, Count).GroupBy(i => group[i]).OrderBy(g => g.Min()))
        {
            var list = members.OrderBy(i => i).ToArray();
            int body = world.Add(RigidBody.Dynamic(list.Select(i => Blocks[i].Box), friction));
            for (int k = 0; k < list.Length; k++) placement[list[k]] = (body, k);
        }
        return world;
    }

    /// <summary>For each block, the smallest index of the blocks glued to it (directly or through others).</summary>
    int[] Groups(IReadOnlyList<bool>? glued)
    {
        var parent = Enumerable.Range(0, Count).ToArray();
        int Find(int i) => parent[i] == i ? i : parent[i] = Find(parent[i]);
        if (glued is not null)
        {
            if (glued.Count != Contacts?.Count) throw new ArgumentException($"glue flags: {glued.Count} given for {Contacts?.Count ?? 0} contacts.");
            for (int k = 0; k < glued.Count; k++)
            {
                if (!glued[k]) continue;
                int a = Find(Contacts[k].Lower), b = Find(Contacts[k].Upper);
                if (a != b) parent[Math.Max(a, b)] = Math.Min(a, b);
            }
        }
        return [.. Enumerable.Range(0, Count).Select(Find)];
    }

    /// <summary>Whether the tower, with the given glue, can stand as it is (the static check of Occam.Physics).</summary>
    public bool IsStaticallyStable(IReadOnlyList<bool>? glued, double supportMargin = 0, double friction = 0.6) =>
        StaticStability.IsStable(BuildWorld(new RigidWorldSettings(), glued, friction), supportMargin, ContactGap);
}

/// <summary>Settings of the random towers.</summary>
public sealed record TowerGeneratorOptions
{
    /// <summary>Smallest number of blocks.</summary>
    public int MinBlocks { get; init; } = 5;

    /// <summary>Largest number of blocks.</summary>
    public int MaxBlocks { get; init; } = 7;

    /// <summary>Block widths are uniform in [<see cref="MinWidth"/>, <see cref="MaxWidth"/>].</summary>
    public double MinWidth { get; init; } = 0.6;

    /// <inheritdoc cref="MinWidth"/>
    public double MaxWidth { get; init; } = 1.6;

    /// <summary>Block heights are uniform in [<see cref="MinHeight"/>, <see cref="MaxHeight"/>].</summary>
    public double MinHeight { get; init; } = 0.3;

    /// <inheritdoc cref="MinHeight"/>
    public double MaxHeight { get; init; } = 0.6;

    /// <summary>A block's centre lands up to this fraction of the two half widths off the centre of the block it is dropped on.</summary>
    public double Offset { get; init; } = 0.9;

    /// <summary>Fewer blocks than this cannot form a glue task.</summary>
    public const int SmallestTower = 2;

    /// <summary>Refuses settings that cannot make towers.</summary>
    public void Validate()
    {
        if (MinBlocks < SmallestTower) throw new ArgumentException($"blocks: a tower needs at least {SmallestTower} blocks; got {MinBlocks}.");
        if (MaxBlocks < MinBlocks) throw new ArgumentException($"blocks: the range {MinBlocks}-{MaxBlocks} is empty.");
        if (MaxBlocks > 64) throw new ArgumentException($"blocks: at most 64 per tower; got {MaxBlocks}.");
        if (!(MinWidth > 0) || !(MaxWidth >= MinWidth) || !(MinHeight > 0) || !(MaxHeight >= MinHeight) || !double.IsFinite(MaxWidth) || !double.IsFinite(MaxHeight))
            throw new ArgumentException("block sizes: need 0 < min ≤ max for widths and heights.");
        if (!(Offset >= 0 && Offset <= 1)) throw new ArgumentException($"offset must be in [0, 1]; got {Offset}.");
    }
}

/// <summary>
/// Random towers: blocks of random size are dropped one by one, each onto a block already placed (the last one
/// more often than the others) with a random sideways offset, and come to rest on the highest block below them.
/// Many such towers would fall. Tower <c>k</c> of seed <c>s</c> is the same whatever else is drawn.
/// </summary>
public static class TowerGenerator
{
    /// <summary>Tower number <paramref name="index"/> of the given seed.</summary>
    public static Tower Generate(TowerGeneratorOptions options, long seed, long index)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var random = new SimulationRandom(seed, index);
        int count = options.MinBlocks + (int)(random.NextDouble() * (options.MaxBlocks - options.MinBlocks + 1));
        var blocks = new List<TowerBlock>(count);
        double Uniform(double low, double high) => low + (high - low) * random.NextDouble();
        for (int i = 0; i < count; i++)
        {
            double width = Uniform(options.MinWidth, options.MaxWidth), height = Uniform(options.MinHeight, options.MaxHeight);
            double x = 0;
            for (int attempt = 0; attempt < 50; attempt++)
            {
                if (i > 0)
                {
                    var target = blocks[random.NextDouble() < 0.6 ? i - 1 : (int)(random.NextDouble() * i)];
                    x = target.X + Uniform(-1, 1) * options.Offset * (target.Width + width) / 2;
                }
                if (SupportOverlap(blocks, x, width) >= 0.15 * Math.Min(width, options.MinWidth) || i == 0) break;
            }
            double bottom = Bottom(blocks, x, width);
            blocks.Add(new TowerBlock(x, bottom + height / 2, width, height, width * height));
        }
        return new Tower(blocks);
    }

    static double Bottom(List<TowerBlock> blocks, double x, double width)
    {
        double bottom = 0;
        foreach (var b in blocks)
            if (Math.Abs(b.X - x) < (b.Width + width) / 2) bottom = Math.Max(bottom, b.Y + b.Height / 2);
        return bottom;
    }

    /// <summary>Total overlap with the blocks the new block would rest on (∞ on the ground: it cannot overhang).</summary>
    static double SupportOverlap(List<TowerBlock> blocks, double x, double width)
    {
        double bottom = Bottom(blocks, x, width);
        if (bottom == 0) return double.PositiveInfinity;
        double overlap = 0;
        foreach (var b in blocks)
            if (Math.Abs(b.Y + b.Height / 2 - bottom) < 1e-12)
                overlap += Math.Max(0, Math.Min(b.X + b.Width / 2, x + width / 2) - Math.Max(b.X - b.Width / 2, x - width / 2));
        return overlap;
    }
}
