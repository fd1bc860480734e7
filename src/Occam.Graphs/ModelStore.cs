using Occam.Symbolic.IO;
using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>Saves and loads module weights (TorchSharp's state format).</summary>
public static class ModelStore
{
    /// <summary>
    /// Writes the parameters and buffers of <paramref name="module"/> to <paramref name="path"/>, through a temporary
    /// file renamed into place (<see cref="AtomicFile"/>) so an existing file is never left half-written.
    /// </summary>
    public static void Save(nn.Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        AtomicFile.WriteThroughPath(path, temp => module.save(temp)); // save(Stream) closes the stream it is given
    }

    /// <summary>
    /// Loads weights saved by <see cref="Save"/> into <paramref name="module"/>, which must have the same architecture.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file does not hold weights of this architecture.</exception>
    public static void Load(nn.Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model weights file not found: {path}", path);
        try
        {
            using var stream = File.OpenRead(path);
            module.load(stream, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or EndOfStreamException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new InvalidDataException($"{path}: not model weights for a {module.GetName()} of this shape ({e.Message})", e);
        }
    }
}
