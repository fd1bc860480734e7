using System.IO.Compression;

namespace Occam.Physics.IO;

/// <summary>
/// Reads and writes numpy's <c>.npz</c> format: a zip archive with one <c>&lt;name&gt;.npy</c> member per
/// array, as <c>numpy.savez</c> (stored) or <c>numpy.savez_compressed</c> (deflated) write it.
/// </summary>
public static class Npz
{
    /// <summary>The timestamp written on every member (the zip epoch), so equal arrays give byte-identical files.</summary>
    static readonly DateTimeOffset FixedTimestamp = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Reads every array of a <c>.npz</c> file, keyed by name (without the <c>.npy</c> suffix), in archive order.</summary>
    /// <exception cref="InvalidDataException">The file is not a zip of <c>.npy</c> members; the message names the file and member.</exception>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        using var stream = File.OpenRead(path);
        try
        {
            return Read(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads every array of a <c>.npz</c> archive from a stream.</summary>
    public static IReadOnlyDictionary<string, NpyArray> Read(Stream stream)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Not a .npz file (not a zip archive: {e.Message}).", e);
        }
        using (zip)
        {
            var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/')) continue;
                var name = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                using var member = entry.Open();
                try
                {
                    result[name] = Npy.Read(member);
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"member {entry.FullName}: {e.Message}", e);
                }
            }
            return result;
        }
    }

    /// <summary>
    /// Writes arrays as a <c>.npz</c> file (members stored uncompressed like <c>numpy.savez</c>, or deflated
    /// like <c>numpy.savez_compressed</c>), through a temporary file renamed over the target.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, NpyArray>> arrays, bool compressed = false)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        var list = arrays.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, array) in list)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('/') || name.Contains('\\'))
                throw new ArgumentException($"Array name '{name}' is not a valid .npz member name.", nameof(arrays));
            if (!seen.Add(name)) throw new ArgumentException($"Array name '{name}' appears twice.", nameof(arrays));
            ArgumentNullException.ThrowIfNull(array, name);
        }
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, array) in list)
            {
                var entry = zip.CreateEntry(name + ".npy", compressed ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                entry.LastWriteTime = FixedTimestamp; // same arrays ⇒ same bytes
                using var member = entry.Open();
                Npy.Write(member, array);
            }
        });
    }
}
