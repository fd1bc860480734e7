using Occam.Symbolic;

namespace Occam.Tests.Export;

/// <summary>Which points of an expression another math library may legitimately evaluate differently.</summary>
internal static class Conditioning
{
    /// <summary>
    /// Whether the value at <paramref name="x"/> moves by more than 1e-13 (relative) when every transcendental result
    /// (sqrt, exp, log, sin, cos, tanh, pow) is off by 3 ulp (×(1 ± 6.7e-16)): there another math library, within its
    /// documented 1–4 ulp of the true value, may legitimately give a different result (sin of a result near 10⁷; a
    /// step at a near-tie), so such points say nothing about the exported text.
    /// </summary>
    public static bool IllConditioned(Expression e, double[] x)
    {
        var nodes = e.Nodes.ToArray();
        double exact = Perturbed(nodes, x, 0);
        foreach (double eps in new[] { 6.7e-16, -6.7e-16 })
            if (!ExportRuntimes.Same(exact, Perturbed(nodes, x, eps), 1e-13)) return true;
        return false;
    }

    /// <summary>A naive postfix evaluation with every transcendental result scaled by (1 + <paramref name="eps"/>).</summary>
    static double Perturbed(Node[] nodes, double[] x, double eps)
    {
        var stack = new Stack<double>();
        foreach (var n in nodes)
        {
            double f = 1 + eps;
            switch (n.Arity)
            {
                case 0: stack.Push(n.Op == OpCode.Constant ? n.Value : x[n.Index]); break;
                case 1:
                    double a = stack.Pop();
                    stack.Push(n.Op is OpCode.Sqrt or OpCode.Exp or OpCode.Log or OpCode.Sin or OpCode.Cos or OpCode.Tanh
                        ? Operators.Apply(n, a) * f : Operators.Apply(n, a));
                    break;
                default:
                    double b = stack.Pop(), l = stack.Pop();
                    stack.Push(n.Op == OpCode.Pow ? Math.Pow(l, b) * f : Operators.Apply(n, l, b));
                    break;
            }
        }
        return stack.Pop();
    }
}
