using MathNet.Numerics.LinearAlgebra;
using Occam.Inference;
using Occam.Inference.Systems;

namespace Occam.Inference.Tests;

public sealed class MessageTests
{
    /// <summary>log p(x, y) of a trajectory, written out from the model's densities (up to a constant).</summary>
    static double LogJoint(StateSpaceModel model, double[] x, double[][] y)
    {
        int n = model.StateSize, steps = y.Length;
        Vector<double> X(int t) => Vector<double>.Build.Dense(x.AsSpan(t * n, n).ToArray());
        var d0 = X(0) - model.InitialMean;
        double log = -0.5 * d0.DotProduct(model.InitialCovariance.Inverse() * d0);
        for (int t = 1; t < steps; t++)
        {
            var d = X(t) - model.Transition(X(t - 1));
            log -= 0.5 * d.DotProduct(model.QInverse * d);
        }
        for (int t = 0; t < steps; t++)
        {
            var d = Vector<double>.Build.Dense(y[t]) - model.H * X(t);
            log -= 0.5 * d.DotProduct(model.RInverse * d);
        }
        return log;
    }

    [Fact]
    public void The_three_messages_sum_to_the_gradient_of_the_log_joint()
    {
        // Lorenz with the order-2 model: a nonlinear transition, so the future message's Jacobian matters.
        var system = new LorenzSystem();
        var model = system.ApproximateModel(2.0);
        var data = system.Simulate(seed: 3, stream: 0, steps: 7);
        var x = data.Observations.SelectMany(r => r).ToArray();
        int n = 3, rows = 7;
        var past = new double[rows * n];
        var own = new double[rows * n];
        var future = new double[rows * n];
        new ModelMessages(model).Compute(x, data.Observations.SelectMany(r => r).ToArray(), [0, rows], past, own, future);
        for (int k = 0; k < x.Length; k++)
        {
            const double h = 1e-5;
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[k] += h;
            minus[k] -= h;
            double numeric = (LogJoint(model, plus, data.Observations) - LogJoint(model, minus, data.Observations)) / (2 * h);
            double sum = past[k] + own[k] + future[k];
            Assert.True(Math.Abs(numeric - sum) <= 1e-5 * (1 + Math.Abs(numeric)), $"component {k}: messages {sum}, finite difference {numeric}");
        }
    }

    [Fact]
    public void Following_the_messages_with_the_stable_step_reaches_the_rts_smoother()
    {
        var random = new Random(5);
        var model = RandomSystems.Model(random, 3, 2);
        var y = RandomSystems.Observations(random, 12, 2);
        var messages = new ModelMessages(model);
        double gamma = messages.StableStepSize(new double[3]);
        var x = new double[12 * 3];
        var past = new double[x.Length];
        var own = new double[x.Length];
        var future = new double[x.Length];
        var flat = y.SelectMany(r => r).ToArray();
        for (int k = 0; k < 20000; k++)
        {
            messages.Compute(x, flat, [0, 12], past, own, future);
            for (int i = 0; i < x.Length; i++) x[i] += gamma * (past[i] + own[i] + future[i]);
        }
        var smoothed = KalmanSmoother.Smooth(model, y);
        for (int t = 0; t < 12; t++)
            for (int i = 0; i < 3; i++) Assert.Equal(smoothed.Means[t][i], x[t * 3 + i], 1e-8);
    }

    [Fact]
    public void Chains_in_one_batch_do_not_exchange_messages()
    {
        var system = new LinearTrackingSystem();
        var model = system.ApproximateModel(0.4);
        var a = system.Simulate(1, 0, 5);
        var b = system.Simulate(1, 1, 4);
        var messages = new ModelMessages(model);
        double[] X(StateSequence s) => s.Observations.SelectMany(o => new[] { o[0], 0.1, o[1], -0.1 }).ToArray();
        double[] Y(StateSequence s) => s.Observations.SelectMany(o => o).ToArray();
        (double[], double[], double[]) Run(double[] x, double[] y, int[] offsets)
        {
            var p = new double[x.Length]; var o = new double[x.Length]; var f = new double[x.Length];
            messages.Compute(x, y, offsets, p, o, f);
            return (p, o, f);
        }
        var separateA = Run(X(a), Y(a), [0, 5]);
        var separateB = Run(X(b), Y(b), [0, 4]);
        var together = Run([.. X(a), .. X(b)], [.. Y(a), .. Y(b)], [0, 5, 9]);
        Assert.Equal([.. separateA.Item1, .. separateB.Item1], together.Item1);
        Assert.Equal([.. separateA.Item2, .. separateB.Item2], together.Item2);
        Assert.Equal([.. separateA.Item3, .. separateB.Item3], together.Item3);
    }
}
