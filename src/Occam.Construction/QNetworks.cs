using Occam.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Construction;

/// <summary>A state of the glue task: the task (tower and rules) and which of its contacts are glued so far.</summary>
public sealed record GlueState(GlueTask Task, bool[] Glued)
{
    /// <summary>The state before any glue.</summary>
    public static GlueState Start(GlueTask task) => new(task, new bool[task.Actions]);

    /// <summary>Whether action <paramref name="action"/> (a contact to glue, or <c>Task.Actions</c> = stop) can be taken.</summary>
    public bool IsValid(int action) => action == Task.Actions || (action >= 0 && action < Task.Actions && !Glued[action]);

    /// <summary>The state after gluing contact <paramref name="contact"/>.</summary>
    public GlueState Glue(int contact)
    {
        var next = (bool[])Glued.Clone();
        next[contact] = true;
        return this with { Glued = next };
    }
}

/// <summary>
/// A Q-function for the glue task, factored by block: the network predicts, for each block, whether it would stay if
/// the agent stopped now (<c>Blocks</c>); the stop value is their sum, and gluing a contact adds that contact's
/// advantage to it. <see cref="QValues"/> returns, for each state in turn, one value per contact (in the tower's
/// contact order: glue it) and then one for stop, all in one flat float32 tensor.
/// </summary>
public abstract class GlueQNetwork : nn.Module
{
    /// <summary>Registers the module under <paramref name="name"/>.</summary>
    protected GlueQNetwork(string name) : base(name) { }

    /// <summary>The Q-values of the states (as <see cref="QValues"/>) and the per-block values, concatenated over the states' blocks.</summary>
    public abstract (Tensor Q, Tensor Blocks) Evaluate(IReadOnlyList<GlueState> states);

    /// <summary>The Q-values of the states, concatenated: per state, its contacts' glue values then its stop value.</summary>
    public Tensor QValues(IReadOnlyList<GlueState> states)
    {
        using var scope = NewDisposeScope();
        return Evaluate(states).Q.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The flat Q layout from per-block values <c>[Σ blocks]</c> and per-contact advantages <c>[Σ contacts]</c>: stop is
    /// the sum of a state's block values, glue k is stop plus the advantage of k.
    /// </summary>
    protected static Tensor Assemble(IReadOnlyList<GlueState> states, Tensor blocks, Tensor advantage)
    {
        int totalContacts = states.Sum(s => s.Task.Actions), totalBlocks = states.Sum(s => s.Task.Tower.Count);
        var blockGraph = new long[totalBlocks];
        var contactGraph = new long[totalContacts];
        var order = new long[totalContacts + states.Count];
        int position = 0, contact = 0, block = 0;
        for (int g = 0; g < states.Count; g++)
        {
            for (int i = 0; i < states[g].Task.Tower.Count; i++) blockGraph[block++] = g;
            for (int k = 0; k < states[g].Task.Actions; k++)
            {
                contactGraph[contact] = g;
                order[position++] = contact++;
            }
            order[position++] = totalContacts + g;
        }
        using var scope = NewDisposeScope();
        var stop = Aggregations.Segment(Reducer.Sum, blocks, tensor(blockGraph), states.Count);
        // An explicit Scalar, alive through the call: `a + b` makes a temporary one that a collection can free mid-call
        // (the TorchSharp 0.107 Scalar-lifetime race; see Occam.Graphs.Aggregations).
        using var one = 1.0.ToScalar();
        var glue = advantage.add(stop.index_select(0, tensor(contactGraph)), one);
        return cat([glue, stop]).index_select(0, tensor(order)).MoveToOuterDisposeScope();
    }

    /// <summary>Whether the network can score a tower of <paramref name="blocks"/> blocks.</summary>
    public virtual bool Accepts(int blocks) => true;

    /// <summary>Per state, the offset of its first value in <see cref="QValues"/>' output.</summary>
    public static int[] Offsets(IReadOnlyList<GlueState> states)
    {
        var offsets = new int[states.Count];
        for (int i = 1; i < states.Count; i++) offsets[i] = offsets[i - 1] + states[i - 1].Task.Actions + 1;
        return offsets;
    }

    /// <summary>Features per block, shared by both agents.</summary>
    internal const int BlockWidth = 7;

    /// <summary>
    /// Block features: x relative to the tower's mean, y, width, height, mass, and the mass moments m·x and m·y (with
    /// them a centre of mass over a support is a sum and a comparison, not a product).
    /// </summary>
    internal static void BlockFeatures(Tower tower, Span<float> destination)
    {
        double meanX = tower.Blocks.Average(b => b.X);
        for (int i = 0; i < tower.Count; i++)
        {
            var b = tower.Blocks[i];
            double x = b.X - meanX;
            ReadOnlySpan<float> features = [(float)x, (float)b.Y, (float)b.Width, (float)b.Height, (float)b.Mass, (float)(b.Mass * x), (float)(b.Mass * b.Y)];
            features.CopyTo(destination.Slice(BlockWidth * i, BlockWidth));
        }
    }
}

/// <summary>
/// The relational agent: the tower as a graph (blocks are nodes; each contact is a pair of directed edges, upward
/// and downward, carrying the relative position, the shared face and its ends, the glue flag and the direction), read
/// by an encode–process–decode graph network (Occam.Graphs). Block values are the node outputs (so the stop value scales
/// with the tower); a contact's advantage is the mean of its two edges' outputs.
/// </summary>
public sealed class GraphQNetwork : GlueQNetwork
{
    const int NodeWidth = BlockWidth, EdgeWidth = 7;
    readonly EncodeProcessDecode network;

    /// <summary>A network with the given latent width and message-passing steps, initialised from <paramref name="seed"/>
    /// (no layer normalisation: the latents must carry sums such as the mass above a contact).</summary>
    public GraphQNetwork(int latent = 32, int steps = 5, long seed = 1) : base(nameof(GraphQNetwork))
    {
        var generator = new Generator((ulong)seed);
        network = EncodeProcessDecode.Create(new FeatureWidths(NodeWidth, EdgeWidth, 1), latent, new FeatureWidths(1, 1, 0), [latent], steps, generator: generator, layerNorm: false);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override (Tensor Q, Tensor Blocks) Evaluate(IReadOnlyList<GlueState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        int totalNodes = states.Sum(s => s.Task.Tower.Count), totalContacts = states.Sum(s => s.Task.Actions);
        var nodes = new float[totalNodes * NodeWidth];
        var edges = new float[2 * totalContacts * EdgeWidth];
        var senders = new long[2 * totalContacts];
        var receivers = new long[2 * totalContacts];
        var nNode = new long[states.Count];
        var nEdge = new long[states.Count];
        int nodeBase = 0, contactBase = 0;
        for (int g = 0; g < states.Count; g++)
        {
            var tower = states[g].Task.Tower;
            BlockFeatures(tower, nodes.AsSpan(nodeBase * NodeWidth, tower.Count * NodeWidth));
            for (int k = 0; k < tower.Contacts.Count; k++)
            {
                var c = tower.Contacts[k];
                TowerBlock lower = tower.Blocks[c.Lower], upper = tower.Blocks[c.Upper];
                float glued = states[g].Glued[k] ? 1 : 0;
                int e = 2 * (contactBase + k);
                senders[e] = nodeBase + c.Lower; receivers[e] = nodeBase + c.Upper;
                senders[e + 1] = nodeBase + c.Upper; receivers[e + 1] = nodeBase + c.Lower;
                float dx = (float)(upper.X - lower.X), dy = (float)(upper.Y - lower.Y);
                // The shared face's ends, relative to the sender's centre.
                double left = Math.Max(lower.X - lower.Width / 2, upper.X - upper.Width / 2), right = Math.Min(lower.X + lower.Width / 2, upper.X + upper.Width / 2);
                ReadOnlySpan<float> up = [dx, dy, (float)c.Overlap, glued, 1, (float)(left - lower.X), (float)(right - lower.X)];
                ReadOnlySpan<float> down = [-dx, -dy, (float)c.Overlap, glued, -1, (float)(left - upper.X), (float)(right - upper.X)];
                up.CopyTo(edges.AsSpan(e * EdgeWidth));
                down.CopyTo(edges.AsSpan((e + 1) * EdgeWidth));
            }
            nNode[g] = tower.Count;
            nEdge[g] = 2 * tower.Contacts.Count;
            nodeBase += tower.Count;
            contactBase += tower.Contacts.Count;
        }
        using var scope = NewDisposeScope();
        var graph = new GraphBatch(tensor(nodes).reshape(totalNodes, NodeWidth), tensor(edges).reshape(2 * totalContacts, EdgeWidth),
            ones(states.Count, 1), tensor(senders), tensor(receivers), nNode, nEdge);
        var output = network.forward(graph);
        var blocks = output.Nodes!.squeeze(1);
        var q = Assemble(states, blocks, output.Edges!.reshape(totalContacts, 2).mean([1]));
        return (q.MoveToOuterDisposeScope(), blocks.MoveToOuterDisposeScope());
    }
}

/// <summary>
/// The non-relational agent: an MLP over a fixed-size list of blocks (padded with zeros and a presence flag up to
/// <see cref="MaxBlocks"/>), with the touching and glued pairs as two flag vectors over all pairs, and one output per
/// possible pair (its advantage) and per block slot (its value). It cannot score towers of more than
/// <see cref="MaxBlocks"/> blocks.
/// </summary>
public sealed class MlpQNetwork : GlueQNetwork
{
    readonly Mlp mlp;

    /// <summary>An MLP agent for towers of up to <paramref name="maxBlocks"/> blocks.</summary>
    public MlpQNetwork(int maxBlocks, int hidden = 256, long seed = 1) : base(nameof(MlpQNetwork))
    {
        if (maxBlocks < 2) throw new ArgumentException($"The MLP agent needs room for at least 2 blocks; got {maxBlocks}.");
        MaxBlocks = maxBlocks;
        Pairs = maxBlocks * (maxBlocks - 1) / 2;
        mlp = new Mlp(InputWidth, [hidden, hidden, Pairs + maxBlocks], generator: new Generator((ulong)seed));
        RegisterComponents();
    }

    /// <summary>The padded list's length.</summary>
    public int MaxBlocks { get; }

    int Pairs { get; }

    int InputWidth => (BlockWidth + 1) * MaxBlocks + 2 * Pairs;

    /// <inheritdoc />
    public override bool Accepts(int blocks) => blocks <= MaxBlocks;

    int PairIndex(int i, int j) => i * (2 * MaxBlocks - i - 1) / 2 + (j - i - 1); // i < j

    /// <inheritdoc />
    public override (Tensor Q, Tensor Blocks) Evaluate(IReadOnlyList<GlueState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        var input = new float[states.Count * InputWidth];
        var pairs = new List<long>();
        var slots = new List<long>();
        int width = Pairs + MaxBlocks;
        Span<float> features = stackalloc float[BlockWidth * MaxBlocks];
        for (int g = 0; g < states.Count; g++)
        {
            var tower = states[g].Task.Tower;
            if (!Accepts(tower.Count)) throw new ArgumentException($"The MLP agent was built for at most {MaxBlocks} blocks; this tower has {tower.Count}.");
            var row = input.AsSpan(g * InputWidth, InputWidth);
            BlockFeatures(tower, features);
            for (int i = 0; i < tower.Count; i++)
            {
                features.Slice(BlockWidth * i, BlockWidth).CopyTo(row.Slice((BlockWidth + 1) * i, BlockWidth));
                row[(BlockWidth + 1) * i + BlockWidth] = 1;
                slots.Add((long)g * width + Pairs + i);
            }
            for (int k = 0; k < tower.Contacts.Count; k++)
            {
                var c = tower.Contacts[k];
                int pair = PairIndex(Math.Min(c.Lower, c.Upper), Math.Max(c.Lower, c.Upper));
                row[(BlockWidth + 1) * MaxBlocks + pair] = 1;
                if (states[g].Glued[k]) row[(BlockWidth + 1) * MaxBlocks + Pairs + pair] = 1;
                pairs.Add((long)g * width + pair);
            }
        }
        using var scope = NewDisposeScope();
        var output = mlp.forward(tensor(input).reshape(states.Count, InputWidth)).reshape(-1);
        var blocks = output.index_select(0, tensor(slots.ToArray()));
        var q = Assemble(states, blocks, output.index_select(0, tensor(pairs.ToArray())));
        return (q.MoveToOuterDisposeScope(), blocks.MoveToOuterDisposeScope());
    }
}
