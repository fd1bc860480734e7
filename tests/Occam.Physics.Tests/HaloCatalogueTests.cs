using Occam.Physics.Halos;
using Occam.Physics.IO;

namespace Occam.Physics.Tests;

public sealed class HaloCatalogueTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), "occam-halo-tests-" + Guid.NewGuid().ToString("N"));

    public HaloCatalogueTests() => Directory.CreateDirectory(dir);

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    static HaloCatalogueOptions Small => new() { Count = 700, Clusters = 30, Seed = 3 };

    [Fact]
    public void Generated_delta_equals_a_brute_force_evaluation_of_the_planted_formula()
    {
        var halos = HaloCatalogueGenerator.Generate(Small);
        var c = halos.Catalogue;
        int n = c.Count, pairs = 0;
        // Brute force over all ordered pairs with the paper's constants written out here.
        for (int i = 0; i < n; i++)
        {
            double e = 0;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double dx = c.Positions[3 * i] - c.Positions[3 * j], dy = c.Positions[3 * i + 1] - c.Positions[3 * j + 1], dz = c.Positions[3 * i + 2] - c.Positions[3 * j + 2];
                double r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
                if (r >= 0.1) continue;
                pairs++;
                e += (0.438 + c.Mass[j]) / (7.06 + Math.Pow(15.5 * r, 20.3));
            }
            double delta = -0.156 + e / (3.80 + 0.0809 * c.Mass[i]);
            Assert.Equal(e, halos.E[i], 1e-12 * (1 + Math.Abs(e)));
            Assert.Equal(delta, c.Delta[i], 1e-12);
        }
        Assert.True(pairs > 5 * n, $"only {pairs} pairs within the radius: the test would not exercise the sum");
    }

    [Fact]
    public void Same_seed_gives_the_same_catalogue_and_a_different_seed_a_different_one()
    {
        var a = HaloCatalogueGenerator.Generate(Small).Catalogue;
        var b = HaloCatalogueGenerator.Generate(Small).Catalogue;
        var c = HaloCatalogueGenerator.Generate(Small with { Seed = 4 }).Catalogue;
        Assert.Equal(a.Positions, b.Positions);
        Assert.Equal(a.Delta, b.Delta);
        Assert.NotEqual(a.Positions, c.Positions);
    }

    [Fact]
    public void Positions_lie_in_the_box_and_masses_follow_the_requested_log_normal()
    {
        var c = HaloCatalogueGenerator.Generate(new HaloCatalogueOptions { Count = 20000, Seed = 1, MassMedian = 2, MassLogSigma = 0.4 }).Catalogue;
        Assert.All(c.Positions, x => Assert.InRange(x, 0, 1));
        var logs = c.Mass.Select(m => Math.Log(m)).ToArray();
        double mean = logs.Average(), sd = Math.Sqrt(logs.Select(l => (l - mean) * (l - mean)).Average());
        Assert.Equal(Math.Log(2), mean, 0.02);   // standard error 0.4/√20000 ≈ 0.003
        Assert.Equal(0.4, sd, 0.01);
    }

    [Fact]
    public void Noise_adds_gaussian_scatter_of_the_requested_size_to_delta()
    {
        var clean = HaloCatalogueGenerator.Generate(Small with { Count = 5000 }).Catalogue;
        var noisy = HaloCatalogueGenerator.Generate(Small with { Count = 5000, Noise = 0.05 }).Catalogue;
        var diff = clean.Delta.Zip(noisy.Delta, (x, y) => y - x).ToArray();
        double sd = Math.Sqrt(diff.Select(d => d * d).Average());
        Assert.Equal(0.05, sd, 0.004);
    }

    [Fact]
    public void Csv_npy_and_hdf5_round_trip_the_catalogue()
    {
        var c = HaloCatalogueGenerator.Generate(Small).Catalogue;
        foreach (var ext in new[] { ".csv", ".npy", ".h5" })
        {
            var path = Path.Combine(dir, "halos" + ext);
            HaloCatalogueFile.Save(c, path);
            var back = HaloCatalogueFile.Load(path);
            Assert.Equal(c.Positions, back.Positions);
            Assert.Equal(c.Velocities, back.Velocities);
            Assert.Equal(c.Mass, back.Mass);
            Assert.Equal(c.Delta, back.Delta);
        }
    }

    [Fact]
    public void Npz_with_one_array_per_column_loads()
    {
        var arrays = HaloCatalogueFile.Columns.Select((name, k) =>
            KeyValuePair.Create(name, NpyArray.FromDoubles([1 + k, 2 + k, 3 + k], 3))).ToList();
        var path = Path.Combine(dir, "halos.npz");
        Npz.Write(path, arrays);
        var c = HaloCatalogueFile.Load(path);
        Assert.Equal(3, c.Count);
        Assert.Equal(new double[] { 7, 8, 9 }, c.Mass);
        Assert.Equal(new double[] { 2, 3, 4 }, c.Positions[3..6]);
    }

    static void AssertOneLine(Exception e, params string[] parts)
    {
        Assert.DoesNotContain('\n', e.Message);
        foreach (var p in parts) Assert.Contains(p, e.Message);
    }

    [Fact]
    public void Loader_rejects_a_csv_with_a_missing_column_naming_file_and_column()
    {
        var path = Path.Combine(dir, "missing.csv");
        File.WriteAllText(path, "x,y,z,vx,vy,M,delta\n0,0,0,0,0,1,0\n");
        var e = Assert.Throws<InvalidDataException>(() => HaloCatalogueFile.Load(path));
        AssertOneLine(e, path, "'vz'");
    }

    [Fact]
    public void Loader_rejects_a_nan_naming_file_column_and_row()
    {
        var path = Path.Combine(dir, "nan.csv");
        File.WriteAllText(path, "x,y,z,vx,vy,vz,M,delta\n0,0,0,0,0,0,1,0\n0,0,0,0,0,0,NaN,0\n");
        var e = Assert.Throws<InvalidDataException>(() => HaloCatalogueFile.Load(path));
        // the CSV reader refuses it, naming the line (3: data row 1)
        AssertOneLine(e, $"{path}:3: column 'M': value is NaN");

        var npy = Path.Combine(dir, "nan.npy");
        var values = new double[16];
        values[8 + 7] = double.PositiveInfinity;
        values[6] = values[8 + 6] = 1;
        Npy.Write(npy, NpyArray.FromDoubles(values, 2, 8));
        e = Assert.Throws<InvalidDataException>(() => HaloCatalogueFile.Load(npy));
        AssertOneLine(e, npy, "'delta'", "row 1");
    }

    [Fact]
    public void Loader_rejects_an_npy_of_the_wrong_shape()
    {
        var path = Path.Combine(dir, "shape.npy");
        Npy.Write(path, NpyArray.FromDoubles(new double[14], 2, 7));
        var e = Assert.Throws<InvalidDataException>(() => HaloCatalogueFile.Load(path));
        AssertOneLine(e, path, "(2, 7)");
        Npy.Write(path, NpyArray.FromDoubles(new double[8], 8));
        e = Assert.Throws<InvalidDataException>(() => HaloCatalogueFile.Load(path));
        AssertOneLine(e, path, "(8)");
    }

    [Fact]
    public void Loader_rejects_non_positive_masses_and_unknown_extensions()
    {
        var path = Path.Combine(dir, "mass.csv");
        File.WriteAllText(path, "x,y,z,vx,vy,vz,M,delta\n0,0,0,0,0,0,0,0\n");
        AssertOneLine(Assert.Throws<InvalidDataException>(() => HaloCatalogueFile.Load(path)), path, "'M'", "row 0");
        var txt = Path.Combine(dir, "halos.txt");
        File.WriteAllText(txt, "1");
        AssertOneLine(Assert.Throws<InvalidDataException>(() => HaloCatalogueFile.Load(txt)), txt, ".txt");
    }
}

public sealed class HaloCatalogueScalingTests
{
    static double MeanNeighbours(HaloCatalogue c, double radius)
    {
        var cells = HaloNeighbours.Build(c.Positions, radius);
        long pairs = 0;
        for (int i = 0; i < c.Count; i++)
            foreach (int j in cells.Candidates(i))
            {
                if (j == i) continue;
                double d2 = 0;
                for (int a = 0; a < 3; a++) { double d = c.Positions[3 * i + a] - c.Positions[3 * j + a]; d2 += d * d; }
                if (d2 < radius * radius) pairs++;
            }
        return (double)pairs / c.Count;
    }

    [Fact]
    public void Scaled_catalogues_keep_the_number_of_neighbours_per_halo()
    {
        var small = new HaloCatalogueOptions { Seed = 5 };
        var big = small.ScaledTo(32000);
        Assert.Equal(2.0, big.Box, 1e-12);          // (32000/4000)^(1/3)
        Assert.Equal(1200, big.Clusters);
        double a = MeanNeighbours(HaloCatalogueGenerator.Generate(small).Catalogue, 0.1);
        double b = MeanNeighbours(HaloCatalogueGenerator.Generate(big).Catalogue, 0.1);
        Assert.InRange(b / a, 0.85, 1.15);
        Assert.All(HaloCatalogueGenerator.Generate(big).Catalogue.Positions, x => Assert.InRange(x, 0, 2));
    }
}
