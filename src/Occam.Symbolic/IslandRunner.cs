namespace Occam.Symbolic;

/// <summary>
/// Where a search's islands evolve each round. Null in <see cref="SymbolicRegressionOptions.IslandRunner"/> (the default)
/// means threads in this process; Occam.Symbolic.Cluster's runner puts them on the members of an Akka cluster. Whatever
/// runs them, every island's round is the same function of the island's state and the round's inputs, and the search
/// merges the results in island order, so the same seed gives the same Pareto front.
/// </summary>
public abstract class IslandRunner
{
    /// <summary>Only Occam's own runners derive from this class (its members are internal).</summary>
    internal IslandRunner() { }

    /// <summary>Called once before the first round with the session (data, options, custom operators) as bytes.</summary>
    internal abstract void Start(byte[] session);

    /// <summary>Runs one round: one request per island (in island order) in, one response per island (same order) out.</summary>
    internal abstract byte[][] RunRound(int round, byte[][] requests);

    /// <summary>Called once after the last round.</summary>
    internal virtual void Finish() { }
}
