using System.Globalization;

namespace Occam.Symbolic;

/// <summary>
/// Dimensional analysis over the seven SI base units (m, kg, s, K, A, mol, cd) plus common derived units
/// (N, J, W, Pa, Hz, C, V). Constants are wildcards (they may carry any units, as in PySR); + − and comparisons need
/// equal units; transcendental functions need dimensionless arguments; powers need a dimensionless exponent and, for a
/// dimensioned base, a constant exponent.
/// </summary>
public sealed class Units
{
    const int D = 7;
    readonly double[][] inputs;
    readonly double[]? output;

    Units(double[][] inputs, double[]? output) { this.inputs = inputs; this.output = output; }

    internal static Units? Create(SymbolicRegressionOptions o, int features)
    {
        if (o.VariableUnits is null) return null;
        if (o.VariableUnits.Count != features)
            throw new ArgumentException($"VariableUnits has {o.VariableUnits.Count} entries but the data has {features} input column(s)");
        return new Units(o.VariableUnits.Select(Parse).ToArray(), o.OutputUnits is null ? null : Parse(o.OutputUnits));
    }

    static readonly Dictionary<string, double[]> Known = new()
    {
        ["m"] = [1, 0, 0, 0, 0, 0, 0], ["kg"] = [0, 1, 0, 0, 0, 0, 0], ["s"] = [0, 0, 1, 0, 0, 0, 0],
        ["K"] = [0, 0, 0, 1, 0, 0, 0], ["A"] = [0, 0, 0, 0, 1, 0, 0], ["mol"] = [0, 0, 0, 0, 0, 1, 0],
        ["cd"] = [0, 0, 0, 0, 0, 0, 1], ["g"] = [0, 1, 0, 0, 0, 0, 0], ["km"] = [1, 0, 0, 0, 0, 0, 0],
        ["N"] = [1, 1, -2, 0, 0, 0, 0], ["J"] = [2, 1, -2, 0, 0, 0, 0], ["W"] = [2, 1, -3, 0, 0, 0, 0],
        ["Pa"] = [-1, 1, -2, 0, 0, 0, 0], ["Hz"] = [0, 0, -1, 0, 0, 0, 0], ["C"] = [0, 0, 1, 0, 1, 0, 0],
        ["V"] = [2, 1, -3, 0, -1, 0, 0],
    };

    /// <summary>Parses a unit string such as "kg*m^2/s^2", "m s^-1", "1" (dimensionless).</summary>
    public static double[] Parse(string text)
    {
        var dims = new double[D];
        var s = text.Trim();
        if (s is "" or "1" or "-") return dims;
        int sign = 1, i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c is '*' or ' ' or '.') { i++; continue; }
            if (c == '/') { sign = -1; i++; continue; }
            int start = i;
            while (i < s.Length && char.IsLetter(s[i])) i++;
            if (start == i) throw new FormatException($"bad unit '{text}' at position {i}");
            string name = s[start..i];
            if (!Known.TryGetValue(name, out var u)) throw new FormatException($"unknown unit '{name}' in '{text}'");
            double power = 1;
            if (i < s.Length && (s[i] == '^' || char.IsDigit(s[i]) || s[i] == '-'))
            {
                if (s[i] == '^') i++;
                int ps = i;
                while (i < s.Length && (char.IsDigit(s[i]) || s[i] is '-' or '.')) i++;
                if (!double.TryParse(s.AsSpan(ps, i - ps), NumberStyles.Float, CultureInfo.InvariantCulture, out power))
                    throw new FormatException($"bad exponent in unit '{text}' at position {ps}");
            }
            for (int d = 0; d < D; d++) dims[d] += sign * power * u[d];
        }
        return dims;
    }

    /// <summary>True when the expression is dimensionally consistent (and matches the output units, if given).</summary>
    public bool IsConsistent(ReadOnlySpan<Node> nodes)
    {
        var stack = new (double[]? Dims, bool Ok)[nodes.Length];
        int sp = 0;
        foreach (var n in nodes)
        {
            switch (n.Arity)
            {
                case 0:
                    stack[sp++] = n.Op == OpCode.Constant ? (null, true) : (n.Index < inputs.Length ? inputs[n.Index] : new double[D], true);
                    break;
                case 1:
                {
                    var (a, ok) = stack[sp - 1];
                    stack[sp - 1] = Unary(n, a, ok);
                    break;
                }
                default:
                {
                    sp--;
                    var (b, okb) = stack[sp];
                    var (a, oka) = stack[sp - 1];
                    stack[sp - 1] = Binary(n, a, b, oka && okb);
                    break;
                }
            }
        }
        var (root, good) = stack[0];
        if (!good) return false;
        return output is null || root is null || Same(root, output);
    }

    static bool Dimensionless(double[]? a) => a is null || a.All(v => Math.Abs(v) < 1e-9);
    static bool Same(double[] a, double[] b) { for (int d = 0; d < D; d++) if (Math.Abs(a[d] - b[d]) > 1e-9) return false; return true; }
    static double[]? Scale(double[]? a, double k) => a?.Select(v => v * k).ToArray();

    static (double[]?, bool) Unary(in Node n, double[]? a, bool ok) => n.Op switch
    {
        OpCode.Neg or OpCode.Abs => (a, ok),
        OpCode.Square => (Scale(a, 2), ok),
        OpCode.Cube => (Scale(a, 3), ok),
        OpCode.Sqrt => (Scale(a, 0.5), ok),
        OpCode.Inv => (Scale(a, -1), ok),
        OpCode.Step => (new double[D], ok),
        _ => (a is null ? null : new double[D], ok && Dimensionless(a)),
    };

    static (double[]?, bool) Binary(in Node n, double[]? a, double[]? b, bool ok)
    {
        switch (n.Op)
        {
            case OpCode.Add or OpCode.Sub:
                if (a is null) return (b, ok);
                if (b is null) return (a, ok);
                return (a, ok && Same(a, b));
            case OpCode.Mul:
                if (a is null || b is null) return (null, ok);
                return (a.Zip(b, (x, y) => x + y).ToArray(), ok);
            case OpCode.Div:
                if (a is null || b is null) return (null, ok);
                return (a.Zip(b, (x, y) => x - y).ToArray(), ok);
            case OpCode.Greater:
                return (new double[D], ok && (a is null || b is null || Same(a, b)));
            case OpCode.Cond:
                return (b, ok);
            case OpCode.Pow:
                // a dimensioned base needs a constant exponent (a wildcard); the result's units are then left open
                if (!Dimensionless(b)) return (a, false);
                if (Dimensionless(a)) return (a is null ? null : new double[D], ok);
                return (null, ok && b is null);
            default:
                return (a is null || b is null ? null : new double[D], ok && Dimensionless(a) && Dimensionless(b));
        }
    }
}
