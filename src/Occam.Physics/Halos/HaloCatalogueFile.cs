using Occam.Physics.IO;

namespace Occam.Physics.Halos;

/// <summary>
/// Reads and writes halo catalogues with the columns <c>x, y, z, vx, vy, vz, M, delta</c>:
/// <list type="bullet">
/// <item><c>.csv</c>: a header naming (at least) those columns in any order (<c>m</c> and <c>δ</c> are accepted too);</item>
/// <item><c>.npy</c>: a 2-D array <c>[N, 8]</c> with the columns in that order;</item>
/// <item><c>.npz</c>: one 1-D array per column, named as above;</item>
/// <item><c>.h5</c>/<c>.hdf5</c>, optionally with the object inside the file (<c>cat.h5:/halos</c>): a group of 1-D
/// datasets named as above, or a 2-D dataset <c>[N, 8]</c> whose <c>columns</c> attribute names its columns (without it,
/// the columns are in the order above); see <see cref="Hdf5.ReadColumns"/>.</item>
/// </list>
/// Malformed files raise <see cref="InvalidDataException"/> (the CSV reader's too) with a
/// one-line message naming the file and the column and row at fault.
/// </summary>
public static class HaloCatalogueFile
{
    /// <summary>The column order of the <c>.npy</c> layout.</summary>
    public static readonly IReadOnlyList<string> Columns = ["x", "y", "z", "vx", "vy", "vz", "M", "delta"];

    static readonly Dictionary<string, string[]> Aliases = new()
    {
        ["M"] = ["M", "m", "mass"],
        ["delta"] = ["delta", "δ", "Delta"],
    };

    /// <summary>Reads a catalogue from <c>.csv</c>, <c>.npy</c>, <c>.npz</c> or HDF5 (<c>cat.h5</c> or <c>cat.h5:/group</c>).</summary>
    public static HaloCatalogue Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        bool hdf5 = Hdf5Location.TryParse(path, out var location);
        var file = hdf5 ? location.File : path;
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: no such halo catalogue file.", file);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        var columns = hdf5 ? FromHdf5(location) : ext switch
        {
            ".csv" => FromCsv(path),
            ".npy" => FromNpy(path),
            ".npz" => FromNpz(path),
            _ => throw new InvalidDataException($"{path}: unknown halo catalogue format '{ext}' (use .csv, .npy, .npz or .h5)."),
        };
        int n = columns[0].Length;
        if (n == 0) throw new InvalidDataException($"{path}: the catalogue has no rows.");
        for (int c = 0; c < Columns.Count; c++)
        {
            if (columns[c].Length != n)
                throw new InvalidDataException($"{path}: column '{Columns[c]}' has {columns[c].Length} rows but column 'x' has {n}.");
            for (int r = 0; r < n; r++)
                if (!double.IsFinite(columns[c][r]))
                    throw new InvalidDataException($"{path}: column '{Columns[c]}', row {r}: value {columns[c][r]} is not finite.");
        }
        for (int r = 0; r < n; r++)
            if (!(columns[6][r] > 0)) throw new InvalidDataException($"{path}: column 'M', row {r}: mass {columns[6][r]} must be positive.");
        var pos = new double[3 * n];
        var vel = new double[3 * n];
        for (int r = 0; r < n; r++)
            for (int a = 0; a < 3; a++) { pos[3 * r + a] = columns[a][r]; vel[3 * r + a] = columns[3 + a][r]; }
        return new HaloCatalogue(pos, vel, columns[6], columns[7], path);
    }

    static double[][] FromCsv(string path)
    {
        var table = Csv.Read(path);
        return Columns.Select(c => table.Column(Find(path, table.Columns, c))).ToArray();
    }

    static string Find(string path, IEnumerable<string> available, string column)
    {
        var names = Aliases.TryGetValue(column, out var a) ? a : [column];
        foreach (var name in names)
            if (available.Contains(name)) return name;
        throw new InvalidDataException($"{path}: missing column '{column}' (found: {string.Join(", ", available)}).");
    }

    static double[][] FromNpy(string path)
    {
        var array = Npy.Read(path);
        if (array.Rank != 2 || array.Shape[1] != Columns.Count)
            throw new InvalidDataException($"{path}: expected a 2-D array [N, {Columns.Count}] with columns {string.Join(", ", Columns)}; got shape ({string.Join(", ", array.Shape)}).");
        double[] data;
        try { data = array.ToDoubles(); }
        catch (Exception e) when (e is InvalidDataException or InvalidCastException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: the array's type {array.DType} is not numeric.", e);
        }
        int n = array.Shape[0], w = Columns.Count;
        var columns = new double[w][];
        for (int c = 0; c < w; c++)
        {
            columns[c] = new double[n];
            for (int r = 0; r < n; r++) columns[c][r] = data[r * w + c];
        }
        return columns;
    }

    static double[][] FromNpz(string path)
    {
        var arrays = Npz.Read(path);
        var result = new double[Columns.Count][];
        for (int c = 0; c < Columns.Count; c++)
        {
            var name = Find(path, arrays.Keys, Columns[c]);
            var array = arrays[name];
            if (array.Rank != 1)
                throw new InvalidDataException($"{path}: column '{Columns[c]}' must be a 1-D array; got shape ({string.Join(", ", array.Shape)}).");
            try { result[c] = array.ToDoubles(); }
            catch (Exception e) when (e is InvalidDataException or InvalidCastException or NotSupportedException)
            {
                throw new InvalidDataException($"{path}: column '{Columns[c]}' has non-numeric type {array.DType}.", e);
            }
        }
        return result;
    }

    static double[][] FromHdf5(Hdf5Location location)
    {
        var table = Hdf5.ReadColumns(location, Columns);
        var byName = table.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        return Columns.Select(c => byName[Find(location.ToString(), byName.Keys, c)]).ToArray();
    }

    /// <summary>Writes a catalogue as <c>.csv</c>, <c>.npy</c> or HDF5 (<c>.h5</c>/<c>.hdf5</c>: one 1-D float64 dataset per
    /// column at the root group), by extension, atomically.</summary>
    public static void Save(HaloCatalogue catalogue, string path)
    {
        ArgumentNullException.ThrowIfNull(catalogue);
        int n = catalogue.Count, w = Columns.Count;
        var values = new double[n * w];
        for (int r = 0; r < n; r++)
        {
            for (int a = 0; a < 3; a++)
            {
                values[r * w + a] = catalogue.Positions[3 * r + a];
                values[r * w + 3 + a] = catalogue.Velocities[3 * r + a];
            }
            values[r * w + 6] = catalogue.Mass[r];
            values[r * w + 7] = catalogue.Delta[r];
        }
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".csv": Csv.Write(path, new CsvTable(Columns.ToArray(), values)); break;
            case ".npy": Npy.Write(path, NpyArray.FromDoubles(values, n, w)); break;
            case ".h5" or ".hdf5":
                Hdf5.Write(path, Columns.Select((name, c) => new KeyValuePair<string, NpyArray>(name,
                    NpyArray.FromDoubles(Enumerable.Range(0, n).Select(r => values[r * w + c]).ToArray(), n))));
                break;
            default: throw new ArgumentException($"{path}: halo catalogues are written as .csv, .npy or .h5.");
        }
    }
}
