using System.Globalization;
using Occam.Symbolic;

namespace Occam.FeynmanBench;

/// <summary>
/// A published AI Feynman formula (Python syntax: <c>+ - * / **</c>, unary minus, <c>pi</c>, <c>exp sqrt sin cos tanh ln
/// arcsin arccos</c>) as a small tree: evaluated directly for the data (exactly the published formula, whatever Occam's
/// operators), and translated into an Occam <see cref="Expression"/> for the symbolic check and the judge's sanity check.
/// </summary>
sealed class Formula
{
    abstract record Term;
    sealed record Number(double Value) : Term;
    sealed record Variable(int Index) : Term;
    sealed record Negate(Term A) : Term;
    sealed record Call(string Function, Term A) : Term;
    sealed record Binary(char Op, Term A, Term B) : Term; // + - * / and ^ for **

    static readonly string[] Functions = ["exp", "sqrt", "sin", "cos", "tanh", "ln", "log", "arcsin", "arccos"];

    /// <summary>arcsin and arccos, which Occam has no built-in operator for: custom operators of the truth's expression.</summary>
    static readonly OperatorSet Inverse = new([CustomOperator.FromFunction("arcsin", Math.Asin), CustomOperator.FromFunction("arccos", Math.Acos)]);

    readonly Term root;

    Formula(string text, string[] variables, Term root) { Text = text; Variables = variables; this.root = root; }

    /// <summary>The published text.</summary>
    public string Text { get; }
    /// <summary>The variables, in the order of the data's columns.</summary>
    public string[] Variables { get; }

    /// <summary>Parses a published formula over <paramref name="variables"/>.</summary>
    /// <exception cref="FormatException">The text is not a formula of the syntax above.</exception>
    public static Formula Parse(string text, string[] variables) => new(text, variables, new Reader(text, variables).Read());

    /// <summary>The formula's value at one point (the row's values in the order of <see cref="Variables"/>).</summary>
    public double Evaluate(ReadOnlySpan<double> row) => Eval(root, row);

    static double Eval(Term t, ReadOnlySpan<double> x) => t switch
    {
        Number n => n.Value,
        Variable v => x[v.Index],
        Negate g => -Eval(g.A, x),
        Call c => Apply(c.Function, Eval(c.A, x)),
        Binary b => b.Op switch
        {
            '+' => Eval(b.A, x) + Eval(b.B, x),
            '-' => Eval(b.A, x) - Eval(b.B, x),
            '*' => Eval(b.A, x) * Eval(b.B, x),
            '/' => Eval(b.A, x) / Eval(b.B, x),
            _ => Math.Pow(Eval(b.A, x), Eval(b.B, x)),
        },
        _ => throw new InvalidOperationException(),
    };

    static double Apply(string f, double a) => f switch
    {
        "exp" => Math.Exp(a),
        "sqrt" => Math.Sqrt(a),
        "sin" => Math.Sin(a),
        "cos" => Math.Cos(a),
        "tanh" => Math.Tanh(a),
        "ln" or "log" => Math.Log(a),
        "arcsin" => Math.Asin(a),
        "arccos" => Math.Acos(a),
        _ => throw new InvalidOperationException(f),
    };

    /// <summary>
    /// The formula in Occam's expression language, written the way the search writes it: every subtree without a variable
    /// folded into one constant (so 1/sqrt(2·pi) is one constant node), x**2 as square(x), x**3 as cube(x), x**0.5 as
    /// sqrt(x), ln as log; arcsin and arccos as custom operators.
    /// </summary>
    public Expression ToExpression()
    {
        var nodes = new List<Node>();
        Emit(root, nodes);
        return new Expression(nodes, Variables, Inverse);
    }

    /// <summary>The truth's complexity in Occam's measure: the node count of <see cref="ToExpression"/>.</summary>
    public int Complexity => ToExpression().Complexity;

    /// <summary>The functions of the formula, as translated, outside <paramref name="unary"/> (e.g. arcsin, or tanh with the
    /// default set; cube, which x·square(x) replaces).</summary>
    public IEnumerable<string> FunctionsOutside(IEnumerable<string> unary)
    {
        var have = unary.ToHashSet();
        var e = ToExpression();
        return e.Nodes.ToArray().Where(n => n.Arity == 1).Select(n => e.CustomOperators.Name(n))
            .Where(name => name != "neg" && !have.Contains(name)).Distinct().ToList();
    }

    static bool HasVariable(Term t) => t switch
    {
        Variable => true,
        Number => false,
        Negate g => HasVariable(g.A),
        Call c => HasVariable(c.A),
        Binary b => HasVariable(b.A) || HasVariable(b.B),
        _ => false,
    };

    static void Emit(Term t, List<Node> o)
    {
        if (!HasVariable(t)) { o.Add(Node.Const(Eval(t, []))); return; }
        switch (t)
        {
            case Variable v: o.Add(Node.Var(v.Index)); break;
            case Negate g: Emit(g.A, o); o.Add(Node.Of(OpCode.Neg)); break;
            case Call c:
                Emit(c.A, o);
                o.Add(c.Function switch
                {
                    "exp" => Node.Of(OpCode.Exp),
                    "sqrt" => Node.Of(OpCode.Sqrt),
                    "sin" => Node.Of(OpCode.Sin),
                    "cos" => Node.Of(OpCode.Cos),
                    "tanh" => Node.Of(OpCode.Tanh),
                    "ln" or "log" => Node.Of(OpCode.Log),
                    _ => Inverse.Resolve(c.Function),
                });
                break;
            case Binary { Op: '^' } p when !HasVariable(p.B) && Eval(p.B, []) is 2.0 or 3.0 or 0.5:
                Emit(p.A, o);
                o.Add(Node.Of(Eval(p.B, []) switch { 2.0 => OpCode.Square, 3.0 => OpCode.Cube, _ => OpCode.Sqrt }));
                break;
            case Binary b:
                Emit(b.A, o);
                Emit(b.B, o);
                o.Add(Node.Of(b.Op switch { '+' => OpCode.Add, '-' => OpCode.Sub, '*' => OpCode.Mul, '/' => OpCode.Div, _ => OpCode.Pow }));
                break;
        }
    }

    /// <summary>Recursive descent over the Python syntax: ** binds tighter than a unary minus on its left (-x**2 = -(x**2))
    /// and is right-associative.</summary>
    sealed class Reader(string text, string[] variables)
    {
        int pos;

        public Term Read()
        {
            var t = Sum();
            Skip();
            if (pos < text.Length) throw Error($"unexpected '{text[pos]}'");
            return t;
        }

        FormatException Error(string what) => new($"{what} at {pos} in formula '{text}'");
        void Skip() { while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++; }
        char Peek() { Skip(); return pos < text.Length ? text[pos] : '\0'; }
        bool PeekPow() { Skip(); return pos + 1 < text.Length && text[pos] == '*' && text[pos + 1] == '*'; }

        Term Sum()
        {
            var t = Product();
            while (Peek() is '+' or '-') { char op = text[pos++]; t = new Binary(op, t, Product()); }
            return t;
        }

        Term Product()
        {
            var t = Unary();
            while ((Peek() == '*' && !PeekPow()) || Peek() == '/') { char op = text[pos++]; t = new Binary(op, t, Unary()); }
            return t;
        }

        Term Unary()
        {
            if (Peek() == '-') { pos++; return new Negate(Unary()); }
            if (Peek() == '+') { pos++; return Unary(); }
            return Power();
        }

        Term Power()
        {
            var t = Atom();
            if (PeekPow()) { pos += 2; return new Binary('^', t, Unary()); }
            return t;
        }

        Term Atom()
        {
            char c = Peek();
            if (c == '(')
            {
                pos++;
                var t = Sum();
                if (Peek() != ')') throw Error("expected ')'");
                pos++;
                return t;
            }
            if (char.IsDigit(c) || c == '.')
            {
                int start = pos;
                while (pos < text.Length && (char.IsDigit(text[pos]) || text[pos] == '.')) pos++;
                if (pos < text.Length && text[pos] is 'e' or 'E')
                {
                    pos++;
                    if (pos < text.Length && text[pos] is '+' or '-') pos++;
                    while (pos < text.Length && char.IsDigit(text[pos])) pos++;
                }
                return new Number(double.Parse(text.AsSpan(start, pos - start), NumberStyles.Float, CultureInfo.InvariantCulture));
            }
            if (char.IsLetter(c) || c == '_')
            {
                int start = pos;
                while (pos < text.Length && (char.IsLetterOrDigit(text[pos]) || text[pos] == '_')) pos++;
                string id = text[start..pos];
                if (Peek() == '(' && Functions.Contains(id))
                {
                    pos++;
                    var a = Sum();
                    if (Peek() != ')') throw Error("expected ')'");
                    pos++;
                    return new Call(id, a);
                }
                int index = Array.IndexOf(variables, id);
                if (index >= 0) return new Variable(index);
                if (id == "pi") return new Number(Math.PI);
                throw Error($"unknown name '{id}'");
            }
            throw Error(c == '\0' ? "unexpected end" : $"unexpected '{c}'");
        }
    }
}
