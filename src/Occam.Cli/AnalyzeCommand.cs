using System.CommandLine;
using Occam.Discovery;
using Occam.Physics;

namespace Occam.Cli;

/// <summary><c>occam analyze</c>: the second half of <c>occam discover</c>: read a model written by <c>occam train</c>,
/// record its messages, run symbolic regression on the significant components and write the report.</summary>
internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint directory written by 'occam train'.", DefaultValueFactory = _ => "occam-model" };
        var data = new Option<string?>("--data") { Description = "Data set to record messages on (default: re-simulate the training data)." };
        var output = new Option<string>("--out") { Description = "Report directory.", DefaultValueFactory = _ => "discover-out" };
        var json = new Option<string?>("--json") { Description = "Also write the summary JSON to this path." };
        var command = new Command("analyze", "Distil a trained network: significant messages, R² against the force, symbolic regression, recovery check, report.")
        {
            model, data, output, json,
        };
        command.SetAction((parse, cancel) =>
        {
            var outDir = parse.GetValue(output)!;
            var dir = parse.GetValue(model)!;
            OutputGuard.CheckFile(parse.GetValue(json), "--json", parse.GetValue(data), dir);
            OutputGuard.CheckFolder(outDir, "--out");
            var dataset = parse.GetValue(data) is string path ? SymbolicDistillation.LoadDataset(path) : null;
            var result = DiscoverCommand.RunWithProgress(parse, "analyze", p =>
                SymbolicDistillation.AnalyzeDirectory(dir, dataset, p, cancel, options =>
                {
                    CheckStoredOptions(options, Path.Combine(dir, "options.json"));
                    DiscoverCommand.SetThreads(options);
                }));
            DiscoveryReport.Write(result, outDir);
            if (parse.GetValue(json) is string jsonPath) DiscoveryReport.WriteSummary(result, jsonPath);
            DiscoverCommand.Print(parse.InvocationConfiguration.Output, result, outDir);
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Refuses stored options that no <c>occam train</c> writes (an edited or damaged options.json) before any
    /// work, naming the file: the checks deeper down would name only the setting.</summary>
    static void CheckStoredOptions(DiscoveryOptions options, string path)
    {
        try
        {
            options.Network.Validate();
            options.Training.Validate();
            if (options.Bodies is < 2 or > DiscoverCommand.MaxBodies)
                throw new ArgumentException($"Bodies must be between 2 and {DiscoverCommand.MaxBodies}, got {options.Bodies}");
            new SimulationOptions
            {
                System = ParticleSystem.FromName(options.System, options.Potential), Dim = options.Dim, Bodies = options.Bodies,
                Sims = options.Sims, Steps = options.Frames, Tolerance = options.SimulationTolerance,
            }.Validate();
        }
        catch (ArgumentException e)
        {
            var message = e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
            throw new UserInputException($"'{path}' does not hold a trained model's settings: {message.ReplaceLineEndings(" ")}");
        }
    }
}
