namespace Occam.Physics.IO;

/// <summary>
/// A dataset or group inside an HDF5 file, written <c>file.h5:/group/dataset</c> on the command line: the file (ending in
/// <c>.h5</c> or <c>.hdf5</c>, any case) and, after a colon, the object's path from the root group. A file alone
/// (<c>file.h5</c>) names its root group <c>/</c>.
/// </summary>
/// <param name="File">The file's path, as given.</param>
/// <param name="ObjectPath">The object's absolute path inside the file, starting with <c>/</c> (<c>/</c> is the root group).</param>
public readonly record struct Hdf5Location(string File, string ObjectPath)
{
    /// <summary>The file extensions that mark an HDF5 file.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".h5", ".hdf5"];

    /// <summary>True when <paramref name="path"/> ends in one of the HDF5 <see cref="Extensions"/>.</summary>
    public static bool IsHdf5File(string path) =>
        Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Reads <c>file.h5</c> or <c>file.h5:/path/in/file</c> (the leading <c>/</c> of the inner path may be left out).
    /// Returns false when <paramref name="spec"/> names no HDF5 file (another format, or a folder).
    /// </summary>
    public static bool TryParse(string? spec, out Hdf5Location location)
    {
        location = default;
        if (string.IsNullOrEmpty(spec)) return false;
        if (IsHdf5File(spec))
        {
            location = new Hdf5Location(spec, "/");
            return true;
        }
        // The last "<ext>:" splits the file from the path inside it (a file name may itself hold colons).
        int split = -1;
        foreach (var ext in Extensions)
        {
            int at = spec.LastIndexOf(ext + ":", StringComparison.OrdinalIgnoreCase);
            if (at >= 0) split = Math.Max(split, at + ext.Length);
        }
        if (split < 0) return false;
        location = new Hdf5Location(spec[..split], Normalize(spec[(split + 1)..]));
        return true;
    }

    /// <summary>The path inside the file cleaned up: a leading <c>/</c>, no empty or trailing segments.</summary>
    static string Normalize(string inner) =>
        "/" + string.Join('/', inner.Split('/', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The names of the groups and dataset on the way from the root to the object (empty for the root).</summary>
    public IReadOnlyList<string> Segments => ObjectPath.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The object <paramref name="name"/> inside this group.</summary>
    public Hdf5Location Child(string name) => this with { ObjectPath = ObjectPath.TrimEnd('/') + "/" + name };

    /// <summary><c>file:/path</c>, as messages name the object (the file alone for its root group).</summary>
    public override string ToString() => ObjectPath == "/" ? File : $"{File}:{ObjectPath}";
}
