using MathNet.Numerics.LinearAlgebra;

namespace Occam.Inference;

/// <summary>
/// Smoothing as iterative message passing on the chain graph of a linear-Gaussian model: Gaussian belief propagation
/// (Weiss &amp; Freeman 2001) in information form. Every hidden state is a node with edges to its past, its future and
/// its observation; in each iteration every node sends new messages to both neighbours, computed from the messages it
/// received in the previous iteration (a flooding schedule). Messages start uninformative (zero precision). On a chain
/// the beliefs are exact once information has crossed it, after at most T iterations, and that fixed point is the
/// Rauch–Tung–Striebel smoother's answer (means and covariances).
/// </summary>
public static class ChainBeliefPropagation
{
    /// <summary>The beliefs after some iterations, and how far the means moved in the last one.</summary>
    /// <param name="Beliefs">Per-node Gaussian beliefs (means and covariances).</param>
    /// <param name="Iterations">Iterations run.</param>
    /// <param name="LastChange">Largest change of any belief mean in the last iteration.</param>
    public sealed record Result(GaussianTrajectory Beliefs, int Iterations, double LastChange);

    /// <summary>
    /// Runs up to <paramref name="maxIterations"/> flooding iterations, stopping early when no belief mean moves by more
    /// than <paramref name="tolerance"/> (0: run them all).
    /// </summary>
    public static Result Run(LinearGaussianModel model, IReadOnlyList<double[]> observations, int maxIterations, double tolerance = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.CheckObservations(observations);
        if (maxIterations < 1) throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, "Belief propagation needs at least one iteration.");
        int steps = observations.Count, n = model.StateSize;
        var build = Matrix<double>.Build;
        var a = model.A;
        var qInverse = model.QInverse;
        var qInverseA = qInverse * a;            // Q⁻¹A
        var aTqInverseA = a.TransposeThisAndMultiply(qInverseA); // AᵀQ⁻¹A
        // Each node's own evidence: its observation, and for the first node the prior.
        var evidencePrecision = new Matrix<double>[steps];
        var evidenceInformation = new Vector<double>[steps];
        var hTrInverse = model.H.TransposeThisAndMultiply(model.RInverse);
        for (int t = 0; t < steps; t++)
        {
            evidencePrecision[t] = hTrInverse * model.H;
            evidenceInformation[t] = hTrInverse * Vector<double>.Build.Dense(observations[t]);
        }
        var priorPrecision = model.InitialCovariance.Inverse();
        evidencePrecision[0] += priorPrecision;
        evidenceInformation[0] += priorPrecision * model.InitialMean;

        // fromPast[t]: message into t from t−1; fromFuture[t]: message into t from t+1 (zero at the chain's ends).
        var fromPast = Enumerable.Range(0, steps).Select(_ => (P: build.Dense(n, n), h: Vector<double>.Build.Dense(n))).ToArray();
        var fromFuture = Enumerable.Range(0, steps).Select(_ => (P: build.Dense(n, n), h: Vector<double>.Build.Dense(n))).ToArray();
        var means = new Vector<double>[steps];
        for (int t = 0; t < steps; t++) means[t] = Vector<double>.Build.Dense(n);
        double change = double.PositiveInfinity;
        int iteration = 0;
        while (iteration < maxIterations)
        {
            iteration++;
            var nextPast = new (Matrix<double> P, Vector<double> h)[steps];
            var nextFuture = new (Matrix<double> P, Vector<double> h)[steps];
            nextPast[0] = fromPast[0];
            nextFuture[^1] = fromFuture[^1];
            for (int t = 1; t < steps; t++)
            {
                // Node t−1 marginalises itself out of N(x_t; A x_{t−1}, Q) × (its evidence and what its past told it).
                var p = evidencePrecision[t - 1] + fromPast[t - 1].P;
                var h = evidenceInformation[t - 1] + fromPast[t - 1].h;
                var inner = (p + aTqInverseA).Cholesky();
                nextPast[t] = (qInverse - qInverseA * inner.Solve(qInverseA.Transpose()), qInverseA * inner.Solve(h));
            }
            for (int t = 0; t < steps - 1; t++)
            {
                // Node t+1 marginalises itself out of the same factor × (its evidence and what its future told it).
                var p = evidencePrecision[t + 1] + fromFuture[t + 1].P;
                var h = evidenceInformation[t + 1] + fromFuture[t + 1].h;
                var inner = (p + qInverse).Cholesky();
                nextFuture[t] = (aTqInverseA - qInverseA.Transpose() * inner.Solve(qInverseA), qInverseA.Transpose() * inner.Solve(h));
            }
            fromPast = nextPast;
            fromFuture = nextFuture;
            change = 0;
            for (int t = 0; t < steps; t++)
            {
                // Until information has reached a node from both sides its belief may still be improper (e.g. an unobserved
                // velocity); such a node keeps its mean and the iteration does not count as converged.
                if (!TrySolve(evidencePrecision[t] + fromPast[t].P + fromFuture[t].P, evidenceInformation[t] + fromPast[t].h + fromFuture[t].h, out var mean))
                {
                    change = double.PositiveInfinity;
                    continue;
                }
                change = Math.Max(change, (mean - means[t]).InfinityNorm());
                means[t] = mean;
            }
            if (change <= tolerance) break;
        }
        var covariances = new Matrix<double>[steps];
        for (int t = 0; t < steps; t++) covariances[t] = (evidencePrecision[t] + fromPast[t].P + fromFuture[t].P).Inverse();
        return new Result(new GaussianTrajectory(means, covariances, double.NaN), iteration, change);
    }

    static bool TrySolve(Matrix<double> precision, Vector<double> information, out Vector<double> mean)
    {
        try
        {
            mean = precision.Cholesky().Solve(information);
            return mean.All(double.IsFinite);
        }
        catch (ArgumentException) // MathNet: "Matrix must be positive definite."
        {
            mean = Vector<double>.Build.Dense(information.Count);
            return false;
        }
    }
}
