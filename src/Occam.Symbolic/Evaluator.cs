using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Occam.Symbolic;

/// <summary>
/// Column-major (feature-major) data for the batched evaluator: X[f·Rows + r], pinned so the evaluator can point at
/// columns without copying. Optional target and weights.
/// </summary>
public sealed class Dataset<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal readonly T[] X;

    Dataset(int rows, int features, T[] x, T[]? y, T[]? w)
    {
        Rows = rows; Features = features; X = x; Y = y; Weights = w;
    }

    /// <summary>Number of rows (samples).</summary>
    public int Rows { get; }
    /// <summary>Number of input columns.</summary>
    public int Features { get; }
    /// <summary>The target, one value a row, or null for inputs only.</summary>
    public T[]? Y { get; }
    /// <summary>Each row's weight in the loss, or null for equal weights.</summary>
    public T[]? Weights { get; }

    /// <summary>Copies a rows × features array (and optional target / weights).</summary>
    public static Dataset<T> FromRows(double[,] x, double[]? y = null, double[]? weights = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        int rows = x.GetLength(0), features = x.GetLength(1);
        var flat = GC.AllocateArray<T>(Math.Max(1, rows * features), pinned: true);
        for (int r = 0; r < rows; r++)
            for (int f = 0; f < features; f++)
                flat[f * rows + r] = T.CreateTruncating(x[r, f]);
        return new Dataset<T>(rows, features, flat, Convert(y, rows, "y"), Convert(weights, rows, "weights"));
    }

    /// <summary>Uses columns (one array per feature, all of one length).</summary>
    public static Dataset<T> FromColumns(IReadOnlyList<double[]> columns, double[]? y = null, double[]? weights = null)
    {
        int rows = columns.Count == 0 ? y?.Length ?? 0 : columns[0].Length;
        var flat = GC.AllocateArray<T>(Math.Max(1, rows * columns.Count), pinned: true);
        for (int f = 0; f < columns.Count; f++)
        {
            if (columns[f].Length != rows) throw new ArgumentException($"column {f} has {columns[f].Length} rows, expected {rows}");
            for (int r = 0; r < rows; r++) flat[f * rows + r] = T.CreateTruncating(columns[f][r]);
        }
        return new Dataset<T>(rows, columns.Count, flat, Convert(y, rows, "y"), Convert(weights, rows, "weights"));
    }

    /// <summary>A subset of the rows (same order as <paramref name="rowIndices"/>).</summary>
    public Dataset<T> Subset(ReadOnlySpan<int> rowIndices)
    {
        int n = rowIndices.Length;
        var flat = GC.AllocateArray<T>(Math.Max(1, n * Features), pinned: true);
        for (int f = 0; f < Features; f++)
            for (int i = 0; i < n; i++) flat[f * n + i] = X[f * Rows + rowIndices[i]];
        return new Dataset<T>(n, Features, flat, Pick(Y, rowIndices), Pick(Weights, rowIndices));
    }

    static T[]? Pick(T[]? a, ReadOnlySpan<int> rowIndices)
    {
        if (a is null) return null;
        var o = GC.AllocateArray<T>(Math.Max(1, rowIndices.Length), pinned: true);
        for (int i = 0; i < rowIndices.Length; i++) o[i] = a[rowIndices[i]];
        return o;
    }

    /// <summary>Input column <paramref name="feature"/> (the data is stored column-major).</summary>
    public ReadOnlySpan<T> Column(int feature) => X.AsSpan(feature * Rows, Rows);

    static T[]? Convert(double[]? a, int rows, string name)
    {
        if (a is null) return null;
        if (a.Length != rows) throw new ArgumentException($"{name} has {a.Length} entries but x has {rows} rows");
        var o = GC.AllocateArray<T>(Math.Max(1, rows), pinned: true);
        for (int i = 0; i < rows; i++) o[i] = T.CreateTruncating(a[i]);
        return o;
    }
}

/// <summary>Which built-in loss to use.</summary>
public enum LossKind
{
    /// <summary>Mean squared error.</summary>
    L2,
    /// <summary>Mean absolute error.</summary>
    L1,
    /// <summary>Mean Huber loss: quadratic within the Huber δ, linear outside.</summary>
    Huber,
}

/// <summary>
/// Batched, vectorised evaluator (float32 or float64). Rows are processed in cache-sized batches; postfix nodes
/// are executed with a stack of batch buffers; variables point straight into the data, and every element-wise
/// operation is a SIMD kernel (TensorPrimitives / Vector&lt;T&gt;). Never throws for non-finite values.
/// One instance per thread (it owns scratch buffers).
/// </summary>
public sealed unsafe class Evaluator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows per batch.</summary>
    public const int BatchSize = 1024;

    /// <summary>
    /// In float64, exp, log, sin and cos are Occam's own SIMD kernels (<see cref="VectorMath"/>, within 1 ulp), the same code
    /// as the scalar <see cref="Operators.Apply(in Node, double)"/>, so results equal a scalar evaluation bit for bit. With
    /// <paramref name="fastMath"/> false (default) tanh and pow, and in float32 all six, use the scalar functions per element;
    /// with true they use TensorPrimitives' SIMD kernels (within a few ulp, several times faster). Arithmetic, sqrt, abs,
    /// square, cube, inv and the conditionals are SIMD either way.
    /// Custom-operator nodes refer to <paramref name="operators"/> (the expression's or the search's).
    /// </summary>
    public Evaluator(bool fastMath = false, OperatorSet? operators = null)
    {
        FastMath = fastMath;
        this.operators = operators ?? OperatorSet.Empty;
    }

    readonly OperatorSet operators;

    /// <summary>Whether transcendental functions use SIMD approximations.</summary>
    public bool FastMath { get; }

    T[] buffers = GC.AllocateArray<T>(BatchSize * 16, pinned: true);
    readonly T[] scratch = GC.AllocateArray<T>(BatchSize, pinned: true);
    T*[] stack = new T*[16];

    /// <summary>Evaluates <paramref name="expression"/> on every row into <paramref name="output"/>.</summary>
    public void Evaluate(Expression expression, Dataset<T> data, Span<T> output) =>
        Evaluate(expression.NodeArray, data, output, expression.CustomOperators); // its custom nodes refer to its own operators

    internal void Evaluate(ReadOnlySpan<Node> nodes, Dataset<T> data, Span<T> output) => Evaluate(nodes, data, output, operators);

    void Evaluate(ReadOnlySpan<Node> nodes, Dataset<T> data, Span<T> output, OperatorSet custom)
    {
        if (output.Length < data.Rows) throw new ArgumentException("output is shorter than the data");
        for (int start = 0; start < data.Rows; start += BatchSize)
        {
            int len = Math.Min(BatchSize, data.Rows - start);
            T* r = RunBatch(nodes, data, start, len, custom);
            new ReadOnlySpan<T>(r, len).CopyTo(output.Slice(start, len));
        }
    }

    /// <summary>
    /// Mean loss of the expression's predictions against the data's target (weighted mean if weights are set);
    /// +∞ as soon as any prediction is non-finite.
    /// </summary>
    public double Loss(ReadOnlySpan<Node> nodes, Dataset<T> data, LossKind kind = LossKind.L2, double huberDelta = 1.0)
    {
        var y = data.Y ?? throw new ArgumentException("the data has no target");
        double total = 0, wsum = 0;
        var w = data.Weights;
        var tmp = new Span<T>(Unsafe.AsPointer(ref scratch[0]), BatchSize);
        for (int start = 0; start < data.Rows; start += BatchSize)
        {
            int len = Math.Min(BatchSize, data.Rows - start);
            T* r = RunBatch(nodes, data, start, len, operators);
            var pred = new ReadOnlySpan<T>(r, len);
            var d = tmp[..len];
            TensorPrimitives.Subtract(pred, y.AsSpan(start, len), d);
            double part;
            switch (kind)
            {
                case LossKind.L2:
                    if (w is null) part = Kernels<T>.Dot(d, d);
                    else { TensorPrimitives.Multiply(d, d, d); part = Kernels<T>.Dot(d, w.AsSpan(start, len)); }
                    break;
                case LossKind.L1:
                    TensorPrimitives.Abs<T>(d, d);
                    part = w is null ? Kernels<T>.Sum(d) : Kernels<T>.Dot(d, w.AsSpan(start, len));
                    break;
                default:
                    part = 0;
                    for (int i = 0; i < len; i++)
                    {
                        double a = Math.Abs(double.CreateTruncating(d[i]));
                        double h = a <= huberDelta ? 0.5 * a * a : huberDelta * (a - 0.5 * huberDelta);
                        part += w is null ? h : h * double.CreateTruncating(w[start + i]);
                    }
                    break;
            }
            if (!double.IsFinite(part)) return double.PositiveInfinity;
            total += part;
        }
        if (w is null) wsum = data.Rows;
        else foreach (var v in w) wsum += double.CreateTruncating(v);
        return data.Rows == 0 ? double.PositiveInfinity : total / wsum;
    }

    void EnsureStack(int depth)
    {
        if (stack.Length >= depth) return;
        int n = Math.Max(depth, stack.Length * 2);
        stack = new T*[n];
        buffers = GC.AllocateArray<T>(BatchSize * n, pinned: true);
    }

    T[] constants = new T[16];

    /// <summary>
    /// Runs the postfix code on rows [start, start+len). Stack entries point at a variable's column (no copy) or at
    /// the slot's own buffer; a constant stays a scalar (null pointer + value) until an operation needs it as a
    /// vector, so x·c, x+c, c−x, c/x … use TensorPrimitives' scalar overloads (same IEEE results, no fill).
    /// </summary>
    T* RunBatch(ReadOnlySpan<Node> nodes, Dataset<T> data, int start, int len, OperatorSet custom)
    {
        EnsureStack(nodes.Length);
        if (constants.Length < stack.Length) constants = new T[stack.Length];
        T* baseBuf = (T*)Unsafe.AsPointer(ref buffers[0]);
        T* x = (T*)Unsafe.AsPointer(ref data.X[0]);
        int rows = data.Rows;
        int sp = 0;
        for (int i = 0; i < nodes.Length; i++)
        {
            ref readonly Node n = ref nodes[i];
            switch (n.Op)
            {
                case OpCode.Constant:
                    constants[sp] = T.CreateTruncating(n.Value);
                    stack[sp++] = null;
                    continue;
                case OpCode.Variable:
                    stack[sp++] = x + (long)n.Index * rows + start;
                    continue;
            }
            if (n.Arity == 1)
            {
                if (stack[sp - 1] == null) Materialize(baseBuf, sp - 1, len);
                T* dst = baseBuf + (sp - 1) * BatchSize;
                Unary(n, custom, new ReadOnlySpan<T>(stack[sp - 1], len), new Span<T>(dst, len));
                stack[sp - 1] = dst;
            }
            else
            {
                sp--;
                T* dst = baseBuf + (sp - 1) * BatchSize;
                var o = new Span<T>(dst, len);
                bool ca = stack[sp - 1] == null, cb = stack[sp] == null;
                if (ca && cb) { Materialize(baseBuf, sp - 1, len); ca = false; }
                if (cb && ScalarRight(n, new ReadOnlySpan<T>(stack[sp - 1], len), constants[sp], o)) { stack[sp - 1] = dst; continue; }
                if (ca && ScalarLeft(n, constants[sp - 1], new ReadOnlySpan<T>(stack[sp], len), o)) { stack[sp - 1] = dst; continue; }
                if (ca) Materialize(baseBuf, sp - 1, len);
                if (cb) Materialize(baseBuf, sp, len);
                Binary(n, custom, new ReadOnlySpan<T>(stack[sp - 1], len), new ReadOnlySpan<T>(stack[sp], len), o);
                stack[sp - 1] = dst;
            }
        }
        if (stack[0] == null) Materialize(baseBuf, 0, len);
        return stack[0];
    }

    void Materialize(T* baseBuf, int slot, int len)
    {
        T* dst = baseBuf + slot * BatchSize;
        new Span<T>(dst, len).Fill(constants[slot]);
        stack[slot] = dst;
    }

    static bool ScalarRight(in Node n, ReadOnlySpan<T> a, T c, Span<T> o)
    {
        switch (n.Op)
        {
            case OpCode.Add: TensorPrimitives.Add(a, c, o); return true;
            case OpCode.Sub: TensorPrimitives.Subtract(a, c, o); return true;
            case OpCode.Mul: TensorPrimitives.Multiply(a, c, o); return true;
            case OpCode.Div: TensorPrimitives.Divide(a, c, o); return true;
            default: return false;
        }
    }

    static bool ScalarLeft(in Node n, T c, ReadOnlySpan<T> b, Span<T> o)
    {
        switch (n.Op)
        {
            case OpCode.Add: TensorPrimitives.Add(b, c, o); return true;       // c + b = b + c exactly (IEEE addition commutes)
            case OpCode.Sub: TensorPrimitives.Subtract(c, b, o); return true;
            case OpCode.Mul: TensorPrimitives.Multiply(b, c, o); return true;
            case OpCode.Div: TensorPrimitives.Divide(c, b, o); return true;
            default: return false;
        }
    }

    void Unary(in Node n, OperatorSet custom, ReadOnlySpan<T> a, Span<T> o)
    {
        if (typeof(T) == typeof(double) && VectorMath.TryApply(n.Op, MemoryMarshal.Cast<T, double>(a), MemoryMarshal.Cast<T, double>(o))) return;
        if (typeof(T) == typeof(float) && FastMath && VectorMathF.TryApply(n.Op, MemoryMarshal.Cast<T, float>(a), MemoryMarshal.Cast<T, float>(o))) return;
        if (!FastMath && n.Op is OpCode.Exp or OpCode.Log or OpCode.Sin or OpCode.Cos or OpCode.Tanh)
        {
            for (int i = 0; i < a.Length; i++) o[i] = T.CreateTruncating(Operators.Apply(n, double.CreateTruncating(a[i])));
            return;
        }
        switch (n.Op)
        {
            case OpCode.Neg: TensorPrimitives.Negate(a, o); break;
            case OpCode.Square: TensorPrimitives.Multiply(a, a, o); break;
            case OpCode.Cube: Kernels<T>.Cube(a, o); break;
            case OpCode.Sqrt: TensorPrimitives.Sqrt(a, o); break;
            case OpCode.Exp: TensorPrimitives.Exp(a, o); break;
            case OpCode.Log: TensorPrimitives.Log(a, o); break;
            case OpCode.Abs: TensorPrimitives.Abs(a, o); break;
            case OpCode.Sin: TensorPrimitives.Sin(a, o); break;
            case OpCode.Cos: TensorPrimitives.Cos(a, o); break;
            case OpCode.Tanh: Kernels<T>.Tanh(a, o); break;
            case OpCode.Inv: TensorPrimitives.Reciprocal(a, o); break;
            case OpCode.Step: Kernels<T>.Step(a, o); break;
            default:
                for (int i = 0; i < a.Length; i++) o[i] = T.CreateTruncating(custom.Apply(n, double.CreateTruncating(a[i])));
                break;
        }
    }

    void Binary(in Node n, OperatorSet custom, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> o)
    {
        if (!FastMath && n.Op == OpCode.Pow)
        {
            for (int i = 0; i < a.Length; i++) o[i] = T.CreateTruncating(Math.Pow(double.CreateTruncating(a[i]), double.CreateTruncating(b[i])));
            return;
        }
        switch (n.Op)
        {
            case OpCode.Add: TensorPrimitives.Add(a, b, o); break;
            case OpCode.Sub: TensorPrimitives.Subtract(a, b, o); break;
            case OpCode.Mul: TensorPrimitives.Multiply(a, b, o); break;
            case OpCode.Div: TensorPrimitives.Divide(a, b, o); break;
            case OpCode.Pow: TensorPrimitives.Pow(a, b, o); break;
            case OpCode.Greater: Kernels<T>.Greater(a, b, o); break;
            case OpCode.Cond: Kernels<T>.Cond(a, b, o); break;
            default:
                for (int i = 0; i < a.Length; i++)
                    o[i] = T.CreateTruncating(custom.Apply(n, double.CreateTruncating(a[i]), double.CreateTruncating(b[i])));
                break;
        }
    }
}

/// <summary>Vector&lt;T&gt; kernels for the operators TensorPrimitives lacks. Safe when output aliases an input.</summary>
internal static class Kernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Σ aᵢbᵢ in a fixed order (vector lanes from index 0, then the tail), so the result does not depend on memory
    /// alignment — TensorPrimitives' reductions do, which would make searches differ from run to run.
    /// </summary>
    public static double Dot(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        int i = 0, w = Vector<T>.Count;
        var acc = Vector<T>.Zero;
        for (; i <= a.Length - w; i += w) acc += new Vector<T>(a[i..]) * new Vector<T>(b[i..]);
        T s = T.Zero;
        for (int j = 0; j < w; j++) s += acc[j];
        for (; i < a.Length; i++) s += a[i] * b[i];
        return double.CreateTruncating(s);
    }

    /// <summary>Σ aᵢ in a fixed order.</summary>
    public static double Sum(ReadOnlySpan<T> a)
    {
        int i = 0, w = Vector<T>.Count;
        var acc = Vector<T>.Zero;
        for (; i <= a.Length - w; i += w) acc += new Vector<T>(a[i..]);
        T s = T.Zero;
        for (int j = 0; j < w; j++) s += acc[j];
        for (; i < a.Length; i++) s += a[i];
        return double.CreateTruncating(s);
    }

    public static void Cube(ReadOnlySpan<T> a, Span<T> o)
    {
        int i = 0, w = Vector<T>.Count;
        for (; i <= a.Length - w; i += w)
        {
            var v = new Vector<T>(a[i..]);
            (v * v * v).CopyTo(o[i..]);
        }
        for (; i < a.Length; i++) o[i] = a[i] * a[i] * a[i];
    }

    /// <summary>
    /// TensorPrimitives.Tanh loses relative accuracy for small |x| (it cancels in (e^{2x}−1)/(e^{2x}+1));
    /// lanes with |x| &lt; 0.625 are recomputed with Math.Tanh.
    /// </summary>
    public static void Tanh(ReadOnlySpan<T> a, Span<T> o)
    {
        int w = Vector<T>.Count;
        var limit = new Vector<T>(T.CreateTruncating(0.625));
        Span<T> small = stackalloc T[w];
        for (int i = 0; i < a.Length; i += w)
        {
            int len = Math.Min(w, a.Length - i);
            bool any;
            if (len == w) any = Vector.LessThanAny(Vector.Abs(new Vector<T>(a[i..])), limit);
            else any = true;
            if (!any) { TensorPrimitives.Tanh(a.Slice(i, len), o.Slice(i, len)); continue; }
            a.Slice(i, len).CopyTo(small);
            TensorPrimitives.Tanh(a.Slice(i, len), o.Slice(i, len));
            for (int j = 0; j < len; j++)
                if (T.Abs(small[j]) < T.CreateTruncating(0.625)) o[i + j] = T.CreateTruncating(Math.Tanh(double.CreateTruncating(small[j])));
        }
    }

    public static void Step(ReadOnlySpan<T> a, Span<T> o)
    {
        int i = 0, w = Vector<T>.Count;
        for (; i <= a.Length - w; i += w)
        {
            var m = Vector.GreaterThan(new Vector<T>(a[i..]), Vector<T>.Zero);
            Vector.ConditionalSelect(m, Vector<T>.One, Vector<T>.Zero).CopyTo(o[i..]);
        }
        for (; i < a.Length; i++) o[i] = a[i] > T.Zero ? T.One : T.Zero;
    }

    public static void Greater(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> o)
    {
        int i = 0, w = Vector<T>.Count;
        for (; i <= a.Length - w; i += w)
        {
            var m = Vector.GreaterThan(new Vector<T>(a[i..]), new Vector<T>(b[i..]));
            Vector.ConditionalSelect(m, Vector<T>.One, Vector<T>.Zero).CopyTo(o[i..]);
        }
        for (; i < a.Length; i++) o[i] = a[i] > b[i] ? T.One : T.Zero;
    }

    public static void Cond(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> o)
    {
        int i = 0, w = Vector<T>.Count;
        for (; i <= a.Length - w; i += w)
        {
            var m = Vector.GreaterThan(new Vector<T>(a[i..]), Vector<T>.Zero);
            Vector.ConditionalSelect(m, new Vector<T>(b[i..]), Vector<T>.Zero).CopyTo(o[i..]);
        }
        for (; i < a.Length; i++) o[i] = a[i] > T.Zero ? b[i] : T.Zero;
    }
}
