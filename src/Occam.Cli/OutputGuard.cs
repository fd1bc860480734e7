using Occam.Physics.IO;
using Occam.Symbolic.IO;

namespace Occam.Cli;

/// <summary>
/// The one check that a command's output never replaces one of its inputs (docs/errors.md), made before any work so a
/// bad output path fails at once rather than after a long run.
/// </summary>
internal static class OutputGuard
{
    /// <summary>
    /// Refuses the output file <paramref name="output"/> (given as <paramref name="option"/>) when it is one of the
    /// <paramref name="inputs"/> (files or folders; symbolic links are followed) or lies inside an input folder, when it
    /// is a folder, or when its folder exists but cannot be written.
    /// </summary>
    public static void CheckFile(string? output, string option, params string?[] inputs)
    {
        if (output is null) return;
        if (string.IsNullOrWhiteSpace(output)) throw new UserInputException($"{option} is empty; give a file path.");
        var target = Canonical(output);
        foreach (var given in inputs)
        {
            if (given is null) continue;
            // an HDF5 input names an object inside a file (data.h5:/group/table): the file is the input
            var input = Hdf5Location.TryParse(given, out var location) ? location.File : given;
            var source = Canonical(input);
            if (target == source || target.StartsWith(source.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new UserInputException($"{option} {output} would overwrite the input {input}; write the output elsewhere.");
        }
        if (Directory.Exists(target)) throw new UserInputException($"{option} {output} is a folder; give a file path.");
        if (Directory.Exists(Path.GetDirectoryName(target))) AtomicFile.EnsureWritable(output);
    }

    /// <summary>Refuses the report folder <paramref name="output"/> (given as <paramref name="option"/>) when a file of that
    /// name exists: the run would otherwise fail only when it writes its report.</summary>
    public static void CheckFolder(string output, string option)
    {
        if (string.IsNullOrWhiteSpace(output)) throw new UserInputException($"{option} is empty; give a folder.");
        if (File.Exists(output)) throw new UserInputException($"{option} {output} is a file, not a folder; give a folder for the report.");
    }

    /// <summary>The full path with symbolic links resolved, so two names of one file compare equal.</summary>
    static string Canonical(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return (File.Exists(full) ? new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName
                : Directory.Exists(full) ? new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName : null) ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }
}
