using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Occam.Graphs;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with PyTorch's update rule and L2 weight decay (<c>torch.optim.Adam(weight_decay=…)</c>), done
/// in one pass over each parameter's memory on the CPU instead of a dozen tensor operations per parameter:
/// g ← g + λ·p; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p − (lr / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε).
/// For the graph networks Occam trains, TorchSharp's Adam spent about a seventh of a training step dispatching those
/// operations (docs/performance.md). Parameters must be contiguous float32 or float64 CPU tensors; the moments live in
/// managed arrays of the parameter's type, and the update runs in that type.
/// </summary>
public sealed class FusedAdam
{
    readonly Tensor[] parameters;
    readonly Array[] first;  // float[] or double[], as the parameter
    readonly Array[] second;

    /// <summary>An optimiser for <paramref name="parameters"/> with learning rate <paramref name="learningRate"/>.</summary>
    /// <exception cref="ArgumentException">A parameter is not a contiguous float32 or float64 CPU tensor, or a setting is out of range.</exception>
    public FusedAdam(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        this.parameters = parameters.ToArray();
        foreach (var p in this.parameters)
            if (p.dtype is not (ScalarType.Float32 or ScalarType.Float64) || p.device_type != DeviceType.CPU || !p.is_contiguous())
                throw new ArgumentException($"FusedAdam needs contiguous float32 or float64 CPU parameters; got a {(p.is_contiguous() ? "" : "non-contiguous ")}{p.dtype} tensor on {p.device_type}", nameof(parameters));
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be non-negative.");
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must lie in [0, 1).");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must lie in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be positive.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be non-negative.");
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        first = this.parameters.Select(Moments).ToArray();
        second = this.parameters.Select(Moments).ToArray();
    }

    /// <summary>The learning rate of the next step (a schedule sets it before each step).</summary>
    public double LearningRate { get; set; }
    /// <summary>β₁, the first moment's decay.</summary>
    public double Beta1 { get; }
    /// <summary>β₂, the second moment's decay.</summary>
    public double Beta2 { get; }
    /// <summary>ε, added to the second moment's root.</summary>
    public double Epsilon { get; }
    /// <summary>λ, the L2 weight decay added to the gradient.</summary>
    public double WeightDecay { get; }
    /// <summary>Steps taken (t).</summary>
    public long Steps { get; private set; }

    /// <summary>Sets every parameter's gradient to zero (in place, so the gradients keep their memory).</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters)
        {
            using var grad = p.grad;
            if (grad is null) continue;
            if (!grad.is_contiguous()) throw new InvalidOperationException("FusedAdam needs contiguous gradients");
            grad.bytes.Clear();
        }
    }

    /// <summary>One Adam step on the gradients that backward left in the parameters (a parameter without one is skipped,
    /// as PyTorch does).</summary>
    public void Step()
    {
        Steps++;
        double stepSize = LearningRate / (1 - Math.Pow(Beta1, Steps));
        double rootCorrection = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        using var noGrad = no_grad();
        for (int k = 0; k < parameters.Length; k++)
        {
            using var grad = parameters[k].grad;
            if (grad is null) continue;
            if (!grad.is_contiguous()) throw new InvalidOperationException("FusedAdam needs contiguous gradients");
            if (first[k] is float[] m)
                Update(Values<float>(parameters[k]), Values<float>(grad), m, (float[])second[k], (float)Beta1, (float)Beta2,
                    (float)WeightDecay, (float)Epsilon, (float)stepSize, (float)rootCorrection);
            else
                Update(Values<double>(parameters[k]), Values<double>(grad), (double[])first[k], (double[])second[k], Beta1, Beta2,
                    WeightDecay, Epsilon, stepSize, rootCorrection);
        }
    }

    static Array Moments(Tensor p) => p.dtype == ScalarType.Float32 ? new float[p.numel()] : new double[p.numel()];

    static Span<T> Values<T>(Tensor t) where T : unmanaged => MemoryMarshal.Cast<byte, T>(t.bytes);

    static void Update<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, T beta1, T beta2, T decay, T epsilon, T stepSize,
        T rootCorrection) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vp = MemoryMarshal.Cast<T, Vector<T>>(p);
            var vg = MemoryMarshal.Cast<T, Vector<T>>(g);
            var vm = MemoryMarshal.Cast<T, Vector<T>>(m);
            var vv = MemoryMarshal.Cast<T, Vector<T>>(v);
            Vector<T> b1 = new(beta1), c1 = new(T.One - beta1), b2 = new(beta2), c2 = new(T.One - beta2), lambda = new(decay),
                eps = new(epsilon), size = new(stepSize), root = new(rootCorrection);
            for (int k = 0; k < vp.Length; k++)
            {
                var grad = vg[k] + lambda * vp[k];
                vm[k] = b1 * vm[k] + c1 * grad;
                vv[k] = b2 * vv[k] + c2 * grad * grad;
                vp[k] -= size * vm[k] / (Vector.SquareRoot(vv[k]) / root + eps);
            }
            i = vp.Length * Vector<T>.Count;
        }
        for (; i < p.Length; i++)
        {
            T grad = g[i] + decay * p[i];
            m[i] = beta1 * m[i] + (T.One - beta1) * grad;
            v[i] = beta2 * v[i] + (T.One - beta2) * grad * grad;
            p[i] -= stepSize * m[i] / (T.Sqrt(v[i]) / rootCorrection + epsilon);
        }
    }

    /// <summary>Writes the step count and both moments to <paramref name="path"/> (a small binary file).</summary>
    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(Magic);
        writer.Write(Steps);
        writer.Write(parameters.Length);
        for (int k = 0; k < parameters.Length; k++)
        {
            writer.Write(first[k].Length);
            writer.Write(Bytes(first[k]));
            writer.Write(Bytes(second[k]));
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The file is not an optimiser state for these parameters (the message says what
    /// differs).</exception>
    public void Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        try
        {
            if (reader.ReadUInt64() != Magic) throw new InvalidDataException("not an Occam Adam state");
            long steps = reader.ReadInt64();
            int count = reader.ReadInt32();
            if (count != parameters.Length) throw new InvalidDataException($"it holds {count} parameters, the network has {parameters.Length}");
            if (steps < 0) throw new InvalidDataException($"negative step count {steps}");
            var m = new Array[count];
            var v = new Array[count];
            for (int k = 0; k < count; k++)
            {
                int length = reader.ReadInt32();
                if (length != first[k].Length) throw new InvalidDataException($"parameter {k} has {length} values, the network's has {first[k].Length}");
                m[k] = Moments(parameters[k]);
                v[k] = Moments(parameters[k]);
                reader.BaseStream.ReadExactly(Bytes(m[k]));
                reader.BaseStream.ReadExactly(Bytes(v[k]));
            }
            if (reader.BaseStream.Position != reader.BaseStream.Length) throw new InvalidDataException("it has data after the last parameter");
            Steps = steps;
            for (int k = 0; k < count; k++)
            {
                Array.Copy(m[k], first[k], m[k].Length);
                Array.Copy(v[k], second[k], v[k].Length);
            }
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("it ends early");
        }
    }

    static Span<byte> Bytes(Array moments) => moments is float[] f ? MemoryMarshal.AsBytes(f.AsSpan()) : MemoryMarshal.AsBytes(((double[])moments).AsSpan());

    /// <summary>"OCCAMADM" in ASCII, little-endian.</summary>
    const ulong Magic = 0x4D44414D4143434FUL;
}
