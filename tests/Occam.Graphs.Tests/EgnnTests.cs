using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Graphs.Tests;

public sealed class EgnnTests
{
    const double Tolerance = 1e-5;

    static (long[] Senders, long[] Receivers) RandomEdges(Random random, int n, int count)
    {
        var s = new long[count];
        var r = new long[count];
        for (int e = 0; e < count; e++)
        {
            s[e] = random.Next(n);
            do r[e] = random.Next(n); while (r[e] == s[e]);
        }
        return (s, r);
    }

    static Tensor RandomTensor(Random random, params long[] shape)
    {
        long size = shape.Aggregate(1L, (a, b) => a * b);
        var data = new double[size];
        for (int i = 0; i < size; i++) data[i] = 2 * random.NextDouble() - 1;
        return tensor(data, dtype: ScalarType.Float64).reshape(shape);
    }

    /// <summary>Random orthogonal matrix by Gram–Schmidt; a reflection (det −1) when asked.</summary>
    static Tensor Orthogonal(Random random, int d, bool reflection)
    {
        var q = new double[d, d];
        for (int c = 0; c < d; c++)
        {
            var v = new double[d];
            for (int k = 0; k < d; k++) v[k] = 2 * random.NextDouble() - 1;
            for (int p = 0; p < c; p++)
            {
                double dot = 0;
                for (int k = 0; k < d; k++) dot += v[k] * q[k, p];
                for (int k = 0; k < d; k++) v[k] -= dot * q[k, p];
            }
            double norm = Math.Sqrt(v.Sum(a => a * a));
            for (int k = 0; k < d; k++) q[k, c] = v[k] / norm;
        }
        var t = tensor(q, dtype: ScalarType.Float64);
        double det = linalg.det(t).item<double>();
        if (reflection != det < 0)
        {
            for (int k = 0; k < d; k++) q[k, 0] = -q[k, 0];
            t = tensor(q, dtype: ScalarType.Float64);
        }
        return t;
    }

    static void AssertClose(Tensor expected, Tensor actual, double tolerance = Tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        double max = (expected - actual).abs().max().item<double>();
        Assert.True(max <= tolerance, $"max |difference| = {max:E3} > {tolerance:E1}");
    }

    static Egnn Model(bool velocity, int edgeFeatures, long seed, int layers = 3) =>
        new(new EgnnOptions { NodeFeatures = 4, EdgeFeatures = edgeFeatures, Hidden = 16, Layers = layers, UseVelocity = velocity, CoordinateGain = 0.5 },
            new Generator((ulong)seed), ScalarType.Float64);

    [Theory]
    [InlineData(false, 3)]
    [InlineData(true, 3)]
    [InlineData(false, 2)]
    [InlineData(true, 2)]
    public void Coordinates_and_velocities_rotate_with_the_input_and_features_stay_invariant(bool reflection, int d)
    {
        using var scope = NewDisposeScope();
        var random = new Random(d * 10 + (reflection ? 1 : 0));
        int n = 7;
        var (s, r) = RandomEdges(random, n, 20);
        var senders = tensor(s);
        var receivers = tensor(r);
        var model = Model(velocity: true, edgeFeatures: 2, seed: 3);
        var h = RandomTensor(random, n, 4);
        var x = RandomTensor(random, n, d) * 2;
        var v = RandomTensor(random, n, d);
        var a = RandomTensor(random, 20, 2);
        var q = Orthogonal(random, d, reflection);
        var plain = model.Forward(h, x, v, senders, receivers, a);
        var turned = model.Forward(h, x.matmul(q.T), v.matmul(q.T), senders, receivers, a);
        // The coordinate change must be large enough for the test to mean something.
        Assert.True((plain.X - x).abs().max().item<double>() > 1e-2);
        AssertClose(plain.X.matmul(q.T), turned.X);
        AssertClose(plain.V!.matmul(q.T), turned.V!);
        AssertClose(plain.H, turned.H);
    }

    [Fact]
    public void Coordinates_translate_with_the_input_while_velocities_and_features_do_not_change()
    {
        using var scope = NewDisposeScope();
        var random = new Random(5);
        int n = 6;
        var (s, r) = RandomEdges(random, n, 18);
        var model = Model(velocity: true, edgeFeatures: 0, seed: 4);
        var h = RandomTensor(random, n, 4);
        var x = RandomTensor(random, n, 3);
        var v = RandomTensor(random, n, 3);
        var shift = tensor(new[] { 3.0, -7.5, 11.25 }, dtype: ScalarType.Float64);
        var plain = model.Forward(h, x, v, tensor(s), tensor(r));
        var moved = model.Forward(h, x + shift, v, tensor(s), tensor(r));
        AssertClose(plain.X + shift, moved.X);
        AssertClose(plain.V!, moved.V!);
        AssertClose(plain.H, moved.H);
    }

    [Fact]
    public void Permuting_the_nodes_permutes_every_output()
    {
        using var scope = NewDisposeScope();
        var random = new Random(8);
        int n = 9;
        var (s, r) = RandomEdges(random, n, 30);
        var model = Model(velocity: true, edgeFeatures: 1, seed: 6);
        var h = RandomTensor(random, n, 4);
        var x = RandomTensor(random, n, 3);
        var v = RandomTensor(random, n, 3);
        var a = RandomTensor(random, 30, 1);
        var perm = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray(); // new node k is old node perm[k]
        var inverse = new long[n];
        for (int k = 0; k < n; k++) inverse[perm[k]] = k;
        var index = tensor(perm.Select(p => (long)p).ToArray());
        // Relabel and also shuffle the edge order.
        var edgeOrder = Enumerable.Range(0, 30).OrderBy(_ => random.Next()).ToArray();
        var s2 = edgeOrder.Select(e => inverse[s[e]]).ToArray();
        var r2 = edgeOrder.Select(e => inverse[r[e]]).ToArray();
        var a2 = a.index_select(0, tensor(edgeOrder.Select(e => (long)e).ToArray()));
        var plain = model.Forward(h, x, v, tensor(s), tensor(r), a);
        var permuted = model.Forward(h.index_select(0, index), x.index_select(0, index), v.index_select(0, index), tensor(s2), tensor(r2), a2);
        AssertClose(plain.H.index_select(0, index), permuted.H);
        AssertClose(plain.X.index_select(0, index), permuted.X);
        AssertClose(plain.V!.index_select(0, index), permuted.V!);
    }

    [Fact]
    public void Layer_matches_a_per_node_loop_over_incoming_edges()
    {
        using var scope = NewDisposeScope();
        var random = new Random(12);
        int n = 5, d = 3, f = 4, hidden = 8;
        var (s, r) = RandomEdges(random, n, 12);
        var layer = new EgnnLayer(f, hidden, edgeFeatures: 1, useVelocity: true, coordinateGain: 1.0, generator: new Generator(9), dtype: ScalarType.Float64);
        var h = RandomTensor(random, n, f);
        var x = RandomTensor(random, n, d);
        var v = RandomTensor(random, n, d);
        var a = RandomTensor(random, 12, 1);
        var output = layer.Forward(h, x, v, tensor(s), tensor(r), a);

        for (int i = 0; i < n; i++)
        {
            var incoming = Enumerable.Range(0, s.Length).Where(e => r[e] == i).ToArray();
            var messageSum = zeros(hidden, dtype: ScalarType.Float64);
            var shift = zeros(d, dtype: ScalarType.Float64);
            foreach (var e in incoming)
            {
                var diff = x[i] - x[s[e]];
                var input = cat([h[i], h[s[e]], diff.dot(diff).reshape(1), a[e]], 0).reshape(1, -1);
                var m = layer.EdgeModel.forward(input);
                var weight = layer.CoordinateModel(m);
                messageSum += m[0];
                shift += diff * weight[0, 0];
            }
            if (incoming.Length > 0) shift /= incoming.Length; // C = 1 / (number of neighbours)
            var velocity = layer.VelocityModel!.forward(h[i].reshape(1, -1))[0, 0] * v[i] + shift;
            AssertClose(velocity, output.V![i], 1e-12);
            AssertClose(x[i] + velocity, output.X[i], 1e-12);
            var hNew = h[i] + layer.NodeModel.forward(cat([h[i], messageSum], 0).reshape(1, -1))[0];
            AssertClose(hNew, output.H[i], 1e-12);
        }
    }

    [Fact]
    public void Coordinate_head_starts_with_a_small_gain_and_no_bias()
    {
        var layer = new EgnnLayer(4, 64, generator: new Generator(1));
        var weights = layer.named_parameters().Where(p => p.name.StartsWith("coordOut")).ToList();
        Assert.Single(weights); // weight only, no bias
        double bound = 0.001 * Math.Sqrt(6.0 / 65);
        double max = weights[0].parameter.abs().max().item<float>();
        Assert.InRange(max, bound * 0.5, bound * 1.0001);
    }

    [Fact]
    public void Same_generator_seed_gives_the_same_weights_and_another_seed_does_not()
    {
        var options = new EgnnOptions { NodeFeatures = 2, EdgeFeatures = 1, Hidden = 8, Layers = 2, UseVelocity = true };
        var a = new Egnn(options, new Generator(7)).parameters().Select(p => p.data<float>().ToArray()).ToList();
        var b = new Egnn(options, new Generator(7)).parameters().Select(p => p.data<float>().ToArray()).ToList();
        var c = new Egnn(options, new Generator(8)).parameters().Select(p => p.data<float>().ToArray()).ToList();
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i], b[i]);
        Assert.Contains(Enumerable.Range(0, a.Count), i => !a[i].SequenceEqual(c[i]));
    }

    [Fact]
    public void Training_step_leaves_no_live_tensors_behind()
    {
        var model = new Egnn(new EgnnOptions { NodeFeatures = 1, EdgeFeatures = 1, Hidden = 8, Layers = 2, UseVelocity = true }, new Generator(2));
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        var (s, r) = GraphBuilders.FullyConnected(5);
        using var data = NewDisposeScope();
        var senders = tensor(s);
        var receivers = tensor(r);
        var h = ones(5, 1);
        var x = randn(5, 3, generator: new Generator(3));
        var v = randn(5, 3, generator: new Generator(4));
        var a = ones(20, 1);
        var target = x + v;
        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.Forward(h, x, v, senders, receivers, a).X, target);
            loss.backward();
            optimizer.step();
        }
        Step(); // optimiser state is created on the first step
        DisposeScopeManager.Statistics.Reset();
        Step();
        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Velocity_variant_without_velocities_is_rejected_with_a_message()
    {
        var layer = new EgnnLayer(2, 4, useVelocity: true);
        var e = Assert.Throws<ArgumentException>(() => layer.Forward(zeros(3, 2), zeros(3, 3), null, tensor(new long[] { 0 }), tensor(new long[] { 1 })));
        Assert.Contains("v0", e.Message);
        var wrong = Assert.Throws<ArgumentException>(() => new Egnn(new EgnnOptions { NodeFeatures = 2 }).Forward(zeros(3, 5), zeros(3, 3), null, tensor(new long[] { 0 }), tensor(new long[] { 1 })));
        Assert.Contains("[N, 2]", wrong.Message);
    }
}
