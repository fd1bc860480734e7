using Occam.Physics;

namespace Occam.Discovery;

/// <summary>The training data of a run, and the options as they apply to it.</summary>
/// <param name="Options">The run's settings, with the data set's dimension, bodies and system (and, for a simulated set,
/// <see cref="DiscoveryOptions.ShortRunsForSmallSteps"/> applied).</param>
/// <param name="System">The data set's system.</param>
/// <param name="Dataset">The simulated or user-supplied data set.</param>
/// <param name="Train">Its frames as the network's node features and targets.</param>
public sealed record TrainingData(DiscoveryOptions Options, DiscoverySystem System, ParticleDataset Dataset, ParticleData Train);

/// <summary>The data the judge needs, each set simulated once.</summary>
/// <param name="Fresh">New simulations like the training data (another seed): the recovery check and the calibration of
/// the out-of-distribution comparison.</param>
/// <param name="Wide">New simulations at twice the position spread: the recovery check's test of extrapolation and the
/// out-of-distribution comparison's data.</param>
public sealed record CheckData(ParticleData Fresh, ParticleData Wide);

/// <summary>
/// The data stage: the training set (simulated, or a user's data set), and the fresh and wide sets the judge uses, each built
/// once and passed on.
/// </summary>
public static class DataStage
{
    /// <summary>Seed offset of the fresh simulations.</summary>
    public const long FreshSeedOffset = 7919;
    /// <summary>Seed offset of the wide simulations.</summary>
    public const long WideSeedOffset = 104729;

    /// <summary>The training data: <paramref name="dataset"/> when given, else the simulation the options describe.</summary>
    public static TrainingData Training(DiscoveryOptions options, ParticleDataset? dataset,
        IProgress<DiscoveryProgress>? progress = null, CancellationToken cancel = default)
    {
        if (dataset is null)
        {
            options = options.WithDataShape();
            options.Validate();
        }
        progress?.Report(new DiscoveryProgress("simulate", 0, $"{options.System} {options.Dim}D, {options.Bodies} bodies"));
        dataset ??= Simulate(options, cancel: cancel);
        options = options with { Dim = dataset.Dim, Bodies = dataset.Bodies, System = dataset.System, Potential = dataset.Potential };
        return new TrainingData(options, DiscoverySystem.Of(dataset.Law), dataset, ToParticleData(dataset));
    }

    /// <summary>The fresh and wide sets: a twentieth of the training simulations each (at least 4), at most 50 frames.</summary>
    public static CheckData Checks(DiscoveryOptions options, CancellationToken cancel = default)
    {
        var small = options with { Sims = Math.Max(4, options.Sims / 20), Frames = Math.Min(options.Frames, 50) };
        return new CheckData(ToParticleData(Simulate(small, FreshSeedOffset, cancel: cancel)),
            ToParticleData(Simulate(small, WideSeedOffset, positionSpread: 2, cancel: cancel)));
    }

    /// <summary>Simulates the system the options name, with the seed offset by <paramref name="seedOffset"/> and initial
    /// positions of standard deviation <paramref name="positionSpread"/>.</summary>
    public static ParticleDataset Simulate(DiscoveryOptions options, long seedOffset = 0, double positionSpread = 1,
        IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        return Simulator.Run(options.WithDataShape().Simulation(seedOffset, positionSpread), progress, cancel);
    }

    /// <summary>Node features [position, velocity, charge, mass] and accelerations of every frame of a data set.</summary>
    public static ParticleData ToParticleData(ParticleDataset data)
    {
        int n = data.Bodies, dim = data.Dim, f = 2 * dim + 2;
        int samples = data.Sims * data.Steps;
        var nodes = new float[(long)samples * n * f];
        var acc = new float[(long)samples * n * dim];
        for (int s = 0; s < data.Sims; s++)
        {
            for (int t = 0; t < data.Steps; t++)
            {
                int sample = s * data.Steps + t;
                for (int i = 0; i < n; i++)
                {
                    long o = ((long)sample * n + i) * f;
                    for (int d = 0; d < dim; d++)
                    {
                        int k = data.Index(s, t, i, d);
                        nodes[o + d] = (float)data.Positions[k];
                        nodes[o + dim + d] = (float)data.Velocities[k];
                        acc[((long)sample * n + i) * dim + d] = (float)data.Accelerations[k];
                    }
                    nodes[o + 2 * dim] = (float)data.Charges[s * n + i];
                    nodes[o + 2 * dim + 1] = (float)data.Masses[s * n + i];
                }
            }
        }
        return new ParticleData(nodes, acc, samples, n, dim) { Softening = data.Softening };
    }
}
