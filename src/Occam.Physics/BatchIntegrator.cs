using System.Runtime.Intrinsics;
using static Occam.Physics.DormandPrince;

namespace Occam.Physics;

/// <summary>
/// The Dormand–Prince 5(4) integrator of <see cref="Integrator"/>, vectorised over simulations: four
/// simulations (one per lane of a <see cref="Vector256{T}"/>) advance together with a shared step size, chosen
/// from the largest of their four error norms, so every lane meets the tolerance at least as well as it would
/// alone. Used for the built-in radial potentials; a batch always holds simulations 4b … 4b + 3, whatever the
/// total count, so each simulation's result depends only on the seed and its index.
/// </summary>
internal sealed class BatchIntegrator<TKernel> : IBatchIntegrator where TKernel : struct, IRadialKernel
{
    public const int Lanes = IBatchIntegrator.Lanes;

    readonly ParticleSystem _system;
    readonly int _n, _dim, _half, _size;
    readonly double _tol, _damping;
    readonly Vector256<double>[] _y, _yNew, _yTmp, _k1, _k2, _k3, _k4, _k5, _k6, _k7, _m, _q, _invM;

    double[][] _masses = [], _charges = [];

    public BatchIntegrator(ParticleSystem system, int n, int dim, double tolerance)
    {
        _system = system;
        double damping = system.Damping;
        _n = n;
        _dim = dim;
        _half = n * dim;
        _size = 2 * _half;
        _tol = tolerance;
        _damping = damping;
        _y = new Vector256<double>[_size];
        _yNew = new Vector256<double>[_size];
        _yTmp = new Vector256<double>[_size];
        _k1 = new Vector256<double>[_size];
        _k2 = new Vector256<double>[_size];
        _k3 = new Vector256<double>[_size];
        _k4 = new Vector256<double>[_size];
        _k5 = new Vector256<double>[_size];
        _k6 = new Vector256<double>[_size];
        _k7 = new Vector256<double>[_size];
        _m = new Vector256<double>[n];
        _q = new Vector256<double>[n];
        _invM = new Vector256<double>[n];
    }

    void Derivative(Vector256<double>[] y, Vector256<double>[] dy)
    {
        int n = _n, dim = _dim, half = _half;
        Array.Copy(y, half, dy, 0, half);
        var a = dy.AsSpan(half, half);
        var x = y.AsSpan(0, half);
        a.Clear();
        var soft = Vector256.Create(ParticleSystem.DefaultSoftening);
        Span<Vector256<double>> delta = stackalloc Vector256<double>[3];
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                var r2 = Vector256<double>.Zero;
                for (int k = 0; k < dim; k++)
                {
                    var d = x[i * dim + k] - x[j * dim + k];
                    delta[k] = d;
                    r2 += d * d;
                }
                var r = Vector256.Sqrt(r2);
                var s = -TKernel.Derivative(r + soft, _m[i], _m[j], _q[i], _q[j]) / r;
                // Coincident bodies: no direction, no force (and no 0/0).
                s = Vector256.ConditionalSelect(Vector256.GreaterThan(r, Vector256<double>.Zero), s, Vector256<double>.Zero);
                for (int k = 0; k < dim; k++)
                {
                    var f = s * delta[k];
                    a[i * dim + k] += f;
                    a[j * dim + k] -= f;
                }
            }
        }
        var b = Vector256.Create(_damping);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < dim; k++)
                a[i * dim + k] = (a[i * dim + k] - b * y[half + i * dim + k]) * _invM[i];
    }

    /// <summary>
    /// Integrates four simulations. Inputs per lane l: x0/v0 (n × dim each), m/q (n); outputs are written for the
    /// lanes whose <paramref name="outputs"/> entry is non-null, each (steps × n × dim).
    /// </summary>
    public void Run(double[][] x0, double[][] v0, double[][] m, double[][] q, double dt, int steps,
        (Memory<double> X, Memory<double> V, Memory<double> A)?[] outputs, CancellationToken cancellationToken)
    {
        _masses = m;
        _charges = q;
        Span<double> lane = stackalloc double[Lanes];
        for (int c = 0; c < _half; c++)
        {
            for (int l = 0; l < Lanes; l++) lane[l] = x0[l][c];
            _y[c] = Vector256.Create<double>(lane);
            for (int l = 0; l < Lanes; l++) lane[l] = v0[l][c];
            _y[_half + c] = Vector256.Create<double>(lane);
        }
        for (int i = 0; i < _n; i++)
        {
            for (int l = 0; l < Lanes; l++) lane[l] = m[l][i];
            _m[i] = Vector256.Create<double>(lane);
            _invM[i] = Vector256<double>.One / _m[i];
            for (int l = 0; l < Lanes; l++) lane[l] = q[l][i];
            _q[i] = Vector256.Create<double>(lane);
        }
        Derivative(_y, _k1);
        Record(0, outputs);
        double h = dt;
        for (int frame = 1; frame < steps; frame++)
        {
            AdaptiveStep.AdvanceFrame(dt, ref h, frame, Attempt, Accept, cancellationToken);
            Record(frame, outputs);
        }
    }

    void Accept()
    {
        Array.Copy(_yNew, _y, _size);
        Array.Copy(_k7, _k1, _size); // FSAL
    }

    void Record(int frame, (Memory<double> X, Memory<double> V, Memory<double> A)?[] outputs)
    {
        int half = _half;
        for (int l = 0; l < Lanes; l++)
        {
            if (outputs[l] is not { } o) continue;
            var xs = o.X.Span.Slice(frame * half, half);
            var vs = o.V.Span.Slice(frame * half, half);
            var accs = o.A.Span.Slice(frame * half, half);
            for (int c = 0; c < half; c++)
            {
                xs[c] = _y[c].GetElement(l);
                vs[c] = _y[half + c].GetElement(l);
            }
            // The exact acceleration at the recorded state, from the same scalar code as ParticleSystem.Accelerations
            // (bit-identical to it; the lanes' own f(y) differs only by rounding order).
            _system.AccelerationsUnchecked(xs, vs, _masses[l], _charges[l], _dim, accs);
        }
    }

    /// <summary>One trial step for all lanes; returns the largest lane error norm.</summary>
    double Attempt(double step)
    {
        int s = _size;
        var h = Vector256.Create(step);
        ReadOnlySpan<Vector256<double>> y = _y.AsSpan(0, s), k1 = _k1.AsSpan(0, s);
        Span<Vector256<double>> t = _yTmp.AsSpan(0, s), yNew = _yNew.AsSpan(0, s);
        for (int i = 0; i < s; i++) t[i] = y[i] + h * (Vector256.Create(A21) * k1[i]);
        Derivative(_yTmp, _k2);
        ReadOnlySpan<Vector256<double>> k2 = _k2.AsSpan(0, s);
        for (int i = 0; i < s; i++) t[i] = y[i] + h * (Vector256.Create(A31) * k1[i] + Vector256.Create(A32) * k2[i]);
        Derivative(_yTmp, _k3);
        ReadOnlySpan<Vector256<double>> k3 = _k3.AsSpan(0, s);
        for (int i = 0; i < s; i++)
            t[i] = y[i] + h * (Vector256.Create(A41) * k1[i] + Vector256.Create(A42) * k2[i] + Vector256.Create(A43) * k3[i]);
        Derivative(_yTmp, _k4);
        ReadOnlySpan<Vector256<double>> k4 = _k4.AsSpan(0, s);
        for (int i = 0; i < s; i++)
            t[i] = y[i] + h * (Vector256.Create(A51) * k1[i] + Vector256.Create(A52) * k2[i] + Vector256.Create(A53) * k3[i]
                + Vector256.Create(A54) * k4[i]);
        Derivative(_yTmp, _k5);
        ReadOnlySpan<Vector256<double>> k5 = _k5.AsSpan(0, s);
        for (int i = 0; i < s; i++)
            t[i] = y[i] + h * (Vector256.Create(A61) * k1[i] + Vector256.Create(A62) * k2[i] + Vector256.Create(A63) * k3[i]
                + Vector256.Create(A64) * k4[i] + Vector256.Create(A65) * k5[i]);
        Derivative(_yTmp, _k6);
        ReadOnlySpan<Vector256<double>> k6 = _k6.AsSpan(0, s);
        for (int i = 0; i < s; i++)
            yNew[i] = y[i] + h * (Vector256.Create(A71) * k1[i] + Vector256.Create(A73) * k3[i] + Vector256.Create(A74) * k4[i]
                + Vector256.Create(A75) * k5[i] + Vector256.Create(A76) * k6[i]);
        Derivative(_yNew, _k7);
        ReadOnlySpan<Vector256<double>> k7 = _k7.AsSpan(0, s);
        var sum = Vector256<double>.Zero;
        var tol = Vector256.Create(_tol);
        for (int i = 0; i < s; i++)
        {
            var e = h * (Vector256.Create(E1) * k1[i] + Vector256.Create(E3) * k3[i] + Vector256.Create(E4) * k4[i]
                + Vector256.Create(E5) * k5[i] + Vector256.Create(E6) * k6[i] + Vector256.Create(E7) * k7[i]);
            var scale = tol + tol * Vector256.Max(Vector256.Abs(y[i]), Vector256.Abs(yNew[i]));
            var ratio = e / scale;
            sum += ratio * ratio;
        }
        double worst = 0;
        for (int l = 0; l < Lanes; l++)
        {
            double v = sum.GetElement(l);
            if (!double.IsFinite(v)) return double.NaN;
            worst = Math.Max(worst, v);
        }
        return Math.Sqrt(worst / s);
    }
}

/// <summary>A four-lane integrator for one built-in potential.</summary>
internal interface IBatchIntegrator
{
    const int Lanes = 4;

    void Run(double[][] x0, double[][] v0, double[][] m, double[][] q, double dt, int steps,
        (Memory<double> X, Memory<double> V, Memory<double> A)?[] outputs, CancellationToken cancellationToken);

    static IBatchIntegrator Create(ParticleSystem system, RadialKind kind, int n, int dim, double tolerance) => kind switch
    {
        RadialKind.Spring => new BatchIntegrator<SpringKernel>(system, n, dim, tolerance),
        RadialKind.R1 => new BatchIntegrator<R1Kernel>(system, n, dim, tolerance),
        RadialKind.R2 => new BatchIntegrator<R2Kernel>(system, n, dim, tolerance),
        RadialKind.Charge => new BatchIntegrator<ChargeKernel>(system, n, dim, tolerance),
        RadialKind.Discontinuous => new BatchIntegrator<DiscontinuousKernel>(system, n, dim, tolerance),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No vectorised kernel."),
    };
}
