using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>
/// Output of an <see cref="EgnnLayer"/> or <see cref="Egnn"/>: invariant node features <see cref="H"/> <c>[N, F]</c>,
/// equivariant coordinates <see cref="X"/> <c>[N, D]</c> and, for the velocity variant, velocities <see cref="V"/>
/// <c>[N, D]</c> (null otherwise).
/// </summary>
public sealed record EgnnOutput(Tensor H, Tensor X, Tensor? V);

/// <summary>
/// One E(n)-equivariant graph convolution (Satorras, Hoogeboom &amp; Welling 2021, eqs. 3–6 and 7).
/// With i the receiver and j the sender of each edge (Occam's convention: messages are aggregated at the receiver):
/// <code>
/// m_ij = φ_e(h_i, h_j, ‖x_i − x_j‖², a_ij)
/// x_i ← x_i + C Σ_j (x_i − x_j) φ_x(m_ij)                 (C = 1/deg(i) with <see cref="Reducer.Mean"/>, 1 with Sum)
/// m_i = Σ_j m_ij,   h_i ← h_i + φ_h(h_i, m_i)
/// </code>
/// The velocity variant replaces the coordinate update by
/// <c>v_i = φ_v(h_i) v_i⁰ + C Σ_j (x_i − x_j) φ_x(m_ij)</c>, <c>x_i ← x_i + v_i</c>.
/// φ_e = Linear·act·Linear·act, φ_h = Linear·act·Linear, φ_v = Linear·act·Linear(→1),
/// φ_x = Linear·act·Linear(→1, no bias, Xavier-uniform with a small gain, 0.001 by default).
/// </summary>
public sealed class EgnnLayer : nn.Module
{
    private readonly Mlp edgeModel;
    private readonly Mlp nodeModel;
    private readonly Linear coordHidden;
    private readonly Linear coordOut;
    private readonly Mlp? velocityModel;
    private readonly Activation activation;
    private readonly Reducer coordinateReducer;

    /// <summary>Creates the layer.</summary>
    /// <param name="nodeFeatures">Width F of h (input and output: the update is residual).</param>
    /// <param name="hidden">Width of the messages and hidden layers.</param>
    /// <param name="edgeFeatures">Width of the edge attributes a_ij (0 for none).</param>
    /// <param name="useVelocity">Whether this is the velocity variant (needs v⁰ in <see cref="Forward"/>).</param>
    /// <param name="activation">Activation of the hidden layers (SiLU in the paper).</param>
    /// <param name="coordinateReducer">Sum or Mean for the coordinate update (Mean gives C = 1/(M − 1) on a fully connected graph).</param>
    /// <param name="coordinateGain">Xavier gain of φ_x's last layer.</param>
    /// <param name="generator">Seeded generator for the initial weights (TorchSharp's global one when null).</param>
    /// <param name="dtype">Parameter type.</param>
    public EgnnLayer(int nodeFeatures, int hidden, int edgeFeatures = 0, bool useVelocity = false,
        Activation activation = Activation.SiLU, Reducer coordinateReducer = Reducer.Mean, double coordinateGain = 0.001,
        Generator? generator = null, ScalarType dtype = ScalarType.Float32) : base(nameof(EgnnLayer))
    {
        if (nodeFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(nodeFeatures), nodeFeatures, "EgnnLayer: node feature width must be positive.");
        if (hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "EgnnLayer: hidden width must be positive.");
        if (edgeFeatures < 0) throw new ArgumentOutOfRangeException(nameof(edgeFeatures), edgeFeatures, "EgnnLayer: edge feature width must not be negative.");
        if (coordinateReducer is not (Reducer.Sum or Reducer.Mean))
            throw new ArgumentOutOfRangeException(nameof(coordinateReducer), coordinateReducer, "EgnnLayer: the coordinate update needs Sum or Mean (Max/Min would break equivariance of the weights' sum).");
        if (!(coordinateGain >= 0)) throw new ArgumentOutOfRangeException(nameof(coordinateGain), coordinateGain, "EgnnLayer: coordinate gain must be non-negative.");
        NodeFeatures = nodeFeatures;
        Hidden = hidden;
        EdgeFeatures = edgeFeatures;
        UseVelocity = useVelocity;
        this.activation = activation;
        this.coordinateReducer = coordinateReducer;
        edgeModel = new Mlp(2 * nodeFeatures + 1 + edgeFeatures, [hidden, hidden], activation, activateFinal: true, generator: generator, dtype: dtype);
        nodeModel = new Mlp(nodeFeatures + hidden, [hidden, nodeFeatures], activation, generator: generator, dtype: dtype);
        coordHidden = nn.Linear(hidden, hidden, hasBias: true, dtype: dtype);
        coordOut = nn.Linear(hidden, 1, hasBias: false, dtype: dtype);
        using (no_grad())
        {
            if (generator is not null)
            {
                var bound = 1.0 / Math.Sqrt(hidden);
                coordHidden.weight!.uniform_(-bound, bound, generator);
                coordHidden.bias!.uniform_(-bound, bound, generator);
            }
            // Xavier-uniform: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)).
            var xavier = coordinateGain * Math.Sqrt(6.0 / (hidden + 1));
            coordOut.weight!.uniform_(-xavier, xavier, generator);
        }
        if (useVelocity) velocityModel = new Mlp(nodeFeatures, [hidden, 1], activation, generator: generator, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Width of h.</summary>
    public int NodeFeatures { get; }

    /// <summary>Width of the messages.</summary>
    public int Hidden { get; }

    /// <summary>Width of the edge attributes.</summary>
    public int EdgeFeatures { get; }

    /// <summary>Whether this is the velocity variant.</summary>
    public bool UseVelocity { get; }

    internal Mlp EdgeModel => edgeModel;
    internal Mlp NodeModel => nodeModel;
    internal Mlp? VelocityModel => velocityModel;
    internal Tensor CoordinateModel(Tensor m) => coordOut.forward(Activations.Apply(activation, coordHidden.forward(m)));

    /// <summary>Applies the layer.</summary>
    /// <param name="h">Node features <c>[N, F]</c>.</param>
    /// <param name="x">Coordinates <c>[N, D]</c>.</param>
    /// <param name="v0">Initial velocities <c>[N, D]</c> (velocity variant only, else null).</param>
    /// <param name="senders">Int64 <c>[E]</c> sender (j) of each edge.</param>
    /// <param name="receivers">Int64 <c>[E]</c> receiver (i) of each edge.</param>
    /// <param name="edgeAttributes">Edge attributes <c>[E, A]</c>, or null when the layer has none.</param>
    public EgnnOutput Forward(Tensor h, Tensor x, Tensor? v0, Tensor senders, Tensor receivers, Tensor? edgeAttributes = null)
    {
        Check(h, x, v0, senders, receivers, edgeAttributes);
        using var scope = NewDisposeScope();
        var n = h.shape[0];
        var hi = h.index_select(0, receivers);
        var hj = h.index_select(0, senders);
        var diff = x.index_select(0, receivers) - x.index_select(0, senders);
        var radial = diff.square().sum(1, keepdim: true);
        var inputs = new List<Tensor> { hi, hj, radial };
        if (edgeAttributes is not null) inputs.Add(edgeAttributes);
        var m = edgeModel.forward(cat(inputs, 1));

        var weight = CoordinateModel(m);
        var shift = Aggregations.Segment(coordinateReducer, diff * weight, receivers, n);
        Tensor xNew;
        Tensor? vNew = null;
        if (velocityModel is not null)
        {
            vNew = velocityModel.forward(h) * v0! + shift;
            xNew = x + vNew;
        }
        else
        {
            xNew = x + shift;
        }
        var mi = Aggregations.SegmentSum(m, receivers, n);
        var hNew = h + nodeModel.forward(cat([h, mi], 1));
        return new EgnnOutput(hNew.MoveToOuterDisposeScope(), xNew.MoveToOuterDisposeScope(), vNew?.MoveToOuterDisposeScope());
    }

    private void Check(Tensor h, Tensor x, Tensor? v0, Tensor senders, Tensor receivers, Tensor? edgeAttributes)
    {
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(senders);
        ArgumentNullException.ThrowIfNull(receivers);
        if (h.dim() != 2 || h.shape[1] != NodeFeatures)
            throw new ArgumentException($"EgnnLayer: h must be [N, {NodeFeatures}]; got [{string.Join(", ", h.shape)}].", nameof(h));
        if (x.dim() != 2 || x.shape[0] != h.shape[0])
            throw new ArgumentException($"EgnnLayer: x must be [{h.shape[0]}, D]; got [{string.Join(", ", x.shape)}].", nameof(x));
        if (UseVelocity)
        {
            if (v0 is null) throw new ArgumentException("EgnnLayer: the velocity variant needs initial velocities v0.", nameof(v0));
            if (!v0.shape.SequenceEqual(x.shape))
                throw new ArgumentException($"EgnnLayer: v0 must have the shape of x [{string.Join(", ", x.shape)}]; got [{string.Join(", ", v0.shape)}].", nameof(v0));
        }
        if (senders.dtype != ScalarType.Int64 || receivers.dtype != ScalarType.Int64 || senders.dim() != 1 || !senders.shape.SequenceEqual(receivers.shape))
            throw new ArgumentException("EgnnLayer: senders and receivers must be 1-D Int64 tensors of equal length.", nameof(senders));
        if (EdgeFeatures > 0)
        {
            if (edgeAttributes is null || edgeAttributes.dim() != 2 || edgeAttributes.shape[0] != senders.shape[0] || edgeAttributes.shape[1] != EdgeFeatures)
                throw new ArgumentException($"EgnnLayer: edge attributes must be [{senders.shape[0]}, {EdgeFeatures}]; got {(edgeAttributes is null ? "null" : $"[{string.Join(", ", edgeAttributes.shape)}]")}.", nameof(edgeAttributes));
        }
        else if (edgeAttributes is not null)
        {
            throw new ArgumentException("EgnnLayer: edge attributes given to a layer built without them (edgeFeatures = 0).", nameof(edgeAttributes));
        }
    }
}
