using System.Buffers.Binary;
using System.IO.Compression;
using Occam.Symbolic.IO;

namespace Occam.Grids.Data;

/// <summary>An array read from an IDX file: its dimensions and its unsigned bytes, row-major.</summary>
/// <param name="Dimensions">Sizes of the dimensions, outermost first.</param>
/// <param name="Data">The values.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Data);

/// <summary>
/// Reads IDX files (LeCun's MNIST format, also Fashion-MNIST's): a big-endian header <c>0 0 type rank</c>, one
/// 32-bit big-endian size per dimension, then the values. Unsigned-byte data (type 0x08) only, which is what the
/// MNIST-style image and label files hold. A file that starts with the gzip magic is decompressed on the fly.
/// </summary>
public static class IdxFile
{
    /// <summary>Reads the IDX file at <paramref name="path"/> (plain or gzip-compressed).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The header is not IDX, the type is not unsigned byte, or the file is short.</exception>
    public static IdxArray Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        int got = file.Read(magic);
        file.Position = 0;
        using Stream stream = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
        return Read(stream, path);
    }

    /// <summary>Reads an IDX array from <paramref name="stream"/>; <paramref name="name"/> names it in messages.</summary>
    public static IdxArray Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = new byte[4];
        ReadExactly(stream, header, name, "header");
        if (header[0] != 0 || header[1] != 0) throw new InvalidDataException($"{name}: not an IDX file (first bytes {header[0]:x2} {header[1]:x2}, expected 00 00).");
        if (header[2] != 0x08) throw new InvalidDataException($"{name}: IDX data type 0x{header[2]:x2} is not supported (only 0x08, unsigned byte).");
        int rank = header[3];
        if (rank < 1) throw new InvalidDataException($"{name}: IDX rank is 0.");
        var sizes = new byte[4 * rank];
        ReadExactly(stream, sizes, name, "dimension sizes");
        var dimensions = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(sizes.AsSpan(4 * d));
            if (dimensions[d] < 0) throw new InvalidDataException($"{name}: dimension {d} has negative size {dimensions[d]}.");
            count *= dimensions[d];
        }
        if (count > Array.MaxLength) throw new InvalidDataException($"{name}: {count} values are too many for one array.");
        var data = new byte[count];
        ReadExactly(stream, data, name, "values");
        return new IdxArray(dimensions, data);
    }

    /// <summary>Writes unsigned-byte data as an (uncompressed) IDX file, atomically (<see cref="AtomicFile"/>).</summary>
    public static void Write(string path, int[] dimensions, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(data);
        if (dimensions.Aggregate(1L, (a, b) => a * b) != data.LongLength) throw new ArgumentException("IDX: the dimensions do not match the data length.");
        AtomicFile.Write(path, file =>
        {
            file.Write([0, 0, 0x08, (byte)dimensions.Length]);
            Span<byte> size = stackalloc byte[4];
            foreach (var d in dimensions)
            {
                BinaryPrimitives.WriteInt32BigEndian(size, d);
                file.Write(size);
            }
            file.Write(data);
        });
    }

    /// <summary>
    /// Reads an MNIST-style pair of image (<c>[N, H, W]</c>) and label (<c>[N]</c>) files; pixels are scaled to [0, 1].
    /// </summary>
    public static ImageSet ReadImages(string imagesPath, string labelsPath, IReadOnlyList<string> classNames, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        var images = Read(imagesPath);
        var labels = Read(labelsPath);
        if (images.Dimensions.Length != 3) throw new InvalidDataException($"{imagesPath}: images need 3 dimensions [N, H, W]; got {images.Dimensions.Length}.");
        if (labels.Dimensions.Length != 1) throw new InvalidDataException($"{labelsPath}: labels need 1 dimension [N]; got {labels.Dimensions.Length}.");
        if (labels.Dimensions[0] != images.Dimensions[0])
            throw new InvalidDataException($"{labelsPath}: {labels.Dimensions[0]} labels for {images.Dimensions[0]} images in {imagesPath}.");
        var pixels = new float[images.Data.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Data[i] / 255f;
        var classes = new int[labels.Data.Length];
        for (int i = 0; i < classes.Length; i++)
        {
            classes[i] = labels.Data[i];
            if (classes[i] >= classNames.Count) throw new InvalidDataException($"{labelsPath}: label {classes[i]} of image {i} is outside 0–{classNames.Count - 1}.");
        }
        return new ImageSet(images.Dimensions[1], images.Dimensions[2], pixels, classes, classNames, source ?? imagesPath);
    }

    static void ReadExactly(Stream stream, byte[] buffer, string name, string what)
    {
        int offset = 0;
        while (offset < buffer.Length)
        {
            int n = stream.Read(buffer, offset, buffer.Length - offset);
            if (n == 0) throw new InvalidDataException($"{name}: file ends inside the {what} ({offset} of {buffer.Length} bytes).");
            offset += n;
        }
    }
}
