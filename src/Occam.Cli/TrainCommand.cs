using System.CommandLine;
using System.Globalization;
using Occam.Discovery;

namespace Occam.Cli;

/// <summary><c>occam train</c>: the first half of <c>occam discover</c>: simulate (or read --data) and train the network,
/// writing a checkpoint directory that <c>occam analyze</c> reads.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var common = new DiscoverCommand.CommonOptions();
        var model = new Option<string>("--model") { Description = "Checkpoint directory to write (and resume from).", DefaultValueFactory = _ => "occam-model" };
        var resume = new Option<bool>("--resume") { Description = "Continue a killed run from its last checkpoint." };
        var command = new Command("train", "Train the message-passing network with a sparsity prior on its messages and save it (see 'occam analyze').");
        common.AddTo(command, symbolic: false);
        command.Options.Add(model);
        command.Options.Add(resume);
        command.SetAction((parse, cancel) =>
        {
            var options = common.Resolve(parse);
            var dataset = common.LoadData(parse);
            var dir = parse.GetValue(model)!;
            options = options with { CheckpointDirectory = dir, Resume = parse.GetValue(resume) };
            DiscoverCommand.SetThreads(options);
            var (seconds, loss) = DiscoverCommand.RunWithProgress(parse, "train", p =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var (_, _, last) = SymbolicDistillation.TrainToDirectory(options, dataset, p, cancel);
                return (clock.Elapsed.TotalSeconds, last);
            });
            parse.InvocationConfiguration.Output.WriteLine(
                $"trained {options.Steps} steps in {seconds.ToString("F0", CultureInfo.InvariantCulture)} s, final loss {loss.ToString("G4", CultureInfo.InvariantCulture)}; model in {dir}");
            return Task.FromResult(0);
        });
        return command;
    }
}
