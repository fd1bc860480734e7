using System.Diagnostics;
using System.Text;
using Occam.Graphs;
using Occam.Physics.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Demos;

/// <summary>The two classification demos of graph_nets.</summary>
public enum GraphTaskKind
{
    /// <summary>Label the nodes and edges on the shortest path between the marked start and end.</summary>
    ShortestPath,
    /// <summary>Label the smallest element and, for each element, the edge to its successor in sorted order.</summary>
    Sort,
}

/// <summary>
/// Settings of the shortest-path and sort demos (graph_nets): EncodeProcessDecode with latent 16, two-layer MLPs
/// with LayerNorm, 10 processing steps, Adam 1e-3, batches of 32 freshly generated graphs; training on 8–16 nodes
/// (elements) and testing on 16–32. The loss is the softmax cross-entropy of node and edge labels averaged over
/// the processing steps; the metrics use the last step.
/// </summary>
public sealed record GraphTaskDemoOptions
{
    public GraphTaskKind Task { get; init; } = GraphTaskKind.ShortestPath;
    public int Seed { get; init; } = 1;
    public int Iterations { get; init; } = 2000;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public int Latent { get; init; } = 16;
    public int ProcessingSteps { get; init; } = 10;
    public int EvaluateEvery { get; init; } = 100;
    public int TestGraphs { get; init; } = 200;
    /// <summary>Held-out graphs of the test sizes (other seed) that pick the reported iteration.</summary>
    public int ValidationGraphs { get; init; } = 200;
    public int TrainMinNodes { get; init; } = 8;
    public int TrainMaxNodes { get; init; } = 16;
    public int TestMinNodes { get; init; } = 16;
    public int TestMaxNodes { get; init; } = 32;
    /// <summary>Geographic threshold of the shortest-path graphs.</summary>
    public double Theta { get; init; } = 20;

    internal void Validate()
    {
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "GraphTaskDemoOptions.Iterations must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "GraphTaskDemoOptions.BatchSize must be at least 1.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "GraphTaskDemoOptions.LearningRate must be positive.");
        if (ProcessingSteps < 1) throw new ArgumentOutOfRangeException(nameof(ProcessingSteps), ProcessingSteps, "GraphTaskDemoOptions.ProcessingSteps must be at least 1.");
        if (EvaluateEvery < 1) throw new ArgumentOutOfRangeException(nameof(EvaluateEvery), EvaluateEvery, "GraphTaskDemoOptions.EvaluateEvery must be at least 1.");
        if (ValidationGraphs < 1) throw new ArgumentOutOfRangeException(nameof(ValidationGraphs), ValidationGraphs, "GraphTaskDemoOptions.ValidationGraphs must be at least 1.");
        if (TestGraphs < 1) throw new ArgumentOutOfRangeException(nameof(TestGraphs), TestGraphs, "GraphTaskDemoOptions.TestGraphs must be at least 1.");
        if (Latent < 1) throw new ArgumentOutOfRangeException(nameof(Latent), Latent, "GraphTaskDemoOptions.Latent must be positive.");
    }
}

/// <summary>Fractions of nodes and edges labelled correctly and of graphs fully solved (all nodes and edges right).</summary>
public sealed record LabelAccuracy(double Nodes, double Edges, double Solved);

/// <summary>One evaluation point: the training loss and the accuracies on the last training batch, the validation and the test set.</summary>
public sealed record GraphTaskEpoch(int Iteration, double Loss, LabelAccuracy Train, LabelAccuracy Validation, LabelAccuracy Test);

/// <summary>
/// Result of a shortest-path or sort run. <see cref="Test"/> is the test accuracy at <see cref="BestIteration"/>, the
/// evaluation with the best validation accuracy (nodes + edges); <see cref="FinalTest"/> the one after the last iteration.
/// </summary>
public sealed record GraphTaskDemoResult(GraphTaskDemoOptions Options, int BestIteration, LabelAccuracy Test, LabelAccuracy FinalTest,
    IReadOnlyList<GraphTaskEpoch> History, double MajorityNodeAccuracy, TimeSpan Elapsed);

/// <summary>The graph_nets shortest-path and sort demos (<c>occam demo shortest-path | sort</c>).</summary>
public static class GraphTaskDemo
{
    public static GraphTaskDemoResult Run(GraphTaskDemoOptions? options = null, Action<string>? log = null, CancellationToken cancellation = default)
    {
        options ??= new GraphTaskDemoOptions();
        options.Validate();
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        var trainRandom = new Random(options.Seed);
        var testRandom = new Random(options.Seed + 1_000_003);
        var test = Generate(testRandom, options.TestGraphs, options, testing: true);
        var validation = Generate(new Random(options.Seed + 2_000_003), options.ValidationGraphs, options, testing: true);
        double majority = test.Sum(g => g.NodeLabels.Count(l => l == 0)) / (double)test.Sum(g => g.NodeCount);
        var first = test[0];
        using var scope = NewDisposeScope();
        var model = EncodeProcessDecode.Create(
            new FeatureWidths(first.NodeFeatureSize, first.EdgeFeatureSize, first.Globals.Length), options.Latent,
            new FeatureWidths(2, 2, 0), [options.Latent], options.ProcessingSteps, Activation.ReLU, new Generator((ulong)options.Seed));
        var optimizer = optim.Adam(model.parameters(), options.LearningRate);
        log($"{options.Task}: {model.parameters().Sum(p => p.numel()):N0} parameters, {options.ProcessingSteps} processing steps, " +
            $"train {options.TrainMinNodes}–{options.TrainMaxNodes} nodes, test {options.TestMinNodes}–{options.TestMaxNodes} ({options.TestGraphs} graphs, {majority:P1} of test nodes are negatives)");
        var history = new List<GraphTaskEpoch>();
        LabelAccuracy testAccuracy = new(0, 0, 0);
        var best = (Iteration: 0, Score: double.NegativeInfinity, Test: testAccuracy);
        for (int iteration = 1; iteration <= options.Iterations; iteration++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var step = NewDisposeScope();
            var graphs = Generate(trainRandom, options.BatchSize, options, testing: false);
            var batch = GraphTensors.Batch(graphs);
            var (nodeLabels, edgeLabels) = GraphTensors.Labels(graphs);
            model.train();
            optimizer.zero_grad();
            var outputs = model.ForwardSteps(batch);
            Tensor loss = zeros(1);
            foreach (var o in outputs)
                loss = loss + nn.functional.cross_entropy(o.Nodes!, nodeLabels) + nn.functional.cross_entropy(o.Edges!, edgeLabels);
            loss = loss / outputs.Count;
            loss.backward();
            optimizer.step();
            if (iteration % options.EvaluateEvery == 0 || iteration == options.Iterations)
            {
                var trainAccuracy = Accuracy(graphs, outputs[^1]);
                var validationAccuracy = Evaluate(model, validation);
                testAccuracy = Evaluate(model, test);
                history.Add(new GraphTaskEpoch(iteration, loss.item<float>(), trainAccuracy, validationAccuracy, testAccuracy));
                double score = validationAccuracy.Nodes + validationAccuracy.Edges;
                if (score > best.Score) best = (iteration, score, testAccuracy);
                log($"{options.Task} iteration {iteration}/{options.Iterations}: loss {loss.item<float>():F4}  train nodes {trainAccuracy.Nodes:P1} solved {trainAccuracy.Solved:P0}  " +
                    $"val nodes {validationAccuracy.Nodes:P1}  test nodes {testAccuracy.Nodes:P1} edges {testAccuracy.Edges:P1} solved {testAccuracy.Solved:P1}  {clock.Elapsed.TotalSeconds:F0} s");
            }
        }
        return new GraphTaskDemoResult(options, best.Iteration, best.Test, testAccuracy, history, majority, clock.Elapsed);
    }

    static TaskGraph[] Generate(Random random, int count, GraphTaskDemoOptions o, bool testing)
    {
        int min = testing ? o.TestMinNodes : o.TrainMinNodes, max = testing ? o.TestMaxNodes : o.TrainMaxNodes;
        return o.Task switch
        {
            GraphTaskKind.ShortestPath => ShortestPathTask.Generate(random, count, new ShortestPathOptions { MinNodes = min, MaxNodes = max, Theta = o.Theta }),
            GraphTaskKind.Sort => SortTask.Generate(random, count, new SortOptions { MinElements = min, MaxElements = max }),
            _ => throw new ArgumentOutOfRangeException(nameof(o), o.Task, "Unknown graph task."),
        };
    }

    static LabelAccuracy Evaluate(EncodeProcessDecode model, IReadOnlyList<TaskGraph> graphs)
    {
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return Accuracy(graphs, model.forward(GraphTensors.Batch(graphs)));
    }

    /// <summary>Accuracy of the arg-max labels of <paramref name="output"/> against the graphs' labels.</summary>
    internal static LabelAccuracy Accuracy(IReadOnlyList<TaskGraph> graphs, GraphBatch output)
    {
        var nodePredictions = output.Nodes!.argmax(1).data<long>().ToArray();
        var edgePredictions = output.Edges!.argmax(1).data<long>().ToArray();
        long nodesRight = 0, edgesRight = 0, nodes = 0, edges = 0, solved = 0;
        int nodeOffset = 0, edgeOffset = 0;
        foreach (var g in graphs)
        {
            bool all = true;
            for (int i = 0; i < g.NodeCount; i++)
            {
                bool right = nodePredictions[nodeOffset + i] == g.NodeLabels[i];
                nodesRight += right ? 1 : 0;
                all &= right;
            }
            for (int e = 0; e < g.EdgeCount; e++)
            {
                bool right = edgePredictions[edgeOffset + e] == g.EdgeLabels[e];
                edgesRight += right ? 1 : 0;
                all &= right;
            }
            solved += all ? 1 : 0;
            nodes += g.NodeCount; edges += g.EdgeCount;
            nodeOffset += g.NodeCount; edgeOffset += g.EdgeCount;
        }
        return new LabelAccuracy(nodesRight / (double)nodes, edgesRight / (double)Math.Max(edges, 1), solved / (double)graphs.Count);
    }

    /// <summary>Writes <c>{name}.md</c> and <c>{name}.png</c> (test accuracy curves) to <paramref name="directory"/>.</summary>
    public static string WriteReport(GraphTaskDemoResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = result.Options;
        var name = o.Task == GraphTaskKind.ShortestPath ? "shortest-path" : "sort";
        Directory.CreateDirectory(directory);
        var it = result.History.Select(h => (double)h.Iteration).ToArray();
        DemoReport.LinePlot(Path.Combine(directory, name + ".png"), $"{name}: accuracy on {o.TestMinNodes}–{o.TestMaxNodes}-node test graphs", "iteration", "fraction correct",
        [
            new PlotSeries("test nodes", it, result.History.Select(h => h.Test.Nodes).ToArray()),
            new PlotSeries("test edges", it, result.History.Select(h => h.Test.Edges).ToArray()),
            new PlotSeries("test solved", it, result.History.Select(h => h.Test.Solved).ToArray()),
            new PlotSeries("train nodes", it, result.History.Select(h => h.Train.Nodes).ToArray()),
        ], markers: true);
        var md = new StringBuilder();
        md.AppendLine($"# graph_nets demo: {name}");
        md.AppendLine();
        md.AppendLine($"EncodeProcessDecode, latent {o.Latent}, two-layer MLPs with LayerNorm, {o.ProcessingSteps} processing steps, Adam {DemoReport.F(o.LearningRate)}, " +
                      $"{o.Iterations} iterations of {o.BatchSize} graphs with {o.TrainMinNodes}–{o.TrainMaxNodes} nodes, seed {o.Seed}.");
        md.AppendLine($"Test: {o.TestGraphs} graphs with {o.TestMinNodes}–{o.TestMaxNodes} nodes; the reported iteration ({result.BestIteration}) is the one with the best " +
                      $"accuracy on {o.ValidationGraphs} other graphs of the same sizes. A graph is solved when all its nodes and edges are right.");
        md.AppendLine();
        md.AppendLine($"| metric (test, last processing step) | at iteration {result.BestIteration} | after the last iteration |");
        md.AppendLine("|---|---|---|");
        md.AppendLine($"| nodes labelled correctly | {result.Test.Nodes:P2} | {result.FinalTest.Nodes:P2} |");
        md.AppendLine($"| edges labelled correctly | {result.Test.Edges:P2} | {result.FinalTest.Edges:P2} |");
        md.AppendLine($"| graphs fully solved | {result.Test.Solved:P2} | {result.FinalTest.Solved:P2} |");
        md.AppendLine($"| nodes if all labelled negative | {result.MajorityNodeAccuracy:P2} | |");
        md.AppendLine();
        md.AppendLine($"Wall-clock time {result.Elapsed.TotalMinutes:F1} min.");
        md.AppendLine();
        md.AppendLine($"![accuracy]({name}.png)");
        var path = Path.Combine(directory, name + ".md");
        DemoReport.WriteText(path, md.ToString());
        return path;
    }
}
