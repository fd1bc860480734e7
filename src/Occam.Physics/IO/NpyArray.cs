namespace Occam.Physics.IO;

/// <summary>The element types Occam reads and writes in <c>.npy</c> files.</summary>
public enum NpyDType
{
    /// <summary>IEEE double, numpy <c>&lt;f8</c>.</summary>
    Float64,
    /// <summary>IEEE single, numpy <c>&lt;f4</c>.</summary>
    Float32,
    /// <summary>Signed 64-bit integer, numpy <c>&lt;i8</c>.</summary>
    Int64,
    /// <summary>Signed 32-bit integer, numpy <c>&lt;i4</c>.</summary>
    Int32,
    /// <summary>Boolean, one byte each, numpy <c>|b1</c>.</summary>
    Bool,
    /// <summary>Fixed-width UTF-32 string, numpy <c>&lt;U{n}</c>.</summary>
    Unicode,
}

/// <summary>
/// An n-dimensional array as stored in a <c>.npy</c> file: a shape (C order, row-major) and the
/// elements as a flat typed .NET array (<c>double[]</c>, <c>float[]</c>, <c>long[]</c>, <c>int[]</c>,
/// <c>bool[]</c> or <c>string[]</c>). A scalar has the empty shape and one element.
/// </summary>
public sealed class NpyArray
{
    NpyArray(NpyDType dtype, int[] shape, Array data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int s in shape)
        {
            if (s < 0) throw new ArgumentException($"Array shape ({string.Join(", ", shape)}) has a negative dimension.", nameof(shape));
            count *= s;
        }
        if (count != data.Length)
            throw new ArgumentException(
                $"Array shape ({string.Join(", ", shape)}) holds {count} elements but {data.Length} were given.", nameof(data));
        DType = dtype;
        Shape = (int[])shape.Clone();
        Data = data;
    }

    /// <summary>The element type.</summary>
    public NpyDType DType { get; }

    /// <summary>The dimensions, outermost first (C order). Empty for a scalar.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The elements, flat, in C order. Its runtime type follows <see cref="DType"/>.</summary>
    public Array Data { get; }

    /// <summary>The number of elements (product of the shape; 1 for a scalar).</summary>
    public int Length => Data.Length;

    /// <summary>The number of dimensions (0 for a scalar).</summary>
    public int Rank => Shape.Count;

    /// <summary>Wraps float64 data with the given shape (no shape: a 1-D array of all the data).</summary>
    public static NpyArray FromDoubles(double[] data, params int[] shape) =>
        new(NpyDType.Float64, ShapeOr1D(data, shape), data);

    /// <summary>Wraps float32 data with the given shape.</summary>
    public static NpyArray FromSingles(float[] data, params int[] shape) =>
        new(NpyDType.Float32, ShapeOr1D(data, shape), data);

    /// <summary>Wraps int64 data with the given shape.</summary>
    public static NpyArray FromInt64s(long[] data, params int[] shape) =>
        new(NpyDType.Int64, ShapeOr1D(data, shape), data);

    /// <summary>Wraps int32 data with the given shape.</summary>
    public static NpyArray FromInt32s(int[] data, params int[] shape) =>
        new(NpyDType.Int32, ShapeOr1D(data, shape), data);

    /// <summary>Wraps boolean data with the given shape.</summary>
    public static NpyArray FromBools(bool[] data, params int[] shape) =>
        new(NpyDType.Bool, ShapeOr1D(data, shape), data);

    /// <summary>Wraps strings with the given shape (stored as numpy <c>&lt;U{n}</c>, n the longest length).</summary>
    public static NpyArray FromStrings(string[] data, params int[] shape)
    {
        foreach (var s in data)
            ArgumentNullException.ThrowIfNull(s, nameof(data));
        return new(NpyDType.Unicode, ShapeOr1D(data, shape), data);
    }

    /// <summary>A float64 scalar (shape <c>()</c>).</summary>
    public static NpyArray Scalar(double value) => new(NpyDType.Float64, [], new[] { value });

    /// <summary>An int64 scalar (shape <c>()</c>).</summary>
    public static NpyArray Scalar(long value) => new(NpyDType.Int64, [], new[] { value });

    /// <summary>A boolean scalar (shape <c>()</c>).</summary>
    public static NpyArray Scalar(bool value) => new(NpyDType.Bool, [], new[] { value });

    /// <summary>A unicode string scalar (shape <c>()</c>), as <c>numpy.array("text")</c> makes.</summary>
    public static NpyArray Scalar(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(NpyDType.Unicode, [], new[] { value });
    }

    /// <summary>Creates an array from an already typed flat .NET array (double[], float[], long[], int[], bool[], string[]).</summary>
    public static NpyArray Create(Array data, params int[] shape) => data switch
    {
        double[] d => FromDoubles(d, shape),
        float[] f => FromSingles(f, shape),
        long[] l => FromInt64s(l, shape),
        int[] i => FromInt32s(i, shape),
        bool[] b => FromBools(b, shape),
        string[] s => FromStrings(s, shape),
        _ => throw new ArgumentException($"Element type {data.GetType().GetElementType()} is not supported by .npy IO.", nameof(data)),
    };

    internal static NpyArray CreateUnchecked(NpyDType dtype, int[] shape, Array data) => new(dtype, shape, data);

    /// <summary>The elements converted to double (numeric and boolean arrays).</summary>
    /// <exception cref="InvalidDataException">The array holds strings.</exception>
    public double[] ToDoubles() => Data switch
    {
        double[] d => (double[])d.Clone(),
        float[] f => Array.ConvertAll(f, x => (double)x),
        long[] l => Array.ConvertAll(l, x => (double)x),
        int[] i => Array.ConvertAll(i, x => (double)x),
        bool[] b => Array.ConvertAll(b, x => x ? 1.0 : 0.0),
        _ => throw new InvalidDataException($"A {DType} array cannot be read as numbers."),
    };

    /// <summary>The elements converted to int64 (integer and boolean arrays; floats only when integral).</summary>
    public long[] ToInt64s() => Data switch
    {
        long[] l => (long[])l.Clone(),
        int[] i => Array.ConvertAll(i, x => (long)x),
        bool[] b => Array.ConvertAll(b, x => x ? 1L : 0L),
        double[] or float[] => Array.ConvertAll(ToDoubles(), x => x == Math.Floor(x) && Math.Abs(x) < 9.2e18
            ? (long)x
            : throw new InvalidDataException($"Value {x} is not an integer.")),
        _ => throw new InvalidDataException($"A {DType} array cannot be read as integers."),
    };

    /// <summary>The single value of a numeric scalar (or one-element array) as a double.</summary>
    public double ToDoubleScalar()
    {
        if (Length != 1) throw new InvalidDataException($"Expected a scalar but the array has shape {ShapeText}.");
        return ToDoubles()[0];
    }

    /// <summary>The single value of an integer scalar (or one-element array).</summary>
    public long ToInt64Scalar()
    {
        if (Length != 1) throw new InvalidDataException($"Expected a scalar but the array has shape {ShapeText}.");
        return ToInt64s()[0];
    }

    /// <summary>The single value of a string scalar (or one-element string array).</summary>
    public string ToStringScalar()
    {
        if (Data is not string[] s) throw new InvalidDataException($"Expected a string but the array holds {DType}.");
        if (s.Length != 1) throw new InvalidDataException($"Expected a scalar but the array has shape {ShapeText}.");
        return s[0];
    }

    /// <summary>The shape as numpy prints it, e.g. <c>(3, 4)</c>, <c>(5,)</c> or <c>()</c>.</summary>
    public string ShapeText => Shape.Count switch
    {
        0 => "()",
        1 => $"({Shape[0]},)",
        _ => "(" + string.Join(", ", Shape) + ")",
    };

    /// <inheritdoc />
    public override string ToString() => $"NpyArray {DType} {ShapeText}";

    static int[] ShapeOr1D(Array data, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return shape is null || shape.Length == 0 ? [data.Length] : shape;
    }
}
