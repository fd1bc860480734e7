namespace Occam.Symbolic;

/// <summary>Options compiled for the search: operator tables, complexity weights, constraint lookups.</summary>
internal sealed class SearchConfig
{
    public SearchConfig(SymbolicRegressionOptions o, int features)
    {
        o.Validate();
        Options = o;
        Features = features;
        CustomOperators = o.CustomOperators;
        Binary = o.BinaryOperators.Select(n => Checked(n, 2)).Distinct().ToArray();
        Unary = o.UnaryOperators.Select(n => Checked(n, 1)).Distinct().ToArray();
        if (o.OperatorComplexity is not null)
            foreach (var (name, c) in o.OperatorComplexity) OpComplexity[Key(CustomOperators.Resolve(name))] = c;
        if (o.OperatorConstraints is not null)
            foreach (var (name, c) in o.OperatorConstraints) ArgLimits[Key(CustomOperators.Resolve(name))] = c;
        if (o.NestedConstraints is not null)
            foreach (var (outer, inner) in o.NestedConstraints)
                Nested[Key(CustomOperators.Resolve(outer))] = inner.Select(kv => (Key(CustomOperators.Resolve(kv.Key)), kv.Value)).ToArray();
        Units = Symbolic.Units.Create(o, features);
    }

    Node Checked(string name, int arity)
    {
        var n = CustomOperators.Resolve(name);
        if (n.Arity != arity)
            throw new ArgumentException($"operator '{name}' is {(n.Arity == 1 ? "unary" : "binary")}, listed as {(arity == 1 ? "unary" : "binary")}");
        return n;
    }

    static (OpCode, int) Key(Node n) => (n.Op, n.Op is OpCode.CustomUnary or OpCode.CustomBinary ? n.Index : 0);

    public SymbolicRegressionOptions Options { get; }
    /// <summary>The custom operators the search's nodes refer to.</summary>
    public OperatorSet CustomOperators { get; }
    public int Features { get; }
    public Node[] Binary { get; }
    public Node[] Unary { get; }
    public Units? Units { get; }
    readonly Dictionary<(OpCode, int), int> OpComplexity = [];
    readonly Dictionary<(OpCode, int), (int Left, int Right)> ArgLimits = [];
    readonly Dictionary<(OpCode, int), ((OpCode, int) Inner, int Max)[]> Nested = [];

    public int NodeComplexity(in Node n) => n.Op switch
    {
        OpCode.Constant => Options.ConstantComplexity,
        OpCode.Variable => Options.VariableComplexity,
        _ => OpComplexity.TryGetValue(Key(n), out int c) ? c : 1,
    };

    public int Complexity(ReadOnlySpan<Node> nodes)
    {
        int c = 0;
        foreach (var n in nodes) c += NodeComplexity(n);
        return c;
    }

    /// <summary>Size, depth, argument-complexity and nesting constraints.</summary>
    public bool IsValid(Node[] t, int maxSize)
    {
        if (t.Length == 0 || Complexity(t) > maxSize || Postfix.Depth(t) > Options.MaxDepth) return false;
        if (ArgLimits.Count == 0 && Nested.Count == 0) return true;
        for (int i = 0; i < t.Length; i++)
        {
            if (t[i].IsLeaf) continue;
            var key = Key(t[i]);
            if (ArgLimits.TryGetValue(key, out var lim))
            {
                if (t[i].Arity == 1)
                {
                    int len = Postfix.SubtreeLength(t, i - 1);
                    if (lim.Left >= 0 && Complexity(t.AsSpan(i - len, len)) > lim.Left) return false;
                }
                else
                {
                    int rl = Postfix.SubtreeLength(t, i - 1);
                    int ll = Postfix.SubtreeLength(t, i - 1 - rl);
                    if (lim.Right >= 0 && Complexity(t.AsSpan(i - rl, rl)) > lim.Right) return false;
                    if (lim.Left >= 0 && Complexity(t.AsSpan(i - rl - ll, ll)) > lim.Left) return false;
                }
            }
            if (Nested.TryGetValue(key, out var rules))
            {
                int len = Postfix.SubtreeLength(t, i);
                var sub = t.AsSpan(i - len + 1, len - 1); // operands only
                foreach (var (inner, max) in rules)
                    if (MaxNesting(sub, inner) > max) return false;
            }
        }
        return true;
    }

    /// <summary>Largest number of <paramref name="op"/> nodes on any root-to-leaf path within a sequence of whole subtrees.</summary>
    static int MaxNesting(ReadOnlySpan<Node> nodes, (OpCode, int) op)
    {
        Span<int> stack = stackalloc int[nodes.Length + 1];
        int sp = 0, best = 0;
        foreach (var n in nodes)
        {
            int self = !n.IsLeaf && Key(n) == op ? 1 : 0;
            switch (n.Arity)
            {
                case 0: stack[sp++] = self; break;
                case 1: stack[sp - 1] += self; break;
                default: sp--; stack[sp - 1] = Math.Max(stack[sp - 1], stack[sp]) + self; break;
            }
            best = Math.Max(best, stack[sp - 1]);
        }
        return best;
    }
}
