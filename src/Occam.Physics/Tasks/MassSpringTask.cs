namespace Occam.Physics.Tasks;

/// <summary>
/// Settings of the graph_nets mass-spring chain: unit masses, springs of constant 50 N/m whose rest
/// length is the initial spacing, gravity 10 N downwards, symplectic Euler with step 0.1 s.
/// The noise levels perturb the initial conditions uniformly (positions ±0.04, spring constants ±0.1,
/// vertical gravity ±1), as the demo's <c>apply_noise</c> does.
/// </summary>
public sealed record MassSpringOptions
{
    /// <summary>Spring constant k of every spring, in N/m (default 50; positive).</summary>
    public double SpringConstant { get; init; } = 50.0;
    /// <summary>Magnitude of gravity, in N on a unit mass, pointing along −y (default 10).</summary>
    public double Gravity { get; init; } = 10.0;
    /// <summary>Time step dt in seconds (default 0.1; positive), the one to pass to <see cref="MassSpringTask.Simulate"/>.</summary>
    public double StepSize { get; init; } = 0.1;
    /// <summary>Half-width of the uniform noise added to each initial x and y coordinate by <see cref="MassSpringTask.CreateNoisy"/> (default 0.04; 0: none).</summary>
    public double PositionNoise { get; init; } = 0.04;
    /// <summary>Half-width of the uniform noise added to each edge's spring constant by <see cref="MassSpringTask.CreateNoisy"/> (default 0.1; 0: none).</summary>
    public double SpringConstantNoise { get; init; } = 0.1;
    /// <summary>Half-width of the uniform noise added to the vertical gravity gy by <see cref="MassSpringTask.CreateNoisy"/> (default 1; 0: none).</summary>
    public double GravityNoise { get; init; } = 1.0;

    internal void Validate()
    {
        if (!(SpringConstant > 0)) throw new ArgumentOutOfRangeException(nameof(SpringConstant), SpringConstant, "MassSpringOptions.SpringConstant must be positive.");
        if (!(StepSize > 0)) throw new ArgumentOutOfRangeException(nameof(StepSize), StepSize, "MassSpringOptions.StepSize must be positive.");
        if (PositionNoise < 0 || SpringConstantNoise < 0 || GravityNoise < 0)
            throw new ArgumentOutOfRangeException(nameof(PositionNoise), "MassSpringOptions: noise levels must be non-negative.");
    }
}

/// <summary>
/// A chain of masses joined by springs, with both ends fixed, as a directed graph (graph_nets layout).
/// Node state: [x, y, vx, vy, is_fixed]; edge features: [spring constant, rest length]; globals: [gx, gy].
/// Edges run between neighbours in both directions, except that no edge points into a fixed end.
/// </summary>
public sealed class MassSpringChain
{
    /// <summary>Values per node state: x, y, vx, vy, is_fixed (1 for the two fixed ends, else 0).</summary>
    public const int NodeStateSize = 5;
    /// <summary>Values per edge: spring constant, rest length.</summary>
    public const int EdgeFeatureSize = 2;

    internal MassSpringChain(int masses, double spacing, double[] initialState, int[] senders, int[] receivers, double[] edges, double[] globals)
    {
        Masses = masses; Spacing = spacing; InitialState = initialState;
        Senders = senders; Receivers = receivers; Edges = edges; Globals = globals;
    }

    /// <summary>Number of masses (nodes), the two fixed ends included.</summary>
    public int Masses { get; }
    /// <summary>Distance between neighbouring masses at rest, which is also every spring's rest length.</summary>
    public double Spacing { get; }
    /// <summary>Initial node states, row-major [mass, 5].</summary>
    public double[] InitialState { get; }
    /// <summary>Sender (source) mass of each edge.</summary>
    public int[] Senders { get; }
    /// <summary>Receiver (target) mass of each edge: the mass the spring's force acts on.</summary>
    public int[] Receivers { get; }
    /// <summary>Edge features, row-major [edge, 2]: spring constant, rest length.</summary>
    public double[] Edges { get; }
    /// <summary>Gravity vector [gx, gy].</summary>
    public double[] Globals { get; }
    /// <summary>Number of directed edges: 2·(masses − 2), none pointing into a fixed end.</summary>
    public int EdgeCount => Senders.Length;
}

/// <summary>Generator and exact simulator of the graph_nets mass-spring chain.</summary>
public static class MassSpringTask
{
    /// <summary>
    /// The chain at rest-length spacing along y = 0: masses at x = −d·n/2 + i·d, ends fixed (graph_nets <c>base_graph</c>).
    /// </summary>
    public static MassSpringChain Create(int masses, double spacing, MassSpringOptions? options = null)
    {
        options ??= new MassSpringOptions();
        options.Validate();
        if (masses < 2) throw new ArgumentOutOfRangeException(nameof(masses), masses, "MassSpringTask.Create: a chain needs at least 2 masses.");
        if (!(spacing > 0)) throw new ArgumentOutOfRangeException(nameof(spacing), spacing, "MassSpringTask.Create: the spacing must be positive.");
        var state = new double[masses * MassSpringChain.NodeStateSize];
        double halfWidth = spacing * masses / 2.0;
        for (int i = 0; i < masses; i++) state[i * MassSpringChain.NodeStateSize] = -halfWidth + i * spacing;
        state[0 * MassSpringChain.NodeStateSize + 4] = 1;
        state[(masses - 1) * MassSpringChain.NodeStateSize + 4] = 1;
        var senders = new List<int>();
        var receivers = new List<int>();
        var edges = new List<double>();
        for (int i = 0; i < masses - 1; i++)
        {
            int left = i, right = i + 1;
            if (right < masses - 1) { senders.Add(left); receivers.Add(right); edges.Add(options.SpringConstant); edges.Add(spacing); }
            if (left > 0) { senders.Add(right); receivers.Add(left); edges.Add(options.SpringConstant); edges.Add(spacing); }
        }
        return new MassSpringChain(masses, spacing, state, senders.ToArray(), receivers.ToArray(), edges.ToArray(), [0.0, -options.Gravity]);
    }

    /// <summary>The chain with the demo's uniform noise on initial positions, spring constants and vertical gravity.</summary>
    public static MassSpringChain CreateNoisy(Random random, int masses, double spacing, MassSpringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        options ??= new MassSpringOptions();
        var chain = Create(masses, spacing, options);
        var state = (double[])chain.InitialState.Clone();
        for (int i = 0; i < masses; i++)
        {
            state[i * MassSpringChain.NodeStateSize + 0] += Uniform(random, options.PositionNoise);
            state[i * MassSpringChain.NodeStateSize + 1] += Uniform(random, options.PositionNoise);
        }
        var edges = (double[])chain.Edges.Clone();
        for (int e = 0; e < chain.EdgeCount; e++) edges[e * MassSpringChain.EdgeFeatureSize] += Uniform(random, options.SpringConstantNoise);
        var globals = (double[])chain.Globals.Clone();
        globals[1] += Uniform(random, options.GravityNoise);
        return new MassSpringChain(masses, spacing, state, chain.Senders, chain.Receivers, edges, globals);
    }

    /// <summary>
    /// Velocities after one step: v' = v + dt (Σ_springs F + g) on free masses, where a spring s → r pulls r with
    /// F = −k (‖x_r − x_s‖ − L) (x_r − x_s)/‖x_r − x_s‖; fixed masses keep their velocity.
    /// Returns [mass, 2].
    /// </summary>
    public static double[] NextVelocities(MassSpringChain chain, ReadOnlySpan<double> state, double stepSize)
    {
        ArgumentNullException.ThrowIfNull(chain);
        const int S = MassSpringChain.NodeStateSize;
        if (state.Length != chain.Masses * S)
            throw new ArgumentException($"MassSpringTask: state has {state.Length} values, expected {chain.Masses} × {S}.", nameof(state));
        var force = new double[chain.Masses * 2];
        for (int e = 0; e < chain.EdgeCount; e++)
        {
            int s = chain.Senders[e], r = chain.Receivers[e];
            double k = chain.Edges[e * 2], rest = chain.Edges[e * 2 + 1];
            double dx = state[r * S] - state[s * S], dy = state[r * S + 1] - state[s * S + 1];
            double length = Math.Sqrt(dx * dx + dy * dy);
            double magnitude = -k * (length - rest) / length;
            force[r * 2] += magnitude * dx;
            force[r * 2 + 1] += magnitude * dy;
        }
        var velocity = new double[chain.Masses * 2];
        for (int i = 0; i < chain.Masses; i++)
        {
            double free = 1.0 - state[i * S + 4];
            velocity[i * 2] = state[i * S + 2] + stepSize * free * (force[i * 2] + chain.Globals[0]);
            velocity[i * 2 + 1] = state[i * S + 3] + stepSize * free * (force[i * 2 + 1] + chain.Globals[1]);
        }
        return velocity;
    }

    /// <summary>Next state from a velocity (exact or predicted): x' = x + dt v', v' = velocity, is_fixed kept.</summary>
    public static double[] Advance(ReadOnlySpan<double> state, ReadOnlySpan<double> velocity, double stepSize)
    {
        const int S = MassSpringChain.NodeStateSize;
        int n = state.Length / S;
        if (state.Length != n * S || velocity.Length != n * 2)
            throw new ArgumentException($"MassSpringTask.Advance: state has {state.Length} values and velocity {velocity.Length}; expected n × {S} and n × 2.", nameof(velocity));
        var next = new double[state.Length];
        for (int i = 0; i < n; i++)
        {
            next[i * S + 0] = state[i * S + 0] + stepSize * velocity[i * 2];
            next[i * S + 1] = state[i * S + 1] + stepSize * velocity[i * 2 + 1];
            next[i * S + 2] = velocity[i * 2];
            next[i * S + 3] = velocity[i * 2 + 1];
            next[i * S + 4] = state[i * S + 4];
        }
        return next;
    }

    /// <summary>The exact trajectory: <paramref name="steps"/> + 1 states starting with the initial one.</summary>
    public static double[][] Simulate(MassSpringChain chain, int steps, double stepSize)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "MassSpringTask.Simulate: steps must be non-negative.");
        var states = new double[steps + 1][];
        states[0] = (double[])chain.InitialState.Clone();
        for (int t = 0; t < steps; t++)
            states[t + 1] = Advance(states[t], NextVelocities(chain, states[t], stepSize), stepSize);
        return states;
    }

    static double Uniform(Random random, double level) => level == 0 ? 0 : (2 * random.NextDouble() - 1) * level;
}
