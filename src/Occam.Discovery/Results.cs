using Occam.Physics;
using Occam.Symbolic;

namespace Occam.Discovery;

/// <summary>Stage and progress of a discovery run.</summary>
/// <param name="Stage">The stage: "simulate", "train", "symbolic regression", "out-of-distribution check", ….</param>
/// <param name="Fraction">Fraction of the stage done, 0 to 1.</param>
/// <param name="Detail">A human-readable detail (current loss, best expression, …).</param>
public sealed record DiscoveryProgress(string Stage, double Fraction, string Detail);

/// <summary>The symbolic distillation of one significant message component.</summary>
/// <param name="Fit">The component's linear fit to the force.</param>
/// <param name="Best">Its equation: the search's selection, or, when the search ran on the force frame's magnitude, the
/// component's linear map of the frame's axes' equations.</param>
/// <param name="Search">The search on this component; null when the search ran on the force frame's magnitude.</param>
public sealed record DistilledComponent(ComponentFit Fit, ParetoEntry Best, SymbolicRegressionResult? Search);

/// <summary>
/// The distillation in the force frame (see <see cref="ForceFrame"/>): its axes u are parallel to Δx, u = h·Δx / r, so
/// one search on the signed magnitude h = u·Δx / r (the force law itself, up to scale) gives every axis.
/// </summary>
/// <param name="Search">The search on h with the rotation invariants (r, m1, m2, q1, q2) as inputs, r the softened distance
/// |Δx| + ε (<see cref="MessageRecord.Softening"/>); its expressions index those. Every other expression here uses the record's
/// pair features, with r + ε written out where the law has r.</param>
/// <param name="R2VsForce">R² of a linear fit of h on the true force's signed magnitude F·Δx / r.</param>
/// <param name="R2VsForcePerMass">The same against F·Δx / (r·m_receiver).</param>
/// <param name="Best">The selected entry of the search's front: by PySR's "best" rule on <paramref name="AccelerationLoss"/>
/// when the record has accelerations, else by the paper's score on the search's loss (with each entry's complexity
/// counted without its receiver factor when that is separated).</param>
/// <param name="Magnitude">The selected h (with a receiver-scaled search, its constants refitted under that loss:
/// <see cref="ReceiverScale.RefitConstants"/>).</param>
/// <param name="ReceiverFactor">The factor of h that depends on the receiver's mass alone (see
/// <see cref="DiscoveryOptions.SeparateReceiverFactor"/>); null when there is none.</param>
/// <param name="Law">h without <paramref name="ReceiverFactor"/>: the force law's magnitude, up to scale.</param>
/// <param name="Axes">Each axis's law, <paramref name="Law"/>·Δx_a / r: the recovered force.</param>
/// <param name="Scale">With <see cref="DiscoveryOptions.ReceiverScaledSearch"/>, the whole receiver factor s(m1) of the
/// messages, fitted as the search's loss fits it: h ≈ s(m1)·<paramref name="Law"/>; null otherwise.</param>
/// <param name="AccelerationLoss">Per entry of the search's front, the <see cref="AccelerationJudge"/>'s loss of its law
/// (constants refitted to the accelerations, floored at the data's precision); null when the record has no accelerations.</param>
/// <param name="SoftenedLaw"><paramref name="Law"/> as the search wrote it, in the softened distance: on the pair features, with
/// r standing for r + ε (<see cref="MessageRecord.SoftenedFeatures"/> evaluates it); null when not given.</param>
/// <param name="Refinement">The refinement on the accelerations (<see cref="DiscoveryOptions.RefineRounds"/>), when it ran:
/// its front's entries, each with its loss on the messages, are among <paramref name="Search"/>'s; null when it did not
/// run.</param>
/// <param name="Potentials">Per entry of <paramref name="Search"/>'s front, the pair potential U whose force −dU/dr is its law,
/// on the search's variables as its equation is (r the softened distance), for the laws the refinement found as potentials;
/// null for the others, and null when the refinement did not run.</param>
public sealed record RadialDistillation(SymbolicRegressionResult Search, double R2VsForce, double R2VsForcePerMass,
    ParetoEntry Best, Expression Magnitude, Expression? ReceiverFactor, Expression Law, Expression[] Axes, ReceiverScaleFit? Scale,
    double[]? AccelerationLoss = null, Expression? SoftenedLaw = null, SymbolicRegressionResult? Refinement = null,
    Expression?[]? Potentials = null);

/// <summary>The check of the recovered expressions against the known law on fresh edges.</summary>
/// <param name="Recovered">True when both checks pass.</param>
/// <param name="R2">Per target component (force axis, or the potential), R² of its best linear fit on the expressions.</param>
/// <param name="PerMass">True when the comparison was against F / m_receiver (U / m_receiver).</param>
/// <param name="StructureOk">True when the expressions use the variables the law needs.</param>
/// <param name="Missing">Variables the law needs that no expression uses.</param>
/// <param name="Reason">Why it failed, or "ok".</param>
/// <param name="MinDistance">Fresh edges closer than this were left out of <paramref name="R2"/> (the softening core).</param>
/// <param name="R2AllEdges">The same R² over every fresh edge, the softening core included (reported, not judged).</param>
/// <param name="R2Wide">The same R² on fresh edges at twice the position spread (linear map fitted there), judged like
/// <paramref name="R2"/>; null when the check had no such edges.</param>
/// <param name="FormR2">The form check (<see cref="JudgeStage.CheckForm"/>): R² of the force frame's law against the true
/// force magnitude on the fresh edges, its constants and scale refitted to it there and at twice the position spread; null
/// when there was no frame's law to check.</param>
/// <param name="FormR2Wide">The same at twice the position spread.</param>
public sealed record RecoveryCheck(bool Recovered, double[] R2, bool PerMass, bool StructureOk, string[] Missing, string Reason,
    double MinDistance = 0, double[]? R2AllEdges = null, double[]? R2Wide = null, double? FormR2 = null, double? FormR2Wide = null);

/// <summary>The outcome of <see cref="SymbolicDistillation.Distill"/>.</summary>
/// <param name="Frame">The force frame fitted to the components (null for the Hamiltonian variant or when the number
/// of significant components differs from the dimension).</param>
/// <param name="Radial">The search on the frame's signed magnitude, when the frame was usable; otherwise null and each
/// component was searched itself.</param>
/// <param name="Record">The recorded messages and pair features of the analysed edges (<see cref="DiscoveryOptions.AnalysisEdges"/>).</param>
/// <param name="Analysis">The analysis of those messages: components ranked by spread, the significant ones fitted to the force.</param>
/// <param name="Components">The distillation of each significant message component.</param>
/// <param name="Recovery">The check against the known law on fresh edges; not recovered, with reason "no known law to compare
/// with", when the system's law is unknown.</param>
/// <param name="SoftenedPotential">The Hamiltonian variant's pair-energy law on the pair features with r standing for the
/// softened distance r + ε (the components' equations write it out); null for the other variants.</param>
public sealed record DistillationResult(MessageRecord Record, MessageAnalysisResult Analysis, DistilledComponent[] Components,
    RecoveryCheck Recovery, ForceFrame? Frame = null, RadialDistillation? Radial = null, Expression? SoftenedPotential = null)
{
    /// <summary>The expressions the recovery check judged: the frame's axes, or else the components' equations.</summary>
    public Expression[] Expressions => Radial?.Axes ?? Components.Select(c => c.Best.Expression).ToArray();
}

/// <summary>Acceleration error (mean over nodes of ‖a_pred − a_true‖₁) of the network and of the recovered equations
/// (mapped linearly onto the force, summed over senders, divided by the receiver mass where needed), in distribution
/// and on data with twice the position spread.</summary>
/// <param name="Damping">The damping b of a force −b·v on each body, fitted to what the recovered pair forces leave of the
/// calibration's accelerations and added to the equations' predictions (≈ 0 where there is none).</param>
/// <param name="NetworkError">The network's error on fresh simulations like the training data.</param>
/// <param name="EquationError">The recovered equations' error on the same data.</param>
/// <param name="NetworkErrorOod">The network's error on fresh simulations at twice the position spread.</param>
/// <param name="EquationErrorOod">The recovered equations' error on those.</param>
public sealed record OutOfDistributionCheck(double NetworkError, double EquationError, double NetworkErrorOod, double EquationErrorOod,
    double Damping = 0);

/// <summary>The outcome of a whole discovery run.</summary>
/// <param name="Options">The settings the run used (dimension, bodies and system those of the data set).</param>
/// <param name="System">Name of the particle system.</param>
/// <param name="LossCurve">The training loss curve.</param>
/// <param name="TrainLoss">Loss of the last training step.</param>
/// <param name="Distillation">The symbolic distillation and its recovery check.</param>
/// <param name="TrainSeconds">Wall-clock seconds of the training (0 when a trained model was loaded).</param>
/// <param name="Seconds">Wall-clock seconds of the whole run.</param>
/// <param name="OutOfDistribution">The network and the equations compared in and out of distribution; null for the Hamiltonian variant.</param>
public sealed record DiscoveryResult(DiscoveryOptions Options, string System, IReadOnlyList<LossPoint> LossCurve,
    double TrainLoss, DistillationResult Distillation, double TrainSeconds, double Seconds, OutOfDistributionCheck? OutOfDistribution = null)
{
    /// <summary>True when the distillation's recovery check passed (<see cref="RecoveryCheck.Recovered"/>).</summary>
    public bool Recovered => Distillation.Recovery.Recovered;
}
