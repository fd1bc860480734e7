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
        var resume = new Option<bool>("--resume") { Description = "Continue a killed run from its last checkpoint (with the same settings)." };
        var checkpointEvery = new Option<int?>("--checkpoint-every") { Description = "Write a checkpoint every this many steps (default 1000; the quick preset's run has 30000)." };
        var force = new Option<bool>("--force") { Description = "Replace a model already in --model (without it, train refuses to)." };
        var command = new Command("train", "Train the message-passing network with a sparsity prior on its messages and save it (see 'occam analyze').");
        common.AddTo(command, symbolic: false);
        command.Options.Add(model);
        command.Options.Add(resume);
        command.Options.Add(force);
        command.Options.Add(checkpointEvery);
        command.SetAction((parse, cancel) =>
        {
            var options = common.Resolve(parse);
            if (OptionValues.InRange(parse, checkpointEvery, 1) is int every) options = options with { CheckpointEvery = every };
            var dir = parse.GetValue(model)!;
            bool resuming = parse.GetValue(resume);
            if (File.Exists(dir)) throw new UserInputException($"--model {dir} is a file; give a folder.");
            if (!resuming && !parse.GetValue(force) && Trainer.HasCheckpoint(dir))
                throw new UserInputException($"--model {dir} already holds a trained model; pass --force to replace it or --resume to continue it.");
            int resumedAt = resuming ? Trainer.CheckpointStep(dir) : 0;
            var dataset = common.LoadData(parse);
            options = options with { CheckpointDirectory = dir, Resume = resuming };
            var (seconds, loss) = DiscoverCommand.RunWithProgress(parse, "train", p =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                using var trained = SymbolicDistillation.TrainToDirectory(options, dataset, p, cancel);
                return (clock.Elapsed.TotalSeconds, trained.LastLoss);
            });
            string steps = resumedAt > 0 ? $"{Math.Max(0, options.Steps - resumedAt)} steps (resumed at step {resumedAt} of {options.Steps})" : $"{options.Steps} steps";
            parse.InvocationConfiguration.Output.WriteLine(
                $"trained {steps} in {seconds.ToString("F0", CultureInfo.InvariantCulture)} s, final loss {loss.ToString("G4", CultureInfo.InvariantCulture)}; model in {dir}");
            return Task.FromResult(0);
        });
        return command;
    }
}
