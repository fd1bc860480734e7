using System.IO.Compression;

using Occam.Symbolic.IO;

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
                using var member = new Crc32Stream(entry.Open());
                try
                {
                    result[name] = Npy.Read(member, entry.Length);
                    member.CopyTo(Stream.Null); // the rest, so that the checksum covers the whole member
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"member {entry.FullName}: {e.Message}", e);
                }
                if (member.Crc != entry.Crc32)
                    throw new InvalidDataException(
                        $"member {entry.FullName}: CRC-32 mismatch (stored {entry.Crc32:x8}, data {member.Crc:x8}); the file is corrupt.");
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

/// <summary>A read-only pass-through stream that computes the zip CRC-32 of what is read through it.</summary>
internal sealed class Crc32Stream(Stream inner) : Stream
{
    static readonly uint[] Table = BuildTable();
    uint crc = 0xFFFFFFFF;

    /// <summary>The CRC-32 of the bytes read so far.</summary>
    public uint Crc => ~crc;

    static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        foreach (byte b in buffer[..n]) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
