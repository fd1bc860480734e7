namespace Occam.Symbolic;

/// <summary>Random tree generation and PySR's mutations, all on flat postfix arrays (subtrees are contiguous ranges).</summary>
internal sealed class Mutator(SearchConfig cfg)
{
    public Node RandomLeaf(Rng rng) =>
        rng.Chance(0.5) || cfg.Features == 0 ? Node.Const(rng.Normal() * 2) : Node.Var(rng.Next(cfg.Features));

    Node RandomOp(Rng rng, int arity) => arity == 1 ? cfg.Unary[rng.Next(cfg.Unary.Length)] : cfg.Binary[rng.Next(cfg.Binary.Length)];

    Node RandomOpAny(Rng rng, out int arity)
    {
        int nu = cfg.Unary.Length, nb = cfg.Binary.Length;
        int i = rng.Next(nu + nb);
        arity = i < nu ? 1 : 2;
        return i < nu ? cfg.Unary[i] : cfg.Binary[i - nu];
    }

    static Node[] Splice(Node[] nodes, int start, int length, ReadOnlySpan<Node> replacement)
    {
        var o = new Node[nodes.Length - length + replacement.Length];
        nodes.AsSpan(0, start).CopyTo(o);
        replacement.CopyTo(o.AsSpan(start));
        nodes.AsSpan(start + length).CopyTo(o.AsSpan(start + replacement.Length));
        return o;
    }

    /// <summary>A random tree grown by repeatedly attaching operators at random leaves until it has ~<paramref name="size"/> nodes.</summary>
    public Node[] RandomTree(Rng rng, int size)
    {
        var t = new[] { RandomLeaf(rng) };
        int guard = 0;
        while (t.Length < size && guard++ < 100) t = AddNode(t, rng) ?? t;
        return t;
    }

    static int PickIndex(Node[] t, Rng rng, Func<Node, bool> pred)
    {
        int count = 0;
        foreach (var n in t) if (pred(n)) count++;
        if (count == 0) return -1;
        int k = rng.Next(count);
        for (int i = 0; i < t.Length; i++) if (pred(t[i]) && k-- == 0) return i;
        return -1;
    }

    public Node[]? MutateConstant(Node[] t, Rng rng, double temperature)
    {
        int i = PickIndex(t, rng, n => n.Op == OpCode.Constant);
        if (i < 0) return null;
        double maxChange = temperature * 10 + 1.1;
        double factor = Math.Pow(maxChange, rng.NextDouble());
        if (rng.Chance(0.5)) factor = 1 / factor;
        double v = t[i].Value * factor;
        if (rng.Chance(0.01)) v = -v;
        var o = (Node[])t.Clone();
        o[i] = Node.Const(v);
        return o;
    }

    public Node[]? MutateOperator(Node[] t, Rng rng)
    {
        int i = PickIndex(t, rng, n => !n.IsLeaf && (n.Arity == 1 ? cfg.Unary.Length : cfg.Binary.Length) > 0);
        if (i < 0) return null;
        var o = (Node[])t.Clone();
        o[i] = RandomOp(rng, t[i].Arity);
        return o;
    }

    public Node[]? MutateFeature(Node[] t, Rng rng)
    {
        if (cfg.Features < 2) return null;
        int i = PickIndex(t, rng, n => n.Op == OpCode.Variable);
        if (i < 0) return null;
        var o = (Node[])t.Clone();
        int f = rng.Next(cfg.Features - 1);
        if (f >= t[i].Index) f++;
        o[i] = Node.Var(f);
        return o;
    }

    public Node[]? SwapOperands(Node[] t, Rng rng)
    {
        int i = PickIndex(t, rng, n => n.Arity == 2);
        if (i < 0) return null;
        int rightLen = Postfix.SubtreeLength(t, i - 1);
        int leftEnd = i - 1 - rightLen;
        int leftLen = Postfix.SubtreeLength(t, leftEnd);
        int leftStart = leftEnd - leftLen + 1;
        var o = (Node[])t.Clone();
        t.AsSpan(i - rightLen, rightLen).CopyTo(o.AsSpan(leftStart));
        t.AsSpan(leftStart, leftLen).CopyTo(o.AsSpan(leftStart + rightLen));
        return o;
    }

    /// <summary>Replace a random leaf by op(leaf, new leaf), op(new leaf, leaf) or unary(leaf).</summary>
    public Node[]? AddNode(Node[] t, Rng rng)
    {
        if (cfg.Unary.Length + cfg.Binary.Length == 0) return null;
        int i = PickIndex(t, rng, n => n.IsLeaf);
        var op = RandomOpAny(rng, out int arity);
        Node[] rep = arity == 1 ? [t[i], op] : rng.Chance(0.5) ? [t[i], RandomLeaf(rng), op] : [RandomLeaf(rng), t[i], op];
        return Splice(t, i, 1, rep);
    }

    /// <summary>Insert an operator above a random node.</summary>
    public Node[]? InsertNode(Node[] t, Rng rng)
    {
        if (cfg.Unary.Length + cfg.Binary.Length == 0) return null;
        int i = rng.Next(t.Length);
        int len = Postfix.SubtreeLength(t, i);
        int start = i - len + 1;
        var op = RandomOpAny(rng, out int arity);
        var sub = t.AsSpan(start, len);
        Node[] rep;
        if (arity == 1) rep = [.. sub, op];
        else if (rng.Chance(0.5)) rep = [.. sub, RandomLeaf(rng), op];
        else rep = [RandomLeaf(rng), .. sub, op];
        return Splice(t, start, len, rep);
    }

    /// <summary>Replace a random operator by one of its operands (or a leaf when it is the root of a leaf-only subtree).</summary>
    public Node[]? DeleteNode(Node[] t, Rng rng)
    {
        int i = PickIndex(t, rng, n => !n.IsLeaf);
        if (i < 0) return null;
        int len = Postfix.SubtreeLength(t, i);
        int start = i - len + 1;
        int childEnd = i - 1;
        if (t[i].Arity == 2 && rng.Chance(0.5)) childEnd = i - 1 - Postfix.SubtreeLength(t, i - 1);
        int clen = Postfix.SubtreeLength(t, childEnd);
        return Splice(t, start, len, t.AsSpan(childEnd - clen + 1, clen));
    }

    /// <summary>Tree rotation at a random binary node with a binary child.</summary>
    public Node[]? Rotate(Node[] t, Rng rng)
    {
        var tree = Tree.FromPostfix(t);
        var candidates = new List<Tree>();
        void Collect(Tree x)
        {
            if (x.Node.Arity == 2 && (x.A!.Node.Arity == 2 || x.B!.Node.Arity == 2)) candidates.Add(x);
            if (x.A is not null) Collect(x.A);
            if (x.B is not null) Collect(x.B);
        }
        Collect(tree);
        if (candidates.Count == 0) return null;
        var p = candidates[rng.Next(candidates.Count)];
        bool right = p.A!.Node.Arity == 2 && (p.B!.Node.Arity != 2 || rng.Chance(0.5));
        if (right)
        {
            // p = op1(c = op2(c1, c2), b)  →  op2(c1, op1(c2, b))
            var c = p.A!;
            var inner = new Tree(p.Node, c.B, p.B);
            p.Node = c.Node; p.A = c.A; p.B = inner;
        }
        else
        {
            // p = op1(a, c = op2(c1, c2))  →  op2(op1(a, c1), c2)
            var c = p.B!;
            var inner = new Tree(p.Node, p.A, c.A);
            p.Node = c.Node; p.A = inner; p.B = c.B;
        }
        return tree.ToPostfix();
    }

    public Node[] Randomize(Node[] t, Rng rng, int maxSize) => RandomTree(rng, 1 + rng.Next(Math.Max(1, Math.Min(maxSize, t.Length + 2))));

    /// <summary>Swap a random subtree of each parent.</summary>
    public (Node[], Node[]) Crossover(Node[] a, Node[] b, Rng rng)
    {
        int ia = rng.Next(a.Length), ib = rng.Next(b.Length);
        int la = Postfix.SubtreeLength(a, ia), lb = Postfix.SubtreeLength(b, ib);
        int sa = ia - la + 1, sb = ib - lb + 1;
        return (Splice(a, sa, la, b.AsSpan(sb, lb)), Splice(b, sb, lb, a.AsSpan(sa, la)));
    }
}
