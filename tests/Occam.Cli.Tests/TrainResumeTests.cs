using System.Diagnostics;
using System.Text.Json;

namespace Occam.Cli.Tests;

/// <summary>
/// <c>occam train</c> killed after a checkpoint and continued with <c>--resume</c> ends where an uninterrupted run ends:
/// every step's randomness comes from (seed, step) and the checkpoint holds weights, Adam's state, step and loss curve
/// (Trainer), so the result is the same to the bit.
/// </summary>
public sealed class TrainResumeTests : IDisposable
{
    readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    const int Steps = 400, CheckpointEvery = 100;

    static readonly string[] Settings =
        ["--steps", $"{Steps}", "--checkpoint-every", $"{CheckpointEvery}", "--seed", "3", "--threads", "1", "--system", "r1"];

    /// <summary>The built command, started as its own process.</summary>
    static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "occam.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    /// <summary>Runs the command to its end; returns its standard output.</summary>
    static string RunToEnd(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "train did not finish");
        Assert.True(process.ExitCode == 0, error.Result);
        return output.Result;
    }

    static int CheckpointStep(string model) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(model, "state.json"))).RootElement.GetProperty("Step").GetInt32();

    static string FinalLoss(string output) => output[output.IndexOf("final loss ", StringComparison.Ordinal)..].Split(';')[0];

    [Fact]
    public void A_killed_run_resumed_from_its_checkpoint_ends_bit_for_bit_like_an_uninterrupted_one()
    {
        string whole = dir.File("whole"), killed = dir.File("killed");
        var uninterrupted = RunToEnd(["train", "--model", whole, .. Settings]);

        using (var process = Start(["train", "--model", killed, .. Settings]))
        {
            var state = Path.Combine(killed, "state.json");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(state) && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(5)) Thread.Sleep(10);
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        // killed after the first checkpoint, well before the end: the resumed run has work to do
        int at = CheckpointStep(killed);
        Assert.True(at > 0 && at < Steps && at % CheckpointEvery == 0, $"killed at step {at}");
        // what the killed run left is whole: the files a checkpoint consists of, each complete (the resume reads them),
        // the pending files of a checkpoint it was writing (which the resume completes or drops), and possibly temporary
        // files of a write it did not finish, which are never taken for the files themselves
        var names = Directory.GetFiles(killed).Select(Path.GetFileName).ToArray();
        Assert.All(names.Where(n => !n!.EndsWith(".tmp", StringComparison.Ordinal)),
            n => Assert.Contains(n, new[] { "model.bin", "optimizer.bin", "state.json", "options.json", "model.bin.next", "optimizer.bin.next" }));

        var resumed = RunToEnd(["train", "--resume", "--model", killed, .. Settings]);

        Assert.Contains($"trained {Steps - at} steps (resumed at step {at} of {Steps})", resumed);
        Assert.Equal(FinalLoss(uninterrupted), FinalLoss(resumed));
        foreach (var file in new[] { "model.bin", "optimizer.bin", "state.json" })
            Assert.True(File.ReadAllBytes(Path.Combine(whole, file)).SequenceEqual(File.ReadAllBytes(Path.Combine(killed, file))), $"{file} differs");
        // the next write of each file removed the temporary files the killed process left
        Assert.Equal(["model.bin", "optimizer.bin", "options.json", "state.json"], Directory.GetFiles(killed).Select(Path.GetFileName).Order());
    }
}
