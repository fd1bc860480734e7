using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Occam.Symbolic;

/// <summary>
/// Levenberg–Marquardt on the (weighted) squared error with an exact Jacobian from forward-mode automatic
/// differentiation (dual numbers carrying one tangent per constant), with random restarts. For a mean-absolute-error
/// search, <c>leastAbsolute</c> follows with a few rounds of iteratively reweighted least squares (weights
/// 1 / |residual|), so that the constants minimise the absolute error rather than being pulled by outliers.
/// Constants the loss has no gradient in (a conditional's threshold: the loss is piecewise constant in it) are moved by
/// a derivative-free pattern search instead, alternating with Levenberg–Marquardt on the rest.
/// </summary>
internal sealed class ConstantOptimizer
{
    readonly double[] columns; // feature-major
    readonly int rows, features;
    readonly double[] y;
    readonly double[]? baseWeights;
    readonly bool leastAbsolute;
    readonly OperatorSet operators;
    readonly bool thresholds;
    double[]? w;
    internal double[]? residuals; // each row's residual, written by Accumulate where set
    double[] val = [], der = [];
    int[] lo = [], hi = [];
    readonly double[] scale = new double[Block], scaleB = new double[Block];

    /// <param name="data">The data the constants are fitted to (and the target).</param>
    /// <param name="leastAbsolute">Minimise the absolute error (an L1 search) instead of the squared error.</param>
    /// <param name="thresholds">Whether to move the constants the loss has no gradient in (see <see cref="PatternSearch"/>).
    /// The search's inner loop leaves them to mutation, since there the pattern search cost 85 % of the rounds on a step
    /// law (7 rounds in 20 s instead of 59), and fits them once on the final hall of fame.</param>
    /// <param name="operators">The custom operators the nodes refer to.</param>
    public ConstantOptimizer(Dataset<double> data, bool leastAbsolute = false, bool thresholds = true, OperatorSet? operators = null)
    {
        this.operators = operators ?? OperatorSet.Empty;
        rows = data.Rows; features = data.Features;
        columns = data.X; y = data.Y!; w = baseWeights = data.Weights;
        this.leastAbsolute = leastAbsolute;
        this.thresholds = thresholds;
    }

    /// <summary>At most this many rounds of reweighting for a least-absolute-error fit; they stop once the mean absolute
    /// error improves by less than 1e-4 (relative).</summary>
    const int ReweightRounds = 8;

    /// <summary>Optimises the constants in place; returns the squared-error loss reached (mean, weighted).</summary>
    public double Optimize(Node[] nodes, Rng rng, int iterations, int restarts, out long evaluations)
    {
        evaluations = 0;
        int k = 0;
        foreach (var n in nodes) if (n.Op == OpCode.Constant) k++;
        var p0 = new double[k];
        Read(nodes, p0);
        if (k == 0) return double.NaN;
        var best = (double[])p0.Clone();
        double bestLoss = Run(nodes, best, iterations, ref evaluations);
        for (int r = 0; r < restarts; r++)
        {
            var p = new double[k];
            // The last restart is wide: each constant scaled by a log-uniform factor in [1/4, 4], which reaches other basins
            // of a frequency or a rate (cos(c·x) from c = 1 rarely climbs to c = 3); the others stay near the start.
            bool wide = r == restarts - 1;
            for (int j = 0; j < k; j++) p[j] = wide ? p0[j] * Math.Pow(2, 4 * rng.NextDouble() - 2) : p0[j] * (1 + 0.5 * rng.Normal());
            double l = Run(nodes, p, iterations, ref evaluations);
            if (l < bestLoss) { bestLoss = l; best = p; }
        }
        var flat = thresholds ? FlatConstants(nodes, best, ref evaluations) : [];
        if (flat.Length > 0 && double.IsFinite(bestLoss))
            for (int pass = 0; pass < FlatPasses; pass++)
            {
                bool moved = false;
                foreach (int j in flat) moved |= PatternSearch(nodes, best, j, ref evaluations);
                if (!moved) break;
                bestLoss = Run(nodes, best, iterations, ref evaluations);
            }
        if (leastAbsolute) bestLoss = Reweighted(nodes, best, iterations, ref evaluations);
        Write(nodes, best);
        return bestLoss;
    }

    /// <summary>Rounds of the pattern search on the flat constants, each followed by Levenberg–Marquardt on the rest.</summary>
    const int FlatPasses = 3;

    /// <summary>The constants whose derivative is zero on every row at p: those inside a conditional's condition (cond or
    /// greater).</summary>
    int[] FlatConstants(Node[] nodes, double[] p, ref long evaluations)
    {
        int k = p.Length;
        bool conditional = false;
        foreach (var n in nodes) conditional |= n.Op is OpCode.Cond or OpCode.Greater;
        if (!conditional) return [];
        var jtj = new double[k * k];
        if (!double.IsFinite(Accumulate(nodes, p, jtj, new double[k], true))) return [];
        evaluations++;
        return Enumerable.Range(0, k).Where(j => jtj[j * k + j] == 0).ToArray();
    }

    const int PatternEvaluations = 200;

    /// <summary>The loss the pattern search compares: the mean (weighted) absolute error for a least-absolute fit, else the
    /// squared error.</summary>
    double Objective(Node[] nodes, double[] p)
    {
        if (!leastAbsolute) return Accumulate(nodes, p, null, null, false);
        residuals ??= new double[rows];
        if (!double.IsFinite(Accumulate(nodes, p, null, null, false))) return double.PositiveInfinity;
        double sum = 0, wsum = 0;
        for (int r = 0; r < rows; r++)
        {
            double wi = baseWeights is null ? 1.0 : baseWeights[r];
            sum += wi * Math.Abs(residuals[r]);
            wsum += wi;
        }
        return sum / Math.Max(wsum, 1e-300);
    }

    /// <summary>Moves the flat constant j by <see cref="Compass"/> on <see cref="Objective"/>.</summary>
    bool PatternSearch(Node[] nodes, double[] p, int j, ref long evaluations)
    {
        double loss = Objective(nodes, p);
        evaluations++;
        return Compass(p, j, q => Objective(nodes, q), ref loss, ref evaluations, 1e-4);
    }

    /// <summary>
    /// Moves p[j] (in place) by a compass search on <paramref name="loss"/>: steps of ±s from s = |p_j|/4 (or 1/4 when
    /// p_j is 0), halving s after a step fails both ways, down to <paramref name="tolerance"/> of the start, taking a
    /// step only where the loss strictly falls (at most <see cref="PatternEvaluations"/> losses). Needs no derivative: a
    /// loss piecewise constant in a threshold, with a jump at each row's crossing, gets a locally best crossing to within
    /// the final step. <paramref name="current"/> is the loss at p on entry and at the result on return. Returns whether
    /// p[j] moved.
    /// </summary>
    internal static bool Compass(double[] p, int j, Func<double[], double> loss, ref double current, ref long evaluations, double tolerance)
    {
        double start = p[j];
        if (!double.IsFinite(current)) return false;
        double step = 0.25 * (start != 0 ? Math.Abs(start) : 1), smallest = tolerance * step;
        for (int tries = 0; step >= smallest && tries < PatternEvaluations; tries++)
        {
            bool improved = false;
            foreach (double sign in (ReadOnlySpan<double>)[1, -1])
            {
                double keep = p[j];
                p[j] = keep + sign * step;
                double l = loss(p);
                evaluations++;
                if (l < current) { current = l; improved = true; break; }
                p[j] = keep;
            }
            if (!improved) step *= 0.5;
        }
        return p[j] != start;
    }

    /// <summary>Iteratively reweighted least squares towards the least-absolute-error constants (in place); returns the
    /// squared-error loss at the result.</summary>
    double Reweighted(Node[] nodes, double[] p, int iterations, ref long evaluations)
    {
        residuals ??= new double[rows];
        var irls = new double[rows];
        var best = (double[])p.Clone();
        double bestAbs = double.PositiveInfinity;
        for (int round = 0; round <= ReweightRounds; round++)
        {
            w = baseWeights;
            double loss = Accumulate(nodes, p, null, null, false);
            evaluations++;
            if (!double.IsFinite(loss)) break;
            double meanAbs = 0;
            for (int r = 0; r < rows; r++) meanAbs += Math.Abs(residuals[r]);
            meanAbs /= rows;
            bool progress = meanAbs < bestAbs * (1 - 1e-4);
            if (meanAbs < bestAbs) { bestAbs = meanAbs; Array.Copy(p, best, p.Length); }
            if (!progress || round == ReweightRounds) break;
            double floor = 1e-6 * meanAbs + 1e-300;
            for (int r = 0; r < rows; r++) irls[r] = (baseWeights is null ? 1.0 : baseWeights[r]) / Math.Max(Math.Abs(residuals[r]), floor);
            w = irls;
            Run(nodes, p, iterations, ref evaluations);
        }
        w = baseWeights;
        Array.Copy(best, p, p.Length);
        double result = Accumulate(nodes, p, null, null, false);
        evaluations++;
        return result;
    }

    internal static void Read(Node[] nodes, double[] p)
    {
        int j = 0;
        foreach (var n in nodes) if (n.Op == OpCode.Constant) p[j++] = n.Value;
    }

    internal static void Write(Node[] nodes, double[] p)
    {
        int j = 0;
        for (int i = 0; i < nodes.Length; i++) if (nodes[i].Op == OpCode.Constant) nodes[i] = Node.Const(p[j++]);
    }

    /// <summary>
    /// Levenberg–Marquardt from p (in place); returns the loss reached. Each trial step is evaluated with its Jacobian,
    /// which is the next iteration's when the step is taken (most are), in place of a plain evaluation followed by one with
    /// the Jacobian at the accepted point: the same numbers, fewer passes. Evaluations are counted as the two passes.
    /// </summary>
    double Run(Node[] nodes, double[] p, int iterations, ref long evaluations)
    {
        int k = p.Length;
        var a = new double[k * k];
        var g = new double[k];
        var a2 = new double[k * k];
        var g2 = new double[k];
        var m = new double[k * k];
        var delta = new double[k];
        var trial = new double[k];
        double loss = Accumulate(nodes, p, a, g, true);
        evaluations++;
        if (!double.IsFinite(loss)) return double.PositiveInfinity;
        double lambda = 1e-3;
        for (int it = 0; it < iterations; it++)
        {
            bool improved = false;
            for (int attempt = 0; attempt < 8 && !improved; attempt++)
            {
                for (int i = 0; i < k * k; i++) m[i] = a[i];
                for (int i = 0; i < k; i++) m[i * k + i] += lambda * (a[i * k + i] + 1e-12);
                for (int i = 0; i < k; i++) delta[i] = -g[i];
                if (!Solve(m, delta, k)) { lambda *= 10; continue; }
                for (int i = 0; i < k; i++) trial[i] = p[i] + delta[i];
                Accumulate(nodes, trial, a2, g2, true);
                double l = plainLoss; // the loss alone, finite even where the Jacobian is not
                evaluations++;
                if (double.IsFinite(l) && l < loss)
                {
                    double rel = (loss - l) / Math.Max(loss, 1e-300);
                    Array.Copy(trial, p, k);
                    loss = l;
                    lambda = Math.Max(lambda * 0.3, 1e-12);
                    improved = true;
                    if (rel < 1e-12) return loss;
                    (a, a2) = (a2, a);
                    (g, g2) = (g2, g);
                }
                else lambda *= 10;
            }
            if (!improved) break;
            evaluations++; // the Jacobian at the new point, computed with the trial
        }
        return loss;
    }

    /// <summary>Cholesky-free Gaussian elimination with partial pivoting; solves m·x = b in place of b.</summary>
    static bool Solve(double[] m, double[] b, int k)
    {
        for (int c = 0; c < k; c++)
        {
            int piv = c;
            for (int r = c + 1; r < k; r++) if (Math.Abs(m[r * k + c]) > Math.Abs(m[piv * k + c])) piv = r;
            if (!(Math.Abs(m[piv * k + c]) > 1e-300)) return false;
            if (piv != c)
            {
                for (int j = 0; j < k; j++) (m[c * k + j], m[piv * k + j]) = (m[piv * k + j], m[c * k + j]);
                (b[c], b[piv]) = (b[piv], b[c]);
            }
            for (int r = c + 1; r < k; r++)
            {
                double f = m[r * k + c] / m[c * k + c];
                if (f == 0) continue;
                for (int j = c; j < k; j++) m[r * k + j] -= f * m[c * k + j];
                b[r] -= f * b[c];
            }
        }
        for (int c = k - 1; c >= 0; c--)
        {
            double s = b[c];
            for (int j = c + 1; j < k; j++) s -= m[c * k + j] * b[j];
            b[c] = s / m[c * k + c];
            if (!double.IsFinite(b[c])) return false;
        }
        return true;
    }

    /// <summary>Rows are evaluated in blocks of this many, node by node: each stack slot holds a column of values over the
    /// block's rows and, for the Jacobian, one column of tangents per constant of its subtree.</summary>
    const int Block = 256;

    /// <summary>
    /// Mean weighted squared error at constants p; with <paramref name="jac"/>, also JᵀWJ and JᵀWr (unnormalised).
    /// Forward-mode differentiation over blocks of rows. A subtree's constants are contiguous in postfix order, so a stack
    /// slot carries tangents only for its own constants [lo, hi): the rest are zero. Every value is computed by the same
    /// scalar operations, and the sums over rows in the same order, as one row at a time with a tangent for every
    /// constant, so the loss, JᵀWJ, JᵀWr and residuals are identical to that (tests against RowByRowAccumulate). The
    /// element-wise work runs eight rows to a SIMD vector (lanes past the block's last row compute on stale values and are
    /// never read), and JᵀWJ's rows take eight constants to a vector; neither changes an operation or its order.
    /// </summary>
    internal double Accumulate(Node[] nodes, double[] p, double[]? jtj, double[]? jtr, bool jac)
    {
        int k = p.Length, slots = nodes.Length, kp = Whole(k);
        if (val.Length < slots * Block) val = new double[slots * Block];
        if (jac && der.Length < slots * k * Block) der = new double[slots * k * Block];
        if (lo.Length < slots) { lo = new int[slots]; hi = new int[slots]; }
        if (jac)
        {
            if (gram.Length < kp * kp) { gram = new double[kp * kp]; gradient = new double[kp]; }
            if (rowTangents.Length < Block * kp) rowTangents = new double[Block * kp];
            Array.Clear(gram, 0, kp * kp);
            Array.Clear(gradient, 0, kp);
            Array.Clear(rowTangents, 0, Block * kp); // the padding columns stay zero
        }
        double total = 0, wsum = 0;
        for (int r0 = 0; r0 < rows; r0 += Block)
        {
            int nb = Math.Min(Block, rows - r0), nv = Whole(nb);
            int sp = 0, ci = 0;
            foreach (var n in nodes)
            {
                if (n.Op == OpCode.Constant)
                {
                    val.AsSpan(sp * Block, nb).Fill(p[ci]);
                    if (jac) Tangent(sp, ci, k).Slice(0, nb).Fill(1);
                    lo[sp] = ci; hi[sp] = ++ci;
                    sp++;
                }
                else if (n.Op == OpCode.Variable)
                {
                    columns.AsSpan(n.Index * rows + r0, nb).CopyTo(val.AsSpan(sp * Block, nb));
                    lo[sp] = hi[sp] = ci;
                    sp++;
                }
                else if (n.Arity == 1)
                {
                    var x = val.AsSpan((sp - 1) * Block, nb);
                    if (!VectorUnary(n.Op, x, scale) && !ElementwiseUnary(n.Op, val.AsSpan((sp - 1) * Block, nv), scale))
                        for (int b = 0; b < nb; b++)
                        {
                            double fx = operators.Apply(n, x[b]);
                            if (jac) scale[b] = UnaryDerivative(n, x[b], fx, operators);
                            x[b] = fx;
                        }
                    if (jac) ScaleTangents(sp - 1, lo[sp - 1], hi[sp - 1], k, scale, nv);
                }
                else
                {
                    sp--;
                    var a = val.AsSpan((sp - 1) * Block, nv);
                    var bv = val.AsSpan(sp * Block, nv);
                    if (n.Op is OpCode.Add or OpCode.Sub)
                    {
                        // ∂/∂a = 1 and ∂/∂b = ±1: the left tangents stay, the right ones move over (negated for −).
                        double sign = n.Op == OpCode.Add ? 1 : -1;
                        var s = Vector512.Create(sign);
                        for (int b = 0; b < nv; b += Lanes) (V(a, b) + s * V(bv, b)).CopyTo(a[b..]);
                        if (jac)
                            for (int j = lo[sp]; j < hi[sp]; j++) ScaledCopy(Tangent(sp, j, k), Tangent(sp - 1, j, k), s, nv);
                    }
                    else
                    {
                        if (!ElementwiseBinary(n.Op, a, bv, scale, scaleB))
                            for (int b = 0; b < nb; b++)
                            {
                                double fx = operators.Apply(n, a[b], bv[b]);
                                if (jac) BinaryDerivative(n, a[b], bv[b], fx, out scale[b], out scaleB[b], operators);
                                a[b] = fx;
                            }
                        if (jac)
                        {
                            // The right operand's constants follow the left's: [lo_a, hi_a) then [hi_a, hi_b).
                            ScaleTangents(sp - 1, lo[sp - 1], hi[sp - 1], k, scale, nv);
                            for (int j = lo[sp]; j < hi[sp]; j++) ScaledCopy(Tangent(sp, j, k), Tangent(sp - 1, j, k), scaleB, nv);
                        }
                    }
                    hi[sp - 1] = hi[sp];
                }
            }
            if (jac)
                for (int c = 0; c < k; c++)
                {
                    var d = Tangent(0, c, k);
                    for (int b = 0; b < nb; b++) rowTangents[b * kp + c] = d[b];
                }
            // Residuals eight rows at a time, then the sums row by row in order (a weight of 1 is exact: 1·res = res).
            var res = blockResiduals.AsSpan(0, nb);
            int whole = nb / Lanes * Lanes;
            for (int b = 0; b < whole; b += Lanes)
                (V(val, b) - Vector512.Create(y.AsSpan(r0 + b, Lanes))).CopyTo(blockResiduals.AsSpan(b));
            for (int b = whole; b < nb; b++) res[b] = val[b] - y[r0 + b];
            if (residuals is not null) res.CopyTo(residuals.AsSpan(r0, nb));
            var wb = w is null ? default : w.AsSpan(r0, nb);
            if (w is null)
            {
                foreach (double e in res) total += e * e;
                wsum += nb; // a sum of ones, exact
            }
            else
                for (int b = 0; b < nb; b++)
                {
                    total += wb[b] * res[b] * res[b];
                    wsum += wb[b];
                }
            if (jac) AddRows(nb, k, kp, res, wb);
        }
        double loss = total / Math.Max(wsum, 1e-300);
        plainLoss = double.IsFinite(loss) ? loss : double.PositiveInfinity;
        if (jac)
        {
            for (int c = 0; c < k; c++) gram.AsSpan(c * kp, k).CopyTo(jtj.AsSpan(c * k, k));
            gradient.AsSpan(0, k).CopyTo(jtr);
            foreach (var v in jtj!) if (!double.IsFinite(v)) return double.PositiveInfinity;
            foreach (var v in jtr!) if (!double.IsFinite(v)) return double.PositiveInfinity;
        }
        return double.IsFinite(loss) ? loss : double.PositiveInfinity;
    }

    readonly double[] blockResiduals = new double[Block];
    double plainLoss; // the last Accumulate's loss, whatever its Jacobian
    double[] gram = [], gradient = [], rowTangents = []; // JᵀWJ and JᵀWr padded to whole vectors; a block's tangents row by row

    /// <summary>
    /// Adds a block's rows to JᵀWJ and JᵀWr (<see cref="gram"/>, <see cref="gradient"/>): row by row in order, each entry
    /// plus (t_c·w)·t_e, skipped where t_c·w is zero, as the row-by-row form does. Four rows of JᵀWJ, eight columns
    /// each, are held in registers over the block's rows; the padding constants' tangents are zero and so skipped.
    /// </summary>
    void AddRows(int nb, int k, int kp, ReadOnlySpan<double> res, ReadOnlySpan<double> weights)
    {
        var t = rowTangents.AsSpan(0, nb * kp);
        bool weighted = !weights.IsEmpty;
        for (int c0 = 0; c0 < k; c0 += 4)
            for (int e0 = 0; e0 < kp; e0 += Lanes)
            {
                bool first = e0 == 0;
                var g = gram.AsSpan();
                Vector512<double> a0 = V(g, c0 * kp + e0), a1 = V(g, (c0 + 1) * kp + e0),
                    a2 = V(g, (c0 + 2) * kp + e0), a3 = V(g, (c0 + 3) * kp + e0);
                double s0 = gradient[c0], s1 = gradient[c0 + 1], s2 = gradient[c0 + 2], s3 = gradient[c0 + 3];
                for (int b = 0, o = 0; b < nb; b++, o += kp)
                {
                    double wi = weighted ? weights[b] : 1.0, rb = res[b];
                    var te = V(t, o + e0);
                    double d0 = t[o + c0] * wi, d1 = t[o + c0 + 1] * wi, d2 = t[o + c0 + 2] * wi, d3 = t[o + c0 + 3] * wi;
                    if (d0 != 0) { a0 += Vector512.Create(d0) * te; s0 += d0 * rb; }
                    if (d1 != 0) { a1 += Vector512.Create(d1) * te; s1 += d1 * rb; }
                    if (d2 != 0) { a2 += Vector512.Create(d2) * te; s2 += d2 * rb; }
                    if (d3 != 0) { a3 += Vector512.Create(d3) * te; s3 += d3 * rb; }
                }
                a0.CopyTo(g[(c0 * kp + e0)..]);
                a1.CopyTo(g[((c0 + 1) * kp + e0)..]);
                a2.CopyTo(g[((c0 + 2) * kp + e0)..]);
                a3.CopyTo(g[((c0 + 3) * kp + e0)..]);
                if (!first) continue;
                gradient[c0] = s0; gradient[c0 + 1] = s1; gradient[c0 + 2] = s2; gradient[c0 + 3] = s3;
            }
    }

    const int Lanes = 8; // doubles in a Vector512
    static int Whole(int n) => (n + Lanes - 1) / Lanes * Lanes;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<double> V(Span<double> s, int i) => Vector512.Create((ReadOnlySpan<double>)s.Slice(i, Lanes));

    /// <summary>to = from·factor row by row, zero where from is zero, over the first <paramref name="n"/> rows (whole vectors).</summary>
    static void ScaledCopy(Span<double> from, Span<double> to, ReadOnlySpan<double> factor, int n)
    {
        for (int b = 0; b < n; b += Lanes)
        {
            var f = V(from, b);
            Vector512.ConditionalSelect(Vector512.Equals(f, Vector512<double>.Zero), Vector512<double>.Zero,
                f * Vector512.Create(factor.Slice(b, Lanes))).CopyTo(to[b..]);
        }
    }

    static void ScaledCopy(Span<double> from, Span<double> to, Vector512<double> factor, int n)
    {
        for (int b = 0; b < n; b += Lanes)
        {
            var f = V(from, b);
            Vector512.ConditionalSelect(Vector512.Equals(f, Vector512<double>.Zero), Vector512<double>.Zero, factor * f).CopyTo(to[b..]);
        }
    }

    /// <summary>The unary operators whose value and derivative are plain arithmetic, over whole vectors: f(x) over x, f′(x)
    /// into <paramref name="derivative"/>, by the same operations as <see cref="Operators.Apply(in Node, double)"/> and
    /// <see cref="UnaryDerivative"/>. False for the others.</summary>
    static bool ElementwiseUnary(OpCode op, Span<double> x, Span<double> derivative)
    {
        if (op is not (OpCode.Square or OpCode.Neg or OpCode.Sqrt or OpCode.Inv or OpCode.Cube)) return false;
        var two = Vector512.Create(2.0);
        for (int b = 0; b < x.Length; b += Lanes)
        {
            var v = V(x, b);
            var (fx, d) = op switch
            {
                OpCode.Square => (v * v, two * v),
                OpCode.Neg => (-v, Vector512.Create(-1.0)),
                OpCode.Cube => (v * v * v, Vector512.Create(3.0) * v * v),
                OpCode.Inv => InvLanes(v),
                _ => SqrtLanes(v),
            };
            fx.CopyTo(x[b..]);
            d.CopyTo(derivative[b..]);
        }
        return true;

        static (Vector512<double>, Vector512<double>) InvLanes(Vector512<double> v)
        {
            var fx = Vector512<double>.One / v;
            return (fx, -fx * fx);
        }

        static (Vector512<double>, Vector512<double>) SqrtLanes(Vector512<double> v)
        {
            var fx = Vector512.Sqrt(v);
            return (fx, Vector512.Create(0.5) / fx);
        }
    }

    /// <summary>× and ÷ over whole vectors: a ∘ b over a, ∂/∂a and ∂/∂b into pa and pb, by the same operations as
    /// <see cref="Operators.Apply(in Node, double, double)"/> and <see cref="BinaryDerivative"/>. False for the others.</summary>
    static bool ElementwiseBinary(OpCode op, Span<double> a, Span<double> bv, Span<double> pa, Span<double> pb)
    {
        if (op is not (OpCode.Mul or OpCode.Div)) return false;
        for (int b = 0; b < a.Length; b += Lanes)
        {
            var x = V(a, b);
            var y = V(bv, b);
            if (op == OpCode.Mul)
            {
                y.CopyTo(pa[b..]);
                x.CopyTo(pb[b..]);
                (x * y).CopyTo(a[b..]);
            }
            else
            {
                (Vector512<double>.One / y).CopyTo(pa[b..]);
                (-x / (y * y)).CopyTo(pb[b..]);
                (x / y).CopyTo(a[b..]);
            }
        }
        return true;
    }

    /// <summary>
    /// sin, cos, exp and log of a block with <see cref="VectorMath"/>'s SIMD kernels, writing f(x) over x and f′(x) into
    /// <paramref name="derivative"/>: the same values, bit for bit, as <see cref="Operators.Apply(in Node, double)"/> and
    /// <see cref="UnaryDerivative"/> row by row. False for the other operators.
    /// </summary>
    bool VectorUnary(OpCode op, Span<double> x, Span<double> derivative)
    {
        var d = derivative[..x.Length];
        switch (op)
        {
            case OpCode.Sin: VectorMath.SinCos(x, x, d); return true;
            case OpCode.Cos:
                VectorMath.SinCos(x, d, x);
                System.Numerics.Tensors.TensorPrimitives.Negate(d, d);
                return true;
            case OpCode.Exp:
                VectorMath.Exp(x, x);
                x.CopyTo(d);
                return true;
            case OpCode.Log:
                System.Numerics.Tensors.TensorPrimitives.Divide(1.0, x, d);
                VectorMath.Log(x, x);
                return true;
            default: return false;
        }
    }

    /// <summary>The tangent column of constant j in stack slot s (over a block of rows).</summary>
    Span<double> Tangent(int s, int j, int k) => der.AsSpan((s * k + j) * Block, Block);

    /// <summary>Multiplies slot s's tangents for constants [from, to) by each row's factor (zero tangents stay zero, so
    /// an infinite factor does not turn a constant the subtree does not depend on into NaN).</summary>
    void ScaleTangents(int s, int from, int to, int k, double[] factor, int n)
    {
        for (int j = from; j < to; j++)
        {
            var d = Tangent(s, j, k);
            ScaledCopy(d, d, factor, n);
        }
    }


    /// <summary>f′(x) of a unary node, where fx = f(x); a custom operator's by central differences (<paramref name="operators"/>
    /// holds it).</summary>
    internal static double UnaryDerivative(in Node n, double x, double fx, OperatorSet? operators = null) => n.Op switch
    {
        OpCode.Neg => -1,
        OpCode.Square => 2 * x,
        OpCode.Cube => 3 * x * x,
        OpCode.Sqrt => 0.5 / fx,
        OpCode.Exp => fx,
        OpCode.Log => 1 / x,
        OpCode.Abs => x > 0 ? 1 : x < 0 ? -1 : 0,
        OpCode.Sin => VectorMath.Cos(x),
        OpCode.Cos => -VectorMath.Sin(x),
        OpCode.Tanh => 1 - fx * fx,
        OpCode.Inv => -fx * fx,
        OpCode.Step => 0,
        _ => CentralDifference(n, x, operators!),
    };

    static double CentralDifference(in Node n, double x, OperatorSet operators)
    {
        double h = 1e-6 * Math.Max(1, Math.Abs(x));
        return (operators.Apply(n, x + h) - operators.Apply(n, x - h)) / (2 * h);
    }

    /// <summary>∂f/∂a and ∂f/∂b of a binary node at (a, b), where f is its value; a custom operator's by central
    /// differences (<paramref name="operators"/> holds it).</summary>
    internal static void BinaryDerivative(in Node n, double a, double b, double f, out double pa, out double pb, OperatorSet? operators = null)
    {
        switch (n.Op)
        {
            case OpCode.Add: pa = 1; pb = 1; return;
            case OpCode.Sub: pa = 1; pb = -1; return;
            case OpCode.Mul: pa = b; pb = a; return;
            case OpCode.Div: pa = 1 / b; pb = -a / (b * b); return;
            case OpCode.Pow:
                pa = b == 0 ? 0 : b * Math.Pow(a, b - 1);
                pb = a > 0 ? f * Math.Log(a) : 0;
                return;
            case OpCode.Greater: pa = 0; pb = 0; return;
            case OpCode.Cond: pa = 0; pb = a > 0 ? 1 : 0; return;
            default:
            {
                double ha = 1e-6 * Math.Max(1, Math.Abs(a)), hb = 1e-6 * Math.Max(1, Math.Abs(b));
                pa = (operators!.Apply(n, a + ha, b) - operators.Apply(n, a - ha, b)) / (2 * ha);
                pb = (operators.Apply(n, a, b + hb) - operators.Apply(n, a, b - hb)) / (2 * hb);
                return;
            }
        }
    }
}
