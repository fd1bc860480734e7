using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Occam.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Discovery;

public sealed partial class ParticleNetwork
{
    /// <summary>Whether <see cref="LossAndGradients"/> handles this network's variant (standard, bottleneck and L1: ReLU
    /// MLPs and deterministic messages; KL samples its messages and the Hamiltonian differentiates twice, so those two
    /// train through autograd).</summary>
    public bool HasHandwrittenGradients => Options.Variant is MessageVariant.Standard or MessageVariant.Bottleneck or MessageVariant.L1;

    /// <summary>
    /// The training loss of <see cref="Forward(Tensor, bool, Generator?)"/> on one batch,
    /// L = (1/N_v) Σ_nodes ‖a_pred − a_true‖₁ + α·(1/N_e) Σ_edges ‖m‖₁ (the regulariser only for L1), and its gradient with
    /// respect to every parameter, written into the parameters' <c>grad</c> (replacing what was there), by backpropagation
    /// written out by hand rather than recorded by autograd. It computes what <c>Forward</c>, <see cref="Trainer.Loss"/>
    /// and <c>backward()</c> compute, in the same types (<see cref="MatmulType"/>: the MLPs' products, biases and ReLUs
    /// in that type, the rest in the parameters' type), with the matrix products left to libtorch and the gathers,
    /// scatters, sums over senders and masks done in one pass each over the memory, so a step records no autograd graph
    /// and makes about 60 tensor operations; the tests check it against autograd in float64.
    /// </summary>
    /// <param name="nodes">(B, n, 2·dim + 2), in the parameters' type.</param>
    /// <param name="targets">(B, n, dim) accelerations, in the parameters' type.</param>
    /// <param name="alpha">The regulariser's weight (used by L1 only).</param>
    /// <returns>The loss.</returns>
    /// <exception cref="InvalidOperationException">The variant is KL or Hamiltonian (<see cref="HasHandwrittenGradients"/>).</exception>
    /// <exception cref="ArgumentException">A shape or type does not fit the network, or a tensor is not on the CPU.</exception>
    public double LossAndGradients(Tensor nodes, Tensor targets, double alpha)
    {
        if (!HasHandwrittenGradients) throw new InvalidOperationException($"the {Options.Variant} variant trains through autograd");
        CheckNodes(nodes);
        if (nodes.device_type != DeviceType.CPU || targets.device_type != DeviceType.CPU)
            throw new ArgumentException("the handwritten backward runs on the CPU; train on other devices through autograd");
        var type = edgeModel.Layers[0].weight!.dtype;
        long b = nodes.shape[0], n = nodes.shape[1];
        if (nodes.dtype != type || targets.dtype != type)
            throw new ArgumentException($"nodes and targets must be {type}, as the parameters; got {nodes.dtype} and {targets.dtype}");
        if (!targets.shape.SequenceEqual(new[] { b, n, (long)Options.Dim }))
            throw new ArgumentException($"targets must be ({b}, {n}, {Options.Dim}), got ({string.Join(", ", targets.shape)})");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // The matrix products run on libtorch's threads; everything else on one (at these sizes an element-wise
        // operation split over threads costs more in forking and joining than it saves).
        int threads = get_num_threads();
        var pass = new Pass(this, (int)b, (int)n, type, MatmulType ?? type, threads);
        if (threads > 1) set_num_threads(1);
        try
        {
            return type == ScalarType.Float64 ? pass.Run<double>(nodes, targets, alpha) : pass.Run<float>(nodes, targets, alpha);
        }
        finally
        {
            if (threads > 1) set_num_threads(threads);
        }
    }

    /// <summary>One batch's forward and backward pass (<see cref="LossAndGradients"/>). Names: B graphs of n bodies,
    /// E = n(n−1) edges a graph, f node features, H hidden width; T the parameters' type, C the products' type.</summary>
    sealed class Pass(ParticleNetwork network, int b, int n, ScalarType type, ScalarType compute, int threads)
    {
        readonly int f = network.Options.NodeFeatures, m = network.Options.Messages, edges = n * (n - 1);
        readonly bool l1 = network.Options.Variant == MessageVariant.L1;

        public double Run<T>(Tensor nodes, Tensor targets, double alpha) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var edgeLayers = network.edgeModel.Layers;
            var nodeLayers = network.nodeModel.Layers;
            int hidden = (int)edgeLayers[0].weight!.shape[0], rows = b * n, edgeRows = b * edges;

            // Edge model, first layer per node: R = W_r·x + b (receiver part), S = W_s·x (sender part), in T.
            var x = nodes.reshape(rows, f);
            var w0 = edgeLayers[0].weight!;
            var receiverPart = addmm(edgeLayers[0].bias!, x, w0.narrow(1, 0, f).t(), 1, 1);
            var senderPart = x.mm(w0.narrow(1, f, f).t());
            var first = empty(edgeRows, hidden, dtype: type);        // ReLU(R_i + S_j) for every edge
            GatherFirstLayer<T>(Values<T>(receiverPart), Values<T>(senderPart), Values<T>(first), hidden);

            // The later edge layers in C: edgeInputs[k − 1] is layer k's input, its last entry the output (the messages).
            var edge = edgeLayers.Select((layer, k) => k == 0 ? null : new Layer(layer, compute, threads)).ToArray();
            var edgeInputs = new List<Tensor> { first.to(compute) };
            for (int k = 1; k < edgeLayers.Count; k++)
                edgeInputs.Add(edge[k]!.Forward(edgeInputs[^1], relu: k < edgeLayers.Count - 1));
            var messages = edgeInputs[^1].to(type).contiguous();        // (B·E, M) in T

            // Sum over senders, the node model's input [x | Σ m], the L1 norm of the messages.
            var nodeInput = empty(rows, f + m, dtype: type);
            double messageNorm = SumReceived<T>(Values<T>(x), Values<T>(messages), Values<T>(nodeInput));
            var node = nodeLayers.Select(layer => new Layer(layer, compute, threads)).ToArray();
            var nodeInputs = new List<Tensor> { nodeInput.to(compute) };
            for (int k = 0; k < nodeLayers.Count; k++)
                nodeInputs.Add(node[k].Forward(nodeInputs[^1], relu: k < nodeLayers.Count - 1));
            var predicted = nodeInputs[^1].to(type).contiguous();       // (B·n, dim)

            // Loss and its gradient with respect to the predictions: sgn(a_pred − a)/N_v.
            var gradient = empty(rows, network.Options.Dim, dtype: type);
            double error = AccelerationError<T>(Values<T>(predicted), Values<T>(targets.reshape(rows, -1).contiguous()), Values<T>(gradient));
            double loss = error / rows + (l1 ? alpha * (messageNorm / edgeRows) : 0);

            // Node model backward, last layer first; then the gradient reaching Σ m.
            var g = gradient.to(compute);
            for (int k = nodeLayers.Count - 1; k >= 0; k--)
                g = node[k].Backward(g, nodeInputs[k], maskBy: k > 0 ? nodeInputs[k] : null);
            var messageGradient = empty(edgeRows, m, dtype: type);
            ScatterToMessages<T>(Values<T>(g.to(type).contiguous()), Values<T>(messages), Values<T>(messageGradient),
                l1 ? T.CreateChecked(alpha) / T.CreateChecked(edgeRows) : T.Zero);

            // Edge model backward down to the first layer's output, then back to R and S per node.
            g = messageGradient.to(compute);
            for (int k = edgeLayers.Count - 1; k >= 1; k--)
                g = edge[k]!.Backward(g, edgeInputs[k - 1], maskBy: k > 1 ? edgeInputs[k - 1] : null);
            var receiverGradient = zeros(rows, hidden, dtype: type);
            var senderGradient = zeros(rows, hidden, dtype: type);
            ScatterFirstLayer<T>(Values<T>(g.to(type).contiguous()), Values<T>(first), Values<T>(receiverGradient),
                Values<T>(senderGradient), hidden);
            var w0Gradient = GradientOf(w0);
            w0Gradient.narrow(1, 0, f).copy_(receiverGradient.t().mm(x));
            w0Gradient.narrow(1, f, f).copy_(senderGradient.t().mm(x));
            GradientOf(edgeLayers[0].bias!).copy_(receiverGradient.sum(dim: 0));
            return loss;
        }

        internal static Tensor GradientOf(Tensor parameter)
        {
            var grad = parameter.grad;
            if (grad is null)
            {
                parameter.grad = zeros_like(parameter);
                grad = parameter.grad!;
            }
            return grad;
        }

        /// <summary>first[e] = ReLU(R[receiver] + S[sender]) for every edge e of every graph, in the dense edge order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first step: no tier-0 code in short runs
        void GatherFirstLayer<T>(ReadOnlySpan<T> receiver, ReadOnlySpan<T> sender, Span<T> first, int hidden)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int e = 0; e < b * edges; e++)
            {
                var r = receiver.Slice(ReceiverRow(e) * hidden, hidden);
                var s = sender.Slice(SenderRow(e) * hidden, hidden);
                var output = first.Slice(e * hidden, hidden);
                int c = 0;
                for (; c <= hidden - Vector<T>.Count; c += Vector<T>.Count)
                    Vector.Max(new Vector<T>(r[c..]) + new Vector<T>(s[c..]), Vector<T>.Zero).CopyTo(output[c..]);
                for (; c < hidden; c++) output[c] = T.Max(r[c] + s[c], T.Zero);
            }
        }

        /// <summary>The node model's input rows [x_i | Σ_j m_ij] and Σ|m| over every message.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first step: no tier-0 code in short runs
        double SumReceived<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> messages, Span<T> nodeInput) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var norms = Vector<T>.Zero;
            T norm = T.Zero;
            for (int row = 0; row < b * n; row++)
            {
                var input = nodeInput.Slice(row * (f + m), f + m);
                x.Slice(row * f, f).CopyTo(input);
                var sum = input[f..];
                sum.Clear();
                for (int k = 0; k < n - 1; k++)
                {
                    var message = messages.Slice((row * (n - 1) + k) * m, m);
                    int c = 0;
                    for (; c <= m - Vector<T>.Count; c += Vector<T>.Count)
                    {
                        var value = new Vector<T>(message[c..]);
                        (new Vector<T>(sum[c..]) + value).CopyTo(sum[c..]);
                        norms += Vector.Abs(value);
                    }
                    for (; c < m; c++)
                    {
                        sum[c] += message[c];
                        norm += T.Abs(message[c]);
                    }
                }
            }
            return double.CreateChecked(norm + Vector.Sum(norms));
        }

        /// <summary>Σ|a_pred − a| over every node and component, and its gradient sgn(a_pred − a)/N_v.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first step: no tier-0 code in short runs
        double AccelerationError<T>(ReadOnlySpan<T> predicted, ReadOnlySpan<T> targets, Span<T> gradient)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T error = T.Zero, perNode = T.One / T.CreateChecked(b * n);
            for (int k = 0; k < predicted.Length; k++)
            {
                var difference = predicted[k] - targets[k];
                error += T.Abs(difference);
                gradient[k] = Sign(difference) * perNode;
            }
            return double.CreateChecked(error);
        }

        /// <summary>∂L/∂m_ij = ∂L/∂(Σ m)_i + α/N_e · sgn(m_ij): the gradient reaching the receiver's sum, plus the L1 term.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first step: no tier-0 code in short runs
        void ScatterToMessages<T>(ReadOnlySpan<T> nodeInputGradient, ReadOnlySpan<T> messages, Span<T> messageGradient, T l1Weight)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            Vector<T> plus = new(l1Weight), minus = new(-l1Weight);
            for (int row = 0; row < b * n; row++)
            {
                var received = nodeInputGradient.Slice(row * (f + m) + f, m);
                for (int k = 0; k < n - 1; k++)
                {
                    var message = messages.Slice((row * (n - 1) + k) * m, m);
                    var output = messageGradient.Slice((row * (n - 1) + k) * m, m);
                    int c = 0;
                    for (; c <= m - Vector<T>.Count; c += Vector<T>.Count)
                    {
                        var value = new Vector<T>(message[c..]);
                        var l1 = Vector.ConditionalSelect(Vector.GreaterThan(value, Vector<T>.Zero), plus,
                            Vector.ConditionalSelect(Vector.LessThan(value, Vector<T>.Zero), minus, Vector<T>.Zero));
                        (new Vector<T>(received[c..]) + l1).CopyTo(output[c..]);
                    }
                    for (; c < m; c++) output[c] = received[c] + l1Weight * Sign(message[c]);
                }
            }
        }

        /// <summary>The first layer's ReLU backward, and the edges' gradients summed back to their receiver's R and their
        /// sender's S.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first step: no tier-0 code in short runs
        void ScatterFirstLayer<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> first, Span<T> receiver, Span<T> sender, int hidden)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int e = 0; e < b * edges; e++)
            {
                var r = receiver.Slice(ReceiverRow(e) * hidden, hidden);
                var s = sender.Slice(SenderRow(e) * hidden, hidden);
                var edgeGradient = g.Slice(e * hidden, hidden);
                var output = first.Slice(e * hidden, hidden);
                int c = 0;
                for (; c <= hidden - Vector<T>.Count; c += Vector<T>.Count)
                {
                    var kept = Vector.ConditionalSelect(Vector.GreaterThan(new Vector<T>(output[c..]), Vector<T>.Zero),
                        new Vector<T>(edgeGradient[c..]), Vector<T>.Zero);
                    (new Vector<T>(r[c..]) + kept).CopyTo(r[c..]);
                    (new Vector<T>(s[c..]) + kept).CopyTo(s[c..]);
                }
                for (; c < hidden; c++)
                    if (output[c] > T.Zero)
                    {
                        r[c] += edgeGradient[c];
                        s[c] += edgeGradient[c];
                    }
            }
        }

        /// <summary>The node row (graph·n + i) of edge <paramref name="e"/>'s receiver i, in the dense edge order: each
        /// receiver's n − 1 edges in turn.</summary>
        int ReceiverRow(int e) => e / (n - 1);

        /// <summary>The node row of edge <paramref name="e"/>'s sender: the receiver's graph, the senders j ≠ i ascending.</summary>
        int SenderRow(int e)
        {
            int receiver = e / (n - 1), k = e % (n - 1), i = receiver % n;
            return receiver - i + (k < i ? k : k + 1);
        }

        /// <summary>sgn(v): 1, −1 or 0 (also 0 for NaN, where the loss is NaN and the step is refused; T.Sign throws).</summary>
        static T Sign<T>(T v) where T : IFloatingPointIeee754<T> => v > T.Zero ? T.One : v < T.Zero ? -T.One : T.Zero;

        /// <summary>g ← g where <paramref name="output"/> &gt; 0, else 0 (ReLU's backward; outputs are never negative, so
        /// "positive" is "a positive integer bit pattern", whatever the float type).</summary>
        internal static void KeepWherePositive(Tensor g, Tensor output)
        {
            switch (g.element_size())
            {
                case 2: KeepWherePositive(Values<short>(g), Values<short>(output)); break;
                case 4: KeepWherePositive(Values<int>(g), Values<int>(output)); break;
                default: KeepWherePositive(Values<long>(g), Values<long>(output)); break;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first step: no tier-0 code in short runs
        static void KeepWherePositive<TBits>(Span<TBits> g, ReadOnlySpan<TBits> output) where TBits : unmanaged, IBinaryInteger<TBits>
        {
            int k = 0;
            for (; k <= g.Length - Vector<TBits>.Count; k += Vector<TBits>.Count)
                Vector.ConditionalSelect(Vector.GreaterThan(new Vector<TBits>(output[k..]), Vector<TBits>.Zero), new Vector<TBits>(g[k..]),
                    Vector<TBits>.Zero).CopyTo(g[k..]);
            for (; k < g.Length; k++)
                if (output[k] <= TBits.Zero) g[k] = TBits.Zero;
        }

        static Span<TValue> Values<TValue>(Tensor t) where TValue : unmanaged =>
            t.is_contiguous() ? MemoryMarshal.Cast<byte, TValue>(t.bytes) : throw new InvalidOperationException("expected a contiguous tensor");
    }

    /// <summary>A linear layer of an MLP with its weight and bias cast once to the products' type; its matrix products
    /// run on <paramref name="threads"/> libtorch threads.</summary>
    sealed class Layer(TorchSharp.Modules.Linear parameters, ScalarType compute, int threads)
    {
        readonly Tensor weight = parameters.weight!.to(compute), bias = parameters.bias!.to(compute);

        /// <summary>W·x + b, ReLU'd when asked.</summary>
        public Tensor Forward(Tensor input, bool relu)
        {
            var output = Product(() => addmm(bias, input, weight.t(), 1, 1));
            return relu ? output.relu_() : output;
        }

        /// <summary>Writes the weight and bias gradients for the output gradient <paramref name="g"/> and returns the gradient
        /// of the input (masked by the previous ReLU's output when given).</summary>
        public Tensor Backward(Tensor g, Tensor input, Tensor? maskBy)
        {
            Pass.GradientOf(parameters.weight!).copy_(Product(() => g.t().mm(input)));
            Pass.GradientOf(parameters.bias!).copy_(g.sum(dim: 0));
            var inputGradient = Product(() => g.mm(weight));
            if (maskBy is not null) Pass.KeepWherePositive(inputGradient, maskBy);
            return inputGradient;
        }

        /// <summary>Runs a matrix product on the layer's threads (the rest of the pass runs on one).</summary>
        Tensor Product(Func<Tensor> product)
        {
            if (threads == 1) return product();
            set_num_threads(threads);
            try
            {
                return product();
            }
            finally
            {
                set_num_threads(1);
            }
        }
    }
}
