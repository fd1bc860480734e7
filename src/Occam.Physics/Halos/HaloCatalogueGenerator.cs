namespace Occam.Physics.Halos;

/// <summary>
/// Options of the synthetic halo catalogue (<see cref="HaloCatalogueGenerator"/>). Defaults: 4,000 halos in a unit box,
/// a Thomas cluster process (150 parents, Gaussian spread 0.04, 30 % of halos uniform background), log-normal masses
/// with median 1 and ln-σ 0.5, velocities = parent bulk velocity (σ 1) + dispersion (σ 0.3), no noise on δ.
/// </summary>
public sealed record HaloCatalogueOptions
{
    /// <summary>Number of halos.</summary>
    public int Count { get; init; } = 4000;
    /// <summary>Side of the cubic box [0, Box)³ (positions are wrapped into it).</summary>
    public double Box { get; init; } = 1.0;
    /// <summary>Number of cluster centres (uniform in the box).</summary>
    public int Clusters { get; init; } = 150;
    /// <summary>Standard deviation of a halo's offset from its cluster centre, per axis.</summary>
    public double ClusterScale { get; init; } = 0.04;
    /// <summary>Fraction of halos placed uniformly instead of in clusters.</summary>
    public double BackgroundFraction { get; init; } = 0.3;
    /// <summary>Median mass (log-normal).</summary>
    public double MassMedian { get; init; } = 1.0;
    /// <summary>Standard deviation of ln M.</summary>
    public double MassLogSigma { get; init; } = 0.5;
    /// <summary>Per-axis standard deviation of a cluster's bulk velocity.</summary>
    public double BulkVelocity { get; init; } = 1.0;
    /// <summary>Per-axis velocity dispersion of a halo about its cluster's bulk velocity.</summary>
    public double VelocityDispersion { get; init; } = 0.3;
    /// <summary>Standard deviation of Gaussian noise added to δ (0 = exact law).</summary>
    public double Noise { get; init; }
    /// <summary>The planted law (the paper's constants by default).</summary>
    public HaloLaw Law { get; init; } = new();
    /// <summary>Seed; the same seed gives the same catalogue.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// These options with <paramref name="count"/> halos at the same number density and clustering: the box side and
    /// the number of clusters grow with the count (side ∝ count^⅓), so a halo keeps ≈ the same number of neighbours
    /// within the law's radius and the number of edges grows linearly.
    /// </summary>
    public HaloCatalogueOptions ScaledTo(int count)
    {
        if (count < 2) throw new ArgumentException($"Halo catalogue: Count must be at least 2 (got {count}).");
        double factor = (double)count / Count;
        return this with { Count = count, Box = Box * Math.Cbrt(factor), Clusters = Math.Max(1, (int)Math.Round(Clusters * factor)) };
    }

    /// <summary>Checks every option; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (Count < 2) throw new ArgumentException($"Halo catalogue: Count must be at least 2 (got {Count}).");
        if (!(Box > 0) || !double.IsFinite(Box)) throw new ArgumentException($"Halo catalogue: Box must be positive (got {Box}).");
        if (Clusters < 1) throw new ArgumentException($"Halo catalogue: Clusters must be at least 1 (got {Clusters}).");
        if (!(ClusterScale >= 0) || !double.IsFinite(ClusterScale)) throw new ArgumentException($"Halo catalogue: ClusterScale must be ≥ 0 (got {ClusterScale}).");
        if (!(BackgroundFraction is >= 0 and <= 1)) throw new ArgumentException($"Halo catalogue: BackgroundFraction must be in [0, 1] (got {BackgroundFraction}).");
        if (!(MassMedian > 0) || !double.IsFinite(MassMedian)) throw new ArgumentException($"Halo catalogue: MassMedian must be positive (got {MassMedian}).");
        if (!(MassLogSigma >= 0) || !double.IsFinite(MassLogSigma)) throw new ArgumentException($"Halo catalogue: MassLogSigma must be ≥ 0 (got {MassLogSigma}).");
        if (!(BulkVelocity >= 0) || !(VelocityDispersion >= 0)) throw new ArgumentException("Halo catalogue: velocity scales must be ≥ 0.");
        if (!(Noise >= 0) || !double.IsFinite(Noise)) throw new ArgumentException($"Halo catalogue: Noise must be ≥ 0 (got {Noise}).");
        ArgumentNullException.ThrowIfNull(Law);
        Law.Validate();
    }
}

/// <summary>A synthetic catalogue together with the true eᵢ of every halo.</summary>
/// <param name="Catalogue">The halos; their δ is the planted law's plus the options' noise.</param>
/// <param name="E">The planted summed pair term eᵢ of each halo (noise-free).</param>
/// <param name="Options">The options it was generated with.</param>
public sealed record SyntheticHalos(HaloCatalogue Catalogue, double[] E, HaloCatalogueOptions Options);

/// <summary>Synthetic dark-matter halo catalogues with a planted overdensity law (see <see cref="HaloLaw"/>).</summary>
public static class HaloCatalogueGenerator
{
    /// <summary>Generates a catalogue: clustered positions (Thomas process), log-normal masses, velocities, and
    /// δ from <see cref="HaloCatalogueOptions.Law"/> plus optional Gaussian noise.</summary>
    public static SyntheticHalos Generate(HaloCatalogueOptions? options = null)
    {
        options ??= new HaloCatalogueOptions();
        options.Validate();
        var rng = new SimulationRandom(options.Seed, stream: 0x4A105);
        int n = options.Count, k = options.Clusters;
        double box = options.Box;
        var centres = new double[3 * k];
        var bulk = new double[3 * k];
        for (int c = 0; c < 3 * k; c++) centres[c] = rng.NextDouble() * box;
        for (int c = 0; c < 3 * k; c++) bulk[c] = rng.NextNormal() * options.BulkVelocity;
        var pos = new double[3 * n];
        var vel = new double[3 * n];
        var mass = new double[n];
        for (int i = 0; i < n; i++)
        {
            if (rng.NextDouble() < options.BackgroundFraction)
            {
                for (int a = 0; a < 3; a++)
                {
                    pos[3 * i + a] = rng.NextDouble() * box;
                    vel[3 * i + a] = rng.NextNormal() * Math.Sqrt(options.BulkVelocity * options.BulkVelocity + options.VelocityDispersion * options.VelocityDispersion);
                }
            }
            else
            {
                int c = (int)(rng.NextDouble() * k) % k;
                for (int a = 0; a < 3; a++)
                {
                    double x = centres[3 * c + a] + rng.NextNormal() * options.ClusterScale;
                    x %= box;
                    if (x < 0) x += box;
                    pos[3 * i + a] = x;
                    vel[3 * i + a] = bulk[3 * c + a] + rng.NextNormal() * options.VelocityDispersion;
                }
            }
            mass[i] = options.MassMedian * Math.Exp(options.MassLogSigma * rng.NextNormal());
        }
        var (e, delta) = options.Law.Evaluate(pos, mass);
        if (options.Noise > 0)
            for (int i = 0; i < n; i++) delta[i] += options.Noise * rng.NextNormal();
        return new SyntheticHalos(new HaloCatalogue(pos, vel, mass, delta, "synthetic"), e, options);
    }
}
