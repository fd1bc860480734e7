using System.Globalization;
using System.Text;
using Occam.Symbolic.IO;

namespace Occam.Symbolic;

/// <summary>A language <see cref="Expression.ToFunction"/> writes source for.</summary>
public enum SourceLanguage
{
    /// <summary>C#: a static method on doubles using <c>Math.*</c> (the text of <see cref="Expression.ToCSharp"/>).</summary>
    CSharp,

    /// <summary>Python with NumPy: elementwise over float64 arrays (<see cref="Expression.ToNumpy"/>).</summary>
    Numpy,

    /// <summary>Python with JAX: the NumPy form with <c>jax.numpy</c> (<c>jnp</c>) in place of <c>np</c>
    /// (<see cref="Expression.ToJax"/>).</summary>
    Jax,

    /// <summary>Julia: every operation broadcast, so the same code runs on Float64 scalars and arrays
    /// (<see cref="Expression.ToJulia"/>).</summary>
    Julia,
}

/// <summary>
/// Source text in other languages (NumPy, JAX, Julia; C# functions) with <see cref="Expression.Evaluate(ReadOnlySpan{double})"/>'s
/// semantics: IEEE arithmetic, NaN (never an exception) where an argument is outside an operator's domain, and the
/// conditionals as selections. Variables print by name where the name is an identifier of the language that no keyword
/// or name the code uses takes, else as x<i>i</i> (made unique).
/// </summary>
internal static partial class Printer
{
    static readonly HashSet<string> PythonReserved =
    [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
        "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
        "pass", "raise", "return", "try", "while", "with", "yield", "np", "jnp",
    ];

    static readonly HashSet<string> JuliaReserved =
    [
        "baremodule", "begin", "break", "catch", "const", "continue", "do", "else", "elseif", "end", "export", "false",
        "finally", "for", "function", "global", "if", "import", "let", "local", "macro", "module", "quote", "return", "struct",
        "true", "try", "using", "while", "abstract", "mutable", "primitive", "type", "where", "in", "isa", "outer",
        // names the exported code calls: a parameter of the same name would shadow them
        "NaN", "Inf", "ifelse", "isinf", "isfinite", "isinteger", "sqrt", "log", "exp", "abs", "sin", "cos", "tanh",
    ];

    static readonly HashSet<string> CSharpReserved =
    [
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock", "long",
        "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected", "public",
        "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string", "struct", "switch",
        "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void",
        "volatile", "while", "Math",
    ];

    static bool IsAsciiIdentifier(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    static HashSet<string> Reserved(PrintStyle style) => style switch
    {
        PrintStyle.Numpy or PrintStyle.Jax => PythonReserved,
        PrintStyle.Julia => JuliaReserved,
        _ => CSharpReserved,
    };

    static string LanguageName(PrintStyle style) => style switch
    {
        PrintStyle.Numpy => "NumPy", PrintStyle.Jax => "JAX", PrintStyle.Julia => "Julia", _ => "C#",
    };

    /// <summary>
    /// An identifier of the language for each variable 0..<paramref name="count"/>−1: its name where that is an ASCII
    /// identifier and not reserved, else x<i>i</i>; a name already taken gets underscores appended.
    /// </summary>
    public static string[] Identifiers(IReadOnlyList<string> names, int count, PrintStyle style)
    {
        var reserved = Reserved(style);
        var ids = new string[count];
        var taken = new HashSet<string>(StringComparer.Ordinal);
        // names that are fine keep them first, so a renamed variable never takes a name another variable has
        for (int i = 0; i < count; i++)
            if (i < names.Count && IsAsciiIdentifier(names[i]) && !reserved.Contains(names[i]) && !names[i].StartsWith("__", StringComparison.Ordinal)
                && taken.Add(names[i]))
                ids[i] = names[i];
        for (int i = 0; i < count; i++)
        {
            if (ids[i] is not null) continue;
            string id = "x" + i.ToString(CultureInfo.InvariantCulture);
            while (!taken.Add(id)) id += "_";
            ids[i] = id;
        }
        return ids;
    }

    /// <summary>Throws <see cref="NotSupportedException"/> naming the first custom operator in <paramref name="t"/>: it is
    /// a .NET delegate and has no source form.</summary>
    static void RequireBuiltins(Tree t, PrintStyle style)
    {
        if (t.Op is OpCode.CustomUnary or OpCode.CustomBinary)
            throw new NotSupportedException(
                $"the custom operator '{t.OperatorName}' has no {LanguageName(style)} form (it is a .NET delegate); export expressions of built-in operators only");
        if (t.A is not null) RequireBuiltins(t.A, style);
        if (t.B is not null) RequireBuiltins(t.B, style);
    }

    /// <summary>The expression as NumPy, JAX or Julia source over the given identifiers.</summary>
    public static string Source(Tree t, IReadOnlyList<string> ids, PrintStyle style)
    {
        RequireBuiltins(t, style);
        var sb = new StringBuilder();
        if (style == PrintStyle.Julia) WriteJulia(sb, t, ids);
        else WritePython(sb, t, ids, style == PrintStyle.Jax ? "jnp" : "np");
        return sb.ToString();
    }

    /// <summary>A complete function <paramref name="name"/>(x₀, …, x_{count−1}) returning the expression.</summary>
    public static string Function(Tree t, IReadOnlyList<string> names, int count, PrintStyle style, string name)
    {
        if (!IsAsciiIdentifier(name) || Reserved(style).Contains(name))
            throw new ArgumentException($"function name '{MessageText.Excerpt(name)}' is not an identifier of {LanguageName(style)}", nameof(name));
        RequireBuiltins(t, style);
        var ids = Identifiers(names, count, style);
        if (ids.Contains(name))
            throw new ArgumentException($"function name '{name}' is also the name of a variable; choose another", nameof(name));
        string parameters = string.Join(", ", ids);
        string infix = Print(t, ids, PrintStyle.Infix);
        string signature = $"{name}({parameters}) = {infix}";
        var sb = new StringBuilder();
        // the import, the def line and the docstring's first line of a Python function (NumPy and JAX alike)
        void PythonHeader(string import) =>
            sb.Append(import).Append("\n\n\n").Append("def ").Append(name).Append('(').Append(parameters).Append("):\n")
              .Append("    \"\"\"").Append(signature).Append(", exported by Occam.\n\n");
        switch (style)
        {
            case PrintStyle.CSharp:
                sb.Append("/// <summary>").Append(signature).Append(", exported by Occam (NaN where an argument is outside an operator's domain).</summary>\n");
                sb.Append("public static double ").Append(name).Append('(').Append(string.Join(", ", ids.Select(id => "double " + id))).Append(") =>\n    ");
                sb.Append(Print(t, ids, PrintStyle.CSharp)).Append(";\n");
                break;
            case PrintStyle.Numpy:
                PythonHeader("import numpy as np");
                sb.Append("    Elementwise over float64 arrays (or scalars); NaN or inf where an argument is outside an operator's\n");
                sb.Append("    domain, as in Occam.\n    \"\"\"\n");
                foreach (var id in ids) sb.Append("    ").Append(id).Append(" = np.asarray(").Append(id).Append(", dtype=np.float64)\n");
                sb.Append("    with np.errstate(all=\"ignore\"):\n        return ").Append(Source(t, ids, style)).Append('\n');
                break;
            case PrintStyle.Jax:
                PythonHeader("import jax.numpy as jnp");
                sb.Append("    Elementwise over arrays; NaN or inf where an argument is outside an operator's domain, as in Occam.\n");
                sb.Append("    JAX computes in float32 unless float64 is enabled: jax.config.update(\"jax_enable_x64\", True).\n    \"\"\"\n");
                sb.Append("    return ").Append(Source(t, ids, style)).Append('\n');
                break;
            default:
                sb.Append("# ").Append(signature).Append(", exported by Occam.\n");
                sb.Append("# Every operation is broadcast, so it runs on Float64 scalars and arrays alike; NaN where an argument\n");
                sb.Append("# is outside an operator's domain (no DomainError), as in Occam.\n");
                sb.Append("function ").Append(name).Append('(').Append(parameters).Append(")\n");
                sb.Append("    return ").Append(Source(t, ids, style)).Append("\nend\n");
                break;
        }
        return sb.ToString();
    }

    static bool HasVariable(Tree t) =>
        t.Op == OpCode.Variable || (t.A is not null && HasVariable(t.A)) || (t.B is not null && HasVariable(t.B));

    /// <summary>A float literal (never an integer, so that no operator does integer arithmetic).</summary>
    static string FloatLiteral(double v, string nan, string inf)
    {
        if (double.IsNaN(v)) return nan;
        if (double.IsInfinity(v)) return v < 0 ? "-" + inf : inf;
        string r = v.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
        return r.IndexOfAny(['.', 'e']) < 0 ? r + ".0" : r;
    }

    static bool IsNegativeConstant(Tree t) => t.IsConst && !double.IsNaN(t.Value) && double.IsNegative(t.Value);

    // ---- Python (NumPy, JAX) -------------------------------------------------------------------------------------
    // Python's own / and ** raise on floats (1.0 / 0.0, 0.0 ** -1.0) and ** gives complex numbers ((-8.0) ** 0.5), so:
    // powers go through np.power, and a division whose operands hold no variable (Python floats) through np.divide;
    // one with a variable divides arrays, which follow IEEE. Conditionals are np.where; both branches are computed. A cube
    // is t*t*t (np.power(t, 3.0) differs in the last bit), through a lambda where t is not a leaf, so as not to repeat it.

    // precedence: 1 sum, 2 product, 3 unary minus / negative constant, 5 atom (call, name, positive number)
    static int PythonPrec(Tree t) => t.Op switch
    {
        OpCode.Constant => IsNegativeConstant(t) ? 3 : 5,
        OpCode.Add or OpCode.Sub => 1,
        OpCode.Mul => 2,
        OpCode.Div or OpCode.Inv => HasVariable(t) ? 2 : 5,
        OpCode.Cube when t.A!.Node.IsLeaf => 2,
        OpCode.Neg => 3,
        _ => 5,
    };

    static void WritePython(StringBuilder sb, Tree t, IReadOnlyList<string> ids, string np)
    {
        void C(Tree c, int min)
        {
            if (PythonPrec(c) < min) { sb.Append('('); WritePython(sb, c, ids, np); sb.Append(')'); }
            else WritePython(sb, c, ids, np);
        }
        void W(Tree c) => WritePython(sb, c, ids, np);
        void Fn(string f) { sb.Append(np).Append('.').Append(f).Append('('); W(t.A!); sb.Append(')'); }
        void Fn2(string f, Tree a, Tree b) { sb.Append(np).Append('.').Append(f).Append('('); W(a); sb.Append(", "); W(b); sb.Append(')'); }
        switch (t.Op)
        {
            case OpCode.Constant: sb.Append(FloatLiteral(t.Value, np + ".nan", np + ".inf")); return;
            case OpCode.Variable: sb.Append(ids[t.Node.Index]); return;
            case OpCode.Add: C(t.A!, 1); sb.Append(" + "); C(t.B!, 2); return;
            case OpCode.Sub: C(t.A!, 1); sb.Append(" - "); C(t.B!, 2); return;
            case OpCode.Mul: C(t.A!, 2); sb.Append(" * "); C(t.B!, 3); return;
            case OpCode.Div when HasVariable(t): C(t.A!, 2); sb.Append(" / "); C(t.B!, 3); return;
            case OpCode.Div: Fn2("divide", t.A!, t.B!); return;
            case OpCode.Pow: Fn2("power", t.A!, t.B!); return;
            case OpCode.Greater: sb.Append(np).Append(".where("); W(t.A!); sb.Append(" > "); W(t.B!); sb.Append(", 1.0, 0.0)"); return;
            case OpCode.Cond: sb.Append(np).Append(".where("); W(t.A!); sb.Append(" > 0.0, "); W(t.B!); sb.Append(", 0.0)"); return;
            case OpCode.Step: sb.Append(np).Append(".where("); W(t.A!); sb.Append(" > 0.0, 1.0, 0.0)"); return;
            case OpCode.Neg: sb.Append('-'); C(t.A!, 4); return;
            case OpCode.Square: Fn("square"); return;
            case OpCode.Cube when t.A!.Node.IsLeaf: C(t.A, 4); sb.Append(" * "); C(t.A, 4); sb.Append(" * "); C(t.A, 4); return;
            case OpCode.Cube: sb.Append("(lambda t: t * t * t)("); W(t.A!); sb.Append(')'); return; // a*a*a exactly, as Occam
            case OpCode.Inv when HasVariable(t): sb.Append("1.0 / "); C(t.A!, 3); return;
            case OpCode.Inv: sb.Append(np).Append(".divide(1.0, "); W(t.A!); sb.Append(')'); return;
            case OpCode.Sqrt: Fn("sqrt"); return;
            case OpCode.Exp: Fn("exp"); return;
            case OpCode.Log: Fn("log"); return;
            case OpCode.Abs: Fn("abs"); return;
            case OpCode.Sin: Fn("sin"); return;
            case OpCode.Cos: Fn("cos"); return;
            case OpCode.Tanh: Fn("tanh"); return;
            default: throw new NotSupportedException($"operator {t.Op} has no Python form");
        }
    }

    // ---- Julia ---------------------------------------------------------------------------------------------------
    // Dotted operators and calls broadcast over arrays and work on scalars. Julia raises DomainError for sqrt and log of a
    // negative number, sin and cos of ±Inf and a negative base to a non-integer power, so those are anonymous functions,
    // broadcast, that return NaN there (for (−Inf)^b the IEEE value). x .^ 2 and x .^ 3 are Julia's literal powers, x*x
    // and x*x*x. ifelse evaluates both branches, like the evaluator's cond.

    const string JuliaPow =
        "((a, b) -> a < 0 && isfinite(b) && !isinteger(b) ? (isinf(a) ? (b > 0 ? Inf : 0.0) : NaN) : a ^ b).(";

    // precedence: 1 sum, 2 product, 3 unary minus / negative constant, 4 power, 5 atom
    static int JuliaPrec(Tree t) => t.Op switch
    {
        OpCode.Constant => IsNegativeConstant(t) ? 3 : 5,
        OpCode.Add or OpCode.Sub => 1,
        OpCode.Mul or OpCode.Div or OpCode.Inv => 2,
        OpCode.Neg => 3,
        OpCode.Square or OpCode.Cube => 4,
        _ => 5,
    };

    static void WriteJulia(StringBuilder sb, Tree t, IReadOnlyList<string> ids)
    {
        void C(Tree c, int min)
        {
            if (JuliaPrec(c) < min) { sb.Append('('); WriteJulia(sb, c, ids); sb.Append(')'); }
            else WriteJulia(sb, c, ids);
        }
        void W(Tree c) => WriteJulia(sb, c, ids);
        void Dot(string f) { sb.Append(f).Append(".("); W(t.A!); sb.Append(')'); }
        void Guarded(string guard, string f) { sb.Append("(a -> ").Append(guard).Append(" ? NaN : ").Append(f).Append("(a)).("); W(t.A!); sb.Append(')'); }
        switch (t.Op)
        {
            case OpCode.Constant: sb.Append(FloatLiteral(t.Value, "NaN", "Inf")); return;
            case OpCode.Variable: sb.Append(ids[t.Node.Index]); return;
            case OpCode.Add: C(t.A!, 1); sb.Append(" .+ "); C(t.B!, 2); return;
            case OpCode.Sub: C(t.A!, 1); sb.Append(" .- "); C(t.B!, 2); return;
            case OpCode.Mul: C(t.A!, 2); sb.Append(" .* "); C(t.B!, 3); return;
            case OpCode.Div: C(t.A!, 2); sb.Append(" ./ "); C(t.B!, 3); return;
            case OpCode.Pow: sb.Append(JuliaPow); W(t.A!); sb.Append(", "); W(t.B!); sb.Append(')'); return;
            case OpCode.Greater: sb.Append("ifelse.("); W(t.A!); sb.Append(" .> "); W(t.B!); sb.Append(", 1.0, 0.0)"); return;
            case OpCode.Cond: sb.Append("ifelse.("); W(t.A!); sb.Append(" .> 0.0, "); W(t.B!); sb.Append(", 0.0)"); return;
            case OpCode.Step: sb.Append("ifelse.("); W(t.A!); sb.Append(" .> 0.0, 1.0, 0.0)"); return;
            case OpCode.Neg: sb.Append('-'); C(t.A!, 4); return;
            case OpCode.Square: C(t.A!, 5); sb.Append(" .^ 2"); return;
            case OpCode.Cube: C(t.A!, 5); sb.Append(" .^ 3"); return;
            case OpCode.Inv: sb.Append("1.0 ./ "); C(t.A!, 3); return;
            case OpCode.Sqrt: Guarded("a < 0", "sqrt"); return;
            case OpCode.Log: Guarded("a < 0", "log"); return;
            case OpCode.Sin: Guarded("isinf(a)", "sin"); return;
            case OpCode.Cos: Guarded("isinf(a)", "cos"); return;
            case OpCode.Exp: Dot("exp"); return;
            case OpCode.Abs: Dot("abs"); return;
            case OpCode.Tanh: Dot("tanh"); return;
            default: throw new NotSupportedException($"operator {t.Op} has no Julia form");
        }
    }
}
