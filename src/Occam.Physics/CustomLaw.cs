namespace Occam.Physics;

/// <summary>A custom pair potential parsed from an expression (forces from its exact derivative).</summary>
internal sealed class CustomLaw : PairLaw
{
    public static IReadOnlyList<string> Variables { get; } = ["r", "dx", "dy", "dz", "m1", "m2", "q1", "q2"];

    public CustomLaw(string expression)
    {
        throw new NotSupportedException(
            $"Custom potentials ('{expression}') need the expression parser of Occam.Symbolic, which is not available yet.");
    }

    public bool UsesCharges => false;

    public override bool Symmetric => false;

    public override double Potential(ReadOnlySpan<double> delta, double m1, double m2, double q1, double q2) =>
        throw new NotSupportedException();

    public override void Force(ReadOnlySpan<double> delta, double m1, double m2, double q1, double q2, Span<double> force) =>
        throw new NotSupportedException();
}
