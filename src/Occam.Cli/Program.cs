namespace Occam.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Before any tensor work: oneDNN reads its kernel limit once (see Occam.Grids.ConvolutionBackend).
        Occam.Grids.ConvolutionBackend.Prepare();
        return OccamCommand.Run(args);
    }
}
