namespace Occam.Physics;

/// <summary>
/// The Butcher tableau of Dormand–Prince 5(4) (Hairer, Nørsett &amp; Wanner, "Solving ODEs I", II.5, table 5.2), shared by
/// <see cref="Integrator"/> and its vectorised twin <see cref="BatchIntegrator{TKernel}"/>. A71…A76 are also the
/// 5th-order weights (FSAL); E1…E7 are the error coefficients, 5th-order minus embedded 4th-order weights.
/// </summary>
internal static class DormandPrince
{
    public const double A21 = 1.0 / 5;
    public const double A31 = 3.0 / 40, A32 = 9.0 / 40;
    public const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
    public const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561, A54 = -212.0 / 729;
    public const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176, A65 = -5103.0 / 18656;
    public const double A71 = 35.0 / 384, A73 = 500.0 / 1113, A74 = 125.0 / 192, A75 = -2187.0 / 6784, A76 = 11.0 / 84;
    public const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;
}
