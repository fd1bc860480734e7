using Occam.Physics;
using Occam.Symbolic;

namespace Occam.Discovery.Tests;

public sealed class RefinementTests
{
    /// <summary>
    /// Messages that resemble a law without being it, as a network's do, over exact accelerations: the inverse-square
    /// potential U = m1·m2/r'² pushes with 2·m1·m2/r'³, and the messages carry exp(−2r')/r', which falls off alike over the
    /// data but leaves out the sender's mass, so no law on the messages' front reaches the judge's floor. The refinement on the accelerations, which runs because no front law
    /// reaches the judge's floor, finds m2/r'³; without it the selected law is a lookalike.
    /// </summary>
    [Fact]
    public void The_refinement_on_the_accelerations_finds_the_law_the_messages_only_resemble()
    {
        var system = ParticleSystem.FromName("custom", "m1*m2/(r*r)");
        var record = AccelerationJudgeTests.Graphs(system, 150, seed: 11, recordVelocities: false, softening: ParticleSystem.DefaultSoftening);
        var soft = record.SoftenedFeatures();
        var messages = new double[record.Edges, 2];
        for (int e = 0; e < record.Edges; e++)
        {
            double h = Math.Exp(-2 * soft[e, 2]) / soft[e, 2];
            for (int d = 0; d < 2; d++) messages[e, d] = h * record.Features[e, d] / record.Features[e, 2];
        }
        record = new MessageRecord
        {
            Dim = 2, FeatureNames = record.FeatureNames, Features = record.Features, Messages = messages, Force = record.Force,
            Potential = record.Potential, ReceiverMass = record.ReceiverMass, Receiver = record.Receiver,
            Accelerations = record.Accelerations, Softening = record.Softening,
        };
        var analysis = MessageAnalysis.Analyze(record);
        var options = DiscoveryOptions.Quick with { SymbolicRounds = 3, Threads = 1, RefineRounds = 10 };
        var discovery = DiscoverySystem.Of(system);
        var truth = Expression.Parse("m2 / (r*r*r)", record.FeatureNames).Evaluate(soft);

        var refined = DistilStage.Run(record, analysis, discovery, hamiltonian: false, options).Radial!;
        Assert.True(refined.Refinement is not null, $"no refinement; law {refined.SoftenedLaw}, judged {string.Join(", ", refined.AccelerationLoss!.Select(v => v.ToString("G3")))}");
        Assert.Contains(refined.Best, refined.Refinement!.Pareto);
        Assert.True(FitR2(refined.SoftenedLaw!.Evaluate(soft), truth) > 1 - 1e-9, $"law {refined.SoftenedLaw}");

        var plain = DistilStage.Run(record, analysis, discovery, hamiltonian: false, options with { RefineRounds = 0 }).Radial!;
        Assert.Null(plain.Refinement);
        Assert.True(FitR2(plain.SoftenedLaw!.Evaluate(soft), truth) < 1 - 1e-6, $"law {plain.SoftenedLaw}");
    }

    [Fact]
    public void A_selected_law_drops_what_the_accelerations_do_not_need()
    {
        // inverse-square: the softened form m2/(c·r³ + m2) refits to the law as c grows (c = 7.2·10⁹ at seed 0) and prunes
        // to m2/(c·r³); the exact spring law r − 0.99 (damped, with its damping fitted beside it) keeps its offset, and a
        // law that is not exact is never pruned to something worse.
        var system = ParticleSystem.FromName("custom", "m1*m2/(r*r)");
        var record = AccelerationJudgeTests.Graphs(system, 150, seed: 11, recordVelocities: false, softening: ParticleSystem.DefaultSoftening);
        var judge = AccelerationJudge.Create(record, 0.1)!;
        var soft = record.SoftenedFeatures();
        var (softened, loss) = judge.Refit(Expression.Parse("m2 / (7.2e9*r*r*r + m2)", record.FeatureNames));
        var pruned = DistilStage.Pruned(softened, loss, judge);
        Assert.DoesNotContain("+", pruned.ToInfix());
        Assert.True(pruned.Complexity < softened.Complexity, $"{pruned}");
        Assert.True(FitR2(pruned.Evaluate(soft), Expression.Parse("m2 / (r*r*r)", record.FeatureNames).Evaluate(soft)) > 1 - 1e-12, $"{pruned}");

        var damped = AccelerationJudgeTests.Graphs(ParticleSystem.Damped, 150, seed: 5);
        var dampedJudge = AccelerationJudge.Create(damped, 0.1)!;
        var (spring, springLoss) = dampedJudge.Refit(Expression.Parse("r - 0.99", damped.FeatureNames));
        Assert.Equal(spring.ToInfix(), DistilStage.Pruned(spring, springLoss, dampedJudge).ToInfix());
        var (off, offLoss) = dampedJudge.Refit(Expression.Parse("r * r - 0.99", damped.FeatureNames));
        Assert.True(dampedJudge.Loss(DistilStage.Pruned(off, offLoss, dampedJudge)) <= offLoss);
    }

    /// <summary>
    /// A screened (Yukawa) potential between masses, U = m1·m2·e^(−r')/r': its force m2·e^(−r')·(1 + r')/r'² (per receiver
    /// mass) is 11 nodes, the potential 6. The messages carry the force with a smooth flaw, (1 + 0.02·r') times it, so no
    /// front law is exact on the accelerations. The refinement's potential search, warm-started from the integral of the
    /// best force law, finds U, and the selected law is its −dU/dr in the exact form.
    /// </summary>
    [Fact]
    public void The_refinement_finds_a_law_as_the_derivative_of_a_simpler_potential()
    {
        var system = ParticleSystem.FromName("custom", "m1*m2*exp(-r)/r");
        var record = AccelerationJudgeTests.Graphs(system, 150, seed: 7, recordVelocities: false, softening: ParticleSystem.DefaultSoftening);
        var soft = record.SoftenedFeatures();
        var truth = Expression.Parse("m1 * m2 * exp(-r) * (1 + r) / (r*r)", record.FeatureNames).Evaluate(soft);
        var messages = new double[record.Edges, 2];
        for (int e = 0; e < record.Edges; e++)
        {
            double h = truth[e] * (1 + 0.02 * soft[e, 2]);
            for (int d = 0; d < 2; d++) messages[e, d] = h * record.Features[e, d] / record.Features[e, 2];
        }
        record = new MessageRecord
        {
            Dim = 2, FeatureNames = record.FeatureNames, Features = record.Features, Messages = messages, Force = record.Force,
            Potential = record.Potential, ReceiverMass = record.ReceiverMass, Receiver = record.Receiver,
            Accelerations = record.Accelerations, Softening = record.Softening,
        };
        var options = DiscoveryOptions.Quick with { SymbolicRounds = 3, Threads = 1, RefineRounds = 10 };

        var refined = DistilStage.Run(record, MessageAnalysis.Analyze(record), DiscoverySystem.Of(system), hamiltonian: false, options).Radial!;
        Assert.NotNull(refined.Refinement);
        int best = Enumerable.Range(0, refined.Search.Pareto.Count).Single(i => ReferenceEquals(refined.Search.Pareto[i], refined.Best));
        Assert.True(refined.Potentials?[best] is not null, $"law {refined.SoftenedLaw} not found as a potential");
        // the law is the force, or the force per receiver mass: the node model takes up m1 either way
        var values = refined.SoftenedLaw!.Evaluate(soft);
        double r2 = Math.Max(FitR2(values, truth), FitR2(values, truth.Select((v, e) => v / record.ReceiverMass[e]).ToArray()));
        Assert.True(r2 > 1 - 1e-9, $"law {refined.SoftenedLaw}, U = {refined.Potentials![best]}: 1 − R² = {1 - r2:G3}");
    }

    [Fact]
    public void Integrating_a_force_along_r_gives_the_potential_up_to_its_value_at_the_smallest_r()
    {
        // h = m2·e^(−r): U = m2·(e^(−r) − e^(−r₀)) from the smallest r, r₀. Simpson's rule with n = 32 intervals errs by at
        // most (r − r₀)⁵/(180·n⁴)·max|h⁗| ≤ 3⁵/(180·32⁴)·1.5·e^(−0.2) ≈ 1.6·10⁻⁶ here. The first law, log(r − 1), is not finite
        // on the paths below r = 1, so the second is integrated.
        var rng = new Random(3);
        var features = new double[50, 2];
        for (int i = 0; i < 50; i++) (features[i, 0], features[i, 1]) = (0.2 + 3 * rng.NextDouble(), 0.5 + rng.NextDouble());
        string[] names = ["r", "m2"];
        var laws = new[] { "log(r - 1)", "m2 * exp(-r)" }.Select(t => Expression.Parse(t, names));
        var energy = DistilStage.IntegratedForce(features, 0, laws)!;
        double start = Enumerable.Range(0, 50).Min(i => features[i, 0]);
        for (int i = 0; i < 50; i++)
            Assert.Equal(features[i, 1] * (Math.Exp(-features[i, 0]) - Math.Exp(-start)), energy[i], 1.6e-6);
        Assert.Null(DistilStage.IntegratedForce(features, 0, [Expression.Parse("log(r - 1)", names)]));
    }

    [Fact]
    public void A_potentials_force_is_minus_its_derivative_in_r()
    {
        // morse, U = (1 − e^(1−r))²: −dU/dr = −2·(1 − e^(1−r))·e^(1−r), checked against that at points
        string[] names = ["r", "m2"];
        var force = DistilStage.ForceOf(Expression.Parse("square(1 - exp(1 - r))", names), 0)!;
        foreach (double r in new[] { 0.3, 1.0, 1.7, 4.0 })
            Assert.Equal(-2 * (1 - Math.Exp(1 - r)) * Math.Exp(1 - r), force.Evaluate(new double[,] { { r, 1 } })[0], 1e-12);
    }

    /// <summary>R² of the least-squares scale-and-offset fit of <paramref name="values"/> onto <paramref name="truth"/>.</summary>
    static double FitR2(double[] values, double[] truth)
    {
        var x = new double[values.Length, 1];
        for (int i = 0; i < values.Length; i++) x[i, 0] = double.IsFinite(values[i]) ? values[i] : 0;
        return LinearFit.Fit(x, truth).R2;
    }
}
