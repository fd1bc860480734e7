using System.Reflection;
using Occam.Discovery;
using Occam.Physics;
using Occam.Symbolic;
using Occam.Symbolic.Tests;
using Occam.Tests.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Discovery.Tests;

public sealed class SymbolicModuleTests
{
    const int Features = 3;
    static readonly string[] Pair2D = MessageRecord.PairFeatureNames(2);

    static Expression[] RandomSet(int count, int seed)
    {
        var rng = new Random(seed);
        var list = new List<Expression>
        {
            Expression.Parse("log(x0) + sqrt(x1)"), Expression.Parse("x0 ^ x1"), Expression.Parse("inv(x0) - x1 / x2"),
            Expression.Parse("cond(x0, log(x1)) + greater(x1, x2) * step(x2)"), Expression.Parse("2.5"),
            Expression.Parse("cube(x0 - 1) + square(-x1) - cube(-2)"),
        };
        while (list.Count < count) list.Add(new Expression(RandomExpressions.Tree(rng, 1 + rng.Next(24), Features)));
        return list.ToArray();
    }

    static double[][] Inputs(int rows, int seed)
    {
        var rng = new Random(seed);
        double[] special = [0.0, -0.0, 1.0, -1.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 2.0, -0.5];
        return Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, Features).Select(j =>
            i < 12 ? special[(i + 3 * j) % special.Length] : (rng.NextDouble() * 6 - 3) * Math.Pow(10, rng.Next(-2, 3))).ToArray()).ToArray();
    }

    static Tensor Matrix(double[][] x, ScalarType dtype = ScalarType.Float64) =>
        tensor(x.SelectMany(r => r).ToArray(), new long[] { x.Length, x[0].Length }).to_type(dtype);

    static double[] Values(Tensor t) => t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    /// <summary>Random pair features (dx, dy, r, m1, m2, q1, q2) as the simulations draw them.</summary>
    static double[][] PairRows(int rows, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ =>
        {
            double dx = rng.NextDouble() * 6 - 3, dy = rng.NextDouble() * 6 - 3;
            return new[] { dx, dy, Math.Sqrt(dx * dx + dy * dy), Math.Exp(rng.NextDouble() * 2 - 1), Math.Exp(rng.NextDouble() * 2 - 1),
                rng.Next(2) * 2 - 1.0, rng.Next(2) * 2 - 1.0 };
        }).ToArray();
    }

    static readonly string[] PhysicalLaws =
    [
        "-2 * (r + 0.01 - 1) * dx / r", "m1 * m2 * dy / cube(r + 0.01)", "q1 * q2 * dx / (r * square(r + 0.01))",
        "m1 * m2 * dx / (r * (r + 0.01))", "exp(-r) * q1 * q2 / r", "cond(r - 2, 2 * (r - 1)) * dx / r",
        "sqrt(m1 * m2) * tanh(dx) - abs(dy) ^ 1.5", "log(m1) + sin(dy) * cos(dx) - inv(m2) + greater(m1, m2) * step(dx)",
    ];

    [Fact]
    public void Float64_module_equals_evaluate_on_random_expressions_within_1e_12()
    {
        // torch's vectorised exp/log/sin differ from .NET's Math by an ulp or two; values that a few ulp there move by more
        // than 1e-13 are left out (Conditioning.IllConditioned), at most 5 % of them.
        var expressions = RandomSet(150, seed: 21);
        var x = Inputs(40, seed: 22);
        using var scope = NewDisposeScope();
        var input = Matrix(x);
        int skipped = 0;
        foreach (var e in expressions)
        {
            using var module = new SymbolicModule(e, ScalarType.Float64);
            using var noGrad = no_grad();
            var y = Values(module.forward(input));
            Assert.Equal(x.Length, y.Length);
            for (int i = 0; i < x.Length; i++)
            {
                if (Conditioning.IllConditioned(e, x[i])) { skipped++; continue; }
                double expected = e.Evaluate(x[i]);
                Assert.True(ExportRuntimes.Same(expected, y[i], 1e-12), $"{e} at ({string.Join(", ", x[i])}): Evaluate {expected:R}, module {y[i]:R}");
            }
        }
        Assert.True(skipped <= expressions.Length * x.Length / 20, $"{skipped} ill-conditioned values left out");
    }

    [Fact]
    public void Float32_module_equals_evaluate_within_1e_6_on_force_laws()
    {
        // Compared at the float32-rounded inputs, so only the float32 arithmetic differs; 1e-6 of the larger of the value and
        // the law's RMS over the rows (a value near a zero of the law has no relative accuracy in float32).
        var rows = PairRows(500, seed: 23);
        using var scope = NewDisposeScope();
        var input = Matrix(rows, ScalarType.Float32);
        var rounded = rows.Select(r => r.Select(v => (double)(float)v).ToArray()).ToArray();
        foreach (var text in PhysicalLaws)
        {
            var law = Expression.Parse(text, Pair2D);
            using var module = new SymbolicModule(law, ScalarType.Float32);
            var y = Values(module.forward(input));
            var expected = rounded.Select(r => law.Evaluate(r)).ToArray();
            double rms = Math.Sqrt(expected.Average(v => v * v));
            for (int i = 0; i < rows.Length; i++)
                Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-6 * Math.Max(Math.Abs(expected[i]), rms),
                    $"{text} at row {i}: Evaluate {expected[i]:R}, float32 module {y[i]:R}");
        }
    }

    [Fact]
    public void Gradients_with_respect_to_the_constants_equal_central_differences_of_evaluate()
    {
        var rows = PairRows(64, seed: 24);
        using var scope = NewDisposeScope();
        var input = Matrix(rows);
        foreach (var text in PhysicalLaws)
        {
            var law = Expression.Parse(text, Pair2D);
            if (law.ConstantCount == 0) continue;
            using var module = new SymbolicModule(law, ScalarType.Float64);
            module.forward(input).sum().backward();
            var grads = module.parameters().Select(p => p.grad?.item<double>() ?? 0).ToArray(); // none: the constant only sets a condition
            var c = law.Constants;
            Assert.Equal(c.Length, grads.Length);
            for (int k = 0; k < c.Length; k++)
            {
                double h = 1e-6 * Math.Max(1, Math.Abs(c[k]));
                double Sum(double delta)
                {
                    var shifted = (double[])c.Clone();
                    shifted[k] += delta;
                    var e = law.WithConstants(shifted);
                    return rows.Sum(r => e.Evaluate(r));
                }
                double fd = (Sum(h) - Sum(-h)) / (2 * h);
                Assert.True(Math.Abs(fd - grads[k]) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"{text}, constant {k} = {c[k]}: autograd {grads[k]:R}, central difference {fd:R}");
            }
        }
    }

    [Fact]
    public void A_training_step_leaves_no_live_tensors_and_training_refits_the_constants()
    {
        // y = 2.5·sin(0.7·x0) + 0.3 fitted from constants 1, 1, 0.
        var rng = new Random(25);
        var x = Enumerable.Range(0, 200).Select(_ => new[] { rng.NextDouble() * 4 - 2 }).ToArray();
        using var input = Matrix(x);
        using var target = tensor(x.Select(r => 2.5 * Math.Sin(0.7 * r[0]) + 0.3).ToArray(), dtype: ScalarType.Float64);
        using var module = new SymbolicModule(Expression.Parse("1 * sin(1 * x0) + 0"), ScalarType.Float64);
        using var optimizer = optim.Adam(module.parameters(), 0.05);
        void Step()
        {
            using var step = NewDisposeScope();
            optimizer.zero_grad();
            var loss = (module.forward(input) - target).square().mean();
            loss.backward();
            optimizer.step();
        }
        Step(); // the optimizer creates its state on the first step
        DisposeScopeManager.Statistics.Reset();
        Step();
        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        for (int i = 0; i < 3000; i++) Step();
        var fitted = module.ToExpression().Constants;
        Assert.Equal(2.5, fitted[0], 5e-3);
        Assert.Equal(0.7, fitted[1], 5e-3);
        Assert.Equal(0.3, fitted[2], 5e-3);
    }

    [Fact]
    public void Exported_torchsharp_source_compiles_and_equals_the_module_and_evaluate()
    {
        var expressions = RandomSet(60, seed: 26).Concat(PhysicalLaws.Select(t => Expression.Parse(t, Pair2D))).ToArray();
        var source = string.Join("\n", expressions.Select((e, k) => SymbolicModule.ToSource(e, $"Law{k}"))
            .Select((s, k) => k == 0 ? s : s[s.IndexOf("/// <summary>", StringComparison.Ordinal)..]));
        var assembly = ExportRuntimes.CompileCSharp(source);
        var x = Inputs(40, seed: 27).Select(r => r.Concat(r).Concat(r.Take(1)).ToArray()).ToArray(); // 7 columns
        using var scope = NewDisposeScope();
        var input = Matrix(x);
        for (int k = 0; k < expressions.Length; k++)
        {
            var e = expressions[k];
            using var exported = (nn.Module<Tensor, Tensor>)Activator.CreateInstance(assembly.GetType($"Law{k}")!, ScalarType.Float64, null)!;
            using var module = new SymbolicModule(e, ScalarType.Float64);
            Assert.Equal(e.ConstantCount, exported.parameters().Count());
            Assert.Equal(module.named_parameters().Select(p => p.name), exported.named_parameters().Select(p => p.name));
            using var noGrad = no_grad();
            var a = Values(exported.forward(input));
            var b = Values(module.forward(input));
            for (int i = 0; i < x.Length; i++)
            {
                Assert.True(ExportRuntimes.Same(b[i], a[i], 0), $"{e}: module {b[i]:R}, exported {a[i]:R}"); // the same tensor operations
                if (!Conditioning.IllConditioned(e, x[i]))
                    Assert.True(ExportRuntimes.Same(e.Evaluate(x[i]), a[i], 1e-12), $"{e}: Evaluate {e.Evaluate(x[i]):R}, exported {a[i]:R}");
            }
        }
    }

    [Fact]
    public void Custom_operators_have_no_tensor_form_and_the_error_names_them()
    {
        var e = Expression.Parse("blend_export(x0, 2) + x1", null, new OperatorSet([CustomOperator.FromFunction("blend_export", (a, b) => 0.5 * (a + b))]));
        Assert.Contains("blend_export", Assert.Throws<NotSupportedException>(() => new SymbolicModule(e)).Message);
        Assert.Contains("blend_export", Assert.Throws<NotSupportedException>(() => SymbolicModule.ToSource(e)).Message);
    }

    static ParticleData Spring(int sims = 3, int frames = 10) =>
        DataStage.ToParticleData(Simulator.Run(new SimulationOptions
        {
            System = ParticleSystem.Spring, Sims = sims, Steps = frames, Seed = 4, Tolerance = 1e-9, MaxDegreeOfParallelism = 1,
        }));

    static Tensor Nodes(ParticleData data, ScalarType dtype = ScalarType.Float32) =>
        tensor(data.Nodes, new long[] { data.Samples, data.Bodies, data.Features }).to_type(dtype);

    /// <summary>The spring's pair force per axis (force on the receiver; divided by m1 when <paramref name="perMass"/>).</summary>
    static Expression[] SpringLaws(bool perMass) =>
        new[] { "dx", "dy" }.Select(d => Expression.Parse($"-2 * (r + 0.01 - 1) * {d} / r{(perMass ? " / m1" : "")}", Pair2D)).ToArray();

    /// <summary>Σ_j F_ij / m_i from Occam.Physics' own pair force, in double, at the data's (float32) positions.</summary>
    static double[] LawAccelerations(ParticleData data)
    {
        var a = new double[data.Samples * data.Bodies * 2];
        for (int s = 0; s < data.Samples; s++)
            for (int i = 0; i < data.Bodies; i++)
                for (int j = 0; j < data.Bodies; j++)
                {
                    if (i == j) continue;
                    var f = ParticleSystem.Spring.PairForce(
                        [data.Position(s, i, 0) - (double)data.Position(s, j, 0), data.Position(s, i, 1) - (double)data.Position(s, j, 1)],
                        data.Mass(s, i), data.Mass(s, j), data.Charge(s, i), data.Charge(s, j));
                    for (int d = 0; d < 2; d++) a[(s * data.Bodies + i) * 2 + d] += f[d] / data.Mass(s, i);
                }
        return a;
    }

    [Fact]
    public void Pair_features_equal_a_loop_over_every_ordered_pair_in_the_networks_edge_order()
    {
        var data = Spring(1, 3);
        using var scope = NewDisposeScope();
        var features = Values(SymbolicEdgeModel.PairFeatures(Nodes(data, ScalarType.Float64)));
        var (receivers, senders) = ParticleNetwork.EdgeOrder(data.Bodies);
        int e = receivers.Length, k = 0;
        for (int s = 0; s < data.Samples; s++)
            for (int edge = 0; edge < e; edge++)
            {
                int i = receivers[edge], j = senders[edge];
                double dx = data.Position(s, i, 0) - (double)data.Position(s, j, 0), dy = data.Position(s, i, 1) - (double)data.Position(s, j, 1);
                double[] expected = [dx, dy, Math.Sqrt(dx * dx + dy * dy), data.Mass(s, i), data.Mass(s, j), data.Charge(s, i), data.Charge(s, j)];
                foreach (var v in expected) Assert.Equal(v, features[k++], 1e-15);
            }
        Assert.Equal(features.Length, k);
    }

    [Fact]
    public void The_spring_law_as_edge_model_predicts_the_simulated_accelerations_as_well_as_the_law_itself()
    {
        var data = Spring();
        var reference = LawAccelerations(data);
        double scale = reference.Average(Math.Abs);
        using var scope = NewDisposeScope();

        // float64: the law summed by the module equals the law summed in a loop (Occam.Physics' pair force) to 1e-12 of the
        // mean |a|; float32: to 1e-5 (float32 features and sums).
        foreach (var (dtype, tolerance) in new[] { (ScalarType.Float64, 1e-12), (ScalarType.Float32, 1e-5) })
        {
            using var edges = new SymbolicEdgeModel(SpringLaws(perMass: true), 2, dtype);
            var a = Values(edges.Accelerations(Nodes(data, dtype), perMass: true));
            for (int i = 0; i < a.Length; i++)
                Assert.True(Math.Abs(a[i] - reference[i]) <= tolerance * scale, $"{dtype} row {i}: module {a[i]:R}, law {reference[i]:R}");
            using var force = new SymbolicEdgeModel(SpringLaws(perMass: false), 2, dtype);
            var b = Values(force.Accelerations(Nodes(data, dtype), perMass: false));
            for (int i = 0; i < b.Length; i++)
                Assert.True(Math.Abs(b[i] - reference[i]) <= tolerance * scale, $"{dtype} force laws, row {i}: module {b[i]:R}, law {reference[i]:R}");
        }

        // Against the data: as close as the pipeline's own judge of the recovered equations (CompareOutOfDistribution,
        // mean over bodies of ‖a − a_data‖₁), which differ from the data only by the float32 rounding of the positions.
        using var module = new SymbolicEdgeModel(SpringLaws(perMass: true), 2, ScalarType.Float32);
        var predicted = Values(module.Accelerations(Nodes(data), perMass: true));
        double moduleError = predicted.Select((v, i) => Math.Abs(v - data.Accelerations[i])).Sum() / (data.Samples * data.Bodies);
        manual_seed(5);
        using var network = new ParticleNetwork(new NetworkOptions(2, MessageVariant.L1, Hidden: 8, HiddenLayers: 1, MessageSize: 4));
        var calibration = MessageRecord.Record(network, data, ParticleSystem.Spring, 240, seed: 1);
        var judged = JudgeStage.CompareOutOfDistribution(network, SpringLaws(perMass: true), calibration, perMass: true, data, data);
        Assert.True(moduleError <= 1e-5 * scale, $"module error {moduleError} against mean |a| {scale}");
        Assert.True(Math.Abs(moduleError - judged.EquationError) <= 1e-5 * scale, $"module {moduleError}, recovered equations {judged.EquationError}");
    }

    /// <summary>A network's node-model layers (weights, biases) in order, in double.</summary>
    static List<(double[,] W, double[] B)> NodeLayers(ParticleNetwork net)
    {
        var p = net.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        var layers = new List<(double[,] W, double[] B)>();
        for (int l = 0; p.TryGetValue($"nodeModel.layers.{l}.weight", out var w); l++)
        {
            int rows = (int)w.shape[0], cols = (int)w.shape[1];
            var flat = Values(w);
            var m = new double[rows, cols];
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) m[r, c] = flat[r * cols + c];
            layers.Add((m, Values(p[$"nodeModel.layers.{l}.bias"])));
        }
        return layers;
    }

    static double[] Mlp(List<(double[,] W, double[] B)> layers, double[] input)
    {
        var h = input;
        for (int l = 0; l < layers.Count; l++)
        {
            var (w, b) = layers[l];
            h = Enumerable.Range(0, b.Length).Select(o =>
            {
                double s = b[o];
                for (int i = 0; i < h.Length; i++) s += w[o, i] * h[i];
                return l < layers.Count - 1 ? Math.Max(0, s) : s;
            }).ToArray();
        }
        return h;
    }

    [Fact]
    public void A_network_with_the_law_as_its_edge_model_feeds_the_laws_summed_messages_to_its_node_model()
    {
        // Reference: the node MLP, from the network's own weights, on [x_i, Σ_j law(pair ij)] computed in double.
        var data = Spring(1, 4);
        var laws = SpringLaws(perMass: false);
        manual_seed(6);
        using var network = new ParticleNetwork(new NetworkOptions(2, MessageVariant.L1, Hidden: 16, HiddenLayers: 2, MessageSize: 2));
        using var edges = new SymbolicEdgeModel(laws, 2);
        using var scope = NewDisposeScope();
        using var output = network.Forward(Nodes(data), edges);
        var acc = Values(output.Accelerations);
        var messages = Values(output.Messages);
        var layers = NodeLayers(network);
        var (receivers, senders) = ParticleNetwork.EdgeOrder(data.Bodies);
        int perGraph = receivers.Length;
        for (int s = 0; s < data.Samples; s++)
            for (int i = 0; i < data.Bodies; i++)
            {
                var input = new double[data.Features + 2];
                for (int k = 0; k < data.Features; k++) input[k] = data.Nodes[(s * data.Bodies + i) * data.Features + k];
                for (int edge = 0; edge < perGraph; edge++)
                {
                    if (receivers[edge] != i) continue;
                    int j = senders[edge];
                    double dx = data.Position(s, i, 0) - (double)data.Position(s, j, 0), dy = data.Position(s, i, 1) - (double)data.Position(s, j, 1);
                    double[] pair = [dx, dy, Math.Sqrt(dx * dx + dy * dy), data.Mass(s, i), data.Mass(s, j), data.Charge(s, i), data.Charge(s, j)];
                    for (int c = 0; c < 2; c++)
                    {
                        double m = laws[c].Evaluate(pair);
                        Assert.Equal(m, messages[(s * perGraph + edge) * 2 + c], 1e-5 * Math.Max(1, Math.Abs(m)));
                        input[data.Features + c] += m;
                    }
                }
                var expected = Mlp(layers, input);
                for (int d = 0; d < 2; d++)
                {
                    double actual = acc[(s * data.Bodies + i) * 2 + d];
                    Assert.True(Math.Abs(actual - expected[d]) <= 1e-4 * Math.Max(1, Math.Abs(expected[d])), $"body {i} axis {d}: network {actual}, naive {expected[d]}");
                }
            }
        var mismatch = Assert.Throws<ArgumentException>(() => network.Forward(Nodes(data), new SymbolicEdgeModel([laws[0]], 2)));
        Assert.Contains("1 message component", mismatch.Message);
    }

    [Fact]
    public void The_edge_model_of_a_distillation_uses_each_significant_components_equation_and_the_others_means()
    {
        var data = Spring(1, 4);
        manual_seed(7);
        using var network = new ParticleNetwork(new NetworkOptions(2, MessageVariant.L1, Hidden: 8, HiddenLayers: 1, MessageSize: 4));
        var record = MessageRecord.Record(network, data, ParticleSystem.Spring, 48, seed: 1);
        var laws = SpringLaws(perMass: false);
        var fit = (int c) => new ComponentFit(c, 1, null, 1, 1, [1, 0], false);
        var distillation = new DistillationResult(record, MessageAnalysis.Analyze(record), [
            new DistilledComponent(fit(3), new ParetoEntry(9, 0, 0, laws[0]), null),
            new DistilledComponent(fit(1), new ParetoEntry(9, 0, 0, laws[1]), null)],
            new RecoveryCheck(true, [1, 1], false, true, [], "ok"));

        using var edges = SymbolicEdgeModel.FromDistillation(distillation, 4);

        var used = edges.Laws;
        foreach (var (law, c) in new[] { (laws[0], 3), (laws[1], 1) })
        {
            Assert.Equal(law.WithConstants(used[c].Constants), used[c]); // the same form; constants as float32
            Assert.Equal(law.Constants, used[c].Constants, (a, b) => Math.Abs(a - b) <= 1e-7 * Math.Max(1, Math.Abs(a)));
        }
        foreach (int c in new[] { 0, 2 })
            Assert.Equal(MessageRecord.Column(record.Messages, c).Average(), used[c].Constants.Single(), 1e-6);
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { data.Samples, 12, 4 }, edges.forward(Nodes(data)).shape);
    }
}
