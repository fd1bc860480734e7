namespace Occam.Symbolic;

/// <summary>
/// Building expressions from other expressions, without text. Each constructor gives exactly the expression that
/// <see cref="Parse"/> gives for the equivalent text with every operand in parentheses: <c>a * b</c> is
/// <c>Parse("(a) * (b)")</c>, <c>-a</c> is <c>Parse("-(a)")</c>, <see cref="Sum"/> of a, b, c is
/// <c>Parse("(a) + (b) + (c)")</c>, and a double operand is a constant node holding that very double. Expressions combined
/// must have the same variable names; their custom operators are joined (those of the left operand first, then the
/// others the right one uses), and two different operators of the same name cannot be combined.
/// </summary>
public sealed partial class Expression
{
    /// <summary>The constant <paramref name="value"/> (kept bit for bit) over <paramref name="variableNames"/>.</summary>
    public static Expression Constant(double value, IReadOnlyList<string> variableNames)
    {
        ArgumentNullException.ThrowIfNull(variableNames);
        return new Expression([Node.Const(value)], variableNames, OperatorSet.Empty, trusted: true);
    }

    /// <summary>Input variable <paramref name="index"/> (0-based) over <paramref name="variableNames"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative.</exception>
    public static Expression Variable(int index, IReadOnlyList<string> variableNames)
    {
        ArgumentNullException.ThrowIfNull(variableNames);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new Expression([Node.Var(index)], variableNames, OperatorSet.Empty, trusted: true);
    }

    /// <summary>The variable called <paramref name="name"/> in <paramref name="variableNames"/> (or x<i>i</i> for an index past
    /// the named ones, as <see cref="Parse"/> reads it).</summary>
    /// <exception cref="ArgumentException">No variable has that name.</exception>
    public static Expression Variable(string name, IReadOnlyList<string> variableNames)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(variableNames);
        int index = Parser.VariableIndex(name, variableNames);
        if (index < 0) throw new ArgumentException($"variable '{name}' is not among [{string.Join(", ", variableNames)}]", nameof(name));
        return Variable(index, variableNames);
    }

    /// <summary>a + b.</summary>
    public static Expression operator +(Expression a, Expression b) => Binary(OpCode.Add, a, b);
    /// <summary>a − b.</summary>
    public static Expression operator -(Expression a, Expression b) => Binary(OpCode.Sub, a, b);
    /// <summary>a · b.</summary>
    public static Expression operator *(Expression a, Expression b) => Binary(OpCode.Mul, a, b);
    /// <summary>a / b.</summary>
    public static Expression operator /(Expression a, Expression b) => Binary(OpCode.Div, a, b);
    /// <summary>−a (a negation node, as <c>Parse("-(a)")</c> reads it).</summary>
    public static Expression operator -(Expression a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return Checked([.. a.nodes, Node.Of(OpCode.Neg)], a.VariableNames, a.operators);
    }

    /// <summary>a + b for a constant b.</summary>
    public static Expression operator +(Expression a, double b) => a + Like(a, b);
    /// <summary>a + b for a constant a.</summary>
    public static Expression operator +(double a, Expression b) => Like(b, a) + b;
    /// <summary>a − b for a constant b.</summary>
    public static Expression operator -(Expression a, double b) => a - Like(a, b);
    /// <summary>a − b for a constant a.</summary>
    public static Expression operator -(double a, Expression b) => Like(b, a) - b;
    /// <summary>a · b for a constant b.</summary>
    public static Expression operator *(Expression a, double b) => a * Like(a, b);
    /// <summary>a · b for a constant a.</summary>
    public static Expression operator *(double a, Expression b) => Like(b, a) * b;
    /// <summary>a / b for a constant b.</summary>
    public static Expression operator /(Expression a, double b) => a / Like(a, b);
    /// <summary>a / b for a constant a.</summary>
    public static Expression operator /(double a, Expression b) => Like(b, a) / b;

    /// <summary>The terms added from left to right, ((t₀ + t₁) + t₂) + …, as <c>Parse("(t0) + (t1) + (t2)")</c> reads it.</summary>
    /// <exception cref="ArgumentException">There are no terms, or their variable names differ.</exception>
    public static Expression Sum(IEnumerable<Expression> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        Expression? sum = null;
        foreach (var t in terms) sum = sum is null ? t : sum + t;
        return sum ?? throw new ArgumentException("a sum needs at least one term", nameof(terms));
    }

    /// <summary>This expression with every use of variable <paramref name="variable"/> replaced by
    /// <paramref name="replacement"/>, as parsing this expression's text with the variable written <c>(replacement)</c>.</summary>
    /// <exception cref="ArgumentException">The variable names differ, or the result is deeper than <see cref="MaxDepth"/>.</exception>
    public Expression Substitute(int variable, Expression replacement)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(variable);
        ArgumentNullException.ThrowIfNull(replacement);
        var (operators, left, right) = Joined(this, replacement);
        var result = new List<Node>(nodes.Length);
        foreach (var n in left)
            if (n.Op == OpCode.Variable && n.Index == variable) result.AddRange(right);
            else result.Add(n);
        return Checked(result.ToArray(), VariableNames, operators);
    }

    /// <summary>This expression with the variable called <paramref name="name"/> replaced by <paramref name="replacement"/>
    /// (see <see cref="Substitute(int, Expression)"/>).</summary>
    /// <exception cref="ArgumentException">No variable has that name, or as for <see cref="Substitute(int, Expression)"/>.</exception>
    public Expression Substitute(string name, Expression replacement) =>
        Substitute(Variable(name, VariableNames).nodes[0].Index, replacement);

    /// <summary>The constant <paramref name="value"/> over the variables and operators of <paramref name="e"/>.</summary>
    static Expression Like(Expression e, double value)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Over([Node.Const(value)]);
    }

    static Expression Binary(OpCode op, Expression a, Expression b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var (operators, left, right) = Joined(a, b);
        return Checked([.. left, .. right, Node.Of(op)], a.VariableNames, operators);
    }

    /// <summary>
    /// The operators two expressions over the same variables use together, and both node arrays over them: the set of the
    /// one that uses custom operators, or, where both do, <paramref name="a"/>'s set with the operators only
    /// <paramref name="b"/> uses appended (<paramref name="b"/>'s custom nodes renumbered).
    /// </summary>
    static (OperatorSet Operators, Node[] Left, Node[] Right) Joined(Expression a, Expression b)
    {
        if (!a.VariableNames.SequenceEqual(b.VariableNames))
            throw new ArgumentException(
                $"expressions over different variables cannot be combined: [{string.Join(", ", a.VariableNames)}] and [{string.Join(", ", b.VariableNames)}]");
        if (ReferenceEquals(a.operators, b.operators) || !b.UsedCustomOperators().Any()) return (a.operators, a.nodes, b.nodes);
        if (!a.UsedCustomOperators().Any()) return (b.operators, a.nodes, b.nodes);
        var joined = a.operators;
        var right = (Node[])b.nodes.Clone();
        for (int i = 0; i < right.Length; i++)
        {
            if (right[i].Op is not (OpCode.CustomUnary or OpCode.CustomBinary)) continue;
            var op = b.operators[right[i].Index];
            int k = joined.IndexOf(op.Name);
            if (k >= 0 && !joined[k].Equals(op))
                throw new ArgumentException($"expressions with different custom operators named '{op.Name}' cannot be combined: {joined[k]} and {op}");
            if (k < 0) { joined = joined.With(op); k = joined.Count - 1; }
            right[i] = joined.NodeOf(k);
        }
        return (joined, a.nodes, right);
    }

    /// <summary>An expression from postfix nodes built here, checked against <see cref="MaxDepth"/> only (its operands were valid).</summary>
    static Expression Checked(Node[] postfix, IReadOnlyList<string> variableNames, OperatorSet operators)
    {
        int depth = Postfix.Depth(postfix);
        if (depth > MaxDepth) throw new ArgumentException($"the expression built would be {depth} levels deep; the limit is {MaxDepth}");
        return new Expression(postfix, variableNames, operators, trusted: true);
    }
}
