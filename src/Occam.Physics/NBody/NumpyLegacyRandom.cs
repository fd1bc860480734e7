namespace Occam.Physics.NBody;

/// <summary>
/// The random stream of NumPy's legacy <c>np.random.seed(s)</c> / <c>RandomState(s)</c> with an integer seed:
/// a 32-bit Mersenne Twister (MT19937, Matsumoto &amp; Nishimura 1998) seeded by its <c>init_genrand</c>
/// recurrence, 53-bit doubles built from two 32-bit outputs (<c>random_sample</c>), and the legacy normal
/// generator (<c>randn</c>: Marsaglia's polar method, the second deviate of each pair kept for the next call).
/// It exists to regenerate data sets that were published as "numpy seed s" (the EGNN charged N-body set uses
/// seed 43); it is not meant as a general-purpose generator.
/// </summary>
internal sealed class NumpyLegacyRandom
{
    const int N = 624, M = 397;
    const uint MatrixA = 0x9908B0DFu, UpperMask = 0x80000000u, LowerMask = 0x7FFFFFFFu;

    readonly uint[] state = new uint[N];
    int position;
    double cachedGaussian;
    bool hasCachedGaussian;

    /// <summary>Seeds the generator as <c>np.random.seed(seed)</c> does for an integer in [0, 2³²).</summary>
    public NumpyLegacyRandom(uint seed)
    {
        state[0] = seed;
        for (int i = 1; i < N; i++)
            state[i] = unchecked(1812433253u * (state[i - 1] ^ (state[i - 1] >> 30)) + (uint)i);
        position = N;
    }

    /// <summary>Next 32-bit output of MT19937.</summary>
    public uint NextUInt32()
    {
        if (position >= N) Twist();
        uint y = state[position++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C5680u;
        y ^= (y << 15) & 0xEFC60000u;
        y ^= y >> 18;
        return y;
    }

    void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (state[i] & UpperMask) | (state[(i + 1) % N] & LowerMask);
            state[i] = state[(i + M) % N] ^ (y >> 1) ^ ((y & 1u) != 0 ? MatrixA : 0u);
        }
        position = 0;
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits (<c>np.random.random_sample</c>).</summary>
    public double NextDouble()
    {
        uint a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /// <summary>Standard normal deviate (<c>np.random.randn</c>, legacy polar method with a cached second value).</summary>
    public double NextGaussian()
    {
        if (hasCachedGaussian)
        {
            hasCachedGaussian = false;
            var cached = cachedGaussian;
            cachedGaussian = 0;
            return cached;
        }
        double x1, x2, r2;
        do
        {
            x1 = 2.0 * NextDouble() - 1.0;
            x2 = 2.0 * NextDouble() - 1.0;
            r2 = x1 * x1 + x2 * x2;
        }
        while (r2 >= 1.0 || r2 == 0.0);
        double f = Math.Sqrt(-2.0 * Math.Log(r2) / r2);
        cachedGaussian = f * x1;
        hasCachedGaussian = true;
        return f * x2;
    }
}
