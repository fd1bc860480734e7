using System.Globalization;

namespace Occam.Symbolic;

/// <summary>
/// Recursive-descent parser for infix text: <c>+ - * / ^ (or **)</c>, unary minus, parentheses, numbers
/// (with exponents), variable names, and function calls (<c>sin(x)</c>, <c>greater(a, b)</c>, the custom operators of the set given).
/// Precedence: + − &lt; × ÷ &lt; unary − &lt; ^ (right-associative).
/// Input is bounded: at most <see cref="Expression.MaxTextLength"/> characters and <see cref="Expression.MaxDepth"/>
/// levels of nesting (parentheses, calls, unary signs, powers) or of tree depth, so neither parsing nor the recursive
/// passes over the tree can overflow the stack.
/// </summary>
internal sealed class Parser
{
    readonly string text;
    readonly IReadOnlyList<string> names;
    readonly OperatorSet operators;
    readonly List<Node> output = [];
    int pos;
    int nesting;

    Parser(string text, IReadOnlyList<string> names, OperatorSet operators) { this.text = text; this.names = names; this.operators = operators; }

    public static Node[] Parse(string text, IReadOnlyList<string> names, OperatorSet operators)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > Expression.MaxTextLength)
            throw new FormatException($"expression is {text.Length} characters long; the limit is {Expression.MaxTextLength}");
        var p = new Parser(text, names, operators);
        p.SkipSpace();
        if (p.pos >= text.Length) throw new FormatException("empty expression at position 0");
        p.ParseSum();
        p.SkipSpace();
        if (p.pos < text.Length) throw p.Error($"unexpected '{text[p.pos]}'");
        var nodes = p.output.ToArray();
        int depth = Postfix.Depth(nodes);
        if (depth > Expression.MaxDepth)
            throw new FormatException($"expression '{IO.MessageText.Excerpt(text)}' is {depth} levels deep; the limit is {Expression.MaxDepth}");
        return nodes;
    }

    FormatException Error(string what) => new($"{what} at position {pos} in expression '{IO.MessageText.Excerpt(text)}'");


    /// <summary>Enters one level of nesting; throws past <see cref="Expression.MaxDepth"/>. Every caller leaves with <c>nesting--</c>.</summary>
    void Enter()
    {
        if (++nesting > Expression.MaxDepth)
            throw Error($"expression nested more than {Expression.MaxDepth} levels deep");
    }

    void SkipSpace() { while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++; }

    char Peek() { SkipSpace(); return pos < text.Length ? text[pos] : '\0'; }

    bool PeekPow()
    {
        SkipSpace();
        return pos < text.Length && (text[pos] == '^' || (text[pos] == '*' && pos + 1 < text.Length && text[pos + 1] == '*'));
    }

    void ParseSum()
    {
        ParseProduct();
        while (true)
        {
            char c = Peek();
            if (c == '+') { pos++; ParseProduct(); output.Add(Node.Of(OpCode.Add)); }
            else if (c == '-') { pos++; ParseProduct(); output.Add(Node.Of(OpCode.Sub)); }
            else return;
        }
    }

    void ParseProduct()
    {
        ParseUnary();
        while (true)
        {
            char c = Peek();
            if (c == '*' && !PeekPow()) { pos++; ParseUnary(); output.Add(Node.Of(OpCode.Mul)); }
            else if (c == '/') { pos++; ParseUnary(); output.Add(Node.Of(OpCode.Div)); }
            else return;
        }
    }

    void ParseUnary()
    {
        char c = Peek();
        if (c == '+') { pos++; Enter(); ParseUnary(); nesting--; return; }
        if (c == '-')
        {
            pos++;
            int save = pos;
            SkipSpace();
            if (pos < text.Length && (char.IsDigit(text[pos]) || text[pos] == '.'))
            {
                double v = ReadNumber();
                if (!PeekPow()) { output.Add(Node.Const(-v)); return; }
                pos = save;
            }
            Enter();
            ParseUnary();
            nesting--;
            output.Add(Node.Of(OpCode.Neg));
            return;
        }
        ParsePower();
    }

    void ParsePower()
    {
        ParseAtom();
        if (PeekPow())
        {
            pos += text[pos] == '^' ? 1 : 2;
            Enter();
            ParseUnary();
            nesting--;
            output.Add(Node.Of(OpCode.Pow));
        }
    }

    double ReadNumber()
    {
        int start = pos;
        while (pos < text.Length && (char.IsDigit(text[pos]) || text[pos] == '.')) pos++;
        if (pos < text.Length && (text[pos] == 'e' || text[pos] == 'E'))
        {
            int save = pos;
            pos++;
            if (pos < text.Length && (text[pos] == '+' || text[pos] == '-')) pos++;
            if (pos < text.Length && char.IsDigit(text[pos])) { while (pos < text.Length && char.IsDigit(text[pos])) pos++; }
            else pos = save;
        }
        var s = text.AsSpan(start, pos - start);
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
        {
            pos = start;
            throw Error($"bad number '{s}'");
        }
        return v;
    }

    void ParseAtom()
    {
        char c = Peek();
        if (c == '(')
        {
            pos++;
            Enter();
            ParseSum();
            nesting--;
            if (Peek() != ')') throw Error("expected ')'");
            pos++;
            return;
        }
        if (char.IsDigit(c) || c == '.') { output.Add(Node.Const(ReadNumber())); return; }
        if (char.IsLetter(c) || c == '_')
        {
            int start = pos;
            while (pos < text.Length && (char.IsLetterOrDigit(text[pos]) || text[pos] == '_')) pos++;
            string id = text[start..pos];
            if (Peek() == '(')
            {
                Node op;
                if (!Operators.TryBuiltin(id, out var code))
                {
                    int custom = operators.IndexOf(id);
                    if (custom < 0) { pos = start; throw Error($"unknown function '{id}'"); }
                    op = operators.NodeOf(custom);
                }
                else op = new Node(code);
                pos++;
                Enter();
                ParseSum();
                int arity = 1;
                while (Peek() == ',') { pos++; ParseSum(); arity++; }
                nesting--;
                if (Peek() != ')') throw Error("expected ')'");
                pos++;
                if (arity != op.Arity) { pos = start; throw Error($"'{id}' takes {op.Arity} argument(s), got {arity}"); }
                output.Add(op);
                return;
            }
            int index = VariableIndex(id, names);
            if (index >= 0) { output.Add(Node.Var(index)); return; }
            if (Operators.TryBuiltin(id, out _) || operators.IndexOf(id) >= 0) throw Error($"expected '(' after function '{id}'");
            switch (id)
            {
                case "inf" or "Infinity": output.Add(Node.Const(double.PositiveInfinity)); return;
                case "nan" or "NaN": output.Add(Node.Const(double.NaN)); return;
            }
            pos = start;
            throw Error($"unknown variable '{id}'");
        }
        if (c == '\0') throw Error("unexpected end of expression");
        throw Error($"unexpected '{c}'");
    }

    /// <summary>The index of the variable called <paramref name="id"/>: its place in <paramref name="names"/>, or i for x<i>i</i>
    /// past the named ones; −1 when there is none.</summary>
    public static int VariableIndex(string id, IReadOnlyList<string> names)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == id) return i;
        // default names x0, x1, ... for indices past the named ones (what the printer writes for them)
        if (id.Length > 1 && id[0] == 'x' && int.TryParse(id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && k >= names.Count)
            return k;
        return -1;
    }
}
