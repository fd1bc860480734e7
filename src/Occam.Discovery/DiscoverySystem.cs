using Occam.Physics;

namespace Occam.Discovery;

/// <summary>
/// A particle system as the distillation sees it, in one place: the search's operators, the variables a recovered law must
/// name, and the preset's adjustments. It travels through the stages as an object; the pipeline never switches on the
/// system's name.
/// </summary>
public sealed class DiscoverySystem
{
    DiscoverySystem(ParticleSystem physics) => Physics = physics;

    /// <summary>The simulated system: its pair force and potential are the law to recover.</summary>
    public ParticleSystem Physics { get; }

    /// <summary>The system's name (spring, r1, …, custom).</summary>
    public string Name => Physics.Name;

    /// <summary>The distillation's view of <paramref name="physics"/>.</summary>
    public static DiscoverySystem Of(ParticleSystem physics) => new(physics ?? throw new ArgumentNullException(nameof(physics)));

    /// <summary>The system the options name (<see cref="DiscoveryOptions.System"/>, with its <see cref="DiscoveryOptions.Potential"/>).</summary>
    /// <exception cref="ArgumentException">An unknown name, or a custom system without a potential.</exception>
    public static DiscoverySystem Of(DiscoveryOptions options) => Of(ParticleSystem.FromName(options.System, options.Potential));

    /// <summary>The searches' binary operators: + − × ÷, and <c>cond</c> where the force jumps (<see cref="ParticleSystem.IsPiecewise"/>).</summary>
    public string[] BinaryOperators => Physics.IsPiecewise ? ["+", "-", "*", "/", "cond"] : ["+", "-", "*", "/"];

    /// <summary>
    /// The unary operators of the default searches on a force frame's law, one search each beside the one with
    /// <see cref="BinaryOperators"/> alone: exp, sqrt and log. Each search has a small space, where it finds a law of its
    /// family as often as the arithmetic one finds a rational law; one search with all of them misses both more often,
    /// because the forms of each family fit the network's messages about as well as the others' (potential matrix, seed 0:
    /// log-well's force r/(1 + r²) lost to 1/(a + log²r), which the messages fit as well, in a search with exp, log, sqrt and
    /// square). The acceleration judge then chooses among all their fronts.
    /// </summary>
    public static readonly string[] UnaryFamilies = ["exp", "sqrt", "log"];

    /// <summary>
    /// The quick preset's adjustment for this system. Charge trains at the paper's peak learning rate 1e-3 instead of 1e-2,
    /// 60,000 steps instead of 30,000: at 1e-2 its bottleneck messages reached R² 0.75 / 0.12 and every L1 message switched
    /// off; at 1e-3 with 60,000 steps both variants recover q1 q2/r² at seed 0 (docs/discover.md; L1 since the law is
    /// selected on the accelerations, <see cref="AccelerationJudge"/>, before which it needed 120,000 steps).
    /// </summary>
    /// <remarks>The same holds for every law with charges (<see cref="ParticleSystem.UsesCharges"/>): forces whose sign the
    /// charges set. Potential matrix, seed 0: yukawa q1·q2·exp(−r)/r switched every L1 message off at 1e-2 (frame R² 0),
    /// kept them at 1e-3 (frame R² 0.70); linear-charge q1·q2·r is recovered at both (docs/discover.md).</remarks>
    public DiscoveryOptions Tune(DiscoveryOptions preset) =>
        preset.Preset == "quick" && Physics.UsesCharges ? preset with { Steps = 60_000, LearningRate = 1e-3 } : preset;

    /// <summary>
    /// The variables a recovered law must name to be the law: the Δ components (unless <paramref name="hamiltonian"/>), then
    /// each of r, m2, q1, q2, m1 on which the target depends, found by probing the system's exact law. The target is the pair
    /// force (the potential when <paramref name="hamiltonian"/>), divided by the receiver's mass when
    /// <paramref name="perMass"/>. r counts when the target changes as Δ is scaled at a fixed direction; a mass or charge
    /// when it changes as that one is scaled. Probes: 64 pairs at r from 0.3 to 3.5, masses e^N(0,1), charges ±1.
    /// </summary>
    public string[] RequiredVariables(int dim, bool perMass, bool hamiltonian)
    {
        var names = new List<string>();
        if (!hamiltonian) names.AddRange(MessageRecord.PairFeatureNames(dim).Take(dim));
        var rng = new SimulationRandom(12345);
        var probes = Enumerable.Range(0, 64).Select(_ => Probe.Draw(rng, dim)).ToArray();
        if (Changes(p => p with { Delta = p.Delta.Select(x => 1.37 * x).ToArray() })) names.Add("r");
        if (Changes(p => p with { M2 = 1.9 * p.M2 })) names.Add("m2");
        if (Changes(p => p with { Q1 = -2 * p.Q1 })) names.Add("q1");
        if (Changes(p => p with { Q2 = -2 * p.Q2 })) names.Add("q2");
        if (Changes(p => p with { M1 = 1.9 * p.M1 })) names.Add("m1");
        return names.ToArray();

        bool Changes(Func<Probe, Probe> move) => probes.Any(p =>
        {
            var (before, after) = (Target(p), Target(move(p)));
            return before.Zip(after).Any(t => Math.Abs(t.First - t.Second) > 1e-9 * (Math.Abs(t.First) + Math.Abs(t.Second)));
        });

        double[] Target(Probe p)
        {
            double scale = perMass ? 1 / p.M1 : 1;
            if (hamiltonian) return [scale * Physics.PairPotential(p.Delta, p.M1, p.M2, p.Q1, p.Q2)];
            return Physics.PairForce(p.Delta, p.M1, p.M2, p.Q1, p.Q2).Select(f => scale * f).ToArray();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Physics.ToString();

    /// <summary>One probe pair: Δ = receiver − sender, masses and charges.</summary>
    sealed record Probe(double[] Delta, double M1, double M2, double Q1, double Q2)
    {
        public static Probe Draw(SimulationRandom rng, int dim)
        {
            var direction = Enumerable.Range(0, dim).Select(_ => rng.NextNormal()).ToArray();
            double norm = Math.Sqrt(direction.Sum(x => x * x)), r = 0.3 + 3.2 * rng.NextDouble();
            return new Probe(direction.Select(x => r * x / norm).ToArray(), Math.Exp(rng.NextNormal()), Math.Exp(rng.NextNormal()),
                rng.NextSign(), rng.NextSign());
        }
    }
}
