using System.Globalization;
using System.Text;
using Occam.Symbolic;
using Occam.Symbolic.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Occam.Discovery;

/// <summary>
/// An <see cref="Expression"/> as a differentiable TorchSharp module. <c>forward</c> takes x of shape (rows, variables),
/// column i holding variable i, and returns the expression's value on every row, shape (rows). Its constants are trainable
/// parameters <c>c0, c1, …</c> (in postfix order) of the module's dtype, float32 or float64. The semantics are
/// <see cref="Expression.Evaluate(ReadOnlySpan{double})"/>'s: IEEE arithmetic, NaN or ±inf where an argument is outside an
/// operator's domain, <c>greater</c> and <c>step</c> as 0/1 (no gradient), <c>cond(a, b)</c> as b where a &gt; 0 else 0
/// (gradient to b where a &gt; 0; as with any <c>torch.where</c>, a NaN or inf in b's gradient where a ≤ 0 can still
/// reach the constants as NaN). Custom operators, .NET delegates, have no tensor form.
/// </summary>
public sealed class SymbolicModule : nn.Module<Tensor, Tensor>
{
    readonly Node[] nodes;
    readonly Parameter[] constants;

    /// <summary>Builds the module; its parameters start at the expression's constants.</summary>
    /// <param name="expression">The expression; its variable i is column i of the input.</param>
    /// <param name="dtype">Float32 or Float64: the parameters' type, which the input must share.</param>
    /// <param name="device">Where the parameters live (default: CPU).</param>
    /// <exception cref="NotSupportedException">The expression has a custom operator.</exception>
    public SymbolicModule(Expression expression, ScalarType dtype = ScalarType.Float32, Device? device = null) : base(nameof(SymbolicModule))
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"a symbolic module computes in Float32 or Float64, not {dtype}", nameof(dtype));
        RequireBuiltins(expression);
        Expression = expression;
        DType = dtype;
        nodes = expression.Nodes.ToArray();
        constants = expression.Constants.Select(c => new Parameter(tensor(c, dtype: dtype, device: device))).ToArray();
        for (int k = 0; k < constants.Length; k++) register_parameter($"c{k}", constants[k]);
    }

    /// <summary>The expression the module was built from (its constants as they were then).</summary>
    public Expression Expression { get; }

    /// <summary>The parameters' type, Float32 or Float64.</summary>
    public ScalarType DType { get; }

    /// <summary>Columns the input needs: the largest variable index + 1.</summary>
    public int Variables => Expression.MaxVariableIndex + 1;

    /// <summary>The expression with the module's current constants (after training).</summary>
    public Expression ToExpression()
    {
        var values = constants.Select(c => c.detach().to_type(ScalarType.Float64).item<double>()).ToArray();
        return Expression.WithConstants(values);
    }

    /// <summary>The expression's value on each row of <paramref name="x"/> (rows, ≥ <see cref="Variables"/>), shape (rows);
    /// differentiable in the constants and in x. The result belongs to the caller's dispose scope.</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 2 || x.shape[1] < Variables)
            throw new ArgumentException($"the input must be (rows, at least {Variables}) for {Expression}, got ({string.Join(", ", x.shape)})");
        if (x.dtype != DType) throw new ArgumentException($"the input is {x.dtype}; this module computes in {DType}");
        long rows = x.shape[0];
        using var scope = NewDisposeScope();
        var stack = new Stack<Tensor>();
        int k = 0;
        foreach (var n in nodes)
        {
            switch (n.Arity)
            {
                case 0: stack.Push(n.Op == OpCode.Constant ? constants[k++] : x.select(1, n.Index)); break;
                case 1: stack.Push(Unary(n.Op, stack.Pop())); break;
                default:
                    var b = stack.Pop();
                    stack.Push(Binary(n.Op, stack.Pop(), b));
                    break;
            }
        }
        var y = stack.Pop();
        // a constant expression, or one whose only leaf is a constant, is a scalar: give it one value per row
        return (y.dim() == 0 ? y.expand(new long[] { rows }) : y.alias()).MoveToOuterDisposeScope();
    }

    Tensor Unary(OpCode op, Tensor a) => op switch
    {
        OpCode.Neg => a.neg(),
        OpCode.Square => a.square(),
        OpCode.Cube => a * a * a,
        OpCode.Sqrt => a.sqrt(),
        OpCode.Exp => a.exp(),
        OpCode.Log => a.log(),
        OpCode.Abs => a.abs(),
        OpCode.Sin => a.sin(),
        OpCode.Cos => a.cos(),
        OpCode.Tanh => a.tanh(),
        OpCode.Inv => a.reciprocal(),
        OpCode.Step => a.gt(0.0).to_type(DType),
        _ => throw new NotSupportedException($"operator {op} has no tensor form"),
    };

    Tensor Binary(OpCode op, Tensor a, Tensor b) => op switch
    {
        OpCode.Add => a + b,
        OpCode.Sub => a - b,
        OpCode.Mul => a * b,
        OpCode.Div => a / b,
        OpCode.Pow => a.pow(b),
        OpCode.Greater => a.gt(b).to_type(DType),
        OpCode.Cond => where(a.gt(0.0), b, zeros_like(b)),
        _ => throw new NotSupportedException($"operator {op} has no tensor form"),
    };

    static void RequireBuiltins(Expression expression)
    {
        foreach (var n in expression.Nodes)
            if (n.Op is OpCode.CustomUnary or OpCode.CustomBinary)
                throw new NotSupportedException(
                    $"the custom operator '{expression.CustomOperators[n.Index].Name}' has no TorchSharp form (it is a .NET delegate); use built-in operators only");
    }

    /// <summary>
    /// C# source of a standalone TorchSharp module class <paramref name="className"/> that computes
    /// <paramref name="expression"/> as this class does: constants as <c>Parameter</c> fields c0, c1, … (dtype chosen at
    /// construction, Float32 by default), <c>forward</c> from (rows, variables) to (rows). It needs only TorchSharp.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="className"/> is not a C# identifier.</exception>
    /// <exception cref="NotSupportedException">The expression has a custom operator.</exception>
    public static string ToSource(Expression expression, string className = "SymbolicLaw")
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(className);
        if (className.Length == 0 || !(char.IsAsciiLetter(className[0]) || className[0] == '_')
            || !className.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new ArgumentException($"class name '{MessageText.Excerpt(className)}' is not a C# identifier", nameof(className));
        RequireBuiltins(expression);
        var values = expression.Constants;
        int variables = expression.MaxVariableIndex + 1;
        var helpers = new SortedSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        int k = 0;
        foreach (var n in expression.Nodes)
        {
            if (n.Arity == 0)
            {
                stack.Push(n.Op == OpCode.Constant ? $"c{k++}" : $"x{n.Index}");
                continue;
            }
            if (n.Arity == 1)
            {
                string a = stack.Pop();
                stack.Push(n.Op switch
                {
                    OpCode.Neg => $"(-{a})",
                    OpCode.Square => $"{a}.square()",
                    OpCode.Cube => Helper(helpers, "Cube", a),
                    OpCode.Sqrt => $"{a}.sqrt()",
                    OpCode.Exp => $"{a}.exp()",
                    OpCode.Log => $"{a}.log()",
                    OpCode.Abs => $"{a}.abs()",
                    OpCode.Sin => $"{a}.sin()",
                    OpCode.Cos => $"{a}.cos()",
                    OpCode.Tanh => $"{a}.tanh()",
                    OpCode.Inv => $"{a}.reciprocal()",
                    _ => Helper(helpers, "Step", a),
                });
                continue;
            }
            string r = stack.Pop(), l = stack.Pop();
            stack.Push(n.Op switch
            {
                OpCode.Add => $"({l} + {r})",
                OpCode.Sub => $"({l} - {r})",
                OpCode.Mul => $"({l} * {r})",
                OpCode.Div => $"({l} / {r})",
                OpCode.Pow => $"{l}.pow({r})",
                OpCode.Greater => Helper(helpers, "Greater", l, r),
                _ => Helper(helpers, "Cond", l, r),
            });
        }
        string body = stack.Pop();
        if (body.StartsWith('(') && Balanced(body[1..^1])) body = body[1..^1];

        var names = expression.VariableNames;
        var sb = new StringBuilder();
        sb.Append("using TorchSharp;\nusing TorchSharp.Modules;\nusing static TorchSharp.torch;\n\n");
        sb.Append("/// <summary>\n/// ").Append(Escape(MessageText.Excerpt(expression.ToInfix(), 2000))).Append('\n');
        sb.Append("/// (exported by Occam). forward: x (rows, ").Append(variables).Append(") → (rows); constants are trainable parameters.\n");
        sb.Append("/// </summary>\npublic sealed class ").Append(className).Append(" : nn.Module<Tensor, Tensor>\n{\n");
        for (int c = 0; c < values.Length; c++) sb.Append("    readonly Parameter c").Append(c).Append(";\n");
        if (values.Length > 0) sb.Append('\n');
        sb.Append("    /// <summary>The module with its constants as found, of type <paramref name=\"dtype\"/> (Float32 or Float64).</summary>\n");
        sb.Append("    public ").Append(className).Append("(ScalarType dtype = ScalarType.Float32, Device? device = null) : base(nameof(")
            .Append(className).Append("))\n    {\n");
        for (int c = 0; c < values.Length; c++)
            sb.Append("        c").Append(c).Append(" = new Parameter(tensor(").Append(Literal(values[c])).Append(", dtype: dtype, device: device));\n");
        sb.Append("        RegisterComponents();\n    }\n\n");
        sb.Append("    /// <summary>The value on each row of x (rows, ").Append(variables).Append("), shape (rows).</summary>\n");
        sb.Append("    public override Tensor forward(Tensor x)\n    {\n        using var scope = NewDisposeScope();\n");
        for (int i = 0; i < variables; i++)
        {
            sb.Append("        var x").Append(i).Append(" = x.select(1, ").Append(i).Append(");");
            if (i < names.Count) sb.Append(" // ").Append(MessageText.Excerpt(names[i]));
            sb.Append('\n');
        }
        sb.Append("        var y = ").Append(body).Append(";\n");
        sb.Append("        return (y.dim() == 0 ? y.expand(new long[] { x.shape[0] }) : y.alias()).MoveToOuterDisposeScope();\n    }\n");
        foreach (var h in helpers)
        {
            sb.Append('\n');
            sb.Append(h switch
            {
                "Cube" => "    static Tensor Cube(Tensor a) => a * a * a;\n",
                "Greater" => "    static Tensor Greater(Tensor a, Tensor b) => a.gt(b).to_type(a.dtype);\n",
                "Step" => "    static Tensor Step(Tensor a) => a.gt(0.0).to_type(a.dtype);\n",
                _ => "    static Tensor Cond(Tensor a, Tensor b) => where(a.gt(0.0), b, zeros_like(b));\n",
            });
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    static string Helper(SortedSet<string> helpers, string name, params string[] args)
    {
        helpers.Add(name);
        return $"{name}({string.Join(", ", args)})";
    }

    static bool Balanced(string s)
    {
        int depth = 0;
        foreach (char c in s)
        {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth < 0) return false;
        }
        return depth == 0;
    }

    static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    static string Literal(double v)
    {
        if (double.IsNaN(v)) return "double.NaN";
        if (double.IsInfinity(v)) return v > 0 ? "double.PositiveInfinity" : "double.NegativeInfinity";
        string r = v.ToString("R", CultureInfo.InvariantCulture);
        return r.IndexOfAny(['.', 'E']) < 0 ? r + ".0" : r;
    }
}
