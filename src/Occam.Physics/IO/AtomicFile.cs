namespace Occam.Physics.IO;

/// <summary>
/// Writes a file through a temporary file in the same folder, renamed over the target only when the
/// write succeeded, so a failed or interrupted write never leaves a partial file behind.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> by calling <paramref name="write"/> on a temporary file, then renaming it.</summary>
    /// <exception cref="IOException">The folder does not exist or cannot be written; the message names the path.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        var (full, folder) = Target(path);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (UnauthorizedAccessException e)
        {
            TryDelete(temp);
            throw new IOException($"Cannot write {path}: {e.Message}", e);
        }
        catch (IOException e) when (e is not DirectoryNotFoundException && !e.Message.StartsWith("Cannot write", StringComparison.Ordinal))
        {
            TryDelete(temp);
            throw new IOException($"Cannot write {path}: {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The full path and its folder; throws when the folder is missing or the path is a folder.</summary>
    static (string Full, string Folder) Target(string path)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot write {path}: the folder {folder} does not exist.");
        if (Directory.Exists(full))
            throw new IOException($"Cannot write {path}: it is a folder.");
        return (full, folder);
    }

    /// <summary>Checks early that a file can be created at <paramref name="path"/> (folder exists and is writable).</summary>
    /// <exception cref="IOException">It cannot; the message says why.</exception>
    public static void EnsureWritable(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var (full, folder) = Target(path);
        var probe = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.probe");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
            }
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"Cannot write {path}: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new IOException($"Cannot write {path}: the folder {folder} is not writable ({e.GetType().Name}).", e);
        }
        finally
        {
            TryDelete(probe);
        }
    }

    static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
