using System.CommandLine;

namespace Occam.Cli;

/// <summary>The root `occam` command: assembles the subcommands and turns failures into one-line errors.</summary>
public static class OccamCommand
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "Occam: graph networks, equivariant message passing, and symbolic distillation of what they learn.");
        return root;
    }

    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var config = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return Build().Parse(args).Invoke(config);
        }
        catch (OperationCanceledException)
        {
            config.Error.WriteLine("occam: interrupted");
            return 130;
        }
        catch (Exception e) when (e is UserInputException or IOException or UnauthorizedAccessException
                                      or FormatException or ArgumentException or InvalidDataException)
        {
            config.Error.WriteLine($"occam: error: {e.Message}");
            return 1;
        }
    }
}

/// <summary>Bad input from the user (file, option, data): printed as one line, exit code 1.</summary>
public sealed class UserInputException(string message) : Exception(message);
