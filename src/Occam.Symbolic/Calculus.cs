namespace Occam.Symbolic;

/// <summary>Symbolic differentiation on trees (the result is simplified by the caller).</summary>
internal static class Calculus
{
    static Tree C(double v) => Tree.C(v);
    static Tree Add(Tree a, Tree b) => Tree.Bin(OpCode.Add, a, b);
    static Tree Sub(Tree a, Tree b) => Tree.Bin(OpCode.Sub, a, b);
    static Tree Mul(Tree a, Tree b) => Tree.Bin(OpCode.Mul, a, b);
    static Tree Div(Tree a, Tree b) => Tree.Bin(OpCode.Div, a, b);
    static Tree U(OpCode op, Tree a) => Tree.U(op, a);

    public static Tree Derivative(Tree t, int v)
    {
        var n = t.Node;
        switch (n.Op)
        {
            case OpCode.Constant: return C(0);
            case OpCode.Variable: return C(n.Index == v ? 1 : 0);
        }
        var a = t.A!;
        var da = Derivative(a, v);
        if (n.Arity == 2)
        {
            var b = t.B!;
            var db = Derivative(b, v);
            return n.Op switch
            {
                OpCode.Add => Add(da, db),
                OpCode.Sub => Sub(da, db),
                OpCode.Mul => Add(Mul(da, b), Mul(a, db)),
                OpCode.Div => Div(Sub(Mul(da, b), Mul(a, db)), U(OpCode.Square, b)),
                OpCode.Pow when b.IsConst => Mul(Mul(C(b.Value), Tree.Bin(OpCode.Pow, a, C(b.Value - 1))), da),
                OpCode.Pow => Mul(t, Add(Mul(db, U(OpCode.Log, a)), Div(Mul(b, da), a))),
                OpCode.Greater => C(0),
                OpCode.Cond => Tree.Bin(OpCode.Cond, a, db),
                _ => throw new NotSupportedException($"cannot differentiate custom operator '{t.OperatorName}'"),
            };
        }
        return n.Op switch
        {
            OpCode.Neg => U(OpCode.Neg, da),
            OpCode.Square => Mul(Mul(C(2), a), da),
            OpCode.Cube => Mul(Mul(C(3), U(OpCode.Square, a)), da),
            OpCode.Sqrt => Div(da, Mul(C(2), t)),
            OpCode.Exp => Mul(t, da),
            OpCode.Log => Div(da, a),
            OpCode.Abs => Mul(Sub(Tree.Bin(OpCode.Greater, a, C(0)), Tree.Bin(OpCode.Greater, C(0), a)), da),
            OpCode.Sin => Mul(U(OpCode.Cos, a), da),
            OpCode.Cos => Mul(U(OpCode.Neg, U(OpCode.Sin, a)), da),
            OpCode.Tanh => Mul(Sub(C(1), U(OpCode.Square, t)), da),
            OpCode.Inv => Div(U(OpCode.Neg, da), U(OpCode.Square, a)),
            OpCode.Step => C(0),
            _ => throw new NotSupportedException($"cannot differentiate custom operator '{t.OperatorName}'"),
        };
    }
}
