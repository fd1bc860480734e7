namespace Occam.Symbolic;

/// <summary>
/// Simplification: constant folding, identities (x+0, x·1, x·0, x^1, −−x), merging of nested constants in sums and
/// products (c₁+(c₂+x) → (c₁+c₂)+x), and normalisation that puts the constant first in commutative operations.
/// Never increases the node count.
/// </summary>
internal static class Simplifier
{
    public static Node[] Simplify(ReadOnlySpan<Node> postfix, bool allowNeg = true) => Simplify(Tree.FromPostfix(postfix), allowNeg).ToPostfix();

    /// <param name="t">Tree (rewritten in place).</param>
    /// <param name="allowNeg">Whether rules may introduce the unary minus (the search passes false when "neg" is not an operator of the run).</param>
    public static Tree Simplify(Tree t, bool allowNeg = true)
    {
        if (t.A is not null) t.A = Simplify(t.A, allowNeg);
        if (t.B is not null) t.B = Simplify(t.B, allowNeg);
        var r = Rewrite(t, allowNeg);
        return r.Op switch
        {
            OpCode.Mul or OpCode.Div => MergeProduct(r),
            OpCode.Add or OpCode.Sub => MergeSum(r),
            _ => r,
        };
    }

    /// <summary>
    /// Divides every quotient's numerator and denominator by the denominator's constant term, n/(c + t) → (n/c)/(1 + t/c),
    /// with 1/c taken into t's constant factors (and into k² for a term (k·x)²); null when no quotient has such a term.
    /// The same function, written with a leading 1, so that constants the optimiser left as ratios of large numbers
    /// (6619830/(2206610 + (1485.47·x)²) = 3/(1 + x²)) can be seen to be 1 and pruned. The result is not simplified.
    /// </summary>
    public static Node[]? NormaliseQuotients(ReadOnlySpan<Node> postfix)
    {
        bool changed = false;
        var t = Normalise(Tree.FromPostfix(postfix));
        return changed ? t.ToPostfix() : null;

        Tree Normalise(Tree x)
        {
            if (x.A is not null) x.A = Normalise(x.A);
            if (x.B is not null) x.B = Normalise(x.B);
            if (x.Op != OpCode.Div || ConstantTerm(x.B!) is not double c || c is 0 or 1 || !double.IsFinite(1 / c)) return x;
            changed = true;
            return Tree.Bin(OpCode.Div, Tree.Bin(OpCode.Mul, C(1 / c), x.A!), Scale(x.B!, 1 / c));
        }

        // the constant term of a sum's top level (a + b, a − b with constants anywhere in the chain), if any
        static double? ConstantTerm(Tree x) => x.Op switch
        {
            OpCode.Constant => x.Value,
            OpCode.Add => ConstantTerm(x.A!) ?? ConstantTerm(x.B!),
            OpCode.Sub => ConstantTerm(x.A!) ?? -ConstantTerm(x.B!),
            _ => null,
        };
    }

    /// <summary>Each term of a sum times s (the tree itself times s when it is not a sum); a term (k·y)² becomes (k²·s)·y².</summary>
    static Tree Scale(Tree x, double s)
    {
        if (x.Op == OpCode.Constant) return C(x.Value * s);
        if (x.Op is OpCode.Add or OpCode.Sub) return Tree.Bin(x.Op, Scale(x.A!, s), Scale(x.B!, s));
        if (x.Op == OpCode.Square && x.A!.Op == OpCode.Mul && (x.A.A!.IsConst || x.A.B!.IsConst))
        {
            var (k, y) = x.A.A.IsConst ? (x.A.A.Value, x.A.B!) : (x.A.B!.Value, x.A.A);
            return Tree.Bin(OpCode.Mul, C(k * k * s), Tree.U(OpCode.Square, y));
        }
        return Tree.Bin(OpCode.Mul, C(s), x);
    }

    /// <summary>
    /// Every constant within 10⁻⁹ (relative) of an integer, and not one already, set to that integer: the optimiser leaves
    /// 2.9999999999999996 for 3 and −0.9999999999999996 for −1. Null when there is none. Not simplified; a caller keeps
    /// the result only where it fits as well.
    /// </summary>
    public static Node[]? SnapIntegers(ReadOnlySpan<Node> postfix)
    {
        var nodes = postfix.ToArray();
        bool changed = false;
        for (int i = 0; i < nodes.Length; i++)
        {
            if (nodes[i].Op != OpCode.Constant) continue;
            double v = nodes[i].Value, r = Math.Round(v) + 0.0; // + 0.0: −0 becomes 0
            if (r == v || !(Math.Abs(v - r) <= 1e-9 * Math.Max(1, Math.Abs(v)))) continue;
            nodes[i] = Node.Const(r);
            changed = true;
        }
        return changed ? nodes : null;
    }

    /// <summary>
    /// c·(0 − y) → (−c)·y wherever a pruned constant left a subtraction from zero (the search's own rules keep 0 − y when
    /// the unary minus is not an operator), a ∓ c·y → a ± (−c)·y for a negative constant c (the sign taken into the
    /// operator: 0.33 − −0.33·y² reads 0.33 + 0.33·y²), 1·y → y (the search keeps a factor 1 as a constant to tune;
    /// a final equation does not need it), a positive factor taken under a root, c·sqrt(a + b·y) → sqrt(c²a + c²b·y)
    /// (0.0012·sqrt(2663845 + 665961·x²) reads sqrt(4 + x²)), and sqrt(y²) → y (where y is negative that changes the value;
    /// a caller keeps the result only where it fits as well); then simplified. Null when there is none.
    /// </summary>
    public static Node[]? Tidy(ReadOnlySpan<Node> postfix, bool allowNeg) => Rewrite(postfix, allowNeg, x =>
    {
        if (x.Op == OpCode.Sqrt && x.A!.Op == OpCode.Square) return x.A.A!;
        if (x.Op == OpCode.Mul && (x.A!.IsConst ? (x.A, x.B!) : x.B!.IsConst ? (x.B, x.A) : (null, null)) is ({ Value: > 0 and not 1 } f, { Op: OpCode.Sqrt } root)
            && root.A!.Op is OpCode.Add or OpCode.Sub)
            return Tree.U(OpCode.Sqrt, Simplify(Scale(root.A, f.Value * f.Value), allowNeg)); // folded, so that a factor 1 shows
        if (x.Op is OpCode.Add or OpCode.Sub && x.B!.Op == OpCode.Mul && (x.B.A!.IsConst ? x.B.A : x.B.B!.IsConst ? x.B.B : null) is { Value: < 0 } k)
        {
            var rest = ReferenceEquals(k, x.B.A) ? x.B.B! : x.B.A!;
            return Tree.Bin(x.Op == OpCode.Add ? OpCode.Sub : OpCode.Add, x.A!, Tree.Bin(OpCode.Mul, C(-k.Value), rest));
        }
        if (x.Op != OpCode.Mul) return null;
        var (c, y) = x.A!.IsConst ? (x.A, x.B!) : x.B!.IsConst ? (x.B, x.A) : (null, null);
        if (c is not null && c.IsConstValue(1)) return y;
        if (c is null || y!.Op != OpCode.Sub || !y.A!.IsConstValue(0)) return null;
        return Tree.Bin(OpCode.Mul, C(-c.Value), y.B!);
    });

    /// <summary>Applies <paramref name="rule"/> to every node, operands first (it returns the node's replacement, or null to
    /// keep it; a replacement is walked again), then simplifies; null when the rule replaced nothing.</summary>
    static Node[]? Rewrite(ReadOnlySpan<Node> postfix, bool allowNeg, Func<Tree, Tree?> rule)
    {
        bool changed = false;
        var t = Walk(Tree.FromPostfix(postfix));
        return changed ? Simplify(t, allowNeg).ToPostfix() : null;

        Tree Walk(Tree x)
        {
            if (x.A is not null) x.A = Walk(x.A);
            if (x.B is not null) x.B = Walk(x.B);
            if (rule(x) is not { } replacement) return x;
            changed = true;
            return Walk(replacement); // every rule shrinks or settles what it matched, so this ends
        }
    }

    /// <summary>
    /// Cancels a term that a sum both adds and subtracts (x0 + q − x0 → q) and a factor that a product both multiplies
    /// and divides by (x1·x0/x1 → x0; the quotient's value where that factor is 0 aside), matching subtrees exactly; then
    /// simplified. For the final equations: the search's own rules leave such pairs to mutation. Null when none cancels.
    /// </summary>
    public static Node[]? Cancel(ReadOnlySpan<Node> postfix, bool allowNeg) => Rewrite(postfix, allowNeg, x =>
    {
        bool sum = x.Op is OpCode.Add or OpCode.Sub;
        if (!sum && x.Op is not (OpCode.Mul or OpCode.Div)) return null;
        // the chain's operands, each with whether it is subtracted (sum) or divided by (product)
        var parts = new List<(Tree Part, bool Inverse)>();
        void Flatten(Tree y, bool inverse)
        {
            if (sum ? y.Op is OpCode.Add or OpCode.Sub : y.Op is OpCode.Mul or OpCode.Div)
            {
                Flatten(y.A!, inverse);
                Flatten(y.B!, inverse ^ (y.Op is OpCode.Sub or OpCode.Div));
            }
            else parts.Add((y, inverse));
        }
        Flatten(x, false);
        var keys = parts.Select(p => p.Part.ToPostfix()).ToList();
        bool cancelled = false;
        for (int i = 0; i < parts.Count; i++)
            for (int j = i + 1; j < parts.Count; j++)
                if (parts[i].Inverse != parts[j].Inverse && keys[i].AsSpan().SequenceEqual(keys[j]))
                {
                    parts.RemoveAt(j); keys.RemoveAt(j);
                    parts.RemoveAt(i); keys.RemoveAt(i);
                    cancelled = true;
                    i--;
                    break;
                }
        if (!cancelled) return null;
        var (join, split, unit) = sum ? (OpCode.Add, OpCode.Sub, 0.0) : (OpCode.Mul, OpCode.Div, 1.0);
        Tree? kept = null, removed = null;
        foreach (var (part, inverse) in parts)
            if (inverse) removed = removed is null ? part : Tree.Bin(join, removed, part);
            else kept = kept is null ? part : Tree.Bin(join, kept, part);
        kept ??= C(unit);
        return removed is null ? kept : Tree.Bin(split, kept, removed);
    });

    /// <summary>Flattens a chain of × and ÷, multiplies its constants into one, and rebuilds c·(num)/(den) when that is smaller.</summary>
    static Tree MergeProduct(Tree t)
    {
        var factors = new List<(Tree F, bool Inverse)>();
        double c = 1;
        int constants = 0;
        void Walk(Tree x, bool inv)
        {
            switch (x.Op)
            {
                case OpCode.Mul: Walk(x.A!, inv); Walk(x.B!, inv); break;
                case OpCode.Div: Walk(x.A!, inv); Walk(x.B!, !inv); break;
                case OpCode.Constant: c = inv ? c / x.Value : c * x.Value; constants++; break;
                default: factors.Add((x, inv)); break;
            }
        }
        Walk(t, false);
        if (constants < 2 || !double.IsFinite(c) || c == 0) return t;
        Tree? num = null, den = null;
        foreach (var (f, inv) in factors)
        {
            if (inv) den = den is null ? f : Tree.Bin(OpCode.Mul, den, f);
            else num = num is null ? f : Tree.Bin(OpCode.Mul, num, f);
        }
        Tree r;
        if (num is null) r = Tree.C(c);
        else r = c == 1 ? num : Tree.Bin(OpCode.Mul, Tree.C(c), num);
        if (den is not null) r = Tree.Bin(OpCode.Div, r, den);
        return r.Size < t.Size ? r : t;
    }

    /// <summary>Flattens a chain of + and −, adds its constants into one, and rebuilds c + (positive terms) − (negative terms) when smaller.</summary>
    static Tree MergeSum(Tree t)
    {
        var terms = new List<(Tree T, bool Negative)>();
        double c = 0;
        int constants = 0;
        void Walk(Tree x, bool neg)
        {
            switch (x.Op)
            {
                case OpCode.Add: Walk(x.A!, neg); Walk(x.B!, neg); break;
                case OpCode.Sub: Walk(x.A!, neg); Walk(x.B!, !neg); break;
                case OpCode.Constant: c += neg ? -x.Value : x.Value; constants++; break;
                default: terms.Add((x, neg)); break;
            }
        }
        Walk(t, false);
        if (constants < 2 || !double.IsFinite(c)) return t;
        Tree? r = null;
        foreach (var (term, neg) in terms.Where(x => !x.Negative)) r = r is null ? term : Tree.Bin(OpCode.Add, r, term);
        if (r is null) r = Tree.C(c);
        else if (c != 0) r = Tree.Bin(OpCode.Add, Tree.C(c), r);
        foreach (var (term, neg) in terms.Where(x => x.Negative)) r = Tree.Bin(OpCode.Sub, r, term);
        return r.Size < t.Size ? r : t;
    }


    static Tree C(double v) => Tree.C(v);

    static Tree Rewrite(Tree t, bool neg)
    {
        var n = t.Node;
        if (n.IsLeaf) return t;
        var a = t.A!;
        if (n.Arity == 1)
        {
            if (a.IsConst && n.Op != OpCode.CustomUnary) return C(Operators.Apply(n, a.Value));
            if (n.Op == OpCode.Neg && a.Op == OpCode.Neg) return a.A!;
            return t;
        }
        var b = t.B!;
        if (a.IsConst && b.IsConst && n.Op != OpCode.CustomBinary) return C(Operators.Apply(n, a.Value, b.Value));
        switch (n.Op)
        {
            case OpCode.Add:
                if (b.IsConst && !a.IsConst) (a, b) = (b, a); // constant first
                if (a.IsConstValue(0)) return b;
                if (a.IsConst && b.Op == OpCode.Add && b.A!.IsConst) return Tree.Bin(OpCode.Add, C(a.Value + b.A.Value), b.B!);
                if (a.IsConst && b.Op == OpCode.Sub && b.A!.IsConst) return Tree.Bin(OpCode.Sub, C(a.Value + b.A.Value), b.B!);
                if (a.IsConst && b.Op == OpCode.Sub && b.B!.IsConst) return Tree.Bin(OpCode.Add, C(a.Value - b.B.Value), b.A!);
                if (b.Op == OpCode.Neg) return Rewrite(Tree.Bin(OpCode.Sub, a, b.A!), neg);
                if (a.StructurallyEquals(b)) return Tree.Bin(OpCode.Mul, C(2), a);
                return Tree.Bin(OpCode.Add, a, b);
            case OpCode.Sub:
                if (b.IsConstValue(0)) return a;
                if (a.IsConstValue(0) && neg) return Rewrite(Tree.U(OpCode.Neg, b), neg);
                if (b.IsConst) return Rewrite(Tree.Bin(OpCode.Add, C(-b.Value), a), neg);
                if (a.IsConst && b.Op == OpCode.Add && b.A!.IsConst) return Tree.Bin(OpCode.Sub, C(a.Value - b.A.Value), b.B!);
                if (a.IsConst && b.Op == OpCode.Sub && b.A!.IsConst) return Tree.Bin(OpCode.Add, C(a.Value - b.A.Value), b.B!);
                if (b.Op == OpCode.Neg) return Rewrite(Tree.Bin(OpCode.Add, a, b.A!), neg);
                if (a.StructurallyEquals(b)) return C(0);
                return t;
            case OpCode.Mul:
                if (b.IsConst && !a.IsConst) (a, b) = (b, a);
                if (a.IsConstValue(1)) return b;
                if (a.IsConstValue(0)) return C(0);
                if (a.IsConst && b.Op == OpCode.Mul && b.A!.IsConst) return Tree.Bin(OpCode.Mul, C(a.Value * b.A.Value), b.B!);
                if (a.IsConst && b.Op == OpCode.Div && b.A!.IsConst) return Tree.Bin(OpCode.Div, C(a.Value * b.A.Value), b.B!);
                if (a.IsConst && b.Op == OpCode.Neg) return Tree.Bin(OpCode.Mul, C(-a.Value), b.A!);
                if (a.IsConstValue(-1) && neg) return Tree.U(OpCode.Neg, b);
                return Tree.Bin(OpCode.Mul, a, b);
            case OpCode.Div:
                if (b.IsConstValue(1)) return a;
                if (a.IsConstValue(0)) return C(0);
                if (b.IsConst && b.Value != 0 && double.IsFinite(1 / b.Value)) return Rewrite(Tree.Bin(OpCode.Mul, C(1 / b.Value), a), neg);
                if (a.IsConst && b.Op == OpCode.Mul && b.A!.IsConst) return Tree.Bin(OpCode.Div, C(a.Value / b.A.Value), b.B!);
                return t;
            case OpCode.Pow:
                if (b.IsConstValue(1)) return a;
                if (b.IsConstValue(0)) return C(1);
                return t;
            default:
                return t;
        }
    }
}
