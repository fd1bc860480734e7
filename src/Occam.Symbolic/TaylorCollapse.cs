namespace Occam.Symbolic;

/// <summary>
/// A smooth function whose argument barely moves over the data is, on the data, its Taylor polynomial, and a search
/// finds such disguised polynomials readily: cos(0.0029·x) = 1 − 4.2·10⁻⁶·x² + O(x⁴) there, so c/(1.0000042 − cos(0.0029·x))
/// fits 3/(1 + x²) to 1e-7 of its spread and can hold the front (or end the run as an "exact fit") beside the law it
/// stands for. For each node sin, cos, exp, tanh, log or sqrt whose argument u spans less than <see cref="Spread"/> over
/// the data (absolutely for the first four, relative to |u| for log and sqrt), two variants are offered to the search
/// (their constants refitted by the caller): f(u) replaced by c₀ + c₁·u + c₂·u², f's second-order expansion about the
/// mean of u written in powers of u, and by its first-order part c₀ + c₁·u (no larger than f(u) by more than three nodes,
/// where the second order repeats u and may not fit the size limit). Where the law is a polynomial or rational in
/// disguise, a variant is the law. Only + and × (and square, where the operators have it) are introduced.
/// </summary>
internal static class TaylorCollapse
{
    /// <summary>The widest span of an argument (absolute, or relative for log and sqrt) that counts as barely moving. A
    /// variant only enters the hall of fame where it fits better at its size, so a wide span costs a refit, not a law:
    /// at 0.1, c/(1 − 0.99982·cos(0.0191·x1)) on [−3, 3] (span 0.115) still ended a run as an "exact fit".</summary>
    public const double Spread = 0.5;

    /// <summary>Two variants per collapsible node of <paramref name="nodes"/>, second order then first (none when the
    /// operators lack + or ×).</summary>
    public static List<Node[]> Variants(Node[] nodes, Dataset<double> data, Evaluator<double> ev, SearchConfig cfg)
    {
        var variants = new List<Node[]>();
        if (!cfg.Binary.Any(n => n.Op == OpCode.Add) || !cfg.Binary.Any(n => n.Op == OpCode.Mul)) return variants;
        bool square = cfg.Unary.Any(n => n.Op == OpCode.Square);
        var u = new double[data.Rows];
        for (int i = 0; i < nodes.Length; i++)
        {
            if (!Expandable(nodes[i].Op)) continue;
            int len = Postfix.SubtreeLength(nodes, i - 1);
            var argument = nodes.AsSpan(i - len, len);
            if (!nodes.Skip(i - len).Take(len).Any(n => n.Op == OpCode.Variable)) continue; // a constant argument is the optimiser's
            ev.Evaluate(argument, data, u);
            if (Expansion(nodes[i].Op, u) is not var (c0, c1, c2, m)) continue;
            var replacement = new List<Node>();
            replacement.Add(Node.Const(c0));
            replacement.Add(Node.Const(c1));
            replacement.AddRange(argument);
            replacement.Add(Node.Of(OpCode.Mul));
            replacement.Add(Node.Of(OpCode.Add));
            replacement.Add(Node.Const(c2));
            replacement.AddRange(argument);
            if (square) replacement.Add(Node.Of(OpCode.Square));
            else
            {
                replacement.AddRange(argument);
                replacement.Add(Node.Of(OpCode.Mul));
            }
            replacement.Add(Node.Of(OpCode.Mul));
            replacement.Add(Node.Of(OpCode.Add));
            variants.Add([.. nodes.AsSpan(0, i - len), .. replacement, .. nodes.AsSpan(i + 1)]);
            // first order: c₀ + c₁·u with the tangent's constants (f(m) − f′(m)·m, f′(m))
            var (d0, d1) = (c0 - c2 * m * m, c1 + 2 * c2 * m);
            variants.Add([.. nodes.AsSpan(0, i - len), Node.Const(d0), Node.Const(d1), .. argument, Node.Of(OpCode.Mul), Node.Of(OpCode.Add), .. nodes.AsSpan(i + 1)]);
        }
        return variants;
    }

    /// <summary>The functions this expands: sin, cos, exp, tanh, log and sqrt.</summary>
    public static bool Expandable(OpCode f) => f is OpCode.Sin or OpCode.Cos or OpCode.Exp or OpCode.Tanh or OpCode.Log or OpCode.Sqrt;

    /// <summary>The coefficients of f's second-order expansion about the mean of <paramref name="u"/>, in powers of u, and
    /// that mean; null when u spans too much, leaves f's domain or is not finite.</summary>
    internal static (double C0, double C1, double C2, double Mean)? Expansion(OpCode f, ReadOnlySpan<double> u)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        foreach (double v in u)
        {
            if (!double.IsFinite(v)) return null;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
        }
        double m = sum / u.Length;
        bool relative = f is OpCode.Log or OpCode.Sqrt;
        if (relative && !(min > 0)) return null;
        if (!(max - min <= Spread * (relative ? min : 1))) return null;
        // f(m), f′(m), f″(m)
        var (d0, d1, d2) = f switch
        {
            OpCode.Sin => (Math.Sin(m), Math.Cos(m), -Math.Sin(m)),
            OpCode.Cos => (Math.Cos(m), -Math.Sin(m), -Math.Cos(m)),
            OpCode.Exp => (Math.Exp(m), Math.Exp(m), Math.Exp(m)),
            OpCode.Tanh => (Math.Tanh(m), 1 - Math.Tanh(m) * Math.Tanh(m), -2 * Math.Tanh(m) * (1 - Math.Tanh(m) * Math.Tanh(m))),
            OpCode.Log => (Math.Log(m), 1 / m, -1 / (m * m)),
            _ => (Math.Sqrt(m), 0.5 / Math.Sqrt(m), -0.25 / (m * Math.Sqrt(m))),
        };
        // d0 + d1·(u − m) + d2/2·(u − m)² in powers of u
        double c2 = 0.5 * d2, c1 = d1 - d2 * m, c0 = d0 - d1 * m + c2 * m * m;
        return double.IsFinite(c0) && double.IsFinite(c1) && double.IsFinite(c2) ? (c0, c1, c2, m) : null;
    }
}
