using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>The one place where Occam's pipelines set libtorch's intra-op threads.</summary>
public static class TorchThreads
{
    /// <summary>
    /// The threads for a network of the sizes Occam trains when none are asked for: 1 on machines with 2 cores or fewer,
    /// else 2. Small matrices gain little from more, and the symbolic regression and simulator use the other cores.
    /// </summary>
    public static int Default => Environment.ProcessorCount <= 2 ? 1 : 2;

    /// <summary>Sets libtorch's intra-op threads to <paramref name="threads"/> (null: <see cref="Default"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1.</exception>
    public static void Use(int? threads)
    {
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Threads must be at least 1.");
        set_num_threads(threads ?? Default);
    }
}
