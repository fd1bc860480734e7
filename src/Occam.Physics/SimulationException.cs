namespace Occam.Physics;

/// <summary>
/// A simulation could not go on: its state or forces became infinite or NaN (a potential such as <c>1/0</c> or
/// <c>exp(exp(exp(r)))</c>), the adaptive step underflowed, or it needed too many sub-steps. The message names the
/// system or potential and the time.
/// </summary>
public sealed class SimulationException(string message, double time, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The simulated time at which integration stopped.</summary>
    public double Time { get; } = time;
}
