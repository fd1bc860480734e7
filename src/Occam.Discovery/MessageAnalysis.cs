using Occam.Physics;
using Occam.Symbolic;
using static TorchSharp.torch;

namespace Occam.Discovery;

/// <summary>
/// Messages recorded on a sample of edges together with their pair features and the true pair force.
/// Pair features: Δx, Δy, (Δz) = receiver − sender position (Occam.Physics' convention), r = |Δ|, m1, m2 (receiver, sender mass),
/// q1, q2 (receiver, sender charge).
/// </summary>
public sealed class MessageRecord
{
    /// <summary>Spatial dimension of the recorded system (2 or 3).</summary>
    public required int Dim { get; init; }
    /// <summary>Names of the pair features, in column order.</summary>
    public required string[] FeatureNames { get; init; }
    /// <summary>(edges, features).</summary>
    public required double[,] Features { get; init; }
    /// <summary>(edges, M): message components (KL: means; Hamiltonian: the pair's energy U(r) − U(r_ref), see <see cref="Record"/>).</summary>
    public required double[,] Messages { get; init; }
    /// <summary>(edges, M) KL per component (KL variant only).</summary>
    public double[,]? Kl { get; init; }
    /// <summary>(edges, dim): the true pair force on the receiver from the sender.</summary>
    public required double[,] Force { get; init; }
    /// <summary>(edges): the true pair potential (the Hamiltonian variant's target; for that variant's records U(r) − U(r_ref),
    /// like its messages).</summary>
    public required double[] Potential { get; init; }
    /// <summary>(edges): the receiver's mass.</summary>
    public required double[] ReceiverMass { get; init; }
    /// <summary>(edges): the row of each edge's receiver in <see cref="Accelerations"/> (null when the record has no nodes).</summary>
    public int[]? Receiver { get; init; }
    /// <summary>(nodes, dim): the data's accelerations of the recorded graphs' nodes, which the messages summed at each
    /// receiver must explain (null when the record has no nodes).</summary>
    public double[,]? Accelerations { get; init; }
    /// <summary>(nodes, dim): the velocities of the same nodes (null when the record has none): a velocity-dependent force,
    /// such as the damped system's −b·v, acts on each body alone and is no pair message's.</summary>
    public double[,]? Velocities { get; init; }

    /// <summary>The data's softening ε (<see cref="ParticleData.Softening"/>): the true pair force is a function of the
    /// softened distance r + ε, where r = |Δx| is the pair feature.</summary>
    public double Softening { get; init; }

    /// <summary>A law written in the softened distance (its variable r stands for r + ε) as an expression of the pair features:
    /// r replaced by r + ε. The law itself when there is no softening.</summary>
    public Expression OnPairFeatures(Expression softenedLaw) =>
        Softening == 0 ? softenedLaw : softenedLaw.Substitute("r", Expression.Variable("r", FeatureNames) + Softening);

    /// <summary>The pair features with column r replaced by the softened distance r + ε: the inputs of a law written in it.</summary>
    public double[,] SoftenedFeatures()
    {
        var x = (double[,])Features.Clone();
        for (int i = 0; i < Edges; i++) x[i, Dim] += Softening;
        return x;
    }

    /// <summary>The Hamiltonian variant's r_ref: its messages are U(r) − U(r_ref), the pair's learned energy minus that of
    /// the same pair with the sender moved along the axis to distance r_ref (null for the other variants).</summary>
    public double? ReferenceDistance { get; init; }

    /// <summary>Number of recorded edges (rows of <see cref="Messages"/>).</summary>
    public int Edges => Messages.GetLength(0);
    /// <summary>Message components per edge, M (columns of <see cref="Messages"/>).</summary>
    public int MessageSize => Messages.GetLength(1);

    /// <summary>Pair feature names for a dimension: dx, dy, (dz), r, m1, m2, q1, q2.</summary>
    public static string[] PairFeatureNames(int dim) => dim == 3
        ? new[] { "dx", "dy", "dz", "r", "m1", "m2", "q1", "q2" }
        : new[] { "dx", "dy", "r", "m1", "m2", "q1", "q2" };

    /// <summary>Writes the pair features of the edge <paramref name="sender"/> → <paramref name="receiver"/> in graph
    /// <paramref name="sample"/> of <paramref name="data"/> into <paramref name="row"/> (<see cref="PairFeatureNames"/>' order).</summary>
    public static void PairFeatures(ParticleData data, int sample, int receiver, int sender, Span<double> row)
    {
        int dim = data.Dim;
        double r2 = 0;
        for (int d = 0; d < dim; d++)
        {
            row[d] = (double)data.Position(sample, receiver, d) - data.Position(sample, sender, d);
            r2 += row[d] * row[d];
        }
        row[dim] = Math.Sqrt(r2);
        row[dim + 1] = data.Mass(sample, receiver);
        row[dim + 2] = data.Mass(sample, sender);
        row[dim + 3] = data.Charge(sample, receiver);
        row[dim + 4] = data.Charge(sample, sender);
    }

    /// <summary>The mean distance between the bodies of the recorded graphs (<paramref name="nodes"/>: (graphs, n, f), positions first).</summary>
    static double MeanDistance(float[] nodes, int graphs, int n, int f, int dim, int[] recv, int[] send)
    {
        double sum = 0;
        for (int g = 0; g < graphs; g++)
            for (int e = 0; e < recv.Length; e++)
            {
                double r2 = 0;
                for (int d = 0; d < dim; d++)
                {
                    double delta = nodes[(g * n + recv[e]) * f + d] - nodes[(g * n + send[e]) * f + d];
                    r2 += delta * delta;
                }
                sum += Math.Sqrt(r2);
            }
        return sum / (graphs * (double)recv.Length);
    }

    /// <summary>
    /// The Hamiltonian variant's identifiable pair energy of every edge: the energy of the pair on its own (both directed
    /// edges of a two-body graph, so a part that is antisymmetric in the two bodies cancels), minus the same with the sender
    /// moved along the pair's axis to <paramref name="referenceDistance"/> (its velocity, mass and charge kept, so terms
    /// of one body alone, which the self energy can take over and the accelerations never see, cancel). What is left is
    /// U(r) − U(r_ref): the potential up to a constant of the two bodies' masses and charges.
    /// </summary>
    static float[] PairEnergyDifferences(ParticleNetwork network, float[] nodes, int graphs, int n, int f, int dim, int[] recv, int[] send,
        double referenceDistance)
    {
        int perGraph = recv.Length, total = graphs * perGraph;
        var pairs = new float[total * 2 * f];
        var moved = new float[total * 2 * f];
        for (int g = 0; g < graphs; g++)
            for (int e = 0; e < perGraph; e++)
            {
                int p = g * perGraph + e, receiver = (g * n + recv[e]) * f, sender = (g * n + send[e]) * f;
                Array.Copy(nodes, receiver, pairs, p * 2 * f, f);
                Array.Copy(nodes, sender, pairs, p * 2 * f + f, f);
                Array.Copy(pairs, p * 2 * f, moved, p * 2 * f, 2 * f);
                double r2 = 0;
                for (int d = 0; d < dim; d++) r2 += Math.Pow(nodes[receiver + d] - nodes[sender + d], 2);
                double scale = referenceDistance / Math.Max(Math.Sqrt(r2), 1e-12);
                for (int d = 0; d < dim; d++)
                    moved[p * 2 * f + f + d] = (float)(nodes[receiver + d] - (nodes[receiver + d] - nodes[sender + d]) * scale);
            }
        var energy = PairEnergies(network, pairs, total, f);
        var referenceEnergy = PairEnergies(network, moved, total, f);
        var difference = new float[total];
        for (int p = 0; p < total; p++) difference[p] = energy[p] - referenceEnergy[p];
        return difference;
    }

    /// <summary>The pair energy of each two-body graph in <paramref name="pairs"/> ((count, 2, f)): its two directed edges summed.</summary>
    static float[] PairEnergies(ParticleNetwork network, float[] pairs, int count, int f)
    {
        using var scope = NewDisposeScope();
        var x = tensor(pairs, new long[] { count, 2, f });
        network.eval();
        using var output = network.Forward(x);
        network.train();
        var edges = output.Messages.detach().contiguous().data<float>().ToArray(); // (count·2, 1): both directions of each pair
        var energy = new float[count];
        for (int p = 0; p < count; p++) energy[p] = edges[2 * p] + edges[2 * p + 1];
        return energy;
    }

    /// <summary>Column <paramref name="j"/> of a matrix.</summary>
    public static double[] Column(double[,] m, int j)
    {
        var c = new double[m.GetLength(0)];
        for (int i = 0; i < c.Length; i++) c[i] = m[i, j];
        return c;
    }

    /// <summary>
    /// Runs the network on randomly chosen graphs of <paramref name="data"/> and records up to
    /// <paramref name="edges"/> edges (all edges of each chosen graph, in the network's edge order), with the true pair
    /// force and potential of <paramref name="system"/> (zero when it is null). The Hamiltonian variant's messages are the
    /// pairs' energy differences U(r) − U(r_ref) (see <see cref="ReferenceDistance"/>); <paramref name="referenceDistance"/>
    /// sets r_ref (records that are compared, such as the fresh ones with the analysed one, need the same), by default the
    /// mean distance of the recorded pairs.
    /// </summary>
    public static MessageRecord Record(ParticleNetwork network, ParticleData data, ParticleSystem? system, int edges, int seed,
        double? referenceDistance = null)
    {
        int n = data.Bodies, dim = data.Dim, f = data.Features;
        int perGraph = n * (n - 1);
        int graphs = Math.Max(1, Math.Min(data.Samples, (edges + perGraph - 1) / perGraph));
        var rng = new Random(seed);
        var chosen = new int[graphs];
        if (graphs == data.Samples)
        {
            for (int i = 0; i < graphs; i++) chosen[i] = i;
        }
        else
        {
            var all = Enumerable.Range(0, data.Samples).ToArray();
            for (int i = 0; i < graphs; i++)
            {
                int j = i + rng.Next(all.Length - i);
                (all[i], all[j]) = (all[j], all[i]);
                chosen[i] = all[i];
            }
        }
        var nodes = new float[graphs * n * f];
        for (int g = 0; g < graphs; g++)
            Array.Copy(data.Nodes, chosen[g] * n * f, nodes, g * n * f, n * f);
        float[] msg;
        float[]? logVar = null;
        int m = network.Options.Messages;
        bool hamiltonian = network.Options.Variant == MessageVariant.Hamiltonian;
        var (recv, send) = ParticleNetwork.EdgeOrder(n);
        double reference = hamiltonian ? referenceDistance ?? MeanDistance(nodes, graphs, n, f, dim, recv, send) : 0;
        if (hamiltonian)
        {
            msg = PairEnergyDifferences(network, nodes, graphs, n, f, dim, recv, send, reference);
        }
        else
        {
            using var scope = NewDisposeScope();
            var x = tensor(nodes, new long[] { graphs, n, f });
            using var noGrad = no_grad();
            network.eval();
            using var output = network.Forward(x);
            network.train();
            msg = output.Messages.detach().contiguous().data<float>().ToArray();
            if (output.LogVariance is not null) logVar = output.LogVariance.detach().contiguous().data<float>().ToArray();
        }
        int total = graphs * perGraph;
        var names = PairFeatureNames(dim);
        var features = new double[total, names.Length];
        var messages = new double[total, m];
        var kl = logVar is null ? null : new double[total, m];
        var forces = new double[total, dim];
        var receiverMass = new double[total];
        var receiver = new int[total];
        var accelerations = new double[graphs * n, dim];
        var velocities = new double[graphs * n, dim];
        for (int g = 0; g < graphs; g++)
            for (int b = 0; b < n; b++)
                for (int d = 0; d < dim; d++)
                {
                    accelerations[g * n + b, d] = data.Accelerations[(chosen[g] * n + b) * dim + d];
                    velocities[g * n + b, d] = data.Velocity(chosen[g], b, d);
                }
        var potential = new double[total];
        var row = new double[names.Length];
        var force = new double[dim];
        var referenceDelta = new double[dim];
        for (int g = 0; g < graphs; g++)
        {
            for (int e = 0; e < perGraph; e++)
            {
                int edge = g * perGraph + e;
                PairFeatures(data, chosen[g], recv[e], send[e], row);
                for (int k = 0; k < row.Length; k++) features[edge, k] = row[k];
                double m1 = row[dim + 1], m2 = row[dim + 2], q1 = row[dim + 3], q2 = row[dim + 4];
                receiverMass[edge] = m1;
                receiver[edge] = g * n + recv[e];
                for (int c = 0; c < m; c++)
                {
                    messages[edge, c] = msg[edge * m + c];
                    if (kl is not null)
                    {
                        double mu = msg[edge * m + c], lv = logVar![edge * m + c];
                        kl[edge, c] = 0.5 * (mu * mu + Math.Exp(lv) - lv - 1);
                    }
                }
                if (system is null) continue;
                var delta = row.AsSpan(0, dim);
                system.PairForce(delta, m1, m2, q1, q2, force);
                potential[edge] = system.PairPotential(delta, m1, m2, q1, q2);
                if (hamiltonian)
                {
                    // compared with the pair energy differences: the same difference of the true potential
                    for (int d = 0; d < dim; d++) referenceDelta[d] = delta[d] * reference / row[dim];
                    potential[edge] -= system.PairPotential(referenceDelta, m1, m2, q1, q2);
                }
                for (int d = 0; d < dim; d++) forces[edge, d] = force[d];
            }
        }
        return new MessageRecord
        {
            Dim = dim, FeatureNames = names, Features = features, Messages = messages, Kl = kl,
            Force = forces, ReceiverMass = receiverMass, Potential = potential, Receiver = receiver, Accelerations = accelerations,
            Velocities = velocities, Softening = data.Softening, ReferenceDistance = hamiltonian ? reference : null,
        };
    }
}

/// <summary>How well one message component matches a linear combination of the true force components.</summary>
/// <param name="Component">Index of the message component.</param>
/// <param name="Std">Its standard deviation over the recorded edges.</param>
/// <param name="MeanKl">KL variant: its mean KL (else null).</param>
/// <param name="R2VsForce">R² of the best fit m ≈ a·F + c.</param>
/// <param name="R2VsForcePerMass">R² of the best fit m ≈ a·F/m_receiver + c.</param>
/// <param name="Coefficients">The coefficients (a, c) of the better of the two fits.</param>
/// <param name="PerMass">True when the F/m_receiver fit is the better one.</param>
public sealed record ComponentFit(int Component, double Std, double? MeanKl, double R2VsForce, double R2VsForcePerMass,
    double[] Coefficients, bool PerMass)
{
    /// <summary>The better of the two R² values.</summary>
    public double R2 => Math.Max(R2VsForce, R2VsForcePerMass);
}

/// <summary>The significant message components and their linear fits to the true force (Table 1 figure).</summary>
/// <param name="Std">Standard deviation of each message component over the recorded edges.</param>
/// <param name="MeanKl">Mean KL of each component (KL variant only, else null).</param>
/// <param name="Ranking">All components, most significant first: by <paramref name="Std"/>, or by <paramref name="MeanKl"/> for KL.</param>
/// <param name="Significant">The fits of the top-ranked components, in ranking order.</param>
public sealed record MessageAnalysisResult(double[] Std, double[]? MeanKl, int[] Ranking, ComponentFit[] Significant)
{
    /// <summary>Mean R² of the significant components against F.</summary>
    public double R2VsForce => Significant.Average(c => c.R2VsForce);
    /// <summary>Mean R² of the significant components against F / m_receiver.</summary>
    public double R2VsForcePerMass => Significant.Average(c => c.R2VsForcePerMass);
    /// <summary>The better of the two means (the Table 1 figure).</summary>
    public double R2 => Math.Max(R2VsForce, R2VsForcePerMass);
    /// <summary>True when F / m_receiver explains the components better than F.</summary>
    public bool PerMass => R2VsForcePerMass > R2VsForce;
}

/// <summary>Selects the significant message components and fits them linearly to the true force.</summary>
public static class MessageAnalysis
{
    /// <summary>
    /// Ranks the components by standard deviation (KL: by mean KL), keeps the top <paramref name="count"/>
    /// (default: dim; 1 for the Hamiltonian pair energy), and fits each to [F, 1] and to [F/m_receiver, 1].
    /// </summary>
    public static MessageAnalysisResult Analyze(MessageRecord record, int? count = null, bool hamiltonian = false)
    {
        int m = record.MessageSize, rows = record.Edges, dim = record.Dim;
        var std = new double[m];
        for (int c = 0; c < m; c++)
        {
            double mean = 0, sq = 0;
            for (int i = 0; i < rows; i++) mean += record.Messages[i, c];
            mean /= rows;
            for (int i = 0; i < rows; i++) sq += (record.Messages[i, c] - mean) * (record.Messages[i, c] - mean);
            std[c] = Math.Sqrt(sq / Math.Max(1, rows - 1));
        }
        double[]? meanKl = null;
        if (record.Kl is not null)
        {
            meanKl = new double[m];
            for (int c = 0; c < m; c++)
            {
                for (int i = 0; i < rows; i++) meanKl[c] += record.Kl[i, c];
                meanKl[c] /= rows;
            }
        }
        var key = meanKl ?? std;
        var ranking = Enumerable.Range(0, m).OrderByDescending(c => key[c]).ThenBy(c => c).ToArray();
        int k = Math.Min(m, count ?? Math.Min(dim, m));
        var force = record.Force;
        if (hamiltonian)
        {
            // The pair energy is compared with the pair potential (and U / m_receiver).
            force = new double[rows, 1];
            for (int i = 0; i < rows; i++) force[i, 0] = record.Potential[i];
            dim = 1;
        }
        var perMass = new double[rows, dim];
        for (int i = 0; i < rows; i++)
            for (int d = 0; d < dim; d++)
                perMass[i, d] = force[i, d] / record.ReceiverMass[i];
        var fits = new ComponentFit[k];
        for (int s = 0; s < k; s++)
        {
            int c = ranking[s];
            var y = MessageRecord.Column(record.Messages, c);
            var (cf, r2f) = LinearFit.Fit(force, y);
            var (cm, r2m) = LinearFit.Fit(perMass, y);
            bool usePerMass = r2m > r2f;
            fits[s] = new ComponentFit(c, std[c], meanKl?[c], r2f, r2m, usePerMass ? cm : cf, usePerMass);
        }
        return new MessageAnalysisResult(std, meanKl, ranking, fits);
    }
}
