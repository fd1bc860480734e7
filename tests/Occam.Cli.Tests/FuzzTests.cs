using System.Security.Cryptography;
using Occam.Fuzzing;
using Occam.Physics.IO;
using static Occam.Fuzzing.FuzzInputs;

namespace Occam.Cli.Tests;

/// <summary>
/// Fuzzing the <c>occam</c> command in-process (docs/errors.md): damaged data files and random option values. Every run
/// exits 0, 1 or 2; a failure is one error line; no exception other than the documented ones escapes; no input changes,
/// and a failed run changes no file at all.
/// </summary>
public sealed class FuzzTests
{
    static Dictionary<string, string> Snapshot(string folder) => Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
        .ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>Runs occam on the arguments and checks the error contract; <paramref name="outputs"/> may change on success.</summary>
    static void Check(string folder, string[] args, params string?[] outputs)
    {
        var before = Snapshot(folder);
        var (code, output, error) = CliRunner.Run(args);
        Assert.True(code is 0 or 1 or 2, $"exit code {code}: {error}");
        var after = Snapshot(folder);
        if (code == 0)
        {
            foreach (var path in outputs) if (path is not null) { before.Remove(Path.GetFullPath(path)); after.Remove(Path.GetFullPath(path)); }
            foreach (var (file, hash) in before) Assert.True(after.TryGetValue(file, out var now) && now == hash, $"{file} changed");
            return;
        }
        var lines = CliRunner.Lines(error);
        Assert.Single(lines, l => l.StartsWith("occam: error: ", StringComparison.Ordinal));
        Assert.StartsWith("occam: error: ", lines[^1]);
        Fuzz.AssertOneLine(lines[^1]);
        Assert.Equal(before, after);
    }

    const string Csv = "x,z,y\n0,1,1\n0.5,1.5,1.75\n1,2,3\n1.5,2.5,4.75\n2,3,7\n2.5,3.5,9.75\n";

    /// <summary>A data file for regress: a CSV, .npy, .npz or HDF5 table (an HDF5 file with a path inside it), intact or
    /// damaged, or a path that is not a file.</summary>
    static string DataFile(Random rng, string folder)
    {
        switch (rng.Next(9))
        {
            case 7:
            case 8:
            {
                var path = Path.Combine(folder, "t.h5");
                Hdf5.Write(path, [new("x", NpyArray.FromDoubles([0, 1, 2, 3], 4)), new("z", NpyArray.FromInt32s([1, 2, 3, 4], 4)),
                    new("y", NpyArray.FromDoubles([1, 2, 5, 10], 4)), new("m", NpyArray.FromDoubles([0, 1, 1, 1, 2, 3, 2, 3, 7, 3, 4, 13], 4, 3))]);
                if (rng.Next(2) == 0) File.WriteAllBytes(path, MutateBytes(rng, File.ReadAllBytes(path)));
                return path + Pick(rng, ["", ":/", ":/m", ":/x", ":/nope", ":/m/x", ":", ":/x/"]);
            }
            case 0:
            {
                var path = Path.Combine(folder, "t.npy");
                var stream = new MemoryStream();
                Npy.Write(stream, NpyArray.FromDoubles([0, 1, 1, 1, 2, 3, 2, 3, 7, 3, 4, 13], 4, 3));
                File.WriteAllBytes(path, rng.Next(2) == 0 ? MutateBytes(rng, stream.ToArray()) : stream.ToArray());
                return path;
            }
            case 1:
            {
                var path = Path.Combine(folder, "t.npz");
                Npz.Write(path, [new("x", NpyArray.FromDoubles([0, 1, 2, 3], 4)), new("y", NpyArray.FromDoubles([1, 2, 5, 10], 4))]);
                if (rng.Next(2) == 0) File.WriteAllBytes(path, MutateBytes(rng, File.ReadAllBytes(path)));
                return path;
            }
            case 2: return Path.Combine(folder, "missing.csv");
            case 3: return folder;
            default:
            {
                var path = Path.Combine(folder, "t.csv");
                File.WriteAllText(path, rng.Next(3) == 0 ? Csv : MutateText(rng, Csv));
                return path;
            }
        }
    }

    static readonly string[] Operators = ["+,-,*,/", "+", "*", "sin", "+,sin,exp", "^,log", "frob", "", ",,,", "+,+", "greater,cond,step", "neg,inv,sqrt"];
    static readonly string[] Targets = ["y", "y", "y", "x", "c2", "nope", "", "y,z"];

    [Fact]
    public void Fuzzed_regress_runs_exit_0_1_or_2_with_one_error_line_and_inputs_unchanged() => Fuzz.Run(60, rng =>
    {
        var folder = Directory.CreateTempSubdirectory("occam-fuzz-cli-").FullName;
        var data = DataFile(rng, folder);
        var json = rng.Next(6) switch
        {
            0 => null,
            1 => data,
            2 => folder,
            3 => Path.Combine(folder, "no-such-folder", "r.json"),
            _ => Path.Combine(folder, "r.json"),
        };
        var args = new List<string> { "regress", data, "--target", Pick(rng, Targets), "-q" };
        if (json is not null) args.AddRange(["--json", json]);
        // One option with a fuzzed value; the budgets stay small otherwise, so every case ends quickly.
        string fuzzed = Pick(rng, ["--max-size", "--threads", "--max-evals", "--loss-threshold", "--time-limit", "--populations", "--seed", "--operators", "--inputs", "--loss"]);
        string value = fuzzed switch
        {
            "--operators" => Pick(rng, Operators),
            "--inputs" => Pick(rng, ["x", "z", "x,z", "q", "", "y", "x,x"]),
            "--loss" => Pick(rng, ["l1", "l2", "huber", "L2", "", "nope"]),
            _ => Value(rng),
        };
        args.AddRange([fuzzed, value]);
        if (fuzzed != "--time-limit") args.AddRange(["--time-limit", "0.5"]);
        if (fuzzed != "--max-evals") args.AddRange(["--max-evals", "300"]);
        if (fuzzed != "--threads") args.AddRange(["--threads", "1"]);
        if (fuzzed is not "--populations" and not "--time-limit") args.AddRange(["--populations", "2"]);
        return (string.Join(" ", args.Select(a => $"[{a}]")), () =>
        {
            try
            {
                Check(folder, [.. args], json);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        });
    });

    [Fact]
    public void Fuzzed_simulate_runs_exit_0_1_or_2_with_one_error_line_and_nothing_lost() => Fuzz.Run(150, rng =>
    {
        var folder = Directory.CreateTempSubdirectory("occam-fuzz-cli-").FullName;
        var earlier = Path.Combine(folder, "earlier.npz");
        File.WriteAllText(earlier, "an earlier output");
        var output = rng.Next(8) switch
        {
            0 => earlier,
            1 => folder,
            2 => Path.Combine(folder, "o.csv"),
            3 => Path.Combine(folder, "no-such-folder", "o.npz"),
            4 => Path.Combine(folder, "npy-folder"),
            5 => Path.Combine(folder, "o.h5"),
            _ => Path.Combine(folder, "o.npz"),
        };
        var settings = new Dictionary<string, string> { ["--sims"] = "2", ["--steps"] = "4", ["--bodies"] = "3", ["--threads"] = "1", ["--out"] = output };
        if (output.EndsWith("npy-folder", StringComparison.Ordinal)) settings["--format"] = "npy";
        for (int k = rng.Next(1, 3); k > 0; k--)
        {
            string option = Pick(rng, ["--sims", "--steps", "--bodies", "--dim", "--dt", "--seed", "--tolerance", "--threads", "--format", "--potential", "--potential"]);
            settings[option] = option switch
            {
                "--potential" => rng.Next(8) == 0 ? "" : Expression(rng),
                "--format" => Pick(rng, ["npz", "npy", "csv", "h5", ""]),
                // the cost grows as bodies²: a valid large count is honest long work, not what this looks for
                "--bodies" => Pick(rng, ["-2147483648", "-1", "0", "1", "2", "7", "50", "2147483647", "abc", "", "1e308"]),
                _ => Value(rng),
            };
        }
        var args = new List<string> { "simulate" };
        if (rng.Next(6) == 0) args.Add(Pick(rng, ["spring", "r2", "custom", "--frob", "SPRING", "nope", "-x"]));
        foreach (var (option, value) in settings) args.AddRange([option, value]);
        return (string.Join(" ", args.Select(a => $"[{a}]")), () =>
        {
            try
            {
                Check(folder, [.. args], output, Path.Combine(output, "positions.npy"), Path.Combine(output, "velocities.npy"),
                    Path.Combine(output, "accelerations.npy"), Path.Combine(output, "masses.npy"), Path.Combine(output, "charges.npy"));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        });
    });
}
