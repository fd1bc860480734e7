namespace Occam.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Occam.Graphs.NativeHeap.RetainFreedMemory(); // libtorch's activations: docs/performance.md
        return OccamCommand.Run(args);
    }
}
