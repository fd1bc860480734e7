using Occam.Graphs;
using Occam.Physics.NBody;
using Occam.Physics.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Demos.Tests;

public sealed class DemoModelTests
{
    static ChargedNBodySet SmallSet()
    {
        var options = new ChargedNBodyOptions { Steps = 1000, SampleEvery = 100, InputFrame = 2, TargetFrame = 6 };
        return ChargedNBody.Generate(4, 6, 1, 1, options).Train;
    }

    static Tensor RandomRotation(int seed)
    {
        // Rotation from a unit quaternion (independent of the code under test).
        var r = new Random(seed);
        double a = r.NextDouble() - 0.5, b = r.NextDouble() - 0.5, c = r.NextDouble() - 0.5, d = r.NextDouble() - 0.5;
        double n = Math.Sqrt(a * a + b * b + c * c + d * d);
        a /= n; b /= n; c /= n; d /= n;
        var m = new float[,]
        {
            { (float)(a * a + b * b - c * c - d * d), (float)(2 * (b * c - a * d)), (float)(2 * (b * d + a * c)) },
            { (float)(2 * (b * c + a * d)), (float)(a * a - b * b + c * c - d * d), (float)(2 * (c * d - a * b)) },
            { (float)(2 * (b * d - a * c)), (float)(2 * (c * d + a * b)), (float)(a * a - b * b - c * c + d * d) },
        };
        return tensor(m);
    }

    static NBodyBatch Rotated(NBodyBatch b, Tensor q, Tensor shift)
    {
        var x = b.X.matmul(q.T) + shift;
        return b with { X = x, V = b.V.matmul(q.T), XT = b.XT.matmul(q.T) + shift };
    }

    [Fact]
    public void Egnn_nbody_prediction_rotates_and_translates_with_the_particles()
    {
        using var scope = NewDisposeScope();
        var set = NBodyTensors.From(SmallSet());
        var order = Enumerable.Range(0, set.Count).ToArray();
        var batch = set.Batch(order, 0, set.Count);
        var net = new EgnnNBodyNet(16, 2, new Generator(1));
        var q = RandomRotation(3);
        var shift = tensor(new float[] { 0.5f, -1.0f, 2.0f });
        using var _ = no_grad();
        var plain = net.Predict(batch);
        var turned = net.Predict(Rotated(batch, q, shift));
        double error = (plain.matmul(q.T) + shift - turned).abs().max().item<float>();
        Assert.True(error < 1e-4, $"max deviation {error}");
    }

    [Fact]
    public void Gnn_baseline_is_not_rotation_equivariant()
    {
        using var scope = NewDisposeScope();
        var set = NBodyTensors.From(SmallSet());
        var batch = set.Batch(Enumerable.Range(0, set.Count).ToArray(), 0, set.Count);
        var net = new GnnNBodyNet(16, 2, new Generator(1));
        var q = RandomRotation(3);
        using var _ = no_grad();
        var plain = net.Predict(batch);
        var turned = net.Predict(Rotated(batch, q, zeros(3)));
        double error = (plain.matmul(q.T) - turned).abs().max().item<float>();
        Assert.True(error > 1e-3, $"max deviation {error}");
    }

    [Fact]
    public void Nbody_batch_edge_attributes_are_charge_products_and_squared_distances()
    {
        var data = SmallSet();
        var set = NBodyTensors.From(data);
        var batch = set.Batch([2, 0], 0, 2);
        var senders = batch.Senders.data<long>().ToArray();
        var receivers = batch.Receivers.data<long>().ToArray();
        var attributes = batch.EdgeAttributes.data<float>().ToArray();
        Assert.Equal(2 * 20, senders.Length);
        int[] sample = [2, 0];
        for (int e = 0; e < senders.Length; e++)
        {
            int g = (int)(receivers[e] / 5), i = (int)(receivers[e] % 5), j = (int)(senders[e] - g * 5);
            Assert.NotEqual(i, j);
            Assert.Equal(g, (int)(senders[e] / 5));
            int s = sample[g];
            Assert.Equal(data.Charges[s * 5 + i] * data.Charges[s * 5 + j], attributes[e * 2], 6);
            double r2 = 0;
            for (int k = 0; k < 3; k++) r2 += Math.Pow(data.X0[(s * 5 + i) * 3 + k] - data.X0[(s * 5 + j) * 3 + k], 2);
            Assert.Equal(r2, attributes[e * 2 + 1], 4);
        }
    }

    [Fact]
    public void Label_accuracy_counts_nodes_edges_and_fully_solved_graphs()
    {
        using var scope = NewDisposeScope();
        var a = SortTask.FromValues([0.3, 0.1]);          // node labels [0, 1]; edges 0→0,0→1,1→0,1→1 labels [1,0,1,0]
        var b = SortTask.FromValues([0.2, 0.9, 0.5]);
        var graphs = new[] { a, b };
        var batch = GraphTensors.Batch(graphs);
        // Logits predicting the labels exactly, except one node of graph b.
        var nodeTargets = graphs.SelectMany(g => g.NodeLabels).ToArray();
        var edgeTargets = graphs.SelectMany(g => g.EdgeLabels).ToArray();
        nodeTargets[3] = 1 - nodeTargets[3];
        Tensor Logits(int[] labels) => tensor(labels.SelectMany(l => l == 1 ? new float[] { 0, 1 } : [1, 0]).ToArray()).reshape(-1, 2);
        var output = batch.WithFeatures(Logits(nodeTargets), Logits(edgeTargets), null);
        var accuracy = GraphTaskDemo.Accuracy(graphs, output);
        Assert.Equal(4.0 / 5.0, accuracy.Nodes, 12);
        Assert.Equal(1.0, accuracy.Edges, 12);
        Assert.Equal(0.5, accuracy.Solved, 12);
    }

    [Fact]
    public void Mass_spring_training_lowers_the_velocity_loss()
    {
        var result = MassSpringDemo.Run(new MassSpringDemoOptions { Iterations = 200, BatchSize = 32, EvaluateEvery = 10, TestMasses = [4], RolloutsPerSize = 2, ValidationSamples = 64 });
        double first = result.History[0].ValidationMse, last = result.History[^1].ValidationMse;
        Assert.True(last < 0.5 * first, $"validation MSE went from {first} to {last}");
        Assert.Equal(result.History.MinBy(h => h.ValidationMse)!.Iteration, result.BestIteration);
        var summary = result.Rollouts.Single();
        Assert.Equal(2, summary.Chains);
        var rollout = summary.Example;
        Assert.Equal(51, rollout.Predicted.Length);
        Assert.Equal(rollout.True[0], rollout.Predicted[0]);
        Assert.True(double.IsFinite(rollout.PositionMse) && double.IsFinite(rollout.VelocityMse));
    }

    [Fact]
    public void Rollout_of_the_exact_trajectory_reference_has_no_error_at_step_zero()
    {
        var chain = MassSpringTask.CreateNoisy(new Random(1), 4, 0.5);
        var truth = MassSpringTask.Simulate(chain, 3, 0.1);
        Assert.Equal(chain.InitialState, truth[0]);
        // Fixed ends never move in the exact simulation.
        Assert.Equal(chain.InitialState[0], truth[3][0]);
        Assert.Equal(chain.InitialState[15], truth[3][15]);
    }

    /// <summary>
    /// Rotation augmentation turns the raw image and then standardises it: a quarter turn equals torch.rot90 of the
    /// standardised image, and at 45° the corners that come into view hold the standardised background (0 − mean)/std,
    /// not 0.
    /// </summary>
    [Fact]
    public void Augmented_batches_turn_the_raw_images_then_standardise_them()
    {
        using var scope = NewDisposeScope();
        var random = new Random(3);
        var pixels = Enumerable.Range(0, 2 * 28 * 28).Select(_ => (float)random.NextDouble()).ToArray();
        var images = new Occam.Grids.Data.ImageSet(28, 28, pixels, [0, 1], ["a", "b"], "random");
        const double mean = 0.4, std = 0.25;
        var standardised = (tensor(pixels, [2, 1, 28, 28]) - mean) / std;

        var quarter = new RotatedBatches(images, mean, std, () => Math.PI / 2).Batch([1, 0]);
        var expected = standardised.index_select(0, tensor(new long[] { 1, 0 })).rot90(1, (2, 3));
        Assert.True(quarter.sub(expected).abs().max().item<float>() < 1e-6f);

        var ones = new Occam.Grids.Data.ImageSet(28, 28, Enumerable.Repeat(1f, 28 * 28).ToArray(), [0], ["a"], "ones");
        var eighth = new RotatedBatches(ones, mean, std, () => Math.PI / 4).Batch([0]);
        Assert.Equal((0 - mean) / std, eighth[0, 0, 0, 0].item<float>(), 5);
        Assert.Equal((1 - mean) / std, eighth[0, 0, 14, 14].item<float>(), 5);
    }
}
