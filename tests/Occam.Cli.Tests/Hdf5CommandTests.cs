using System.Text.Json;
using Occam.Discovery;
using Occam.Physics;
using Occam.Physics.IO;
using static Occam.Cli.Tests.CliRunner;

namespace Occam.Cli.Tests;

/// <summary>
/// The commands on HDF5 files: <c>simulate --out x.h5</c>, <c>train --data x.h5</c>, <c>regress file.h5:/table</c>, and
/// their one-line errors. The h5py-written fixture is tests/Occam.Physics.Tests/Fixtures/hdf5/h5py_tables.h5.
/// </summary>
public sealed class Hdf5CommandTests
{
    static readonly string H5pyTables = Path.Combine(AppContext.BaseDirectory, "Fixtures", "hdf5", "h5py_tables.h5");

    /// <summary>A table y = x·z + 1 on 30 rows, as a group of columns at /fit and as a 2-D dataset /grid (x, z, y).</summary>
    static string WriteTable(TempDir dir)
    {
        var path = dir.File("t.h5");
        var x = Enumerable.Range(0, 30).Select(i => 0.25 * i - 3).ToArray();
        var z = Enumerable.Range(0, 30).Select(i => Math.Sin(i)).ToArray();
        var y = x.Zip(z, (a, b) => a * b + 1).ToArray();
        var grid = Enumerable.Range(0, 30).SelectMany(i => new[] { x[i], z[i], y[i] }).ToArray();
        Hdf5.Write(path, [new("x", NpyArray.FromDoubles(x)), new("z", NpyArray.FromDoubles(z)), new("y", NpyArray.FromDoubles(y)),
            new("grid", NpyArray.FromDoubles(grid, 30, 3)), new("cube", NpyArray.FromDoubles(new double[8], 2, 2, 2))]);
        return path;
    }

    static double BestLoss(string json)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        return doc.RootElement.GetProperty("best").GetProperty("loss").GetDouble();
    }

    [Theory]
    [InlineData("", "y", "x,z")]       // the root group: its 1-D datasets are the columns
    [InlineData(":/", "y", "x,z")]
    [InlineData(":/grid", "c2", "c0,c1")] // a 2-D dataset without a columns attribute
    public void Regress_finds_the_law_in_an_hdf5_table(string inner, string target, string inputs)
    {
        using var dir = new TempDir();
        var data = WriteTable(dir) + inner;
        var json = dir.File("r.json");

        var (code, output, error) = Run("regress", data, "--target", target, "--inputs", inputs, "--operators", "+,*",
            "--max-evals", "200000", "--loss-threshold", "1e-20", "--threads", "1", "--seed", "3", "--json", json, "-q");

        Assert.True(code == 0, error);
        Assert.Contains($"best: {target} = ", output);
        Assert.True(BestLoss(json) <= 1e-20, $"best loss {BestLoss(json)}");
    }

    [Fact]
    public void Regress_reads_an_h5py_written_gzip_table_with_named_columns()
    {
        // /gz holds p, q, r with r = p + 2/7 exactly (see hdf5_fixtures.py)
        using var dir = new TempDir();
        var json = dir.File("r.json");

        var (code, output, error) = Run("regress", H5pyTables + ":/gz", "--target", "r", "--inputs", "p", "--operators", "+,*",
            "--max-evals", "100000", "--loss-threshold", "1e-24", "--threads", "1", "--json", json, "-q");

        Assert.True(code == 0, error);
        Assert.Contains("best: r = ", output);
        Assert.True(BestLoss(json) <= 1e-24, $"best loss {BestLoss(json)}");
    }

    [Theory]
    [InlineData(":/nope", "y", "t.h5:/nope: no 'nope' in group '/' (it holds: x, z, y, grid, cube)")]
    [InlineData(":/grid/nope", "y", "t.h5:/grid/nope: '/grid' is a dataset, not a group")]
    [InlineData(":/cube", "y", "t.h5:/cube: has shape (2, 2, 2)")]
    [InlineData(":/x", "y", "t.h5:/x: has shape (30,)")]
    [InlineData("", "w", "t.h5: no column 'w' (columns: x, z, y)")]
    [InlineData(":/grid", "y", "t.h5:/grid: no column 'y' (columns: c0, c1, c2)")]
    public void Regress_on_a_bad_hdf5_path_prints_one_line_naming_the_file_and_path_and_exits_1(string inner, string target, string expected)
    {
        using var dir = new TempDir();
        var data = WriteTable(dir) + inner;
        var json = dir.File("r.json");

        var (code, _, error) = Run("regress", data, "--target", target, "--json", json, "-q");

        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.StartsWith("occam: error: ", error);
        Assert.Contains(expected, error);
        Assert.False(File.Exists(json));
    }

    [Theory]
    [InlineData(":/nan", "y", "h5py_tables.h5:/nan: row 1: target 'y' is NaN")]
    [InlineData(":/strings", "y", "h5py_tables.h5:/strings: has shape (3,)")]
    [InlineData(":/lzf", "y", "h5py_tables.h5:/lzf: cannot read the dataset (Could not find filter 'lzf'")]
    [InlineData(":/table/x/y", "y", "h5py_tables.h5:/table/x/y: '/table/x' is a dataset")]
    public void Regress_on_bad_h5py_data_prints_one_line_and_exits_1(string inner, string target, string expected)
    {
        var (code, _, error) = Run("regress", H5pyTables + inner, "--target", target, "-q");

        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Regress_on_a_missing_or_non_hdf5_file_prints_one_line_and_exits_1()
    {
        using var dir = new TempDir();
        var (code, _, error) = Run("regress", dir.File("none.h5") + ":/t", "--target", "y", "-q");
        Assert.Equal(1, code);
        Assert.Contains("none.h5: file not found", error);

        var text = dir.File("text.h5");
        File.WriteAllText(text, "x,y\n1,2\n");
        (code, _, error) = Run("regress", text + ":/t", "--target", "y", "-q");
        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains("text.h5:/t: cannot open the file: it is not HDF5", error);
    }

    [Fact]
    public void A_json_output_onto_the_hdf5_input_file_is_refused_and_the_file_kept()
    {
        using var dir = new TempDir();
        var data = WriteTable(dir);
        var before = File.ReadAllBytes(data);

        var (code, _, error) = Run("regress", data + ":/", "--target", "y", "--json", data, "-q");

        Assert.Equal(1, code);
        Assert.Contains("would overwrite the input", error);
        Assert.Equal(before, File.ReadAllBytes(data));
    }

    [Fact]
    public void Simulate_to_h5_gives_the_same_arrays_as_to_npz_and_train_reads_it_like_the_npz()
    {
        using var dir = new TempDir();
        string h5 = dir.File("x.h5"), npz = dir.File("x.npz");
        string[] settings = ["simulate", "r2", "--sims", "4", "--steps", "12", "--bodies", "3", "--dim", "3", "--seed", "5", "--threads", "1"];
        Assert.Equal(0, Run([.. settings, "--out", h5]).Code);
        Assert.Equal(0, Run([.. settings, "--out", npz]).Code);

        // what train --data reads (DatasetFile.Load) from each file
        var fromH5 = DatasetFile.Load(h5);
        var fromNpz = DatasetFile.Load(npz);
        Assert.Equal(fromNpz.Positions, fromH5.Positions);
        Assert.Equal(fromNpz.Velocities, fromH5.Velocities);
        Assert.Equal(fromNpz.Accelerations, fromH5.Accelerations);
        Assert.Equal(fromNpz.Masses, fromH5.Masses);
        Assert.Equal(fromNpz.Charges, fromH5.Charges);
        Assert.Equal((fromNpz.System, fromNpz.Dt, fromNpz.Seed, fromNpz.Tolerance), (fromH5.System, fromH5.Dt, fromH5.Seed, fromH5.Tolerance));

        // and training on either gives the same model
        var trainH5 = Run("train", "--data", h5, "--system", "r2", "--steps", "2", "--model", dir.File("m-h5"), "--threads", "1");
        var trainNpz = Run("train", "--data", npz, "--system", "r2", "--steps", "2", "--model", dir.File("m-npz"), "--threads", "1");
        Assert.True(trainH5.Code == 0, trainH5.Err);
        Assert.True(trainNpz.Code == 0, trainNpz.Err);
        static string FinalLoss(string output) => System.Text.RegularExpressions.Regex.Match(output, @"final loss (\S+);").Groups[1].Value;
        Assert.NotEqual("", FinalLoss(trainH5.Out));
        Assert.Equal(FinalLoss(trainNpz.Out), FinalLoss(trainH5.Out));
    }

    [Fact]
    public void Train_on_a_missing_hdf5_group_prints_one_line_naming_it()
    {
        using var dir = new TempDir();
        var h5 = dir.File("x.h5");
        Assert.Equal(0, Run("simulate", "--sims", "2", "--steps", "4", "--bodies", "3", "--out", h5).Code);

        var (code, _, error) = Run("train", "--data", h5 + ":/run7", "--steps", "2", "--model", dir.File("m"), "--threads", "1");

        Assert.Equal(1, code);
        Assert.Single(Lines(error));
        Assert.Contains("x.h5:/run7: no 'run7' in group '/'", error);
        Assert.False(Directory.Exists(dir.File("m")) && Directory.EnumerateFileSystemEntries(dir.File("m")).Any());
    }
}
