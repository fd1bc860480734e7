using System.CommandLine;
using Occam.Symbolic.IO;

namespace Occam.Cli;

/// <summary>The root `occam` command: assembles the subcommands and turns failures into one-line errors.</summary>
public static class OccamCommand
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "Occam: graph networks, equivariant message passing, and symbolic distillation of what they learn.");
        foreach (var option in root.Options)
            if (option is VersionOption version) version.Action = new PrintVersion();
        // Subcommands register here, one line each.
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(RegressCommand.Create());
        root.Subcommands.Add(WorkerCommand.Create());
        root.Subcommands.Add(DiscoverCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(AnalyzeCommand.Create());
        root.Subcommands.Add(HalosCommand.Create());
        return root;
    }

    /// <summary>Occam's own version (the entry assembly may be a host such as a test runner).</summary>
    public static string Version =>
        typeof(OccamCommand).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>()
            .FirstOrDefault()?.InformationalVersion ?? "unknown";

    sealed class PrintVersion : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Version);
            return 0;
        }
    }

    /// <summary>
    /// Runs the command line. Exit codes: 0 success, 1 bad input or failed work (one line on stderr),
    /// 2 bad command line (unknown option, missing argument), 130 interrupted.
    /// </summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        // Ctrl+C (SIGINT) cancels the actions' token instead of killing the process: they stop at their next check (a
        // training step, a search round) and keep what they have written.
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onInterrupt = (_, e) => { e.Cancel = true; interrupt.Cancel(); };
        Console.CancelKeyPress += onInterrupt;
        try
        {
            return Run(args, output, error, interrupt.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onInterrupt;
        }
    }

    /// <summary>Runs the command line; <paramref name="interrupt"/> acts as Ctrl+C.</summary>
    internal static int Run(string[] args, TextWriter? output, TextWriter? error, CancellationToken interrupt)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var parse = Build().Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0)
        {
            // An unrecognised token explains more than the "required command" error it causes.
            var first = parse.Errors.FirstOrDefault(e => parse.UnmatchedTokens.Any(e.Message.Contains)) ?? parse.Errors[0];
            error.WriteLine($"occam: error: {MessageText.OneLine(first.Message)} (see 'occam --help')");
            return 2;
        }
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return parse.InvokeAsync(config, interrupt).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("occam: interrupted");
            return 130;
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"occam: error: {MessageText.Of(e)}");
            return 1;
        }
    }

    /// <summary>The documented error types (docs/errors.md): bad input or a run that cannot go on, printed as one line.</summary>
    static bool IsUserError(Exception e) =>
        e is UserInputException or IOException or UnauthorizedAccessException or FormatException
            or ArgumentException or InvalidDataException or NotSupportedException or Occam.Physics.SimulationException
            or Occam.Discovery.TrainingDivergedException;
}

/// <summary>Bad input from the user (file, option, data): printed as one line, exit code 1.</summary>
public sealed class UserInputException(string message) : Exception(message);
