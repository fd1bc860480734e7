using System.Globalization;
using System.Text;

namespace Occam.Symbolic;

internal enum PrintStyle { Infix, Sympy, Latex, CSharp, Numpy, Jax, Julia }

/// <summary>Prints expression trees as infix (round-trips through the parser), SymPy, LaTeX and C# source; the NumPy, JAX
/// and Julia source and the function forms are in Printer.Source.cs.</summary>
internal static partial class Printer
{
    // precedence levels: 1 sum, 2 product, 3 unary minus / negative constant, 4 power, 5 atom
    static int Prec(Tree t) => t.Op switch
    {
        OpCode.Add or OpCode.Sub => 1,
        OpCode.Mul or OpCode.Div => 2,
        OpCode.Neg => 3,
        OpCode.Pow => 4,
        OpCode.Constant => t.Value < 0 || double.IsNegative(t.Value) ? 3 : 5,
        _ => 5,
    };

    public static string Print(Tree t, IReadOnlyList<string> names, PrintStyle style)
    {
        var sb = new StringBuilder();
        Write(sb, t, names, style);
        return sb.ToString();
    }

    static string Name(int i, IReadOnlyList<string> names) => i < names.Count ? names[i] : "x" + i.ToString(CultureInfo.InvariantCulture);

    public static string Number(double v, PrintStyle style)
    {
        if (double.IsNaN(v)) return style switch { PrintStyle.CSharp => "double.NaN", PrintStyle.Sympy => "nan", PrintStyle.Latex => "\\mathrm{NaN}", _ => "nan" };
        if (double.IsInfinity(v))
        {
            string s = style switch { PrintStyle.CSharp => "double.PositiveInfinity", PrintStyle.Sympy => "oo", PrintStyle.Latex => "\\infty", _ => "inf" };
            return v < 0 ? "-" + (style == PrintStyle.CSharp ? "(" + s + ")" : s) : s;
        }
        if (style == PrintStyle.Latex)
        {
            string g = v.ToString("G5", CultureInfo.InvariantCulture);
            int e = g.IndexOf('E');
            if (e < 0) return g;
            int exp = int.Parse(g.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            return $"{g[..e]} \\cdot 10^{{{exp}}}";
        }
        string r = v.ToString("R", CultureInfo.InvariantCulture);
        if (style == PrintStyle.CSharp && r.IndexOfAny(['.', 'E']) < 0) r += ".0";
        return r;
    }

    static void Child(StringBuilder sb, Tree t, int min, IReadOnlyList<string> names, PrintStyle style)
    {
        if (Prec(t) < min)
        {
            sb.Append(style == PrintStyle.Latex ? "\\left(" : "(");
            Write(sb, t, names, style);
            sb.Append(style == PrintStyle.Latex ? "\\right)" : ")");
        }
        else Write(sb, t, names, style);
    }

    static void Write(StringBuilder sb, Tree t, IReadOnlyList<string> names, PrintStyle style)
    {
        var n = t.Node;
        switch (n.Op)
        {
            case OpCode.Constant:
                sb.Append(Number(n.Value, style));
                return;
            case OpCode.Variable:
                sb.Append(style == PrintStyle.CSharp ? CSharpName(n.Index, names) : style == PrintStyle.Latex ? LatexName(Name(n.Index, names)) : Name(n.Index, names));
                return;
        }
        if (style == PrintStyle.Latex) { WriteLatex(sb, t, names); return; }
        if (style == PrintStyle.CSharp) { WriteCSharp(sb, t, names); return; }
        bool sympy = style == PrintStyle.Sympy;
        switch (n.Op)
        {
            case OpCode.Add: Child(sb, t.A!, 1, names, style); sb.Append(" + "); Child(sb, t.B!, 2, names, style); return;
            case OpCode.Sub: Child(sb, t.A!, 1, names, style); sb.Append(" - "); Child(sb, t.B!, 2, names, style); return;
            case OpCode.Mul: Child(sb, t.A!, 2, names, style); sb.Append(" * "); Child(sb, t.B!, 3, names, style); return;
            case OpCode.Div: Child(sb, t.A!, 2, names, style); sb.Append(" / "); Child(sb, t.B!, 3, names, style); return;
            case OpCode.Pow: Child(sb, t.A!, 5, names, style); sb.Append(sympy ? "**" : "^"); Child(sb, t.B!, 3, names, style); return;
            case OpCode.Neg:
                sb.Append('-');
                if (t.A!.IsConst) { sb.Append('('); Write(sb, t.A, names, style); sb.Append(')'); }
                else Child(sb, t.A, 3, names, style);
                return;
        }
        if (sympy)
        {
            switch (n.Op)
            {
                case OpCode.Square: sb.Append('('); Write(sb, t.A!, names, style); sb.Append(")**2"); return;
                case OpCode.Cube: sb.Append('('); Write(sb, t.A!, names, style); sb.Append(")**3"); return;
                case OpCode.Inv: sb.Append("1/("); Write(sb, t.A!, names, style); sb.Append(')'); return;
                case OpCode.Abs: Call(sb, "Abs", t, names, style); return;
                case OpCode.Step: sb.Append("Piecewise((1.0, "); Child(sb, t.A!, 1, names, style); sb.Append(" > 0), (0.0, True))"); return;
                case OpCode.Greater:
                    sb.Append("Piecewise((1.0, "); Child(sb, t.A!, 1, names, style); sb.Append(" > "); Child(sb, t.B!, 1, names, style);
                    sb.Append("), (0.0, True))");
                    return;
                case OpCode.Cond:
                    sb.Append("Piecewise(("); Write(sb, t.B!, names, style); sb.Append(", "); Child(sb, t.A!, 1, names, style);
                    sb.Append(" > 0), (0.0, True))");
                    return;
            }
        }
        Call(sb, t.OperatorName, t, names, style);
    }

    static void Call(StringBuilder sb, string name, Tree t, IReadOnlyList<string> names, PrintStyle style)
    {
        sb.Append(name).Append('(');
        Write(sb, t.A!, names, style);
        if (t.B is not null) { sb.Append(", "); Write(sb, t.B, names, style); }
        sb.Append(')');
    }

    static string LatexName(string name)
    {
        if (name.Length > 1 && char.IsLetter(name[0]) && name.Skip(1).All(char.IsDigit)) return $"{name[0]}_{{{name[1..]}}}";
        int u = name.IndexOf('_');
        if (u > 0 && u < name.Length - 1) return $"{name[..u]}_{{{name[(u + 1)..].Replace("_", "\\_")}}}";
        return name.Length == 1 ? name : $"\\mathrm{{{name.Replace("_", "\\_")}}}";
    }

    static void WriteLatex(StringBuilder sb, Tree t, IReadOnlyList<string> names)
    {
        const PrintStyle L = PrintStyle.Latex;
        void Brace(Tree c) { sb.Append('{'); Write(sb, c, names, L); sb.Append('}'); }
        void Fn(string f) { sb.Append(f).Append("{\\left("); Write(sb, t.A!, names, L); sb.Append(" \\right)}"); }
        switch (t.Op)
        {
            case OpCode.Add: Child(sb, t.A!, 1, names, L); sb.Append(" + "); Child(sb, t.B!, 2, names, L); return;
            case OpCode.Sub: Child(sb, t.A!, 1, names, L); sb.Append(" - "); Child(sb, t.B!, 2, names, L); return;
            case OpCode.Mul: Child(sb, t.A!, 2, names, L); sb.Append(" \\cdot "); Child(sb, t.B!, 3, names, L); return;
            case OpCode.Div: sb.Append("\\frac"); Brace(t.A!); Brace(t.B!); return;
            case OpCode.Pow: sb.Append('{'); Child(sb, t.A!, 5, names, L); sb.Append("}^"); Brace(t.B!); return;
            case OpCode.Neg: sb.Append('-'); Child(sb, t.A!, 4, names, L); return;
            case OpCode.Square: sb.Append('{'); Child(sb, t.A!, 5, names, L); sb.Append("}^{2}"); return;
            case OpCode.Cube: sb.Append('{'); Child(sb, t.A!, 5, names, L); sb.Append("}^{3}"); return;
            case OpCode.Inv: sb.Append("\\frac{1}"); Brace(t.A!); return;
            case OpCode.Sqrt: sb.Append("\\sqrt"); Brace(t.A!); return;
            case OpCode.Exp: sb.Append("e^"); Brace(t.A!); return;
            case OpCode.Abs: sb.Append("\\left|"); Write(sb, t.A!, names, L); sb.Append("\\right|"); return;
            case OpCode.Log: Fn("\\log"); return;
            case OpCode.Sin: Fn("\\sin"); return;
            case OpCode.Cos: Fn("\\cos"); return;
            case OpCode.Tanh: Fn("\\tanh"); return;
            case OpCode.Step: sb.Append("\\left["); Write(sb, t.A!, names, L); sb.Append(" > 0\\right]"); return;
            case OpCode.Greater: sb.Append("\\left["); Write(sb, t.A!, names, L); sb.Append(" > "); Write(sb, t.B!, names, L); sb.Append("\\right]"); return;
            case OpCode.Cond: sb.Append("\\left["); Write(sb, t.A!, names, L); sb.Append(" > 0\\right] "); Child(sb, t.B!, 5, names, L); return;
            default:
                sb.Append("\\operatorname{").Append(t.OperatorName.Replace("_", "\\_")).Append("}{\\left(");
                Write(sb, t.A!, names, L);
                if (t.B is not null) { sb.Append(", "); Write(sb, t.B, names, L); }
                sb.Append(" \\right)}");
                return;
        }
    }

    internal static string CSharpName(int i, IReadOnlyList<string> names)
    {
        string name = Name(i, names);
        bool ok = name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_') && name.All(c => char.IsLetterOrDigit(c) || c == '_');
        return ok ? name : $"x[{i}]";
    }

    static void WriteCSharp(StringBuilder sb, Tree t, IReadOnlyList<string> names)
    {
        const PrintStyle S = PrintStyle.CSharp;
        void P(Tree c)
        {
            if (c.IsConst && (c.Value < 0 || double.IsNegative(c.Value))) { sb.Append('('); Write(sb, c, names, S); sb.Append(')'); }
            else if (c.Node.IsLeaf || c.Op is OpCode.Pow or OpCode.Sqrt or OpCode.Exp or OpCode.Log or OpCode.Abs or OpCode.Sin
                         or OpCode.Cos or OpCode.Tanh or OpCode.CustomUnary or OpCode.CustomBinary) Write(sb, c, names, S);
            else { sb.Append('('); Write(sb, c, names, S); sb.Append(')'); }
        }
        void Fn(string f) { sb.Append(f).Append('('); Write(sb, t.A!, names, S); sb.Append(')'); }
        switch (t.Op)
        {
            case OpCode.Add: P(t.A!); sb.Append(" + "); P(t.B!); return;
            case OpCode.Sub: P(t.A!); sb.Append(" - "); P(t.B!); return;
            case OpCode.Mul: P(t.A!); sb.Append(" * "); P(t.B!); return;
            case OpCode.Div: P(t.A!); sb.Append(" / "); P(t.B!); return;
            case OpCode.Pow: sb.Append("Math.Pow("); Write(sb, t.A!, names, S); sb.Append(", "); Write(sb, t.B!, names, S); sb.Append(')'); return;
            case OpCode.Neg: sb.Append('-'); P(t.A!); return;
            // A leaf is repeated (x * x); anything larger goes through Math.Pow, since repeating it would double the
            // text at every nested square (square nested 200 deep would print 2^200 copies).
            case OpCode.Square when t.A!.Node.IsLeaf: P(t.A!); sb.Append(" * "); P(t.A!); return;
            case OpCode.Cube when t.A!.Node.IsLeaf: P(t.A!); sb.Append(" * "); P(t.A!); sb.Append(" * "); P(t.A!); return;
            case OpCode.Square or OpCode.Cube:
                sb.Append("Math.Pow("); Write(sb, t.A!, names, S); sb.Append(t.Op == OpCode.Square ? ", 2.0)" : ", 3.0)"); return;
            case OpCode.Inv: sb.Append("1.0 / "); P(t.A!); return;
            case OpCode.Sqrt: Fn("Math.Sqrt"); return;
            case OpCode.Exp: Fn("Math.Exp"); return;
            case OpCode.Log: Fn("Math.Log"); return;
            case OpCode.Abs: Fn("Math.Abs"); return;
            case OpCode.Sin: Fn("Math.Sin"); return;
            case OpCode.Cos: Fn("Math.Cos"); return;
            case OpCode.Tanh: Fn("Math.Tanh"); return;
            case OpCode.Step: P(t.A!); sb.Append(" > 0.0 ? 1.0 : 0.0"); return;
            case OpCode.Greater: P(t.A!); sb.Append(" > "); P(t.B!); sb.Append(" ? 1.0 : 0.0"); return;
            case OpCode.Cond: P(t.A!); sb.Append(" > 0.0 ? "); P(t.B!); sb.Append(" : 0.0"); return;
            default:
                sb.Append(t.OperatorName).Append('(');
                Write(sb, t.A!, names, S);
                if (t.B is not null) { sb.Append(", "); Write(sb, t.B, names, S); }
                sb.Append(')');
                return;
        }
    }
}
