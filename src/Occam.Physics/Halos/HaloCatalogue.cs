namespace Occam.Physics.Halos;

/// <summary>
/// A halo catalogue: positions, velocities, masses and the local overdensity δ of every halo (the regression target),
/// stored row-major (<c>x, y, z</c> per halo).
/// </summary>
public sealed class HaloCatalogue
{
    /// <summary>Creates a catalogue, checking shapes and that every value is finite.</summary>
    /// <exception cref="ArgumentException">Wrong lengths or a non-finite value; the message names the array and row.</exception>
    public HaloCatalogue(double[] positions, double[] velocities, double[] mass, double[] delta, string source = "catalogue")
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(velocities);
        ArgumentNullException.ThrowIfNull(mass);
        ArgumentNullException.ThrowIfNull(delta);
        int n = mass.Length;
        if (n == 0) throw new ArgumentException($"{source}: the catalogue has no halos.");
        if (positions.Length != 3 * n) throw new ArgumentException($"{source}: positions have {positions.Length} values, expected 3 × {n}.");
        if (velocities.Length != 3 * n) throw new ArgumentException($"{source}: velocities have {velocities.Length} values, expected 3 × {n}.");
        if (delta.Length != n) throw new ArgumentException($"{source}: delta has {delta.Length} values, expected {n}.");
        CheckFinite(positions, 3, source, "position");
        CheckFinite(velocities, 3, source, "velocity");
        CheckFinite(mass, 1, source, "M");
        CheckFinite(delta, 1, source, "delta");
        Positions = positions;
        Velocities = velocities;
        Mass = mass;
        Delta = delta;
        Source = source;
    }

    static void CheckFinite(double[] values, int width, string source, string name)
    {
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"{source}: {name} of row {i / width} is {values[i]} (must be finite).");
    }

    /// <summary>Number of halos.</summary>
    public int Count => Mass.Length;
    /// <summary>Positions, <c>Count × 3</c> row-major.</summary>
    public double[] Positions { get; }
    /// <summary>Velocities, <c>Count × 3</c> row-major.</summary>
    public double[] Velocities { get; }
    /// <summary>Masses.</summary>
    public double[] Mass { get; }
    /// <summary>Local overdensity δ (the target).</summary>
    public double[] Delta { get; }
    /// <summary>Where the catalogue came from (file name or "synthetic"), for messages.</summary>
    public string Source { get; }

    /// <summary>The halos with the given indices, in that order.</summary>
    public HaloCatalogue Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var p = new double[3 * indices.Count];
        var v = new double[3 * indices.Count];
        var m = new double[indices.Count];
        var d = new double[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            int i = indices[k];
            for (int a = 0; a < 3; a++) { p[3 * k + a] = Positions[3 * i + a]; v[3 * k + a] = Velocities[3 * i + a]; }
            m[k] = Mass[i];
            d[k] = Delta[i];
        }
        return new HaloCatalogue(p, v, m, d, Source);
    }
}

/// <summary>
/// The planted law of the synthetic catalogue, the formula Cranmer et al. (2020) distilled from a graph network trained
/// on Quijote halos: δᵢ = C₁ + eᵢ / (C₂ + C₃·Mᵢ), eᵢ = Σ_{j≠i, |rᵢⱼ|&lt;R} (C₄ + Mⱼ) / (C₅ + (C₆·|rᵢⱼ|/L)^C₇),
/// with L = <see cref="DistanceScale"/>. The defaults are the paper's constants. With L = 1 the pair term falls from
/// (C₄ + Mⱼ)/C₅ to almost zero around |r| = 1/C₆ ≈ 0.065, well inside the default radius R = 0.1 (box = 1).
/// </summary>
public sealed record HaloLaw
{
    /// <summary>C₁, the offset of δᵢ (default −0.156).</summary>
    public double C1 { get; init; } = -0.156;
    /// <summary>C₂, the constant of the node denominator C₂ + C₃·Mᵢ (default 3.80).</summary>
    public double C2 { get; init; } = 3.80;
    /// <summary>C₃, the halo-mass coefficient of the node denominator C₂ + C₃·Mᵢ (default 0.0809).</summary>
    public double C3 { get; init; } = 0.0809;
    /// <summary>C₄, added to the neighbour mass in the pair numerator C₄ + Mⱼ (default 0.438).</summary>
    public double C4 { get; init; } = 0.438;
    /// <summary>C₅, the constant of the pair denominator C₅ + (C₆·|rᵢⱼ|/L)^C₇ (default 7.06).</summary>
    public double C5 { get; init; } = 7.06;
    /// <summary>C₆, the inverse length of the pair fall-off: the pair term drops near |r| = L/C₆ (default 15.5).</summary>
    public double C6 { get; init; } = 15.5;
    /// <summary>C₇, the exponent of the pair denominator, i.e. the steepness of the fall-off (default 20.3).</summary>
    public double C7 { get; init; } = 20.3;
    /// <summary>Length unit L of the pair term: distances enter as |r|/L.</summary>
    public double DistanceScale { get; init; } = 1.0;
    /// <summary>Neighbour radius R: only pairs with |rᵢⱼ| &lt; R contribute.</summary>
    public double Radius { get; init; } = 0.1;

    /// <summary>The pair term eᵢⱼ for a neighbour at distance <paramref name="r"/> with mass <paramref name="massSender"/>.</summary>
    public double Pair(double r, double massSender) =>
        (C4 + massSender) / (C5 + Math.Pow(C6 * r / DistanceScale, C7));

    /// <summary>δ for a halo of mass <paramref name="mass"/> whose summed pair terms are <paramref name="e"/>.</summary>
    public double Node(double e, double mass) => C1 + e / (C2 + C3 * mass);

    /// <summary>The law in Occam's expression syntax over variables r (distance) and mj (neighbour mass).</summary>
    public string PairInfix => FormattableString.Invariant($"({C4} + mj) / ({C5} + ({C6} * r / {DistanceScale}) ^ {C7})");

    /// <summary>The node law over variables e (Σ pair terms) and mi (own mass).</summary>
    public string NodeInfix => FormattableString.Invariant($"{C1} + e / ({C2} + {C3} * mi)");

    /// <summary>Checks the constants.</summary>
    public void Validate()
    {
        foreach (var (name, v) in new[] { ("C1", C1), ("C2", C2), ("C3", C3), ("C4", C4), ("C5", C5), ("C6", C6), ("C7", C7) })
            if (!double.IsFinite(v)) throw new ArgumentException($"Halo law: {name} must be finite (got {v}).");
        if (!(DistanceScale > 0) || !double.IsFinite(DistanceScale)) throw new ArgumentException($"Halo law: DistanceScale must be positive (got {DistanceScale}).");
        if (!(Radius > 0) || !double.IsFinite(Radius)) throw new ArgumentException($"Halo law: Radius must be positive (got {Radius}).");
    }

    /// <summary>
    /// eᵢ and δᵢ for every halo of a catalogue (positions row-major, masses), summing over neighbours within
    /// <see cref="Radius"/> found with a cell list (parallel over halos, deterministic).
    /// </summary>
    public (double[] E, double[] Delta) Evaluate(ReadOnlySpan<double> positions, double[] mass)
    {
        Validate();
        int n = mass.Length;
        if (positions.Length != 3 * n) throw new ArgumentException($"positions have {positions.Length} values, expected 3 × {n}.");
        var neighbours = HaloNeighbours.Build(positions, Radius);
        var pos = positions.ToArray();
        var e = new double[n];
        var delta = new double[n];
        double r2max = Radius * Radius;
        Parallel.For(0, n, i =>
        {
            double s = 0;
            foreach (int j in neighbours.Candidates(i))
            {
                if (j == i) continue;
                double dx = pos[3 * j] - pos[3 * i], dy = pos[3 * j + 1] - pos[3 * i + 1], dz = pos[3 * j + 2] - pos[3 * i + 2];
                double d2 = dx * dx + dy * dy + dz * dz;
                if (d2 < r2max) s += Pair(Math.Sqrt(d2), mass[j]);
            }
            e[i] = s;
            delta[i] = Node(s, mass[i]);
        });
        return (e, delta);
    }
}

/// <summary>A uniform cell list over 3-D points with cells of the search radius; candidates of a point are the points in
/// its own and the 26 adjacent cells.</summary>
internal sealed class HaloNeighbours
{
    readonly int[] cellStart, order, cellOf;
    readonly int nx, ny, nz;

    HaloNeighbours(int[] cellStart, int[] order, int[] cellOf, int nx, int ny, int nz)
    {
        this.cellStart = cellStart; this.order = order; this.cellOf = cellOf; this.nx = nx; this.ny = ny; this.nz = nz;
    }

    public static HaloNeighbours Build(ReadOnlySpan<double> positions, double radius)
    {
        int n = positions.Length / 3;
        Span<double> lo = stackalloc double[3] { double.MaxValue, double.MaxValue, double.MaxValue };
        Span<double> hi = stackalloc double[3] { double.MinValue, double.MinValue, double.MinValue };
        for (int i = 0; i < n; i++)
            for (int a = 0; a < 3; a++) { lo[a] = Math.Min(lo[a], positions[3 * i + a]); hi[a] = Math.Max(hi[a], positions[3 * i + a]); }
        // Cap the grid so that memory stays O(N) for sparse, wide point sets.
        double cell = radius;
        long cap = Math.Max(1, 4L * n);
        while (true)
        {
            long cells = 1;
            for (int a = 0; a < 3; a++) cells *= (long)Math.Floor((hi[a] - lo[a]) / cell) + 1;
            if (cells <= cap) break;
            cell *= 1.5;
        }
        int gx = (int)Math.Floor((hi[0] - lo[0]) / cell) + 1, gy = (int)Math.Floor((hi[1] - lo[1]) / cell) + 1, gz = (int)Math.Floor((hi[2] - lo[2]) / cell) + 1;
        var cellOf = new int[n];
        var start = new int[gx * gy * gz + 1];
        for (int i = 0; i < n; i++)
        {
            int cx = Math.Min(gx - 1, (int)((positions[3 * i] - lo[0]) / cell));
            int cy = Math.Min(gy - 1, (int)((positions[3 * i + 1] - lo[1]) / cell));
            int cz = Math.Min(gz - 1, (int)((positions[3 * i + 2] - lo[2]) / cell));
            cellOf[i] = (cx * gy + cy) * gz + cz;
            start[cellOf[i] + 1]++;
        }
        for (int c = 0; c < gx * gy * gz; c++) start[c + 1] += start[c];
        var fill = (int[])start.Clone();
        var order = new int[n];
        for (int i = 0; i < n; i++) order[fill[cellOf[i]]++] = i;
        return new HaloNeighbours(start, order, cellOf, gx, gy, gz);
    }

    /// <summary>Every point in the 27 cells around point <paramref name="i"/> (including i itself).</summary>
    public IEnumerable<int> Candidates(int i)
    {
        int c = cellOf[i];
        int cz = c % nz, cy = c / nz % ny, cx = c / (nz * ny);
        for (int x = Math.Max(0, cx - 1); x <= Math.Min(nx - 1, cx + 1); x++)
            for (int y = Math.Max(0, cy - 1); y <= Math.Min(ny - 1, cy + 1); y++)
                for (int z = Math.Max(0, cz - 1); z <= Math.Min(nz - 1, cz + 1); z++)
                {
                    int k = (x * ny + y) * nz + z;
                    for (int p = cellStart[k]; p < cellStart[k + 1]; p++) yield return order[p];
                }
    }
}
