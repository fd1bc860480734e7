// A graph network forward and backward pass on a batch of graphs with Occam.Graphs (graph_nets / jraph style).
using Occam.Graphs;
using TorchSharp;
using static TorchSharp.torch;

// 32 graphs of 4 fully connected bodies; node features = 2-D position and velocity, charge, mass.
// The target is a quantity the graph structure makes easy: for each node, the sum over its neighbours of
// their position minus its own.
var (senders, receivers) = GraphBuilders.FullyConnected(4);
var generator = new Generator(42);
var graphs = Enumerable.Range(0, 32)
    .Select(_ => GraphBatch.Single(randn(4, 6, generator: generator), null, null, senders, receivers, 4))
    .ToList();
var batch = GraphBatch.Batch(graphs);
var positions = batch.Nodes![.., ..2];
var target = Aggregations.SegmentSum(positions[batch.Senders] - positions[batch.Receivers], batch.Receivers, batch.NumNodes);

var model = InteractionNetwork.Create(nodeWidth: 6, edgeWidth: 0, messageWidth: 16, nodeOutputWidth: 2,
    hidden: [64, 64], generator: new Generator(1));
Console.WriteLine($"{batch.NumGraphs} graphs, {batch.NumNodes} nodes, {batch.NumEdges} edges; " +
                  $"{model.parameters().Sum(p => p.numel())} parameters");

var optimizer = optim.Adam(model.parameters(), 3e-3);
for (int step = 0; step <= 300; step++)
{
    using var scope = NewDisposeScope();
    optimizer.zero_grad();
    var output = model.forward(batch);             // output.Edges: messages; output.Nodes: predictions
    var loss = (output.Nodes! - target).pow(2).mean();
    loss.backward();                               // gradients through the edge model, the receiver sums and the node model
    optimizer.step();
    if (step % 50 == 0) Console.WriteLine($"step {step,3}: loss {loss.item<float>():G4}");
}
