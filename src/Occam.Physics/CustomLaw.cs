using Occam.Symbolic;

namespace Occam.Physics;

/// <summary>
/// A custom pair potential parsed from an expression with <see cref="Expression.Parse"/>; the force uses the
/// exact symbolic derivatives (<see cref="Expression.Differentiate"/>) with respect to r and dx, dy, dz:
/// F_k = −(∂U/∂r · Δ_k / |Δ| + ∂U/∂Δ_k), where r is the softened distance |Δ| + 0.01.
/// </summary>
internal sealed class CustomLaw : PairLaw
{
    public static IReadOnlyList<string> Variables { get; } = ["r", "dx", "dy", "dz", "m1", "m2", "q1", "q2"];

    [ThreadStatic] static double[]? t_args;

    readonly Func<double[], double> _potential;
    readonly Func<double[], double> _dr;
    readonly Func<double[], double>[] _dDelta;
    readonly int _minimumDimension;

    public CustomLaw(string text)
    {
        Expression expression;
        try
        {
            expression = Expression.Parse(text, Variables);
        }
        catch (FormatException e)
        {
            throw new FormatException($"Bad potential expression: {e.Message} (variables: {string.Join(", ", Variables)}).", e);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"Bad potential expression '{text}': {e.Message}", e);
        }
        if (expression.MaxVariableIndex >= Variables.Count)
            throw new FormatException(
                $"Bad potential expression '{text}': it uses a variable other than {string.Join(", ", Variables)}.");
        var used = new HashSet<int>();
        foreach (var node in expression.Nodes)
            if (node.Op == OpCode.Variable) used.Add(node.Index);
        UsesCharges = used.Contains(6) || used.Contains(7);
        IsPiecewise = expression.Nodes.ToArray().Any(n => n.Op is OpCode.Cond or OpCode.Greater);
        _minimumDimension = used.Contains(3) ? 3 : used.Contains(2) ? 2 : 1;
        _potential = expression.Compile();
        _dr = expression.Differentiate(0).Compile();
        _dDelta = [expression.Differentiate(1).Compile(), expression.Differentiate(2).Compile(), expression.Differentiate(3).Compile()];
    }

    public bool UsesCharges { get; }

    /// <summary>Whether the potential uses cond or greater, so that its force jumps.</summary>
    public bool IsPiecewise { get; }

    public override int MinimumDimension => _minimumDimension;

    // A custom potential need not be symmetric in the two bodies: compute each direction from its own formula.
    public override bool Symmetric => false;

    static double[] Arguments(ReadOnlySpan<double> delta, double m1, double m2, double q1, double q2, out double r)
    {
        var args = t_args ??= new double[8];
        double s = 0;
        for (int k = 0; k < delta.Length; k++) s += delta[k] * delta[k];
        r = Math.Sqrt(s);
        args[0] = r + ParticleSystem.DefaultSoftening;
        args[1] = delta.Length > 0 ? delta[0] : 0;
        args[2] = delta.Length > 1 ? delta[1] : 0;
        args[3] = delta.Length > 2 ? delta[2] : 0;
        args[4] = m1;
        args[5] = m2;
        args[6] = q1;
        args[7] = q2;
        return args;
    }

    public override double Potential(ReadOnlySpan<double> delta, double m1, double m2, double q1, double q2)
    {
        CheckDimension(delta.Length);
        return _potential(Arguments(delta, m1, m2, q1, q2, out _));
    }

    public override void Force(ReadOnlySpan<double> delta, double m1, double m2, double q1, double q2, Span<double> force)
    {
        CheckDimension(delta.Length);
        var args = Arguments(delta, m1, m2, q1, q2, out double r);
        // The radial part has no direction at r = 0; by symmetry it contributes nothing there.
        double radial = r > 0 ? _dr(args) / r : 0;
        for (int k = 0; k < delta.Length; k++)
            force[k] = -(radial * delta[k] + _dDelta[k](args));
    }

    void CheckDimension(int dim)
    {
        if (dim < _minimumDimension)
            throw new ArgumentException($"The potential uses {(_minimumDimension == 3 ? "dz" : "dy")} and needs at least {_minimumDimension} dimensions, not {dim}.");
    }
}
