using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Occam.Symbolic.IO;

/// <summary>
/// The one way Occam writes a file: through a temporary file in the same folder, renamed over the target only when the
/// write succeeded, so a failed or interrupted write never leaves a partial file behind. Temporary files left by a
/// killed process are removed by the next write of the same target. A target that exists and is not a regular file (a
/// device such as <c>/dev/stdout</c>, a pipe, a socket) is refused rather than replaced by a regular file.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> by calling <paramref name="write"/> on a temporary file, then renaming it.</summary>
    /// <exception cref="IOException">The folder does not exist or cannot be written, or the target is a folder or a special
    /// file; the message names the path.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        WriteThroughPath(path, temp =>
        {
            using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            write(stream);
            stream.Flush(flushToDisk: true);
        });
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/> atomically.</summary>
    public static void WriteText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>
    /// Like <see cref="Write"/> for writers that take a file name (TorchSharp's <c>save</c>): <paramref name="write"/>
    /// gets the temporary file's path, which is renamed over <paramref name="path"/> when it returns.
    /// </summary>
    public static void WriteThroughPath(string path, Action<string> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        var (full, folder) = Target(path);
        Through(path, full, folder, temp =>
        {
            write(temp);
            File.Move(temp, full, overwrite: true);
        });
    }

    /// <summary>
    /// Writes the files of folder <paramref name="path"/> (created if missing) by calling <paramref name="write"/> on a
    /// temporary folder beside it, then moving the folder (or, when it exists, each file) into place; a failed write
    /// leaves the folder as it was.
    /// </summary>
    public static void WriteFolder(string path, Action<string> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full) ?? ".";
        if (IsSystemPath(full)) throw new IOException($"Cannot write {path}: it is in a device or system folder; give another folder.");
        if (!Directory.Exists(parent)) throw new DirectoryNotFoundException($"Cannot write {path}: the folder {parent} does not exist.");
        if (File.Exists(full)) throw new IOException($"Cannot write the folder {path}: a file of that name exists.");
        Through(path, full, parent, temp =>
        {
            Directory.CreateDirectory(temp);
            write(temp);
            if (!Directory.Exists(full)) Directory.Move(temp, full);
            else
            {
                foreach (var file in Directory.GetFiles(temp))
                    File.Move(file, Path.Combine(full, Path.GetFileName(file)), overwrite: true);
                Directory.Delete(temp, recursive: true);
            }
        });
    }

    /// <summary>
    /// Runs <paramref name="write"/> on a fresh temporary name beside the target; on failure removes the temporary and
    /// names <paramref name="path"/> in the error, on success removes stale temporaries of the target.
    /// </summary>
    static void Through(string path, string full, string folder, Action<string> write)
    {
        var temp = Path.Combine(folder, $"{TempPrefix(full)}{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            write(temp);
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
        RemoveStaleTemporaries(full, folder);
    }

    /// <summary>Checks early that a file can be created at <paramref name="path"/> (folder exists and is writable, the path
    /// is neither a folder nor a special file).</summary>
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

    /// <summary>The full path and its folder; throws when the folder is missing or the path is a folder or a special file.</summary>
    /// <remarks>
    /// A symbolic link is followed: the file it names is replaced and the link stays. Paths in the kernel's file systems
    /// (<c>/dev</c>, <c>/proc</c>, <c>/sys</c>), directly or through a link, are refused: <c>/dev/stdout</c> is a link to
    /// <c>/proc/self/fd/1</c>, and renaming a file over it would replace the link itself, as root, with a regular file.
    /// </remarks>
    static (string Full, string Folder) Target(string path)
    {
        var full = Path.GetFullPath(path);
        if (IsSystemPath(full)) throw new IOException($"Cannot write {path}: it is a device or system file, not a regular file; give a file name.");
        if (new FileInfo(full).LinkTarget is not null)
        {
            var final = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
            if (IsSystemPath(final)) throw new IOException($"Cannot write {path}: it links to the device or system file {final}, not a regular file; give a file name.");
            full = final;
        }
        var folder = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot write {path}: the folder {folder} does not exist.");
        if (Directory.Exists(full))
            throw new IOException($"Cannot write {path}: it is a folder.");
        if (IsSpecialFile(full))
            throw new IOException($"Cannot write {path}: it is a device, pipe or socket, not a regular file; give a file name.");
        return (full, folder);
    }

    static bool IsSystemPath(string full) =>
        !OperatingSystem.IsWindows() && (full is "/dev" or "/proc" or "/sys"
            || full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal) || full.StartsWith("/sys/", StringComparison.Ordinal));

    static string TempPrefix(string full) => $".{Path.GetFileName(full)}.";

    /// <summary>Deletes temporary files and folders of this target that a process no longer running left behind (killed mid-write).</summary>
    static void RemoveStaleTemporaries(string full, string folder)
    {
        string prefix = TempPrefix(full);
        IEnumerable<string> candidates;
        try { candidates = Directory.EnumerateFileSystemEntries(folder, prefix + "*.tmp").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var file in candidates)
        {
            // exactly <pid>.<32 hex digits>.tmp: not the temporary of another target whose name extends this one
            var parts = Path.GetFileName(file)[prefix.Length..].Split('.');
            if (parts.Length == 3 && parts[1].Length == 32 && parts[1].All(char.IsAsciiHexDigit)
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !IsRunning(pid))
                TryDelete(file);
        }
    }

    static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>True when <paramref name="full"/> exists and is not a regular file (Linux: <c>statx</c>; elsewhere false).</summary>
    static bool IsSpecialFile(string full)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(full)) return false;
        var buffer = new byte[256]; // struct statx; stx_mode (u16) at offset 28 on every architecture
        try
        {
            if (Statx(AtFdCwd, full, 0, StatxType, buffer) != 0) return false;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
        int mode = BitConverter.ToUInt16(buffer, 28);
        return (mode & 0xF000) != 0x8000; // S_IFMT != S_IFREG
    }

    const int AtFdCwd = -100;
    const uint StatxType = 1;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte[] buffer);

    static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
            else if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
