using System.CommandLine;
using System.Globalization;
using Occam.Discovery;
using Occam.Discovery.Halos;
using Occam.Physics.Halos;

namespace Occam.Cli;

/// <summary>
/// The dark-matter example (<c>occam halos</c>): train a node-level graph
/// network on a halo catalogue (synthetic with a planted law, or <c>--data</c>), distil its significant message into a
/// pair formula and then a node formula, and report the out-of-distribution table.
/// </summary>
internal static class HalosCommand
{
    /// <summary>The halo example's own options.</summary>
    internal sealed class HaloOptions
    {
        /// <summary>The largest synthetic catalogue: 100 times the largest documented run (100,000 halos, ≈ 0.5 GiB).</summary>
        const int MaxHalos = 10_000_000;

        public readonly Option<int> Halos = new("--halos") { Description = "Synthetic catalogue size (default 4000); larger catalogues keep the density: the box grows as halos^(1/3).", DefaultValueFactory = _ => 4000 };
        public readonly Option<double> Noise = new("--noise") { Description = "Gaussian noise on the synthetic δ.", DefaultValueFactory = _ => 0.0 };
        public readonly Option<double?> Radius = new("--radius") { Description = "Neighbour radius (default: the synthetic law's 0.1; set it for --data)." };
        public readonly Option<int?> HalosPerBatch = new("--halos-per-batch") { Description = "Halos per spatial sub-volume (batch); default 500." };
        public readonly Option<double?> L1 = new("--l1") { Description = "Weight of the L1 prior on messages (default 1)." };
        public readonly Option<int?> MessageSize = new("--message-size") { Description = "Message components (default 8; the L1 prior should leave one significant)." };
        public readonly Option<int?> SymbolicRounds = OptionValues.SearchRounds("default 40");
        public readonly Option<double?> SymbolicSeconds = OptionValues.SearchSeconds("default 300 s; reached only on a busy machine");
        public readonly Option<int?> PairSearches = new("--pair-searches") { Description = "Searches of the pair formula on the messages, each with its own seed; the judge chooses among their pooled fronts on the halos' δ (default 8, at most 100)." };

        public void AddTo(Command command)
        {
            foreach (var o in new Option[] { Halos, Noise, Radius, HalosPerBatch, L1, MessageSize, SymbolicRounds, SymbolicSeconds, PairSearches }) command.Options.Add(o);
        }

        public HaloDiscoveryOptions Resolve(ParseResult parse, int seed, int? steps, int? threads)
        {
            int halos = parse.GetValue(Halos);
            if (halos is < 2 or > MaxHalos) throw new UserInputException($"--halos must be between 2 and {MaxHalos} (got {halos}).");
            double noise = parse.GetValue(Noise);
            if (!(noise >= 0)) throw new UserInputException($"--noise must be ≥ 0 (got {noise}).");
            var radius = parse.GetValue(Radius);
            if (radius is double r && !(r > 0)) throw new UserInputException($"--radius must be positive (got {r}).");
            var perBatch = parse.GetValue(HalosPerBatch);
            if (perBatch is < 1) throw new UserInputException($"--halos-per-batch must be at least 1 (got {perBatch}).");
            var (rounds, limit) = OptionValues.SearchBudget(parse, SymbolicRounds, SymbolicSeconds);
            var l1 = parse.GetValue(L1);
            if (l1 is double w && !(w >= 0)) throw new UserInputException($"--l1 must be ≥ 0 (got {w}).");
            var messageSize = parse.GetValue(MessageSize);
            if (messageSize is < 1) throw new UserInputException($"--message-size must be at least 1 (got {messageSize}).");
            if (steps is < 1) throw new UserInputException($"--steps must be at least 1 (got {steps}).");
            if (threads is < 1) throw new UserInputException($"--threads must be at least 1 (got {threads}).");
            var pairSearches = parse.GetValue(PairSearches);
            if (pairSearches is < 1 or > 100) throw new UserInputException($"--pair-searches must be between 1 and 100 (got {pairSearches}).");
            var options = new HaloDiscoveryOptions
            {
                Catalogue = new HaloCatalogueOptions { Noise = noise, Seed = seed }.ScaledTo(halos),
                Radius = radius, Seed = seed, Threads = threads,
            };
            if (perBatch is int p) options = options with { HalosPerBatch = p };
            if (limit is TimeSpan t) options = options with { SymbolicTimeLimit = t };
            if (rounds is int sr) options = options with { SymbolicRounds = sr };
            if (l1 is double a) options = options with { L1 = a };
            if (messageSize is int ms) options = options with { MessageSize = ms };
            if (steps is int n) options = options with { Steps = n };
            if (pairSearches is int ps) options = options with { PairSearches = ps };
            return options;
        }
    }

    /// <summary>Runs the example and prints the summary.</summary>
    internal static int Execute(ParseResult parse, HaloDiscoveryOptions options, string? dataPath, string outDir, string? jsonPath, CancellationToken cancel)
    {
        OutputGuard.CheckFile(jsonPath, "--json", dataPath);
        OutputGuard.CheckFolder(outDir, "--out");
        var catalogue = dataPath is null ? null : HaloCatalogueFile.Load(dataPath);
        var result = DiscoverCommand.RunWithProgress(parse, "halos", p => HaloDistillation.Run(options, catalogue, p, cancel));
        HaloReport.Write(result, outDir);
        if (jsonPath is not null) HaloReport.WriteSummary(result, jsonPath);
        Print(parse.InvocationConfiguration.Output, result, outDir);
        return 0;
    }

    internal static void Print(TextWriter output, HaloDiscoveryResult r, string outDir)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"halos: {r.Halos} halos ({r.Source}), {r.Edges} edges, R = {r.Radius.ToString("G4", inv)}; trained {r.Options.Steps} steps on {r.SubVolumes} sub-volumes in {r.TrainSeconds.ToString("F0", inv)} s");
        output.WriteLine($"  significant message {r.Component} ({(100 * r.ComponentVarianceFraction).ToString("F1", inv)} % of variance)"
            + (r.MessageR2 is double m ? $", R² vs planted pair term on fresh pairs {m.ToString("F4", inv)}" : ""));
        output.WriteLine($"  pair formula: {r.PairFormula.Infix}" + (r.PairFormulaR2 is double f ? $"  (R² affine, fresh pairs: {f.ToString("F4", inv)})" : ""));
        output.WriteLine($"  node formula: {r.NodeFormula.Infix}");
        output.Write(HaloReport.OodTable(r));
        output.WriteLine($"{r.Seconds.ToString("F0", inv)} s, peak working set {(r.PeakWorkingSetBytes / 1048576.0).ToString("F0", inv)} MiB; report in {outDir}");
    }

    public static Command Create()
    {
        var halo = new HaloOptions();
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed gives the same run.", DefaultValueFactory = _ => 0 };
        var steps = new Option<int?>("--steps") { Description = "Training steps (default 5000)." };
        var threads = new Option<int?>("--threads") { Description = "CPU threads (default: 1 for the network on ≤ 2 cores, else 2)." };
        var data = new Option<string?>("--data") { Description = "A real catalogue (.csv/.npy/.npz/.h5 with x, y, z, vx, vy, vz, M, delta; file.h5:/group for a group of columns or a 2-D dataset in an HDF5 file) instead of the synthetic one." };
        var output = new Option<string>("--out") { Description = "Report directory (report.md, summary.json).", DefaultValueFactory = _ => "halos-out" };
        var json = new Option<string?>("--json") { Description = "Also write the summary JSON to this path." };
        var command = new Command("halos",
            "Dark-matter example: a graph network predicts each halo's overdensity from its neighbours; its significant message is "
            + "distilled into a pair formula, then a node formula, and both are tested out of distribution.");
        halo.AddTo(command);
        foreach (var o in new Option[] { seed, steps, threads, data, output, json }) command.Options.Add(o);
        command.SetAction((parse, cancel) =>
        {
            var options = halo.Resolve(parse, parse.GetValue(seed), parse.GetValue(steps), parse.GetValue(threads));
            return Task.FromResult(Execute(parse, options, parse.GetValue(data), parse.GetValue(output)!, parse.GetValue(json), cancel));
        });
        return command;
    }
}
