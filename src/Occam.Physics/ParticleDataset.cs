using System.Globalization;
using System.Text;
using Occam.Physics.IO;
using Occam.Symbolic.IO;

namespace Occam.Physics;

/// <summary>How a <see cref="ParticleDataset"/> is stored.</summary>
public enum DatasetFormat
{
    /// <summary>One <c>.npz</c> file (numpy.load reads it).</summary>
    Npz,
    /// <summary>A folder with one <c>.npy</c> file per array.</summary>
    Npy,
    /// <summary>One CSV file, one row per (simulation, step, body), settings in a leading <c>#</c> comment line.</summary>
    Csv,
    /// <summary>One HDF5 file (h5py reads it): the arrays as datasets of the root group, the scalars (<c>dt</c>,
    /// <c>system</c>, the settings) as attributes of the root group.</summary>
    Hdf5,
}

/// <summary>
/// Simulated trajectories: <see cref="Positions"/>, <see cref="Velocities"/> and <see cref="Accelerations"/>
/// are flat C-order arrays of shape (sims, steps, bodies, dim); <see cref="Masses"/> and <see cref="Charges"/>
/// have shape (sims, bodies). Frame t of a simulation is the state at time t·<see cref="Dt"/>; accelerations
/// are exact from the law at the recorded states.
/// </summary>
public sealed class ParticleDataset
{
    ParticleSystem? _law;

    /// <summary>Creates a dataset from a system and arrays of the documented shapes.</summary>
    public ParticleDataset(ParticleSystem system, int sims, int steps, int bodies, int dim, double dt, long seed, double tolerance,
        double[] positions, double[] velocities, double[] accelerations, double[] masses, double[] charges)
        : this(system.Name, system.Expression, sims, steps, bodies, dim, dt, seed, tolerance, system.Softening, system.Damping,
            positions, velocities, accelerations, masses, charges)
    {
        _law = system;
    }

    ParticleDataset(string system, string? potential, int sims, int steps, int bodies, int dim, double dt, long seed, double tolerance,
        double softening, double damping,
        double[] positions, double[] velocities, double[] accelerations, double[] masses, double[] charges)
    {
        if (sims < 0 || steps < 0 || bodies < 0 || dim < 1)
            throw new ArgumentException($"Invalid dataset shape ({sims}, {steps}, {bodies}, {dim}).");
        long frames = (long)sims * steps * bodies * dim;
        Check(positions, frames, "positions");
        Check(velocities, frames, "velocities");
        Check(accelerations, frames, "accelerations");
        Check(masses, (long)sims * bodies, "masses");
        Check(charges, (long)sims * bodies, "charges");
        System = system;
        Potential = string.IsNullOrEmpty(potential) ? null : potential;
        Sims = sims;
        Steps = steps;
        Bodies = bodies;
        Dim = dim;
        Dt = dt;
        Seed = seed;
        Tolerance = tolerance;
        Softening = softening;
        Damping = damping;
        Positions = positions;
        Velocities = velocities;
        Accelerations = accelerations;
        Masses = masses;
        Charges = charges;
    }

    static void Check(double[] array, long expected, string name)
    {
        ArgumentNullException.ThrowIfNull(array, name);
        if (array.Length != expected)
            throw new ArgumentException($"Array '{name}' has {array.Length} values; its shape needs {expected}.", name);
    }

    /// <summary>The system's name (spring, r1, r2, charge, damped, discontinuous, custom).</summary>
    public string System { get; }

    /// <summary>The custom potential's expression; null for built-in systems.</summary>
    public string? Potential { get; }

    /// <summary>Number of simulations.</summary>
    public int Sims { get; }

    /// <summary>Recorded frames per simulation.</summary>
    public int Steps { get; }

    /// <summary>Bodies per simulation.</summary>
    public int Bodies { get; }

    /// <summary>Spatial dimension.</summary>
    public int Dim { get; }

    /// <summary>Time between recorded frames.</summary>
    public double Dt { get; }

    /// <summary>The seed the data was generated with.</summary>
    public long Seed { get; }

    /// <summary>The integrator's error tolerance.</summary>
    public double Tolerance { get; }

    /// <summary>The softening length (0.01).</summary>
    public double Softening { get; }

    /// <summary>The damping constant b (0 except for damped).</summary>
    public double Damping { get; }

    /// <summary>Positions, (sims, steps, bodies, dim), C order.</summary>
    public double[] Positions { get; }

    /// <summary>Velocities, (sims, steps, bodies, dim), C order.</summary>
    public double[] Velocities { get; }

    /// <summary>Exact accelerations from the law at the recorded states, (sims, steps, bodies, dim).</summary>
    public double[] Accelerations { get; }

    /// <summary>Masses, (sims, bodies).</summary>
    public double[] Masses { get; }

    /// <summary>Charges ±1, (sims, bodies); used only by systems whose potential depends on charge.</summary>
    public double[] Charges { get; }

    /// <summary>The particle system the data came from (rebuilt from name and expression after loading).</summary>
    public ParticleSystem Law => _law ??= ParticleSystem.FromName(System, Potential);

    /// <summary>The flat index of (sim, step, body, axis) into the per-frame arrays.</summary>
    public int Index(int sim, int step, int body, int axis) => ((sim * Steps + step) * Bodies + body) * Dim + axis;

    /// <summary>The <c>bodies × dim</c> slice of one frame of a per-frame array.</summary>
    public ReadOnlySpan<double> Frame(double[] array, int sim, int step) =>
        array.AsSpan(Index(sim, step, 0, 0), Bodies * Dim);

    /// <summary>The total energy of one recorded state.</summary>
    public double Energy(int sim, int step) =>
        Law.TotalEnergy(Frame(Positions, sim, step), Frame(Velocities, sim, step),
            Masses.AsSpan(sim * Bodies, Bodies), Charges.AsSpan(sim * Bodies, Bodies), Dim);

    /// <summary>
    /// The true pair forces of one recorded state on the given edges: row e (length <see cref="Dim"/>) is the force
    /// on body <c>receivers[e]</c> due to body <c>senders[e]</c>, flat (edges × dim). For a system without damping,
    /// the forces on a receiver summed over all senders equal its mass times its recorded acceleration.
    /// </summary>
    public double[] PairForces(int sim, int step, ReadOnlySpan<int> senders, ReadOnlySpan<int> receivers)
    {
        if ((uint)sim >= (uint)Sims || (uint)step >= (uint)Steps)
            throw new ArgumentOutOfRangeException(nameof(sim), $"(sim {sim}, step {step}) is outside ({Sims}, {Steps}).");
        if (senders.Length != receivers.Length)
            throw new ArgumentException($"{senders.Length} senders but {receivers.Length} receivers.", nameof(receivers));
        var law = Law;
        var x = Frame(Positions, sim, step);
        var m = Masses.AsSpan(sim * Bodies, Bodies);
        var q = Charges.AsSpan(sim * Bodies, Bodies);
        var result = new double[senders.Length * Dim];
        Span<double> delta = stackalloc double[Dim];
        for (int e = 0; e < senders.Length; e++)
        {
            int s = senders[e], r = receivers[e];
            if ((uint)s >= (uint)Bodies || (uint)r >= (uint)Bodies)
                throw new ArgumentOutOfRangeException(nameof(senders), $"Edge {e} ({s} → {r}) names a body outside 0..{Bodies - 1}.");
            for (int k = 0; k < Dim; k++) delta[k] = x[r * Dim + k] - x[s * Dim + k];
            law.PairForce(delta, m[r], m[s], q[r], q[s], result.AsSpan(e * Dim, Dim));
        }
        return result;
    }

    /// <summary>The arrays as stored in <c>.npz</c>/<c>.npy</c>: data, <c>dt</c>, <c>system</c> and the settings.</summary>
    public IReadOnlyList<KeyValuePair<string, NpyArray>> ToArrays() =>
    [
        new("positions", NpyArray.FromDoubles(Positions, Sims, Steps, Bodies, Dim)),
        new("velocities", NpyArray.FromDoubles(Velocities, Sims, Steps, Bodies, Dim)),
        new("accelerations", NpyArray.FromDoubles(Accelerations, Sims, Steps, Bodies, Dim)),
        new("masses", NpyArray.FromDoubles(Masses, Sims, Bodies)),
        new("charges", NpyArray.FromDoubles(Charges, Sims, Bodies)),
        new("dt", NpyArray.Scalar(Dt)),
        new("system", NpyArray.Scalar(System)),
        new("potential", NpyArray.Scalar(Potential ?? "")),
        new("sims", NpyArray.Scalar((long)Sims)),
        new("steps", NpyArray.Scalar((long)Steps)),
        new("bodies", NpyArray.Scalar((long)Bodies)),
        new("dim", NpyArray.Scalar((long)Dim)),
        new("seed", NpyArray.Scalar(Seed)),
        new("tolerance", NpyArray.Scalar(Tolerance)),
        new("softening", NpyArray.Scalar(Softening)),
        new("damping", NpyArray.Scalar(Damping)),
        new("integrator", NpyArray.Scalar("dopri5")),
    ];

    /// <summary>Builds a dataset from arrays named as <see cref="ToArrays"/> names them.</summary>
    /// <exception cref="InvalidDataException">An array is missing or has the wrong shape; the message names it.</exception>
    public static ParticleDataset FromArrays(IReadOnlyDictionary<string, NpyArray> arrays, string source = "dataset")
    {
        ArgumentNullException.ThrowIfNull(arrays);
        NpyArray Get(string name) => arrays.TryGetValue(name, out var a) ? a
            : throw new InvalidDataException($"{source}: the array '{name}' is missing.");
        var positions = Get("positions");
        if (positions.Rank != 4)
            throw new InvalidDataException($"{source}: 'positions' has shape {positions.ShapeText}, expected (sims, steps, bodies, dim).");
        int sims = positions.Shape[0], steps = positions.Shape[1], bodies = positions.Shape[2], dim = positions.Shape[3];
        double[] Data(string name, params int[] shape)
        {
            var a = Get(name);
            if (!a.Shape.SequenceEqual(shape))
                throw new InvalidDataException($"{source}: '{name}' has shape {a.ShapeText}, expected ({string.Join(", ", shape)}).");
            try
            {
                return a.ToDoubles();
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{source}: '{name}': {e.Message}", e);
            }
        }
        string Text(string name, string fallback) => arrays.TryGetValue(name, out var a) ? a.ToStringScalar() : fallback;
        double Number(string name, double fallback) => arrays.TryGetValue(name, out var a) ? a.ToDoubleScalar() : fallback;
        try
        {
            return new ParticleDataset(Text("system", "unknown"), Text("potential", ""), sims, steps, bodies, dim,
                Get("dt").ToDoubleScalar(), arrays.TryGetValue("seed", out var seed) ? seed.ToInt64Scalar() : 0,
                Number("tolerance", double.NaN), Number("softening", ParticleSystem.DefaultSoftening), Number("damping", 0),
                Data("positions", sims, steps, bodies, dim), Data("velocities", sims, steps, bodies, dim),
                Data("accelerations", sims, steps, bodies, dim), Data("masses", sims, bodies), Data("charges", sims, bodies));
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>Saves the dataset; the format follows <paramref name="format"/>, or the extension (<c>.csv</c> → CSV,
    /// <c>.h5</c>/<c>.hdf5</c> → HDF5, else npz).</summary>
    /// <remarks>Nothing partial is left behind: files are written to a temporary name and renamed.</remarks>
    public void Save(string path, DatasetFormat? format = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        switch (format ?? FormatOf(path))
        {
            case DatasetFormat.Npz:
                Npz.Write(path, ToArrays());
                break;
            case DatasetFormat.Npy:
                SaveNpyFolder(path);
                break;
            case DatasetFormat.Csv:
                SaveCsv(path);
                break;
            case DatasetFormat.Hdf5:
                var arrays = ToArrays();
                Hdf5.Write(path, arrays.Where(a => a.Value.Rank > 0), arrays.Where(a => a.Value.Rank == 0));
                break;
        }
    }

    /// <summary>
    /// Loads a dataset saved by <see cref="Save"/>: a <c>.npz</c> file, a folder of <c>.npy</c> files, a CSV file, or an
    /// HDF5 file (<c>data.h5</c>, or <c>data.h5:/group</c> for a data set stored in a group). In HDF5 each scalar may be an
    /// attribute of the group or a scalar dataset in it.
    /// </summary>
    public static ParticleDataset Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
        {
            var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(path, "*.npy"))
                arrays[Path.GetFileNameWithoutExtension(file)] = Npy.Read(file);
            return FromArrays(arrays, path);
        }
        if (Hdf5Location.TryParse(path, out var location))
            return FromArrays(Hdf5.ReadGroup(location, StoredNames.Contains), location.ToString());
        if (!File.Exists(path)) throw new FileNotFoundException($"Dataset {path} does not exist.", path);
        return FormatOf(path) == DatasetFormat.Csv ? LoadCsv(path) : FromArrays(Npz.Read(path), path);
    }

    /// <summary>The names of the arrays <see cref="ToArrays"/> stores (an HDF5 group may hold others; they are not read).</summary>
    static readonly HashSet<string> StoredNames =
    [
        "positions", "velocities", "accelerations", "masses", "charges", "dt", "system", "potential",
        "sims", "steps", "bodies", "dim", "seed", "tolerance", "softening", "damping", "integrator",
    ];

    /// <summary>The format implied by a path's extension: <c>.csv</c> → CSV, <c>.h5</c>/<c>.hdf5</c> → HDF5, otherwise npz.</summary>
    public static DatasetFormat FormatOf(string path) =>
        Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase) ? DatasetFormat.Csv
            : Hdf5Location.IsHdf5File(path) ? DatasetFormat.Hdf5
            : DatasetFormat.Npz;

    void SaveNpyFolder(string path) => AtomicFile.WriteFolder(path, temp =>
    {
        foreach (var (name, array) in ToArrays())
        {
            using var stream = new FileStream(Path.Combine(temp, name + ".npy"), FileMode.CreateNew, FileAccess.Write);
            Npy.Write(stream, array);
        }
    });

    string[] CsvColumns()
    {
        string[] axes = ["x", "y", "z"];
        var columns = new List<string> { "sim", "step", "time", "body", "mass", "charge" };
        foreach (var prefix in new[] { "", "v", "a" })
            for (int k = 0; k < Dim; k++) columns.Add(prefix + axes[k]);
        return columns.ToArray();
    }

    string SettingsComment()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("# occam particle dataset:");
        sb.Append(c, $" system={System} sims={Sims} steps={Steps} bodies={Bodies} dim={Dim}");
        sb.Append(c, $" dt={Dt:R} seed={Seed} tolerance={Tolerance:R} softening={Softening:R} damping={Damping:R}");
        if (Potential is not null) sb.Append(" potential=").Append(Potential.Replace(' ', '\u00A0'));
        return sb.ToString();
    }

    void SaveCsv(string path)
    {
        var columns = CsvColumns();
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            writer.Write(SettingsComment());
            writer.Write('\n');
            writer.Write(string.Join(',', columns));
            writer.Write('\n');
            var c = CultureInfo.InvariantCulture;
            for (int s = 0; s < Sims; s++)
            for (int t = 0; t < Steps; t++)
            for (int b = 0; b < Bodies; b++)
            {
                writer.Write(s.ToString(c));
                writer.Write(',');
                writer.Write(t.ToString(c));
                writer.Write(',');
                writer.Write((t * Dt).ToString("R", c));
                writer.Write(',');
                writer.Write(b.ToString(c));
                writer.Write(',');
                writer.Write(Masses[s * Bodies + b].ToString("R", c));
                writer.Write(',');
                writer.Write(Charges[s * Bodies + b].ToString("R", c));
                int i = Index(s, t, b, 0);
                foreach (var array in new[] { Positions, Velocities, Accelerations })
                    for (int k = 0; k < Dim; k++)
                    {
                        writer.Write(',');
                        writer.Write(array[i + k].ToString("R", c));
                    }
                writer.Write('\n');
            }
        });
    }

    static ParticleDataset LoadCsv(string path)
    {
        string? first;
        using (var reader = new StreamReader(path))
            first = reader.ReadLine();
        if (first is null || !first.StartsWith("# occam particle dataset:", StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: the first line is not the '# occam particle dataset:' settings comment.");
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in first["# occam particle dataset:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq > 0) settings[part[..eq]] = part[(eq + 1)..].Replace('\u00A0', ' ');
        }
        var c = CultureInfo.InvariantCulture;
        string Setting(string key) => settings.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"{path}: the settings comment has no '{key}'.");
        int Int(string key) => int.TryParse(Setting(key), NumberStyles.Integer, c, out int v) && v >= 0 ? v
            : throw new InvalidDataException($"{path}: setting '{key}' is not a non-negative integer.");
        double Real(string key) => double.TryParse(Setting(key), NumberStyles.Float, c, out double v) ? v
            : throw new InvalidDataException($"{path}: setting '{key}' is not a number.");
        int sims = Int("sims"), steps = Int("steps"), bodies = Int("bodies"), dim = Int("dim");
        if (dim is < 1 or > 3) throw new InvalidDataException($"{path}: dim {dim} is not 1, 2 or 3.");
        var table = Csv.Read(path);
        long rows = (long)sims * steps * bodies;
        if (table.Rows != rows)
            throw new InvalidDataException($"{path}: {table.Rows} rows but the settings need {rows}.");
        int width = table.Columns.Count;
        if (width != 6 + 3 * dim) throw new InvalidDataException($"{path}: {width} columns, expected {6 + 3 * dim}.");
        var x = new double[rows * dim];
        var v = new double[x.Length];
        var a = new double[x.Length];
        var m = new double[sims * bodies];
        var q = new double[m.Length];
        for (int r = 0; r < rows; r++)
        {
            int s = (int)table[r, 0], t = (int)table[r, 1], b = (int)table[r, 3];
            if (s < 0 || s >= sims || t < 0 || t >= steps || b < 0 || b >= bodies)
                throw new InvalidDataException($"{path}: data row {r + 1} has an out-of-range sim/step/body index.");
            int i = ((s * steps + t) * bodies + b) * dim;
            m[s * bodies + b] = table[r, 4];
            q[s * bodies + b] = table[r, 5];
            for (int k = 0; k < dim; k++)
            {
                x[i + k] = table[r, 6 + k];
                v[i + k] = table[r, 6 + dim + k];
                a[i + k] = table[r, 6 + 2 * dim + k];
            }
        }
        long seed = long.TryParse(Setting("seed"), NumberStyles.Integer, c, out long sd) ? sd
            : throw new InvalidDataException($"{path}: setting 'seed' is not an integer.");
        return new ParticleDataset(Setting("system"), settings.GetValueOrDefault("potential"), sims, steps, bodies, dim,
            Real("dt"), seed, Real("tolerance"), Real("softening"), Real("damping"), x, v, a, m, q);
    }
}
