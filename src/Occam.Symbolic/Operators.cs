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
    /// <summary>A registered binary <see cref="CustomOperator"/> (<see cref="Node.Index"/> is its id).</summary>
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
    /// <summary>A registered unary <see cref="CustomOperator"/> (<see cref="Node.Index"/> is its id).</summary>
    CustomUnary,
}

/// <summary>One node of a flat postfix expression (Operon style): an operator, a variable index or a constant.</summary>
/// <param name="Op">What the node is.</param>
/// <param name="Index">Variable index for <see cref="OpCode.Variable"/>, custom-operator id for custom operators, else 0.</param>
/// <param name="Value">The constant's value for <see cref="OpCode.Constant"/>, else 0.</param>
public readonly record struct Node(OpCode Op, int Index = 0, double Value = 0)
{
    /// <summary>A constant node.</summary>
    public static Node Const(double value) => new(OpCode.Constant, 0, value);
    /// <summary>The node of input variable <paramref name="index"/> (0-based).</summary>
    public static Node Var(int index) => new(OpCode.Variable, index);
    /// <summary>An operator node (built-in operators only; custom ones come from <see cref="Operators.Resolve"/>).</summary>
    public static Node Of(OpCode op) => new(op);

    /// <summary>Number of operands: 0 for leaves, 1 or 2 for operators.</summary>
    public int Arity => Operators.Arity(Op);
    /// <summary>True for constants and variables.</summary>
    public bool IsLeaf => Op is OpCode.Constant or OpCode.Variable;
}

/// <summary>A user-defined operator, registered once by name and usable in parsing, evaluation and search.</summary>
public sealed class CustomOperator
{
    internal CustomOperator(int id, string name, int arity, Func<double, double>? unary, Func<double, double, double>? binary, string? definition = null)
    {
        Id = id; Name = name; Arity = arity; Unary = unary; Binary = binary; Definition = definition;
    }
    /// <summary>The definition it was made from by <see cref="Operators.Define"/> (e.g. <c>softplus(x)=log(1+exp(x))</c>), or
    /// null for one registered as a compiled function (which cannot be sent to other processes).</summary>
    public string? Definition { get; }
    /// <summary>The operator's id in the registry (<see cref="Node.Index"/> of its nodes).</summary>
    public int Id { get; }
    /// <summary>The name it is parsed and printed by.</summary>
    public string Name { get; }
    /// <summary>1 (unary) or 2 (binary).</summary>
    public int Arity { get; }
    /// <summary>The function of a unary operator, else null.</summary>
    public Func<double, double>? Unary { get; }
    /// <summary>The function of a binary operator, else null.</summary>
    public Func<double, double, double>? Binary { get; }
}

/// <summary>The operator table: names, arities, scalar semantics, and the registry of custom operators.</summary>
public static class Operators
{
    static readonly object Gate = new();
    static CustomOperator[] custom = [];

    /// <summary>Registers (or replaces) a custom unary operator usable by name, e.g. in <c>UnaryOperators</c> and in parsed text.</summary>
    public static CustomOperator RegisterUnary(string name, Func<double, double> function) => Register(name, 1, function, null);

    /// <summary>Registers (or replaces) a custom binary operator usable by name (printed as a function call <c>name(a, b)</c>).</summary>
    public static CustomOperator RegisterBinary(string name, Func<double, double, double> function) => Register(name, 2, null, function);

    /// <summary>
    /// Defines (or redefines) a custom operator from an expression: <c>softplus(x)=log(1+exp(x))</c> (unary) or
    /// <c>hypot(a,b)=sqrt(a*a+b*b)</c> (binary). The body may use the parameters, numbers, built-in operators and custom
    /// operators defined before. Such an operator can be sent to cluster members (its text travels), unlike one registered
    /// as a compiled function.
    /// </summary>
    /// <exception cref="FormatException">The text is not <c>name(p)=body</c> or <c>name(p,q)=body</c>, or the body does not parse.</exception>
    public static CustomOperator Define(string definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        int eq = definition.IndexOf('=');
        int open = definition.IndexOf('(');
        int close = open < 0 ? -1 : definition.IndexOf(')', open);
        if (eq < 0 || open <= 0 || close < 0 || close > eq || definition[(close + 1)..eq].Trim().Length != 0)
            throw new FormatException($"operator definition '{definition}' must read name(x)=body or name(x,y)=body");
        string name = definition[..open].Trim();
        var parameters = definition[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries);
        if (name.Length == 0 || !IsIdentifier(name)) throw new FormatException($"operator definition '{definition}': '{name}' is not a name");
        if (parameters.Length is < 1 or > 2 || parameters.Any(p => p.Length == 0 || !IsIdentifier(p)) || parameters.Distinct().Count() != parameters.Length)
            throw new FormatException($"operator definition '{definition}' needs one or two distinct parameter names, e.g. {name}(x) or {name}(x,y)");
        if (TryBuiltin(name, out _)) throw new FormatException($"operator definition '{definition}': '{name}' is a built-in operator");
        string bodyText = definition[(eq + 1)..].Trim();
        Expression body;
        try { body = Expression.Parse(bodyText, parameters); }
        catch (FormatException e) { throw new FormatException($"operator definition '{definition}': {e.Message}"); }
        if (body.Nodes.ToArray().Any(n => n.Op is OpCode.CustomUnary or OpCode.CustomBinary && Custom(n.Index).Name == name))
            throw new FormatException($"operator definition '{definition}' refers to itself");
        var f = body.Compile();
        string text = $"{name}({string.Join(",", parameters)})={bodyText}";
        if (parameters.Length == 1)
            return Register(name, 1, a => { var x = Arguments; x[0] = a; return f(x); }, null, text);
        return Register(name, 2, null, (a, b) => { var x = Arguments; x[0] = a; x[1] = b; return f(x); }, text);
    }

    [ThreadStatic] static double[]? arguments;
    static double[] Arguments => arguments ??= new double[2];

    /// <summary>The registered custom operators in id order.</summary>
    internal static CustomOperator[] CustomSnapshot() => custom;

    static CustomOperator Register(string name, int arity, Func<double, double>? u, Func<double, double, double>? b, string? definition = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!IsIdentifier(name)) throw new ArgumentException($"custom operator name '{name}' must be an identifier", nameof(name));
        if (TryBuiltin(name, out _)) throw new ArgumentException($"'{name}' is a built-in operator", nameof(name));
        lock (Gate)
        {
            var list = custom.ToList();
            int id = list.FindIndex(c => c.Name == name);
            var op = new CustomOperator(id < 0 ? list.Count : id, name, arity, u, b, definition);
            if (id < 0) list.Add(op); else list[id] = op;
            custom = list.ToArray();
            return op;
        }
    }

    internal static CustomOperator Custom(int id) => custom[id];

    internal static bool TryCustom(string name, out CustomOperator op)
    {
        foreach (var c in custom) if (c.Name == name) { op = c; return true; }
        op = null!;
        return false;
    }

    static bool IsIdentifier(string s) => (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c == '_');

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

    internal static string Name(in Node n) => n.Op is OpCode.CustomUnary or OpCode.CustomBinary ? Custom(n.Index).Name : Name(n.Op);

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

    /// <summary>Resolves an operator name (built-in or registered custom) to a node template.</summary>
    public static Node Resolve(string name)
    {
        if (TryBuiltin(name, out var op)) return new Node(op);
        if (TryCustom(name, out var c)) return new Node(c.Arity == 1 ? OpCode.CustomUnary : OpCode.CustomBinary, c.Id);
        throw new ArgumentException($"unknown operator '{name}' (built-in: + - * / ^ greater cond neg square cube sqrt exp log abs sin cos tanh inv step, or register a custom one)");
    }

    /// <summary>Scalar semantics of a unary operator (IEEE: domain errors give NaN, never throw).</summary>
    public static double Apply(in Node n, double a) => n.Op switch
    {
        OpCode.Neg => -a,
        OpCode.Square => a * a,
        OpCode.Cube => a * a * a,
        OpCode.Sqrt => Math.Sqrt(a),
        OpCode.Exp => Math.Exp(a),
        OpCode.Log => Math.Log(a),
        OpCode.Abs => Math.Abs(a),
        OpCode.Sin => Math.Sin(a),
        OpCode.Cos => Math.Cos(a),
        OpCode.Tanh => Math.Tanh(a),
        OpCode.Inv => 1.0 / a,
        OpCode.Step => a > 0 ? 1.0 : 0.0,
        OpCode.CustomUnary => SafeCustom(n.Index, a),
        _ => double.NaN,
    };

    /// <summary>Scalar semantics of a binary operator.</summary>
    public static double Apply(in Node n, double a, double b) => n.Op switch
    {
        OpCode.Add => a + b,
        OpCode.Sub => a - b,
        OpCode.Mul => a * b,
        OpCode.Div => a / b,
        OpCode.Pow => Math.Pow(a, b),
        OpCode.Greater => a > b ? 1.0 : 0.0,
        OpCode.Cond => a > 0 ? b : 0.0,
        OpCode.CustomBinary => SafeCustom(n.Index, a, b),
        _ => double.NaN,
    };

    static double SafeCustom(int id, double a)
    {
        try { return Custom(id).Unary!(a); } catch (Exception) { return double.NaN; }
    }

    static double SafeCustom(int id, double a, double b)
    {
        try { return Custom(id).Binary!(a, b); } catch (Exception) { return double.NaN; }
    }
}
