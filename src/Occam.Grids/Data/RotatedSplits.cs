namespace Occam.Grids.Data;

/// <summary>Rotation of images by an arbitrary angle with bilinear interpolation.</summary>
public static class ImageRotation
{
    /// <summary>
    /// Rotates an image about its centre <c>((H−1)/2, (W−1)/2)</c> by <paramref name="angle"/> radians, in the
    /// direction of <c>torch.rot90(x, 1)</c> (counter-clockwise as displayed, row 0 at the top), sampling the source
    /// bilinearly; points that fall outside the image read as 0. By a multiple of π/2 on a square image it is an exact
    /// permutation of the pixels (up to rounding of sin and cos).
    /// </summary>
    public static void Rotate(ReadOnlySpan<float> image, int height, int width, double angle, Span<float> output)
    {
        if (image.Length != height * width || output.Length != height * width)
            throw new ArgumentException($"Rotate: image and output need {height}×{width} = {height * width} pixels; got {image.Length} and {output.Length}.");
        double cy = (height - 1) / 2.0, cx = (width - 1) / 2.0;
        double c = Math.Cos(angle), s = Math.Sin(angle);
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                double y = i - cy, x = j - cx;
                // Inverse map: output (y, x) reads the source at R(−angle)·(y, x) in (row, column) coordinates.
                double sy = cy + c * y + s * x;
                double sx = cx - s * y + c * x;
                output[i * width + j] = Sample(image, height, width, sy, sx);
            }
    }

    static float Sample(ReadOnlySpan<float> image, int height, int width, double y, double x)
    {
        // Snap values within rounding of a pixel centre, so a quarter turn is an exact permutation.
        double ry = Math.Round(y), rx = Math.Round(x);
        if (Math.Abs(y - ry) < 1e-9) y = ry;
        if (Math.Abs(x - rx) < 1e-9) x = rx;
        int y0 = (int)Math.Floor(y), x0 = (int)Math.Floor(x);
        double fy = y - y0, fx = x - x0;
        double value = (1 - fy) * ((1 - fx) * Pixel(image, height, width, y0, x0) + fx * Pixel(image, height, width, y0, x0 + 1))
                       + fy * ((1 - fx) * Pixel(image, height, width, y0 + 1, x0) + fx * Pixel(image, height, width, y0 + 1, x0 + 1));
        return (float)value;
    }

    static double Pixel(ReadOnlySpan<float> image, int height, int width, int r, int col) =>
        r < 0 || r >= height || col < 0 || col >= width ? 0 : image[r * width + col];
}

/// <summary>A rotated data set: train / validation / test images, each rotated by its own random angle.</summary>
/// <param name="Train">Training images (rotated).</param>
/// <param name="Validation">Validation images (rotated).</param>
/// <param name="Test">Test images (rotated).</param>
/// <param name="Seed">The seed that fixed the split and the angles.</param>
public sealed record RotatedSplits(ImageSet Train, ImageSet Validation, ImageSet Test, int Seed)
{
    /// <summary>
    /// The rotated protocol (Larochelle et al. 2007's MNIST-rot, as used by Cohen &amp; Welling): draws, with a
    /// generator seeded by <paramref name="seed"/>, <paramref name="train"/> then <paramref name="validation"/>
    /// images from <paramref name="pool"/>, and <paramref name="test"/> images from the rest of the pool followed by
    /// <paramref name="testPool"/> (when given); then rotates every image by its own angle, uniform in [0, 2π),
    /// bilinearly. The same seed gives the same split and angles.
    /// </summary>
    /// <exception cref="ArgumentException">The pools hold too few images for the requested sizes.</exception>
    public static RotatedSplits Create(ImageSet pool, ImageSet? testPool, int train, int validation, int test, int seed)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (train < 1 || validation < 0 || test < 1) throw new ArgumentOutOfRangeException(nameof(train), "RotatedSplits: train and test need at least one image, validation not negative.");
        if (train + validation > pool.Count)
            throw new ArgumentException($"RotatedSplits: {train} train + {validation} validation images requested from {pool.Count} in {pool.Source}.");
        int testAvailable = pool.Count - train - validation + (testPool?.Count ?? 0);
        if (test > testAvailable) throw new ArgumentException($"RotatedSplits: {test} test images requested; {testAvailable} are left.");
        var random = new Random(seed);
        var order = Permutation(random, pool.Count);
        var trainSet = pool.Subset(order[..train]);
        var validationSet = pool.Subset(order[train..(train + validation)]);
        var rest = pool.Subset(order[(train + validation)..]);
        var testSource = testPool is null ? rest : rest.Concat(testPool);
        var testSet = testSource.Subset(Permutation(random, testSource.Count)[..test]);
        string label(string split) => $"{pool.Source}{(testPool is null || split != "test" ? "" : " + " + testPool.Source)}, rotated ({split}, seed {seed})";
        return new RotatedSplits(Rotate(trainSet, random, label("train")), Rotate(validationSet, random, label("validation")),
            Rotate(testSet, random, label("test")), seed);
    }

    static ImageSet Rotate(ImageSet set, Random random, string source)
    {
        int size = set.Height * set.Width;
        var pixels = new float[set.Pixels.LongLength];
        for (int i = 0; i < set.Count; i++)
            ImageRotation.Rotate(set.Image(i), set.Height, set.Width, random.NextDouble() * 2 * Math.PI, pixels.AsSpan(i * size, size));
        return new ImageSet(set.Height, set.Width, pixels, set.Labels, set.ClassNames, source);
    }

    /// <summary>A uniformly random permutation of 0 … n−1 (Fisher–Yates) from <paramref name="random"/>.</summary>
    internal static int[] Permutation(Random random, int n)
    {
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
