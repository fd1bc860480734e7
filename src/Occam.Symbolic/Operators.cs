namespace Occam.Symbolic;

/// <summary>Kind of one node in a postfix expression.</summary>
public enum OpCode : byte
{
    /// <summary>A constant (<see cref="Node.Value"/>).</summary>
    Constant,
    /// <summary>An input variable (<see cref="Node.Index"/>).</summary>
    Variable,
    // binary
    /// <summary>a + b.</summary>
    Add,
    /// <summary>a − b.</summary>
    Sub,
    /// <summary>a · b.</summary>
    Mul,
    /// <summary>a / b (IEEE: division by zero gives ±∞ or NaN).</summary>
    Div,
    /// <summary>a ^ b (<see cref="Math.Pow"/>: NaN for a negative base and a non-integer exponent).</summary>
    Pow,
    /// <summary>greater(a, b): 1 where a &gt; b, else 0.</summary>
    Greater,
    /// <summary>cond(a, b): b where a &gt; 0, else 0 (PySR's <c>cond</c>).</summary>
    Cond,
    /// <summary>A binary <see cref="CustomOperator"/> (<see cref="Node.Index"/> is its place in the <see cref="OperatorSet"/> of the
    /// expression or search).</summary>
    CustomBinary,
    // unary
    /// <summary>−a.</summary>
    Neg,
    /// <summary>a².</summary>
    Square,
    /// <summary>a³.</summary>
    Cube,
    /// <summary>√a (NaN for a &lt; 0).</summary>
    Sqrt,
    /// <summary>eᵃ.</summary>
    Exp,
    /// <summary>ln a (NaN for a &lt; 0, −∞ at 0).</summary>
    Log,
    /// <summary>|a|.</summary>
    Abs,
    /// <summary>sin a.</summary>
    Sin,
    /// <summary>cos a.</summary>
    Cos,
    /// <summary>tanh a.</summary>
    Tanh,
    /// <summary>1 / a.</summary>
    Inv,
    /// <summary>step(a): 1 where a &gt; 0, else 0.</summary>
    Step,
    /// <summary>A unary <see cref="CustomOperator"/> (<see cref="Node.Index"/> is its place in the <see cref="OperatorSet"/> of the
    /// expression or search).</summary>
    CustomUnary,
}

/// <summary>One node of a flat postfix expression (Operon style): an operator, a variable index or a constant.</summary>
/// <param name="Op">What the node is.</param>
/// <param name="Index">Variable index for <see cref="OpCode.Variable"/>, the custom operator's place in its <see cref="OperatorSet"/>, else 0.</param>
/// <param name="Value">The constant's value for <see cref="OpCode.Constant"/>, else 0.</param>
public readonly record struct Node(OpCode Op, int Index = 0, double Value = 0)
{
    /// <summary>A constant node.</summary>
    public static Node Const(double value) => new(OpCode.Constant, 0, value);
    /// <summary>The node of input variable <paramref name="index"/> (0-based).</summary>
    public static Node Var(int index) => new(OpCode.Variable, index);
    /// <summary>An operator node (built-in operators only; custom ones come from <see cref="OperatorSet.Resolve"/>).</summary>
    public static Node Of(OpCode op) => new(op);

    /// <summary>Number of operands: 0 for leaves, 1 or 2 for operators.</summary>
    public int Arity => Operators.Arity(Op);
    /// <summary>True for constants and variables.</summary>
    public bool IsLeaf => Op is OpCode.Constant or OpCode.Variable;
}

/// <summary>The operator table: names, arities and scalar semantics of the built-in operators (immutable). Custom
/// operators are values (<see cref="CustomOperator"/>) collected in an <see cref="OperatorSet"/>.</summary>
public static class Operators
{
    internal static bool IsIdentifier(string s) => (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c == '_');

    /// <summary>Number of operands of an operator (0 for constants and variables).</summary>
    public static int Arity(OpCode op) => op switch
    {
        OpCode.Constant or OpCode.Variable => 0,
        >= OpCode.Add and <= OpCode.CustomBinary => 2,
        _ => 1,
    };

    /// <summary>Function-call name of an operator (for printing and parsing), e.g. "sin", "square", "greater".</summary>
    public static string Name(OpCode op) => op switch
    {
        OpCode.Add => "+", OpCode.Sub => "-", OpCode.Mul => "*", OpCode.Div => "/", OpCode.Pow => "^",
        OpCode.Greater => "greater", OpCode.Cond => "cond", OpCode.Neg => "neg", OpCode.Square => "square",
        OpCode.Cube => "cube", OpCode.Sqrt => "sqrt", OpCode.Exp => "exp", OpCode.Log => "log", OpCode.Abs => "abs",
        OpCode.Sin => "sin", OpCode.Cos => "cos", OpCode.Tanh => "tanh", OpCode.Inv => "inv", OpCode.Step => "step",
        _ => op.ToString(),
    };

    static readonly OpCode[] Builtins =
    [
        OpCode.Add, OpCode.Sub, OpCode.Mul, OpCode.Div, OpCode.Pow, OpCode.Greater, OpCode.Cond,
        OpCode.Neg, OpCode.Square, OpCode.Cube, OpCode.Sqrt, OpCode.Exp, OpCode.Log, OpCode.Abs,
        OpCode.Sin, OpCode.Cos, OpCode.Tanh, OpCode.Inv, OpCode.Step,
    ];

    internal static bool TryBuiltin(string name, out OpCode op)
    {
        switch (name)
        {
            case "plus" or "add": op = OpCode.Add; return true;
            case "sub" or "minus": op = OpCode.Sub; return true;
            case "mult" or "mul" or "times": op = OpCode.Mul; return true;
            case "div": op = OpCode.Div; return true;
            case "pow" or "**": op = OpCode.Pow; return true;
            case "if" or ">": op = OpCode.Greater; return true;
        }
        foreach (var b in Builtins) if (Name(b) == name) { op = b; return true; }
        op = default;
        return false;
    }

    /// <summary>Resolves a built-in operator's name to a node template (custom operators: <see cref="OperatorSet.Resolve"/>).</summary>
    /// <exception cref="ArgumentException">No built-in operator has that name.</exception>
    public static Node Resolve(string name) =>
        TryBuiltin(name, out var op) ? new Node(op) : throw new ArgumentException($"unknown operator '{name}' ({Known})");

    internal const string Known =
        "built-in: + - * / ^ greater cond neg square cube sqrt exp log abs sin cos tanh inv step, or a custom operator of the options' CustomOperators";

    /// <summary>Scalar semantics of a built-in unary operator (IEEE: domain errors give NaN, never throw); NaN for a custom
    /// operator's node (<see cref="OperatorSet.Apply(in Node, double)"/> applies those).</summary>
    public static double Apply(in Node n, double a) => n.Op switch
    {
        OpCode.Neg => -a,
        OpCode.Square => a * a,
        OpCode.Cube => a * a * a,
        OpCode.Sqrt => Math.Sqrt(a),
        OpCode.Exp => VectorMath.Exp(a),
        OpCode.Log => VectorMath.Log(a),
        OpCode.Abs => Math.Abs(a),
        OpCode.Sin => VectorMath.Sin(a),
        OpCode.Cos => VectorMath.Cos(a),
        OpCode.Tanh => Math.Tanh(a),
        OpCode.Inv => 1.0 / a,
        OpCode.Step => a > 0 ? 1.0 : 0.0,
        _ => double.NaN,
    };

    /// <summary>Scalar semantics of a built-in binary operator; NaN for a custom operator's node
    /// (<see cref="OperatorSet.Apply(in Node, double, double)"/> applies those).</summary>
    public static double Apply(in Node n, double a, double b) => n.Op switch
    {
        OpCode.Add => a + b,
        OpCode.Sub => a - b,
        OpCode.Mul => a * b,
        OpCode.Div => a / b,
        OpCode.Pow => Math.Pow(a, b),
        OpCode.Greater => a > b ? 1.0 : 0.0,
        OpCode.Cond => a > 0 ? b : 0.0,
        _ => double.NaN,
    };
}
