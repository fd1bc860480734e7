namespace Occam.Symbolic;

/// <summary>A small pointer tree used for printing, differentiation and simplification; the search works on postfix arrays.</summary>
internal sealed class Tree(Node node, Tree? a = null, Tree? b = null)
{
    public Node Node = node;
    public Tree? A = a;
    public Tree? B = b;
    /// <summary>The operator of a custom node, where the tree was built with its operator set (for printing).</summary>
    public CustomOperator? Custom;

    /// <summary>The operator's name as printed and parsed.</summary>
    public string OperatorName => Custom?.Name ?? Operators.Name(Op);

    public OpCode Op => Node.Op;
    public bool IsConst => Node.Op == OpCode.Constant;
    public bool IsConstValue(double v) => IsConst && Node.Value == v;
    public double Value => Node.Value;

    public static Tree C(double v) => new(Node.Const(v));
    public static Tree V(int i) => new(Node.Var(i));
    public static Tree U(OpCode op, Tree a) => new(new Node(op), a);
    public static Tree Bin(OpCode op, Tree a, Tree b) => new(new Node(op), a, b);

    /// <summary>The tree of postfix nodes; with <paramref name="operators"/>, custom nodes know their operator.</summary>
    public static Tree FromPostfix(ReadOnlySpan<Node> nodes, OperatorSet? operators = null)
    {
        var stack = new Stack<Tree>();
        foreach (var n in nodes)
        {
            switch (n.Arity)
            {
                case 0: stack.Push(new Tree(n)); break;
                case 1: stack.Push(new Tree(n, stack.Pop())); break;
                default: { var b = stack.Pop(); var a = stack.Pop(); stack.Push(new Tree(n, a, b)); break; }
            }
            if (operators is not null && n.Op is OpCode.CustomUnary or OpCode.CustomBinary) stack.Peek().Custom = operators[n.Index];
        }
        if (stack.Count != 1) throw new InvalidOperationException("malformed postfix expression");
        return stack.Pop();
    }

    public Node[] ToPostfix()
    {
        var list = new List<Node>();
        Append(list);
        return list.ToArray();
    }

    void Append(List<Node> list)
    {
        A?.Append(list);
        B?.Append(list);
        list.Add(Node);
    }

    public int Size => 1 + (A?.Size ?? 0) + (B?.Size ?? 0);

    /// <summary>
    /// Whether the tree, counted as printed (a shared subtree once per use), has more than <paramref name="limit"/> nodes.
    /// Iterative and stops counting at the limit, so it is cheap on the large shared trees a derivative builds.
    /// </summary>
    public bool SizeExceeds(int limit)
    {
        var pending = new Stack<Tree>();
        pending.Push(this);
        int count = 0;
        while (pending.Count > 0)
        {
            var t = pending.Pop();
            if (++count > limit) return true;
            if (t.A is not null) pending.Push(t.A);
            if (t.B is not null) pending.Push(t.B);
        }
        return false;
    }

    public bool StructurallyEquals(Tree o) =>
        Node.Equals(o.Node)
        && (A is null ? o.A is null : o.A is not null && A.StructurallyEquals(o.A))
        && (B is null ? o.B is null : o.B is not null && B.StructurallyEquals(o.B));
}
