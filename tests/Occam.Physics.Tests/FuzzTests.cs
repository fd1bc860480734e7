using System.IO.Compression;
using Occam.Fuzzing;
using Occam.Physics.IO;
using static Occam.Fuzzing.FuzzInputs;

namespace Occam.Physics.Tests;

/// <summary>
/// Fuzzing the data readers (docs/errors.md): damaged and forged <c>.npy</c>, <c>.npz</c>, CSV and HDF5 data and
/// particle data sets. A reader returns an array, or throws the documented type with a one-line message; nothing else escapes.
/// </summary>
public sealed class FuzzTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("occam-fuzz-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static byte[] NpyBytes(Random rng)
    {
        int n = rng.Next(0, 7);
        var array = rng.Next(5) switch
        {
            0 => NpyArray.FromSingles(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), n),
            1 => NpyArray.FromInt64s(Enumerable.Range(0, n).Select(i => (long)i).ToArray(), n),
            2 => NpyArray.FromBools(Enumerable.Range(0, n).Select(i => i % 2 == 0).ToArray(), n),
            3 when n % 2 == 0 => NpyArray.FromDoubles(Enumerable.Range(0, n).Select(i => 0.5 * i).ToArray(), 2, n / 2),
            _ => NpyArray.FromDoubles(Enumerable.Range(0, n).Select(i => 0.5 * i).ToArray(), n),
        };
        var stream = new MemoryStream();
        Npy.Write(stream, array);
        return stream.ToArray();
    }

    static readonly string[] HeaderEdits =
        ["(2147483647,)", "(-1,)", "(99999999999,)", "(3, 2147483647)", "()", "(,)", "(2.5,)", "'<f16'", "'|O'", "'<U99999'", "'<U2147483647'", "'<U1073741824'", "'>f8'", "'<c16'", "True", "'fortran_order'", "{", "}"];

    /// <summary>Valid bytes with structured damage; half of the time the header text itself is edited.</summary>
    static byte[] DamagedNpy(Random rng)
    {
        var bytes = NpyBytes(rng);
        if (rng.Next(2) == 0) return MutateBytes(rng, bytes);
        var text = System.Text.Encoding.Latin1.GetString(bytes);
        int open = text.IndexOf('{'), close = text.IndexOf('}');
        int at = rng.Next(open, close + 1);
        var edited = text[..at] + Pick(rng, HeaderEdits) + text[Math.Min(text.Length, at + rng.Next(0, 12))..];
        return System.Text.Encoding.Latin1.GetBytes(edited);
    }

    static void ReadsOrFailsCleanly(Func<object> read)
    {
        try
        {
            Assert.NotNull(read());
        }
        catch (InvalidDataException e)
        {
            Fuzz.AssertOneLine(e.Message);
        }
    }

    [Fact]
    public void Fuzzed_npy_data_reads_or_gives_an_invalid_data_error() => Fuzz.Run(2000, rng =>
    {
        var bytes = DamagedNpy(rng);
        return (Convert.ToHexString(bytes), () =>
        {
            ReadsOrFailsCleanly(() => Npy.Read(new MemoryStream(bytes)));
            ReadsOrFailsCleanly(() => Npy.Read(new Crc32Stream(new MemoryStream(bytes)))); // as inside a zip: a stream without a length
        });
    });

    static byte[] NpzBytes(Random rng, bool compressed)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            for (int k = rng.Next(1, 4); k > 0; k--)
            {
                using var member = zip.CreateEntry($"a{k}.npy", compressed ? CompressionLevel.Fastest : CompressionLevel.NoCompression).Open();
                member.Write(rng.Next(4) == 0 ? DamagedNpy(rng) : NpyBytes(rng));
            }
        return stream.ToArray();
    }

    [Fact]
    public void Fuzzed_npz_archives_read_or_give_an_invalid_data_error_naming_the_file() => Fuzz.Run(1500, rng =>
    {
        var bytes = MutateBytes(rng, NpzBytes(rng, compressed: rng.Next(2) == 0));
        var path = Path.Combine(folder, $"case{rng.Next()}.npz");
        return (Convert.ToHexString(bytes), () =>
        {
            File.WriteAllBytes(path, bytes);
            try
            {
                Assert.NotNull(Npz.Read(path));
            }
            catch (InvalidDataException e)
            {
                Fuzz.AssertOneLine(e.Message);
                Assert.Contains(path, e.Message);
            }
            finally
            {
                File.Delete(path);
            }
        });
    });

    static readonly string Table = "t,x,y\n0,1,2\n0.5,1.5,2.5\n1,2,3\n";

    [Fact]
    public void Fuzzed_csv_reads_or_gives_a_format_error_naming_the_source() => Fuzz.Run(1000, rng =>
    {
        var text = MutateText(rng, Table);
        return (text, () =>
        {
            try
            {
                Assert.NotNull(Csv.Read(new StringReader(text), "fuzz.csv"));
            }
            catch (InvalidDataException e)
            {
                Fuzz.AssertOneLine(e.Message);
                Assert.Contains("fuzz.csv", e.Message);
            }
        });
    });

    static string H5pyFixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "hdf5", name);

    /// <summary>An HDF5 file as Occam writes it (small, varied types and shapes) or one of the h5py fixtures (groups,
    /// B-trees, heaps, gzip chunks), and the object to read in it.</summary>
    (byte[] Bytes, string Inner) Hdf5Case(Random rng)
    {
        switch (rng.Next(4))
        {
            case 0: return (File.ReadAllBytes(H5pyFixture("h5py_tables.h5")), Pick(rng, ["/", "/table", "/gz", "/strings", "/halos2d", "/bigendian/i4"]));
            case 1: return (File.ReadAllBytes(H5pyFixture("h5py_particles.h5")), Pick(rng, ["/", "/runs/run1", "/runs/run1/positions"]));
            default:
            {
                var path = Path.Combine(folder, $"make{rng.Next()}.h5");
                int n = rng.Next(0, 7);
                var arrays = new List<KeyValuePair<string, NpyArray>>
                {
                    new("x", NpyArray.FromDoubles(Enumerable.Range(0, n).Select(i => 0.5 * i).ToArray(), n)),
                    new("y", NpyArray.FromInt32s(Enumerable.Range(0, n).ToArray(), n)),
                    new("t", n % 2 == 0 ? NpyArray.FromSingles(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), 2, n / 2) : NpyArray.Scalar(1.5)),
                    new("s", NpyArray.FromStrings(Enumerable.Range(0, n).Select(i => new string('a', i)).ToArray(), n)),
                };
                Hdf5.Write(path, arrays, [new("dt", NpyArray.Scalar(0.01)), new("system", NpyArray.Scalar("spring")), new("n", NpyArray.Scalar((long)n))]);
                var bytes = File.ReadAllBytes(path);
                File.Delete(path);
                return (bytes, Pick(rng, ["/", "/x", "/t", "/s"]));
            }
        }
    }

    [Fact]
    public void Fuzzed_hdf5_files_read_or_give_an_invalid_data_error_naming_the_file() => Fuzz.Run(800, rng =>
    {
        var (original, inner) = Hdf5Case(rng);
        var bytes = MutateBytes(rng, original);
        var path = Path.Combine(folder, $"case{rng.Next()}.h5");
        var location = new Hdf5Location(path, inner);
        return ($"{inner} " + Convert.ToHexString(bytes[..Math.Min(bytes.Length, 200)]), () =>
        {
            File.WriteAllBytes(path, bytes);
            try
            {
                foreach (Func<object> read in new Func<object>[]
                {
                    () => Hdf5.ReadGroup(location), () => Hdf5.ReadDataset(location), () => Hdf5.ReadColumns(location),
                    () => Occam.Physics.Halos.HaloCatalogueFile.Load(location.ToString()), () => ParticleDataset.Load(location.ToString()),
                })
                {
                    try
                    {
                        Assert.NotNull(read());
                    }
                    catch (InvalidDataException e)
                    {
                        Fuzz.AssertOneLine(e.Message);
                        Assert.Contains(path, e.Message);
                    }
                }
            }
            finally
            {
                File.Delete(path);
            }
        });
    });

    [Fact]
    public void Fuzzed_particle_data_sets_load_or_give_one_documented_error() => Fuzz.Run(300, rng =>
    {
        // a real small data set, saved and then damaged: its arrays, its zip or HDF5 structure or its CSV text
        var data = Simulator.Run(new SimulationOptions { Sims = 2, Steps = 3, Bodies = 2, Seed = rng.Next() });
        var format = Pick(rng, [DatasetFormat.Csv, DatasetFormat.Npz, DatasetFormat.Hdf5]);
        bool csv = format == DatasetFormat.Csv;
        var path = Path.Combine(folder, $"set{rng.Next()}" + format switch { DatasetFormat.Csv => ".csv", DatasetFormat.Hdf5 => ".h5", _ => ".npz" });
        data.Save(path, format);
        var original = File.ReadAllBytes(path);
        var bytes = csv ? System.Text.Encoding.UTF8.GetBytes(MutateText(rng, System.Text.Encoding.UTF8.GetString(original))) : MutateBytes(rng, original);
        File.WriteAllBytes(path, bytes);
        return (Path.GetFileName(path) + " " + Convert.ToHexString(bytes[..Math.Min(bytes.Length, 200)]), () =>
        {
            try
            {
                Assert.NotNull(ParticleDataset.Load(path));
            }
            catch (Exception e) when (e is InvalidDataException or FormatException)
            {
                Fuzz.AssertOneLine(e.Message);
                Assert.Contains(Path.GetFileName(path), e.Message);
            }
            finally
            {
                File.Delete(path);
            }
        });
    });
}
