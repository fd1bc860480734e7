namespace Occam.Symbolic.Tests;

/// <summary>Test-side random expression generator and a naive recursive evaluator, independent of the library's own.</summary>
internal static class RandomExpressions
{
    public static readonly OpCode[] Binary = [OpCode.Add, OpCode.Sub, OpCode.Mul, OpCode.Div, OpCode.Pow, OpCode.Greater, OpCode.Cond];
    public static readonly OpCode[] Unary =
        [OpCode.Neg, OpCode.Square, OpCode.Cube, OpCode.Sqrt, OpCode.Exp, OpCode.Log, OpCode.Abs, OpCode.Sin, OpCode.Cos, OpCode.Tanh, OpCode.Inv, OpCode.Step];

    /// <summary>A random tree with exactly <paramref name="size"/> nodes (postfix).</summary>
    public static Node[] Tree(Random rng, int size, int features, OpCode[]? binary = null, OpCode[]? unary = null, bool integerConstants = false)
    {
        binary ??= Binary;
        unary ??= Unary;
        var list = new List<Node>();
        Grow(rng, size, features, binary, unary, list, integerConstants);
        return list.ToArray();
    }

    static void Grow(Random rng, int size, int features, OpCode[] binary, OpCode[] unary, List<Node> o, bool ints)
    {
        if (size == 1)
        {
            if (rng.NextDouble() < 0.4)
            {
                double c = ints ? rng.Next(-3, 4) : Math.Round((rng.NextDouble() * 6 - 3) * 1000) / 1000 * Math.Pow(10, rng.Next(-3, 4));
                o.Add(Node.Const(c));
            }
            else o.Add(Node.Var(rng.Next(features)));
            return;
        }
        if (size == 2 || rng.NextDouble() < 0.3)
        {
            Grow(rng, size - 1, features, binary, unary, o, ints);
            o.Add(Node.Of(unary[rng.Next(unary.Length)]));
            return;
        }
        int left = 1 + rng.Next(size - 2);
        Grow(rng, left, features, binary, unary, o, ints);
        Grow(rng, size - 1 - left, features, binary, unary, o, ints);
        o.Add(Node.Of(binary[rng.Next(binary.Length)]));
    }

    /// <summary>Naive recursive evaluation from the root (index = last node), one row at a time: Math.* directly, except
    /// exp, log, sin and cos, which are Occam's own (Operators.Apply: VectorMath, tested against Math.* in VectorMathTests).</summary>
    public static double Naive(Node[] t, double[] x) => Eval(t, t.Length - 1, x, out _);

    static double Eval(Node[] t, int i, double[] x, out int start)
    {
        var n = t[i];
        switch (n.Op)
        {
            case OpCode.Constant: start = i; return n.Value;
            case OpCode.Variable: start = i; return x[n.Index];
        }
        if (n.Op is >= OpCode.Neg)
        {
            double a = Eval(t, i - 1, x, out start);
            return n.Op switch
            {
                OpCode.Neg => -a,
                OpCode.Square => a * a,
                OpCode.Cube => a * a * a,
                OpCode.Sqrt => Math.Sqrt(a),
                OpCode.Exp => Operators.Apply(n, a),
                OpCode.Log => Operators.Apply(n, a),
                OpCode.Abs => Math.Abs(a),
                OpCode.Sin => Operators.Apply(n, a),
                OpCode.Cos => Operators.Apply(n, a),
                OpCode.Tanh => Math.Tanh(a),
                OpCode.Inv => 1 / a,
                OpCode.Step => a > 0 ? 1 : 0,
                _ => throw new InvalidOperationException(),
            };
        }
        double b = Eval(t, i - 1, x, out int bs);
        double l = Eval(t, bs - 1, x, out start);
        return n.Op switch
        {
            OpCode.Add => l + b,
            OpCode.Sub => l - b,
            OpCode.Mul => l * b,
            OpCode.Div => l / b,
            OpCode.Pow => Math.Pow(l, b),
            OpCode.Greater => l > b ? 1 : 0,
            OpCode.Cond => l > 0 ? b : 0,
            _ => throw new InvalidOperationException(),
        };
    }
}
