using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Occam.Symbolic;

/// <summary>
/// exp, log, sin and cos in single precision, sixteen lanes at a time: the float32 evaluator's fast path
/// (<c>new Evaluator&lt;float&gt;(fastMath: true)</c>). The method is <see cref="VectorMath"/>'s with float constants and
/// lower degrees (Taylor to below 1e-8 truncation: exp degree 7, log's R to z⁵, sin to r⁹, cos to r¹⁰), π/2 and ln 2
/// split in float parts. Within 2 ulp of the correctly rounded float (tested against Math.* in double, rounded, on 10⁵
/// points per range). Special values stay in the lanes as in <see cref="VectorMath"/> (exp +∞ above 88.73 and 0 below −104;
/// log NaN below 0, −∞ at 0, +∞ at +∞; NaN in, NaN out); exp's band near overflow or underflow, log of a subnormal and
/// sin and cos beyond |x| = 1e5 go to Math.* in double.
/// </summary>
internal static class VectorMathF
{
    const float Ln2Hi = 0.6931471824645996f, Ln2Lo = -1.9046542121259336e-09f, InvLn2 = 1.4426950216293335f;
    const float PiO2A = 1.5707963705062866f, PiO2B = -4.371138828673793e-08f, PiO2C = -1.7151245100058819e-15f;
    const float TwoOverPi = 0.6366197466850281f, Sqrt2 = 1.41421356f, MinNormal = 1.17549435e-38f;
    const float ExpLimit = 87f, ExpOverflow = 88.73f, ExpUnderflow = -104f, TrigLimit = 1e5f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> H(Vector512<float> p, Vector512<float> z, float c) => Vector512.FusedMultiplyAdd(p, z, Vector512.Create(c));

    static Vector512<float> ExpLanes(Vector512<float> x)
    {
        var k = Vector512.Round(x * Vector512.Create(InvLn2));
        var r = Vector512.FusedMultiplyAdd(-k, Vector512.Create(Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(-k, Vector512.Create(Ln2Lo), r);
        // Σ rⁿ/n!, n = 7 … 0
        var p = H(H(H(H(H(H(H(Vector512.Create(0.00019841270113829523f), r, 0.0013888889225199819f), r, 0.008333333767950535f), r,
            0.0416666679084301f), r, 0.1666666716337204f), r, 0.5f), r, 1f), r, 1f);
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(k) + Vector512.Create(127), 23).AsSingle();
        var y = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(ExpOverflow)), Vector512.Create(float.PositiveInfinity), p * scale);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(ExpUnderflow)), Vector512<float>.Zero, y);
    }

    static Vector512<float> LogLanes(Vector512<float> x)
    {
        var bits = x.AsInt32();
        var e = Vector512.ShiftRightArithmetic(bits, 23) - Vector512.Create(127);
        var m = (bits & Vector512.Create(0x007F_FFFF) | Vector512.Create(0x3F80_0000)).AsSingle(); // [1, 2)
        var big = Vector512.GreaterThan(m, Vector512.Create(Sqrt2));
        m = Vector512.ConditionalSelect(big, m * Vector512.Create(0.5f), m);
        var ef = Vector512.ConvertToSingle(e - big.AsInt32());
        var f = m - Vector512<float>.One;
        var s = f / (Vector512.Create(2f) + f);
        var z = s * s;
        var hfsq = Vector512.Create(0.5f) * f * f;
        // R(z) = Σ 2zᵏ/(2k + 1), k = 5 … 1
        var rz = H(H(H(H(Vector512.Create(0.18181818181818182f), z, 0.2222222222222222f), z, 0.2857142857142857f), z, 0.4f), z,
            0.6666666666666666f) * z;
        var t = f - (hfsq - Vector512.FusedMultiplyAdd(s, hfsq + rz, ef * Vector512.Create(Ln2Lo)));
        var y = Vector512.FusedMultiplyAdd(ef, Vector512.Create(Ln2Hi), t);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(float.PositiveInfinity)), x, y);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), Vector512.Create(float.NegativeInfinity), y);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero) | ~Vector512.Equals(x, x), Vector512.Create(float.NaN), y);
    }

    static (Vector512<float> Sin, Vector512<float> Cos) SinCosLanes(Vector512<float> x)
    {
        var k = Vector512.Round(x * Vector512.Create(TwoOverPi));
        var r = Vector512.FusedMultiplyAdd(-k, Vector512.Create(PiO2A), x);
        r = Vector512.FusedMultiplyAdd(-k, Vector512.Create(PiO2B), r);
        r = Vector512.FusedMultiplyAdd(-k, Vector512.Create(PiO2C), r);
        var z = r * r;
        // sin r = r + r³·(−1/3! + z/5! − z²/7! + z³/9!)
        var sp = H(H(H(Vector512.Create(2.7557319223985893e-06f), z, -0.0001984126984126984f), z, 0.008333333333333333f), z, -0.16666666666666666f);
        var sr = Vector512.FusedMultiplyAdd(r * z, sp, r);
        // cos r = 1 − z/2 + z²·(1/4! − z/6! + z²/8! − z³/10!)
        var cp = H(H(H(Vector512.Create(-2.755731922398589e-07f), z, 2.48015873015873e-05f), z, -0.001388888888888889f), z, 0.041666666666666664f);
        var hz = Vector512.Create(0.5f) * z;
        var w = Vector512<float>.One - hz;
        var cr = w + (((Vector512<float>.One - w) - hz) + z * z * cp);
        var q = Vector512.ConvertToInt32(k);
        var odd = Vector512.Equals(q & Vector512.Create(1), Vector512.Create(1)).AsSingle();
        var sinNeg = Vector512.Equals(q & Vector512.Create(2), Vector512.Create(2)).AsSingle();
        var cosNeg = Vector512.Equals((q + Vector512<int>.One) & Vector512.Create(2), Vector512.Create(2)).AsSingle();
        var sin = Vector512.ConditionalSelect(odd, cr, sr);
        sin = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), x, sin); // sin(−0) = −0
        var cos = Vector512.ConditionalSelect(odd, sr, cr);
        var signBit = Vector512.Create(-0f);
        return (sin ^ (sinNeg & signBit), cos ^ (cosNeg & signBit));
    }

    static Vector512<float> TrigOk(Vector512<float> x) => Vector512.LessThanOrEqual(Vector512.Abs(x), Vector512.Create(TrigLimit))
        | Vector512.Equals(Vector512.Abs(x), Vector512.Create(float.PositiveInfinity)) | ~Vector512.Equals(x, x);

    readonly struct ExpKernel : VectorMath.IKernel<float>
    {
        public static Vector512<float> Lanes(Vector512<float> x) => ExpLanes(x);
        public static Vector512<float> InRange(Vector512<float> x) => Vector512.LessThanOrEqual(Vector512.Abs(x), Vector512.Create(ExpLimit))
            | Vector512.GreaterThan(x, Vector512.Create(ExpOverflow)) | Vector512.LessThan(x, Vector512.Create(ExpUnderflow)) | ~Vector512.Equals(x, x);
        public static double Fallback(double x) => Math.Exp(x);
    }

    readonly struct LogKernel : VectorMath.IKernel<float>
    {
        public static Vector512<float> Lanes(Vector512<float> x) => LogLanes(x);
        public static Vector512<float> InRange(Vector512<float> x) =>
            ~(Vector512.GreaterThan(x, Vector512<float>.Zero) & Vector512.LessThan(x, Vector512.Create(MinNormal)));
        public static double Fallback(double x) => Math.Log(x);
    }

    readonly struct SinKernel : VectorMath.IKernel<float>
    {
        public static Vector512<float> Lanes(Vector512<float> x) => SinCosLanes(x).Sin;
        public static Vector512<float> InRange(Vector512<float> x) => TrigOk(x);
        public static double Fallback(double x) => Math.Sin(x);
    }

    readonly struct CosKernel : VectorMath.IKernel<float>
    {
        public static Vector512<float> Lanes(Vector512<float> x) => SinCosLanes(x).Cos;
        public static Vector512<float> InRange(Vector512<float> x) => TrigOk(x);
        public static double Fallback(double x) => Math.Cos(x);
    }

    /// <summary>Applies sin, cos, exp or log to a span (o may alias a); false (nothing written) for any other operator.</summary>
    public static bool TryApply(OpCode op, ReadOnlySpan<float> a, Span<float> o)
    {
        switch (op)
        {
            case OpCode.Sin: VectorMath.Map<float, SinKernel>(a, o); return true;
            case OpCode.Cos: VectorMath.Map<float, CosKernel>(a, o); return true;
            case OpCode.Exp: VectorMath.Map<float, ExpKernel>(a, o); return true;
            case OpCode.Log: VectorMath.Map<float, LogKernel>(a, o); return true;
            default: return false;
        }
    }
}
