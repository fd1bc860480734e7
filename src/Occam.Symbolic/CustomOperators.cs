using System.Collections;
using LinqExpr = System.Linq.Expressions.Expression;

namespace Occam.Symbolic;

/// <summary>
/// A user-defined operator: a name, an arity and a function, as an immutable value. It is used by the expressions and the
/// searches whose <see cref="OperatorSet"/> holds it, never registered process-wide, so two searches may each have their
/// own operator of the same name.
/// </summary>
public sealed class CustomOperator : IEquatable<CustomOperator>
{
    CustomOperator(string name, int arity, Func<double, double>? unary, Func<double, double, double>? binary, string? definition = null,
        Expression? body = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!Operators.IsIdentifier(name)) throw new ArgumentException($"custom operator name '{name}' must be an identifier", nameof(name));
        if (Operators.TryBuiltin(name, out _)) throw new ArgumentException($"'{name}' is a built-in operator", nameof(name));
        Name = name; Arity = arity; Unary = unary; Binary = binary; Definition = definition; this.body = body;
    }

    readonly Expression? body;

    /// <summary>A unary operator computed by a compiled function (which cannot be sent to other processes; see
    /// <see cref="Define"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not an identifier, or is a built-in operator's.</exception>
    public static CustomOperator FromFunction(string name, Func<double, double> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new(name, 1, function, null);
    }

    /// <summary>A binary operator computed by a compiled function (printed as a call <c>name(a, b)</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not an identifier, or is a built-in operator's.</exception>
    public static CustomOperator FromFunction(string name, Func<double, double, double> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new(name, 2, null, function);
    }

    /// <summary>
    /// An operator defined by an expression: <c>softplus(x)=log(1+exp(x))</c> (unary) or <c>hypot(a,b)=sqrt(a*a+b*b)</c>
    /// (binary). The body may use the parameters, numbers, built-in operators and the operators of
    /// <paramref name="known"/>. Such an operator can be sent to cluster members (its text travels), unlike one made
    /// <see cref="FromFunction(string, Func{double, double})">from a compiled function</see>.
    /// </summary>
    /// <exception cref="FormatException">The text is not <c>name(p)=body</c> or <c>name(p,q)=body</c>, the name is a built-in
    /// operator's, or the body does not parse or uses the operator itself.</exception>
    public static CustomOperator Define(string definition, OperatorSet? known = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        int eq = definition.IndexOf('=');
        int open = definition.IndexOf('(');
        int close = open < 0 ? -1 : definition.IndexOf(')', open);
        if (eq < 0 || open <= 0 || close < 0 || close > eq || definition[(close + 1)..eq].Trim().Length != 0)
            throw new FormatException($"operator definition '{definition}' must read name(x)=body or name(x,y)=body");
        string name = definition[..open].Trim();
        var parameters = definition[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries);
        if (name.Length == 0 || !Operators.IsIdentifier(name)) throw new FormatException($"operator definition '{definition}': '{name}' is not a name");
        if (parameters.Length is < 1 or > 2 || parameters.Any(p => p.Length == 0 || !Operators.IsIdentifier(p)) || parameters.Distinct().Count() != parameters.Length)
            throw new FormatException($"operator definition '{definition}' needs one or two distinct parameter names, e.g. {name}(x) or {name}(x,y)");
        if (Operators.TryBuiltin(name, out _)) throw new FormatException($"operator definition '{definition}': '{name}' is a built-in operator");
        string bodyText = definition[(eq + 1)..].Trim();
        Expression body;
        try { body = Expression.Parse(bodyText, parameters, known); }
        catch (FormatException e) { throw new FormatException($"operator definition '{definition}': {e.Message}"); }
        if (body.UsedCustomOperators().Any(c => c.Name == name)) throw new FormatException($"operator definition '{definition}' refers to itself");
        string text = $"{name}({string.Join(",", parameters)})={bodyText}";
        var p = parameters.Select(_ => LinqExpr.Parameter(typeof(double))).ToArray();
        var lambda = body.Lambda(i => p[i]);
        return parameters.Length == 1
            ? new(name, 1, LinqExpr.Lambda<Func<double, double>>(lambda, p).Compile(), null, text, body)
            : new(name, 2, null, LinqExpr.Lambda<Func<double, double, double>>(lambda, p).Compile(), text, body);
    }

    /// <summary>The definition it was made from by <see cref="Define"/> (e.g. <c>softplus(x)=log(1+exp(x))</c>), or null for
    /// one made from a compiled function.</summary>
    public string? Definition { get; }
    /// <summary>The name it is parsed and printed by.</summary>
    public string Name { get; }
    /// <summary>1 (unary) or 2 (binary).</summary>
    public int Arity { get; }
    /// <summary>The function of a unary operator, else null.</summary>
    public Func<double, double>? Unary { get; }
    /// <summary>The function of a binary operator, else null.</summary>
    public Func<double, double, double>? Binary { get; }

    /// <summary>True for the same operator: the same instance, or two defined by the same name and the same body (the same
    /// postfix nodes over the same operators).</summary>
    public bool Equals(CustomOperator? other) =>
        ReferenceEquals(this, other) || other is not null && body is not null && other.body is not null && Name == other.Name && body.Equals(other.body);
    /// <inheritdoc cref="Equals(CustomOperator?)"/>
    public override bool Equals(object? obj) => obj is CustomOperator c && Equals(c);
    /// <summary>A hash consistent with <see cref="Equals(CustomOperator?)"/>.</summary>
    public override int GetHashCode() => body is null ? System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this) : HashCode.Combine(Name, body);
    /// <summary>The definition, or the name and arity of a compiled operator.</summary>
    public override string ToString() => Definition ?? $"{Name}/{Arity}";

    /// <summary>Applies a unary operator; NaN where the function throws.</summary>
    internal double Apply(double a)
    {
        try { return Unary!(a); } catch (Exception) { return double.NaN; }
    }

    /// <summary>Applies a binary operator; NaN where the function throws.</summary>
    internal double Apply(double a, double b)
    {
        try { return Binary!(a, b); } catch (Exception) { return double.NaN; }
    }
}

/// <summary>
/// An immutable, ordered set of custom operators with distinct names: what a search may use besides the built-in
/// operators (<see cref="SymbolicRegressionOptions.CustomOperators"/>) and what an expression's custom nodes refer to
/// (<see cref="Expression.CustomOperators"/>; a custom node's <see cref="Node.Index"/> is its operator's place here).
/// </summary>
public sealed class OperatorSet : IReadOnlyList<CustomOperator>
{
    readonly CustomOperator[] operators;

    /// <summary>A set of the given operators, in order.</summary>
    /// <exception cref="ArgumentException">Two have the same name.</exception>
    public OperatorSet(IEnumerable<CustomOperator> operators)
    {
        ArgumentNullException.ThrowIfNull(operators);
        this.operators = operators.ToArray();
        foreach (var c in this.operators) ArgumentNullException.ThrowIfNull(c, nameof(operators));
        if (this.operators.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"two custom operators are named '{twice.Key}'", nameof(operators));
    }

    /// <summary>No custom operators.</summary>
    public static OperatorSet Empty { get; } = new([]);

    /// <summary>This set with <paramref name="op"/> added, or put in the place of the operator of the same name.</summary>
    public OperatorSet With(CustomOperator op)
    {
        ArgumentNullException.ThrowIfNull(op);
        int i = IndexOf(op.Name);
        if (i < 0) return new([.. operators, op]);
        var copy = (CustomOperator[])operators.Clone();
        copy[i] = op;
        return new(copy);
    }

    /// <summary>This set with the operator <paramref name="definition"/> defines (<see cref="CustomOperator.Define"/>; its body
    /// may use this set's operators), added or in the place of the one of the same name.</summary>
    /// <exception cref="FormatException">The definition is not valid.</exception>
    public OperatorSet Define(string definition) => With(CustomOperator.Define(definition, this));

    /// <summary>The place of the operator called <paramref name="name"/>, or −1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < operators.Length; i++) if (operators[i].Name == name) return i;
        return -1;
    }

    /// <summary>Resolves an operator name, built-in or of this set, to a node template.</summary>
    /// <exception cref="ArgumentException">No operator has that name.</exception>
    public Node Resolve(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Operators.TryBuiltin(name, out var op)) return new Node(op);
        int i = IndexOf(name);
        if (i >= 0) return NodeOf(i);
        throw new ArgumentException($"unknown operator '{name}' ({Operators.Known})");
    }

    internal Node NodeOf(int index) => new(operators[index].Arity == 1 ? OpCode.CustomUnary : OpCode.CustomBinary, index);

    /// <summary>Scalar semantics of a unary node: built-in, or this set's custom operator (NaN where its function throws).</summary>
    public double Apply(in Node n, double a) => n.Op == OpCode.CustomUnary ? operators[n.Index].Apply(a) : Operators.Apply(n, a);

    /// <summary>Scalar semantics of a binary node: built-in, or this set's custom operator (NaN where its function throws).</summary>
    public double Apply(in Node n, double a, double b) => n.Op == OpCode.CustomBinary ? operators[n.Index].Apply(a, b) : Operators.Apply(n, a, b);

    /// <summary>The name an operator node is printed and parsed by.</summary>
    public string Name(in Node n) => n.Op is OpCode.CustomUnary or OpCode.CustomBinary ? operators[n.Index].Name : Operators.Name(n.Op);

    /// <summary>Number of operators.</summary>
    public int Count => operators.Length;
    /// <summary>The operator at <paramref name="index"/>.</summary>
    public CustomOperator this[int index] => operators[index];
    /// <summary>The operators in order.</summary>
    public IEnumerator<CustomOperator> GetEnumerator() => ((IEnumerable<CustomOperator>)operators).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
