using Occam.Physics;

namespace Occam.Discovery;

/// <summary>The network's messages, recorded once per data set.</summary>
/// <param name="Analysis">On the training data (<see cref="DiscoveryOptions.AnalysisEdges"/>): what the analysis ranks and
/// the searches fit.</param>
/// <param name="Fresh">On the fresh data (<see cref="DiscoveryOptions.FreshEdges"/>): the recovery check's edges and the
/// out-of-distribution comparison's calibration; null without check data.</param>
/// <param name="Wide">On the wide data: the recovery check's extrapolation edges; null without check data.</param>
public sealed record DiscoveryRecords(MessageRecord Analysis, MessageRecord? Fresh, MessageRecord? Wide);

/// <summary>The record stage: runs the trained network on sampled graphs of each data set and records its messages with
/// the pair features and the system's true pair force.</summary>
public static class RecordStage
{
    /// <summary>Records the messages on the training data and, with <paramref name="checks"/>, on the fresh and wide data.
    /// Seeds: the run's seed + 17 (training), + 991 (fresh), + 997 (wide).</summary>
    public static DiscoveryRecords Record(ParticleNetwork network, ParticleData train, CheckData? checks, ParticleSystem? system,
        DiscoveryOptions options)
    {
        var analysis = MessageRecord.Record(network, train, system, options.AnalysisEdges, options.Seed + 17);
        if (checks is null) return new DiscoveryRecords(analysis, null, null);
        // the Hamiltonian's energy differences of all three are taken at the analysed record's reference distance
        return new DiscoveryRecords(analysis,
            MessageRecord.Record(network, checks.Fresh, system, options.FreshEdges, options.Seed + 991, analysis.ReferenceDistance),
            MessageRecord.Record(network, checks.Wide, system, options.FreshEdges, options.Seed + 997, analysis.ReferenceDistance));
    }
}
