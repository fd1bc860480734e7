namespace Occam.Grids.Data;

/// <summary>
/// A labelled set of grey images, row-major, values in [0, 1]: image i occupies
/// <c>Pixels[i·H·W .. (i+1)·H·W)</c>.
/// </summary>
public sealed class ImageSet
{
    /// <summary>Creates the set, checking the sizes.</summary>
    /// <exception cref="ArgumentException">Pixel or label counts that do not match, a label outside the classes, or a non-finite pixel.</exception>
    public ImageSet(int height, int width, float[] pixels, int[] labels, IReadOnlyList<string> classNames, string source)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (height < 1 || width < 1) throw new ArgumentException($"{source}: image size must be positive; got {height}×{width}.");
        if (pixels.LongLength != (long)labels.Length * height * width)
            throw new ArgumentException($"{source}: {labels.Length} labels need {(long)labels.Length * height * width} pixels of {height}×{width} images; got {pixels.LongLength}.");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] < 0 || labels[i] >= classNames.Count)
                throw new ArgumentException($"{source}: label {labels[i]} of image {i} is outside 0–{classNames.Count - 1}.");
        for (long i = 0; i < pixels.LongLength; i++)
            if (!float.IsFinite(pixels[i])) throw new ArgumentException($"{source}: pixel {i % (height * width)} of image {i / (height * width)} is {pixels[i]}.");
        Height = height;
        Width = width;
        Pixels = pixels;
        Labels = labels;
        ClassNames = classNames;
        Source = source;
    }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>All pixels, image after image, row-major.</summary>
    public float[] Pixels { get; }

    /// <summary>Class index of every image.</summary>
    public int[] Labels { get; }

    /// <summary>Names of the classes, by index.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Where the images came from (for messages and reports).</summary>
    public string Source { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The pixels of image <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Image(int i) => Pixels.AsSpan(i * Height * Width, Height * Width);

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public ImageSet Subset(IReadOnlyList<int> indices, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int size = Height * Width;
        var pixels = new float[(long)indices.Count * size];
        var labels = new int[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            Image(indices[k]).CopyTo(pixels.AsSpan(k * size, size));
            labels[k] = Labels[indices[k]];
        }
        return new ImageSet(Height, Width, pixels, labels, ClassNames, source ?? Source);
    }

    /// <summary>This set followed by <paramref name="other"/> (same image size and classes).</summary>
    public ImageSet Concat(ImageSet other, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Height != Height || other.Width != Width || other.ClassNames.Count != ClassNames.Count)
            throw new ArgumentException($"Cannot join {Source} ({Height}×{Width}, {ClassNames.Count} classes) and {other.Source} ({other.Height}×{other.Width}, {other.ClassNames.Count} classes).");
        return new ImageSet(Height, Width, [.. Pixels, .. other.Pixels], [.. Labels, .. other.Labels], ClassNames, source ?? $"{Source} + {other.Source}");
    }
}
