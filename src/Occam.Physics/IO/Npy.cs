using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

using Occam.Symbolic.IO;

namespace Occam.Physics.IO;

/// <summary>
/// Reads and writes numpy's <c>.npy</c> format. Writing produces format version 1.0, little-endian,
/// C order, with the header laid out exactly as numpy (≥ 1.23) lays it out, so a file written here
/// is byte-identical to <c>numpy.save</c> of the same array. Reading accepts versions 1.0, 2.0 and
/// 3.0, either byte order, and Fortran order (converted to C order).
/// </summary>
public static class Npy
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    const int ArrayAlign = 64;
    const int GrowthAxisMaxDigits = 21;

    /// <summary>Reads a <c>.npy</c> file.</summary>
    /// <exception cref="InvalidDataException">The file is not a supported <c>.npy</c> file; the message names it.</exception>
    public static NpyArray Read(string path)
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

    /// <summary>Reads one <c>.npy</c> array from a stream.</summary>
    public static NpyArray Read(Stream stream) => Read(stream, stream is { CanSeek: true } ? stream.Length - stream.Position : null);

    /// <param name="stream">The array's bytes.</param>
    /// <param name="available">How many bytes the stream holds (null: unknown); a header that promises more is refused
    /// before anything is allocated.</param>
    internal static NpyArray Read(Stream stream, long? available)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(stream, prefix, "the magic string");
        if (!prefix[..6].SequenceEqual(Magic))
            throw new InvalidDataException("Not a .npy file (the magic string \\x93NUMPY is missing).");
        int major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> len = stackalloc byte[2];
            ReadExactly(stream, len, "the header length");
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(len);
        }
        else if (major is 2 or 3)
        {
            Span<byte> len = stackalloc byte[4];
            ReadExactly(stream, len, "the header length");
            uint l = BinaryPrimitives.ReadUInt32LittleEndian(len);
            if (l > 1 << 24) throw new InvalidDataException($"Header length {l} is implausibly large.");
            headerLength = (int)l;
        }
        else
        {
            throw new InvalidDataException($"Unsupported .npy format version {major}.{prefix[7]}.");
        }
        var headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, "the header");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var (descr, fortran, shape) = ParseHeader(header);
        var (dtype, bigEndian, itemSize) = ParseDescr(descr);

        long count = 1;
        foreach (int s in shape)
        {
            if (s != 0 && count > Array.MaxLength / s) throw new InvalidDataException($"Array of shape {Tuple(shape)} is too large.");
            count *= s;
        }
        if (count > Array.MaxLength) throw new InvalidDataException($"Array of {count} elements is too large.");
        long byteCount = count * itemSize;
        long headerBytesRead = 8 + (major == 1 ? 2 : 4) + headerLength;
        if (available is long left && byteCount > left - headerBytesRead)
            throw new InvalidDataException(
                $"The file ends early: the header promises {byteCount} bytes of data (shape {Tuple(shape)}) but only {Math.Max(0, left - headerBytesRead)} follow.");
        if (BitConverter.IsLittleEndian && !bigEndian && dtype is NpyDType.Float64 or NpyDType.Float32 or NpyDType.Int64 or NpyDType.Int32)
        {
            // Read straight into the typed array (no intermediate byte copy, no 2 GB byte-array limit).
            Array typed = dtype switch
            {
                NpyDType.Float64 => new double[count],
                NpyDType.Float32 => new float[count],
                NpyDType.Int64 => new long[count],
                _ => new int[count],
            };
            Span<byte> bytes = typed switch
            {
                double[] d => MemoryMarshal.AsBytes(d.AsSpan()),
                float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
                long[] l => MemoryMarshal.AsBytes(l.AsSpan()),
                _ => MemoryMarshal.AsBytes(((int[])typed).AsSpan()),
            };
            ReadExactly(stream, bytes, "the array data");
            if (fortran && shape.Length > 1) typed = FortranToC(typed, shape);
            return NpyArray.CreateUnchecked(dtype, shape, typed);
        }
        if (byteCount > int.MaxValue) throw new InvalidDataException($"Array of {byteCount} bytes is too large to read.");
        var raw = new byte[byteCount];
        ReadExactly(stream, raw, "the array data");
        Array data = Decode(raw, dtype, bigEndian, itemSize, (int)count);
        if (fortran && shape.Length > 1) data = FortranToC(data, shape);
        return NpyArray.CreateUnchecked(dtype, shape, data);
    }

    /// <summary>Writes a <c>.npy</c> file: to a temporary file beside it, then renamed over the target.</summary>
    public static void Write(string path, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        AtomicFile.Write(path, stream => Write(stream, array));
    }

    /// <summary>Writes one array in <c>.npy</c> format (version 1.0) to a stream.</summary>
    public static void Write(Stream stream, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        var header = new StringBuilder();
        header.Append("{'descr': '").Append(Descr(array, out _)).Append("', 'fortran_order': False, 'shape': ")
            .Append(array.ShapeText).Append(", }");
        if (array.Rank > 0)
            header.Append(' ', Math.Max(0, GrowthAxisMaxDigits - array.Shape[0].ToString(CultureInfo.InvariantCulture).Length));
        int hlen = header.Length + 1;
        int padLength = ArrayAlign - ((Magic.Length + 2 + 2 + hlen) % ArrayAlign);
        int total = hlen + padLength;
        if (total > ushort.MaxValue) throw new ArgumentException($"Array header of {total} bytes is too long for .npy version 1.0.");
        header.Append(' ', padLength).Append('\n');

        stream.Write(Magic);
        stream.WriteByte(1);
        stream.WriteByte(0);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)total);
        stream.Write(len);
        stream.Write(Encoding.Latin1.GetBytes(header.ToString()));
        if (BitConverter.IsLittleEndian && array.Data is double[] or float[] or long[] or int[])
        {
            // Little-endian host: the memory is already the file's byte layout; stream it without a copy.
            switch (array.Data)
            {
                case double[] d: stream.Write(MemoryMarshal.AsBytes(d.AsSpan())); break;
                case float[] f: stream.Write(MemoryMarshal.AsBytes(f.AsSpan())); break;
                case long[] l: stream.Write(MemoryMarshal.AsBytes(l.AsSpan())); break;
                case int[] i: stream.Write(MemoryMarshal.AsBytes(i.AsSpan())); break;
            }
            return;
        }
        stream.Write(Encode(array));
    }

    /// <summary>The numpy dtype descriptor for an array, e.g. <c>&lt;f8</c> or <c>&lt;U6</c>.</summary>
    internal static string Descr(NpyArray array, out int itemSize)
    {
        switch (array.DType)
        {
            case NpyDType.Float64: itemSize = 8; return "<f8";
            case NpyDType.Float32: itemSize = 4; return "<f4";
            case NpyDType.Int64: itemSize = 8; return "<i8";
            case NpyDType.Int32: itemSize = 4; return "<i4";
            case NpyDType.Bool: itemSize = 1; return "|b1";
            case NpyDType.Unicode:
                int width = 1;
                foreach (var s in (string[])array.Data) width = Math.Max(width, CodePoints(s).Count);
                itemSize = 4 * width;
                return "<U" + width.ToString(CultureInfo.InvariantCulture);
            default: throw new ArgumentOutOfRangeException(nameof(array), array.DType, "Unknown dtype.");
        }
    }

    static byte[] Encode(NpyArray array)
    {
        Descr(array, out int itemSize);
        var bytes = new byte[(long)array.Length * itemSize];
        switch (array.Data)
        {
            case double[] d:
                for (int i = 0; i < d.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), d[i]);
                break;
            case float[] f:
                for (int i = 0; i < f.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), f[i]);
                break;
            case long[] l:
                for (int i = 0; i < l.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), l[i]);
                break;
            case int[] n:
                for (int i = 0; i < n.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), n[i]);
                break;
            case bool[] b:
                for (int i = 0; i < b.Length; i++) bytes[i] = b[i] ? (byte)1 : (byte)0;
                break;
            case string[] s:
                for (int i = 0; i < s.Length; i++)
                {
                    int k = 0;
                    foreach (int cp in CodePoints(s[i]))
                        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * itemSize + 4 * k++), cp);
                }
                break;
        }
        return bytes;
    }

    static Array Decode(byte[] raw, NpyDType dtype, bool bigEndian, int itemSize, int count)
    {
        switch (dtype)
        {
            case NpyDType.Float64:
            {
                var d = new double[count];
                for (int i = 0; i < count; i++)
                    d[i] = bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(raw.AsSpan(8 * i)) : BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(8 * i));
                return d;
            }
            case NpyDType.Float32:
            {
                var f = new float[count];
                for (int i = 0; i < count; i++)
                    f[i] = bigEndian ? BinaryPrimitives.ReadSingleBigEndian(raw.AsSpan(4 * i)) : BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i));
                return f;
            }
            case NpyDType.Int64:
            {
                var l = new long[count];
                for (int i = 0; i < count; i++)
                    l[i] = bigEndian ? BinaryPrimitives.ReadInt64BigEndian(raw.AsSpan(8 * i)) : BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(8 * i));
                return l;
            }
            case NpyDType.Int32:
            {
                var n = new int[count];
                for (int i = 0; i < count; i++)
                    n[i] = bigEndian ? BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(4 * i)) : BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4 * i));
                return n;
            }
            case NpyDType.Bool:
            {
                var b = new bool[count];
                for (int i = 0; i < count; i++) b[i] = raw[i] != 0;
                return b;
            }
            case NpyDType.Unicode:
            {
                var s = new string[count];
                int width = itemSize / 4;
                var sb = new StringBuilder();
                for (int i = 0; i < count; i++)
                {
                    sb.Clear();
                    for (int k = 0; k < width; k++)
                    {
                        var span = raw.AsSpan(i * itemSize + 4 * k, 4);
                        int cp = bigEndian ? BinaryPrimitives.ReadInt32BigEndian(span) : BinaryPrimitives.ReadInt32LittleEndian(span);
                        if (cp == 0) break;
                        if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                            throw new InvalidDataException($"Invalid code point {cp} in string element {i}.");
                        sb.Append(char.ConvertFromUtf32(cp));
                    }
                    s[i] = sb.ToString();
                }
                return s;
            }
            default:
                throw new InvalidDataException($"Unsupported dtype {dtype}.");
        }
    }

    static Array FortranToC(Array data, int[] shape)
    {
        var result = Array.CreateInstance(data.GetType().GetElementType()!, data.Length);
        int rank = shape.Length;
        var index = new int[rank];
        for (int c = 0; c < data.Length; c++)
        {
            // c walks C order; compute the Fortran offset of the same multi-index.
            int f = 0, stride = 1;
            for (int k = 0; k < rank; k++)
            {
                f += index[k] * stride;
                stride *= shape[k];
            }
            result.SetValue(data.GetValue(f), c);
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < shape[k]) break;
                index[k] = 0;
            }
        }
        return result;
    }

    static string Tuple(int[] shape) => $"({string.Join(", ", shape)})";

    static (string Descr, bool Fortran, int[] Shape) ParseHeader(string header)
    {
        string descr = QuotedValue(header, "descr")
            ?? throw new InvalidDataException($"The header has no 'descr' entry: {MessageText.Excerpt(header.Trim(), 120)}");
        int f = KeyValueStart(header, "fortran_order");
        if (f < 0) throw new InvalidDataException($"The header has no 'fortran_order' entry: {MessageText.Excerpt(header.Trim(), 120)}");
        bool fortran = header.AsSpan(f).TrimStart().StartsWith("True", StringComparison.Ordinal);
        int s = KeyValueStart(header, "shape");
        if (s < 0) throw new InvalidDataException($"The header has no 'shape' entry: {MessageText.Excerpt(header.Trim(), 120)}");
        int open = header.IndexOf('(', s);
        int close = open < 0 ? -1 : header.IndexOf(')', open);
        if (open < 0 || close < 0) throw new InvalidDataException($"The header's shape is not a tuple: {MessageText.Excerpt(header.Trim(), 120)}");
        var parts = header[(open + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            var p = parts[i].TrimEnd('L');
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
                throw new InvalidDataException($"The header's shape entry '{MessageText.Excerpt(parts[i])}' is not a non-negative integer.");
        }
        return (descr, fortran, shape);
    }

    static int KeyValueStart(string header, string key)
    {
        foreach (char q in "'\"")
        {
            int k = header.IndexOf($"{q}{key}{q}", StringComparison.Ordinal);
            if (k < 0) continue;
            int colon = header.IndexOf(':', k + key.Length + 2);
            return colon < 0 ? -1 : colon + 1;
        }
        return -1;
    }

    static string? QuotedValue(string header, string key)
    {
        int v = KeyValueStart(header, key);
        if (v < 0) return null;
        while (v < header.Length && char.IsWhiteSpace(header[v])) v++;
        if (v >= header.Length || (header[v] != '\'' && header[v] != '"')) return null;
        char q = header[v];
        int end = header.IndexOf(q, v + 1);
        return end < 0 ? null : header[(v + 1)..end];
    }

    static (NpyDType DType, bool BigEndian, int ItemSize) ParseDescr(string descr)
    {
        if (descr.Length < 2) throw new InvalidDataException($"Unsupported dtype '{MessageText.Excerpt(descr)}'.");
        char order = descr[0];
        string body = descr;
        bool big = false;
        if (order is '<' or '>' or '|' or '=')
        {
            body = descr[1..];
            big = order == '>';
        }
        switch (body)
        {
            case "f8": return (NpyDType.Float64, big, 8);
            case "f4": return (NpyDType.Float32, big, 4);
            case "i8": return (NpyDType.Int64, big, 8);
            case "i4": return (NpyDType.Int32, big, 4);
            case "b1": case "?": return (NpyDType.Bool, false, 1);
        }
        if (body.StartsWith('U') && int.TryParse(body.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int width) && width is >= 0 and <= 1 << 20)
            return (NpyDType.Unicode, big, 4 * width);
        throw new InvalidDataException(
            $"Unsupported dtype '{MessageText.Excerpt(descr)}' (supported: float64, float32, int64, int32, bool, unicode string).");
    }

    static List<int> CodePoints(string s)
    {
        var list = new List<int>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                list.Add(char.ConvertToUtf32(s[i], s[i + 1]));
                i++;
            }
            else
            {
                list.Add(s[i]);
            }
        }
        return list;
    }

    static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"The file ends early, in {what}.");
        }
    }
}
