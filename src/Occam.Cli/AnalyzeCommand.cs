using System.CommandLine;
using Occam.Discovery;

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
        var rounds = OptionValues.SearchRounds("default: the trained model's options, quick preset 30");
        var seconds = OptionValues.SearchSeconds("default: the trained model's options");
        var operators = OptionValues.SearchOperators("default: the trained model's options");
        var refine = OptionValues.RefineRounds("default: the trained model's options, quick preset 20");
        var command = new Command("analyze", "Distil a trained network: significant messages, R² against the force, symbolic regression, recovery check, report.")
        {
            model, data, output, json, rounds, seconds, operators, refine,
        };
        command.SetAction((parse, cancel) =>
        {
            var outDir = parse.GetValue(output)!;
            var dir = parse.GetValue(model)!;
            OutputGuard.CheckFile(parse.GetValue(json), "--json", parse.GetValue(data), dir);
            OutputGuard.CheckFolder(outDir, "--out");
            var (searchRounds, searchLimit) = OptionValues.SearchBudget(parse, rounds, seconds);
            var searchOperators = OptionValues.Operators(parse, operators);
            var refineRounds = OptionValues.Refine(parse, refine);
            var dataset = parse.GetValue(data) is string path ? DatasetFile.Load(path) : null;
            var result = DiscoverCommand.RunWithProgress(parse, "analyze", p =>
                SymbolicDistillation.AnalyzeDirectory(dir, dataset, p, cancel, searchRounds, searchLimit, searchOperators, refineRounds));
            DiscoveryReport.Write(result, outDir);
            if (parse.GetValue(json) is string jsonPath) DiscoveryReport.WriteSummary(result, jsonPath);
            DiscoverCommand.Print(parse.InvocationConfiguration.Output, result, outDir);
            return Task.FromResult(0);
        });
        return command;
    }

}
