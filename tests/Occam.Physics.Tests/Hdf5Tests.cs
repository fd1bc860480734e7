using System.Diagnostics;
using Occam.Physics.Halos;
using Occam.Physics.IO;

namespace Occam.Physics.Tests;

/// <summary>
/// HDF5 against h5py, both ways: the fixtures in Fixtures/hdf5 were written by h5py (hdf5_fixtures.py make) and must read
/// as the known values stated here; files Occam writes are read by h5py (hdf5_fixtures.py check), which compares them with
/// the same values stated in Python. Floats: relative 1e-15 (they are in fact bit-exact); integers and strings: exact.
/// </summary>
public sealed class Hdf5Tests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("occam-hdf5-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "hdf5", name);

    static readonly string Tables = Fixture("h5py_tables.h5");
    static readonly string Particles = Fixture("h5py_particles.h5");

    static Hdf5Location At(string file, string path) => new(file, path);

    static void Close(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double relative = 1e-15)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i] == actual[i] || Math.Abs(expected[i] - actual[i]) <= relative * Math.Abs(expected[i]),
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    static double[] Column(IReadOnlyList<KeyValuePair<string, double[]>> columns, string name) =>
        columns.Single(c => c.Key == name).Value;

    // ------------------------------------------------------------------------------------------------ locations

    [Theory]
    [InlineData("data.h5", "data.h5", "/")]
    [InlineData("data.H5:/group/table", "data.H5", "/group/table")]
    [InlineData("dir/run.hdf5:sims", "dir/run.hdf5", "/sims")]
    [InlineData("a:b.h5:/x//y/", "a:b.h5", "/x/y")]
    [InlineData("/abs/data.h5:/", "/abs/data.h5", "/")]
    public void A_location_splits_into_the_file_and_the_path_inside_it(string spec, string file, string path)
    {
        Assert.True(Hdf5Location.TryParse(spec, out var location));
        Assert.Equal(file, location.File);
        Assert.Equal(path, location.ObjectPath);
    }

    [Theory]
    [InlineData("data.npz")]
    [InlineData("table.csv")]
    [InlineData("folder")]
    [InlineData("data.h5x")]
    [InlineData("")]
    public void Paths_of_other_formats_are_not_hdf5_locations(string spec) =>
        Assert.False(Hdf5Location.TryParse(spec, out _));

    // ------------------------------------------------------------------------------------------------ h5py → Occam

    [Fact]
    public void An_h5py_group_of_columns_reads_every_numeric_type_with_its_values()
    {
        var columns = Hdf5.ReadColumns(At(Tables, "/table"));

        // h5py lists a group's members alphabetically; strings ('label') and 2-D data ('grid') are not columns
        Assert.Equal(["b", "k", "n", "u", "w", "x", "y"], columns.Select(c => c.Key));
        Close([0.5, -1.25, 3.0, 1e-300, 2.0 / 3.0], Column(columns, "x"));
        Close([1.0, 0.1, -2.5, 1e300, Math.PI], Column(columns, "y"));
        Close([1.5f, -2.25f, 3.1415927f, 1e-3f, 0f], Column(columns, "w")); // float32 values, widened exactly
        Assert.Equal([-1, 0, 2147483647, -2147483648, 7], Column(columns, "n"));
        Assert.Equal([-(double)(1L << 62), 0, 1L << 40, 9, -3], Column(columns, "k"));
        Assert.Equal([0, 1, 255, 128, 2], Column(columns, "u"));
        Assert.Equal([1, 0, 1, 1, 0], Column(columns, "b"));
    }

    [Fact]
    public void H5py_datasets_keep_their_element_types()
    {
        var n = Hdf5.ReadDataset(At(Tables, "/table/n"));
        Assert.Equal(NpyDType.Int32, n.DType);
        Assert.Equal(new[] { -1, 0, int.MaxValue, int.MinValue, 7 }, (int[])n.Data);
        var k = Hdf5.ReadDataset(At(Tables, "/table/k"));
        Assert.Equal(new[] { -(1L << 62), 0, 1L << 40, 9, -3 }, (long[])k.Data);
        var w = Hdf5.ReadDataset(At(Tables, "/table/w"));
        Assert.Equal(new[] { 1.5f, -2.25f, 3.1415927f, 1e-3f, 0f }, (float[])w.Data);
        var grid = Hdf5.ReadDataset(At(Tables, "/table/grid"));
        Assert.Equal([4, 3], grid.Shape);
        Assert.Equal(NpyDType.Float64, grid.DType);
        Assert.Equal(2.5, Hdf5.ReadDataset(At(Tables, "/scalar")).ToDoubleScalar());
        Assert.Equal(0, Hdf5.ReadDataset(At(Tables, "/scalar")).Rank);
    }

    [Fact]
    public void H5py_strings_and_attributes_read_fixed_and_variable_length_unicode_included()
    {
        Assert.Equal(new[] { "h\u00e9llo", "\u00df\u2211", "" }, (string[])Hdf5.ReadDataset(At(Tables, "/strings")).Data);
        Assert.Equal(new[] { "a", "bb", "ccc", "d", "e" }, (string[])Hdf5.ReadDataset(At(Tables, "/table/label")).Data);
        var root = Hdf5.ReadGroup(At(Tables, "/"), name => name is "title" or "fixed" or "version" or "scale");
        Assert.Equal("tables written by h5py", root["title"].ToStringScalar());
        Assert.Equal("fixed-length", root["fixed"].ToStringScalar());
        Assert.Equal(3L, root["version"].ToInt64Scalar());
        Assert.Equal(0.5, root["scale"].ToDoubleScalar());
    }

    [Fact]
    public void A_chunked_gzip_and_shuffle_compressed_2d_table_reads_with_column_names_from_its_attribute()
    {
        var columns = Hdf5.ReadColumns(At(Tables, "/gz"));
        Assert.Equal(["p", "q", "r"], columns.Select(c => c.Key));
        for (int c = 0; c < 3; c++)
            Close(Enumerable.Range(0, 100).Select(r => (r * 3 + c - 150) / 7.0).ToArray(), columns[c].Value);
    }

    [Fact]
    public void A_2d_table_without_a_columns_attribute_has_columns_c0_c1_and_so_on()
    {
        var named = Hdf5.ReadColumns(At(Tables, "/matrix"));
        Assert.Equal(["a", "b", "target"], named.Select(c => c.Key));
        Close([3.0, 6.0, 0.3, -3.0], Column(named, "target"));
        var plain = Hdf5.ReadColumns(At(Tables, "/plain"));
        Assert.Equal(["c0", "c1", "c2"], plain.Select(c => c.Key));
        Close([1.0, 4.0, 0.1, -1.0], Column(plain, "c0"));
    }

    [Fact]
    public void Big_endian_datasets_read_with_their_values()
    {
        Assert.Equal(new[] { 1.5, -2.0, 3.25 }, (double[])Hdf5.ReadDataset(At(Tables, "/bigendian/f8")).Data);
        Assert.Equal(new[] { -7, 65536, 1 }, (int[])Hdf5.ReadDataset(At(Tables, "/bigendian/i4")).Data);
    }

    /// <summary>The fixture's particle arrays, computed here from the formulas in hdf5_fixtures.py.</summary>
    static (double[] X, double[] V, double[] A, double[] M, double[] Q) KnownParticles() =>
        (Enumerable.Range(0, 48).Select(i => (i - 20) / 16.0).ToArray(),
         Enumerable.Range(0, 48).Select(i => Math.Sin(i)).ToArray(),
         Enumerable.Range(0, 48).Select(i => -Math.Cos(i) / 3).ToArray(),
         [1.0, 2.0, 0.5, 4.0, 0.25, 1.5, 3.0, 1.0],
         [1.0, -1.0, 1.0, -1.0, -1.0, -1.0, 1.0, 1.0]);

    static void HasKnownSettings(ParticleDataset d)
    {
        Assert.Equal((2, 3, 4, 2), (d.Sims, d.Steps, d.Bodies, d.Dim));
        Assert.Equal("spring", d.System);
        Assert.Null(d.Potential);
        Assert.Equal(0.01, d.Dt);
        Assert.Equal(7L, d.Seed);
        Assert.Equal(1e-10, d.Tolerance);
        Assert.Equal(0.01, d.Softening);
        Assert.Equal(0.0, d.Damping);
    }

    [Fact]
    public void An_h5py_particle_data_set_with_settings_as_attributes_loads_with_its_values()
    {
        var d = ParticleDataset.Load(Particles);
        HasKnownSettings(d);
        var (x, v, a, m, q) = KnownParticles();
        Close(x, d.Positions);
        Close(v, d.Velocities); // numpy's sin and .NET's may differ in the last bit: hence 1e-15, not equality
        Close(a, d.Accelerations);
        Assert.Equal(m, d.Masses);
        Assert.Equal(q, d.Charges);
    }

    [Fact]
    public void A_particle_data_set_in_a_group_with_scalar_datasets_and_float32_gzip_arrays_loads()
    {
        var d = ParticleDataset.Load(Particles + ":/runs/run1");
        HasKnownSettings(d);
        var (x, v, a, m, _) = KnownParticles();
        static double[] AsFloat32(double[] values) => values.Select(x => (double)(float)x).ToArray();
        Close(AsFloat32(x), d.Positions);
        Close(AsFloat32(v), d.Velocities);
        Close(AsFloat32(a), d.Accelerations);
        Assert.Equal(m, d.Masses);
    }

    [Fact]
    public void An_h5py_halo_catalogue_reads_from_a_group_of_columns_and_from_a_2d_dataset()
    {
        foreach (var spec in new[] { Tables + ":/halos", Tables + ":/halos2d" })
        {
            var c = HaloCatalogueFile.Load(spec);
            Assert.Equal(3, c.Count);
            Close([0.1, 0.4, 0.7, 0.2, 0.5, 0.8, 0.3, 0.6, 0.9], c.Positions);
            Close([1.0, 0.0, 3.0, -1.0, 2.0, 0.25, 0.5, -0.5, 1.5], c.Velocities);
            Close([1e12, 2.5e12, 4e11], c.Mass);
            Close([0.01, -0.2, 1.5], c.Delta);
        }
    }

    // ------------------------------------------------------------------------------------------------ Occam → h5py

    /// <summary>The values hdf5_fixtures.py's OCCAM_WRITTEN expects, stated again here.</summary>
    void WriteKnownFile(string path) => Hdf5.Write(path,
        [
            new("f64", NpyArray.FromDoubles([0.5, -1.25, 3.0, 1e-300, -0.0, 2.0 / 3.0], 2, 3)),
            new("f32", NpyArray.FromSingles([1.5f, -2.25f, 3.1415927f], 3)),
            new("i64", NpyArray.FromInt64s([-(1L << 62), 0, 1L << 40, -3], 2, 2)),
            new("i32", NpyArray.FromInt32s([-1, 0, int.MaxValue], 3)),
            new("flags", NpyArray.FromBools([true, false, true], 3)),
            new("names", NpyArray.FromStrings(["a", "h\u00e9llo", "\u00df\u2211"], 3)),
            new("answer", NpyArray.Scalar(42.5)),
        ],
        [
            new("title", NpyArray.Scalar("Occam \u2713 HDF5")),
            new("count", NpyArray.Scalar(7L)),
            new("dt", NpyArray.Scalar(0.001)),
        ]);

    /// <summary>Runs hdf5_fixtures.py with Debian's python3 (which has h5py from python3-h5py); fails, never skips, without it.</summary>
    static (int Code, string Output) RunH5py(params string[] args)
    {
        const string python = "/usr/bin/python3";
        Assert.True(File.Exists(python), $"{python} is missing; the HDF5 interoperability tests need it with h5py: apt-get install python3-h5py");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Fixture("hdf5_fixtures.py"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove("PYTHONPATH"); // Debian's h5py, not a virtual environment's
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("hdf5_fixtures.py did not finish within 120 s");
        }
        string text = (output.Result + error.Result).Trim();
        Assert.True(process.ExitCode != 3, $"h5py is not installed for {python}: apt-get install python3-h5py ({text})");
        return (process.ExitCode, text);
    }

    [Fact]
    public void A_file_occam_writes_reads_in_h5py_with_the_same_types_and_values()
    {
        var path = Path.Combine(folder, "occam.h5");
        WriteKnownFile(path);
        var (code, output) = RunH5py("check", path);
        Assert.True(code == 0, output);
        Assert.EndsWith("ok", output);
    }

    [Fact]
    public void The_h5py_check_fails_on_a_file_with_one_value_changed()
    {
        // negative control: the check can fail
        var path = Path.Combine(folder, "changed.h5");
        Hdf5.Write(path, [new("f64", NpyArray.FromDoubles([0.5, -1.25, 3.0, 1e-300, 0.0, 2.0 / 3.0], 2, 3))]);
        var (code, output) = RunH5py("check", path);
        Assert.Equal(1, code);
        Assert.Contains("f64", output);
    }

    [Fact]
    public void A_file_occam_writes_reads_back_in_occam_with_the_same_types_and_values()
    {
        var path = Path.Combine(folder, "occam.h5");
        WriteKnownFile(path);
        var root = Hdf5.ReadGroup(new Hdf5Location(path, "/"));
        Assert.Equal(new[] { 0.5, -1.25, 3.0, 1e-300, -0.0, 2.0 / 3.0 }, (double[])root["f64"].Data);
        Assert.True(double.IsNegative(((double[])root["f64"].Data)[4]));
        Assert.Equal([2, 3], root["f64"].Shape);
        Assert.Equal(new[] { 1.5f, -2.25f, 3.1415927f }, (float[])root["f32"].Data);
        Assert.Equal(new[] { -(1L << 62), 0, 1L << 40, -3 }, (long[])root["i64"].Data);
        Assert.Equal(new[] { -1, 0, int.MaxValue }, (int[])root["i32"].Data);
        Assert.Equal(new[] { 1, 0, 1 }, (int[])root["flags"].Data);
        Assert.Equal(new[] { "a", "h\u00e9llo", "\u00df\u2211" }, (string[])root["names"].Data);
        Assert.Equal(42.5, root["answer"].ToDoubleScalar());
        Assert.Equal("Occam \u2713 HDF5", root["title"].ToStringScalar());
        Assert.Equal(7L, root["count"].ToInt64Scalar());
        Assert.Equal(0.001, root["dt"].ToDoubleScalar());
    }

    static ParticleDataset Simulated(string system = "spring") =>
        Simulator.Run(new SimulationOptions { System = ParticleSystem.FromName(system), Sims = 3, Steps = 6, Bodies = 4, Dim = 3, Seed = 11 });

    [Fact]
    public void A_saved_hdf5_particle_data_set_loads_equal_to_the_npz_one_and_h5py_reads_what_numpy_reads()
    {
        var data = Simulated("charge");
        var h5 = Path.Combine(folder, "data.h5");
        var npz = Path.Combine(folder, "data.npz");
        data.Save(h5);
        data.Save(npz);
        var fromH5 = ParticleDataset.Load(h5);
        var fromNpz = ParticleDataset.Load(npz);
        Assert.Equal(fromNpz.Positions, fromH5.Positions);
        Assert.Equal(fromNpz.Velocities, fromH5.Velocities);
        Assert.Equal(fromNpz.Accelerations, fromH5.Accelerations);
        Assert.Equal(fromNpz.Masses, fromH5.Masses);
        Assert.Equal(fromNpz.Charges, fromH5.Charges);
        Assert.Equal((fromNpz.System, fromNpz.Potential, fromNpz.Dt, fromNpz.Seed, fromNpz.Tolerance, fromNpz.Softening, fromNpz.Damping),
            (fromH5.System, fromH5.Potential, fromH5.Dt, fromH5.Seed, fromH5.Tolerance, fromH5.Softening, fromH5.Damping));
        Assert.Equal(data.Positions, fromH5.Positions);

        var (code, output) = RunH5py("check-particles", h5, npz);
        Assert.True(code == 0, output);
    }

    [Fact]
    public void A_custom_potential_survives_the_hdf5_round_trip()
    {
        var data = Simulator.Run(new SimulationOptions { System = ParticleSystem.FromName("custom", "q1*q2*exp(-r)/r"), Sims = 1, Steps = 3, Bodies = 3, Seed = 2 });
        var path = Path.Combine(folder, "custom.h5");
        data.Save(path);
        var back = ParticleDataset.Load(path);
        Assert.Equal("custom", back.System);
        Assert.Equal("q1*q2*exp(-r)/r", back.Potential);
        Assert.Equal(data.Accelerations, back.Accelerations);
    }

    [Fact]
    public void Saving_the_same_data_twice_gives_identical_bytes()
    {
        var data = Simulated();
        var a = Path.Combine(folder, "a.h5");
        var b = Path.Combine(folder, "b.h5");
        data.Save(a);
        data.Save(b, DatasetFormat.Hdf5);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    // ------------------------------------------------------------------------------------------------ bad input

    static InvalidDataException OneLineError(Func<object> read, params string[] expected)
    {
        var e = Assert.Throws<InvalidDataException>(read);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var part in expected) Assert.Contains(part, e.Message);
        return e;
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(folder, "none.h5");
        var e = Assert.Throws<FileNotFoundException>(() => Hdf5.ReadDataset(new Hdf5Location(path, "/x")));
        Assert.Contains(path, e.Message);
        Assert.Throws<FileNotFoundException>(() => ParticleDataset.Load(path + ":/run"));
        Assert.Throws<FileNotFoundException>(() => HaloCatalogueFile.Load(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not an hdf5 file at all, just text\n")]
    [InlineData("\u0089HDF\r\n\u001a\n")] // the signature and nothing after it
    public void A_file_that_is_not_hdf5_gives_one_line_naming_it(string content)
    {
        var path = Path.Combine(folder, "bad.h5");
        File.WriteAllText(path, content, System.Text.Encoding.Latin1);
        OneLineError(() => Hdf5.ReadDataset(new Hdf5Location(path, "/positions")), path);
        OneLineError(() => ParticleDataset.Load(path), path);
    }

    [Theory]
    [InlineData("/table/nope", "h5py_tables.h5:/table/nope", "no 'nope' in group '/table'")]
    [InlineData("/nope/x", "h5py_tables.h5:/nope/x", "no 'nope' in group '/'")]
    [InlineData("/scalar/x", "h5py_tables.h5:/scalar/x", "'/scalar' is a dataset")]
    [InlineData("/table", "h5py_tables.h5:/table", "is a group, not a dataset")]
    [InlineData("/lzf", "h5py_tables.h5:/lzf", "lzf")]
    [InlineData("/compound", "h5py_tables.h5:/compound", "Compound")]
    public void A_dataset_that_cannot_be_read_gives_one_line_naming_the_file_and_the_path(string path, string named, string problem) =>
        OneLineError(() => Hdf5.ReadDataset(At(Tables, path)), named, problem);

    [Theory]
    [InlineData("/table/x", "a table is a 2-D dataset")]
    [InlineData("/strings", "a table is a 2-D dataset")]
    [InlineData("/bigendian/nope", "no 'nope'")]
    [InlineData("/compound", "Compound")]
    public void A_table_that_cannot_be_read_gives_one_line_naming_the_file_and_the_path(string path, string problem) =>
        OneLineError(() => Hdf5.ReadColumns(At(Tables, path)), "h5py_tables.h5:" + path, problem);

    [Fact]
    public void A_particle_data_set_missing_an_array_or_of_the_wrong_shape_or_type_is_named()
    {
        OneLineError(() => ParticleDataset.Load(Tables + ":/table"), "h5py_tables.h5:/table", "'positions' is missing");
        var data = Simulated();
        var arrays = data.ToArrays().ToDictionary(a => a.Key, a => a.Value);
        void Write(string name, NpyArray replacement)
        {
            var path = Path.Combine(folder, $"{name}.h5");
            var changed = new Dictionary<string, NpyArray>(arrays) { [name] = replacement };
            Hdf5.Write(path, changed.Where(a => a.Value.Rank > 0), changed.Where(a => a.Value.Rank == 0));
        }
        Write("velocities", NpyArray.FromDoubles(new double[3 * 6 * 4], 3, 6, 4));
        OneLineError(() => ParticleDataset.Load(Path.Combine(folder, "velocities.h5")), "velocities.h5", "'velocities' has shape (3, 6, 4)");
        Write("masses", NpyArray.FromStrings(Enumerable.Repeat("m", 12).ToArray(), 3, 4));
        OneLineError(() => ParticleDataset.Load(Path.Combine(folder, "masses.h5")), "masses.h5", "'masses'");
        Write("dt", NpyArray.Scalar("0.01"));
        OneLineError(() => ParticleDataset.Load(Path.Combine(folder, "dt.h5")), "dt.h5");
    }

    [Fact]
    public void A_setting_that_is_both_an_attribute_and_a_dataset_is_refused()
    {
        var path = Path.Combine(folder, "both.h5");
        var arrays = Simulated().ToArrays();
        Hdf5.Write(path, arrays.Where(a => a.Value.Rank > 0).Append(new("dt", NpyArray.Scalar(0.5))), arrays.Where(a => a.Value.Rank == 0));
        OneLineError(() => ParticleDataset.Load(path), "both.h5", "'dt' is both an attribute and a dataset");
    }

    [Fact]
    public void A_nan_in_an_hdf5_halo_catalogue_is_refused_naming_the_file_group_and_column()
    {
        var path = Path.Combine(folder, "cat.h5");
        var columns = HaloCatalogueFile.Columns.Select(c => new KeyValuePair<string, NpyArray>(c,
            NpyArray.FromDoubles(c == "vy" ? [1, double.NaN] : [1, 2], 2))).ToList();
        Hdf5.Write(path, columns);
        OneLineError(() => HaloCatalogueFile.Load(path), "cat.h5", "column 'vy', row 1");
        OneLineError(() => HaloCatalogueFile.Load(Tables + ":/table"), "h5py_tables.h5:/table", "missing column 'z'");
    }

    [Fact]
    public void A_shape_larger_than_the_file_can_hold_is_refused_before_allocating()
    {
        // a valid file whose 'x' claims 200 million rows (1.6 GB): its dimension is patched in the dataspace message
        var path = Path.Combine(folder, "huge.h5");
        Hdf5.Write(path, [new("x", NpyArray.FromDoubles(Enumerable.Repeat(1.0, 77777).Select((v, i) => v + i).ToArray(), 77777))]);
        var bytes = File.ReadAllBytes(path);
        var marker = BitConverter.GetBytes(77777UL);
        int at = bytes.AsSpan().IndexOf(marker);
        Assert.True(at > 0, "the dimension was not found in the file");
        BitConverter.GetBytes(200_000_000UL).CopyTo(bytes, at);
        File.WriteAllBytes(path, bytes);
        OneLineError(() => Hdf5.ReadDataset(new Hdf5Location(path, "/x")), "huge.h5:/x", "claims 200000000 elements");
    }

    [Fact]
    public async Task A_damaged_file_whose_structure_loops_gives_one_line_instead_of_reading_for_ever()
    {
        // Fixtures/hdf5/damaged_loop.h5: an Occam-written file with a few bytes damaged (fuzz case 2549 of seed 7); PureHDF
        // given the file directly never returns on it. Read through Occam's bounded stream it ends at once. (The 60 s guard
        // only keeps a regression from hanging the test run.)
        var path = Fixture("damaged_loop.h5");
        var read = Task.Run(() => Assert.Throws<InvalidDataException>(() => Hdf5.ReadDataset(new Hdf5Location(path, "/t"))));
        var error = await read.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("damaged_loop.h5:/t", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_failed_write_leaves_the_existing_file_as_it_was()
    {
        var path = Path.Combine(folder, "keep.h5");
        Hdf5.Write(path, [new("x", NpyArray.FromDoubles([1.0, 2.0]))]);
        var before = File.ReadAllBytes(path);
        Assert.Throws<ArgumentException>(() => Hdf5.Write(path, [new("x", NpyArray.FromDoubles([3.0])), new("x", NpyArray.FromDoubles([4.0]))]));
        Assert.Throws<ArgumentException>(() => Hdf5.Write(path, [new("a/b", NpyArray.FromDoubles([3.0]))]));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(folder));
    }
}
