using System.IO.Compression;
using Occam.Physics.IO;
using Occam.Symbolic.IO;

namespace Occam.Physics.Tests;

/// <summary>Reads the numpy-made fixtures (see Fixtures/make_fixtures.py) and checks Occam writes the same bytes.</summary>
public sealed class NpyTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    static byte[] Written(NpyArray array)
    {
        using var stream = new MemoryStream();
        Npy.Write(stream, array);
        return stream.ToArray();
    }

    [Theory]
    [InlineData("f8_2x3.npy")]
    [InlineData("f4_4.npy")]
    [InlineData("i8_2x2x2.npy")]
    [InlineData("i4_3.npy")]
    [InlineData("b1_2x2.npy")]
    [InlineData("u_scalar.npy")]
    [InlineData("u_1d.npy")]
    [InlineData("f8_scalar.npy")]
    [InlineData("i8_scalar.npy")]
    [InlineData("f8_empty_0x3.npy")]
    [InlineData("f8_100x1.npy")]
    public void Writing_what_was_read_reproduces_numpys_bytes_exactly(string name)
    {
        var expected = File.ReadAllBytes(Fixture(name));
        var array = Npy.Read(Fixture(name));
        Assert.Equal(expected, Written(array));
    }

    [Fact]
    public void Float64_fixture_reads_with_its_shape_and_values()
    {
        var a = Npy.Read(Fixture("f8_2x3.npy"));
        Assert.Equal(NpyDType.Float64, a.DType);
        Assert.Equal([2, 3], a.Shape);
        Assert.Equal(new[] { 0.5, -1.25, 3.0, 1e-300, -0.0, 2.0 / 3.0 }, (double[])a.Data);
    }

    [Fact]
    public void Float32_int_and_bool_fixtures_read_their_values()
    {
        Assert.Equal(new[] { 1.5f, -2.25f, 3.1415927f, 1e-3f }, (float[])Npy.Read(Fixture("f4_4.npy")).Data);
        var i8 = Npy.Read(Fixture("i8_2x2x2.npy"));
        Assert.Equal([2, 2, 2], i8.Shape);
        Assert.Equal(new long[] { -4, -3, -2, -1, 0, 1, 2, 3 }, (long[])i8.Data);
        Assert.Equal(new[] { -1, 0, int.MaxValue }, (int[])Npy.Read(Fixture("i4_3.npy")).Data);
        Assert.Equal(new[] { true, false, false, true }, (bool[])Npy.Read(Fixture("b1_2x2.npy")).Data);
        Assert.Equal(42L, Npy.Read(Fixture("i8_scalar.npy")).ToInt64Scalar());
    }

    [Fact]
    public void Unicode_fixtures_read_as_strings_including_non_ascii()
    {
        var scalar = Npy.Read(Fixture("u_scalar.npy"));
        Assert.Empty(scalar.Shape);
        Assert.Equal("spring", scalar.ToStringScalar());
        Assert.Equal(new[] { "a", "h\u00e9llo", "\u00df\u2211" }, (string[])Npy.Read(Fixture("u_1d.npy")).Data);
    }

    [Fact]
    public void Scalar_and_empty_fixtures_read_with_numpy_shapes()
    {
        var dt = Npy.Read(Fixture("f8_scalar.npy"));
        Assert.Empty(dt.Shape);
        Assert.Equal(0.001, dt.ToDoubleScalar());
        var empty = Npy.Read(Fixture("f8_empty_0x3.npy"));
        Assert.Equal([0, 3], empty.Shape);
        Assert.Equal(0, empty.Length);
    }

    [Fact]
    public void Fortran_order_fixture_is_returned_in_c_order()
    {
        var a = Npy.Read(Fixture("f8_fortran_2x3.npy"));
        Assert.Equal([2, 3], a.Shape);
        Assert.Equal(new[] { 1.0, 2, 3, 4, 5, 6 }, (double[])a.Data);
    }

    [Fact]
    public void Big_endian_fixtures_read_their_values()
    {
        Assert.Equal(new[] { 1.5, -2.0, 3.25 }, (double[])Npy.Read(Fixture("f8_big_3.npy")).Data);
        Assert.Equal(new[] { -7, 65536 }, (int[])Npy.Read(Fixture("i4_big_2.npy")).Data);
    }

    [Fact]
    public void Compressed_npz_written_by_occam_reads_back_the_same_arrays()
    {
        var arrays = Npz.Read(Fixture("sample_compressed.npz"));
        var path = Path.Combine(Path.GetTempPath(), $"occam-npzc-{Guid.NewGuid():N}.npz");
        try
        {
            Npz.Write(path, arrays, compressed: true);
            var back = Npz.Read(path);
            Assert.Equal(arrays.Keys, back.Keys);
            foreach (var (name, array) in arrays)
            {
                Assert.Equal(array.Shape, back[name].Shape);
                Assert.Equal(array.Data.Cast<object>(), back[name].Data.Cast<object>());
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("sample.npz")]
    [InlineData("sample_compressed.npz")]
    public void Npz_fixture_reads_every_member(string name)
    {
        var arrays = Npz.Read(Fixture(name));
        Assert.Equal(["positions", "masses", "dt", "system", "seed"], arrays.Keys);
        var positions = arrays["positions"];
        Assert.Equal([2, 3, 4, 2], positions.Shape);
        var expected = Enumerable.Range(0, 48).Select(i => (i - 20) / 16.0).ToArray();
        Assert.Equal(expected, (double[])positions.Data);
        Assert.Equal(new[] { 1.0, 2.0, 0.5, 4.0, 0.25, 1.5, 3.0, 1.0 }, (double[])arrays["masses"].Data);
        Assert.Equal(0.01, arrays["dt"].ToDoubleScalar());
        Assert.Equal("spring", arrays["system"].ToStringScalar());
        Assert.Equal(7L, arrays["seed"].ToInt64Scalar());
    }

    [Fact]
    public void Npz_written_by_occam_has_member_bytes_identical_to_numpys()
    {
        var arrays = Npz.Read(Fixture("sample.npz"));
        var path = Path.Combine(Path.GetTempPath(), $"occam-npz-{Guid.NewGuid():N}.npz");
        try
        {
            Npz.Write(path, arrays);
            using var ours = ZipFile.OpenRead(path);
            using var theirs = ZipFile.OpenRead(Fixture("sample.npz"));
            Assert.Equal(theirs.Entries.Select(e => e.FullName), ours.Entries.Select(e => e.FullName));
            foreach (var entry in theirs.Entries)
                Assert.Equal(ReadAll(entry), ReadAll(ours.GetEntry(entry.FullName)!));
            Assert.Equal((double[])arrays["positions"].Data, (double[])Npz.Read(path)["positions"].Data);
        }
        finally
        {
            File.Delete(path);
        }
    }

    static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    [Fact]
    public void Every_dtype_round_trips_through_a_file()
    {
        var arrays = new NpyArray[]
        {
            NpyArray.FromDoubles([1.0, double.NaN, double.NegativeInfinity, -0.0, double.Epsilon, 6], 3, 2),
            NpyArray.FromSingles([1f, -2.5f], 2),
            NpyArray.FromInt64s([long.MinValue, long.MaxValue, 0], 1, 3),
            NpyArray.FromInt32s([int.MinValue, 7], 2, 1),
            NpyArray.FromBools([true, true, false]),
            NpyArray.FromStrings(["", "r2", "\U0001F600x"], 3),
            NpyArray.Scalar("damped"),
        };
        var path = Path.Combine(Path.GetTempPath(), $"occam-npy-{Guid.NewGuid():N}.npy");
        try
        {
            foreach (var array in arrays)
            {
                Npy.Write(path, array);
                var back = Npy.Read(path);
                Assert.Equal(array.DType, back.DType);
                Assert.Equal(array.Shape, back.Shape);
                Assert.Equal(array.Data.Cast<object>(), back.Data.Cast<object>());
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Truncated_file_raises_invalid_data_naming_the_file()
    {
        var bytes = File.ReadAllBytes(Fixture("f8_2x3.npy"));
        var path = Path.Combine(Path.GetTempPath(), $"occam-trunc-{Guid.NewGuid():N}.npy");
        try
        {
            File.WriteAllBytes(path, bytes[..^5]);
            var e = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("ends early", e.Message);
            File.WriteAllBytes(path, "not numpy at all"u8.ToArray());
            Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => Npy.Read(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Shape_that_does_not_match_the_data_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => NpyArray.FromDoubles([1, 2, 3], 2, 2));
        Assert.Throws<ArgumentException>(() => NpyArray.FromDoubles([1, 2], -1, -2));
    }

    [Fact]
    public void Writing_into_a_missing_folder_fails_and_leaves_nothing()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"occam-missing-{Guid.NewGuid():N}");
        Assert.ThrowsAny<IOException>(() => Npy.Write(Path.Combine(folder, "a.npy"), NpyArray.Scalar(1.0)));
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void A_failing_write_leaves_neither_the_target_nor_a_temporary_file()
    {
        var folder = Directory.CreateTempSubdirectory("occam-atomic-").FullName;
        try
        {
            var target = Path.Combine(folder, "out.npz");
            Assert.Throws<InvalidOperationException>(() =>
                AtomicFile.Write(target, s => { s.WriteByte(1); throw new InvalidOperationException("boom"); }));
            Assert.Empty(Directory.GetFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
