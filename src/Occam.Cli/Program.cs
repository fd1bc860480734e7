namespace Occam.Cli;

public static class Program
{
    public static int Main(string[] args) => OccamCommand.Run(args);
}
