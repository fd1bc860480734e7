using MathNet.Numerics.LinearAlgebra;
using Occam.Inference;

namespace Occam.Inference.Tests;

/// <summary>Small random linear-Gaussian systems and their observations, for the exact-inference tests.</summary>
internal static class RandomSystems
{
    public static LinearGaussianModel Model(Random random, int stateSize, int observationSize)
    {
        var build = Matrix<double>.Build;
        // A stable-ish transition: a random matrix scaled to spectral radius below 1.
        var a = build.Dense(stateSize, stateSize, (_, _) => random.NextDouble() * 2 - 1);
        a /= Math.Max(1.0, a.L2Norm() / 0.95);
        var h = build.Dense(observationSize, stateSize, (_, _) => random.NextDouble() * 2 - 1);
        return new LinearGaussianModel(a, Covariance(random, stateSize, 0.3), h, Covariance(random, observationSize, 0.5),
            Vector<double>.Build.Dense(stateSize, _ => random.NextDouble() - 0.5), Covariance(random, stateSize, 2.0));
    }

    /// <summary>A random symmetric positive definite matrix B Bᵀ + scale·I.</summary>
    public static Matrix<double> Covariance(Random random, int size, double scale)
    {
        var b = Matrix<double>.Build.Dense(size, size, (_, _) => random.NextDouble() - 0.5);
        var m = b * b.Transpose() + Matrix<double>.Build.DenseIdentity(size) * scale;
        return (m + m.Transpose()) * 0.5;
    }

    public static double[][] Observations(Random random, int steps, int size) =>
        Enumerable.Range(0, steps).Select(_ => Enumerable.Range(0, size).Select(_ => random.NextDouble() * 4 - 2).ToArray()).ToArray();

    /// <summary>
    /// The posterior of the whole trajectory by brute force: the joint precision Λ and information η of
    /// p(x₀…x_{T−1} | y) assembled factor by factor, then one dense solve. Independent of the smoother's recursions.
    /// </summary>
    public static (Vector<double> Mean, Matrix<double> Covariance) DensePosterior(LinearGaussianModel model, double[][] y)
    {
        int n = model.StateSize, steps = y.Length;
        var precision = Matrix<double>.Build.Dense(n * steps, n * steps);
        var information = Vector<double>.Build.Dense(n * steps);
        void AddBlock(int i, int j, Matrix<double> block) =>
            precision.SetSubMatrix(i * n, j * n, precision.SubMatrix(i * n, n, j * n, n) + block);
        void AddInformation(int i, Vector<double> v) =>
            information.SetSubVector(i * n, n, information.SubVector(i * n, n) + v);
        var p0 = model.InitialCovariance.Inverse();
        AddBlock(0, 0, p0);
        AddInformation(0, p0 * model.InitialMean);
        var qi = model.QInverse;
        var a = model.A;
        for (int t = 1; t < steps; t++)
        {
            // −½ (x_t − A x_{t−1})ᵀ Q⁻¹ (x_t − A x_{t−1})
            AddBlock(t, t, qi);
            AddBlock(t - 1, t - 1, a.Transpose() * qi * a);
            AddBlock(t, t - 1, -(qi * a));
            AddBlock(t - 1, t, -(a.Transpose() * qi));
        }
        var ri = model.RInverse;
        for (int t = 0; t < steps; t++)
        {
            AddBlock(t, t, model.H.Transpose() * ri * model.H);
            AddInformation(t, model.H.Transpose() * ri * Vector<double>.Build.Dense(y[t]));
        }
        var covariance = precision.Inverse();
        return (precision.Solve(information), covariance);
    }
}
