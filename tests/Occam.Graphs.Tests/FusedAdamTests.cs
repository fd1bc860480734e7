using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Occam.Graphs.Tests;

/// <summary><see cref="FusedAdam"/> against TorchSharp's own Adam (libtorch's implementation, a different code path) on the
/// same gradient sequence, and its state file.</summary>
public sealed class FusedAdamTests
{
    /// <summary>Three float32 parameters of odd sizes (so the vector loop's tail runs), the same values in each copy.</summary>
    static Parameter[] Parameters(int seed, ScalarType type = ScalarType.Float32)
    {
        var g = new Generator((ulong)seed);
        return [new(randn([7, 5], generator: g).to(type)), new(randn([13], generator: g).to(type)), new(randn([3, 2, 4], generator: g).to(type))];
    }

    /// <summary>Gives every parameter the gradient G (drawn from <paramref name="seed"/>) by differentiating Σ p·G.</summary>
    static void Backward(Tensor[] parameters, int seed)
    {
        var g = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var loss = parameters.Select(p => (p * randn(p.shape, generator: g).to(p.dtype)).sum()).Aggregate((a, b) => a + b);
        loss.backward();
    }

    static double[] Flat(Tensor[] parameters) => parameters.SelectMany(TestGraphs.Values).ToArray();

    /// <summary>Both are the same formula in a different order, so they differ by rounding: ~1e-7 per step in float32,
    /// ~1e-16 in float64. The parameters move by ~lr per step, so a wrong moment, bias correction or decay would differ by
    /// far more than either tolerance.</summary>
    [Theory]
    [InlineData(ScalarType.Float32, 2e-6)]
    [InlineData(ScalarType.Float64, 1e-10)]
    public void Twenty_steps_match_torchs_adam_with_weight_decay_and_a_changing_learning_rate(ScalarType type, double tolerance)
    {
        var fusedParameters = Parameters(3, type);
        var torchParameters = Parameters(3, type);
        var fused = new FusedAdam(fusedParameters, 1e-2, weightDecay: 1e-2);
        using var reference = optim.Adam(torchParameters, lr: 1e-2, weight_decay: 1e-2);
        for (int step = 0; step < 20; step++)
        {
            double lr = 1e-2 * (1 + 0.5 * Math.Sin(step));
            fused.LearningRate = lr;
            foreach (var group in reference.ParamGroups) group.LearningRate = lr;
            fused.ZeroGrad();
            reference.zero_grad();
            Backward(fusedParameters, 100 + step);
            Backward(torchParameters, 100 + step);
            fused.Step();
            reference.step();
        }
        var a = Flat(fusedParameters);
        var b = Flat(torchParameters);
        var start = Flat(Parameters(3, type));
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= tolerance, $"parameter value {i}: fused {a[i]}, torch {b[i]}");
        double moved = a.Zip(start).Average(p => Math.Abs(p.First - p.Second));
        Assert.True(moved > 1e-2, $"the parameters moved by {moved:G3} on average");
        Assert.Equal(20, fused.Steps);
    }

    [Fact]
    public void Zero_grad_makes_the_next_backward_start_from_zero()
    {
        var parameters = Parameters(4);
        var adam = new FusedAdam(parameters);
        Backward(parameters, 1);
        adam.ZeroGrad();
        Assert.All(parameters, p => Assert.All(TestGraphs.Values(p.grad!), v => Assert.Equal(0.0, v)));
        Backward(parameters, 2);
        var fresh = Parameters(4);
        Backward(fresh, 2);
        Assert.Equal(parameters.SelectMany(p => TestGraphs.Values(p.grad!)), fresh.SelectMany(p => TestGraphs.Values(p.grad!)));
    }

    [Fact]
    public void Saving_and_loading_the_state_continues_exactly_like_an_uninterrupted_run()
    {
        var whole = Parameters(5);
        var adamWhole = new FusedAdam(whole, 3e-3, weightDecay: 1e-3);
        var first = Parameters(5);
        var adamFirst = new FusedAdam(first, 3e-3, weightDecay: 1e-3);
        for (int step = 0; step < 10; step++)
            foreach (var (p, adam) in new[] { (whole, adamWhole), (first, adamFirst) })
            {
                adam.ZeroGrad();
                Backward(p, step);
                adam.Step();
            }
        var path = Path.Combine(Path.GetTempPath(), $"occam-adam-{Guid.NewGuid():N}.bin");
        try
        {
            adamFirst.Save(path);
            var resumed = Parameters(6);
            using (no_grad())
                foreach (var (to, from) in resumed.Zip(first)) to.copy_(from);
            var adamResumed = new FusedAdam(resumed, 3e-3, weightDecay: 1e-3);
            adamResumed.Load(path);
            Assert.Equal(10, adamResumed.Steps);
            for (int step = 10; step < 20; step++)
                foreach (var (p, adam) in new[] { (whole, adamWhole), (resumed, adamResumed) })
                {
                    adam.ZeroGrad();
                    Backward(p, step);
                    adam.Step();
                }
            Assert.Equal(Flat(whole), Flat(resumed));

            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var error = Assert.Throws<InvalidDataException>(() => adamResumed.Load(path));
            Assert.Contains("ends early", error.Message);
            var other = new FusedAdam([zeros(3).requires_grad_()]);
            File.WriteAllBytes(path, bytes);
            Assert.Contains("parameters", Assert.Throws<InvalidDataException>(() => other.Load(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Refuses_parameters_it_cannot_update_in_place_and_impossible_settings()
    {
        Assert.Throws<ArgumentException>(() => new FusedAdam([zeros(3, dtype: ScalarType.Float16).requires_grad_()]));
        Assert.Throws<ArgumentException>(() => new FusedAdam([zeros(3, 4).t()]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FusedAdam([zeros(3)], learningRate: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FusedAdam([zeros(3)], beta1: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FusedAdam([zeros(3)], weightDecay: -1));
    }

    [Fact]
    public void A_parameter_without_a_gradient_is_left_alone()
    {
        var used = zeros(4).requires_grad_();
        var unused = ones(4).requires_grad_();
        var adam = new FusedAdam([used, unused], 0.1);
        (used * 2).sum().backward();
        adam.Step();
        Assert.All(TestGraphs.Values(unused), v => Assert.Equal(1.0, v));
        Assert.All(TestGraphs.Values(used), v => Assert.Equal(-0.1, v, 1e-6)); // first step: −lr·sign(g)
    }
}
