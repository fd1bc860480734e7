using System.Runtime.InteropServices;
using Occam.Symbolic.IO;
using PureHDF;
using PureHDF.VOL.Native;

namespace Occam.Physics.IO;

/// <summary>
/// Reads and writes HDF5 files (through PureHDF, pure .NET). Arrays come and go as <see cref="NpyArray"/>s, so HDF5 data
/// flows through the same code as <c>.npy</c>/<c>.npz</c> data.
/// <list type="bullet">
/// <item>Read: datasets and attributes of float64, float32, signed and unsigned integers of 1–8 bytes (returned as int32 or
/// int64), enumerations such as h5py's booleans (as integers), fixed- and variable-length strings; either byte order;
/// contiguous, compact or chunked layout, with the gzip (deflate), shuffle and Fletcher-32 filters.</item>
/// <item>Written: one dataset per array at the root group (float64, float32, int64, int32, booleans as uint8, strings as
/// variable-length UTF-8), scalars as scalar datasets or as attributes of the root group, uncompressed, through
/// <see cref="AtomicFile"/>.</item>
/// </list>
/// Every problem with a file (missing, not HDF5, damaged, no such group or dataset, a type Occam does not read, a
/// dataset that claims more data than the file can hold) raises an exception whose one-line message names the file and
/// the object: <see cref="FileNotFoundException"/> for a missing file, else <see cref="InvalidDataException"/>
/// (<c>data.h5:/sims/positions: …</c>). PureHDF's own
/// exceptions never escape.
/// </summary>
public static class Hdf5
{
    /// <summary>
    /// The most decoded bytes a dataset may claim per byte of file (deflate's largest ratio is about 1032:1). A damaged
    /// shape would otherwise ask for gigabytes before any data is read.
    /// </summary>
    const long MaxExpansion = 1100;

    /// <summary>The attribute of a 2-D table dataset that names its columns (an array of strings, one per column).</summary>
    public const string ColumnsAttribute = "columns";

    /// <summary>Reads the dataset at <paramref name="location"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not HDF5 or damaged, the path names no dataset, or its type is not read.</exception>
    public static NpyArray ReadDataset(Hdf5Location location)
    {
        using var file = Open(location);
        return Resolve(file, location) is IH5Dataset dataset
            ? Read(location, new DatasetSource(dataset), file.Length)
            : throw Error(location, "is a group, not a dataset.");
    }

    /// <summary>
    /// Reads the attributes and datasets of the group at <paramref name="location"/> (not those of its subgroups) whose
    /// names <paramref name="include"/> accepts (default: all), keyed by name. A name that is both an attribute and a
    /// dataset of the group is refused.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not HDF5 or damaged, the path names no group, or a member cannot be read.</exception>
    public static IReadOnlyDictionary<string, NpyArray> ReadGroup(Hdf5Location location, Func<string, bool>? include = null)
    {
        include ??= _ => true;
        using var file = Open(location);
        if (Resolve(file, location) is not IH5Group group) throw Error(location, "is a dataset, not a group.");
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var attribute in Guard(location, "cannot list the group's attributes", () => group.Attributes().ToList()))
            if (include(attribute.Name))
                result[attribute.Name] = Read(location.Child(attribute.Name), new AttributeSource(attribute), file.Length, "attribute");
        foreach (var dataset in Datasets(location, group))
        {
            if (!include(dataset.Name)) continue;
            if (result.ContainsKey(dataset.Name))
                throw Error(location, $"'{MessageText.Excerpt(dataset.Name)}' is both an attribute and a dataset of the group; keep one.");
            result[dataset.Name] = Read(location.Child(dataset.Name), new DatasetSource(dataset), file.Length);
        }
        return result;
    }

    /// <summary>
    /// Reads a table of numeric columns, in either layout:
    /// <list type="bullet">
    /// <item>a group: its 1-D numeric datasets are the columns, named as the datasets, in the file's link order (h5py:
    /// alphabetical unless the group tracks creation order); other datasets are ignored;</item>
    /// <item>a 2-D dataset (rows, columns): column names from its <see cref="ColumnsAttribute"/> attribute, else
    /// <paramref name="defaultNames"/> when there are as many, else <c>c0, c1, …</c> (as for <c>.npy</c>).</item>
    /// </list>
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">No such object, no columns, columns of different lengths, or a non-numeric table.</exception>
    public static IReadOnlyList<KeyValuePair<string, double[]>> ReadColumns(Hdf5Location location, IReadOnlyList<string>? defaultNames = null)
    {
        using var file = Open(location);
        var found = Resolve(file, location);
        if (found is IH5Group group)
        {
            var columns = new List<KeyValuePair<string, double[]>>();
            foreach (var dataset in Datasets(location, group))
            {
                var where = location.Child(dataset.Name);
                var source = new DatasetSource(dataset);
                if (Guard(where, "cannot read the dataset's shape", () => dataset.Space.Rank) != 1 || !IsNumeric(where, source)) continue;
                var values = Read(where, source, file.Length).ToDoubles();
                if (columns.Count > 0 && values.Length != columns[0].Value.Length)
                    throw Error(where, $"has {values.Length} rows but '{MessageText.Excerpt(columns[0].Key)}' has {columns[0].Value.Length}; the columns of a table have equal lengths.");
                columns.Add(new(dataset.Name, values));
            }
            if (columns.Count == 0)
                throw Error(location, "holds no 1-D numeric datasets; a table is a group of 1-D datasets (one per column) or a 2-D dataset (rows, columns).");
            return columns;
        }
        var table = (IH5Dataset)found;
        var array = Read(location, new DatasetSource(table), file.Length);
        if (array.Rank != 2)
            throw Error(location, $"has shape {array.ShapeText}; a table is a 2-D dataset (rows, columns) or a group of 1-D datasets (name the group).");
        if (array.Data is string[]) throw Error(location, "holds strings; a table holds numbers.");
        int rows = array.Shape[0], width = array.Shape[1];
        var names = ColumnNames(location, table, width, file.Length) ?? (defaultNames is { } d && d.Count == width ? d.ToArray()
            : Enumerable.Range(0, width).Select(c => $"c{c}").ToArray());
        var flat = array.ToDoubles();
        var result = new List<KeyValuePair<string, double[]>>(width);
        for (int c = 0; c < width; c++)
        {
            var column = new double[rows];
            for (int r = 0; r < rows; r++) column[r] = flat[(long)r * width + c];
            result.Add(new(names[c], column));
        }
        return result;
    }

    /// <summary>
    /// Writes an HDF5 file through a temporary file renamed over <paramref name="path"/>: one dataset per entry of
    /// <paramref name="datasets"/> at the root group (a scalar array gives a scalar dataset), and one attribute of the root
    /// group per entry of <paramref name="attributes"/>. Data is stored uncompressed, in C order, little-endian.
    /// </summary>
    /// <exception cref="ArgumentException">A name is empty, holds a <c>/</c>, or appears twice among datasets or among attributes.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, NpyArray>> datasets,
        IEnumerable<KeyValuePair<string, NpyArray>>? attributes = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(datasets);
        var file = new H5File();
        foreach (var (name, array) in Checked(datasets, nameof(datasets)))
            file[name] = array.Rank == 0 ? Writable(array).GetValue(0)! : new H5Dataset(Writable(array), fileDims: Dimensions(array));
        foreach (var (name, array) in Checked(attributes ?? [], nameof(attributes)))
            file.Attributes[name] = array.Rank == 0 ? Writable(array).GetValue(0)! : new H5Attribute(Writable(array), Dimensions(array));
        // PureHDF seeks back and reads what it wrote: the temporary file is opened for reading and writing.
        AtomicFile.WriteThroughPath(path, temp =>
        {
            using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
            file.Write(stream);
            stream.Flush(flushToDisk: true);
        });
    }

    static List<KeyValuePair<string, NpyArray>> Checked(IEnumerable<KeyValuePair<string, NpyArray>> entries, string parameter)
    {
        var list = entries.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, array) in list)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('/') || name is "." or "..")
                throw new ArgumentException($"'{name}' is not a valid HDF5 name (empty, '.', '..' or holding '/').", parameter);
            if (!seen.Add(name)) throw new ArgumentException($"The name '{name}' appears twice.", parameter);
            ArgumentNullException.ThrowIfNull(array, name);
        }
        return list;
    }

    /// <summary>The data as PureHDF writes it: booleans as bytes 0/1 (HDF5 has no boolean type), the rest as they are.</summary>
    static Array Writable(NpyArray array) =>
        array.Data is bool[] b ? Array.ConvertAll(b, x => x ? (byte)1 : (byte)0) : array.Data;

    static ulong[] Dimensions(NpyArray array) => array.Shape.Select(s => (ulong)s).ToArray();

    /// <summary>An open file and its size (the bound on how much data it can hold).</summary>
    sealed class OpenFile(NativeFile file, long length) : IDisposable
    {
        public NativeFile File { get; } = file;
        public long Length { get; } = length;
        public void Dispose() => File.Dispose();
    }

    static OpenFile Open(Hdf5Location location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location.File);
        if (!File.Exists(location.File))
            throw new FileNotFoundException($"{location.File}: no such file{(Directory.Exists(location.File) ? " (it is a folder)" : "")}.", location.File);
        long length = new FileInfo(location.File).Length;
        var stream = new BoundedReadStream(new FileStream(location.File, FileMode.Open, FileAccess.Read, FileShare.Read), length);
        try
        {
            var file = Guard(location, "cannot open the file: it is not HDF5 or is damaged", () => H5File.Open(stream, leaveOpen: false));
            return new OpenFile(file, length);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The file as PureHDF reads it, with a budget: a damaged file can send a reader round a cycle of links or heap
    /// blocks, or keep reading past its end, for ever. Reading more than <see cref="BudgetPerByte"/> times the file (plus
    /// <see cref="BudgetBase"/> bytes for metadata) or hitting the end of the file many times ends the read with an error.
    /// </summary>
    sealed class BoundedReadStream(FileStream inner, long length) : Stream
    {
        /// <summary>How many times over the file may be read (data is read once; metadata a few times).</summary>
        public const long BudgetPerByte = 16;

        /// <summary>Bytes always allowed beyond the per-byte budget (the metadata of a small file).</summary>
        public const long BudgetBase = 16 << 20;

        const int MaxReadsAtEnd = 1000;

        readonly long budget = BudgetPerByte * length + BudgetBase;
        long read;
        int readsAtEnd;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            read += n;
            if (read > budget)
                throw new IOException($"read more than {budget} bytes of a {length}-byte file; its structure loops");
            if (n == 0 && buffer.Length > 0 && ++readsAtEnd > MaxReadsAtEnd)
                throw new EndOfStreamException($"read past the end of the {length}-byte file {MaxReadsAtEnd} times");
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>The object at the location's path, followed one link at a time so that a missing one is named.</summary>
    static IH5Object Resolve(OpenFile file, Hdf5Location location)
    {
        IH5Group group = file.File;
        var at = location with { ObjectPath = "/" };
        var segments = location.Segments;
        for (int i = 0; i < segments.Count; i++)
        {
            var name = segments[i];
            var inGroup = at;
            if (!Guard(inGroup, "cannot read the group", () => group.LinkExists(name)))
                throw Error(location, $"no '{MessageText.Excerpt(name)}' in group '{inGroup.ObjectPath}' ({Holding(inGroup, group)}).");
            at = at.Child(name);
            var found = Guard(at, "cannot open the object", () => group.Get(name));
            if (i == segments.Count - 1)
                return found is IH5Group or IH5Dataset ? found
                    : throw Error(location, $"is a {found.GetType().Name}, not a group or dataset.");
            group = found as IH5Group ?? throw Error(location, $"'{at.ObjectPath}' is a dataset, not a group.");
        }
        return group;
    }

    /// <summary>"it holds: a, b, c" for a message about a missing member (at most 20 names).</summary>
    static string Holding(Hdf5Location location, IH5Group group)
    {
        try
        {
            var names = group.Children().Select(c => MessageText.Excerpt(c.Name, 40)).Take(21).ToList();
            return names.Count == 0 ? "it is empty" : "it holds: " + string.Join(", ", names.Take(20)) + (names.Count > 20 ? ", …" : "");
        }
        catch (Exception e) when (IsLibraryError(e))
        {
            return "its members cannot be listed";
        }
    }

    static List<IH5Dataset> Datasets(Hdf5Location location, IH5Group group) =>
        Guard(location, "cannot list the group", () => group.Children().OfType<IH5Dataset>().ToList());

    static string[]? ColumnNames(Hdf5Location location, IH5Dataset table, int width, long fileLength)
    {
        if (!Guard(location, "cannot read the dataset's attributes", () => table.AttributeExists(ColumnsAttribute))) return null;
        var where = location.Child("@" + ColumnsAttribute);
        var names = Read(where, new AttributeSource(Guard(location, "cannot read the attribute 'columns'", () => table.Attribute(ColumnsAttribute))), fileLength, "attribute");
        if (names.Data is not string[] text || names.Rank != 1 || text.Length != width)
            throw Error(location, $"its attribute '{ColumnsAttribute}' must be {width} strings, one per column (it is {names.DType} {names.ShapeText}).");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in text)
            if (name.Length == 0 || !seen.Add(name))
                throw Error(location, $"its attribute '{ColumnsAttribute}' has an empty or repeated name '{MessageText.Excerpt(name)}'.");
        return text;
    }

    /// <summary>A dataset or an attribute: both have a dataspace, a type and typed reads.</summary>
    interface ISource
    {
        IH5Dataspace Space { get; }
        IH5DataType Type { get; }
        T Read<T>();
    }

    sealed class DatasetSource(IH5Dataset dataset) : ISource
    {
        public IH5Dataspace Space => dataset.Space;
        public IH5DataType Type => dataset.Type;
        public T Read<T>() => dataset.Read<T>();
    }

    sealed class AttributeSource(IH5Attribute attribute) : ISource
    {
        public IH5Dataspace Space => attribute.Space;
        public IH5DataType Type => attribute.Type;
        public T Read<T>() => attribute.Read<T>();
    }

    static bool IsNumeric(Hdf5Location location, ISource source) =>
        Guard(location, "cannot read the dataset's type", () => source.Type.Class)
            is H5DataTypeClass.FloatingPoint or H5DataTypeClass.FixedPoint or H5DataTypeClass.Enumerated;

    /// <summary>Reads a dataset or attribute into an array, after checking that its shape fits in memory and in the file.</summary>
    static NpyArray Read(Hdf5Location location, ISource source, long fileLength, string kind = "dataset")
    {
        var (space, type) = Guard(location, $"cannot read the {kind}'s shape and type", () => (source.Space, source.Type));
        var (spaceType, dims, typeClass, typeSize) = Guard(location, $"cannot read the {kind}'s shape and type",
            () => (space.Type, space.Dimensions, type.Class, type.Size));
        int[] shape = spaceType switch
        {
            H5DataspaceType.Scalar => [],
            H5DataspaceType.Simple => dims.Select(d => d <= int.MaxValue ? (int)d
                : throw Error(location, $"has a dimension of {d}, more than Occam reads ({int.MaxValue}).")).ToArray(),
            _ => throw Error(location, $"has no data (an empty dataspace)."),
        };
        double count = shape.Aggregate(1.0, (p, d) => p * d);
        if (count > Array.MaxLength)
            throw Error(location, $"has shape ({string.Join(", ", shape)}), more than {Array.MaxLength} elements.");
        if (count * typeSize > MaxExpansion * (double)fileLength + 65536)
            throw Error(location,
                $"claims {count:0} elements of {typeSize} bytes, more than the {fileLength}-byte file can hold; the file is damaged.");
        int n = (int)count;
        Array data = typeClass switch
        {
            H5DataTypeClass.FloatingPoint => typeSize switch
            {
                8 => Numbers<double>(location, source, n, kind),
                4 => Numbers<float>(location, source, n, kind),
                _ => throw Error(location, $"holds {8 * typeSize}-bit floats; Occam reads float32 and float64."),
            },
            H5DataTypeClass.FixedPoint => Integers(location, source, n, typeSize,
                Guard(location, $"cannot read the {kind}'s type", () => type.FixedPoint.IsSigned), kind),
            H5DataTypeClass.Enumerated => Integers(location, source, n, typeSize,
                Guard(location, $"cannot read the {kind}'s type", () => type.Enumeration.BaseType is { Class: H5DataTypeClass.FixedPoint } b && b.FixedPoint.IsSigned), kind),
            H5DataTypeClass.String or H5DataTypeClass.VariableLength =>
                Guard(location, $"cannot read the {kind} as strings (variable-length data other than text is not read)", () => source.Read<string[]>()),
            _ => throw Error(location, $"holds HDF5 type class {typeClass}; Occam reads numbers (integers, float32, float64) and strings."),
        };
        if (data.Length != n)
            throw Error(location, $"gave {data.Length} values for shape ({string.Join(", ", shape)}); the file is damaged.");
        if (data is string[] strings)
            for (int i = 0; i < strings.Length; i++) strings[i] ??= "";
        var array = NpyArray.Create(data, shape.Length == 0 ? [1] : shape);
        return shape.Length == 0 ? NpyArray.CreateUnchecked(array.DType, [], array.Data) : array;
    }

    static Array Integers(Hdf5Location location, ISource source, int n, int size, bool signed, string kind) => (size, signed) switch
    {
        (8, true) => Numbers<long>(location, source, n, kind),
        (8, false) => Array.ConvertAll(Numbers<ulong>(location, source, n, kind), v => v <= long.MaxValue ? (long)v
            : throw Error(location, $"holds the value {v}, beyond int64.")),
        (4, true) => Numbers<int>(location, source, n, kind),
        (4, false) => Array.ConvertAll(Numbers<uint>(location, source, n, kind), v => (long)v),
        (2, true) => Array.ConvertAll(Numbers<short>(location, source, n, kind), v => (int)v),
        (2, false) => Array.ConvertAll(Numbers<ushort>(location, source, n, kind), v => (int)v),
        (1, true) => Array.ConvertAll(Numbers<sbyte>(location, source, n, kind), v => (int)v),
        (1, false) => Array.ConvertAll(Numbers<byte>(location, source, n, kind), v => (int)v),
        _ => throw Error(location, $"holds {8 * size}-bit integers; Occam reads integers of 8 to 64 bits."),
    };

    /// <summary>
    /// The values as <typeparamref name="T"/>. PureHDF reads only the machine's byte order; big-endian data (which it
    /// refuses) is read as raw bytes and swapped here.
    /// </summary>
    static T[] Numbers<T>(Hdf5Location location, ISource source, int n, string kind) where T : unmanaged
    {
        try
        {
            return source.Read<T[]>();
        }
        catch (Exception e) when (e.Message.Contains("Byte order", StringComparison.OrdinalIgnoreCase))
        {
            var raw = Guard(location, $"cannot read the {kind}", () => source.Read<byte[]>());
            int size = Marshal.SizeOf<T>();
            if (raw.Length != (long)n * size)
                throw Error(location, $"gave {raw.Length} bytes for {n} values of {size} bytes; the file is damaged.");
            for (int i = 0; i < raw.Length; i += size) Array.Reverse(raw, i, size);
            return MemoryMarshal.Cast<byte, T>(raw).ToArray();
        }
        catch (Exception e) when (IsLibraryError(e))
        {
            throw Error(location, $"cannot read the {kind} ({Reason(e)}).", e);
        }
    }

    /// <summary>Runs a PureHDF call; any exception it throws (PureHDF throws plain <see cref="Exception"/>s, and a damaged
    /// file can make it throw anything) becomes an <see cref="InvalidDataException"/> naming the object.</summary>
    static T Guard<T>(Hdf5Location location, string problem, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (IsLibraryError(e))
        {
            throw Error(location, $"{problem} ({Reason(e)}).", e);
        }
    }

    /// <summary>Marks the errors raised here (in <see cref="Exception.Data"/>), which already name the object.</summary>
    const string OwnError = "Occam.Hdf5";

    /// <summary>True for an exception from PureHDF or below it (which may be an <see cref="InvalidDataException"/> from a
    /// damaged deflate stream); ours pass through unchanged.</summary>
    static bool IsLibraryError(Exception e) => !e.Data.Contains(OwnError) && e is not OperationCanceledException;

    /// <summary>The error for a problem with the object at <paramref name="location"/>: <c>file:/path: problem</c>.</summary>
    static InvalidDataException Error(Hdf5Location location, string problem, Exception? inner = null)
    {
        // names read from a damaged file may hold line breaks: shown as escapes, so the message stays one line
        var error = new InvalidDataException($"{MessageText.Excerpt(location.ToString(), 1000)}: {problem}", inner);
        error.Data[OwnError] = true;
        return error;
    }

    static string Reason(Exception e)
    {
        var message = MessageText.Excerpt(MessageText.Of(e).TrimEnd('.'), 160);
        return e.GetType() == typeof(Exception) ? message : $"{e.GetType().Name}: {message}";
    }
}
