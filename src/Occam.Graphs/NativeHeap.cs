using System.Runtime.InteropServices;

namespace Occam.Graphs;

/// <summary>
/// Keeps the C heap that libtorch allocates tensors from from handing memory back to the system after every step.
/// glibc serves blocks above a threshold (128 KiB at first, then adapted as blocks are freed) by mapping fresh pages and
/// unmaps them on free, so a training step that allocates a few hundred kilobytes per activation pays for page faults
/// and zeroing every time it runs, and how often depends on how the threshold has drifted: a bfloat16 training step of
/// the quick preset's network took 2.4 ms in one process and 6 ms in the next (docs/performance.md).
/// </summary>
public static partial class NativeHeap
{
    static int done;

    /// <summary>
    /// Once per process, on Linux with glibc: serve blocks up to 32 MiB from the heap (<c>M_MMAP_THRESHOLD</c>, glibc's
    /// maximum) and return freed heap memory to the system only above 256 MiB of it (<c>M_TRIM_THRESHOLD</c>). The
    /// process keeps its high-water mark of tensor memory instead of mapping it anew. Elsewhere it does nothing.
    /// </summary>
    public static void RetainFreedMemory()
    {
        if (Interlocked.Exchange(ref done, 1) == 1 || !OperatingSystem.IsLinux()) return;
        try
        {
            Mallopt(MmapThreshold, 32 << 20);
            Mallopt(TrimThreshold, 256 << 20);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): its allocator has no such settings.
        }
    }

    const int TrimThreshold = -1, MmapThreshold = -3;

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
