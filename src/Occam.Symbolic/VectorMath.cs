using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Occam.Symbolic;

/// <summary>
/// Occam's own sin, cos, exp and log in double precision, eight lanes at a time (Vector512; emulated on two Vector256
/// where AVX-512 is missing). The scalar forms run the same lane code on a broadcast value, so a scalar evaluation, a
/// SIMD evaluation and the constant optimiser's forward mode agree bit for bit, on every machine (no dependence on the
/// C library's libm).
/// <para>Method: Cody–Waite reduction with fused multiply–adds, then Taylor polynomials of a degree at which the
/// truncation error is below 1e-17 of the result (Horner, one FMA a term). exp: x = k·ln 2 + r, |r| ≤ ln 2 / 2, degree 13,
/// scaled by 2^k through the exponent bits. log: x = 2^e·m, m ∈ [√½, √2), log m = f − (f²/2 − s(f²/2 + R(s²))) with
/// f = m − 1 and s = f/(2 + f), R to s²¹. sin and cos: x = k·π/2 + r, |r| ≤ π/4, with π/2 in three parts, sin to r¹⁷ and
/// cos to r¹⁸, the quadrant choosing which and its sign.</para>
/// <para>Special values stay in the lanes, as Math.* gives them: exp is +∞ above 709.79 and 0 below −745.2; log is NaN for
/// x &lt; 0, −∞ at ±0 and +∞ at +∞; NaN gives NaN, and sin and cos of ±∞ are NaN. The lanes left to <see cref="Math"/> are
/// exp's bands 708 &lt; |x| up to those limits (near overflow, or subnormal), log of a subnormal number, and sin and cos
/// beyond |x| = 1e15, where k·π/2 no longer fits the three parts exactly. Accuracy against Math.*: within 2 ulp
/// on the reduced range (tested on 10⁶ points each, VectorMathTests).</para>
/// </summary>
internal static class VectorMath
{
    const double Ln2Hi = 0.6931471805599453, Ln2Lo = 2.3190468138462996e-17; // ln 2 = Ln2Hi + Ln2Lo
    const double InvLn2 = 1.4426950408889634;
    const double PiO2A = 1.5707963267948966, PiO2B = 6.123233995736766e-17, PiO2C = -1.4973849048591698e-33; // π/2 in three parts
    const double TwoOverPi = 0.6366197723675814;
    const double ExpOverflow = 709.79, ExpUnderflow = -745.2; // beyond them exp is +∞ and 0 (ln of the largest double: 709.7827…; of the smallest subnormal: −745.13…)
    const double ExpLimit = 708, TrigLimit = 1e15, Sqrt2 = 1.4142135623730951, MinNormal = 2.2250738585072014E-308;

    /// <summary>One Horner step p·z + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<double> H(Vector512<double> p, Vector512<double> z, double c) => Vector512.FusedMultiplyAdd(p, z, Vector512.Create(c));

    // ---- lane kernels (valid on the reduced range; callers patch the other lanes) ----

    static Vector512<double> ExpLanes(Vector512<double> x)
    {
        var k = Vector512.Round(x * Vector512.Create(InvLn2));
        var r = Vector512.FusedMultiplyAdd(-k, Vector512.Create(Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(-k, Vector512.Create(Ln2Lo), r);
        // Σ rⁿ/n!, n = 13 … 0
        var p = H(H(H(H(H(H(Vector512.Create(1.6059043836821613e-10), r, 2.08767569878681e-09), r, 2.505210838544172e-08), r,
            2.755731922398589e-07), r, 2.7557319223985893e-06), r, 2.48015873015873e-05), r, 0.0001984126984126984);
        p = H(H(H(H(H(H(H(p, r, 0.001388888888888889), r, 0.008333333333333333), r, 0.041666666666666664), r, 0.16666666666666666), r,
            0.5), r, 1.0), r, 1.0);
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt64(k) + Vector512.Create(1023L), 52).AsDouble();
        var y = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(ExpOverflow)), Vector512.Create(double.PositiveInfinity), p * scale);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(ExpUnderflow)), Vector512<double>.Zero, y);
    }

    static Vector512<double> LogLanes(Vector512<double> x)
    {
        var bits = x.AsInt64();
        var e = Vector512.ShiftRightArithmetic(bits, 52) - Vector512.Create(1023L);
        var m = (bits & Vector512.Create(0x000F_FFFF_FFFF_FFFFL) | Vector512.Create(0x3FF0_0000_0000_0000L)).AsDouble(); // [1, 2)
        var big = Vector512.GreaterThan(m, Vector512.Create(Sqrt2));
        m = Vector512.ConditionalSelect(big, m * Vector512.Create(0.5), m);
        var ed = Vector512.ConvertToDouble(e - big.AsInt64()); // big is all ones (−1) where m was halved
        var f = m - Vector512<double>.One;
        var s = f / (Vector512.Create(2.0) + f);
        var z = s * s;
        var hfsq = Vector512.Create(0.5) * f * f;
        // R(z) = Σ 2zᵏ/(2k + 1), k = 11 … 1
        var rz = H(H(H(H(H(Vector512.Create(0.08695652173913043), z, 0.09523809523809523), z, 0.10526315789473684), z,
            0.11764705882352941), z, 0.13333333333333333), z, 0.15384615384615385);
        rz = H(H(H(H(H(rz, z, 0.18181818181818182), z, 0.2222222222222222), z, 0.2857142857142857), z, 0.4), z, 0.6666666666666666) * z;
        var t = f - (hfsq - Vector512.FusedMultiplyAdd(s, hfsq + rz, ed * Vector512.Create(Ln2Lo)));
        var y = Vector512.FusedMultiplyAdd(ed, Vector512.Create(Ln2Hi), t);
        // log of a negative number or NaN is NaN, log ±0 = −∞, log +∞ = +∞
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(double.PositiveInfinity)), x, y);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<double>.Zero), Vector512.Create(double.NegativeInfinity), y);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<double>.Zero) | ~Vector512.Equals(x, x), Vector512.Create(double.NaN), y);
    }

    /// <summary>sin and cos of the same lanes: one reduction, both polynomials.</summary>
    static (Vector512<double> Sin, Vector512<double> Cos) SinCosLanes(Vector512<double> x)
    {
        var k = Vector512.Round(x * Vector512.Create(TwoOverPi));
        var r = Vector512.FusedMultiplyAdd(-k, Vector512.Create(PiO2A), x);
        r = Vector512.FusedMultiplyAdd(-k, Vector512.Create(PiO2B), r);
        r = Vector512.FusedMultiplyAdd(-k, Vector512.Create(PiO2C), r);
        var z = r * r;
        // sin r = r + r³·Σ (−1)ᵏ r²ᵏ⁻²/(2k+1)!, to r¹⁷
        var sp = H(H(H(H(H(H(H(Vector512.Create(2.8114572543455206e-15), z, -7.647163731819816e-13), z, 1.6059043836821613e-10), z,
            -2.505210838544172e-08), z, 2.7557319223985893e-06), z, -0.0001984126984126984), z, 0.008333333333333333), z, -0.16666666666666666);
        var sr = Vector512.FusedMultiplyAdd(r * z, sp, r);
        var hz = Vector512.Create(0.5) * z;
        var w = Vector512<double>.One - hz;
        // cos r = 1 − r²/2 + r⁴·Σ (−1)ᵏ r²ᵏ⁻⁴/(2k)!, to r¹⁸ (1 − r²/2 split as w plus its rounding error)
        var cp = H(H(H(H(H(H(H(Vector512.Create(-1.5619206968586225e-16), z, 4.779477332387385e-14), z, -1.1470745597729725e-11), z,
            2.08767569878681e-09), z, -2.755731922398589e-07), z, 2.48015873015873e-05), z, -0.001388888888888889), z, 0.041666666666666664);
        var cr = w + (((Vector512<double>.One - w) - hz) + z * z * cp);
        var q = Vector512.ConvertToInt64(k);
        var odd = Vector512.Equals(q & Vector512.Create(1L), Vector512.Create(1L)).AsDouble();
        var sinNeg = Vector512.Equals(q & Vector512.Create(2L), Vector512.Create(2L)).AsDouble();                  // q = 2, 3
        var cosNeg = Vector512.Equals((q + Vector512<long>.One) & Vector512.Create(2L), Vector512.Create(2L)).AsDouble(); // q = 1, 2
        var sin = Vector512.ConditionalSelect(odd, cr, sr);
        sin = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<double>.Zero), x, sin); // sin(−0) = −0
        var cos = Vector512.ConditionalSelect(odd, sr, cr);
        var signBit = Vector512.Create(-0.0);
        return (sin ^ (sinNeg & signBit), cos ^ (cosNeg & signBit));
    }

    // ---- range masks: lanes the kernels handle ----

    static Vector512<double> IsNaN(Vector512<double> x) => ~Vector512.Equals(x, x);
    static Vector512<double> ExpOk(Vector512<double> x) => Vector512.LessThanOrEqual(Vector512.Abs(x), Vector512.Create(ExpLimit))
        | Vector512.GreaterThan(x, Vector512.Create(ExpOverflow)) | Vector512.LessThan(x, Vector512.Create(ExpUnderflow)) | IsNaN(x);
    // sin and cos of ±∞ or NaN come out NaN from the lanes themselves
    static Vector512<double> TrigOk(Vector512<double> x) =>
        Vector512.LessThanOrEqual(Vector512.Abs(x), Vector512.Create(TrigLimit)) | Vector512.Equals(Vector512.Abs(x), Vector512.Create(double.PositiveInfinity)) | IsNaN(x);
    // everything but the subnormal numbers
    static Vector512<double> LogOk(Vector512<double> x) =>
        ~(Vector512.GreaterThan(x, Vector512<double>.Zero) & Vector512.LessThan(x, Vector512.Create(MinNormal)));

    // ---- span forms ----

    /// <summary>o[i] = exp(a[i]); o may alias a.</summary>
    public static void Exp(ReadOnlySpan<double> a, Span<double> o) => Map<double, ExpKernel>(a, o);
    /// <summary>o[i] = log(a[i]); o may alias a.</summary>
    public static void Log(ReadOnlySpan<double> a, Span<double> o) => Map<double, LogKernel>(a, o);
    /// <summary>o[i] = sin(a[i]); o may alias a.</summary>
    public static void Sin(ReadOnlySpan<double> a, Span<double> o) => Map<double, SinKernel>(a, o);
    /// <summary>o[i] = cos(a[i]); o may alias a.</summary>
    public static void Cos(ReadOnlySpan<double> a, Span<double> o) => Map<double, CosKernel>(a, o);

    /// <summary>A function as lanes on its reduced range, which lanes those are, and the fallback (in double) for the
    /// others. <see cref="VectorMathF"/>'s float kernels are these too.</summary>
    internal interface IKernel<T> where T : unmanaged
    {
        static abstract Vector512<T> Lanes(Vector512<T> x);
        static abstract Vector512<T> InRange(Vector512<T> x);
        static abstract double Fallback(double x);
    }

    readonly struct ExpKernel : IKernel<double>
    {
        public static Vector512<double> Lanes(Vector512<double> x) => ExpLanes(x);
        public static Vector512<double> InRange(Vector512<double> x) => ExpOk(x);
        public static double Fallback(double x) => Math.Exp(x);
    }

    readonly struct LogKernel : IKernel<double>
    {
        public static Vector512<double> Lanes(Vector512<double> x) => LogLanes(x);
        public static Vector512<double> InRange(Vector512<double> x) => LogOk(x);
        public static double Fallback(double x) => Math.Log(x);
    }

    readonly struct SinKernel : IKernel<double>
    {
        public static Vector512<double> Lanes(Vector512<double> x) => SinCosLanes(x).Sin;
        public static Vector512<double> InRange(Vector512<double> x) => TrigOk(x);
        public static double Fallback(double x) => Math.Sin(x);
    }

    readonly struct CosKernel : IKernel<double>
    {
        public static Vector512<double> Lanes(Vector512<double> x) => SinCosLanes(x).Cos;
        public static Vector512<double> InRange(Vector512<double> x) => TrigOk(x);
        public static double Fallback(double x) => Math.Cos(x);
    }

    /// <summary>Applies sin, cos, exp or log to a span; false (nothing written) for any other operator.</summary>
    public static bool TryApply(OpCode op, ReadOnlySpan<double> a, Span<double> o)
    {
        switch (op)
        {
            case OpCode.Sin: Sin(a, o); return true;
            case OpCode.Cos: Cos(a, o); return true;
            case OpCode.Exp: Exp(a, o); return true;
            case OpCode.Log: Log(a, o); return true;
            default: return false;
        }
    }

    /// <summary>sin and cos of every element (the constant optimiser needs both for a sin or cos node).</summary>
    public static void SinCos(ReadOnlySpan<double> a, Span<double> sin, Span<double> cos)
    {
        int i = 0, w = Vector512<double>.Count;
        Span<double> tail = stackalloc double[w];
        for (; i < a.Length; i += w)
        {
            int len = Math.Min(w, a.Length - i);
            var x = Load(a, i, len, tail);
            var (s, c) = SinCosLanes(x);
            var ok = TrigOk(x);
            Store(s, sin, i, len, tail);
            Store(c, cos, i, len, tail);
            for (ulong bad = Outside(ok, len); bad != 0; bad &= bad - 1)
            {
                int j = BitOperations.TrailingZeroCount(bad);
                double xj = x.GetElement(j); // a may alias sin or cos
                sin[i + j] = Math.Sin(xj);
                cos[i + j] = Math.Cos(xj);
            }
        }
    }

    // ---- scalar forms: the same lane code on a broadcast value ----

    /// <summary>exp(x), identical to an element of <see cref="Exp(ReadOnlySpan{double}, Span{double})"/>.</summary>
    public static double Exp(double x) => Scalar<ExpKernel>(x);
    /// <summary>log(x), identical to an element of <see cref="Log(ReadOnlySpan{double}, Span{double})"/>.</summary>
    public static double Log(double x) => Scalar<LogKernel>(x);
    /// <summary>sin(x), identical to an element of <see cref="Sin(ReadOnlySpan{double}, Span{double})"/>.</summary>
    public static double Sin(double x) => Scalar<SinKernel>(x);
    /// <summary>cos(x), identical to an element of <see cref="Cos(ReadOnlySpan{double}, Span{double})"/>.</summary>
    public static double Cos(double x) => Scalar<CosKernel>(x);

    static double Scalar<TKernel>(double x) where TKernel : IKernel<double>
    {
        var v = Vector512.Create(x);
        return TKernel.InRange(v).AsUInt64().GetElement(0) != 0 ? TKernel.Lanes(v).GetElement(0) : TKernel.Fallback(x);
    }

    // ---- plumbing ----

    /// <summary>o[i] = f(a[i]) by the kernel's lanes, eight doubles or sixteen floats at a time, the lanes outside its range
    /// by its fallback; o may alias a.</summary>
    internal static void Map<T, TKernel>(ReadOnlySpan<T> a, Span<T> o) where T : unmanaged, IFloatingPointIeee754<T> where TKernel : IKernel<T>
    {
        int w = Vector512<T>.Count;
        Span<T> tail = stackalloc T[w];
        for (int i = 0; i < a.Length; i += w)
        {
            int len = Math.Min(w, a.Length - i);
            var x = Load(a, i, len, tail);
            var ok = TKernel.InRange(x);
            Store(TKernel.Lanes(x), o, i, len, tail);
            for (ulong bad = Outside(ok, len); bad != 0; bad &= bad - 1)
            {
                int j = BitOperations.TrailingZeroCount(bad);
                o[i + j] = T.CreateTruncating(TKernel.Fallback(double.CreateTruncating(x.GetElement(j))));
            }
        }
    }

    /// <summary>Bit j set for each of the first <paramref name="len"/> lanes outside the kernel's range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Outside<T>(Vector512<T> ok, int len) => ~Vector512.ExtractMostSignificantBits(ok) & ((1UL << len) - 1);

    /// <summary>Lanes [i, i + len) of a; a short tail is padded with zeros (in range for every kernel but log, whose
    /// padding lanes are never stored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<T> Load<T>(ReadOnlySpan<T> a, int i, int len, Span<T> tail)
    {
        if (len == Vector512<T>.Count) return Vector512.Create(a.Slice(i, len));
        tail.Clear();
        a.Slice(i, len).CopyTo(tail);
        return Vector512.Create((ReadOnlySpan<T>)tail);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store<T>(Vector512<T> v, Span<T> o, int i, int len, Span<T> tail)
    {
        if (len == Vector512<T>.Count) { v.CopyTo(o.Slice(i, len)); return; }
        v.CopyTo(tail);
        tail[..len].CopyTo(o.Slice(i, len));
    }
}
