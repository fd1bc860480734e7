using LinqExpr = System.Linq.Expressions.Expression;

namespace Occam.Symbolic;

/// <summary>
/// An immutable symbolic expression stored as a flat postfix array of <see cref="Node"/>s (Operon style):
/// children come before their parent, so evaluation is one forward pass.
/// </summary>
public sealed partial class Expression : IEquatable<Expression>
{
    readonly Node[] nodes;

    /// <summary>Longest text <see cref="Parse"/> accepts (characters).</summary>
    public const int MaxTextLength = 20_000;

    /// <summary>
    /// Deepest expression accepted from outside: <see cref="Parse"/> (nesting of the text and depth of the tree), the
    /// postfix constructor and <see cref="Differentiate"/>. The passes over the tree recurse by depth; this keeps them far
    /// from the stack's end on any thread.
    /// </summary>
    public const int MaxDepth = 200;

    /// <summary>Largest derivative <see cref="Differentiate"/> builds (nodes, before simplification).</summary>
    public const int MaxDerivativeNodes = 200_000;

    /// <summary>Builds an expression from postfix nodes (validated); custom-operator nodes refer to
    /// <paramref name="operators"/> by place.</summary>
    public Expression(IEnumerable<Node> postfix, IReadOnlyList<string>? variableNames = null, OperatorSet? operators = null)
    {
        nodes = postfix.ToArray();
        VariableNames = variableNames ?? [];
        this.operators = operators ?? OperatorSet.Empty;
        Validate(nodes, this.operators);
    }

    internal Expression(Node[] postfix, IReadOnlyList<string> variableNames, OperatorSet operators, bool trusted)
    {
        nodes = postfix;
        VariableNames = variableNames;
        this.operators = operators;
        if (!trusted) Validate(nodes, operators);
    }

    /// <summary>The same kind of expression (variable names, custom operators) over other nodes.</summary>
    Expression Over(Node[] postfix) => new(postfix, VariableNames, operators, trusted: true);

    static void Validate(Node[] nodes, OperatorSet operators)
    {
        int depth = 0;
        for (int i = 0; i < nodes.Length; i++)
        {
            int arity = nodes[i].Arity;
            if (depth < arity) throw new ArgumentException($"postfix node {i} ({nodes[i].Op}) needs {arity} operand(s), has {depth}");
            if (nodes[i].Op == OpCode.Variable && nodes[i].Index < 0) throw new ArgumentException($"negative variable index at node {i}");
            if (nodes[i].Op is OpCode.CustomUnary or OpCode.CustomBinary
                && (nodes[i].Index < 0 || nodes[i].Index >= operators.Count || operators[nodes[i].Index].Arity != arity))
                throw new ArgumentException($"postfix node {i} ({nodes[i].Op}) refers to custom operator {nodes[i].Index}, which the operator set does not hold");
            depth += 1 - arity;
        }
        if (depth != 1) throw new ArgumentException($"postfix array leaves {depth} values, expected 1");
        int treeDepth = Postfix.Depth(nodes);
        if (treeDepth > MaxDepth) throw new ArgumentException($"postfix expression is {treeDepth} levels deep; the limit is {MaxDepth}");
    }

    /// <summary>Names used for variables when printing (index i ↦ name; missing names print as x<i>i</i>).</summary>
    public IReadOnlyList<string> VariableNames { get; }

    readonly OperatorSet operators;

    /// <summary>The custom operators its custom nodes refer to (by place); empty for an expression of built-in operators.</summary>
    public OperatorSet CustomOperators => operators;

    /// <summary>The custom operators its nodes use, each once, in order of first use.</summary>
    internal IEnumerable<CustomOperator> UsedCustomOperators() =>
        nodes.Where(n => n.Op is OpCode.CustomUnary or OpCode.CustomBinary).Select(n => n.Index).Distinct().Select(i => operators[i]);

    /// <summary>A copy of the nodes with each custom node renumbered to its operator's place in <paramref name="target"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="target"/> lacks an operator the expression uses, or holds another of
    /// that name.</exception>
    internal Node[] NodesOver(OperatorSet target)
    {
        var copy = (Node[])nodes.Clone();
        if (ReferenceEquals(target, operators)) return copy;
        for (int i = 0; i < copy.Length; i++)
        {
            if (copy[i].Op is not (OpCode.CustomUnary or OpCode.CustomBinary)) continue;
            var op = operators[copy[i].Index];
            int k = target.IndexOf(op.Name);
            if (k < 0 || !target[k].Equals(op))
                throw new ArgumentException($"the expression '{ToInfix()}' uses the custom operator {op}, which the search's CustomOperators do not hold");
            copy[i] = target.NodeOf(k);
        }
        return copy;
    }

    /// <summary>The postfix nodes.</summary>
    public ReadOnlySpan<Node> Nodes => nodes;

    internal Node[] NodeArray => nodes;

    /// <summary>Number of nodes (the default complexity).</summary>
    public int Length => nodes.Length;

    /// <summary>Complexity: node count.</summary>
    public int Complexity => nodes.Length;

    /// <summary>Depth of the tree (a single leaf has depth 1).</summary>
    public int Depth => Postfix.Depth(nodes);

    /// <summary>Number of constants.</summary>
    public int ConstantCount => nodes.Count(n => n.Op == OpCode.Constant);

    /// <summary>The constants in postfix order.</summary>
    public double[] Constants => nodes.Where(n => n.Op == OpCode.Constant).Select(n => n.Value).ToArray();

    /// <summary>Largest variable index used, or −1.</summary>
    public int MaxVariableIndex => nodes.Where(n => n.Op == OpCode.Variable).Select(n => n.Index).DefaultIfEmpty(-1).Max();

    /// <summary>The same expression with its constants replaced (in postfix order).</summary>
    public Expression WithConstants(ReadOnlySpan<double> constants)
    {
        var copy = (Node[])nodes.Clone();
        int k = 0;
        for (int i = 0; i < copy.Length; i++)
            if (copy[i].Op == OpCode.Constant)
            {
                if (k >= constants.Length) throw new ArgumentException($"expected {ConstantCount} constants, got {constants.Length}");
                copy[i] = Node.Const(constants[k++]);
            }
        if (k != constants.Length) throw new ArgumentException($"expected {ConstantCount} constants, got {constants.Length}");
        return Over(copy);
    }

    /// <summary>The same expression printed with other variable names.</summary>
    public Expression WithVariableNames(IReadOnlyList<string> names) => new(nodes, names, operators, trusted: true);

    /// <summary>The same expression over another variable list: each variable is looked up by its name in
    /// <paramref name="names"/> (say, a search's inputs mapped to a wider table). Throws when a name is missing.</summary>
    public Expression OnVariables(IReadOnlyList<string> names)
    {
        var copy = (Node[])nodes.Clone();
        for (int i = 0; i < copy.Length; i++)
        {
            if (copy[i].Op != OpCode.Variable) continue;
            string name = copy[i].Index < VariableNames.Count ? VariableNames[copy[i].Index] : $"x{copy[i].Index}";
            int index = -1;
            for (int k = 0; k < names.Count && index < 0; k++) if (names[k] == name) index = k;
            copy[i] = Node.Var(index >= 0 ? index : throw new ArgumentException($"variable '{name}' is not among {string.Join(", ", names)}"));
        }
        return new Expression(copy, names, operators, trusted: true);
    }

    /// <summary>
    /// Parses infix text such as <c>"2.5*x0^2 - sin(x1)/r"</c>. Operators <c>+ - * / ^ **</c>, unary minus, and the
    /// functions neg square cube sqrt exp log abs sin cos tanh inv step greater(a,b) cond(a,b) pow(a,b) and the custom
    /// operators of <paramref name="operators"/> (which the expression keeps). Names are looked up in
    /// <paramref name="variableNames"/>; <c>x0, x1, …</c> refer to indices past the named ones. Throws
    /// <see cref="FormatException"/> naming the position on bad input.
    /// </summary>
    public static Expression Parse(string text, IReadOnlyList<string>? variableNames = null, OperatorSet? operators = null)
    {
        var names = variableNames ?? [];
        operators ??= OperatorSet.Empty;
        return new Expression(Parser.Parse(text, names, operators), names, operators, trusted: true);
    }

    /// <summary>Evaluates at one point (variables indexed as in the expression). Never throws for non-finite results.</summary>
    public double Evaluate(ReadOnlySpan<double> variables)
    {
        Span<double> stack = nodes.Length <= 128 ? stackalloc double[nodes.Length] : new double[nodes.Length];
        int sp = 0;
        foreach (ref readonly var n in nodes.AsSpan())
        {
            switch (n.Arity)
            {
                case 0:
                    if (n.Op == OpCode.Constant) stack[sp++] = n.Value;
                    else
                    {
                        if (n.Index >= variables.Length)
                            throw new ArgumentException($"expression uses variable {n.Index} but only {variables.Length} value(s) were given");
                        stack[sp++] = variables[n.Index];
                    }
                    break;
                case 1: stack[sp - 1] = operators.Apply(n, stack[sp - 1]); break;
                default: sp--; stack[sp - 1] = operators.Apply(n, stack[sp - 1], stack[sp]); break;
            }
        }
        return stack[0];
    }

    /// <summary>Evaluates on every row of <paramref name="x"/> (rows × variables), vectorised in row batches.</summary>
    public double[] Evaluate(double[,] x)
    {
        var data = Dataset<double>.FromRows(x);
        if (MaxVariableIndex >= data.Features)
            throw new ArgumentException($"expression uses variable {MaxVariableIndex} but the data has {data.Features} column(s)");
        var result = new double[data.Rows];
        new Evaluator<double>(operators: operators).Evaluate(nodes, data, result);
        return result;
    }

    /// <summary>Evaluates on every row of <paramref name="rows"/>, prepared once for many expressions.</summary>
    public double[] Evaluate(EvaluationRows rows)
    {
        if (MaxVariableIndex >= rows.Data.Features)
            throw new ArgumentException($"expression uses variable {MaxVariableIndex} but the data has {rows.Data.Features} column(s)");
        var result = new double[rows.Data.Rows];
        new Evaluator<double>(operators: operators).Evaluate(nodes, rows.Data, result);
        return result;
    }

    /// <summary>Symbolic partial derivative with respect to variable <paramref name="variableIndex"/>, simplified.</summary>
    /// <exception cref="ArgumentException">The expression is deeper than <see cref="MaxDepth"/>, or its derivative would have
    /// more than <see cref="MaxDerivativeNodes"/> nodes.</exception>
    public Expression Differentiate(int variableIndex)
    {
        if (variableIndex < 0) throw new ArgumentException($"variable index must be non-negative, got {variableIndex}");
        int depth = Depth;
        if (depth > MaxDepth) throw new ArgumentException($"cannot differentiate an expression {depth} levels deep; the limit is {MaxDepth}");
        var d = Calculus.Derivative(ToTree(), variableIndex);
        if (d.SizeExceeds(MaxDerivativeNodes))
            throw new ArgumentException($"the derivative of this {nodes.Length}-node expression has more than {MaxDerivativeNodes} nodes; use a smaller expression");
        return Over(Simplifier.Simplify(d).ToPostfix());
    }

    /// <summary>Constant folding, merging of nested constants and light algebraic normalisation.</summary>
    public Expression Simplify() => Over(Simplifier.Simplify(Tree.FromPostfix(nodes)).ToPostfix());

    /// <summary>
    /// Reads the expression as a product of factors (its top-level ×, ÷, inv and neg, and the value of a conditional:
    /// cond(a, f·g) = f·cond(a, g)) and splits it in two: the factors whose variables all satisfy
    /// <paramref name="inFactor"/> (and that name at least one variable), and the rest (constants included), so that
    /// this = Factor · Remainder wherever both are defined. Factor is null when no top-level factor qualifies (then
    /// Remainder is this expression).
    /// </summary>
    public (Expression? Factor, Expression Remainder) SplitFactor(Func<int, bool> inFactor)
    {
        ArgumentNullException.ThrowIfNull(inFactor);
        List<Tree> factorUp = [], factorDown = [], restUp = [], restDown = [];
        bool negate = false;
        Walk(Tree.FromPostfix(nodes), inverse: false);
        if (factorUp.Count + factorDown.Count == 0) return (null, this);
        var rest = Quotient(restUp, restDown);
        if (negate) rest = Tree.U(OpCode.Neg, rest);
        return (Build(Quotient(factorUp, factorDown)), Build(rest));

        void Walk(Tree t, bool inverse)
        {
            switch (t.Op)
            {
                case OpCode.Mul: Walk(t.A!, inverse); Walk(t.B!, inverse); break;
                case OpCode.Div: Walk(t.A!, inverse); Walk(t.B!, !inverse); break;
                case OpCode.Inv: Walk(t.A!, !inverse); break;
                case OpCode.Neg: negate = !negate; Walk(t.A!, inverse); break;
                case OpCode.Cond when !inverse && Over(t.B!.ToPostfix()).SplitFactor(inFactor) is
                    { Factor: { } valueFactor } valueSplit:
                    // cond(a, b) is [a > 0]·b, so b's factors are factors of the whole (1/cond is not: 1/0 where a ≤ 0)
                    factorUp.Add(Tree.FromPostfix(valueFactor.nodes));
                    restUp.Add(Tree.Bin(OpCode.Cond, t.A!, Tree.FromPostfix(valueSplit.Remainder.nodes)));
                    break;
                default:
                    var variables = t.ToPostfix().Where(n => n.Op == OpCode.Variable).Select(n => n.Index).ToArray();
                    bool factor = variables.Length > 0 && variables.All(inFactor);
                    (factor ? inverse ? factorDown : factorUp : inverse ? restDown : restUp).Add(t);
                    break;
            }
        }
        static Tree Product(List<Tree> ts) => ts.Count == 0 ? Tree.C(1) : ts.Skip(1).Aggregate(ts[0], (a, b) => Tree.Bin(OpCode.Mul, a, b));
        static Tree Quotient(List<Tree> up, List<Tree> down) => down.Count == 0 ? Product(up) : Tree.Bin(OpCode.Div, Product(up), Product(down));
        Expression Build(Tree t) => Over(Simplifier.Simplify(t).ToPostfix());
    }

    /// <summary>Infix text that <see cref="Parse"/> reads back to the identical expression.</summary>
    public string ToInfix() => Printer.Print(ToTree(), VariableNames, PrintStyle.Infix);

    /// <summary>SymPy-compatible text (<c>**</c>, <c>Abs</c>, <c>Piecewise</c> for conditionals).</summary>
    public string ToSympy() => Printer.Print(ToTree(), VariableNames, PrintStyle.Sympy);

    /// <summary>LaTeX (constants rounded to 5 significant digits).</summary>
    public string ToLatex() => Printer.Print(ToTree(), VariableNames, PrintStyle.Latex);

    /// <summary>A C# expression using <c>Math.*</c>; variables by name (or <c>x[i]</c> where the name is not an identifier).</summary>
    public string ToCSharp() => Printer.Print(ToTree(), VariableNames, PrintStyle.CSharp);

    /// <summary>
    /// NumPy source (<c>import numpy as np</c>): elementwise over float64 arrays, with <see cref="Evaluate(ReadOnlySpan{double})"/>'s
    /// semantics (powers through <c>np.power</c>, conditionals through <c>np.where</c>, NaN or ±inf for domain errors).
    /// Variables print by name, or as x<i>i</i> where the name is not a Python identifier; the variables must be NumPy
    /// arrays or float64 scalars (<see cref="ToFunction"/> converts them). Throws <see cref="NotSupportedException"/> for a
    /// custom operator, which has no source form.
    /// </summary>
    public string ToNumpy() => ExportSource(PrintStyle.Numpy);

    /// <summary>JAX source (<c>import jax.numpy as jnp</c>): <see cref="ToNumpy"/> with <c>jnp</c> in place of <c>np</c>
    /// (JAX computes in float32 unless <c>jax_enable_x64</c> is set).</summary>
    public string ToJax() => ExportSource(PrintStyle.Jax);

    /// <summary>
    /// Julia source with every operation broadcast (<c>.+</c>, <c>sin.(…)</c>, <c>ifelse.(…)</c>), so it runs on Float64
    /// scalars and arrays alike, with <see cref="Evaluate(ReadOnlySpan{double})"/>'s semantics: where Julia would raise a
    /// DomainError (sqrt or log of a negative number, sin or cos of ±Inf, a negative base to a non-integer power) it
    /// returns NaN. Variables print by name, or as x<i>i</i> where the name is not a Julia identifier. Throws
    /// <see cref="NotSupportedException"/> for a custom operator.
    /// </summary>
    public string ToJulia() => ExportSource(PrintStyle.Julia);

    /// <summary>
    /// A complete function in <paramref name="language"/>, ready to paste: <c>name(x0, x1, …)</c> with one parameter per
    /// variable index up to <see cref="MaxVariableIndex"/> in index order (by name where the name is an identifier of the
    /// language, else x<i>i</i>), returning the expression; NumPy/JAX as a module with its import, Julia as a
    /// <c>function … end</c>, C# as a static method. Throws <see cref="ArgumentException"/> when <paramref name="name"/> is
    /// not an identifier of the language or names a variable, <see cref="NotSupportedException"/> for a custom operator.
    /// </summary>
    public string ToFunction(SourceLanguage language, string name = "f")
    {
        ArgumentNullException.ThrowIfNull(name);
        var style = language switch
        {
            SourceLanguage.CSharp => PrintStyle.CSharp,
            SourceLanguage.Numpy => PrintStyle.Numpy,
            SourceLanguage.Jax => PrintStyle.Jax,
            SourceLanguage.Julia => PrintStyle.Julia,
            _ => throw new ArgumentOutOfRangeException(nameof(language), language, "unknown source language"),
        };
        return Printer.Function(ToTree(), VariableNames, MaxVariableIndex + 1, style, name);
    }

    string ExportSource(PrintStyle style) =>
        Printer.Source(ToTree(), Printer.Identifiers(VariableNames, MaxVariableIndex + 1, style), style);

    /// <summary>The tree, its custom nodes naming their operators (for printing).</summary>
    Tree ToTree() => Tree.FromPostfix(nodes, operators);

    /// <summary>The infix form (<see cref="ToInfix"/>).</summary>
    public override string ToString() => ToInfix();

    /// <summary>Compiles to a delegate via System.Linq.Expressions; the argument holds the variables by index.</summary>
    public Func<double[], double> Compile()
    {
        var x = LinqExpr.Parameter(typeof(double[]), "x");
        return LinqExpr.Lambda<Func<double[], double>>(Lambda(i => LinqExpr.ArrayIndex(x, LinqExpr.Constant(i))), x).Compile();
    }

    /// <summary>The body of a lambda computing the expression, reading variable i from <paramref name="variable"/>(i).</summary>
    internal LinqExpr Lambda(Func<int, LinqExpr> variable)
    {
        var stack = new Stack<LinqExpr>();
        static LinqExpr C(double v) => LinqExpr.Constant(v);
        static LinqExpr M(string name, params LinqExpr[] args) =>
            LinqExpr.Call(typeof(Math).GetMethod(name, args.Select(_ => typeof(double)).ToArray())!, args);
        // exp, log, sin and cos are Occam's own, as in every other evaluation path (VectorMath)
        static LinqExpr V(string name, LinqExpr a) =>
            LinqExpr.Call(typeof(VectorMath).GetMethod(name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static, [typeof(double)])!, a);
        foreach (var n in nodes)
        {
            switch (n.Op)
            {
                case OpCode.Constant: stack.Push(C(n.Value)); break;
                case OpCode.Variable: stack.Push(variable(n.Index)); break;
                default:
                    if (n.Arity == 1)
                    {
                        var a = stack.Pop();
                        stack.Push(n.Op switch
                        {
                            OpCode.Neg => LinqExpr.Negate(a),
                            OpCode.Square => LinqExpr.Invoke(Square, a),
                            OpCode.Cube => LinqExpr.Invoke(Cube, a),
                            OpCode.Sqrt => M("Sqrt", a),
                            OpCode.Exp => V("Exp", a),
                            OpCode.Log => V("Log", a),
                            OpCode.Abs => M("Abs", a),
                            OpCode.Sin => V("Sin", a),
                            OpCode.Cos => V("Cos", a),
                            OpCode.Tanh => M("Tanh", a),
                            OpCode.Inv => LinqExpr.Divide(C(1.0), a),
                            OpCode.Step => LinqExpr.Condition(LinqExpr.GreaterThan(a, C(0.0)), C(1.0), C(0.0)),
                            _ => LinqExpr.Invoke(LinqExpr.Constant(operators[n.Index].Unary!), a),
                        });
                    }
                    else
                    {
                        var b = stack.Pop();
                        var a = stack.Pop();
                        stack.Push(n.Op switch
                        {
                            OpCode.Add => LinqExpr.Add(a, b),
                            OpCode.Sub => LinqExpr.Subtract(a, b),
                            OpCode.Mul => LinqExpr.Multiply(a, b),
                            OpCode.Div => LinqExpr.Divide(a, b),
                            OpCode.Pow => M("Pow", a, b),
                            OpCode.Greater => LinqExpr.Condition(LinqExpr.GreaterThan(a, b), C(1.0), C(0.0)),
                            OpCode.Cond => LinqExpr.Condition(LinqExpr.GreaterThan(a, C(0.0)), b, C(0.0)),
                            _ => LinqExpr.Invoke(LinqExpr.Constant(operators[n.Index].Binary!), a, b),
                        });
                    }
                    break;
            }
        }
        return stack.Pop();
    }

    static readonly System.Linq.Expressions.Expression<Func<double, double>> Square = v => v * v;
    static readonly System.Linq.Expressions.Expression<Func<double, double>> Cube = v => v * v * v;

    /// <summary>True when both have the same postfix nodes and their custom nodes name equal operators (variable names are
    /// not compared).</summary>
    public bool Equals(Expression? other)
    {
        if (other is null || !nodes.AsSpan().SequenceEqual(other.nodes)) return false;
        foreach (var n in nodes)
            if (n.Op is OpCode.CustomUnary or OpCode.CustomBinary && !operators[n.Index].Equals(other.operators[n.Index])) return false;
        return true;
    }
    /// <inheritdoc cref="Equals(Expression?)"/>
    public override bool Equals(object? obj) => obj is Expression e && Equals(e);
    /// <summary>A hash of the postfix nodes, consistent with <see cref="Equals(Expression?)"/>.</summary>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var n in nodes) h.Add(n);
        return h.ToHashCode();
    }

}

/// <summary>Helpers over postfix arrays: subtree extents, depth.</summary>
internal static class Postfix
{
    /// <summary>Length of the subtree whose root is at <paramref name="root"/>.</summary>
    public static int SubtreeLength(ReadOnlySpan<Node> nodes, int root)
    {
        int need = 1, i = root;
        while (need > 0) { need += nodes[i].Arity - 1; i--; }
        return root - i;
    }

    public static int Depth(ReadOnlySpan<Node> nodes)
    {
        Span<int> stack = nodes.Length <= 256 ? stackalloc int[nodes.Length] : new int[nodes.Length];
        int sp = 0;
        foreach (var n in nodes)
        {
            switch (n.Arity)
            {
                case 0: stack[sp++] = 1; break;
                case 1: stack[sp - 1]++; break;
                default: sp--; stack[sp - 1] = Math.Max(stack[sp - 1], stack[sp]) + 1; break;
            }
        }
        return sp == 0 ? 0 : stack[0];
    }
}

/// <summary>Rows of variables (rows × variables) laid out once for <see cref="Expression.Evaluate(EvaluationRows)"/>: for
/// evaluating many expressions on the same data, e.g. in a constant fit's inner loop.</summary>
public sealed class EvaluationRows(double[,] x)
{
    internal Dataset<double> Data { get; } = Dataset<double>.FromRows(x);

    /// <summary>The number of rows.</summary>
    public int Rows => Data.Rows;
}
